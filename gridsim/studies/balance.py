"""The power-balance study: scenario -> network, profiles -> dispatch -> KPIs -> files.

>>> res = run_balance("ningxia_2025", progress=lambda stage, rep, n: print(stage, rep.index))
>>> res.kpis["renewable_utilisation"], res.scorecard
>>> res.write("results/ningxia_2025")

Steps (each hands plain data to the next):

1. :func:`prepare_network`: the scenario's network with ``[network.overrides]`` and
   ``[storage]`` applied (capacities, minimum loads, CHP floors, storage on/off);
2. :func:`prepare_profiles`: the profile set (read or generated), the load scaled to
   the monthly demand, export schedules scaled, shaped and fitted to their energy per
   link (:mod:`gridsim.studies.balance_inputs`), cut to the study period;
3. :func:`prepare_problem`: ``build_problem`` with the scenario's BuildOptions, then
   what the dispatch builder has no option for (must-run floors, AC exchange limits
   and prices, the flat AC export block);
4. rolling-horizon solve; a copper-plate re-run when the network model is not the
   copper plate (curtailment by cause); KPIs and the plan scorecard.

Numerical failures are statuses: an infeasible window ends the run with its
diagnosis, and the windows solved before it are kept (and written).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gridsim import kpi
from gridsim.dispatch import (
    BuildOptions,
    DispatchOptions,
    DispatchProblem,
    DispatchResult,
    SolverOptions,
    WindowReport,
    build_problem,
    solve_dispatch,
)
from gridsim.dispatch.build import ThermalFloor
from gridsim.dispatch.build_units import generator_kinds
from gridsim.dispatch.security import options_sets
from gridsim.errors import InputError
from gridsim.network.io import resolve_network_path
from gridsim.network.network import Network
from gridsim.profiles import ProfileSet
from gridsim.profiles.files import file_sha256
from gridsim.profiles.heating import heat_load_table
from gridsim.profiles.monthly import scale_to_monthly_flh
from gridsim.results.key_kpis import flatten
from gridsim.results.write import write_results
from gridsim.scenario import SCHEMA, Scenario, display_path, load_scenario
from gridsim.scenario.values import iso_timestamp
from gridsim.studies import input_cache  # networks and profile sets read once per sweep worker
from gridsim.studies.balance_inputs import export_energy_mwh, export_schedules, monthly_demand
from gridsim.studies.balance_network import close_matches, set_dates, set_storage, set_unit_mw
from gridsim.studies.balance_stability import dc_support_rules
from gridsim.targets import load_targets, resolve_targets

if TYPE_CHECKING:
    from gridsim.studies.ac_check_tables import AcCheckResult

Arr = np.ndarray
#: ``progress(stage, report, n_windows)`` after each window; stage is "dispatch",
#: "copperplate" or "weather year <seed>". Returning False cancels the run.
Progress = Callable[[str, WindowReport, int], Any]
AC_BLOCK = "ac_northwest"
"""Name of the flat AC export block added as an export link (``exports.ac_export_twh``)."""


@dataclass
class BalanceResult:
    """Outcome of :func:`run_balance`.

    ``dispatch`` is the DispatchResult (arrays NaN after a failed window), ``kpis`` the
    summary dict (see :func:`gridsim.kpi.summary`), ``scorecard`` the plan targets
    (target, value, met), ``copperplate`` the copper-plate re-run (or None),
    ``weather_years`` key KPIs per extra weather seed, ``manifest`` the provenance,
    ``ac_check`` the AC check of every dispatched hour (``[study] ac_check = true``;
    written to ``ac_check/`` of the results folder).
    """

    scenario: Scenario
    network: Network
    dispatch: DispatchResult
    kpis: dict[str, Any]
    scorecard: pd.DataFrame
    manifest: dict[str, Any]
    copperplate: DispatchResult | None = None
    weather_years: pd.DataFrame | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    ac_check: AcCheckResult | None = None

    @property
    def status(self) -> str:
        """``optimal`` or the status of the first failed window."""
        return self.dispatch.status

    @property
    def ok(self) -> bool:
        return self.dispatch.ok

    def write(self, out_dir: str | Path | None = None, overwrite: bool = False) -> Path:
        """Write every result file to ``out_dir`` (default: the scenario's output dir).

        Never replaces a file or a folder that gridsim did not write; an earlier
        gridsim result is replaced only with ``overwrite=True``
        (see :mod:`gridsim.results.publish`)."""
        return write_results(self, out_dir, overwrite, self._write_ac_check)

    def _write_ac_check(self, folder: Path) -> None:
        if self.ac_check is None:
            return
        from gridsim.studies.ac_check_write import FOLDER, run_provenance, write_ac_check

        write_ac_check(self.ac_check, folder / FOLDER, provenance=run_provenance(self.manifest))


# ------------------------------------------------------------------- network
def _units(net: Network, sc: Scenario, dotted: str, key: str) -> pd.Index:
    """In-service generators named ``key``, or of fuel ``key``; an error if none."""
    gen = net.gen[net.gen.in_service]
    if key in gen.index:
        return pd.Index([key])
    hit = gen.index[gen.fuel.str.lower() == key.lower()]
    if len(hit) == 0:
        fuels = ", ".join(sorted(set(gen.fuel.str.lower())))
        near = close_matches(key, [*gen.index, *set(gen.fuel.str.lower())])
        raise sc.error(dotted, f"names no in-service unit or fuel (fuels: {fuels}{near})", key)
    return hit


def prepare_network(sc: Scenario) -> Network:
    """The scenario's network with ``[network.overrides]`` and ``[storage]`` applied."""
    net = input_cache.network(sc.network.file or sc.network.name or "")
    net.validate(require_slack=False)  # the dispatch needs no slack generator
    ov, gen = sc.network.overrides, net.gen
    if sc.prices.coal_cny_per_tce is not None:
        coal = gen.fuel.str.lower() == "coal"
        gen.loc[coal, "cost_per_mwh"] = (
            gen.coal_gce_per_kwh[coal] * sc.prices.coal_cny_per_tce / 1e3
        )

    def scale(idx: pd.Index, factor: float) -> None:
        gen.loc[idx, "max_p_mw"] = gen.max_p_mw[idx] * factor
        gen.loc[idx, "min_p_mw"] = gen.min_p_mw[idx] * factor

    for fuel, factor in ov.scale.items():
        scale(_units(net, sc, f"network.overrides.scale.{fuel}", fuel), factor)
    for fuel, by_zone in ov.capacity_mw.items():
        for zone, mw in by_zone.items():
            dotted = f"network.overrides.{fuel}_mw.{zone}"
            idx = _units(net, sc, dotted, fuel)
            idx = idx if zone == "all" else idx[gen.zone[idx] == zone]
            total = float(gen.max_p_mw[idx].sum())
            if total <= 0:
                raise sc.error(dotted, f"has no {fuel} capacity in zone '{zone}' to scale", mw)
            scale(idx, mw / total)
    for fuel, monthly in ov.monthly_mw.items():
        dotted = f"network.overrides.{fuel}_monthly_mw"
        if len(monthly) != 12:
            raise sc.error(dotted, "must have 12 values (Jan..Dec)", monthly)
        if float(gen.max_p_mw[_units(net, sc, dotted, fuel)].sum()) <= 0:
            raise sc.error(dotted, f"has no {fuel} capacity to scale", monthly)
    for fuel, share in ov.min_load_share.items():
        idx = _units(net, sc, f"network.overrides.min_load_share.{fuel}", fuel)
        gen.loc[idx, "min_p_mw"] = gen.max_p_mw[idx] * share
    if ov.chp_min_share is not None:
        gen.loc[gen.chp.astype(bool), "chp_min_share"] = ov.chp_min_share
    set_unit_mw(net, sc)
    set_dates(net, sc)
    for table in ("unit_size_mw", "min_up_time_h", "min_down_time_h"):
        for key, value in getattr(ov, table).items():
            gen.loc[_units(net, sc, f"network.overrides.{table}.{key}", key), table] = value
    for key in ov.always_committed:  # names are checked before the solve
        _units(net, sc, "network.overrides.always_committed", key)
    for table in ("must_run", "heating_must_run"):
        for key in getattr(ov, table):
            _units(net, sc, f"network.overrides.{table}.{key}", key)
    set_storage(net, sc)
    dc_support_rules(sc, net)  # names checked before the solve
    return net


# ------------------------------------------------------------------ profiles
def prepare_profiles(
    sc: Scenario, seed: int | None = None, net: Network | None = None
) -> tuple[ProfileSet, int]:
    """The scenario's profiles, the load scaled to the monthly demand (``[demand]``) and
    the export schedules scaled, shaped and fitted to their energy (``[exports]``, see
    :mod:`gridsim.studies.balance_inputs`), cut to the study period.

    Returns the set and the number of hours of its calendar year (for annual targets;
    also for a set of fewer hours, see :attr:`ProfileSet.year_hours`). ``seed`` replaces
    the weather seed of generated profiles (weather years); ``net`` is the prepared
    network (ratings and dates of the DC links; made from the scenario when needed).
    """
    if sc.profiles.dir is not None:
        full = input_cache.profile_set(sc.profiles.dir)
    else:
        g = dict(sc.profiles.generate or {})
        full = input_cache.generated_profiles(
            g["year"],
            g["seed"] if seed is None else seed,
            demand_twh=g["demand_twh"],
            tracking=g["tracking"],
            solar_bump=g["solar_bump"],
        )
    for kind in ("wind", "solar"):
        monthly = getattr(sc.profiles, f"{kind}_monthly_flh")
        if monthly:
            dotted = f"profiles.{kind}_monthly_flh"
            if len(monthly) != 12:
                raise sc.error(dotted, "must have 12 values (Jan..Dec)", monthly)
            try:
                setattr(full, f"{kind}_cf", scale_to_monthly_flh(getattr(full, f"{kind}_cf"), monthly, dotted))  # fmt: skip
            except InputError as err:
                raise sc.error(dotted, err.problem, monthly) from None
    snaps = full.snapshots
    keep = np.ones(len(snaps), dtype=bool)
    if not sc.study.whole_year:
        tz = snaps.tz
        t0, t1 = (pd.Timestamp(x) for x in (sc.study.start, sc.study.end))
        t0, t1 = (t if t.tz is not None else t.tz_localize(tz) for t in (t0, t1))
        keep = np.asarray((snaps >= t0) & (snaps < t1))
        if not keep.any():
            span = f"{snaps[0]:%Y-%m-%d %H:%M} .. {snaps[-1]:%Y-%m-%d %H:%M}"
            raise sc.error(
                "study.start", f"selects no hour of the profiles ({span})", sc.study.start
            )
    if net is None and (sc.exports.energy_twh or sc.exports.monthly_shape):
        net = prepare_network(sc)
    export = export_schedules(sc, net or Network(), full, full.year_hours)[keep]
    load = monthly_demand(sc, full)[keep]
    cut = replace(full.rows(keep), load_mw=load, export_pu=export)
    out = _with_weather(sc, cut)
    out.heat_load_pu = heat_load_table(out.heating)
    return out, full.year_hours


def _with_weather(sc: Scenario, profiles: ProfileSet) -> ProfileSet:
    """``profiles`` with the capacity factors of ``[profiles.weather]`` (if any) in place
    of its ``wind_cf`` / ``solar_cf``, on the study's hours only; load, heating and exports
    stay. A bad file raises InputError naming it (and the field that set it)."""
    w = sc.profiles.weather
    if w is None:
        return profiles
    from gridsim.profiles.weather_files import WeatherSource, apply_weather

    def source(spec: Any) -> WeatherSource | None:
        if spec is None:
            return None
        return WeatherSource(**{f: getattr(spec, f) for f in spec.__dataclass_fields__})

    try:
        return apply_weather(profiles, source(w.wind), source(w.solar), weather_year=w.weather_year)  # fmt: skip
    except InputError as err:  # name the file as the scenario's messages do
        raise (err.with_source(display_path(err.source)) if err.source else err) from None


# ------------------------------------------------------------------- problem
def build_options(
    sc: Scenario,
    network_model: str,
    share_of_year: float,
    net: Network | None = None,
    year_hours: int = 8760,
    prof: ProfileSet | None = None,
) -> BuildOptions:
    """BuildOptions from the scenario; annual energies are pro-rated by ``share_of_year``.

    Scenario fields that declare an ``option`` (:data:`gridsim.scenario.SCHEMA`) set that
    BuildOptions field as they are; the rest is derived here: the network model, annual
    energies and hour budgets pro rata, unset limits as NaN, the thermal floors (with
    ``net``: ``network.overrides.always_committed``, ``must_run``, ``heating_must_run``
    resolved to units), the flat AC export block (its annual energy over
    ``year_hours``) and, with ``net`` and ``prof``, the energy of the ``energy_twh`` links
    over the period (:func:`~gridsim.studies.balance_inputs.export_energy_mwh`).
    """
    dr, ex, st = sc.demand_response, sc.exports, sc.study
    flat = {AC_BLOCK: ex.ac_export_twh * 1e6 / year_hours} if ex.ac_export_twh else {}
    floors = {k: v * 1e6 * share_of_year for k, v in ex.min_twh.items()}
    caps: dict[str, float] = {}
    if net is not None and prof is not None:
        floors, caps = export_energy_mwh(sc, net, prof, share_of_year)
    return BuildOptions(
        **declared_options(sc),
        network=network_model,
        energy_budget_flh=dict(st.hydro_flh),
        export_energy_mwh=floors,
        export_energy_max_mwh=caps,
        export_ramp_pu_per_h=np.nan if ex.ramp_pu_per_h is None else ex.ramp_pu_per_h,
        dr_curtailable_hours=np.nan
        if dr.curtailable_hours is None
        else dr.curtailable_hours * share_of_year,
        thermal_floors=_floors(sc, net) if net is not None else (),
        flat_exports_mw=flat,
        hydro_monthly_shape=tuple(sc.hydro.monthly_shape),
        fleet_monthly_mw={f: tuple(v) for f, v in sc.network.overrides.monthly_mw.items()},
        **(_thermal_rules(sc, net) if net is not None else {}),
        dc_support=dc_support_rules(sc, net) if net is not None else (),
    )


def _thermal_rules(sc: Scenario, net: Network) -> dict[str, Any]:
    """The ``[thermal]`` operating rules as BuildOptions fields, fuels resolved to units."""
    th = sc.thermal

    def by_unit(table: dict[str, Any], dotted: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in sorted(table.items(), key=lambda kv: kv[0] in net.gen.index):
            for unit in _units(net, sc, f"{dotted}.{key}", key):  # fuels, then units
                out[str(unit)] = value
        return out

    periods: dict[str, tuple[str, str]] = {}
    for unit, text in th.maintenance.items():
        dotted = f"thermal.maintenance.{unit}"
        if unit not in net.gen.index:
            raise sc.error(dotted, "is not a unit of the network", unit)
        parts = text.split("/")
        if len(parts) != 2 or any(iso_timestamp(x) is None for x in parts):
            raise sc.error(dotted, "must be 'START/END' with ISO dates (2021-05-01/2021-05-29)", text)  # fmt: skip
        if pd.Timestamp(parts[0]) >= pd.Timestamp(parts[1]):
            raise sc.error(dotted, "ends before it starts", text)
        periods[unit] = (parts[0], parts[1])
    bad = [m for m in th.maintenance_months_excluded if not 1 <= m <= 12]
    if bad:
        raise sc.error("thermal.maintenance_months_excluded", "must be months 1..12", bad[0])
    if len(th.tier_min_share) != len(th.tier_price):
        raise sc.error("thermal.tier_price", f"needs one price per tier ({len(th.tier_min_share)} tiers)", th.tier_price)  # fmt: skip
    if any(b < a for a, b in zip(th.tier_price, th.tier_price[1:])):
        raise sc.error("thermal.tier_price", "must not fall with depth (tiers shallowest first)", th.tier_price)  # fmt: skip
    if any(b > a for a, b in zip(th.tier_min_share, th.tier_min_share[1:])):
        raise sc.error("thermal.tier_min_share", "must fall from tier to tier (shallowest first)", th.tier_min_share)  # fmt: skip
    shape = sc.hydro.monthly_shape
    if shape and (len(shape) != 12 or sum(shape) <= 0):
        raise sc.error("hydro.monthly_shape", "must have 12 values (Jan..Dec) with a positive sum", shape)  # fmt: skip
    normal = {k: th.normal_min_share for k in th.peak_regulation}
    return {
        "peak_normal_min_share": by_unit(normal, "thermal.peak_regulation"),
        "peak_tier_min_share": tuple(th.tier_min_share),
        "peak_tier_price_per_mwh": tuple(th.tier_price),
        "forced_outage_rate": by_unit(th.forced_outage_rate, "thermal.forced_outage_rate"),
        "maintenance_weeks": by_unit(th.maintenance_weeks, "thermal.maintenance_weeks"),
        "maintenance_months_excluded": tuple(th.maintenance_months_excluded),
        "maintenance_periods": periods,
    }


def declared_options(sc: Scenario) -> dict[str, Any]:
    """The BuildOptions fields that scenario fields set as they are (their ``option``)."""
    out: dict[str, Any] = {}
    for table, fields in SCHEMA.items():
        for key, spec in fields.items():
            if spec.option:
                out[spec.option] = getattr(getattr(sc, table), key)
    return out


def prepare_problem(
    sc: Scenario,
    net: Network,
    prof: ProfileSet,
    year_hours: int,
    network_model: str | None = None,
) -> DispatchProblem:
    """The dispatch problem of the scenario: :func:`build_problem` with
    :func:`build_options` (floors, AC exchange settings and AC block included)."""
    share = len(prof.snapshots) / year_hours
    named = {f"exports.{k}_min_twh": k for k in sc.exports.min_twh}
    named.update({f"exports.energy_twh.{k}": k for k in sc.exports.energy_twh})
    for dotted, link in named.items():
        if link not in set(net.dcline.index[net.dcline.in_service]):
            known = ", ".join(net.dcline.index)
            raise sc.error(dotted, f"names no in-service DC link ({known})", link)
    model = network_model or sc.study.network_model
    return build_problem(net, prof, build_options(sc, model, share, net, year_hours, prof))


def _floors(sc: Scenario, net: Network) -> tuple[ThermalFloor, ...]:
    """The scenario's thermal floors, resolved to units (each must be thermal)."""
    ov = sc.network.overrides
    gen = net.gen
    kinds = dict(zip(gen.index, generator_kinds(gen.fuel.str.lower(), BuildOptions(), gen.role)))
    out: list[ThermalFloor] = []

    def add(key: str, dotted: str, share: float | None, heated: bool = False) -> None:
        for unit in _units(net, sc, dotted, key):
            if kinds.get(unit) != "thermal":
                raise sc.error(dotted, "applies to thermal units only", unit)
            out.append(ThermalFloor(str(unit), share, heated))

    for key in ov.always_committed:
        add(key, "network.overrides.always_committed", None)
    for key, share in ov.must_run.items():
        add(key, f"network.overrides.must_run.{key}", share)
    for key, share in ov.heating_must_run.items():
        add(key, f"network.overrides.heating_must_run.{key}", share, heated=True)
    return tuple(out)


# ---------------------------------------------------------------------- run
def dispatch_options(sc: Scenario, solver_log: bool = False) -> DispatchOptions:
    """Window, look-ahead, commitment, failure policy and solver settings of the scenario
    (``solver_log``: HiGHS's log on stderr)."""
    limit = sc.study.time_limit_s
    solver = SolverOptions(
        time_limit_s=np.inf if limit is None else limit, log=solver_log, mip_gap=sc.study.mip_gap
    )
    return DispatchOptions(
        window_h=sc.study.horizon_h,
        lookahead_h=sc.study.lookahead_h,
        commitment=sc.study.commitment,
        on_failure=sc.study.on_failure,
        solver=solver,
        flow_limits=sc.study.flow_limits,
        security=sc.study.security,
        security_contingencies=tuple(sc.study.security_contingencies) or None,
        security_monitored=tuple(sc.study.security_monitored) or None,
        post_contingency_rating_share=sc.study.post_contingency_rating_share,
        security_per_circuit=sc.study.security_per_circuit,
        method=sc.study.method,
        coarse_h=sc.study.coarse_h,
        workers=sc.study.workers,
        executor=sc.study.executor,
        address=sc.study.scheduler_address,
        scheduler_file=sc.study.scheduler_file,
    )


def _check_security(sc: Scenario, p: DispatchProblem) -> None:
    """The N-1 sets of ``[study]`` name branches of the problem (else an InputError
    naming the scenario file and field, with close matches)."""
    try:
        options_sets(p, dispatch_options(sc))
    except InputError as exc:
        field = exc.field if exc.field and exc.field != "security" else "security"
        raise sc.error(f"study.{field}", exc.problem, *([] if exc.value is None else [exc.value])) from None  # fmt: skip


def _solve(
    p: DispatchProblem,
    sc: Scenario,
    stage: str,
    progress: Progress | None,
    solver_log: bool = False,
) -> DispatchResult:
    cb = None if progress is None else (lambda rep, n: progress(stage, rep, n))
    opts = dispatch_options(sc, solver_log)
    if stage in ("copperplate", "without security"):  # the curtailment split's re-runs
        opts = replace(opts, security="none")
    return solve_dispatch(p, opts, progress=cb)


def run_balance(
    scenario: Scenario | str | Path, progress: Progress | None = None, solver_log: bool = False
) -> BalanceResult:
    """Run the power-balance study of ``scenario`` (a Scenario, a file or a shipped name).

    ``progress(stage, window_report, n_windows)`` is called after each window;
    ``solver_log`` shows HiGHS's log on stderr. Nothing is printed on stdout.

    Never raises for a numerical outcome: check ``result.status`` and
    ``result.dispatch.diagnosis``. Bad input raises :class:`~gridsim.errors.InputError`.
    """
    t_start = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    timings: dict[str, float] = {}
    tic = time.perf_counter()
    net = prepare_network(sc)
    prof, year_hours = prepare_profiles(sc, net=net)
    timings["inputs"] = time.perf_counter() - tic
    tic = time.perf_counter()
    problem = prepare_problem(sc, net, prof, year_hours)
    _check_security(sc, problem)
    timings["build"] = time.perf_counter() - tic
    tic = time.perf_counter()
    res = _solve(problem, sc, "dispatch", progress, solver_log)
    timings["dispatch"] = time.perf_counter() - tic
    cp = None
    if sc.study.network_model != "copperplate" and sc.study.curtailment_by_cause and res.ok:
        tic = time.perf_counter()
        cp_problem = prepare_problem(sc, net, prof, year_hours, "copperplate")
        cp = _solve(cp_problem, sc, "copperplate", progress, solver_log)
        timings["copperplate"] = time.perf_counter() - tic
    unsecured = None
    if sc.study.security != "none" and sc.study.curtailment_by_cause and res.ok:
        tic = time.perf_counter()
        unsecured = _solve(problem, sc, "without security", progress, solver_log)
        timings["without_security"] = time.perf_counter() - tic
    tic = time.perf_counter()
    kpis = kpi.summary(res, net, cp, unsecured)
    card = kpi.scorecard(kpis, targets=sc.targets)
    timings["kpi"] = time.perf_counter() - tic
    wy = None
    extra = [
        s for s in (sc.profiles.generate or {}).get("weather_years", []) if s != sc.profiles.seed
    ]
    if extra and res.ok:
        tic = time.perf_counter()
        rows = [_weather_row(sc.profiles.seed, kpis)]
        for seed in extra:
            wp, _ = prepare_profiles(sc, seed, net)
            wp_problem = prepare_problem(sc, net, wp, year_hours)
            wres = _solve(wp_problem, sc, f"weather year {seed}", progress, solver_log)
            rows.append(_weather_row(seed, kpi.summary(wres, net, None)))
        wy = pd.DataFrame(rows).set_index("seed")
        kpis["weather_years"] = _weather_stats(wy, sc.targets)
        timings["weather_years"] = time.perf_counter() - tic
    ac = None
    if sc.study.ac_check and res.ok:
        tic = time.perf_counter()
        ac = _ac_check(sc, net, prof, res)
        kpis["ac_check"] = _ac_kpis(ac.summary)
        timings["ac_check"] = time.perf_counter() - tic
    timings["total"] = time.perf_counter() - t_start
    manifest = _manifest(sc, net, prof, problem, res, cp, timings)
    return BalanceResult(sc, net, res, kpis, card, manifest, cp, wy, timings, ac)


def _ac_kpis(summary: dict[str, Any]) -> dict[str, Any]:
    from gridsim.studies.ac_check import ac_kpis

    return ac_kpis(summary)


def _ac_check(sc: Scenario, net: Network, prof: ProfileSet, res: DispatchResult) -> AcCheckResult:
    """The AC check of every hour of the dispatch ``res`` (``[ac_check]`` settings)."""
    from gridsim.studies.ac_check import aligned_profile_load, run_ac_check, settings_of
    from gridsim.studies.ac_check_inputs import dispatch_frames

    load = aligned_profile_load(prof.load_mw, res.problem.snapshots)
    return run_ac_check(net, dispatch_frames(res), settings_of(sc), load, sc.source)


WEATHER_KPIS = (
    "renewable_utilisation",
    "wind_utilisation",
    "solar_utilisation",
    "new_energy_share_of_generation",
    "renewable_share_of_consumption",
    "coal_rate_gce_per_kwh",
)


def _weather_row(seed: int | None, k: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"seed": seed, "status": k["solver"]["status"]}
    row.update({name: k[name] for name in WEATHER_KPIS})
    row["curtailed_mwh"] = k["curtailed_mwh"]["total"]
    row["generation_mwh"] = k["generation_mwh"]["total"]
    return row


def _weather_stats(wy: pd.DataFrame, targets: Any = None) -> dict[str, Any]:
    """Statistics of the KPIs over the weather years: mean, min, max, the 10th, 50th and
    90th percentiles (``p10``, ``p50``, ``p90``, linear interpolation between years) and,
    per scorecard target on one of these KPIs, the share of weather years that meet it
    (``share_meeting_target``: target label -> share)."""
    num = wy.drop(columns="status").astype(float)
    out: dict[str, Any] = {
        "seeds": [int(s) for s in wy.index],
        "mean": num.mean().to_dict(),
        "min": num.min().to_dict(),
        "max": num.max().to_dict(),
    }
    for q in (10, 50, 90):
        out[f"p{q}"] = num.quantile(q / 100.0).to_dict()
    rows = load_targets(targets) if isinstance(targets, str | Path) else (targets or [])
    out["share_meeting_target"] = {
        t.label: float(np.mean([t.met(float(x)) for x in num[t.kpi]]))
        for t in rows
        if t.kpi in num.columns
    }
    return out


def _manifest(
    sc: Scenario,
    net: Network,
    prof: ProfileSet,
    problem: DispatchProblem,
    res: DispatchResult,
    cp: DispatchResult | None,
    timings: dict[str, float],
) -> dict[str, Any]:
    from gridsim import __version__

    net_file = resolve_network_path(sc.network.file or sc.network.name or "")
    tfile = resolve_targets(sc.targets, sc.path.parent if sc.path else None)
    return {
        "gridsim_version": __version__,
        "scenario": {
            "name": sc.name,
            "path": sc.source,
            "sha256": sc.sha256(),
            "files_sha256": sc.files_sha256(),
            "parameters": flatten(sc.data),  # the merged scenario, dotted keys
        },
        "inputs": {
            "network": {"file": display_path(net_file), "sha256": file_sha256(net_file)},
            "profiles": {
                "dir": display_path(sc.profiles.dir) if sc.profiles.dir else None,
                "generated": sc.profiles.generate,
                "weather": prof.meta.get("weather"),
                "tables_sha256": prof.hashes(),
            },
            "problem_sha256": problem.digest(),
            "targets": {
                "set": str(sc.targets),
                "file": display_path(tfile),
                "sha256": file_sha256(tfile),
            },  # fmt: skip
        },
        "seed": prof.meta.get("seed"),
        "solver_random_seed": res.options.get("random_seed", 0),
        "status": res.status,
        "copperplate_status": cp.status if cp is not None else None,
        "solved_hours": res.solved_hours,
        "hours": problem.T,
        "period": [str(problem.snapshots[0]), str(problem.snapshots[-1])] if problem.T else [],
        "windows": len(res.windows),
        "dispatch": {
            k: res.options.get(k)
            for k in (
                "method",
                "window_h",
                "lookahead_h",
                "commitment",
                "coarse_h",
                "workers",
                "executor",
            )
        },  # fmt: skip
        "stages": {k: v for k, v in res.stages.items() if isinstance(v, (str, int, float))},
        "diagnosis": str(res.diagnosis) if res.diagnosis else None,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
