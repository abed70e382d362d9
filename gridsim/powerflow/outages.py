"""AC power flow of many single-branch outages on one operating point (pure numerics).

An outage keeps the sparsity pattern of ``Ybus``: the outaged share of the branch's
four admittance stamps is subtracted in place, leaving explicit zeros. One Jacobian
structure and one LU analysis therefore serve every outage, and each outage starts
from the base case's voltages with the base case's LU factors (a chord step),
refactorising only when a step cuts the mismatch by less than the chord rate.
Outages run in parallel threads; each is independent of the others and of the
thread count.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit, prange

from gridsim.powerflow.factors import PIVOT_TOL, refactor, with_values
from gridsim.powerflow.jacobian import YbusArrays
from gridsim.powerflow.newton import JacobianPattern, _canonical
from gridsim.powerflow.nr_kernel import STATUS_OK, NewtonSettings, newton_one


def outage_stamps(
    ybus: sp.csr_matrix, yf: sp.csr_matrix, yt: sp.csr_matrix, f: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``Ybus.data`` of every branch's four stamps and their values.

    Returns ``(pos, val)`` of shape (m, 4) for the entries (f, f), (f, t), (t, f),
    (t, t): ``Ybus = sum of val`` at ``pos`` over branches, plus bus shunts.
    """
    y = _canonical(ybus)
    yf = sp.csr_matrix(yf)
    yt = sp.csr_matrix(yt)
    m = len(f)
    rows = np.stack([f, f, t, t], axis=1)
    cols = np.stack([f, t, f, t], axis=1)
    pos = np.empty((m, 4), dtype=np.int64)
    for j in range(4):
        pos[:, j] = _csr_position(y, rows[:, j], cols[:, j])
    val = np.stack(
        [
            np.asarray(yf[np.arange(m), f]).ravel(),
            np.asarray(yf[np.arange(m), t]).ravel(),
            np.asarray(yt[np.arange(m), f]).ravel(),
            np.asarray(yt[np.arange(m), t]).ravel(),
        ],
        axis=1,
    )
    return pos, val.astype(np.complex128)


def _csr_position(y: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Index into ``y.data`` of each (row, col) entry (canonical CSR, entries present)."""
    key_all = np.repeat(np.arange(y.shape[0], dtype=np.int64), np.diff(y.indptr)) * y.shape[1]
    key_all += y.indices
    return np.searchsorted(key_all, rows.astype(np.int64) * y.shape[1] + cols)


@njit(cache=True, parallel=True)
def newton_outages(ybus, out_pos, out_val, s, v_base, unknowns, jmap, lu_base, settings):
    """Newton-Raphson for every outage (row of ``out_pos``) from the base case.

    ``ybus``: the base case's; ``out_pos``/``out_val`` (K, 4): positions in its data of
    the outaged stamps and the complex values to remove (already scaled by the share);
    ``s``: scheduled injections and ``v_base`` the base-case voltages (per unit);
    ``lu_base``: the factors at the base case (each outage starts from a copy).
    Returns ``(v, status, iterations, factorisations, max_mismatch, worst_bus)``.
    """
    n_k = out_pos.shape[0]
    n = v_base.shape[0]
    v_out = np.empty((n_k, n), dtype=np.complex128)
    status = np.zeros(n_k, dtype=np.int64)
    iters = np.zeros(n_k, dtype=np.int64)
    n_fac = np.zeros(n_k, dtype=np.int64)
    norm = np.zeros(n_k)
    worst = np.zeros(n_k, dtype=np.int64)
    for k in prange(n_k):
        y_k = _outage_ybus(ybus, out_pos[k], out_val[k])
        v = v_base.copy()
        lu = _copy_values(lu_base)
        jac = np.empty(jmap.indices.shape[0])
        st, nrm, wb, it, nf, _ = newton_one(y_k, s, v, unknowns, jmap, lu, jac, True, settings)
        v_out[k] = v
        status[k] = st
        iters[k] = it
        n_fac[k] = nf
        norm[k] = nrm
        worst[k] = wb
    return v_out, status, iters, n_fac, norm, worst


@njit(cache=True, nogil=True)
def _copy_values(lu):
    """``lu`` with private copies of its values."""
    return with_values(lu, lu.l_data.copy(), lu.u_data.copy())


@njit(cache=True, nogil=True)
def _outage_ybus(ybus, pos, val):
    """``ybus`` with the stamps ``val`` removed at ``pos`` (a copy of the values)."""
    y = ybus.data.copy()
    for j in range(pos.shape[0]):
        y[pos[j]] -= val[j]
    return YbusArrays(ybus.indptr, ybus.indices, y)


def solve_outages(
    ybus: sp.csr_matrix,
    s_bus: np.ndarray,
    v_base: np.ndarray,
    pattern: JacobianPattern,
    pos: np.ndarray,
    val: np.ndarray,
    *,
    tol: float = 1e-8,
    max_iter: int = 20,
    chord_rate: float = 0.1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Solve each outage (rows of ``pos``/``val``, see :func:`outage_stamps`) from the
    converged base case ``v_base`` (per unit).

    Returns ``(v (K, n), converged, iterations, max_mismatch_pu, worst_bus)``; an outage
    whose fixed pivots fail or that does not converge is reported, never raised.
    """
    y = _canonical(ybus)
    v_base = np.ascontiguousarray(v_base, dtype=np.complex128)
    jac = np.empty(len(pattern.indices))
    pattern.fill(y, v_base, jac)
    lu = pattern.lu()
    base = with_values(lu, np.zeros(len(lu.l_indices)), np.zeros(len(lu.u_indices)))
    bad = refactor(pattern.indptr, pattern.indices, jac, base, np.zeros(pattern.size), PIVOT_TOL)
    if bad >= 0:  # the base Jacobian needs pivoting: order it so, once
        lu = pattern.reorder(y, v_base)
        lu.refactor(pattern.assemble(y, v_base))
        base = with_values(lu, lu.l_data.copy(), lu.u_data.copy())
    v, status, iters, _, norm, worst = newton_outages(
        YbusArrays(pattern.y_indptr, pattern.y_indices, y.data.astype(np.complex128)),
        np.ascontiguousarray(pos, dtype=np.int64),
        np.ascontiguousarray(val, dtype=np.complex128),
        np.ascontiguousarray(s_bus, dtype=np.complex128),
        v_base,
        pattern.unknowns,
        pattern.jacobian_map,
        base,
        NewtonSettings(float(chord_rate), float(tol), int(max_iter), PIVOT_TOL),
    )
    return v, status == STATUS_OK, iters, norm, worst
