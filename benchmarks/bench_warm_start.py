"""Warm starts of sequential windows: what keeping the HiGHS model or its basis would save.

The rolling horizon (``method="rolling"``) builds and loads each window's LP afresh. This
script measures, on the first ``--windows`` windows of the Ningxia 2025 year (168 h +
24 h), in one process:

- the build (``formulate``) and load (``passModel``) time per window, the most that
  keeping one HiGHS model and changing its bounds and costs could save;
- the solve from scratch against a solve started from the previous window's final basis
  (``Highs.setBasis``; windows of the same shape only), with simplex iterations.

It changes nothing in gridsim: it reports whether warm starts are worth building.
"""

from __future__ import annotations

import statistics
import time

from _common import header, markdown_table, parser


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--windows", type=int, default=8)
    args = ap.parse_args()
    header("warm starts of sequential windows (Ningxia 2025, 168 h + 24 h)", args)
    from gridsim.dispatch.model import SolverOptions, formulate, load_highs, solution
    from gridsim.dispatch.result import arrays_from_solution
    from gridsim.dispatch.windows import _empty_arrays, _store, _window_problem
    from gridsim.scenario import load_scenario
    from gridsim.studies.balance import prepare_network, prepare_problem, prepare_profiles

    sc = load_scenario("ningxia_2025")
    net = prepare_network(sc)
    prof, year_hours = prepare_profiles(sc, net=net)
    p = prepare_problem(sc, net, prof, year_hours)
    arrays = _empty_arrays(p, "linear")
    opts = SolverOptions()
    rows, prev = [], None
    for k in range(args.windows):
        t0 = 168 * k
        sub = _window_problem(p, arrays, t0, min(t0 + 192, p.T), whole=False)
        tic = time.perf_counter()
        lp = formulate(sub, "linear")
        build = time.perf_counter() - tic
        tic = time.perf_counter()
        h = load_highs(lp, opts)
        load = time.perf_counter() - tic
        tic = time.perf_counter()
        h.run()
        cold = time.perf_counter() - tic
        cold_it = h.getInfo().simplex_iteration_count
        sol = solution(h, lp, opts, cold)
        warm = warm_it = float("nan")
        if prev is not None and prev[1] == lp.shape:
            h2 = load_highs(lp, opts)
            h2.setBasis(prev[0])
            tic = time.perf_counter()
            h2.run()
            warm = time.perf_counter() - tic
            warm_it = h2.getInfo().simplex_iteration_count
            assert abs(h2.getInfo().objective_function_value - sol.objective) <= 1e-6 * abs(sol.objective)  # fmt: skip
        rows.append([k, f"{lp.shape[0]} x {lp.shape[1]}", f"{build:.3f}", f"{load:.3f}", f"{cold:.2f}", cold_it, f"{warm:.2f}", warm_it])  # fmt: skip
        prev = (h.getBasis(), lp.shape)
        _store(arrays, arrays_from_solution(sub, lp, sol), t0, t0 + 168)
    print(markdown_table(["window", "rows x cols", "build s", "passModel s", "solve cold s", "iterations cold", "solve from previous basis s", "iterations warm"], rows))  # fmt: skip
    warm_rows = [r for r in rows if r[6] != "nan"]
    cold_s = sum(float(r[4]) for r in warm_rows)
    warm_s = sum(float(r[6]) for r in warm_rows)
    setup = statistics.median(float(r[2]) + float(r[3]) for r in rows)
    solve = statistics.median(float(r[4]) for r in rows)
    print(f"\nbuild + load per window (median): {setup:.3f} s = {100 * setup / (setup + solve):.1f} % of a window's time")  # fmt: skip
    if warm_rows:
        print(f"windows of equal shape ({len(warm_rows)}): cold {cold_s:.2f} s, from the previous basis {warm_s:.2f} s ({100 * (warm_s / cold_s - 1):+.1f} %)")  # fmt: skip


if __name__ == "__main__":
    main()
