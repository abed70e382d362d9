"""Compiled fast-decoupled kernel for batches of snapshots (numba).

Each snapshot runs the XB/BX iteration of :mod:`gridsim.powerflow.fdpf` entirely in
compiled code: one pass over ``Ybus`` for the mismatch, then sparse triangular
solves with the LU factors of ``B'`` and ``B''`` (computed once by SuperLU).
Snapshots run in parallel threads. Buses are in ``[ref, pv, pq]`` order, so the
unknown blocks are contiguous.

numba is a required dependency of gridsim; this module never falls back silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numba import njit, prange


@dataclass
class SparseLU:
    """SuperLU factors of a real matrix as plain CSC arrays: ``Pr A Pc = L U``."""

    l_indptr: np.ndarray
    l_indices: np.ndarray
    l_data: np.ndarray
    u_indptr: np.ndarray
    u_indices: np.ndarray
    u_data: np.ndarray
    perm_r: np.ndarray
    perm_c: np.ndarray

    @classmethod
    def factorise(cls, mat: sp.spmatrix) -> SparseLU:
        """Factorise ``mat`` (square, real)."""
        lu = spla.splu(sp.csc_matrix(mat), permc_spec="MMD_AT_PLUS_A")
        low = sp.csc_matrix(lu.L)
        up = sp.csc_matrix(lu.U)
        low.sort_indices()
        up.sort_indices()
        return cls(
            low.indptr.astype(np.int64),
            low.indices.astype(np.int64),
            low.data.copy(),
            up.indptr.astype(np.int64),
            up.indices.astype(np.int64),
            up.data.copy(),
            lu.perm_r.astype(np.int64),
            lu.perm_c.astype(np.int64),
        )


@njit(cache=True, nogil=True)
def _lu_solve(lu_lp, lu_li, lu_lx, lu_up, lu_ui, lu_ux, perm_r, perm_c, b, work, out):
    """Solve ``A x = b`` with ``Pr A Pc = L U``; result in ``out`` (``work`` is scratch)."""
    n = b.shape[0]
    for i in range(n):
        work[perm_r[i]] = b[i]
    # forward substitution, L unit lower triangular (CSC, diagonal stored first or not)
    for j in range(n):
        xj = work[j]
        for k in range(lu_lp[j], lu_lp[j + 1]):
            i = lu_li[k]
            if i > j:
                work[i] -= lu_lx[k] * xj
    # back substitution, U upper triangular (CSC)
    for j in range(n - 1, -1, -1):
        diag = 1.0
        for k in range(lu_up[j], lu_up[j + 1]):
            if lu_ui[k] == j:
                diag = lu_ux[k]
        xj = work[j] / diag
        work[j] = xj
        for k in range(lu_up[j], lu_up[j + 1]):
            i = lu_ui[k]
            if i < j:
                work[i] -= lu_ux[k] * xj
    for i in range(n):
        out[i] = work[perm_c[i]]


WARM_BLOCK = 64
"""Snapshots solved in sequence, each starting from its predecessor's solution. Blocks
run in parallel; their size is fixed, so results do not depend on the thread count."""


@njit(cache=True, parallel=True)
def fd_batch(
    y_indptr,
    y_indices,
    y_data,  # Ybus (CSR, [ref, pv, pq] order)
    s_bus,  # (T, n) complex scheduled injections
    v0,  # (T, n) complex start voltages
    n_ref,
    n_pv,
    p_lp,
    p_li,
    p_lx,
    p_up,
    p_ui,
    p_ux,
    p_pr,
    p_pc,  # LU of B' over pv+pq
    q_lp,
    q_li,
    q_lx,
    q_up,
    q_ui,
    q_ux,
    q_pr,
    q_pc,  # LU of B'' over pq
    tol,
    max_iter,
):
    """Fast-decoupled iterations for every snapshot (row of ``s_bus``).

    Returns ``(v, converged, iterations, max_mismatch, worst_row)``; the mismatch is
    the largest |dP|/|V| (pv, pq) or |dQ|/|V| (pq) in per unit.
    """
    n_t, n = s_bus.shape
    a = n_ref
    q0 = n_ref + n_pv
    n_p = n - a
    n_q = n - q0
    v_out = np.empty((n_t, n), dtype=np.complex128)
    conv = np.zeros(n_t, dtype=np.bool_)
    iters = np.zeros(n_t, dtype=np.int64)
    norm = np.full(n_t, np.inf)
    worst = np.full(n_t, -1, dtype=np.int64)
    n_blocks = (n_t + WARM_BLOCK - 1) // WARM_BLOCK
    for blk in prange(n_blocks):
        rhs_p = np.empty(n_p)
        dx_p = np.empty(n_p)
        wk_p = np.empty(n_p)
        rhs_q = np.empty(n_q)
        dx_q = np.empty(n_q)
        wk_q = np.empty(n_q)
        first = blk * WARM_BLOCK
        for t in range(first, min(n_t, first + WARM_BLOCK)):
            # warm start from the previous snapshot of the block when it converged
            start = v_out[t - 1] if (t > first and conv[t - 1]) else v0[t]
            vm = np.abs(start)
            va = np.angle(start)
            v = start.copy()
            nrm, wb, it = _fd_one(
                y_indptr,
                y_indices,
                y_data,
                s_bus[t],
                v,
                vm,
                va,
                a,
                q0,
                n,
                n_p,
                n_q,
                p_lp,
                p_li,
                p_lx,
                p_up,
                p_ui,
                p_ux,
                p_pr,
                p_pc,
                q_lp,
                q_li,
                q_lx,
                q_up,
                q_ui,
                q_ux,
                q_pr,
                q_pc,
                tol,
                max_iter,
                rhs_p,
                dx_p,
                wk_p,
                rhs_q,
                dx_q,
                wk_q,
            )
            v_out[t] = v
            conv[t] = nrm <= tol
            iters[t] = it
            norm[t] = nrm
            worst[t] = wb
    return v_out, conv, iters, norm, worst


@njit(cache=True, nogil=True)
def _fd_one(
    y_indptr,
    y_indices,
    y_data,
    s,
    v,
    vm,
    va,
    a,
    q0,
    n,
    n_p,
    n_q,
    p_lp,
    p_li,
    p_lx,
    p_up,
    p_ui,
    p_ux,
    p_pr,
    p_pc,
    q_lp,
    q_li,
    q_lx,
    q_up,
    q_ui,
    q_ux,
    q_pr,
    q_pc,
    tol,
    max_iter,
    rhs_p,
    dx_p,
    wk_p,
    rhs_q,
    dx_q,
    wk_q,
):
    """Fast-decoupled iterations of one snapshot, in place on ``v``, ``vm``, ``va``.

    Returns ``(max_mismatch, worst_row, iterations)``.
    """
    it = 0
    while True:
        for i in range(n):
            v[i] = complex(vm[i] * np.cos(va[i]), vm[i] * np.sin(va[i]))
        # mismatch of all non-reference buses
        nrm = 0.0
        wb = -1
        for i in range(a, n):
            acc = 0.0 + 0.0j
            for k in range(y_indptr[i], y_indptr[i + 1]):
                acc += y_data[k] * v[y_indices[k]]
            mis = (v[i] * np.conj(acc) - s[i]) / vm[i]
            rhs_p[i - a] = mis.real
            ap = abs(mis.real)
            if not ap <= nrm:  # also catches NaN
                nrm = ap if ap == ap else np.inf
                wb = i
            if i >= q0:
                aq = abs(mis.imag)
                if not aq <= nrm:
                    nrm = aq if aq == aq else np.inf
                    wb = i
        if nrm <= tol or it >= max_iter or not np.isfinite(nrm):
            break
        it += 1
        _lu_solve(p_lp, p_li, p_lx, p_up, p_ui, p_ux, p_pr, p_pc, rhs_p, wk_p, dx_p)
        for i in range(n_p):
            va[a + i] -= dx_p[i]
        if n_q:
            for i in range(q0, n):
                v[i] = complex(vm[i] * np.cos(va[i]), vm[i] * np.sin(va[i]))
            for i in range(a, q0):
                v[i] = complex(vm[i] * np.cos(va[i]), vm[i] * np.sin(va[i]))
            for i in range(q0, n):
                acc = 0.0 + 0.0j
                for k in range(y_indptr[i], y_indptr[i + 1]):
                    acc += y_data[k] * v[y_indices[k]]
                rhs_q[i - q0] = ((v[i] * np.conj(acc) - s[i]) / vm[i]).imag
            _lu_solve(q_lp, q_li, q_lx, q_up, q_ui, q_ux, q_pr, q_pc, rhs_q, wk_q, dx_q)
            for i in range(n_q):
                vm[q0 + i] -= dx_q[i]
    return nrm, wb, it
