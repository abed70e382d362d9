"""Windows of the dispatch (layer 3): options, one window's solve, the rolling horizon.

Each window solves ``window_h`` hours plus ``lookahead_h`` hours of look-ahead
and keeps the first ``window_h``. Between windows the state that each output
declares (:data:`~gridsim.dispatch.declarations.CARRIES`) is carried over: the
storage state of charge, the committed capacity and the last output of thermal
clusters and DC links, the capacity started or shut down within its minimum up or down
time; energy targets and budgets over the horizon are split pro
rata over the remaining hours (the energy bounds of a DC link with its own hourly
``energy_weight``, its schedule, in proportion to that weight). A failed window is re-solved with elastic slack on
every row to say which family failed where, and the run stops there (or, with
``on_failure="continue"``, keeps the elastic dispatch and goes on), keeping the
windows already solved.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gridsim.dispatch.commitment import steps
from gridsim.dispatch.declarations import ARRAYS, CARRIES, COMMITMENT_ARRAYS, Carry
from gridsim.dispatch.lazy import solve_window
from gridsim.dispatch.model import (
    LinearProgram,
    LpSolution,
    SolverOptions,
    elastic,
    formulate,
    row_slack,
    solve_lp,
)
from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.result import (
    Diagnosis,
    DispatchResult,
    WindowReport,
    arrays_from_solution,
    diagnose,
)
from gridsim.dispatch.security import SecuritySets, options_sets, with_security_blocks

Arr = np.ndarray
log = logging.getLogger(__name__)
Progress = Callable[[WindowReport, int], Any]
METHODS = ("rolling", "parallel")


@dataclass(frozen=True)
class DispatchOptions:
    """How to solve: windows (h), commitment model, solver, failure policy.

    ``window_h=None`` solves the whole horizon at once. ``commitment`` is
    ``"linear"`` (clustered unit commitment, LP relaxation), ``"milp"`` (integer
    numbers of units, solved by HiGHS's MIP to ``solver.mip_gap``) or ``"none"``.
    ``flow_limits`` (ptdf model): ``"lazy"`` adds branch limits only where violated
    (:mod:`gridsim.dispatch.lazy`), ``"full"`` adds every one up front; same optimum.
    ``security="n-1"`` (ptdf model) adds post-contingency limits
    (:mod:`gridsim.dispatch.security`) over ``security_contingencies`` and
    ``security_monitored`` (branch names; None: the 750 kV lines and the 750 / 330 kV
    branches) at ``post_contingency_rating_share`` of the ratings, an outage taking out
    one circuit (``security_per_circuit``) or the whole branch.
    ``method="rolling"`` solves the windows one after another, each handing its state to
    the next; ``"parallel"`` (:mod:`gridsim.dispatch.parallel`) first solves the whole
    horizon at ``coarse_h`` hours per snapshot (over more than ``outer_window_h`` hours,
    a rolling horizon of ``outer_window_h`` + ``outer_lookahead_h``), then the windows on ``workers`` processes
    (``executor``: ``"processes"``, ``"dask"`` at ``address``, at the scheduler named in
    ``scheduler_file`` or on a local cluster, or ``"serial"``), each bound to the coarse
    state at its ends (see :mod:`gridsim.dispatch.pool`).
    """

    window_h: int | None = 168
    lookahead_h: int = 24
    commitment: str = "linear"
    solver: SolverOptions = field(default_factory=SolverOptions)
    on_failure: str = "stop"  # "stop" or "continue"
    elastic_penalty: float | None = None
    flow_limits: str = "lazy"
    security: str = "none"
    security_contingencies: tuple[str, ...] | None = None
    security_monitored: tuple[str, ...] | None = None
    post_contingency_rating_share: float = 1.0
    security_per_circuit: bool = True
    method: str = "rolling"
    coarse_h: int = 6
    outer_window_h: int = 720
    outer_lookahead_h: int = 168
    workers: int | None = None
    executor: str = "processes"
    address: str | None = None
    scheduler_file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["random_seed"] = self.solver.random_seed
        return d


def solve_rolling(
    problem: DispatchProblem,
    options: DispatchOptions | None = None,
    progress: Progress | None = None,
) -> DispatchResult:
    """The rolling horizon: windows solved one after another, each handing its state
    to the next (see :func:`gridsim.dispatch.rolling.solve_dispatch`)."""
    opts = options or DispatchOptions()
    arrays = _empty_arrays(problem, opts.commitment)
    reports: list[WindowReport] = []
    status = "optimal"
    for step in rolling_windows(problem, opts, options_sets(problem, opts), arrays):
        out = step.outcome
        reports.append(out.report)
        if not out.ok and status == "optimal":
            status = out.report.status
        if not out.ok and (opts.on_failure != "continue" or out.arrays is None):
            _report(progress, out.report, step.n_windows)
            break
        if _report(progress, out.report, step.n_windows) is False:
            status = "cancelled" if status == "optimal" else status
            break
    return DispatchResult(problem, status, arrays, reports, opts.as_dict())


@dataclass
class RollingStep:
    """One window of a rolling horizon, just solved: its index of ``n_windows``, the
    snapshots it keeps (``t0:t1``) and solves (``t0:t_end``), its problem (the state
    and budget shares it was handed) and its outcome."""

    k: int
    n_windows: int
    t0: int
    t1: int
    t_end: int
    problem: DispatchProblem
    outcome: WindowOutcome


def rolling_windows(
    problem: DispatchProblem,
    opts: DispatchOptions,
    sets: SecuritySets | None,
    arrays: dict[str, Arr],
) -> Iterator[RollingStep]:
    """Solve the rolling horizon's windows one after another, storing each window's
    kept snapshots into ``arrays`` (from :func:`_empty_arrays`) before yielding it; the
    caller stops the horizon by not asking for the next window."""
    T = problem.T
    step = T if opts.window_h is None or opts.window_h >= T else int(opts.window_h)
    step = max(step, 1)
    starts = list(range(0, T, step))
    ts = problem.snapshots.strftime("%Y-%m-%d %H:%M") if T else []
    for k, t0 in enumerate(starts):
        t1 = min(t0 + step, T)
        t_end = T if step == T else min(t1 + opts.lookahead_h, T)
        sub = _window_problem(problem, arrays, t0, t_end, whole=(t0 == 0 and t_end == T))
        out = run_window(sub, k, t0, t1, t_end, ts, opts, sets)
        if out.arrays is not None:
            _store(arrays, out.arrays, t0, t1)
        yield RollingStep(k, len(starts), t0, t1, t_end, sub, out)


@dataclass
class WindowOutcome:
    """One solved window: its report, its output arrays (the window's snapshots; the
    elastic dispatch of a failed window with ``on_failure="continue"``; None if none)
    and whether it solved to optimality."""

    report: WindowReport
    arrays: dict[str, Arr] | None
    ok: bool


def run_window(
    sub: DispatchProblem,
    k: int,
    t0: int,
    t1: int,
    t_end: int,
    ts: Any,
    opts: DispatchOptions,
    sets: SecuritySets | None,
) -> WindowOutcome:
    """Formulate and solve window ``k`` (snapshots ``t0:t_end`` of the horizon, ``sub``
    its problem; ``ts`` the horizon's snapshot labels); a failed window is diagnosed."""
    tb = time.perf_counter()
    lp = formulate(sub, opts.commitment, opts.flow_limits)
    build_s = time.perf_counter() - tb
    lp, sol, lazy = solve_window(sub, lp, opts.solver, opts.flow_limits, sets)
    rep = WindowReport(
        k,
        t0,
        t1,
        t_end,
        ts[t0],
        ts[t_end - 1],
        sol.status,
        sol.objective,
        build_s,
        sol.solve_time_s,
        lp.shape[1],
        lp.shape[0],
        mip_gap=float(sol.info.get("mip_gap", np.nan)),
        mip_status=str(sol.info.get("mip_status", "")),
    )
    if lazy is not None and sets is not None:
        rep.security_rows_added = lazy.security_rows_added
        rep.security_islanding = ", ".join(lazy.islanding)
        log.info("window %d: %d post-contingency rows added; islanding outages skipped: %s", k, lazy.security_rows_added, ", ".join(lazy.islanding) or "none")  # fmt: skip
    if lazy is not None and lazy.iterations:
        rep.flow_iterations, rep.flow_rows_added = lazy.iterations, lazy.rows_added
        log.info("window %d (%s .. %s): lazy flow limits, %d solves, %d of %d branch rows added", k, ts[t0], ts[t_end - 1], lazy.iterations, lazy.rows_added, lazy.rows_possible)  # fmt: skip
    if lp.variables.is_mip:
        log.info("window %d (%s .. %s): MIP %s, gap %.3g, objective %.6g CNY, %.1f s", k, ts[t0], ts[t_end - 1], rep.mip_status or sol.status, rep.mip_gap, sol.objective, sol.solve_time_s)  # fmt: skip
    if sol.status == "optimal":
        return WindowOutcome(rep, arrays_from_solution(sub, lp, sol), True)
    if lazy is not None:  # the diagnosis needs every row: the full formulation
        lp = with_security_blocks(formulate(sub, opts.commitment), lp)
    rep.diagnosis, elp, el_sol = _diagnose(sub, lp, sol.status, k, ts[t0], ts[t_end - 1], opts)
    keep = opts.on_failure == "continue" and el_sol is not None
    return WindowOutcome(rep, arrays_from_solution(sub, elp, el_sol) if keep else None, False)  # type: ignore[arg-type]


def _report(progress: Progress | None, rep: WindowReport, n: int) -> Any:
    return progress(rep, n) if progress is not None else None


def _empty_arrays(p: DispatchProblem, commitment: str) -> dict[str, Arr]:
    out = {}
    for name, grp in ARRAYS.items():
        if commitment == "none" and name in COMMITMENT_ARRAYS:
            continue
        n = p.nodes.n if grp == "nodes" else getattr(p, grp).n
        out[name] = np.full((p.T, n), np.nan)
    return out


def _store(arrays: dict[str, Arr], win: dict[str, Arr], t0: int, t1: int) -> None:
    for name, a in arrays.items():
        if name in win:
            a[t0:t1] = win[name][: t1 - t0]


def _share(total: Arr, used: Arr, t0: int, t_end: int, T: int) -> Arr:
    """Pro-rata share of what remains of ``total`` for window ``t0:t_end`` (NaN stays NaN)."""
    remaining = np.maximum(total - used, 0.0)
    return remaining * (t_end - t0) / max(T - t0, 1)


def _weighted_share(total: Arr, used: Arr, weight: Arr, t0: int, t_end: int) -> Arr:
    """What remains of ``total`` for window ``t0:t_end`` in proportion to the window's part
    of the remaining ``weight`` (T x n); pro rata by hours where no weight remains."""
    remaining = np.maximum(total - used, 0.0)
    T = weight.shape[0]
    ahead = weight[t0:].sum(axis=0)
    hours = np.full(ahead.shape, (t_end - t0) / max(T - t0, 1))
    frac = np.divide(weight[t0:t_end].sum(axis=0), ahead, out=hours, where=ahead > 0)
    return remaining * frac


def _window_problem(
    p: DispatchProblem, done: dict[str, Arr], t0: int, t_end: int, whole: bool
) -> DispatchProblem:
    """The sub-problem of snapshots ``t0:t_end`` with the state that the outputs'
    declared carries (:data:`~gridsim.dispatch.declarations.CARRIES`) hand over from
    ``done``, and the storage's terminal condition for a window."""
    if whole:
        return p
    sub = p.time_slice(t0, t_end)
    T, dt = p.T, p.dt_h
    changes: dict[str, dict[str, Arr]] = {}
    for name, carry in CARRIES:
        if carry.how == "last":
            if t0 == 0:
                continue
            value = done[name][t0 - 1].copy() if name in done else np.full(getattr(sub, carry.group).n, np.nan)  # fmt: skip
        elif carry.how == "recent":
            if t0 == 0 or name not in done:
                continue
            value = _recent(p, carry, done[name], t0, t_end)
        else:  # "budget": what remains of the horizon's total, pro rata
            used = np.nansum(done[name][:t0], axis=0) * dt
            total = getattr(getattr(p, carry.group), carry.field)
            value = _share(total, used, t0, t_end, T)
            if carry.weight:  # elements with hourly weights other than 1
                weight = getattr(getattr(p, carry.group), carry.weight)
                own = (weight != 1.0).any(axis=0)
                if own.any():
                    value = np.where(own, _weighted_share(total, used, weight, t0, t_end), value)
        changes.setdefault(carry.group, {})[carry.field] = value
    st = p.storage  # terminal condition: cyclic storage returns to its start at the horizon's end
    cyc = st.cyclic.astype(bool)
    terminal = {
        "cyclic": np.zeros(st.n, dtype=bool),
        "soc_end_min_mwh": np.where(cyc, st.soc0_mwh, np.nan if t_end < T else st.soc_end_min_mwh),
    }
    changes["storage"] = {"soc0_mwh": st.soc0_mwh.copy(), **terminal, **changes.get("storage", {})}
    groups = {g: dataclasses.replace(getattr(sub, g), **upd) for g, upd in changes.items()}
    return dataclasses.replace(sub, **groups)


def _recent(p: DispatchProblem, carry: Carry, done: Arr, t0: int, t_end: int) -> Arr:
    """``Σ_{t0+t-D < τ < t0} done[τ]`` for each snapshot ``t`` of the window ``t0:t_end``,
    ``D`` = the element's ``carry.span`` (h) in snapshots: what of the output before the
    window still falls within the span (``(t_end - t0, n)``)."""
    d = steps(getattr(getattr(p, carry.group), carry.span), p.dt_h)
    c = np.concatenate([np.zeros((1, done.shape[1])), np.cumsum(np.nan_to_num(done[:t0]), axis=0)])
    t = np.arange(t_end - t0)[:, None]
    lo = np.clip(t0 + t - d[None, :] + 1, 0, t0)
    return c[t0][None, :] - np.take_along_axis(c, lo, 0)


def _penalty(p: DispatchProblem, opts: DispatchOptions) -> float:
    if opts.elastic_penalty is not None:
        return opts.elastic_penalty
    scale = max(
        1.0,
        float(np.max(p.nodes.voll_per_mwh, initial=0.0)),
        *(
            float(np.nanmax(np.abs(g.cost_per_mwh), initial=0.0))
            for g in (p.thermal, p.renewable, p.hydro, p.curtailable)
        ),
    )
    return 10.0 * scale


def _diagnose(
    p: DispatchProblem,
    lp: LinearProgram,
    status: str,
    k: int,
    start: str,
    end: str,
    opts: DispatchOptions,
) -> tuple[Diagnosis, LinearProgram, LpSolution | None]:
    """Re-solve with elastic slack (original costs kept, slack at a high penalty)
    and name the families and hours that needed it."""
    elp = elastic(lp, _penalty(p, opts), keep_cost=True)
    sol = solve_lp(elp, opts.solver)
    if sol.status != "optimal":
        return (
            Diagnosis(
                k,
                start,
                end,
                status,
                suggestion=(
                    f"the elastic re-solve also failed ({sol.model_status}); check the data for"
                    " NaN or inconsistent bounds"
                ),
            ),
            elp,
            None,
        )
    return diagnose(p, elp, row_slack(elp, sol.x), k, start, end, status), elp, sol
