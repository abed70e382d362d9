"""Newton-Raphson AC power flow in polar coordinates (pure numerics).

The Jacobian is assembled directly on the sparsity pattern of ``Ybus``::

    dS/dVa = j diag(V) conj(diag(I) - Ybus diag(V))
    dS/dVm = diag(V) conj(Ybus diag(V/|V|)) + conj(diag(I)) diag(V/|V|)

    J = | Re dS/dVa[pvpq, pvpq]   Re dS/dVm[pvpq, pq] |
        | Im dS/dVa[pq, pvpq]     Im dS/dVm[pq, pq]   |

The blocks are gathered with a precomputed index map, so each iteration costs
one pass over the nonzeros of ``Ybus`` plus one sparse LU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gridsim.powerflow.linsolve import LINEAR_SOLVERS, solve_once


@dataclass
class SolveStatus:
    """Outcome of an iterative power-flow solve (per unit)."""

    v: np.ndarray  # complex bus voltages
    converged: bool
    iterations: int
    max_mismatch_pu: float
    worst_bus: int  # internal index of the bus with the largest mismatch (-1 if none)


class JacobianPattern:
    """Index map from the nonzeros of ``Ybus`` (plus its diagonal) into the Jacobian.

    Built once per (Ybus pattern, pv, pq); :meth:`assemble` fills a CSC matrix.
    """

    def __init__(self, ybus: sp.csr_matrix, pv: np.ndarray, pq: np.ndarray) -> None:
        n = ybus.shape[0]
        y = ybus.tocoo()
        self.rows = np.concatenate([y.row, np.arange(n)])
        self.cols = np.concatenate([y.col, np.arange(n)])
        self.y_data = ybus.tocoo().data
        self.n_off = len(y.data)
        pvpq = np.concatenate([pv, pq])
        n_pvpq, n_pq = len(pvpq), len(pq)
        # position of each bus among the unknown angles / magnitudes (-1: not unknown)
        ang = np.full(n, -1)
        ang[pvpq] = np.arange(n_pvpq)
        mag = np.full(n, -1)
        mag[pq] = np.arange(n_pq)
        r, c = self.rows, self.cols
        blocks = []  # (entry selector, jac row, jac col, part, matrix)
        # J11: dP/dVa
        s = (ang[r] >= 0) & (ang[c] >= 0)
        blocks.append((s, ang[r[s]], ang[c[s]], "re", "a"))
        # J12: dP/dVm
        s = (ang[r] >= 0) & (mag[c] >= 0)
        blocks.append((s, ang[r[s]], n_pvpq + mag[c[s]], "re", "m"))
        # J21: dQ/dVa
        s = (mag[r] >= 0) & (ang[c] >= 0)
        blocks.append((s, n_pvpq + mag[r[s]], ang[c[s]], "im", "a"))
        # J22: dQ/dVm
        s = (mag[r] >= 0) & (mag[c] >= 0)
        blocks.append((s, n_pvpq + mag[r[s]], n_pvpq + mag[c[s]], "im", "m"))
        self.blocks = [(np.flatnonzero(s), part, mat) for s, _, _, part, mat in blocks]
        jr = np.concatenate([b[1] for b in blocks])
        jc = np.concatenate([b[2] for b in blocks])
        self.size = n_pvpq + n_pq
        # sum duplicates (the diagonal appears twice) through a CSC structure
        order = np.lexsort((jr, jc))
        key = jc[order].astype(np.int64) * self.size + jr[order]
        uniq, self._inv = np.unique(key, return_inverse=True)
        self._order = order
        self._indices = (uniq % self.size).astype(np.int32)
        col_of = (uniq // self.size).astype(np.int64)
        self._indptr = np.searchsorted(col_of, np.arange(self.size + 1)).astype(np.int32)
        self._n_unique = len(uniq)

    def assemble(self, ybus: sp.csr_matrix, v: np.ndarray) -> sp.csc_matrix:
        """The Jacobian at voltages ``v`` (``ybus``: the matrix the pattern was built on)."""
        r, c = self.rows, self.cols
        n_off = self.n_off
        ybus_data = self.y_data
        i_bus = ybus @ v
        prod = ybus_data * v[c[:n_off]]
        vm = np.abs(v)
        vnorm = v / vm
        d_a = np.empty(len(r), complex)
        d_m = np.empty(len(r), complex)
        d_a[:n_off] = -1j * v[r[:n_off]] * np.conj(prod)
        d_a[n_off:] = 1j * v * np.conj(i_bus)
        d_m[:n_off] = v[r[:n_off]] * np.conj(ybus_data * vnorm[c[:n_off]])
        d_m[n_off:] = np.conj(i_bus) * vnorm
        vals = []
        for sel, part, mat in self.blocks:
            src = d_a if mat == "a" else d_m
            vals.append(src[sel].real if part == "re" else src[sel].imag)
        data = np.concatenate(vals)[self._order]
        summed = np.bincount(self._inv, weights=data, minlength=self._n_unique)
        return sp.csc_matrix((summed, self._indices, self._indptr), shape=(self.size, self.size))


DIVERGED_PU = 1e6
"""A mismatch this large (per unit) means Newton-Raphson has diverged: stop iterating."""


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
    linear_solver: str = "klu",
) -> SolveStatus:
    """Solve the AC power flow by Newton-Raphson.

    ``tol`` is the largest allowed |mismatch| of P (pv, pq) and Q (pq), per unit on
    the system base. Divergence returns ``converged=False``; it never raises.
    ``linear_solver`` is ``"klu"`` or ``"superlu"`` (see :mod:`gridsim.powerflow.linsolve`).
    """
    if linear_solver not in LINEAR_SOLVERS:
        raise ValueError(f"linear_solver must be one of {LINEAR_SOLVERS}, got {linear_solver!r}")
    v = v0.astype(complex).copy()
    pvpq = np.concatenate([pv, pq])
    n_pvpq = len(pvpq)
    pat = pattern or JacobianPattern(ybus, pv, pq)
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
