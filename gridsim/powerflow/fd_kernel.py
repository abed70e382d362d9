"""Compiled fast-decoupled kernel for batches of snapshots (numba).

Each snapshot runs the XB/BX iteration of :mod:`gridsim.powerflow.fdpf` entirely in
compiled code: one pass over ``Ybus`` for the mismatch, then sparse triangular
solves with the LU factors of ``B'`` and ``B''`` (computed once by SuperLU,
:class:`gridsim.powerflow.factors.LUFactors`). Blocks of snapshots run in parallel
threads. Buses are in ``[ref, pv, pq]`` order, so the unknown blocks are contiguous.

numba is a required dependency of gridsim; this module never falls back silently.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from gridsim.powerflow.factors import lu_solve
from gridsim.powerflow.nr_kernel import WARM_BLOCK


@njit(cache=True, parallel=True)
def fd_batch(ybus, s_bus, v0, n_ref, n_pv, lu_p, lu_q, tol, max_iter):
    """Fast-decoupled iterations for every snapshot (row of ``s_bus``).

    ``ybus``: :class:`~gridsim.powerflow.jacobian.YbusArrays` in ``[ref, pv, pq]`` bus
    order; ``s_bus``/``v0``: (T, n) complex injections and start voltages (per unit);
    ``lu_p``/``lu_q``: factors of ``B'`` (pv and pq buses) and ``B''`` (pq buses).
    Within a block of :data:`WARM_BLOCK` snapshots each one starts from its
    predecessor's solution when that converged.

    Returns ``(v, converged, iterations, max_mismatch, worst_row)``; the mismatch is
    the largest |dP|/|V| (pv, pq) or |dQ|/|V| (pq) in per unit.
    """
    n_t, n = s_bus.shape
    n_p = n - n_ref
    n_q = n - n_ref - n_pv
    v_out = np.empty((n_t, n), dtype=np.complex128)
    conv = np.zeros(n_t, dtype=np.bool_)
    iters = np.zeros(n_t, dtype=np.int64)
    norm = np.full(n_t, np.inf)
    worst = np.full(n_t, -1, dtype=np.int64)
    n_blocks = (n_t + WARM_BLOCK - 1) // WARM_BLOCK
    for blk in prange(n_blocks):
        # right-hand side, solution and scratch of each half-iteration
        work_p = (np.empty(n_p), np.empty(n_p), np.empty(n_p))
        work_q = (np.empty(n_q), np.empty(n_q), np.empty(n_q))
        first = blk * WARM_BLOCK
        for t in range(first, min(n_t, first + WARM_BLOCK)):
            # warm start from the previous snapshot of the block when it converged
            start = v_out[t - 1] if (t > first and conv[t - 1]) else v0[t]
            vm = np.abs(start)
            va = np.angle(start)
            v = start.copy()
            nrm, wb, it = _fd_one(
                ybus, s_bus[t], v, vm, va, n_ref, n_pv, lu_p, lu_q, tol, max_iter, work_p, work_q
            )
            v_out[t] = v
            conv[t] = nrm <= tol
            iters[t] = it
            norm[t] = nrm
            worst[t] = wb
    return v_out, conv, iters, norm, worst


@njit(cache=True, nogil=True)
def _fd_one(ybus, s, v, vm, va, n_ref, n_pv, lu_p, lu_q, tol, max_iter, work_p, work_q):
    """Fast-decoupled iterations of one snapshot, in place on ``v``, ``vm``, ``va``.

    ``work_p``/``work_q``: (right-hand side, solution, scratch) of the ``B'`` and ``B''``
    solves. Returns ``(max_mismatch, worst_row, iterations)``.
    """
    y_indptr, y_indices, y_data = ybus.indptr, ybus.indices, ybus.data
    rhs_p, dx_p, wk_p = work_p
    rhs_q, dx_q, wk_q = work_q
    n = v.shape[0]
    a = n_ref
    q0 = n_ref + n_pv
    n_p = n - a
    n_q = n - q0
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
        lu_solve(lu_p, rhs_p, wk_p, dx_p)
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
            lu_solve(lu_q, rhs_q, wk_q, dx_q)
            for i in range(n_q):
                vm[q0 + i] -= dx_q[i]
    return nrm, wb, it
