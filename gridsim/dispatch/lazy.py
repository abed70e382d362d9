"""Lazy branch-flow limits of the ``ptdf`` model (layer 2: the maths).

The full formulation (:func:`gridsim.dispatch.constraints.ptdf_branch_limits`) has one
dense row ``|PTDF_k(t) · injection_t| <= p_max_k`` per monitored branch and snapshot:
``T x K`` rows of up to ``N`` nonzeros each. Few of them bind. :func:`solve_lazy` solves
without them (only the system balance ``Σ injection = 0``), computes every branch flow
of every snapshot from the solution (``injection @ PTDF.T`` per topology period), adds
the rows of the (branch, snapshot) pairs whose flow exceeds the rating by more than
:data:`TOL_SHARE` of it (at least :data:`TOL_MW`) to the same ``highspy.Highs``
instance with ``addRows`` and re-solves from the kept basis, until no flow is
violated. A row never added is not binding at the optimum, so its dual is 0, as in
the full formulation: the optimum, the flows and the prices are those of the full LP
(to the solver's tolerances).

After :data:`MAX_ROUNDS` solves the rows of every pair not yet added are added at once
(the full formulation), so the result is exact whatever the problem.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from gridsim.dispatch.constraints import RowBlock
from gridsim.dispatch.model import (
    LinearProgram,
    LpSolution,
    SolverOptions,
    failed,
    load_highs,
    solution,
    solve_lp,
    with_rows,
)
from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.security import SecurityCuts, SecuritySets

Arr = np.ndarray
log = logging.getLogger(__name__)

FLOW_LIMITS = ("lazy", "full")
#: A flow counts as violated above ``p_max * (1 + TOL_SHARE)``, and at least ``TOL_MW`` above.
TOL_SHARE = 1e-7
TOL_MW = 1e-6
#: Solves before every remaining row is added at once.
MAX_ROUNDS = 30
#: PTDF entries at most this large (absolute) are left out of the rows, as in the full LP.
PTDF_ZERO = 1e-10
_CHUNK = 1 << 22  # dense PTDF entries per chunk of rows built at once


@dataclass
class LazyReport:
    """What the lazy loop did in one window: ``iterations`` solves, ``rows_added``
    branch-limit rows in the end, out of ``rows_possible`` (the full formulation's)."""

    iterations: int = 0
    rows_added: int = 0
    rows_possible: int = 0
    security_rows_added: int = 0
    islanding: list[str] = dataclasses.field(default_factory=list)


def monitored(p: DispatchProblem) -> Arr:
    """``(T, K)`` bool: the (snapshot, branch) pairs the full formulation limits (a finite
    rating and the branch in service)."""
    br = p.branches
    return np.isfinite(br.p_max_mw)[None, :] & (br.avail_pu > 0)


def branch_flows_mw(p: DispatchProblem, injection_mw: Arr) -> Arr:
    """DC flows ``(T, K)`` (MW) of the injections ``(T, N)`` (MW), with each snapshot's
    PTDF."""
    out = np.zeros((p.T, p.branches.n))
    for ts, ptdf in p.ptdf_periods():
        out[ts] = injection_mw[ts] @ ptdf.T
    return out


def violated(p: DispatchProblem, flow_mw: Arr, candidate: Arr) -> Arr:
    """``(T, K)`` bool: ``candidate`` pairs whose ``|flow|`` exceeds the rating beyond the
    tolerance."""
    rating = p.branches.p_max_mw[None, :]
    with np.errstate(invalid="ignore"):
        excess = np.abs(flow_mw) - rating
        tol = np.maximum(TOL_MW, TOL_SHARE * rating)
        return candidate & (excess > tol)


def limit_rows(p: DispatchProblem, inj_idx: Arr, pairs: Arr) -> RowBlock:
    """The ``branch_limit`` rows ``-p_max <= PTDF_k(t) · injection_t <= p_max`` of the
    ``(T, K)`` bool ``pairs``, in row-major order of the pairs (``inj_idx``: the
    ``(T, N)`` column indices of the injections)."""
    t, k = np.nonzero(pairs)
    rating = p.branches.p_max_mw[k]
    blk = RowBlock("branch_limit", "branch", int(t.size), -rating, rating.copy(), t, k)
    period = np.zeros(p.T, dtype=np.int64)
    ptdfs = []
    for j, (ts, ptdf) in enumerate(p.ptdf_periods()):
        period[ts] = j
        ptdfs.append(ptdf)
    n_nodes = p.nodes.n
    for j, ptdf in enumerate(ptdfs):
        rows = np.flatnonzero(period[t] == j)
        step = max(1, _CHUNK // max(n_nodes, 1))
        for a in range(0, rows.size, step):
            r = rows[a : a + step]
            H = ptdf[k[r]]
            rr, nn = np.nonzero(np.abs(H) > PTDF_ZERO)
            blk.term(r[rr], inj_idx[t[r[rr]], nn], H[rr, nn])
    return blk


def _add_to_highs(h: Any, lp_cols: int, blk: RowBlock) -> None:
    """``Highs.addRows`` with the rows of ``blk`` (the basis of the model is kept)."""
    r, c, val = blk.coo()
    A = sp.csr_matrix((val, (r, c)), shape=(blk.n_rows, lp_cols))
    A.sum_duplicates()
    A.sort_indices()
    h.addRows(
        int(blk.n_rows),
        blk.lower,
        blk.upper,
        int(A.nnz),
        A.indptr[:-1].astype(np.int32),
        A.indices.astype(np.int32),
        A.data.astype(float),
    )


def solve_lazy(
    p: DispatchProblem,
    lp: LinearProgram,
    options: SolverOptions | None = None,
    security: SecuritySets | None = None,
) -> tuple[LinearProgram, LpSolution, LazyReport]:
    """Solve ``lp`` (formulated with ``flow_limits="lazy"``: no branch-limit rows) adding
    the violated branch limits of ``p`` until none is left; returns the LP with the rows
    added (for the results and the duals), its solution and what the loop did.

    Solve time (``LpSolution.solve_time_s``, s) and iterations are summed over the solves;
    the time limit applies to all of them together. A solve that is not optimal ends
    the loop with that outcome (a MIP stopped by the time limit keeps its feasible
    solution, whose flows are then checked only against the rows added so far).
    With ``security`` the post-contingency limits of :mod:`gridsim.dispatch.security`
    are checked and added in the same loop (always lazily, also after
    :data:`MAX_ROUNDS`: each round adds at least one new row of a finite set).
    """
    opts = options or SolverOptions()
    rep = LazyReport()
    if p.network != "ptdf" or p.ptdf is None or not p.branches.n:
        sol = solve_lp(lp, opts)
        rep.iterations = 1
        return lp, sol, rep
    candidate = monitored(p)
    rep.rows_possible = int(candidate.sum())
    cuts = SecurityCuts(p, security) if security is not None else None
    rep.islanding = cuts.islanding if cuts is not None else []
    if not rep.rows_possible and cuts is None:  # no branch is limited
        rep.iterations = 1
        return lp, solve_lp(lp, opts), rep
    inj = lp.variables["injection"]
    inj_idx = inj.idx
    h = load_highs(lp, opts)
    if h is None:
        return lp, failed(lp, "error", "pass model failed", 0.0), rep
    t0 = time.perf_counter()
    lp_iterations = 0
    added: list[RowBlock] = []
    while True:
        if np.isfinite(opts.time_limit_s):
            left = opts.time_limit_s - (time.perf_counter() - t0)
            h.setOptionValue("time_limit", max(left, 1e-3))
        try:
            h.run()
        except Exception as exc:  # a solver crash is an outcome, not a bug of the caller
            lp = with_rows(lp, *added)
            return lp, failed(lp, "error", f"HiGHS raised {exc!r}", time.perf_counter() - t0), rep
        rep.iterations += 1
        info = h.getInfo()
        lp_iterations += int(info.simplex_iteration_count + info.ipm_iteration_count)
        if h.getModelStatus() != _optimal():
            break
        x = np.asarray(h.getSolution().col_value, dtype=float)
        flow = branch_flows_mw(p, x[inj_idx])
        new = violated(p, flow, candidate)
        sec = cuts.violated_rows(flow, inj_idx) if cuts is not None else None
        if not new.any() and sec is None:
            break
        if new.any() and rep.iterations >= MAX_ROUNDS:  # the rest at once: the full LP
            new = candidate
        for blk in (limit_rows(p, inj_idx, new) if new.any() else None, sec):
            if blk is not None:
                _add_to_highs(h, lp.A.shape[1], blk)
                added.append(blk)
        candidate = candidate & ~new
        rep.rows_added += int(new.sum())
        rep.security_rows_added = cuts.rows_added if cuts is not None else 0
    lp = with_rows(lp, *added)  # one copy of the matrix, after the loop
    sol = solution(h, lp, opts, time.perf_counter() - t0)
    if not lp.variables.is_mip:
        sol.iterations = lp_iterations
    return lp, sol, rep


def _optimal() -> Any:
    import highspy

    return highspy.HighsModelStatus.kOptimal


def solve_window(
    p: DispatchProblem,
    lp: LinearProgram,
    options: SolverOptions,
    flow_limits: str,
    security: SecuritySets | None = None,
) -> tuple[LinearProgram, LpSolution, LazyReport | None]:
    """Solve one window's ``lp`` (formulated with ``flow_limits``): lazily where the
    limits are lazy and the problem is a ptdf one (with its :class:`LazyReport`),
    else at once (report None; with ``security`` every post-contingency row is added
    up front and the report says how many)."""
    if flow_limits == "lazy" and p.network == "ptdf":
        return solve_lazy(p, lp, options, security)
    if security is None or p.network != "ptdf":
        return lp, solve_lp(lp, options), None
    cuts = SecurityCuts(p, security)
    blk = cuts.all_rows(lp.variables["injection"].idx)
    lp = with_rows(lp, blk) if blk is not None else lp
    rep = LazyReport(iterations=0, security_rows_added=cuts.rows_added, islanding=cuts.islanding)
    return lp, solve_lp(lp, options), rep
