"""The AC check of a dispatch: every dispatched hour solved as an AC power flow.

>>> chk = ac_check_run("results/ningxia_2025")                # doctest: +SKIP
>>> chk.summary["voltage"]["hours"], chk.violations.head()     # doctest: +SKIP
>>> write_ac_check(chk, "results/ningxia_2025/ac_check")       # doctest: +SKIP

The hours become bus injections (:mod:`gridsim.studies.ac_check_inputs`), one AC time
series solves them all (:func:`~gridsim.studies.timeseries.run_timeseries`; with units
decommitted or reactive limits enforced,
:func:`~gridsim.studies.ac_check_control.solve_controlled`) and
:mod:`gridsim.studies.ac_check_tables` turns the solution into what is reported:
bus voltages outside their band, branches above their rating, AC losses against the
dispatch's loss assumption, generators' reactive power and reserve, and the hours
that do not converge with their diagnosis.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from gridsim.network.network import Network
from gridsim.powerflow.compile import compile_network
from gridsim.studies.ac_check_control import online_share, regulating, solve_controlled
from gridsim.studies.ac_check_inputs import (
    AcCheckSettings,
    Frames,
    ac_inputs,
    ac_network,
    bus_shape_mw,
    dispatch_frames,
    run_frames,
)
from gridsim.studies.ac_check_tables import AcCheckResult, analyse
from gridsim.studies.timeseries import run_timeseries

if TYPE_CHECKING:
    from gridsim.scenario import Scenario
    from gridsim.studies.balance import BalanceResult

log = logging.getLogger(__name__)


def run_ac_check(
    net: Network,
    frames: Frames,
    settings: AcCheckSettings | None = None,
    profile_load_mw: pd.DataFrame | None = None,
    source: str | None = None,
) -> AcCheckResult:
    """Solve every hour of the dispatch ``frames`` on ``net`` (the network the dispatch
    ran on, with the scenario's changes) and report it.

    ``profile_load_mw``: the profile set's hourly demand per zone or load over the same
    hours (splits each dispatch node's demand over its buses; None: by the loads'
    ``p_mw``). Bad input raises :class:`~gridsim.errors.InputError`; hours that do not
    converge are reported in ``failed``, never raised.
    """
    s = settings or AcCheckSettings()
    s.check(source)
    tic = time.perf_counter()
    net_ac = ac_network(net)
    load = frames("load_mw")
    index = load.index if load is not None else pd.Index([])
    shape = bus_shape_mw(net, profile_load_mw, index)
    inputs = ac_inputs(net_ac, frames, s, shape)
    t_inputs = time.perf_counter() - tic
    tic = time.perf_counter()
    c = compile_network(net_ac)
    max_p = net_ac.gen["max_p_mw"].reindex(c.gen_names).to_numpy(float)
    online = online_share(frames, c, max_p, len(index))
    control = None
    if s.enforce_q_limits or (online[:, regulating(c)] <= 0).any():
        ts, control = solve_controlled(net_ac, inputs, online, enforce_q_limits=s.enforce_q_limits, engine=s.engine, compiled=c)  # fmt: skip
    else:  # every unit regulates all year: one Jacobian pattern for every hour
        ts = run_timeseries(net_ac, inputs, algorithm="ac", engine=s.engine, keep_injections=True)  # fmt: skip
    t_solve = time.perf_counter() - tic
    tic = time.perf_counter()
    out = analyse(net_ac, inputs, ts, frames, s, online, control)
    ts.s_bus_pu = None  # (n, T): only the analysis needs them
    timings = {"inputs": t_inputs, "solve": t_solve, "analyse": time.perf_counter() - tic}
    out.summary["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    out.timings_s = timings
    out.series = ts
    log.info("AC check: %d hours solved in %.2f s, %d not converged", len(index), t_solve, ts.n_failed)  # fmt: skip
    return out


def settings_of(sc: Scenario) -> AcCheckSettings:
    """The scenario's ``[ac_check]`` table as :class:`AcCheckSettings`."""
    a = sc.ac_check
    return AcCheckSettings(
        load_power_factor=a.load_power_factor,
        converter_q_share=a.converter_q_share,
        filter_q_share=a.filter_q_share,
        vm_min_pu=a.vm_min_pu,
        vm_max_pu=a.vm_max_pu,
        max_loading_percent=a.max_loading_percent,
        engine=a.engine,
        enforce_q_limits=a.enforce_q_limits,
    )


def ac_check_balance(res: BalanceResult, settings: AcCheckSettings | None = None) -> AcCheckResult:
    """The AC check of a power-balance result just run (its network and profiles)."""
    from gridsim.studies.balance import prepare_profiles

    prof, _ = prepare_profiles(res.scenario, net=res.network)
    s = settings or settings_of(res.scenario)
    return run_ac_check(res.network, dispatch_frames(res.dispatch), s, aligned_profile_load(prof.load_mw, res.dispatch.problem.snapshots), res.scenario.source)  # fmt: skip


def aligned_profile_load(load_mw: pd.DataFrame, index: pd.Index) -> pd.DataFrame | None:
    """The profile demand on the dispatch's hours (None when they differ)."""
    idx = pd.DatetimeIndex(load_mw.index)
    want = pd.DatetimeIndex(index)
    if idx.tz is None and want.tz is not None:
        idx = idx.tz_localize(want.tz)
    if len(idx) == len(want) and (idx == want).all():
        return load_mw
    df = load_mw.set_axis(idx)
    if not want.isin(idx).all():
        log.warning("profile demand does not cover the dispatch's hours: nodes split by the loads' p_mw")  # fmt: skip
        return None
    return df.loc[want]


def scenario_of_run(path: str | Path) -> Scenario:
    """The scenario a results folder was run from (its manifest's path, else its name)."""
    from gridsim.errors import InputError
    from gridsim.results.store import load_run
    from gridsim.scenario import load_scenario

    run = load_run(path)
    info = run.manifest.get("scenario") or {}
    tried = []
    for cand in (info.get("path"), info.get("name")):
        if not cand:
            continue
        tried.append(str(cand))
        try:
            return load_scenario(cand)
        except InputError as err:
            log.debug("scenario %s of %s not loaded: %s", cand, path, err)
    raise InputError(f"names no scenario that can be read (tried: {', '.join(tried) or 'none'})", source=str(Path(path) / "manifest.json"), field="scenario")  # fmt: skip


def ac_check_run(path: str | Path, settings: AcCheckSettings | None = None) -> AcCheckResult:
    """The AC check of the results folder ``path``: its scenario (from the manifest)
    gives the network, its profiles and the ``[ac_check]`` settings."""
    from gridsim.results.store import load_run
    from gridsim.studies.balance import prepare_network, prepare_profiles

    run = load_run(path)
    sc = scenario_of_run(path)
    net = prepare_network(sc)
    prof, _ = prepare_profiles(sc, net=net)
    frames = run_frames(run)
    s = settings or settings_of(sc)
    return run_ac_check(
        net, frames, s, aligned_profile_load(prof.load_mw, run.snapshots), sc.source
    )


__all__ = [
    "AcCheckResult",
    "AcCheckSettings",
    "ac_check_balance",
    "ac_check_run",
    "aligned_profile_load",
    "run_ac_check",
    "scenario_of_run",
    "settings_of",
]
