"""Per-case overhead of a sweep on Dask workers: what a case costs besides its solve.

A sweep of ``--cases`` one-week cases (default 100) of ``ningxia_2025`` (168 h from
1 July, one rolling window, copper plate, the scenario's own output files), the battery
scale varied from 0.5 to 4, on a LocalCluster of ``--workers`` single-threaded worker
processes (default 2) set up once (gridsim.batch.cluster: input cache on, modules
imported). Measured, from the summary's per-case columns (wall times in the worker):

- *in-worker overhead* = sum over cases of (``time_s`` - ``solve_s``) / sum of
  ``solve_s``: reading and preparing inputs, building the LP, KPIs, writing and
  publishing the case folder (goal <= 10 %);
- *sweep overhead* = sweep wall time / (sum of ``solve_s`` / workers) - 1: the above plus
  scheduling, transfers and the driver's bookkeeping (summary, catalog), with and
  without the up-front validation of every case in the driver;
- the anchors, in the same run: ``--compare-cases`` cases (default 20) on a fresh
  cluster whose workers read every input again (``GRIDSIM_INPUT_CACHE=0``), and the
  first case of a fresh process (spawned, nothing imported, nothing cached: what every
  case would cost with a process per case).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import header, markdown_table, parser  # noqa: E402

from gridsim.batch import check_sweep, load_sweep, run_sweep  # noqa: E402
from gridsim.batch.runner import CaseTask, run_case, worker_setup  # noqa: E402


def write_sweep(path: Path, n: int, name: str) -> Path:
    """``n`` one-week cases of ningxia_2025, battery scale 0.5..4."""
    scales = ", ".join(f"{x:.4f}" for x in np.linspace(0.5, 4.0, n))
    path.write_text(
        f'[sweep]\nname = "{name}"\nbase = "ningxia_2025"\n\n[sweep.set]\n'
        '"study.whole_year" = false\n"study.start" = "2025-07-01"\n"study.end" = "2025-07-08"\n\n'
        f'[sweep.grid]\n"storage.battery_scale" = [{scales}]\n'
    )
    return path


def sweep_on_cluster(f: Path, out: Path, workers: int, cache: bool) -> dict:
    """Start a cluster (cache on or off in its workers), run the sweep on it, close it."""
    from distributed import Client

    from gridsim.batch.cluster import PLUGIN_NAME
    from gridsim.batch.worker import warm_up
    from gridsim.execution.dask_cluster import local_cluster, set_up_workers

    if not cache:
        os.environ["GRIDSIM_INPUT_CACHE"] = "0"  # inherited by the worker processes
    try:
        t0 = time.perf_counter()
        cluster = local_cluster(workers)
        client = Client(cluster)
        set_up_workers(client, PLUGIN_NAME, worker_setup, warm_up)
        start_s = time.perf_counter() - t0
    finally:
        os.environ.pop("GRIDSIM_INPUT_CACHE", None)
    try:
        sweep = load_sweep(f, out)
        t0 = time.perf_counter()
        check_sweep(sweep)
        check_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = run_sweep(sweep, executor="dask", address=client, progress=False)
        wall_s = time.perf_counter() - t0
    finally:
        client.close()
        cluster.close()
    assert res.ok, res.failures.error.tolist()
    return {"summary": res.summary, "wall_s": wall_s, "check_s": check_s, "start_s": start_s}


def cold_case(f: Path, out: Path) -> tuple[float, dict]:
    """The first case in a freshly spawned process: wall time from submit to result."""
    sweep = load_sweep(f, out)
    c = sweep.cases[0]
    task = CaseTask(c, sweep.scenario(c), str(out / "runs" / c.id), {})
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        t0 = time.perf_counter()
        row = pool.submit(run_case, task).result()
        return time.perf_counter() - t0, row


def overhead_rows(label: str, s: pd.DataFrame, r: dict, workers: int) -> list[list]:
    solve = float(s.solve_s.sum())
    in_worker = float((s.time_s - s.solve_s).sum()) / solve
    ideal = solve / workers
    sweep_ovh = r["wall_s"] / ideal - 1
    with_check = (r["wall_s"] + r["check_s"]) / ideal - 1
    return [[label, len(s), statistics.median(s.time_s), statistics.median(s.solve_s),
             statistics.median(s.inputs_s), statistics.median(s.build_s),
             statistics.median(s.time_s - s.solve_s - s.inputs_s - s.build_s),
             f"{100 * in_worker:.1f} %", r["wall_s"], ideal, f"{100 * sweep_ovh:.1f} %",
             f"{100 * with_check:.1f} %"]]  # fmt: skip


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=100, help="cases of the sweep (default 100)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--compare-cases", type=int, default=20, help="cases of the uncached sweep (default 20)")  # fmt: skip
    args = p.parse_args()
    n, m = (6, 4) if args.quick else (args.cases, min(args.compare_cases, args.cases))
    header(f"Sweep overhead: {n} one-week cases on {args.workers} Dask workers", args)
    with tempfile.TemporaryDirectory(prefix="gridsim-sweep-bench-") as tmp:
        d = Path(tmp)
        cached = sweep_on_cluster(write_sweep(d / "a.toml", n, "cached"), d / "a", args.workers, True)  # fmt: skip
        uncached = sweep_on_cluster(write_sweep(d / "b.toml", m, "uncached"), d / "b", args.workers, False)  # fmt: skip
        cold_wall, cold = cold_case(write_sweep(d / "c.toml", 1, "cold"), d / "c")
    heads = ["workers' inputs", "cases", "case time_s (median)", "solve_s", "inputs_s", "build_s",
             "KPIs+write s", "in-worker overhead", "sweep wall s", "ideal s (solve/workers)",
             "sweep overhead", "with validation"]  # fmt: skip
    rows = overhead_rows("cached once per worker", cached["summary"], cached, args.workers)
    rows += overhead_rows("read for every case", uncached["summary"], uncached, args.workers)
    print(markdown_table(heads, rows))
    print()
    print(f"Cluster start-up and worker set-up (once per sweep): {cached['start_s']:.1f} s; "
          f"validation of the {n} cases in the driver: {cached['check_s']:.1f} s.")  # fmt: skip
    print()
    s = cached["summary"]
    ovh = cold_wall - cold["solve_s"]
    warm = float(statistics.median(s.time_s - s.solve_s))
    print(markdown_table(
        ["case", "wall s", "solve_s", "overhead s", "overhead / solve"],
        [["first case of a fresh process (spawn, imports, inputs read)", cold_wall, cold["solve_s"], ovh, f"{100 * ovh / cold['solve_s']:.0f} %"],
         ["a case on a set-up worker (median)", float(statistics.median(s.time_s)), float(statistics.median(s.solve_s)), warm, f"{100 * warm / float(statistics.median(s.solve_s)):.1f} %"]],
    ))  # fmt: skip


if __name__ == "__main__":
    main()
