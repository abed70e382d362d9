"""Compiled Newton-Raphson kernels (numba): one snapshot, and many in parallel blocks.

Each iteration computes the mismatch in one pass over ``Ybus``, writes the Jacobian
into its fixed CSC structure (:mod:`gridsim.powerflow.jacobian`), refactorises it on
fixed LU patterns and solves (:mod:`gridsim.powerflow.factors`). Arguments come
grouped: ``Ybus`` (:class:`~gridsim.powerflow.jacobian.YbusArrays`), the unknowns'
positions (:class:`~gridsim.powerflow.jacobian.UnknownIndex`), the Jacobian map
(:class:`~gridsim.powerflow.jacobian.JacobianMap`), the LU factors
(:class:`~gridsim.powerflow.factors.LUFactors`) and :class:`NewtonSettings`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from gridsim.powerflow.factors import LUFactors, lu_solve, refactor, with_values
from gridsim.powerflow.jacobian import JacobianMap, UnknownIndex, YbusArrays, fill_jacobian

DIVERGED_PU = 1e6
"""A mismatch this large (per unit) means Newton-Raphson has diverged: stop iterating."""

STATUS_OK = 0
STATUS_NOT_CONVERGED = 1
STATUS_PIVOT = 2
"""The fixed pivot order failed at this point: order the Jacobian again and resume."""
STATUS_SINGULAR = 3

WARM_BLOCK = 64
"""Snapshots solved in sequence, each starting from its predecessor's solution (the
Newton kernel also reuses its factors). Blocks run in parallel; their size is fixed, so
results do not depend on the thread count. Used by the Newton and fast-decoupled
batch kernels."""


class NewtonSettings(NamedTuple):
    """Iteration controls of the compiled Newton kernels (per unit)."""

    chord_rate: float  # reuse factors while each step cuts the mismatch this much (0: never)
    tol: float  # largest allowed |P| (pv, pq) and |Q| (pq) mismatch
    max_iter: int
    pivot_tol: float  # see gridsim.powerflow.factors.PIVOT_TOL


@njit(cache=True, nogil=True)
def _mismatch(ybus, s, v, unknowns, i_bus, f):
    """``f`` = [Re mis (pv, pq); Im mis (pq)] of ``V conj(Ybus V) - S``; ``i_bus = Ybus V``.

    Returns ``(largest |f|, its bus)``; NaN counts as infinite.
    """
    y_indptr, y_indices, y_data = ybus.indptr, ybus.indices, ybus.data
    ang, mag = unknowns.angle, unknowns.magnitude
    n = y_indptr.shape[0] - 1
    nrm = 0.0
    worst = -1
    for i in range(n):
        acc = 0.0 + 0.0j
        for e in range(y_indptr[i], y_indptr[i + 1]):
            acc += y_data[e] * v[y_indices[e]]
        i_bus[i] = acc
        mis = v[i] * np.conj(acc) - s[i]
        if ang[i] >= 0:
            f[ang[i]] = mis.real
            a = abs(mis.real)
            if not a <= nrm:
                nrm = a if a == a else np.inf
                worst = i
        if mag[i] >= 0:
            f[mag[i]] = mis.imag
            a = abs(mis.imag)
            if not a <= nrm:
                nrm = a if a == a else np.inf
                worst = i
    return nrm, worst


@njit(cache=True, nogil=True)
def newton_one(ybus, s, v, unknowns, jmap, lu, jac, have_lu, settings):
    """Newton-Raphson for one snapshot, in place on the complex voltages ``v`` (per unit).

    ``s``: scheduled complex injections; ``jac``: scratch for the Jacobian's CSC data.
    The factors in ``lu`` (:class:`~gridsim.powerflow.factors.LUFactors`, values
    overwritten) are reused across iterations (and, when ``have_lu``, from the
    caller's previous solve) as long as each step cuts the mismatch at least by
    ``settings.chord_rate``; otherwise, and always with ``chord_rate=0``, the Jacobian
    is refactorised at the current point. A reused factor whose step increases the
    mismatch is discarded and the step undone.

    Returns ``(status, max_mismatch, worst_bus, iterations, factorisations, have_lu)``.
    """
    ang, mag = unknowns.angle, unknowns.magnitude
    chord_rate = settings.chord_rate
    n = v.shape[0]
    n_x = jmap.indptr.shape[0] - 1
    vm = np.empty(n)
    va = np.empty(n)
    vm_prev = np.empty(n)
    va_prev = np.empty(n)
    for i in range(n):
        vm[i] = abs(v[i])
        va[i] = np.angle(v[i])
    i_bus = np.empty(n, dtype=np.complex128)
    f = np.empty(n_x)
    dx = np.empty(n_x)
    work = np.zeros(n_x)
    it = 0
    n_fac = 0
    prev = np.inf
    fresh = False  # the factors in hand were computed at the current iterate
    status = STATUS_NOT_CONVERGED
    while True:
        nrm, worst = _mismatch(ybus, s, v, unknowns, i_bus, f)
        if nrm <= settings.tol:
            status = STATUS_OK
            break
        if not np.isfinite(nrm) or nrm >= DIVERGED_PU or it >= settings.max_iter:
            break
        if have_lu and not fresh and nrm > prev:
            # the reused factors made things worse: undo the step, refactorise there
            for i in range(n):
                vm[i] = vm_prev[i]
                va[i] = va_prev[i]
                v[i] = complex(vm[i] * np.cos(va[i]), vm[i] * np.sin(va[i]))
            have_lu = False
            prev = np.inf
            continue
        if not have_lu or chord_rate <= 0.0 or nrm > chord_rate * prev:
            fill_jacobian(ybus, v, vm, jmap, i_bus, jac)
            bad = refactor(jmap.indptr, jmap.indices, jac, lu, work, settings.pivot_tol)
            n_fac += 1
            if bad >= 0:
                have_lu = False
                status = STATUS_PIVOT
                break
            have_lu = True
            fresh = True
        else:
            fresh = False
        for k in range(n_x):
            f[k] = -f[k]
        lu_solve(lu, f, work, dx)
        for k in range(n_x):
            work[k] = 0.0
        finite = True
        for k in range(n_x):
            if not np.isfinite(dx[k]):
                finite = False
        if not finite:
            status = STATUS_SINGULAR
            have_lu = False
            break
        for i in range(n):
            vm_prev[i] = vm[i]
            va_prev[i] = va[i]
            if ang[i] >= 0:
                va[i] += dx[ang[i]]
                if mag[i] >= 0:
                    vm[i] += dx[mag[i]]
                v[i] = complex(vm[i] * np.cos(va[i]), vm[i] * np.sin(va[i]))
        prev = nrm
        it += 1
    return status, nrm, worst, it, n_fac, have_lu


@njit(cache=True, nogil=True)
def newton_one_entry(ybus, s, v, unknowns, jmap, lu, jac, have_lu, settings):
    """:func:`newton_one` called from Python, the grouped arguments as plain tuples (see
    :mod:`gridsim.powerflow.factors` on why)."""
    return newton_one(
        YbusArrays(*ybus),
        s,
        v,
        UnknownIndex(*unknowns),
        JacobianMap(*jmap),
        LUFactors(*lu),
        jac,
        have_lu,
        NewtonSettings(*settings),
    )


@njit(cache=True, nogil=True)
def _private_factors(lu):
    """Zeroed factor values of ``lu``'s patterns, for one block of snapshots."""
    return with_values(lu, np.zeros(lu.l_indices.shape[0]), np.zeros(lu.u_indices.shape[0]))


@njit(cache=True, parallel=True)
def newton_batch(ybus, s_bus, v0, unknowns, jmap, lu, settings):
    """Newton-Raphson for every snapshot (row of ``s_bus``), blocks in parallel.

    ``s_bus``/``v0``: (T, n) complex scheduled injections and start voltages (per unit);
    ``lu`` gives the order and patterns (each block factorises into its own values).
    Within a block of :data:`WARM_BLOCK` snapshots each one starts from its
    predecessor's solution (when that converged) and reuses its factors.
    Returns ``(v, status, iterations, factorisations, max_mismatch, worst_bus)``.
    """
    n_t, n = s_bus.shape
    v_out = np.empty((n_t, n), dtype=np.complex128)
    status = np.full(n_t, STATUS_NOT_CONVERGED, dtype=np.int64)
    iters = np.zeros(n_t, dtype=np.int64)
    n_fac = np.zeros(n_t, dtype=np.int64)
    norm = np.full(n_t, np.inf)
    worst = np.full(n_t, -1, dtype=np.int64)
    n_blocks = (n_t + WARM_BLOCK - 1) // WARM_BLOCK
    for blk in prange(n_blocks):
        block_lu = _private_factors(lu)
        jac = np.empty(jmap.indices.shape[0])
        have_lu = False
        first = blk * WARM_BLOCK
        for t in range(first, min(n_t, first + WARM_BLOCK)):
            if t > first and status[t - 1] == STATUS_OK:
                v = v_out[t - 1].copy()
            else:
                v = v0[t].copy()
            st, nrm, wb, it, nf, have_lu = newton_one(
                ybus, s_bus[t], v, unknowns, jmap, block_lu, jac, have_lu, settings
            )
            v_out[t] = v
            status[t] = st
            iters[t] = it
            n_fac[t] = nf
            norm[t] = nrm
            worst[t] = wb
    return v_out, status, iters, n_fac, norm, worst
