"""Compiled Newton-Raphson over many snapshots, :data:`LANES` at a time (numba).

Snapshots of one network share the Jacobian's pattern and the LU order, so the same
sequence of index operations serves several of them: every array here carries a last
axis of ``LANES`` snapshots, and each inner loop runs over that axis. With 64 lanes
the compiler turns those loops into SIMD instructions (with 8 or 16 it does not), and
the index arithmetic of the sparse Jacobian, LU and triangular solves is paid once
for 64 snapshots: about twice as fast as one snapshot at a time
(:func:`gridsim.powerflow.nr_kernel.newton_batch`) from 31 to 2,869 buses.

The method is Newton-Raphson in polar form, the same Jacobian as
:mod:`gridsim.powerflow.jacobian` written in real arithmetic, factorised on the fixed
patterns of :mod:`gridsim.powerflow.factors`. As in the one-snapshot kernel, factors
are reused (across iterations and from each lane's previous snapshot) while every
moving lane's step still cuts its mismatch by the chord rate; ``chord_rate=0``
refactorises at every step, and then each snapshot gets exactly the iterates it would
get alone (a lane stops moving once its snapshot has converged). A pivot that fails
the threshold test, a non-finite step or a divergence stops that lane only, with the
same statuses as the one-snapshot kernel; the caller retries such snapshots one by
one.

Snapshots are split into blocks of ``LANES x LANE_RUN``: lane ``q`` of a block walks
``LANE_RUN`` consecutive snapshots, each starting from its predecessor's solution
when that converged. Blocks run in parallel; their size is fixed, so results do not
depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from gridsim.powerflow.nr_kernel import (
    DIVERGED_PU,
    STATUS_NOT_CONVERGED,
    STATUS_OK,
    STATUS_PIVOT,
    STATUS_SINGULAR,
)

LANES = 64
"""Snapshots solved side by side (the last axis of every array here)."""
LANE_RUN = 8
"""Consecutive snapshots one lane walks in a block, each from its predecessor's
solution (measured on the Ningxia year, 64 lanes: 8 beats 16, as blocks of 512 snapshots
share the threads more evenly)."""


@njit(cache=True, nogil=True)
def _mismatch_lanes(y_indptr, y_indices, g, b, s_re, s_im, vr, vi, ir, ii, ang, mag, f):
    """``f[x, q]`` = mismatch of unknown ``x`` in lane ``q`` (P rows then Q rows) and
    ``ir + j ii = Ybus V``; ``s_re``/``s_im`` (n, LANES) scheduled injections (pu)."""
    n = y_indptr.shape[0] - 1
    for i in range(n):
        for q in range(LANES):
            ir[i, q] = 0.0
            ii[i, q] = 0.0
        for e in range(y_indptr[i], y_indptr[i + 1]):
            c = y_indices[e]
            ge = g[e]
            be = b[e]
            for q in range(LANES):
                ir[i, q] += ge * vr[c, q] - be * vi[c, q]
                ii[i, q] += ge * vi[c, q] + be * vr[c, q]
        a = ang[i]
        m = mag[i]
        if a >= 0:
            for q in range(LANES):
                f[a, q] = vr[i, q] * ir[i, q] + vi[i, q] * ii[i, q] - s_re[i, q]
        if m >= 0:
            for q in range(LANES):
                f[m, q] = vi[i, q] * ir[i, q] - vr[i, q] * ii[i, q] - s_im[i, q]


@njit(cache=True, nogil=True)
def _fill_jacobian_lanes(y_indptr, y_indices, g, b, vr, vi, vm, ir, ii, jmap, jac):
    """The Jacobian of every lane into ``jac`` (nnz, LANES), the CSC data of ``jmap``'s
    structure (see :func:`gridsim.powerflow.jacobian.fill_jacobian`)."""
    pos_dp_dva, pos_dp_dvm = jmap.pos_dp_dva, jmap.pos_dp_dvm
    pos_dq_dva, pos_dq_dvm = jmap.pos_dq_dva, jmap.pos_dq_dvm
    pos_diag = jmap.pos_diag
    jac[:] = 0.0
    n = y_indptr.shape[0] - 1
    for r in range(n):
        for e in range(y_indptr[r], y_indptr[r + 1]):
            c = y_indices[e]
            ge = g[e]
            be = b[e]
            p_va, p_vm = pos_dp_dva[e], pos_dp_dvm[e]
            q_va, q_vm = pos_dq_dva[e], pos_dq_dvm[e]
            for q in range(LANES):
                # w = V_r conj(Y_rc V_c) = x + j y; dS/dVa = -j w, dS/dVm = w / |V_c|
                yv_re = ge * vr[c, q] - be * vi[c, q]
                yv_im = ge * vi[c, q] + be * vr[c, q]
                x = vr[r, q] * yv_re + vi[r, q] * yv_im
                y = vi[r, q] * yv_re - vr[r, q] * yv_im
                inv = 1.0 / vm[c, q]
                if p_va >= 0:
                    jac[p_va, q] += y
                if p_vm >= 0:
                    jac[p_vm, q] += x * inv
                if q_va >= 0:
                    jac[q_va, q] -= x
                if q_vm >= 0:
                    jac[q_vm, q] += y * inv
        # S_r = V_r conj(I_r) = p + j s; dS/dVa += j S_r, dS/dVm += S_r / |V_r|
        d0, d1, d2, d3 = pos_diag[r, 0], pos_diag[r, 1], pos_diag[r, 2], pos_diag[r, 3]
        for q in range(LANES):
            p = vr[r, q] * ir[r, q] + vi[r, q] * ii[r, q]
            s = vi[r, q] * ir[r, q] - vr[r, q] * ii[r, q]
            inv = 1.0 / vm[r, q]
            if d0 >= 0:
                jac[d0, q] -= s
            if d1 >= 0:
                jac[d1, q] += p * inv
            if d2 >= 0:
                jac[d2, q] += p
            if d3 >= 0:
                jac[d3, q] += s * inv


@njit(cache=True, nogil=True)
def _refactor_lanes(a_indptr, a_indices, jac, lu, l_data, u_data, work, pivot_tol, bad):
    """Numeric LU of every lane's ``Pr A Pc`` on ``lu``'s patterns into ``l_data`` /
    ``u_data`` (nnz, LANES), left-looking as :func:`gridsim.powerflow.factors.refactor`.

    ``work`` (n, LANES) is zeroed scratch and is left zeroed. ``bad[q]`` is set to True
    for a lane whose pivot fails the threshold test (its factors are then meaningless).
    """
    perm_r, iperm_c = lu.perm_r, lu.iperm_c
    l_indptr, l_indices = lu.l_indptr, lu.l_indices
    u_indptr, u_indices = lu.u_indptr, lu.u_indices
    n = a_indptr.shape[0] - 1
    col_max = np.empty(LANES)
    for j in range(n):
        col = iperm_c[j]
        for p in range(a_indptr[col], a_indptr[col + 1]):
            row = perm_r[a_indices[p]]
            for q in range(LANES):
                work[row, q] = jac[p, q]
        u_end = u_indptr[j + 1] - 1
        for p in range(u_indptr[j], u_end):
            k = u_indices[p]
            for q in range(LANES):
                u_data[p, q] = work[k, q]
                work[k, q] = 0.0
            for t in range(l_indptr[k], l_indptr[k + 1]):
                r = l_indices[t]
                for q in range(LANES):
                    work[r, q] -= l_data[t, q] * u_data[p, q]
        for q in range(LANES):
            u_data[u_end, q] = work[j, q]
            work[j, q] = 0.0
            col_max[q] = abs(u_data[u_end, q])
        for t in range(l_indptr[j], l_indptr[j + 1]):
            r = l_indices[t]
            for q in range(LANES):
                a = abs(work[r, q])
                if a > col_max[q]:
                    col_max[q] = a
        for q in range(LANES):
            pivot = u_data[u_end, q]
            if not abs(pivot) >= pivot_tol * col_max[q] or pivot == 0.0:
                bad[q] = True
                u_data[u_end, q] = 1.0  # keeps the lane finite; its status is set by bad
        for t in range(l_indptr[j], l_indptr[j + 1]):
            r = l_indices[t]
            for q in range(LANES):
                l_data[t, q] = work[r, q] / u_data[u_end, q]
                work[r, q] = 0.0


@njit(cache=True, nogil=True)
def _solve_lanes(lu, l_data, u_data, w):
    """``w <- (L U)^-1 w`` for every lane, in place, with per-lane factor values
    ``l_data``/``u_data`` (nnz, LANES); ``w`` (n, LANES) in the permuted row order (as
    :func:`gridsim.powerflow.factors.lu_solve_lanes`)."""
    l_indptr, l_indices = lu.l_indptr, lu.l_indices
    u_indptr, u_indices = lu.u_indptr, lu.u_indices
    n = w.shape[0]
    for j in range(n):
        for t in range(l_indptr[j], l_indptr[j + 1]):
            i = l_indices[t]
            for q in range(LANES):
                w[i, q] -= l_data[t, q] * w[j, q]
    for j in range(n - 1, -1, -1):
        d = u_indptr[j + 1] - 1
        for q in range(LANES):
            w[j, q] /= u_data[d, q]
        for t in range(u_indptr[j], d):
            i = u_indices[t]
            for q in range(LANES):
                w[i, q] -= u_data[t, q] * w[j, q]


ROTATION_SERIES_MAX_RAD = 0.1
"""Angle steps up to this size rotate the voltage with the Taylor series of cos and sin
(terms to d^10; the first left out is below 3e-19 there), larger ones with libm."""


@njit(cache=True, nogil=True, inline="always")
def _rotate(vr, vi, vm, i, q, d):
    """Turn voltage ``(vr, vi)[i, q]`` by ``d`` radians and give it magnitude
    ``vm[i, q]``: the polar update ``vm e^(j (va + d))`` without recomputing cos and
    sin of the whole angle (the magnitude is set exactly, so no error accumulates in
    it)."""
    if abs(d) <= ROTATION_SERIES_MAX_RAD:
        d2 = d * d
        c = 1.0 - d2 / 2.0 * (1.0 - d2 / 12.0 * (1.0 - d2 / 30.0 * (1.0 - d2 / 56.0 * (1.0 - d2 / 90.0))))  # fmt: skip
        s = d * (1.0 - d2 / 6.0 * (1.0 - d2 / 20.0 * (1.0 - d2 / 42.0 * (1.0 - d2 / 72.0))))
    else:
        c = np.cos(d)
        s = np.sin(d)
    x = vr[i, q] * c - vi[i, q] * s
    y = vi[i, q] * c + vr[i, q] * s
    scale = vm[i, q] / np.sqrt(x * x + y * y)
    vr[i, q] = x * scale
    vi[i, q] = y * scale


@njit(cache=True, nogil=True)
def newton_lanes_one(
    ybus, g, b, s_re, s_im, vr, vi, unknowns, jmap, lu, settings, l_data, u_data, work, valid, status, norm, worst, iters
):  # fmt: skip
    """Newton-Raphson for ``LANES`` snapshots at once, in place on ``vr``/``vi`` (n,
    LANES; per unit). ``status``/``norm``/``worst``/``iters`` (LANES,) receive each
    lane's outcome; lanes whose ``status`` is already ``STATUS_OK`` on entry (padding)
    are left alone.

    ``l_data``/``u_data`` (nnz, LANES) hold the factors of the lanes' last Jacobians
    (``work``: their zeroed (n_x, LANES) scratch; ``valid[0]``: whether every lane's
    factors are usable) and are reused, as in :func:`gridsim.powerflow.nr_kernel.newton_one`, while every moving
    lane's step cuts its mismatch at least by ``settings.chord_rate`` (0: refactorise
    at every step); a reused factor whose step increases a lane's mismatch is
    discarded, that step undone and the Jacobian refactorised there. Returns the
    number of factorisations.
    """
    y_indptr, y_indices = ybus.indptr, ybus.indices
    ang, mag = unknowns.angle, unknowns.magnitude
    chord_rate = settings.chord_rate
    n = vr.shape[0]
    n_x = jmap.indptr.shape[0] - 1
    vm = np.empty((n, LANES))
    vm_prev = np.empty((n, LANES))
    vr_prev = np.empty((n, LANES))
    vi_prev = np.empty((n, LANES))
    for i in range(n):
        for q in range(LANES):
            vm[i, q] = np.sqrt(vr[i, q] ** 2 + vi[i, q] ** 2)
    ir = np.empty((n, LANES))
    ii = np.empty((n, LANES))
    f = np.empty((n_x, LANES))
    w = np.zeros((n_x, LANES))
    jac = np.empty((jmap.indices.shape[0], LANES))
    active = np.empty(LANES, dtype=np.bool_)
    bad = np.zeros(LANES, dtype=np.bool_)
    undo = np.zeros(LANES, dtype=np.bool_)
    prev = np.full(LANES, np.inf)
    for q in range(LANES):
        active[q] = status[q] != STATUS_OK
        iters[q] = 0
    fresh = False  # the factors in hand were computed at the current iterates
    n_fac = 0
    it = 0
    while True:
        _mismatch_lanes(y_indptr, y_indices, g, b, s_re, s_im, vr, vi, ir, ii, ang, mag, f)
        any_active = False
        refactorise = not valid[0] or chord_rate <= 0.0
        any_undo = False
        for q in range(LANES):
            undo[q] = False
            if not active[q]:
                continue
            nrm = 0.0
            wb = -1
            for i in range(n):
                a = ang[i]
                m = mag[i]
                if a >= 0:
                    x = abs(f[a, q])
                    if not x <= nrm:
                        nrm = x if x == x else np.inf
                        wb = i
                if m >= 0:
                    x = abs(f[m, q])
                    if not x <= nrm:
                        nrm = x if x == x else np.inf
                        wb = i
            if not fresh and valid[0] and nrm > prev[q]:
                undo[q] = True  # the reused factors made it worse: back to the last iterate
                any_undo = True
                refactorise = True
                continue
            norm[q] = nrm
            worst[q] = wb
            if nrm <= settings.tol:
                status[q] = STATUS_OK
                active[q] = False
            elif not np.isfinite(nrm) or nrm >= DIVERGED_PU or it >= settings.max_iter:
                status[q] = STATUS_NOT_CONVERGED
                active[q] = False
            else:
                any_active = True
                if nrm > chord_rate * prev[q]:
                    refactorise = True
        if any_undo:
            for q in range(LANES):
                if undo[q]:
                    for i in range(n):
                        vm[i, q] = vm_prev[i, q]
                        vr[i, q] = vr_prev[i, q]
                        vi[i, q] = vi_prev[i, q]
                    prev[q] = np.inf
            valid[0] = False  # the reused factors are spent: refactorise at these iterates
            continue  # mismatch at the restored iterates, then refactorise
        if not any_active:
            break
        if refactorise:
            _fill_jacobian_lanes(y_indptr, y_indices, g, b, vr, vi, vm, ir, ii, jmap, jac)
            for q in range(LANES):
                bad[q] = False
            _refactor_lanes(jmap.indptr, jmap.indices, jac, lu, l_data, u_data, work, settings.pivot_tol, bad)  # fmt: skip
            n_fac += 1
            valid[0] = True
            fresh = True
            for q in range(LANES):
                if bad[q]:
                    valid[0] = False  # this lane's factors are meaningless: refactorise next time
                    if active[q]:
                        status[q] = STATUS_PIVOT
                        active[q] = False
        else:
            fresh = False
        for k in range(n_x):
            row = lu.perm_r[k]
            for q in range(LANES):
                w[row, q] = -f[k, q]
        _solve_lanes(lu, l_data, u_data, w)
        stale = False
        for q in range(LANES):
            if not active[q]:
                continue
            for k in range(n_x):
                if not np.isfinite(w[k, q]):
                    if fresh:
                        status[q] = STATUS_SINGULAR
                        active[q] = False
                    else:  # reused factors: refactorise at these iterates and solve again
                        stale = True
                    valid[0] = False
                    break
        if stale:
            continue
        for i in range(n):
            a = ang[i]
            m = mag[i]
            for q in range(LANES):
                vm_prev[i, q] = vm[i, q]
                vr_prev[i, q] = vr[i, q]
                vi_prev[i, q] = vi[i, q]
            if a < 0:
                continue
            pa = lu.perm_c[a]
            pm = lu.perm_c[m] if m >= 0 else -1
            for q in range(LANES):
                if active[q]:
                    if pm >= 0:
                        vm[i, q] += w[pm, q]
                    _rotate(vr, vi, vm, i, q, w[pa, q])
        for q in range(LANES):
            if active[q]:
                iters[q] += 1
                prev[q] = norm[q]
        it += 1
    for q in range(LANES):
        if status[q] != STATUS_OK:
            valid[0] = False  # factors of a failed iterate: the next snapshot refactorises
    return n_fac


@njit(cache=True, parallel=True)
def newton_lanes_batch(ybus, s_bus, v0, unknowns, jmap, lu, settings):
    """Newton-Raphson for every snapshot (row of ``s_bus``), :data:`LANES` at a time.

    Same arguments and results as :func:`gridsim.powerflow.nr_kernel.newton_batch`:
    ``s_bus``/``v0`` (T, n) complex; returns ``(v, status, iterations,
    factorisations, max_mismatch, worst_bus)`` (factorisations: those of the lanes'
    step, counted on each of its snapshots). Each lane reuses the factors of its
    previous snapshot (see :func:`newton_lanes_one`).
    """
    n_t, n = s_bus.shape
    n_x = jmap.indptr.shape[0] - 1
    g = ybus.data.real.copy()
    b = ybus.data.imag.copy()
    v_out = np.empty((n_t, n), dtype=np.complex128)
    status = np.full(n_t, STATUS_NOT_CONVERGED, dtype=np.int64)
    iters = np.zeros(n_t, dtype=np.int64)
    n_fac = np.zeros(n_t, dtype=np.int64)
    norm = np.full(n_t, np.inf)
    worst = np.full(n_t, -1, dtype=np.int64)
    span = LANES * LANE_RUN
    n_blocks = (n_t + span - 1) // span
    for blk in prange(n_blocks):
        first = blk * span
        # lane q walks snapshots first + q * per .. first + (q + 1) * per - 1
        per = (min(n_t, first + span) - first + LANES - 1) // LANES
        vr = np.empty((n, LANES))
        vi = np.empty((n, LANES))
        s_re = np.zeros((n, LANES))
        s_im = np.zeros((n, LANES))
        st = np.empty(LANES, dtype=np.int64)
        nrm = np.empty(LANES)
        wb = np.empty(LANES, dtype=np.int64)
        itl = np.empty(LANES, dtype=np.int64)
        l_data = np.zeros((lu.l_indices.shape[0], LANES))
        u_data = np.zeros((lu.u_indices.shape[0], LANES))
        work = np.zeros((n_x, LANES))
        valid = np.zeros(1, dtype=np.bool_)
        for k in range(per):
            for q in range(LANES):
                t = first + q * per + k
                if t >= n_t:
                    st[q] = STATUS_OK  # padding: left alone
                    for i in range(n):
                        vr[i, q] = 1.0
                        vi[i, q] = 0.0
                        s_re[i, q] = 0.0
                        s_im[i, q] = 0.0
                    continue
                st[q] = STATUS_NOT_CONVERGED
                warm = k > 0 and status[t - 1] == STATUS_OK
                for i in range(n):
                    src = v_out[t - 1, i] if warm else v0[t, i]
                    vr[i, q] = src.real
                    vi[i, q] = src.imag
                    s_re[i, q] = s_bus[t, i].real
                    s_im[i, q] = s_bus[t, i].imag
            nf = newton_lanes_one(ybus, g, b, s_re, s_im, vr, vi, unknowns, jmap, lu, settings, l_data, u_data, work, valid, st, nrm, wb, itl)  # fmt: skip
            for q in range(LANES):
                t = first + q * per + k
                if t >= n_t:
                    continue
                for i in range(n):
                    v_out[t, i] = complex(vr[i, q], vi[i, q])
                status[t] = st[q]
                norm[t] = nrm[q]
                worst[t] = wb[q]
                iters[t] = itl[q]
                n_fac[t] = nf
    return v_out, status, iters, n_fac, norm, worst
