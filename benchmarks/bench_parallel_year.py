"""Parallel year: the Ningxia 2025 dispatch solved in parallel windows against the sequential rolling horizon, perfect foresight and PyPSA's rolling horizon.

Everything runs in one process on the shipped scenario ``scenarios/ningxia_2025.toml``
through the balance layer (``prepare_network``, ``prepare_profiles``,
``prepare_problem(sc, net, prof, year_hours)``, ``dispatch_options(sc)``), over its first
``--hours`` hours (default 8760; a shorter horizon keeps the annual energy targets pro
rata, as the balance layer does for a sub-period):

1. gridsim's sequential rolling horizon, the scenario's windows (168 h + 24 h look-ahead):
   wall, CPU, cost of the committed dispatch, renewable utilisation
   (``gridsim.kpi.summary(result, net, None)["renewable_utilisation"]``).
2. gridsim's parallel year (``DispatchOptions(method="parallel")``: a coarse pass over the
   whole horizon at ``--coarse-h`` hours per snapshot (default: gridsim's) sets the state
   at each window boundary, then the windows, ``--parallel-window`` h +
   ``--parallel-lookahead`` h, are solved side by side by ``--workers`` worker
   processes): wall, CPU, cost, utilisation,
   the coarse and window stage times; ratio parallel / sequential wall (goal <= 0.4).
3. Perfect foresight (``window_h=None``, one LP over the whole horizon) as the reference:
   cost gap of sequential and parallel to it (goal parallel <= 0.1 %), utilisation
   difference (goal <= 0.1 pp). ``--perfect-foresight solve|skip|FILE``: solve it, skip
   it, or read the figures that ``--save-pf FILE`` stored in an earlier run of this script
   (same scenario and hours; the output says which).
4. PyPSA's ``optimize_with_rolling_horizon`` (``horizon`` = 168 + 24 snapshots,
   ``overlap`` = 24: the same windows) on the exported problem (``to_pypsa``) without the
   rules PyPSA cannot take exactly (``bench_commitment.NOT_EXPORTABLE``), over the first
   ``--pypsa-hours`` hours, against gridsim's sequential (and parallel) run of the
   identical problem. PyPSA's own rolling horizon carries the storage state, the commitment
   and the ramps; the extra rows of ``pypsa_extra_functionality`` are built for each
   window's hours, and the energy budgets (hydro, curtailable demand response, DC export
   targets) are split over the windows as gridsim's rolling horizon does (the remaining
   energy pro rata, DC schedules by their hourly weight), cyclic storage ending each
   window at least at its start level. Costs of both from the committed dispatch with the
   same function (``cost_breakdown`` on the solution arrays).
5. Scaling: the parallel year with a Dask ``LocalCluster`` of 1, 2, 4, 8 workers
   (``threads_per_worker=1``, ``processes=True``, no dashboard), the ``Client`` passed to
   ``solve_dispatch`` as ``pool``; wall per worker count (cluster start-up and one untimed
   warm-up solve of 48 h on the cluster excluded) and speed-up over 1 worker.

Wall seconds (``time.perf_counter``); CPU seconds of the process tree: this process
(``time.process_time``) plus every process below it (pool and Dask workers, sampled every
0.1 s with psutil). Medians over ``--repeats`` (default 1). The parallel parts need a gridsim whose
``DispatchOptions`` has ``method``; without it they are skipped, said so in the output.
``--quick``: 336 h, PyPSA 336 h, scaling over 1 and 2 workers (smoke run only).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from _common import gridsim_revision, header, markdown_table, parser
from bench_dispatch import exact_commitment, ningxia_problem, quiet

SCENARIO = "ningxia_2025"
PF_KIND = "benchmark-perfect-foresight"


# ------------------------------------------------------------------ runs
@dataclass
class Run:
    """Repeated calls of one method: wall and CPU (s) per call, the last result."""

    label: str
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    result: Any = None
    objective: float = float("nan")
    utilisation: float = float("nan")
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus) if self.cpus else float("nan")


class TreeCpu:
    """CPU seconds (user + system) of this process and of every process below it during a
    ``with`` block: the worker processes of a pool, whether forked, spawned or started by
    a fork server, and the Dask workers. Descendants are sampled every ``every_s``; what a
    descendant spends in its last ``every_s`` before it exits may be missed."""

    def __init__(self, every_s: float = 0.1) -> None:
        import psutil

        self.proc = psutil.Process()
        self.every_s = every_s
        self.base: dict[tuple[int, float], float] = {}
        self.last: dict[tuple[int, float], float] = {}
        self.seconds = float("nan")

    def _sample(self, into: dict[tuple[int, float], float]) -> None:
        import psutil

        for c in self.proc.children(recursive=True):
            try:
                t = c.cpu_times()
                into[(c.pid, c.create_time())] = t.user + t.system
            except psutil.Error:
                pass

    def _loop(self) -> None:
        while not self.stop.wait(self.every_s):
            self._sample(self.last)

    def __enter__(self) -> TreeCpu:
        import threading

        self._sample(self.base)
        self.own = time.process_time()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sample(self.last)
        self.stop.set()
        self.thread.join()
        below = sum(v - self.base.get(k, 0.0) for k, v in self.last.items())
        self.seconds = time.process_time() - self.own + below


def measure(run: Run, fn: Callable[[], Any], repeats: int) -> Run:
    """Call ``fn()`` ``repeats`` times into ``run`` (wall; CPU of the process tree). Each
    call leaves a comment line on stdout at once, so that a run cut short keeps it."""
    for _ in range(repeats):
        with TreeCpu() as cpu:
            t0 = time.perf_counter()
            run.result = fn()
            run.walls.append(time.perf_counter() - t0)
        run.cpus.append(cpu.seconds)
        status = getattr(run.result, "status", "-")
        cost = getattr(run.result, "objective", float("nan")) if status != "-" else float("nan")
        print(f"<!-- {run.label}: wall {run.walls[-1]:.1f} s, CPU {cpu.seconds:.1f} s, status {status}, cost {cost:,.0f} CNY -->", flush=True)  # fmt: skip
    return run


def scenario_problem(hours: int) -> tuple[Any, Any, Any, Any]:
    """(scenario, network, problem, dispatch options) of Ningxia 2025 over ``hours`` h."""
    from gridsim.studies.balance import (
        dispatch_options,
        load_scenario,
        prepare_network,
        prepare_problem,
        prepare_profiles,
    )

    sc = load_scenario(SCENARIO)
    net = prepare_network(sc)
    prof, year_hours = prepare_profiles(sc)
    if hours < len(prof.snapshots):
        prof = prof.rows(slice(0, hours))
    return sc, net, prepare_problem(sc, net, prof, year_hours), dispatch_options(sc)


def utilisation(res: Any, net: Any) -> float:
    from gridsim import kpi

    return float(kpi.summary(res, net, None)["renewable_utilisation"])


def parallel_support() -> tuple[bool, bool]:
    """(``DispatchOptions`` has ``method``, ``solve_dispatch`` takes ``pool``)."""
    from gridsim.dispatch import DispatchOptions, solve_dispatch

    has_method = "method" in {f.name for f in dataclasses.fields(DispatchOptions)}
    return has_method, "pool" in inspect.signature(solve_dispatch).parameters


def parallel_options(opts: Any, args: Any, executor: str, workers: int | None) -> Any:
    coarse = {} if args.coarse_h is None else {"coarse_h": args.coarse_h}
    return dataclasses.replace(
        opts,
        method="parallel",
        **coarse,
        workers=workers,
        executor=executor,
        window_h=args.parallel_window,
        lookahead_h=args.parallel_lookahead,
    )


def solve(problem: Any, opts: Any, pool: Any = None) -> Any:
    from gridsim.dispatch import solve_dispatch

    return solve_dispatch(problem, opts) if pool is None else solve_dispatch(problem, opts, pool=pool)  # fmt: skip


def stage(res: Any, key: str) -> float:
    return float(getattr(res, "stages", {}).get(key, float("nan")))


def met(ok: bool) -> str:
    return "**met**" if ok else "**NOT met**"


def pct(a: float, ref: float) -> float:
    return 100.0 * (a - ref) / abs(ref)


# ------------------------------------------------------------------ perfect foresight
def pf_is_ours(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("written_by") == "gridsim" and data.get("kind") == PF_KIND  # fmt: skip


def fingerprint(p: Any) -> str:
    """A hash of the problem's numeric data (every group's arrays and the load), skipping
    arrays that are all NaN (fields a newer gridsim adds with no effect by default)."""
    import hashlib

    h = hashlib.sha256()
    for gname, grp in sorted({**p.groups(), "nodes": p.nodes}.items()):
        for f in dataclasses.fields(grp):
            a = getattr(grp, f.name)
            if not isinstance(a, np.ndarray) or a.dtype.kind not in "biuf" or not a.size:
                continue
            if a.dtype.kind == "f" and np.isnan(a).all():
                continue
            h.update(f"{gname}.{f.name}{a.shape}".encode())
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def load_pf(path: str, hours: int) -> dict[str, Any]:
    """The perfect-foresight figures stored by ``--save-pf`` (same scenario and hours)."""
    from gridsim.errors import InputError

    p = Path(path)
    if not p.is_file() or not pf_is_ours(p):
        raise InputError("is not a perfect-foresight file written by bench_parallel_year.py --save-pf", source=path)  # fmt: skip
    data = json.loads(p.read_text(encoding="utf-8"))
    for key, want in (("scenario", SCENARIO), ("hours", hours)):
        if data.get(key) != want:
            raise InputError(f"holds the figures of another run (this run: {want})", source=path, field=key, value=data.get(key))  # fmt: skip
    return data


def save_pf(path: str, run: Run, hours: int, n_cols: int) -> None:
    from gridsim.results.publish import check_file_destination, marker, write_file_atomic

    doc = {
        **marker(PF_KIND),
        "scenario": SCENARIO,
        "hours": hours,
        "objective_cny": run.objective,
        "renewable_utilisation": run.utilisation,
        "status": run.result.status,
        "wall_s": run.wall,
        "lp_cols": n_cols,
        "problem_fingerprint": fingerprint(run.result.problem),
        "commit": gridsim_revision(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    check_file_destination(path, overwrite=True, is_ours=pf_is_ours)
    write_file_atomic(path, lambda tmp: tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8"))  # fmt: skip
    print(f"perfect-foresight figures stored in {path} (`--perfect-foresight {path}` reuses them)\n")  # fmt: skip


def perfect_foresight(args: Any, problem: Any, opts: Any, net: Any) -> tuple[Run | None, str]:
    """The reference run (or its stored figures) and a line saying which was used."""
    mode = args.perfect_foresight
    if mode == "skip":
        return None, "perfect foresight: skipped (`--perfect-foresight skip`)"
    if mode != "solve":
        data = load_pf(mode, problem.T)
        run = Run("perfect foresight (stored)", [data["wall_s"]], [], None, data["objective_cny"], data["renewable_utilisation"], f"{data['status']}, stored")  # fmt: skip
        same = data.get("problem_fingerprint") == fingerprint(problem)
        warn = "" if same else " **The problem's data differ from the stored run's (fingerprint): re-solve with `--perfect-foresight solve` if the model changed.**"  # fmt: skip
        return run, f"perfect foresight: read from {mode} (measured {data['date']} at {data['commit']}, status {data['status']}, {data['wall_s']:.0f} s; problem fingerprint {'matches' if same else 'differs'}).{warn}"  # fmt: skip
    pf_opts = dataclasses.replace(opts, window_h=None)
    if "method" in {f.name for f in dataclasses.fields(pf_opts)}:
        pf_opts = dataclasses.replace(pf_opts, method="rolling")
    run = measure(Run("perfect foresight (one LP)"), lambda: solve(problem, pf_opts), 1)
    run.objective, run.utilisation = run.result.objective, utilisation(run.result, net)
    run.note = f"{run.result.status}, one LP"
    w = run.result.windows[0]
    line = f"perfect foresight: solved in this run ({w.n_cols:,} cols x {w.n_rows:,} rows, status {run.result.status})"  # fmt: skip
    if args.save_pf:
        save_pf(args.save_pf, run, problem.T, w.n_cols)
    return run, line


# ------------------------------------------------------------------ PyPSA rolling horizon
def _window_rows_problem(p: Any, t0: int, t_end: int, split: bool) -> Any:
    """The problem on ``t0:t_end`` for the extra rows: cyclic storage ends the window at
    least at its start level, a non-cyclic end floor only in the last window."""
    if not split:
        return p
    sub = p.time_slice(t0, t_end)
    st = p.storage
    cyc = st.cyclic.astype(bool)
    end = np.where(cyc, st.soc0_mwh, st.soc_end_min_mwh if t_end >= p.T else np.nan)
    storage = dataclasses.replace(sub.storage, soc_end_min_mwh=end, cyclic=np.zeros(st.n, bool))
    return dataclasses.replace(sub, storage=storage)


def _share(total: np.ndarray, used: np.ndarray, t0: int, t_end: int, T: int, weight: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """What remains of ``total`` for the window: pro rata by hours, or by ``weight`` (T, n)
    for the elements whose weight is not 1 everywhere (the rolling horizon's rule)."""
    remaining = np.maximum(total - used, 0.0)
    share = remaining * (t_end - t0) / max(T - t0, 1)
    if weight is None:
        return share
    ahead = weight[t0:].sum(axis=0)
    frac = np.divide(weight[t0:t_end].sum(axis=0), ahead, out=np.full(ahead.shape, (t_end - t0) / max(T - t0, 1)), where=ahead > 0)  # fmt: skip
    return np.where((weight != 1.0).any(axis=0), remaining * frac, share)


def _budget_rows(n: Any, p: Any, sns: Any, t0: int, t_end: int) -> None:
    """The window's share of each energy budget, from PyPSA's solution of the hours before."""
    from gridsim.dispatch.constraints import ENERGY_ROUNDING

    m, dt_h, T = n.model, p.dt_h, p.T
    gen_p, link_p = m.variables["Generator-p"], m.variables["Link-p"] if p.links.n else None
    done_g, done_l = n.generators_t.p.iloc[:t0], n.links_t.p0.iloc[:t0]
    for grp, tag in ((p.hydro, "hydro"), (p.curtailable, "dr")):
        sel = np.flatnonzero(np.isfinite(grp.energy_mwh))
        if not sel.size:
            continue
        names = [str(x) for x in grp.names[sel]]
        used = done_g[names].to_numpy(float).sum(axis=0) * dt_h if t0 else np.zeros(sel.size)
        for name, cap in zip(names, _share(grp.energy_mwh[sel], used, t0, t_end, T)):
            m.add_constraints(gen_p.sel(name=name).sum("snapshot") * dt_h <= cap, name=f"bench-{tag}-budget-{name}")  # fmt: skip
    lk = p.links
    for fld, lower in (("energy_min_mwh", True), ("energy_max_mwh", False)):
        total = getattr(lk, fld)
        sel = np.flatnonzero(np.isfinite(total))
        if not sel.size:
            continue
        names = [str(x) for x in lk.names[sel]]
        used = done_l[names].to_numpy(float).sum(axis=0) * dt_h if t0 else np.zeros(sel.size)
        lim = _share(total[sel], used, t0, t_end, T, lk.energy_weight[:, sel])
        reach_lo = np.minimum(lk.p_min_mw, lk.p_max_mw)[t0:t_end, sel].sum(axis=0) * dt_h
        reach_hi = lk.p_max_mw[t0:t_end, sel].sum(axis=0) * dt_h
        if lower:  # a share above the reach by rounding only is the reach (as gridsim)
            lim = np.where((lim > reach_hi) & (lim <= reach_hi * (1 + ENERGY_ROUNDING)), reach_hi, lim)  # fmt: skip
        else:
            lim = np.where((lim < reach_lo) & (lim >= reach_lo * (1 - ENERGY_ROUNDING)), reach_lo, lim)  # fmt: skip
        for name, v in zip(names, lim):
            e = link_p.sel(name=name).sum("snapshot") * dt_h  # type: ignore[union-attr]
            m.add_constraints(e >= v if lower else e <= v, name=f"bench-link-{fld}-{name}")


def pypsa_rolling(p: Any, commitment: str, window_h: int, lookahead_h: int) -> Any:
    """PyPSA's ``optimize_with_rolling_horizon`` on ``to_pypsa(p)``, same windows and HiGHS
    options as gridsim; the energy budgets as window rows (see the module docstring)."""
    from gridsim.dispatch import SolverOptions
    from gridsim.interop.pypsa_export import pypsa_extra_functionality, to_pypsa

    n = to_pypsa(p, commitment)
    split = p.T > window_h
    gens = n.c.generators.static
    budget = [str(x) for g in (p.hydro, p.curtailable) for x in g.names]
    gens.loc[budget, "e_sum_max"] = np.inf  # replaced by the window rows
    value = [i for i in gens.index if i.endswith(" value")]
    gens.loc[value, "e_sum_max"], gens.loc[value, "e_sum_min"] = np.inf, -np.inf
    if split:
        n.c.storage_units.static["cyclic_state_of_charge"] = False
    snaps = n.snapshots

    def extra(net: Any, sns: Any) -> None:
        t0 = snaps.get_loc(sns[0])
        t_end = t0 + len(sns)
        pypsa_extra_functionality(_window_rows_problem(p, t0, t_end, split), commitment)(net, sns)
        _budget_rows(net, p, sns, t0, t_end)

    n.optimize.optimize_with_rolling_horizon(
        horizon=window_h + lookahead_h,
        overlap=lookahead_h,
        solver_name="highs",
        linearized_unit_commitment=(commitment == "linear"),
        extra_functionality=extra,
        solver_options=SolverOptions().highs_options(),
        progress=False,
    )
    return n


def pypsa_section(args: Any, can_parallel: bool) -> list[str]:
    """Section 4; returns the goal lines."""
    from _dispatch_solutions import kpis, pypsa_arrays

    from gridsim.studies.balance import dispatch_options, load_scenario

    hours = args.pypsa_hours
    print(f"## 4. PyPSA `optimize_with_rolling_horizon` vs gridsim on the identical problem, first {hours} h\n")  # fmt: skip
    if hours < args.hours:
        print(f"**PyPSA's rolling horizon over {hours} h, not the {args.hours} h of sections 1-3 (`--pypsa-hours` sets it).**\n")  # fmt: skip
    print("Problem: Ningxia 2025 without the rules PyPSA cannot take exactly (`bench_commitment.NOT_EXPORTABLE`).\n")  # fmt: skip
    uc, p = exact_commitment(ningxia_problem(hours))
    opts = dataclasses.replace(dispatch_options(load_scenario(SCENARIO)), commitment=uc, window_h=168, lookahead_h=24)  # fmt: skip
    if "method" in {f.name for f in dataclasses.fields(opts)}:
        opts = dataclasses.replace(opts, method="rolling")
    runs = [measure(Run("gridsim sequential 168 + 24 h"), lambda: solve(p, opts), args.repeats)]
    if can_parallel:
        par = parallel_options(opts, args, "processes", args.workers)
        label = f"gridsim parallel {args.parallel_window} + {args.parallel_lookahead} h, {args.workers} processes"  # fmt: skip
        runs.append(measure(Run(label), lambda: solve(p, par), args.repeats))
    for r in runs:
        k = kpis(p, r.result.arrays)
        r.objective, r.utilisation = k["cost"], k["util"]
        r.note = f"{r.result.status}, {len(r.result.windows)} windows"
    y = measure(Run("PyPSA optimize_with_rolling_horizon 192 h, overlap 24 h"), lambda: pypsa_rolling(p, uc, 168, 24), 1)  # fmt: skip
    k = kpis(p, pypsa_arrays(p, y.result, uc))
    y.objective, y.utilisation = k["cost"], k["util"]
    y.note = f"{-(-hours // 168)} windows"
    seq = runs[0]
    sent = [np.nansum(a["link_p_mw"], axis=0) * p.dt_h for a in (seq.result.arrays, pypsa_arrays(p, y.result, uc))]  # fmt: skip
    target = np.nan_to_num(p.links.energy_min_mwh, nan=0.0)
    energy_diff = float(np.max(np.abs(sent[1] - sent[0]) / np.maximum(np.abs(sent[0]), 1.0), initial=0.0))  # fmt: skip
    short = [float(np.max((target - x) / np.maximum(target, 1.0), initial=0.0)) for x in sent]
    rows = [[r.label, r.note, f"{r.objective:,.0f}", f"{pct(r.objective, seq.objective):+.4f}", f"{100 * r.utilisation:.3f}", r.wall, r.cpu, r.wall / seq.wall] for r in [*runs, y]]  # fmt: skip
    print(markdown_table(["run", "status / windows", "cost (CNY)", "cost vs gridsim sequential (%)", "utilisation (%)", "wall (s)", "CPU (s)", "wall / gridsim sequential"], rows))  # fmt: skip
    print(f"\nCommitment {uc!r}. DC link energy over the {hours} h, PyPSA vs gridsim sequential: largest relative difference {energy_diff:.1e}; largest shortfall below a link's energy target: gridsim {short[0]:.1e}, PyPSA {short[1]:.1e} (the window rows split the targets alike). The windows differ in what they carry: PyPSA's rolling horizon reads the commitment before a window as on/off (its up time counts the hours fully on, a linearised status below 1 included as off), gridsim carries the committed capacity and the capacity started or shut down within the minimum up/down time, so the cost differs slightly.")  # fmt: skip
    print(f"PyPSA rolling / gridsim sequential: wall {y.wall / seq.wall:.2f}x, CPU {y.cpu / seq.cpu:.2f}x", end="")  # fmt: skip
    if can_parallel:
        print(f"; PyPSA rolling / gridsim parallel: wall {y.wall / runs[1].wall:.2f}x", end="")
    print("\n")
    last = runs[-1]
    status = (
        "" if last.result.status == "optimal" else f" (**gridsim status {last.result.status}**)"
    )
    return [f"PyPSA rolling / gridsim {'parallel' if can_parallel else 'sequential'} wall ({hours} h): {y.wall / last.wall:.2f}x{status}"]  # fmt: skip


# ------------------------------------------------------------------ Dask scaling
def scaling_section(args: Any, problem: Any, small: Any, opts: Any) -> list[list[Any]]:
    """Section 5: wall of the parallel year per Dask worker count (``small``: warm-up)."""
    import logging

    from distributed import Client, LocalCluster

    par = parallel_options(opts, args, "dask", None)
    rows: list[list[Any]] = []
    base = float("nan")
    for k in args.scaling_workers:
        t0 = time.perf_counter()
        logging.getLogger("distributed").setLevel(logging.ERROR)
        with (
            LocalCluster(
                n_workers=k, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,  # fmt: skip
            Client(cluster) as client,
        ):
            start_s = time.perf_counter() - t0
            popts = dataclasses.replace(par, workers=k)
            solve(small, popts, client)  # warm-up, untimed: imports and caches in the workers
            run = measure(Run(f"{k} workers"), lambda c=client, o=popts: solve(problem, o, c), args.repeats)  # fmt: skip
        if not rows:
            base = run.wall
        res = run.result
        rows.append([k, "yes" if k > (os.cpu_count() or 1) else "no", start_s, run.wall, run.cpu, stage(res, "coarse_s"), stage(res, "windows_s"), base / run.wall, f"{res.objective:,.0f}", res.status])  # fmt: skip
        print(f"<!-- {k} workers done: {run.wall:.1f} s -->", flush=True)
    return rows


# ------------------------------------------------------------------ main
def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--hours", type=int, default=None, help="hours of sections 1-3 and 5 (default 8760)")  # fmt: skip
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--coarse-h", type=int, default=None, help="coarse pass resolution (h; default: DispatchOptions's)")  # fmt: skip
    ap.add_argument("--workers", type=int, default=2, help="processes of the parallel run")
    ap.add_argument("--parallel-window", type=int, default=24)
    ap.add_argument("--parallel-lookahead", type=int, default=24)
    ap.add_argument("--perfect-foresight", default="solve", metavar="{solve,skip,FILE}")
    ap.add_argument("--save-pf", default=None, metavar="FILE", help="store the solved perfect foresight here (.json)")  # fmt: skip
    ap.add_argument("--pypsa-hours", type=int, default=None, help="hours of PyPSA's rolling run (default 2016)")  # fmt: skip
    ap.add_argument("--scaling-workers", default=None, help="comma list (default 1,2,4,8)")
    ap.add_argument("--skip", default="", help="comma list of sections to skip: 1,2,3,4,5 (1 is needed by 2 and 3)")  # fmt: skip
    args = ap.parse_args()
    q = args.quick
    args.hours = args.hours or (336 if q else 8760)
    args.pypsa_hours = min(args.pypsa_hours or (336 if q else 2016), args.hours)
    args.scaling_workers = [int(x) for x in (args.scaling_workers or ("1,2" if q else "1,2,4,8")).split(",")]  # fmt: skip
    if args.save_pf and args.perfect_foresight != "solve":
        ap.error("--save-pf needs --perfect-foresight solve")
    skip = set(args.skip.split(","))
    header("Parallel year: gridsim parallel windows vs sequential rolling, perfect foresight and PyPSA rolling", args)  # fmt: skip
    print(", ".join(f"{d} {metadata.version(d)}" for d in ("pypsa", "linopy", "highspy", "dask", "distributed")))  # fmt: skip
    print()
    quiet()
    t_all = time.perf_counter()
    has_method, has_pool = parallel_support()
    can_parallel = has_method
    if not has_method:
        print(f"**This gridsim ({gridsim_revision()}) has no `DispatchOptions.method`: the parallel year is not there yet. Sections 2 and 5 and the parallel rows are skipped; the sequential, perfect-foresight and PyPSA parts run.**\n")  # fmt: skip
    elif not has_pool:
        print("**`solve_dispatch` takes no `pool`: the Dask scaling (section 5) is skipped.**\n")

    if args.perfect_foresight not in ("solve", "skip"):
        load_pf(args.perfect_foresight, args.hours)  # a wrong file fails before the runs
    sc, net, problem, opts = scenario_problem(args.hours)
    if has_method:
        opts = dataclasses.replace(opts, method="rolling")
    # warm-up on a 48 h problem with its own pro-rata targets (a cut of the year's is infeasible)
    small = scenario_problem(48)[2]
    solve(small, dataclasses.replace(opts, window_h=None))
    print(f"Scenario {SCENARIO}, first {args.hours} h: {problem.network}, {problem.thermal.n} thermal clusters, {problem.renewable.n} renewable, {problem.storage.n} storage, {problem.links.n} links.\n")  # fmt: skip

    goals: list[str] = []
    seq = par = None
    if "1" not in skip:
        seq = measure(Run(f"sequential rolling {opts.window_h} + {opts.lookahead_h} h"), lambda: solve(problem, opts), args.repeats)  # fmt: skip
        seq.objective, seq.utilisation = seq.result.objective, utilisation(seq.result, net)
        seq.note = f"{seq.result.status}, {len(seq.result.windows)} windows"
    if "2" not in skip and can_parallel:
        popts = parallel_options(opts, args, "processes", args.workers)
        par = measure(Run(f"parallel {args.parallel_window} + {args.parallel_lookahead} h, coarse {popts.coarse_h} h, {args.workers} processes"), lambda: solve(problem, popts), args.repeats)  # fmt: skip
        par.objective, par.utilisation = par.result.objective, utilisation(par.result, net)
        par.note = f"{par.result.status}, {len(par.result.windows)} windows"
    pf, pf_line = (None, "perfect foresight: skipped (`--skip 3`)") if "3" in skip else perfect_foresight(args, problem, opts, net)  # fmt: skip

    print(f"## 1-3. gridsim on Ningxia 2025, first {args.hours} h: sequential, parallel, perfect foresight\n")  # fmt: skip
    print(pf_line + "\n")
    runs = [r for r in (seq, par, pf) if r is not None]
    rows = []
    for r in runs:
        gap = pct(r.objective, pf.objective) if pf else float("nan")
        dutil = 100 * (r.utilisation - pf.utilisation) if pf else float("nan")
        rows.append([r.label, r.note or "-", f"{r.objective:,.0f}", f"{gap:+.4f}", f"{100 * r.utilisation:.3f}", f"{dutil:+.3f}", r.wall, r.cpu, r.wall / seq.wall if seq else float("nan"), len(r.walls)])  # fmt: skip
    print(markdown_table(["run", "status / windows", "cost (CNY)", "gap to perfect foresight (%)", "utilisation (%)", "utilisation - perfect foresight (pp)", "wall (s)", "CPU (s)", "wall / sequential", "repeats"], rows))  # fmt: skip
    print()
    if par is not None:
        res = par.result
        print(markdown_table(
            ["parallel stage", "value"],
            [["coarse pass (s)", stage(res, "coarse_s")], ["windows (s)", stage(res, "windows_s")],
             ["rest: set-up, assembly (s)", par.wall - stage(res, "coarse_s") - stage(res, "windows_s")],
             ["coarse pass objective (CNY)", f"{stage(res, 'coarse_objective'):,.0f}"],
             ["windows summed over workers: build + solve (s)", float(sum(w.build_time_s + w.solve_time_s for w in res.windows))]]
            + [[f"stages: {k}", v] for k, v in getattr(res, "stages", {}).items() if k not in ("coarse_s", "windows_s", "coarse_objective")],
        ))  # fmt: skip
        print()
    if seq and par:
        ratio = par.wall / seq.wall
        goals.append(f"parallel / sequential wall {ratio:.2f} (goal <= 0.4): {met(ratio <= 0.4)}")
        if par.result.status != "optimal":
            goals.append(f"**parallel run status {par.result.status}** (see the windows' reports)")
    if pf and par:
        gap = pct(par.objective, pf.objective)
        goals.append(f"parallel gap to perfect foresight {gap:+.4f} % (goal <= 0.1 %): {met(abs(gap) <= 0.1)}")  # fmt: skip
        du = 100 * (par.utilisation - pf.utilisation)
        goals.append(f"parallel utilisation - perfect foresight {du:+.3f} pp (goal within 0.1 pp): {met(abs(du) <= 0.1)}")  # fmt: skip
    if pf and seq:
        goals.append(f"(sequential: gap {pct(seq.objective, pf.objective):+.4f} %, utilisation {100 * (seq.utilisation - pf.utilisation):+.3f} pp)")  # fmt: skip

    if "4" not in skip:
        goals += pypsa_section(args, can_parallel)

    if "5" not in skip and can_parallel and has_pool:
        print(f"## 5. Scaling: parallel year ({args.hours} h) on a Dask LocalCluster, 1 thread per worker process\n")  # fmt: skip
        srows = scaling_section(args, problem, small, opts)
        print(markdown_table(["workers", "oversubscribed", "cluster start (s, untimed)", "wall (s)", "CPU, all processes (s)", "coarse (s)", "windows (s)", f"speed-up vs {args.scaling_workers[0]} worker(s)", "cost (CNY)", "status"], srows))  # fmt: skip
        print(f"\nThe machine has {os.cpu_count()} cores: above that the workers share them (oversubscribed). Speed-up = wall of the first row / wall of the row.\n")  # fmt: skip

    load = os.getloadavg()
    print("## Goals\n")
    for g in goals or ["(no goal measured: parallel method missing or sections skipped)"]:
        print(f"- {g}")
    print(f"\nTotal {time.perf_counter() - t_all:.0f} s; load average at the end {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f} ({os.cpu_count()} cores); gridsim at {gridsim_revision()}.")  # fmt: skip


if __name__ == "__main__":
    main()
