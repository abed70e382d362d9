"""Newton-Raphson AC power flow in polar coordinates.

The Jacobian (formulas in :mod:`gridsim.powerflow.jacobian`, plain numpy reference in
:mod:`gridsim.powerflow.reference`) is written straight into a fixed CSC structure
derived from the pattern of ``Ybus``. By default the iterations run in compiled code
(:mod:`gridsim.powerflow.nr_kernel`): one fill-reducing, fixed-pivot LU analysis per
pattern (:mod:`gridsim.powerflow.ordering`, :mod:`gridsim.powerflow.factors`), then per
iteration one pass over ``Ybus`` and a numeric refactorisation; a pivot that becomes
too small triggers a new analysis with partial pivoting. ``linear_solver="klu"``/``"superlu"`` factorise afresh each iteration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gridsim.powerflow.factors import PIVOT_TOL, LUFactors
from gridsim.powerflow.jacobian import (
    JacobianMap,
    UnknownIndex,
    YbusArrays,
    fill_jacobian_entry,
    jacobian_structure,
)
from gridsim.powerflow.linsolve import LINEAR_SOLVERS, solve_once
from gridsim.powerflow.nr_kernel import (
    DIVERGED_PU,
    STATUS_OK,
    STATUS_PIVOT,
    NewtonSettings,
    newton_one_entry,
)
from gridsim.powerflow.ordering import jacobian_lu_patterns

NEWTON_SOLVERS = ("numba", *LINEAR_SOLVERS)


@dataclass
class SolveStatus:
    """Outcome of an iterative power-flow solve (per unit)."""

    v: np.ndarray  # complex bus voltages
    converged: bool
    iterations: int
    max_mismatch_pu: float
    worst_bus: int  # internal index of the bus with the largest mismatch (-1 if none)


class JacobianPattern:
    """The Jacobian's sparsity structure for one (Ybus pattern, pv, pq), built once.

    Holds the positions of the unknowns (:attr:`unknowns`), the CSC structure and the
    positions each ``Ybus`` entry writes (:attr:`jacobian_map`,
    :func:`gridsim.powerflow.jacobian.jacobian_structure`) and, on first use, the
    fixed-pivot LU analysis (:meth:`lu`). :meth:`assemble` fills a CSC matrix.
    """

    def __init__(self, ybus: sp.csr_matrix, pv: np.ndarray, pq: np.ndarray) -> None:
        n = ybus.shape[0]
        ybus = _canonical(ybus)
        self.n_bus = n
        self.y_indptr = ybus.indptr.astype(np.int64)
        self.y_indices = ybus.indices.astype(np.int64)
        pvpq = np.concatenate([pv, pq]).astype(np.int64)
        self.pvpq = pvpq
        self.pq = np.asarray(pq, dtype=np.int64)
        self.n_pvpq = len(pvpq)
        self.size = len(pvpq) + len(pq)
        # position of each bus among the unknown angles / magnitudes (-1: not unknown)
        self.ang = np.full(n, -1, dtype=np.int64)
        self.ang[pvpq] = np.arange(len(pvpq))
        self.mag = np.full(n, -1, dtype=np.int64)
        self.mag[self.pq] = len(pvpq) + np.arange(len(pq))
        self.unknowns = UnknownIndex(self.ang, self.mag)
        self.jacobian_map: JacobianMap = jacobian_structure(
            self.y_indptr, self.y_indices, self.unknowns, self.size
        )
        self._lu: LUFactors | None = None

    @property
    def indptr(self) -> np.ndarray:
        """Column pointers of the Jacobian's CSC structure."""
        return self.jacobian_map.indptr

    @property
    def indices(self) -> np.ndarray:
        """Row indices of the Jacobian's CSC structure."""
        return self.jacobian_map.indices

    def ybus_arrays(self, ybus: sp.csr_matrix) -> YbusArrays:
        """``ybus`` (the pattern this was built on, any values) as kernel arrays."""
        return YbusArrays(self.y_indptr, self.y_indices, _canonical(ybus).data)

    def fill(self, ybus: sp.csr_matrix, v: np.ndarray, out: np.ndarray) -> None:
        """Write the Jacobian's CSC values at voltages ``v`` (per unit) into ``out``."""
        v = np.ascontiguousarray(v, dtype=np.complex128)
        ybus_arrays, jmap = tuple(self.ybus_arrays(ybus)), tuple(self.jacobian_map)
        fill_jacobian_entry(ybus_arrays, v, np.abs(v), jmap, ybus @ v, out)

    def assemble(self, ybus: sp.csr_matrix, v: np.ndarray) -> sp.csc_matrix:
        """The Jacobian at voltages ``v`` (``ybus``: the matrix the pattern was built on)."""
        data = np.empty(len(self.indices))
        self.fill(ybus, v, data)
        return sp.csc_matrix((data, self.indices, self.indptr), shape=(self.size, self.size))

    def lu(self) -> LUFactors:
        """Fixed-pivot LU analysis: buses in minimum-degree order, each bus's angle then
        magnitude, diagonal pivots (:mod:`gridsim.powerflow.ordering`; built on first
        use, then kept)."""
        if self._lu is None:
            perm, lp, li, up, ui = jacobian_lu_patterns(
                self.y_indptr, self.y_indices, self.ang, self.mag, self.size
            )
            self._lu = LUFactors.from_patterns(perm, perm, lp, li, up, ui)
        return self._lu

    def reorder(self, ybus: sp.csr_matrix, v: np.ndarray) -> LUFactors:
        """Order again with partial pivoting on the Jacobian at ``v`` (after a pivot
        failed); the new analysis replaces the old one."""
        self._lu = LUFactors.analyse(self.assemble(ybus, v))
        return self._lu


def _canonical(ybus: sp.spmatrix) -> sp.csr_matrix:
    """``ybus`` as CSR with sorted, summed indices (a no-op when already so)."""
    y = ybus if sp.isspmatrix_csr(ybus) else sp.csr_matrix(ybus)
    if not y.has_canonical_format:
        y = y.copy()
        y.sum_duplicates()
    return y


def mismatch(ybus: sp.csr_matrix, v: np.ndarray, s_bus: np.ndarray) -> np.ndarray:
    """Complex power mismatch ``V conj(Ybus V) - S`` per bus (per unit)."""
    return v * np.conj(ybus @ v) - s_bus


def newton_pf(
    ybus: sp.csr_matrix,
    s_bus: np.ndarray,
    v0: np.ndarray,
    pv: np.ndarray,
    pq: np.ndarray,
    *,
    tol: float = 1e-8,
    max_iter: int = 30,
    pattern: JacobianPattern | None = None,
    linear_solver: str = "numba",
) -> SolveStatus:
    """Solve the AC power flow by Newton-Raphson.

    ``tol`` is the largest allowed |mismatch| of P (pv, pq) and Q (pq), per unit on
    the system base. Divergence returns ``converged=False``; it never raises.
    ``linear_solver``: ``"numba"`` (default: the compiled kernel of
    :mod:`gridsim.powerflow.nr_kernel`, one fixed-pivot LU analysis, a numeric
    refactorisation per iteration), or ``"klu"`` / ``"superlu"`` (a full sparse
    factorisation per iteration, see :mod:`gridsim.powerflow.linsolve`). All three take
    the same Newton steps.
    """
    if linear_solver not in NEWTON_SOLVERS:
        raise ValueError(f"linear_solver must be one of {NEWTON_SOLVERS}, got {linear_solver!r}")
    pat = pattern or JacobianPattern(ybus, pv, pq)
    if linear_solver == "numba":
        return _newton_compiled(ybus, s_bus, v0, pat, tol, max_iter)
    v = v0.astype(complex).copy()
    pvpq = np.concatenate([pv, pq])
    n_pvpq = len(pvpq)
    va = np.angle(v)
    vm = np.abs(v)
    it = 0
    with np.errstate(all="ignore"):
        mis = mismatch(ybus, v, s_bus)
        f = np.concatenate([mis.real[pvpq], mis.imag[pq]])
        norm = np.max(np.abs(f)) if len(f) else 0.0
        # stop early on clear divergence (a mismatch beyond DIVERGED_PU)
        while norm > tol and it < max_iter and np.isfinite(norm) and norm < DIVERGED_PU:
            it += 1
            jac = pat.assemble(ybus, v)
            try:
                dx = solve_once(jac, -f, linear_solver)
            except (RuntimeError, ValueError, ArithmeticError):  # singular Jacobian
                break
            if not np.all(np.isfinite(dx)):
                break
            va[pvpq] += dx[:n_pvpq]
            vm[pq] += dx[n_pvpq:]
            v = vm * np.exp(1j * va)
            mis = mismatch(ybus, v, s_bus)
            f = np.concatenate([mis.real[pvpq], mis.imag[pq]])
            norm = np.max(np.abs(f)) if len(f) else 0.0
    return _status(v, mis, f, norm, tol, it, pvpq, pq)


def _newton_compiled(
    ybus: sp.csr_matrix,
    s_bus: np.ndarray,
    v0: np.ndarray,
    pat: JacobianPattern,
    tol: float,
    max_iter: int,
) -> SolveStatus:
    """:func:`newton_pf` in the compiled kernel; a failed fixed pivot orders again once."""
    y = _canonical(ybus)
    v = np.array(v0, dtype=np.complex128)
    s = np.ascontiguousarray(s_bus, dtype=np.complex128)
    lu = pat.lu()
    jac = np.empty(len(pat.indices))
    iterations = 0
    reordered = False
    # plain tuples: numba's fast argument path (gridsim.powerflow.factors)
    ybus_arrays, unknowns = tuple(pat.ybus_arrays(y)), tuple(pat.unknowns)
    jmap = tuple(pat.jacobian_map)
    while True:
        settings = NewtonSettings(0.0, float(tol), int(max_iter - iterations), PIVOT_TOL)
        status, norm, worst, it, _, _ = newton_one_entry(
            ybus_arrays, s, v, unknowns, jmap, tuple(lu), jac, False, tuple(settings)
        )
        iterations += it
        if status != STATUS_PIVOT or reordered:
            break
        reordered = True
        try:
            lu = pat.reorder(y, v)
        except ArithmeticError:  # an exactly singular Jacobian
            break
    ok = status == STATUS_OK
    return SolveStatus(
        v=v,
        converged=bool(ok),
        iterations=iterations,
        max_mismatch_pu=float(norm) if np.isfinite(norm) else float("inf"),
        worst_bus=int(worst),
    )


def _status(
    v: np.ndarray,
    mis: np.ndarray,
    f: np.ndarray,
    norm: float,
    tol: float,
    it: int,
    pvpq: np.ndarray,
    pq: np.ndarray,
) -> SolveStatus:
    ok = bool(np.isfinite(norm) and norm <= tol)
    worst = -1
    if len(f) and np.all(np.isfinite(f)):
        k = int(np.argmax(np.abs(f)))
        worst = int(pvpq[k]) if k < len(pvpq) else int(pq[k - len(pvpq)])
    elif len(f):
        bad = np.flatnonzero(~np.isfinite(f))
        k = int(bad[0])
        worst = int(pvpq[k]) if k < len(pvpq) else int(pq[k - len(pvpq)])
    return SolveStatus(
        v=v,
        converged=ok,
        iterations=it,
        max_mismatch_pu=float(norm) if np.isfinite(norm) else float("inf"),
        worst_bus=worst,
    )
