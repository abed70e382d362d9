"""The parallel year (layer 3: a driver): a coarse pass, then windows solved side by side.

The rolling horizon solves its windows one after another because each hands its
state to the next. Here that hand-over is made explicit:

1. **Coarse pass.** The whole horizon at ``coarse_h`` hours per snapshot
   (:func:`gridsim.dispatch.coarse.coarsen`), one LP or a rolling horizon of coarse
   windows, gives the storage state at every hour boundary, the committed capacity
   before each window and how each energy budget (DC link energies, hydro, demand
   response) is spread over the year.
2. **Even windows** (0, 2, 4, ...): each starts from the coarse state (storage state of
   charge and committed capacity; the first hour's ramp free), looks ``lookahead_h``
   ahead, ends at the coarse state of charge there and spends the budget the coarse
   pass gave its hours (:class:`gridsim.dispatch.budget_split.CoarseQuota`). Each is
   handed to a worker as soon as the coarse pass has covered it, while the coarse pass
   goes on.
3. **Odd windows**, all at once: each starts exactly where the even window before it
   ended (the rolling horizon's carry: output, commitment, start-ups within their
   minimum up and down times, storage) and ends exactly where the even window after it
   starts: the same state of charge, a ramp into its first hour and at least the
   committed capacity it started from (:mod:`gridsim.dispatch.seams`). The budgets
   left after the even windows are spread over the odd ones as the coarse pass spent
   them (:func:`gridsim.dispatch.budget_split.odd_budgets`). If those end rows make an odd window infeasible, it is solved again without
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
from collections.abc import Iterator
from typing import Any

import numpy as np

from gridsim.dispatch.budget_split import BUDGETS, CoarseQuota, odd_budgets
from gridsim.dispatch.coarse import coarsen, expand, soc_before
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
    rolling_windows,
    run_window,
)

Arr = np.ndarray
log = logging.getLogger(__name__)


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
    bounds = [(t0, min(t0 + step, T)) for t0 in range(0, T, step)]
    ends = {k: min(bounds[k][1] + opts.lookahead_h, T) for k in range(0, len(bounds), 2)}
    sets = options_sets(problem, opts)
    ts = problem.snapshots.strftime("%Y-%m-%d %H:%M")
    stages: dict[str, Any] = {"method": "parallel", "coarse_h": opts.coarse_h, "windows": len(bounds)}  # fmt: skip
    runner, close = open_runner(opts, pool)
    stages.update(workers=worker_count(runner, opts), executor=executor_name(runner))
    arrays = _empty_arrays(problem, opts.commitment)
    reports: dict[int, WindowReport] = {}
    cancelled = False
    calls: dict[int, Any] = {}
    tic = time.perf_counter()
    try:
        quota = CoarseQuota(problem, opts.coarse_h, bounds[1::2])
        even: dict[int, DispatchProblem] = {}
        coarse = None
        for coarse in _coarse_pass(problem, opts, sets, quota):
            if coarse.arrays is None:
                break
            hourly = expand(coarse.arrays, opts.coarse_h, T)
            socb = soc_before(coarse.arrays["storage_soc_mwh"], problem.storage.soc0_mwh, opts.coarse_h, T)  # fmt: skip
            for k in sorted(set(ends) - set(even)):  # the even windows the coarse pass now covers
                t0, t_end = bounds[k][0], ends[k]
                if min(-(-t_end // opts.coarse_h) * opts.coarse_h, T) > quota.known_h:
                    break
                even[k] = _even_window(problem, hourly, socb, quota.amounts(t0, t_end), t0, t_end)
                calls[k] = _submit(runner, even[k], k, bounds[k], t_end, ts, opts, sets)
        assert coarse is not None
        stages.update(coarse_s=time.perf_counter() - tic, coarse_status=coarse.status, coarse_objective=coarse.objective)  # fmt: skip
        if coarse.arrays is None:
            _cancel(calls)
            return DispatchResult(problem, coarse.status, arrays, [coarse.report], opts.as_dict(), stages)  # fmt: skip
        spread = {name: np.nan_to_num(hourly[name]) * problem.dt_h for name, _, _, _ in BUDGETS}
        done = _collect(calls, bounds, ends, ts, arrays, reports, progress, len(bounds))
        budgets = odd_budgets(problem, arrays, spread, bounds)
        calls = {}
        for k in range(1, len(bounds), 2):
            if k - 1 in done and (k + 1 >= len(bounds) or k + 1 in done):
                sub = _odd_window(problem, arrays, budgets[k], bounds, k, even.get(k + 1))
                calls[k] = _submit(runner, sub, k, bounds[k], bounds[k][1], ts, opts, sets)
        _collect(calls, bounds, {k: bounds[k][1] for k in calls}, ts, arrays, reports, progress, len(bounds))  # fmt: skip
    except _Cancelled:
        cancelled = True
    finally:
        close()
    stages["windows_s"] = time.perf_counter() - tic - stages.get("coarse_s", 0.0)
    windows = [reports[k] for k in sorted(reports)]
    stages["seams_relaxed"] = sum(w.seam == "relaxed" for w in windows)
    stages["approximation"] = "minimum up/down times spanning the start of an even window are not enforced there"  # fmt: skip
    failed = [w for w in windows if w.status != "optimal"]
    missing = len(bounds) - len(windows)
    status = failed[0].status if failed else ("cancelled" if cancelled else "error" if missing else "optimal")  # fmt: skip
    return DispatchResult(problem, status, arrays, windows, opts.as_dict(), stages)


# ------------------------------------------------------------------ coarse pass
@dataclasses.dataclass
class _Coarse:
    """The coarse pass so far: its status, its outputs (coarse snapshots; NaN beyond the
    windows solved; None once a window failed), its cost when done and a report."""

    status: str
    objective: float
    arrays: dict[str, Arr] | None
    report: WindowReport


def _coarse_pass(p: DispatchProblem, opts: DispatchOptions, sets: SecuritySets | None, quota: CoarseQuota) -> Iterator[_Coarse]:  # fmt: skip
    """The whole horizon at ``coarse_h`` hours per snapshot (the MILP's commitment
    relaxed: the pass only sets states and budgets): one LP or, over more than
    ``outer_window_h`` hours, a rolling horizon of ``outer_window_h`` windows with
    ``outer_lookahead_h`` of look-ahead. Yields after each window, once it is in
    ``quota``; the last yield has the pass's cost, or ``arrays`` None if it failed."""
    cp = coarsen(p, opts.coarse_h)
    commitment = "linear" if opts.commitment == "milp" else opts.commitment
    rolling = p.T * p.dt_h > opts.outer_window_h
    copts = dataclasses.replace(
        opts,
        commitment=commitment,
        method="rolling",
        window_h=max(opts.outer_window_h // opts.coarse_h, 1) if rolling else None,
        lookahead_h=max(opts.outer_lookahead_h // opts.coarse_h, 0),
    )
    cts = cp.snapshots.strftime("%Y-%m-%d %H:%M")
    arrays = _empty_arrays(cp, copts.commitment)
    steps = []
    for st in rolling_windows(cp, copts, sets, arrays):
        steps.append(st)
        out = st.outcome
        if not out.ok:
            rep = WindowReport(-1, 0, 0, cp.T, cts[0], cts[-1], out.report.status, float("nan"), sum(s.outcome.report.build_time_s for s in steps), sum(s.outcome.report.solve_time_s for s in steps), 0, 0)  # fmt: skip
            rep.diagnosis = out.report.diagnosis
            log.info("coarse pass (%d h per snapshot), window %d of %d: %s", opts.coarse_h, st.k + 1, st.n_windows, out.report.status)  # fmt: skip
            yield _Coarse(out.report.status, float("nan"), None, rep)
            return
        assert out.arrays is not None
        quota.add(st.problem, out.arrays, st.t0, st.t1, st.t_end)
        if st.k + 1 < st.n_windows:
            yield _Coarse("running", float("nan"), arrays, out.report)
    res = DispatchResult(cp, "optimal", arrays, [s.outcome.report for s in steps], copts.as_dict())
    rep = WindowReport(-1, 0, 0, cp.T, cts[0], cts[-1], "optimal", res.objective, sum(s.outcome.report.build_time_s for s in steps), sum(s.outcome.report.solve_time_s for s in steps), 0, 0)  # fmt: skip
    log.info("coarse pass (%d h per snapshot, %d windows): objective %.6g CNY", opts.coarse_h, len(steps), res.objective)  # fmt: skip
    yield _Coarse("optimal", res.objective, arrays, rep)


# ------------------------------------------------------------------ windows
def _with_budgets(p: DispatchProblem, sub: DispatchProblem, amounts: dict[tuple[str, str], Arr]) -> DispatchProblem:  # fmt: skip
    groups: dict[str, dict[str, Arr]] = {}
    for (group, fld), value in amounts.items():
        groups.setdefault(group, {})[fld] = value
    return dataclasses.replace(sub, **{g: dataclasses.replace(getattr(sub, g), **u) for g, u in groups.items()})  # fmt: skip


def _even_window(
    p: DispatchProblem,
    hourly: dict[str, Arr],
    socb: Arr,
    amounts: dict[tuple[str, str], Arr],
    t0: int,
    t_end: int,
) -> DispatchProblem:
    """Window ``t0:t_end`` started from and ended at the coarse state (``hourly``, the
    coarse outputs hour by hour; ``socb``, the storage state before each hour), with
    its budget ``amounts``."""
    T = p.T
    sub = _with_budgets(p, _window_problem(p, hourly, t0, t_end, whole=False), amounts)
    th, lk, st = sub.thermal, sub.links, sub.storage
    if t0 > 0:  # the coarse output is an average: the first hour's ramp is left free
        th = dataclasses.replace(th, p0_mw=np.full(th.n, np.nan))
        lk = dataclasses.replace(lk, p0_mw=np.full(lk.n, np.nan))
        st = dataclasses.replace(st, soc0_mwh=socb[t0].copy())
    if t_end < T:
        st = dataclasses.replace(st, soc_end_min_mwh=socb[t_end].copy())
    return dataclasses.replace(sub, thermal=th, links=lk, storage=st)


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


def _submit(
    runner: Any,
    sub: DispatchProblem,
    k: int,
    bound: tuple[int, int],
    t_end: int,
    ts: Any,
    opts: DispatchOptions,
    sets: SecuritySets | None,
) -> Any:
    """Window ``k`` handed to ``runner`` (a future), or its arguments to solve here
    later (``runner`` None)."""
    t0, t1 = bound
    args = (sub, k, t0, t1, t_end, {t0: ts[t0], t_end - 1: ts[t_end - 1]}, opts, sets)
    return args if runner is None else runner.submit(solve_one, *args)


def _collect(
    calls: dict[int, Any],
    bounds: list[tuple[int, int]],
    ends: dict[int, int],
    ts: Any,
    arrays: dict[str, Arr],
    reports: dict[int, WindowReport],
    progress: Progress | None,
    n_windows: int,
) -> set[int]:
    """Wait for the windows of ``calls`` (from :func:`_submit`) in order, store what
    they return; the indices of the windows with a dispatch."""
    done: set[int] = set()
    for k, call in calls.items():
        try:
            out = solve_one(*call) if isinstance(call, tuple) else call.result()
        except Exception as exc:  # a lost worker costs its window, not the run
            t0, t1 = bounds[k]
            log.error("window %d (%s ..): %r", k, ts[t0], exc)
            out = WindowOutcome(WindowReport(k, t0, t1, ends[k], ts[t0], ts[ends[k] - 1], "error", float("nan"), 0.0, 0.0, 0, 0), None, False)  # fmt: skip
        if out.arrays is not None:
            _store(arrays, out.arrays, bounds[k][0], bounds[k][1])
            done.add(k)
        reports[k] = out.report
        if progress is not None and progress(out.report, n_windows) is False:
            _cancel(calls)
            raise _Cancelled
    return done


def _cancel(calls: dict[int, Any]) -> None:
    for call in calls.values():
        if hasattr(call, "cancel"):
            call.cancel()


class _Cancelled(Exception):
    """The progress callback asked to stop."""


__all__: list[str] = ["EXECUTORS", "solve_one", "solve_parallel"]
