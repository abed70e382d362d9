"""``gridsim run SCENARIO [--out DIR] [--overwrite] [--quiet] [--json] [--verbose]``.

Runs a power-balance scenario. stdout carries the results only: the KPI summary and the
plan scorecard as tables, or one JSON document with ``--json``. Progress (a bar of
windows done with elapsed time and ETA), where the results went, and warnings go to
stderr (``--quiet``: no bar); HiGHS's log appears on stderr only with ``--verbose``.
The results are written to ``--out`` (default ``results/<scenario name>/``). The destination is checked before the run
starts and locked while it runs: a file, or a folder that gridsim did not write, is
refused; an earlier gridsim result is replaced only with ``--overwrite``.

Exit codes: 0 every window solved and all demand served; 1 a window failed (its
diagnosis is printed; the earlier windows' results are still written); 2 bad input
or a refused destination (``InputError``); 4 solved, but with unserved energy (a
warning line on stderr says how much and when).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gridsim.cli.args import OVERWRITE_HELP
from gridsim.dispatch.windows import METHODS
from gridsim.results.publish import check_destination, output_lock
from gridsim.scenario import load_scenario

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from gridsim.dispatch import WindowReport
    from gridsim.studies.balance import BalanceResult


def _fmt(x: Any, unit: str = "") -> str:
    """``x`` in ``unit``, rounded to the shown decimals first (no ``-0.00``)."""
    from gridsim.report.numbers import fixed

    if x is None or (isinstance(x, float) and x != x):
        return "n/a"
    if unit == "share":
        return f"{fixed(100 * x, 2)} %"
    if unit in ("TWh", "Mt"):
        return f"{fixed(x / 1e6, 2)} {unit}"
    if isinstance(x, float):
        return f"{fixed(x, 1)}{' ' + unit if unit else ''}"
    return f"{x}{' ' + unit if unit else ''}"


def _table(rows: list[tuple[str, str]], title: str) -> str:
    w = max((len(a) for a, _ in rows), default=0)
    lines = [title, "-" * len(title)]
    lines += [f"  {a.ljust(w)}  {b}" for a, b in rows]
    return "\n".join(lines)


def summary_table(k: dict[str, Any]) -> str:
    """The headline KPIs as an aligned two-column table."""
    gen, ex, cur, av = k["generation_mwh"], k["export_mwh"], k["curtailed_mwh"], k["available_mwh"]
    rows = [(f"generation {f}", _fmt(v, "TWh")) for f, v in gen.items()]
    rows += [(f"export {n}", _fmt(v, "TWh")) for n, v in ex.items() if n != "delivered_total"]
    rows += [
        ("AC exchange net export", _fmt(k["exchange_mwh"]["net_export"], "TWh")),
        ("consumption", _fmt(k["consumption_mwh"], "TWh")),
        ("peak load", _fmt(k["peak_load_mw"], "MW")),
    ]
    for f in ("wind", "solar"):
        if f in av:
            rows.append(
                (f"{f} available / curtailed", f"{_fmt(av[f], 'TWh')} / {_fmt(cur[f], 'TWh')}")
            )
    rows += [
        ("new-energy utilisation", _fmt(k["renewable_utilisation"], "share")),
        (
            "  wind / solar",
            f"{_fmt(k['wind_utilisation'], 'share')} / {_fmt(k['solar_utilisation'], 'share')}",
        ),
    ]
    cause = k["curtailment_by_cause"]
    if "security" in cause and k.get("binding_branches", {}).get("security", "none") != "none":
        rows.append(("curtailment: security / network / balance", f"{_fmt(cause['security'], 'TWh')} / {_fmt(cause['network'], 'TWh')} / {_fmt(cause['balance'], 'TWh')}"))  # fmt: skip
    else:
        rows.append(("curtailment: network / balance", f"{_fmt(cause['network'], 'TWh')} / {_fmt(cause['balance'], 'TWh')}"))  # fmt: skip
    bind = k.get("binding_branches") or {}
    for r in bind.get("branches", [])[:5]:
        n1 = f", N-1 {r['n1_hours']:,} h (outage {r['n1_outage']})" if r["n1_hours"] else ""
        rows.append((f"binding {r['branch']}", f"base {r['base_hours']:,} h{n1}"))
    if bind.get("islanding_outages"):
        rows.append(("N-1 outages skipped (islanding)", ", ".join(bind["islanding_outages"])))
    ps = k.get("peak_shaving") or {}
    if ps:
        sw = ps["net_load_swing_mw"]
        rows.append(("daily net-load swing mean / max", f"{_fmt(sw['mean'], 'MW')} / {_fmt(sw['max'], 'MW')}"))  # fmt: skip
        met = ", ".join(f"{c} {100 * v:.0f}%" for c, v in ps["met_by"].items() if abs(v) >= 0.005)
        rows.append(("  met by", met))
        rows.append(("deepest thermal output / committed", _fmt(ps.get("thermal_min_share_of_committed"), "share")))  # fmt: skip
        rows.append(("deepest thermal output / installed", _fmt(ps.get("thermal_min_share_of_installed"), "share")))  # fmt: skip
    rules = k.get("operating_rules") or {}
    if rules.get("deep_peak_mwh"):
        rows.append(("deep peak regulation", f"{_fmt(rules['deep_peak_mwh'], 'TWh')} in {rules['deep_peak_hours']:,} h, {rules['deep_peak_cost_cny'] / 1e6:,.1f} M CNY"))  # fmt: skip
    if rules.get("must_run_floor_mwh"):
        rows.append(("thermal must-run floor", _fmt(rules["must_run_floor_mwh"], "TWh")))
    if rules.get("thermal_out_of_service_mw_mean"):
        rows.append(("thermal capacity out, mean", _fmt(rules["thermal_out_of_service_mw_mean"], "MW")))  # fmt: skip
    rows += [
        ("DR capability / peak", _fmt(k["dr_capacity_share_of_peak"], "share")),
        (
            "DR used (curtailed / shifted)",
            f"{_fmt(k['dr_used_mwh']['curtailed'], 'TWh')} / {_fmt(k['dr_used_mwh']['shifted'], 'TWh')}",
        ),  # fmt: skip
        ("unserved", _fmt(k["unserved_mwh"], "MWh")),
        ("coal / CO2", f"{_fmt(k['coal_t'], 'Mt')} / {_fmt(k['co2_t'], 'Mt')}"),
        ("coal rate", _fmt(k["coal_rate_gce_per_kwh"], "gce/kWh")),
        ("new-energy share of generation", _fmt(k["new_energy_share_of_generation"], "share")),
        ("renewable share of consumption", _fmt(k["renewable_share_of_consumption"], "share")),
        ("total cost", f"{k['total_cost']['total'] / 1e9:,.2f} bn CNY"),
    ]
    for name, r in (k.get("reserves") or {}).items():
        rows.append((f"reserve {name}: binding / cost", f"{r['hours_binding']:.0f} h / {r['cost_cny'] / 1e6:,.2f} m CNY (mean price {r['price_mean_per_mw']:.2f} CNY/MW)"))  # fmt: skip
    for name, r in (k.get("dc_stability") or {}).items():
        held = f"near units hold {r['near_committed_mw_binding']:,.0f} MW committed when binding, {r['price_binding_mean_per_mw_committed']:.2f} CNY per MW and hour then" if r["hours_binding"] else f"least SCR {r['scr_min_reached']:.2f}"  # fmt: skip
        rows.append((f"DC stability {name}: binding / cost", f"{r['hours_binding']:.0f} h / {r['cost_cny'] / 1e6:,.2f} m CNY ({held})"))  # fmt: skip
    s = k["solver"]
    gap = f", MIP gap <= {s['mip_gap_max']:.1e}" if s.get("mip_gap_max") is not None else ""
    rows.append(("solver", f"{s['status']}, {s['windows']} windows, {s['solved_hours']}/{s['hours']} h, {s['time_s']:.1f} s{gap}"))  # fmt: skip
    return _table(rows, "KPI summary")


#: How a target's operator is printed.
OP_SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}


def scorecard_table(res: BalanceResult) -> str:
    """The plan scorecard as a table: target, value, met."""
    rows = []
    for r in res.scorecard.itertuples():
        op = OP_SIGNS.get(str(r.op), str(r.op))
        unit = str(r.unit)
        target = f"{op} {_fmt(r.target_value, unit)}"
        rows.append((str(r.target), f"{target:>14}  {_fmt(r.value, unit):>14}  {'met' if r.met else 'NOT met'}"))  # fmt: skip
    return _table(rows, "Plan scorecard (target, value, met)")


#: The weather-year KPIs shown as P10/P50/P90, with their units.
WEATHER_ROWS = (
    ("new-energy utilisation", "renewable_utilisation", "share"),
    ("  wind", "wind_utilisation", "share"),
    ("  solar", "solar_utilisation", "share"),
    ("curtailed energy", "curtailed_mwh", "TWh"),
    ("new-energy share of generation", "new_energy_share_of_generation", "share"),
)


def weather_table(k: dict[str, Any]) -> str | None:
    """P10 / P50 / P90 of the headline KPIs over the weather years, and the share of years
    that meet each target on them (None without weather years)."""
    wy = k.get("weather_years")
    if not wy:
        return None
    rows = [(label, "  ".join(f"{_fmt(wy[q].get(key), unit):>10}" for q in ("p10", "p50", "p90")))
            for label, key, unit in WEATHER_ROWS if key in wy["p50"]]  # fmt: skip
    for label, share in wy.get("share_meeting_target", {}).items():
        rows.append((f"P({label})", f"{100 * share:.0f} % of {len(wy['seeds'])} weather years"))
    return _table(rows, f"Weather years (P10 / P50 / P90 over {len(wy['seeds'])} years)")


#: Exit code of a run that solved but left demand unserved.
EXIT_UNSERVED = 4


def unserved_warning(res: BalanceResult) -> str | None:
    """A one-line warning when the run left demand unserved (None otherwise)."""
    from gridsim.kpi import UNSERVED_TOLERANCE_MWH

    mwh = float(res.kpis.get("unserved_mwh") or 0.0)
    if not mwh >= UNSERVED_TOLERANCE_MWH:
        return None
    a = res.dispatch.arrays.get("unserved_mw")
    hours = int((a.sum(axis=1) > 1e-6).sum()) if a is not None else 0
    demand = float(res.kpis.get("demand_mwh") or 0.0)
    share = f" ({100 * mwh / demand:.3g} % of demand)" if demand > 0 else ""
    return f"UNSERVED ENERGY: {mwh / 1e6:,.3f} TWh{share} in {hours} hours: demand is not met"


@dataclass(frozen=True)
class RunOptions:
    """How ``gridsim run`` reports: no progress bar (``quiet``), JSON on stdout
    (``json``), HiGHS's log on stderr (``verbose``); ``overwrite`` an earlier result."""

    quiet: bool = False
    overwrite: bool = False
    json: bool = False
    verbose: bool = False


def run_scenario_cli(
    scenario: str,
    out: str | None = None,
    quiet: bool = False,
    overwrite: bool = False,
    json: bool = False,
    verbose: bool = False,
    method: str | None = None,
    workers: int | None = None,
    scheduler_file: str | None = None,
) -> int:
    """Run ``scenario`` (file or shipped name): results on stdout, progress on stderr.
    ``method`` and ``workers`` replace the scenario's ``[study]`` values;
    ``scheduler_file`` (relative to the current folder) sets ``executor = "dask"`` on the
    scheduler that wrote it, in place of the scenario's executor and scheduler.

    Returns the exit code (see the module docstring).
    """
    sc = load_scenario(scenario)
    if method is not None or workers is not None or scheduler_file is not None:
        changes: dict[str, Any] = {"method": method or sc.study.method, "workers": workers if workers is not None else sc.study.workers}  # fmt: skip
        if scheduler_file is not None:
            changes.update(executor="dask", scheduler_address=None, scheduler_file=str(Path(scheduler_file).resolve()))  # fmt: skip
        data = {
            **sc.data,
            "study": {**sc.data.get("study", {}), **changes},
        }  # what the manifest records
        sc = dataclasses.replace(sc, study=dataclasses.replace(sc.study, **changes), data=data)
    dest = Path(out) if out else sc.output_dir
    with output_lock(dest):
        check_destination(dest, overwrite)  # before a year of work, not after
        return _run_locked(sc, dest, RunOptions(quiet, overwrite, json, verbose))


def _run_locked(sc: Any, dest: Path, opts: RunOptions) -> int:
    from tqdm import tqdm

    from gridsim.studies.balance import run_balance

    bars: dict[str, Any] = {}

    def progress(stage: str, rep: WindowReport, n: int) -> None:
        if opts.quiet:
            return
        bar = bars.get(stage)
        if bar is None:
            for old in bars.values():
                old.close()
            bar = bars[stage] = tqdm(total=n, desc=stage, unit="window", file=sys.stderr, dynamic_ncols=True)  # fmt: skip
        bar.set_postfix_str(f"{rep.start[:10]} {rep.status}", refresh=False)
        bar.update(1)

    log.info("scenario %s (%s)%s", sc.name, sc.source, f": {sc.description}" if sc.description else "")  # fmt: skip
    try:
        res = run_balance(sc, progress=progress, solver_log=opts.verbose)
    finally:
        for bar in bars.values():
            bar.close()
    warning = unserved_warning(res)
    path = res.write(dest, overwrite=opts.overwrite)
    from gridsim.results.catalog import record_run

    record_run(path)  # into the results catalogs above it, if any
    ac = None if res.ac_check is None else res.ac_check.summary  # [study] ac_check = true
    if ac is not None:
        print(f"gridsim: AC check written to {path / 'ac_check'}/", file=sys.stderr)
    if opts.json:
        doc = json_summary(res, path)
        if ac is not None:
            from gridsim.results.write import jsonable

            doc["ac_check"] = jsonable(ac)
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(summary_table(res.kpis))
        if warning:
            print(f"  *** {warning} ***")
        print()
        print(scorecard_table(res))
        weather = weather_table(res.kpis)
        if weather:
            print()
            print(weather)
        if ac is not None:
            from gridsim.studies.ac_check_write import format_summary

            print()
            print("AC check (every dispatched hour)")
            print(format_summary(ac))
    print(f"gridsim: results written to {path}/ ({res.manifest['timings_s']['total']:.1f} s)", file=sys.stderr)  # fmt: skip
    ac_status = 0 if ac is None or ac["failed_hours"] == 0 else 1
    if not res.ok:
        diag = res.dispatch.diagnosis
        print(f"gridsim: run {res.status}", file=sys.stderr)
        if diag is not None:
            print(str(diag), file=sys.stderr)
        print(f"results of the {res.dispatch.solved_hours} hours solved before are kept", file=sys.stderr)  # fmt: skip
        return 1
    if warning:
        print(f"gridsim: warning: {warning}", file=sys.stderr)
        return EXIT_UNSERVED
    return ac_status


def json_summary(res: BalanceResult, path: Path) -> dict[str, Any]:
    """The ``--json`` document: scenario, status, results folder, every KPI and the
    scorecard rows (NaN and infinities as null)."""
    from gridsim.results.write import jsonable

    card = res.scorecard.to_dict(orient="records")
    return jsonable(
        {
            "scenario": res.scenario.name,
            "status": res.status,
            "ok": bool(res.ok),
            "results_dir": str(path),
            "unserved_warning": unserved_warning(res),
            "kpis": res.kpis,
            "scorecard": card,
        }
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _cmd_run(args: argparse.Namespace) -> int:
    return run_scenario_cli(
        args.scenario,
        out=args.out,
        quiet=args.quiet,
        overwrite=args.overwrite,
        json=args.json,
        verbose=args.verbose,
        method=args.method,
        workers=args.workers,
        scheduler_file=args.scheduler_file,
    )


def register(subparsers: Any) -> None:
    """Add ``run`` to the ``gridsim`` command's subparsers
    (the object returned by ``ArgumentParser.add_subparsers``)."""
    run = subparsers.add_parser("run", help="run a power-balance scenario")
    run.add_argument("scenario", help="scenario TOML file or shipped name")
    run.add_argument("--out", help="results directory")
    run.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    run.add_argument("--json", action="store_true", help="print the KPIs and the scorecard as one JSON document instead of tables")  # fmt: skip
    run.add_argument("--verbose", action="store_true", help="show the solver's log (HiGHS) on stderr")  # fmt: skip
    run.add_argument("--method", choices=METHODS, help="solve the windows one after another (rolling) or a coarse pass then the windows side by side (parallel); replaces [study] method")  # fmt: skip
    run.add_argument("--workers", type=_positive_int, help="processes for the parallel method (replaces [study] workers)")  # fmt: skip
    run.add_argument("--scheduler-file", metavar="FILE", help="solve the parallel method's windows on the Dask scheduler that wrote FILE (dask scheduler --scheduler-file FILE); replaces [study] executor and its scheduler")  # fmt: skip
    run.add_argument(
        "--overwrite",
        action="store_true",
        help=OVERWRITE_HELP,
    )
    run.set_defaults(func=_cmd_run)
