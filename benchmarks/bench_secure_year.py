"""What the grid costs in the Ningxia year: the secure scenario against the copper plate.

``scenarios/ningxia_2025_secure.toml`` (bus-level PTDF, N-1 over every 750 kV circuit with
lazy post-contingency limits, AC check of every hour) against ``scenarios/ningxia_2025.toml``
(copper plate), both over the whole year (8,760 h, 168 h windows + 24 h look-ahead), in one
process, alternating:

1. copper plate: ``run_balance("ningxia_2025")``, the dispatch stage;
2. secure: ``run_balance`` of the secure scenario without the curtailment-split re-runs
   (``curtailment_by_cause = false``), the dispatch stage, then
3. the AC check of its 8,760 hours (``ac_check_balance``).

Wall seconds (``time.perf_counter``) and CPU seconds (``time.process_time``), medians over
``--repeats``; ratio = secure / copper plate (goal: dispatch + AC check <= 3x). The rows
also give the lazy loop's solves and rows added, and the utilisation of each run.
``--quick``: the scenario's week in March instead of the year, one repeat.
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
import time
import warnings
from typing import Any

from _common import header, markdown_table, parser

warnings.filterwarnings("ignore")


def scenario(name: str, quick: bool) -> Any:
    """The shipped scenario ``name``, its curtailment-split re-runs off (``--quick``: the
    week of 17-24 March)."""
    from gridsim.scenario import load_scenario

    sc = load_scenario(name)
    study = dataclasses.replace(sc.study, curtailment_by_cause=False)
    if quick:
        study = dataclasses.replace(study, whole_year=False, start="2025-03-17", end="2025-03-24")
    return dataclasses.replace(sc, study=study)


def timed(fn: Any) -> tuple[float, float, Any]:
    """(wall s, CPU s, value) of ``fn()``."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def one_round(quick: bool) -> dict[str, Any]:
    """One copper-plate run and one secure run with its AC check."""
    from gridsim.studies.ac_check_runs import ac_check_balance
    from gridsim.studies.balance import run_balance

    row: dict[str, Any] = {}
    _, _, cp = timed(lambda: run_balance(scenario("ningxia_2025", quick)))
    row["cp_wall"] = cp.timings_s["dispatch"]
    row["cp_util"] = cp.kpis["renewable_utilisation"]
    c0 = time.process_time()
    _, _, sec = timed(lambda: run_balance(scenario("ningxia_2025_secure", quick)))
    row["sec_wall"] = sec.timings_s["dispatch"]
    row["sec_util"] = sec.kpis["renewable_utilisation"]
    row["sec_cpu"] = time.process_time() - c0
    w = sec.dispatch.windows
    row["solves"] = sum(int(x.flow_iterations or 1) for x in w)
    row["rows"] = sum(int(x.flow_rows_added or 0) for x in w)
    row["security_rows"] = sum(int(getattr(x, "security_rows_added", 0) or 0) for x in w)
    row["status"] = sec.status
    if sec.ac_check is not None:  # run_balance ran it ([study] ac_check = true)
        chk, ac_wall, ac_cpu = sec.ac_check, sec.timings_s["ac_check"], float("nan")
    else:
        ac_wall, ac_cpu, chk = timed(lambda: ac_check_balance(sec))
    row["ac_wall"], row["ac_cpu"] = ac_wall, ac_cpu
    row["ac_hours"] = len(sec.dispatch.problem.snapshots)
    row["ac_failed"] = int(chk.series.n_failed) if chk.series is not None else -1
    return row


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    header("Ningxia 2025: secure year (ptdf + N-1 + AC check) against the copper plate", args)
    repeats = 1 if args.quick else args.repeats
    rounds = [one_round(args.quick) for _ in range(repeats)]

    def med(k: str) -> float:
        return float(statistics.median(r[k] for r in rounds))

    cp, sec, ac = med("cp_wall"), med("sec_wall"), med("ac_wall")
    last = rounds[-1]
    rows = [
        ["copper plate, dispatch", f"{cp:.1f}", "1.00", f"{100 * last['cp_util']:.2f} %", "-"],
        [
            "secure, dispatch (ptdf + N-1)",
            f"{sec:.1f}",
            f"{sec / cp:.2f}",
            f"{100 * last['sec_util']:.2f} %",
            f"{last['solves']} solves, {last['rows']} base-case and {last['security_rows']} N-1 rows added, {last['status']}",
        ],  # fmt: skip
        [
            "AC check of every hour",
            f"{ac:.1f}",
            f"{ac / cp:.2f}",
            "-",
            f"{last['ac_hours']} h, {last['ac_failed']} not converged",
        ],  # fmt: skip
        [
            "secure, dispatch + AC check",
            f"{sec + ac:.1f}",
            f"{(sec + ac) / cp:.2f}",
            "-",
            "goal <= 3x: " + ("met" if (sec + ac) / cp <= 3 else "NOT met"),
        ],  # fmt: skip
    ]
    print(
        markdown_table(["stage", "wall s (median)", "x copper plate", "utilisation", "notes"], rows)
    )
    print()
    print(f"repeats: {repeats}; wall s per round: " + ", ".join(
        f"cp {r['cp_wall']:.1f} / secure {r['sec_wall']:.1f} / AC {r['ac_wall']:.1f}" for r in rounds))  # fmt: skip


if __name__ == "__main__":
    main()
