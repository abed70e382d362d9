"""The parallel year (layer 3: a driver): a coarse pass, then windows solved side by side.

The rolling horizon solves its windows one after another because each hands its
state to the next. Here that hand-over is made explicit:

1. **Coarse pass.** The whole horizon in one LP at ``coarse_h`` hours per snapshot
   (:func:`gridsim.dispatch.coarse.coarsen`) gives the storage state at every hour
   boundary, the committed capacity before each window and how each energy budget
   (DC link energies, hydro, demand response) is spread over the year.
2. **Even windows** (0, 2, 4, ...), all at once: each starts from the coarse state
   (storage state of charge and committed capacity; the first hour's ramp free), looks
   ``lookahead_h`` ahead, ends at the coarse state of charge there and spends the budget
   the coarse pass spent in its hours.
3. **Odd windows**, all at once: each starts exactly where the even window before it
   ended (the rolling horizon's carry: output, commitment, start-ups within their
   minimum up and down times, storage) and ends exactly where the even window after it
   starts: the same state of charge, a ramp into its first hour and at least the
   committed capacity it started from (:mod:`gridsim.dispatch.seams`). The budgets
   left after the even windows are spread over the odd ones as the coarse pass spent
   them. If those end rows make an odd window infeasible, it is solved again without
   them and its report says ``seam = "relaxed"``.

The stitched dispatch is therefore continuous in storage, output ramps and committed
capacity at every seam. One approximation remains, stated in the result's ``stages``:
an even window does not see start-ups and shut-downs of the odd window before it, so
a minimum up or down time that spans its first hours is not enforced there.

The windows run on a ``concurrent.futures`` process pool, a Dask cluster, or in
this process (``executor="serial"``; see :mod:`gridsim.dispatch.pool`); the result does
not depend on which, nor on the number of workers.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

import numpy as np

from gridsim.dispatch.coarse import coarsen, expand, soc_before
from gridsim.dispatch.declarations import CARRIES
from gridsim.dispatch.pool import EXECUTORS, executor_name, open_runner, worker_count
from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.result import DispatchResult, WindowReport
from gridsim.dispatch.security import SecuritySets, options_sets
from gridsim.dispatch.windows import (
    DispatchOptions,
    Progress,
    WindowOutcome,
    _empty_arrays,
    _store,
    _window_problem,
    run_window,
    solve_rolling,
)

Arr = np.ndarray
log = logging.getLogger(__name__)
#: The budget carries: (output, group, field) of each energy spread over the horizon.
BUDGETS = tuple((name, c.group, c.field) for name, c in CARRIES if c.how == "budget")


def solve_parallel(
    problem: DispatchProblem,
    opts: DispatchOptions,
    progress: Progress | None = None,
    pool: Any = None,
) -> DispatchResult:
    """Solve ``problem`` by a coarse pass and windows in parallel (see the module).

    ``pool``: an executor with ``submit`` to use (None: one is started for the run,
    per ``opts.executor`` and ``opts.workers``, and closed after it)."""
    if opts.coarse_h < 1:
        raise ValueError(f"coarse_h must be at least 1, got {opts.coarse_h}")
    T = problem.T
    step = max(int(opts.window_h or T), 1)
    starts = list(range(0, T, step))
    sets = options_sets(problem, opts)
    ts = problem.snapshots.strftime("%Y-%m-%d %H:%M")
    stages: dict[str, Any] = {"method": "parallel", "coarse_h": opts.coarse_h, "windows": len(starts)}  # fmt: skip
    runner, close = open_runner(opts, pool)
    stages.update(workers=worker_count(runner, opts), executor=executor_name(runner))
    arrays = _empty_arrays(problem, opts.commitment)
    reports: dict[int, WindowReport] = {}
    cancelled = False
    tic = time.perf_counter()
    try:
        coarse = _coarse_pass(problem, opts, sets)
        stages.update(coarse_s=time.perf_counter() - tic, coarse_status=coarse.status, coarse_objective=coarse.objective)  # fmt: skip
        if coarse.arrays is None:
            rep = coarse.report
            return DispatchResult(problem, rep.status, arrays, [rep], opts.as_dict(), stages)
        hourly = expand(coarse.arrays, opts.coarse_h, T)
        socb = soc_before(coarse.arrays["storage_soc_mwh"], problem.storage.soc0_mwh, opts.coarse_h, T)  # fmt: skip
        spread = {name: np.nan_to_num(hourly[name]) * problem.dt_h for name, _, _ in BUDGETS}
        tic = time.perf_counter()
        bounds = [(t0, min(t0 + step, T)) for t0 in starts]
        ends = {k: min(bounds[k][1] + opts.lookahead_h, T) for k in range(0, len(bounds), 2)}
        even = {k: _even_window(problem, hourly, socb, spread, bounds[k][0], t_end) for k, t_end in ends.items()}  # fmt: skip
        done = _solve_all(runner, even, bounds, ends, ts, opts, sets, arrays, reports, progress, len(bounds))  # fmt: skip
        odd = {}
        budgets = _odd_budgets(problem, arrays, spread, bounds)
        for k in range(1, len(bounds), 2):
            if k - 1 in done and (k + 1 >= len(bounds) or k + 1 in done):
                odd[k] = _odd_window(problem, arrays, budgets[k], bounds, k, even.get(k + 1))
        _solve_all(runner, odd, bounds, {k: bounds[k][1] for k in odd}, ts, opts, sets, arrays, reports, progress, len(bounds))  # fmt: skip
    except _Cancelled:
        cancelled = True
    finally:
        close()
    stages["windows_s"] = time.perf_counter() - tic
    windows = [reports[k] for k in sorted(reports)]
    stages["seams_relaxed"] = sum(w.seam == "relaxed" for w in windows)
    stages["approximation"] = "minimum up/down times spanning the start of an even window are not enforced there"  # fmt: skip
    failed = [w for w in windows if w.status != "optimal"]
    missing = len(starts) - len(windows)
    status = failed[0].status if failed else ("cancelled" if cancelled else "error" if missing else "optimal")  # fmt: skip
    return DispatchResult(problem, status, arrays, windows, opts.as_dict(), stages)


# ------------------------------------------------------------------ coarse pass
@dataclasses.dataclass
class _Coarse:
    status: str
    objective: float
    arrays: dict[str, Arr] | None
    report: WindowReport


def _coarse_pass(p: DispatchProblem, opts: DispatchOptions, sets: SecuritySets | None) -> _Coarse:
    """The whole horizon at ``coarse_h`` hours per snapshot (the MILP's commitment
    relaxed: the pass only sets states and budgets): one LP, or, over more than
    ``outer_window_h`` hours, a rolling horizon of ``outer_window_h`` windows with
    ``outer_lookahead_h`` of look-ahead."""
    cp = coarsen(p, opts.coarse_h)
    commitment = "linear" if opts.commitment == "milp" else opts.commitment
    copts = dataclasses.replace(opts, commitment=commitment)
    cts = cp.snapshots.strftime("%Y-%m-%d %H:%M")
    if p.T * p.dt_h > opts.outer_window_h:
        rolling = dataclasses.replace(
            copts,
            method="rolling",
            window_h=max(opts.outer_window_h // opts.coarse_h, 1),
            lookahead_h=max(opts.outer_lookahead_h // opts.coarse_h, 0),
        )
        res = solve_rolling(cp, rolling)
        rep = WindowReport(-1, 0, 0, cp.T, cts[0], cts[-1], res.status, res.objective, sum(w.build_time_s for w in res.windows), sum(w.solve_time_s for w in res.windows), 0, 0)  # fmt: skip
        rep.diagnosis = res.diagnosis
        log.info("coarse pass (%d h per snapshot, %d rolling windows): %s, objective %.6g CNY", opts.coarse_h, len(res.windows), res.status, res.objective)  # fmt: skip
        if not res.ok:
            return _Coarse(res.status, float("nan"), None, rep)
        return _Coarse("optimal", res.objective, res.arrays, rep)
    out = run_window(cp, -1, 0, 0, cp.T, cts, copts, sets)
    log.info("coarse pass (%d h per snapshot, %d snapshots): %s, objective %.6g CNY, %.1f s", opts.coarse_h, cp.T, out.report.status, out.report.objective, out.report.solve_time_s)  # fmt: skip
    if not out.ok:
        return _Coarse(out.report.status, float("nan"), None, out.report)
    assert out.arrays is not None
    return _Coarse("optimal", out.report.objective, out.arrays, out.report)


# ------------------------------------------------------------------ windows
def _coarse_share(spread: Arr, t0: int, t1: int) -> Arr:
    """The part of ``spread`` (T, n) that falls in ``t0:t1`` (n,); by hours where it is
    all zero."""
    total = spread.sum(axis=0)
    by_hours = np.full(spread.shape[1], (t1 - t0) / max(spread.shape[0], 1))
    return np.divide(spread[t0:t1].sum(axis=0), total, out=by_hours, where=total > 0)


def _with_budgets(p: DispatchProblem, sub: DispatchProblem, amounts: dict[tuple[str, str], Arr]) -> DispatchProblem:  # fmt: skip
    groups: dict[str, dict[str, Arr]] = {}
    for (group, fld), value in amounts.items():
        groups.setdefault(group, {})[fld] = value
    return dataclasses.replace(sub, **{g: dataclasses.replace(getattr(sub, g), **u) for g, u in groups.items()})  # fmt: skip


def _even_window(
    p: DispatchProblem,
    hourly: dict[str, Arr],
    socb: Arr,
    spread: dict[str, Arr],
    t0: int,
    t_end: int,
) -> DispatchProblem:
    """Window ``t0:t_end`` started from and ended at the coarse state, with the budgets the
    coarse pass spent in its hours."""
    T = p.T
    sub = _window_problem(p, hourly, t0, t_end, whole=False)
    amounts = {
        (group, fld): np.clip(
            getattr(getattr(p, group), fld) * _coarse_share(spread[name], t0, t_end),
            _must_deliver(p, group, t0, t_end),
            _capability(p, group, t0, t_end),
        )
        for name, group, fld in BUDGETS
    }
    sub = _with_budgets(p, sub, amounts)
    th, lk, st = sub.thermal, sub.links, sub.storage
    if t0 > 0:  # the coarse output is an average: the first hour's ramp is left free
        th = dataclasses.replace(th, p0_mw=np.full(th.n, np.nan))
        lk = dataclasses.replace(lk, p0_mw=np.full(lk.n, np.nan))
        st = dataclasses.replace(st, soc0_mwh=socb[t0].copy())
    if t_end < T:
        st = dataclasses.replace(st, soc_end_min_mwh=socb[t_end].copy())
    return dataclasses.replace(sub, thermal=th, links=lk, storage=st)


def allocate(total: Arr, weight: Arr, cap: Arr, floor: Arr | None = None) -> Arr:
    """Split ``total`` (n,) over K parts: each part first gets its ``floor`` (K, n; what
    it must take, default 0), the rest goes in proportion to ``weight`` (K, n) (equally
    where a column's weights are all zero), no part above its ``cap`` (K, n): what a
    full part cannot take goes to the others in proportion (MWh). NaN totals stay NaN."""
    K, n = weight.shape
    base = np.zeros((K, n)) if floor is None else np.minimum(floor, cap)
    out = np.full((K, n), np.nan)
    for j in range(n):
        if not np.isfinite(total[j]):
            continue
        w = weight[:, j] if weight[:, j].sum() > 0 else np.ones(K)
        c = np.maximum(cap[:, j] - base[:, j], 0.0)
        alloc = np.zeros(K)
        free = np.ones(K, dtype=bool)
        left = max(float(total[j]) - float(base[:, j].sum()), 0.0)
        for _ in range(K):
            share = np.where(free, w, 0.0)
            if left <= 0 or share.sum() <= 0:
                break
            want = alloc + left * share / share.sum()
            full = free & (want >= c)
            if not full.any():
                alloc = want
                break
            left -= float((c[full] - alloc[full]).sum())
            alloc[full] = c[full]
            free &= ~full
        out[:, j] = base[:, j] + alloc
    return out


def _capability(p: DispatchProblem, group: str, t0: int, t1: int) -> Arr:
    """Most energy each element of ``group`` can deliver in ``t0:t1`` (MWh, (n,))."""
    return np.nansum(getattr(p, group).p_max_mw[t0:t1], axis=0) * p.dt_h


def _must_deliver(p: DispatchProblem, group: str, t0: int, t1: int) -> Arr:
    """Least energy each element of ``group`` delivers in ``t0:t1`` at its minimum output
    (MWh, (n,); zero for a group without one)."""
    grp = getattr(p, group)
    low = getattr(grp, "p_min_mw", None)
    if low is None:
        return np.zeros(grp.n)
    return np.nansum(np.minimum(np.maximum(low[t0:t1], 0.0), grp.p_max_mw[t0:t1]), axis=0) * p.dt_h


def _odd_budgets(
    p: DispatchProblem, done: dict[str, Arr], spread: dict[str, Arr], bounds: list[tuple[int, int]]
) -> dict[int, dict[tuple[str, str], Arr]]:
    """What the even windows left of each budget, spread over the odd windows as the
    coarse pass spent it, no window below what its minimum output delivers nor above what
    it can deliver."""
    odd = list(range(1, len(bounds), 2))
    out: dict[int, dict[tuple[str, str], Arr]] = {k: {} for k in odd}
    if not odd:
        return out
    for name, group, fld in BUDGETS:
        total = getattr(getattr(p, group), fld)
        used = sum(np.nansum(done[name][a:b], axis=0) for a, b in bounds[0::2]) * p.dt_h
        weight = np.array([spread[name][slice(*bounds[k])].sum(axis=0) for k in odd])
        cap = np.array([_capability(p, group, *bounds[k]) for k in odd])
        floor = np.array([_must_deliver(p, group, *bounds[k]) for k in odd])
        parts = allocate(total - used, weight, cap, floor)
        for i, k in enumerate(odd):
            out[k][(group, fld)] = np.where(np.isfinite(total), parts[i], np.nan)
    return out


def _odd_window(
    p: DispatchProblem,
    done: dict[str, Arr],
    budgets: dict[tuple[str, str], Arr],
    bounds: list[tuple[int, int]],
    k: int,
    nxt: DispatchProblem | None,
) -> DispatchProblem:
    """Window ``k`` from the state the window before it left in ``done`` to the start of
    the window after it (``nxt``, already solved), with its ``budgets``."""
    t0, t1 = bounds[k]
    sub = _with_budgets(p, _window_problem(p, done, t0, t1, whole=False), budgets)
    if nxt is None:
        return sub
    st = sub.storage
    end = nxt.storage.soc0_mwh
    st = dataclasses.replace(st, soc_end_min_mwh=end.copy(), soc_end_max_mwh=end.copy())
    th = dataclasses.replace(sub.thermal, p_next_mw=done["thermal_p_mw"][t1].copy())
    if "thermal_u_mw" in done:
        th = dataclasses.replace(th, u_next_mw=done["thermal_u_mw"][t1].copy(), u_end_min_mw=nxt.thermal.u0_mw.copy())  # fmt: skip
    lk = dataclasses.replace(sub.links, p_next_mw=done["link_p_mw"][t1].copy())
    return dataclasses.replace(sub, storage=st, thermal=th, links=lk)


def _without_seams(sub: DispatchProblem) -> DispatchProblem:
    """``sub`` without the rows into the next window (its storage end a floor only)."""
    st, th, lk = sub.storage, sub.thermal, sub.links
    nan = np.full
    return dataclasses.replace(
        sub,
        storage=dataclasses.replace(st, soc_end_max_mwh=nan(st.n, np.nan)),
        thermal=dataclasses.replace(
            th,
            p_next_mw=nan(th.n, np.nan),
            u_next_mw=nan(th.n, np.nan),
            u_end_min_mw=nan(th.n, np.nan),
        ),  # fmt: skip
        links=dataclasses.replace(lk, p_next_mw=nan(lk.n, np.nan)),
    )


def _has_seams(sub: DispatchProblem) -> bool:
    return bool(np.isfinite(sub.storage.soc_end_max_mwh).any() or np.isfinite(sub.thermal.p_next_mw).any() or np.isfinite(sub.links.p_next_mw).any())  # fmt: skip


def solve_one(
    sub: DispatchProblem,
    k: int,
    t0: int,
    t1: int,
    t_end: int,
    labels: dict[int, str],
    opts: DispatchOptions,
    sets: SecuritySets | None,  # fmt: skip
) -> WindowOutcome:
    """One window (run in a worker): solved with its seam rows, and again without them
    if they make it fail."""
    out = run_window(sub, k, t0, t1, t_end, labels, opts, sets)
    if out.ok or not _has_seams(sub):
        return out
    relaxed = run_window(_without_seams(sub), k, t0, t1, t_end, labels, opts, sets)
    relaxed.report.seam = "relaxed"
    log.warning("window %d (%s .. %s): %s with the rows into the next window; solved without them: %s", k, labels[t0], labels[t_end - 1], out.report.status, relaxed.report.status)  # fmt: skip
    return relaxed


def _solve_all(
    runner: Any,
    subs: dict[int, DispatchProblem],
    bounds: list[tuple[int, int]],
    ends: dict[int, int],
    ts: Any,
    opts: DispatchOptions,
    sets: SecuritySets | None,
    arrays: dict[str, Arr],
    reports: dict[int, WindowReport],
    progress: Progress | None,
    n_windows: int,
) -> set[int]:
    """Solve ``subs`` on ``runner`` (None: here), store what they return; the indices
    of the windows with a dispatch."""
    calls: dict[int, Any] = {}
    for k, sub in subs.items():
        t0, t1 = bounds[k]
        labels = {t0: ts[t0], ends[k] - 1: ts[ends[k] - 1]}
        args = (sub, k, t0, t1, ends[k], labels, opts, sets)
        calls[k] = args if runner is None else runner.submit(solve_one, *args)
    done: set[int] = set()
    for k, call in calls.items():
        try:
            out = solve_one(*call) if runner is None else call.result()
        except Exception as exc:  # a lost worker costs its window, not the run
            t0, t1 = bounds[k]
            log.error("window %d (%s ..): %r", k, ts[t0], exc)
            out = WindowOutcome(WindowReport(k, t0, t1, ends[k], ts[t0], ts[ends[k] - 1], "error", float("nan"), 0.0, 0.0, 0, 0), None, False)  # fmt: skip
        if out.arrays is not None:
            _store(arrays, out.arrays, bounds[k][0], bounds[k][1])
            done.add(k)
        reports[k] = out.report
        if progress is not None and progress(out.report, n_windows) is False:
            for rest in calls.values():
                if hasattr(rest, "cancel"):
                    rest.cancel()
            raise _Cancelled
    return done


class _Cancelled(Exception):
    """The progress callback asked to stop."""


__all__: list[str] = ["EXECUTORS", "solve_one", "solve_parallel"]
