"""The dispatch LP: recipe, sparse assembly, HiGHS solve, elastic diagnosis (layer 2).

Choice of modelling layer. The LP is built directly as a scipy CSR matrix from
numpy index arrays and handed to ``highspy.Highs.passModel`` as arrays, instead
of through linopy: see ``gridsim/dispatch/README.md`` for the measurement that
decided it (the direct build is one to two orders of magnitude faster to build
and there is no LP-file round trip).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from gridsim.dispatch import constraints as con
from gridsim.dispatch.commitment import commitment_rows
from gridsim.dispatch.constraints import RowBlock
from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.reserves import reserve_rows
from gridsim.dispatch.seams import seam_rows
from gridsim.dispatch.stability import dc_support_rows
from gridsim.dispatch.variables import Variables, define_variables, objective_offset

Arr = np.ndarray
INF = np.inf


@dataclass(frozen=True)
class SolverOptions:
    """HiGHS settings. ``threads=1`` keeps runs light and bit-reproducible; ``mip_gap``
    is the relative gap at which a MIP (``commitment="milp"``) stops."""

    method: str = "choose"  # "choose", "simplex", "ipm"
    threads: int = 1
    time_limit_s: float = INF
    presolve: str = "on"
    random_seed: int = 0
    tolerance: float = 1e-7
    log: bool = False
    extra: tuple[tuple[str, Any], ...] = ()
    mip_gap: float = 1e-3

    def highs_options(self) -> dict[str, Any]:
        """The options as HiGHS option names and values."""
        out: dict[str, Any] = {
            "solver": self.method,
            "threads": self.threads,
            "presolve": self.presolve,
            "random_seed": self.random_seed,
            "output_flag": self.log,
            "primal_feasibility_tolerance": self.tolerance,
            "dual_feasibility_tolerance": self.tolerance,
            "mip_rel_gap": self.mip_gap,
        }
        if np.isfinite(self.time_limit_s):
            out["time_limit"] = float(self.time_limit_s)
        out.update(dict(self.extra))
        return out


@dataclass
class LinearProgram:
    """``min c x + offset  s.t.  row_lower <= A x <= row_upper,  lower <= x <= upper``."""

    variables: Variables
    blocks: list[RowBlock]
    A: sp.csr_matrix
    row_lower: Arr
    row_upper: Arr
    offset: float
    slack_cost: Arr = field(default_factory=lambda: np.zeros(0))
    slack_rows: Arr = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    slack_sign: Arr = field(default_factory=lambda: np.zeros(0))

    @property
    def n_slack(self) -> int:
        return int(self.slack_cost.size)

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape  # type: ignore[return-value]

    def row_offsets(self) -> list[int]:
        """First row of each block."""
        return list(np.cumsum([0] + [b.n_rows for b in self.blocks])[:-1])


@dataclass
class LpSolution:
    """What HiGHS returned: status string, objective (CNY), primal and row duals.

    For a MIP, ``info`` holds ``mip_gap`` (relative, achieved), ``mip_dual_bound`` and
    ``mip_status``; the row duals are those of the LP with the integers fixed at their
    solution (prices given the commitment)."""

    status: str
    model_status: str
    objective: float
    x: Arr
    row_dual: Arr
    solve_time_s: float
    iterations: int = 0
    info: dict[str, Any] = field(default_factory=dict)


def formulate(
    p: DispatchProblem, commitment: str = "linear", flow_limits: str = "full"
) -> LinearProgram:
    """The recipe: variables, then one block per constraint family, then assembly.

    ``flow_limits="lazy"`` leaves out the ptdf model's branch limits (added where
    violated by :func:`gridsim.dispatch.lazy.solve_lazy`)."""
    v = define_variables(p, commitment)
    blocks: list[RowBlock] = [con.nodal_balance(p, v)]
    if p.network == "ptdf":
        blocks.append(con.ptdf_system_balance(p, v))
        if flow_limits != "lazy":
            blocks.append(con.ptdf_branch_limits(p, v))
    if commitment in ("linear", "milp"):
        blocks += con.commitment_limits(p, v)
        blocks += commitment_rows(p, v, commitment)
        blocks += con.deep_peak_floor(p, v)
    blocks += con.thermal_ramps(p, v)
    blocks.append(con.must_run(p, v))
    blocks += reserve_rows(p, v)
    blocks += dc_support_rows(p, v)
    blocks.append(con.storage_energy(p, v))
    blocks.append(con.storage_terminal(p, v))
    blocks.append(con.hydro_energy(p, v))
    blocks.append(con.hydro_daily_inflow(p, v))
    blocks.append(con.dr_budget(p, v))
    blocks.append(con.shift_neutrality(p, v))
    blocks += con.link_ramps(p, v)
    blocks.append(con.link_energy(p, v))
    blocks.append(con.link_energy_max(p, v))
    blocks += seam_rows(p, v)
    return assemble(v, [b for b in blocks if b.n_rows], objective_offset(p))


def assemble(v: Variables, blocks: list[RowBlock], offset: float = 0.0) -> LinearProgram:
    """Stack the blocks' COO triplets into one CSR matrix (duplicates summed)."""
    rows, cols, vals, lo, hi = [], [], [], [], []
    r0 = 0
    for b in blocks:
        r, c, val = b.coo()
        rows.append(r + r0)
        cols.append(c)
        vals.append(val)
        lo.append(b.lower)
        hi.append(b.upper)
        r0 += b.n_rows

    def cat(xs: list[Arr], dt: Any) -> Arr:
        return np.concatenate(xs).astype(dt) if xs else np.zeros(0, dtype=dt)

    A = sp.csr_matrix(
        (cat(vals, float), (cat(rows, np.int64), cat(cols, np.int64))), shape=(r0, v.n_cols)
    )
    A.sum_duplicates()
    A.sort_indices()
    return LinearProgram(v, blocks, A, cat(lo, float), cat(hi, float), offset)


_BANNER_SHOWN = False


def new_highs(log: bool = False) -> Any:
    """A ``highspy.Highs`` instance. HiGHS prints a banner on stdout when the first one of
    a process is made: it goes to /dev/null (to stderr with ``log``), so that the library
    never writes to stdout."""
    import highspy

    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    _BANNER_SHOWN = True
    sys.stdout.flush()
    saved = os.dup(1)
    target = os.dup(2) if log else os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(target, 1)
        return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(target)


def solve_lp(lp: LinearProgram, options: SolverOptions | None = None) -> LpSolution:
    """Solve with HiGHS through ``passModel`` on raw arrays; never raises on a bad outcome."""
    opts = options or SolverOptions()
    h = load_highs(lp, opts)
    if h is None:
        return failed(lp, "error", "pass model failed", 0.0)
    t0 = time.perf_counter()
    try:
        h.run()
    except Exception as exc:  # a solver crash is an outcome, not a bug of the caller
        return failed(lp, "error", f"HiGHS raised {exc!r}", time.perf_counter() - t0)
    return solution(h, lp, opts, time.perf_counter() - t0)


def load_highs(lp: LinearProgram, opts: SolverOptions) -> Any:
    """A ``highspy.Highs`` holding ``lp`` (``passModel`` on raw arrays) with the solver
    options set, or None if HiGHS refuses the model."""
    import highspy

    lower, upper, cost = lp.variables.vectors()
    cost = _full_cost(lp, cost)
    lower, upper = _full_bounds(lp, lower, upper)
    h = new_highs(opts.log)
    h.setOptionValue("output_flag", False)
    for k, val in opts.highs_options().items():
        h.setOptionValue(k, val)
    if opts.log:  # the solver's log goes to stderr: stdout carries results only
        h.setOptionValue("log_to_console", False)
        h.setOptionValue("log_file", "/dev/stderr" if os.path.exists("/dev/stderr") else "")
    A = lp.A
    n_row, n_col = A.shape
    status = h.passModel(
        int(n_col),
        int(n_row),
        int(A.nnz),
        2,
        1,
        float(lp.offset),
        cost,
        lower,
        upper,
        lp.row_lower,
        lp.row_upper,
        A.indptr.astype(np.int32),
        A.indices.astype(np.int32),
        A.data,
        _integrality(lp),
    )
    return None if status == highspy.HighsStatus.kError else h


def failed(lp: LinearProgram, status: str, model_status: str, dt: float) -> LpSolution:
    """An outcome without a solution: NaN primal and duals."""
    n_row, n_col = lp.A.shape
    return LpSolution(
        status, model_status, np.nan, np.full(n_col, np.nan), np.full(n_row, np.nan), dt
    )


def solution(h: Any, lp: LinearProgram, opts: SolverOptions, dt: float) -> LpSolution:
    """The outcome of the last ``h.run()`` on ``lp`` (which must match the model in ``h``);
    ``dt`` is the solve time (s)."""
    import highspy

    ms = h.getModelStatus()
    ms_str = h.modelStatusToString(ms)
    info = h.getInfo()
    mip = lp.variables.is_mip
    feasible_mip = (
        mip and ms == highspy.HighsModelStatus.kTimeLimit and info.primal_solution_status == 2
    )
    if ms == highspy.HighsModelStatus.kOptimal or feasible_mip:
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=float)
        y = np.asarray(sol.row_dual, dtype=float)
        extra: dict[str, Any] = {}
        if mip:
            extra = {"mip_gap": float(info.mip_gap), "mip_dual_bound": float(info.mip_dual_bound), "mip_status": "optimal" if not feasible_mip else "time_limit"}  # fmt: skip
            y = _fixed_duals(lp, opts, x)
        return LpSolution(
            "optimal",
            ms_str,
            float(info.objective_function_value),
            x,
            y,
            dt,
            int(
                info.simplex_iteration_count
                + info.ipm_iteration_count
                + (info.mip_node_count if mip else 0)
            ),
            extra,
        )
    if ms in (
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    ):
        st = "infeasible"
    elif ms == highspy.HighsModelStatus.kUnbounded:
        st = "unbounded"
    elif ms == highspy.HighsModelStatus.kTimeLimit:
        st = "time_limit"
    else:
        st = "error"
    return failed(lp, st, ms_str, dt)


def _integrality(lp: LinearProgram) -> Arr:
    """HiGHS integrality codes of every column (slack columns continuous)."""
    code = lp.variables.integrality()
    return np.concatenate([code, np.zeros(lp.n_slack, dtype=np.int32)]) if lp.n_slack else code


def _fixed_duals(lp: LinearProgram, opts: SolverOptions, x: Arr) -> Arr:
    """Row duals of the LP with the integer columns fixed at ``x`` (prices given the
    commitment of a MIP solution); NaN if that LP fails."""
    import dataclasses

    n0 = lp.variables.n_cols
    blocks = {}
    for name, b in lp.variables.blocks.items():
        if b.integer:
            val = np.round(x[b.offset : b.offset + b.lower.size]).reshape(b.shape)
            b = dataclasses.replace(b, lower=val, upper=val, integer=False)
        blocks[name] = b
    fixed = dataclasses.replace(lp, variables=Variables(lp.variables.T, blocks, n0))
    sol = solve_lp(fixed, opts)
    return sol.row_dual if sol.status == "optimal" else np.full(lp.A.shape[0], np.nan)


def _full_cost(lp: LinearProgram, cost: Arr) -> Arr:
    return np.concatenate([cost, lp.slack_cost]) if lp.n_slack else cost


def _full_bounds(lp: LinearProgram, lower: Arr, upper: Arr) -> tuple[Arr, Arr]:
    k = lp.n_slack
    if not k:
        return lower, upper
    return np.concatenate([lower, np.zeros(k)]), np.concatenate([upper, np.full(k, INF)])


#: Relative price of elastic slack per family. Balances and branch limits are the
#: cheapest to relax, so a surplus that no flexibility can absorb is blamed on the
#: balance, not on the must-run or target that causes it to be a surplus.
ELASTIC_WEIGHT = {"balance": 1.0, "system_balance": 1.0, "branch_limit": 1.0}
ELASTIC_WEIGHT_OTHER = 3.0


def elastic(lp: LinearProgram, penalty: float, keep_cost: bool = True) -> LinearProgram:
    """The LP with a slack pair on every row: ``lower <= A x + s_up - s_down <= upper``.

    ``s_up`` exists where the lower bound is finite, ``s_down`` where the upper is.
    Slack costs ``penalty`` per unit times the family's ``ELASTIC_WEIGHT``;
    ``keep_cost=False`` drops the original costs (phase one: minimal violation).
    """
    m, n = lp.A.shape
    w = np.concatenate(
        [np.full(b.n_rows, ELASTIC_WEIGHT.get(b.family, ELASTIC_WEIGHT_OTHER)) for b in lp.blocks]
        or [np.zeros(0)]
    )
    up = np.flatnonzero(np.isfinite(lp.row_lower))
    dn = np.flatnonzero(np.isfinite(lp.row_upper))
    k = up.size + dn.size
    S = sp.csr_matrix(
        (
            np.concatenate([np.ones(up.size), -np.ones(dn.size)]),
            (np.concatenate([up, dn]), np.arange(k)),
        ),
        shape=(m, k),
    )
    A = sp.hstack([lp.A, S], format="csr")
    v = lp.variables
    if not keep_cost:
        v = Variables(v.T, {name: _zero_cost(b) for name, b in v.blocks.items()}, v.n_cols)
    return LinearProgram(
        v,
        lp.blocks,
        A,
        lp.row_lower,
        lp.row_upper,
        lp.offset if keep_cost else 0.0,
        float(penalty) * np.concatenate([w[up], w[dn]]),
        np.concatenate([up, dn]),
        np.concatenate([np.ones(up.size), -np.ones(dn.size)]),
    )


def _zero_cost(b: Any) -> Any:
    from dataclasses import replace

    return replace(b, cost=np.zeros_like(b.cost))


def row_slack(lp: LinearProgram, x: Arr) -> Arr:
    """Signed slack per row of an elastic LP: > 0 means the row needed more (A x too low)."""
    n0 = lp.variables.n_cols
    s = x[n0 : n0 + lp.n_slack] * lp.slack_sign
    out = np.zeros(lp.A.shape[0])
    np.add.at(out, lp.slack_rows, s)
    return out


def with_rows(lp: LinearProgram, *blks: RowBlock) -> LinearProgram:
    """``lp`` with the rows of ``blks`` appended (as last blocks, one matrix copy)."""
    if not blks:
        return lp
    adds = []
    for blk in blks:
        r, c, val = blk.coo()
        adds.append(sp.csr_matrix((val, (r, c)), shape=(blk.n_rows, lp.A.shape[1])))
    return dataclasses.replace(
        lp,
        blocks=[*lp.blocks, *blks],
        A=sp.vstack([lp.A, *adds], format="csr"),
        row_lower=np.concatenate([lp.row_lower, *(b.lower for b in blks)]),
        row_upper=np.concatenate([lp.row_upper, *(b.upper for b in blks)]),
    )
