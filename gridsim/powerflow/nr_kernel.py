"""Compiled Newton-Raphson kernels (numba): Jacobian structure and values, solves.

The polar Jacobian is written straight into a fixed CSC structure derived from the
pattern of ``Ybus``::

    dS/dVa = j diag(V) conj(diag(I) - Ybus diag(V))
    dS/dVm = diag(V) conj(Ybus diag(V/|V|)) + conj(diag(I)) diag(V/|V|)

    J = | Re dS/dVa[pvpq, pvpq]   Re dS/dVm[pvpq, pq] |
        | Im dS/dVa[pq, pvpq]     Im dS/dVm[pq, pq]   |

Every nonzero ``e`` of ``Ybus`` (CSR order) contributes to at most four Jacobian
entries, whose positions are precomputed (``-1``: no entry); the ``diag(I)`` terms
add to four diagonal positions per bus. The linear algebra is the fixed-pattern LU of
:mod:`gridsim.powerflow.lu_kernel`.

Unknowns: ``ang[i]`` is the position of bus ``i``'s angle among the unknowns (pv and
pq buses), ``mag[i]`` that of its magnitude (pq buses); ``-1`` when not unknown.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from gridsim.powerflow.lu_kernel import lu_solve, refactor

DIVERGED_PU = 1e6
"""A mismatch this large (per unit) means Newton-Raphson has diverged: stop iterating."""

STATUS_OK = 0
STATUS_NOT_CONVERGED = 1
STATUS_PIVOT = 2
"""The fixed pivot order failed at this point: order the Jacobian again and resume."""
STATUS_SINGULAR = 3

WARM_BLOCK = 64
"""Snapshots solved in sequence, each starting from its predecessor's solution and
reusing its factors. Blocks run in parallel; their size is fixed, so results do not
depend on the thread count."""


@njit(cache=True, nogil=True)
def jacobian_structure(y_indptr, y_indices, ang, mag, n_unknown):
    """CSC structure of the Jacobian and the positions each ``Ybus`` entry writes.

    Returns ``(j_indptr, j_indices, t_are, t_mre, t_aim, t_mim, d_pos)``: for CSR entry
    ``e`` of ``Ybus`` (row r, column c), ``t_are[e]`` is the position of ``(ang r, ang c)``
    (Re dS/dVa), ``t_mre[e]`` of ``(ang r, mag c)``, ``t_aim[e]`` of ``(mag r, ang c)``,
    ``t_mim[e]`` of ``(mag r, mag c)``; ``d_pos[i, 0..3]`` the same four for the diagonal
    of bus ``i`` (the ``diag(I)`` terms). Row indices are ascending in each column.
    """
    n = y_indptr.shape[0] - 1
    nnz = y_indices.shape[0]
    # Ybus entry lists per column (its transpose), with the diagonal added if missing
    count = np.zeros(n + 1, dtype=np.int64)
    has_diag = np.zeros(n, dtype=np.bool_)
    for r in range(n):
        for e in range(y_indptr[r], y_indptr[r + 1]):
            c = y_indices[e]
            count[c + 1] += 1
            if c == r:
                has_diag[r] = True
    for i in range(n):
        if not has_diag[i]:
            count[i + 1] += 1
    col_ptr = np.cumsum(count)
    col_row = np.empty(col_ptr[n], dtype=np.int64)
    col_ent = np.empty(col_ptr[n], dtype=np.int64)  # CSR entry, or -1 - bus for a diagonal
    fill = col_ptr[:n].copy()
    for r in range(n):
        for e in range(y_indptr[r], y_indptr[r + 1]):
            c = y_indices[e]
            col_row[fill[c]] = r
            col_ent[fill[c]] = e
            fill[c] += 1
        if not has_diag[r]:
            col_row[fill[r]] = r
            col_ent[fill[r]] = -1 - r
            fill[r] += 1
    # unknown -> bus and kind
    bus_of = np.empty(n_unknown, dtype=np.int64)
    for i in range(n):
        if ang[i] >= 0:
            bus_of[ang[i]] = i
        if mag[i] >= 0:
            bus_of[mag[i]] = i
    j_indptr = np.zeros(n_unknown + 1, dtype=np.int64)
    for u in range(n_unknown):
        c = bus_of[u]
        k = 0
        for p in range(col_ptr[c], col_ptr[c + 1]):
            r = col_row[p]
            k += (ang[r] >= 0) + (mag[r] >= 0)
        j_indptr[u + 1] = j_indptr[u] + k
    j_indices = np.empty(j_indptr[n_unknown], dtype=np.int64)
    t_are = np.full(nnz, -1, dtype=np.int64)
    t_mre = np.full(nnz, -1, dtype=np.int64)
    t_aim = np.full(nnz, -1, dtype=np.int64)
    t_mim = np.full(nnz, -1, dtype=np.int64)
    d_pos = np.full((n, 4), -1, dtype=np.int64)
    rows = np.empty(2 * n + 2, dtype=np.int64)
    kinds = np.empty(2 * n + 2, dtype=np.int64)
    ents = np.empty(2 * n + 2, dtype=np.int64)
    for u in range(n_unknown):
        c = bus_of[u]
        is_ang = ang[c] == u
        k = 0
        for p in range(col_ptr[c], col_ptr[c + 1]):
            r = col_row[p]
            if ang[r] >= 0:
                rows[k] = ang[r]
                kinds[k] = 0
                ents[k] = col_ent[p]
                k += 1
            if mag[r] >= 0:
                rows[k] = mag[r]
                kinds[k] = 1
                ents[k] = col_ent[p]
                k += 1
        # ascending rows (insertion sort; columns are short)
        for a in range(1, k):
            kr, kk, ke = rows[a], kinds[a], ents[a]
            b = a - 1
            while b >= 0 and rows[b] > kr:
                rows[b + 1] = rows[b]
                kinds[b + 1] = kinds[b]
                ents[b + 1] = ents[b]
                b -= 1
            rows[b + 1] = kr
            kinds[b + 1] = kk
            ents[b + 1] = ke
        base = j_indptr[u]
        for a in range(k):
            pos = base + a
            j_indices[pos] = rows[a]
            e = ents[a]
            if e >= 0:
                if kinds[a] == 0:
                    if is_ang:
                        t_are[e] = pos
                    else:
                        t_mre[e] = pos
                elif is_ang:
                    t_aim[e] = pos
                else:
                    t_mim[e] = pos
            # the diagonal of bus c (row bus == column bus) also takes the diag(I) terms
            row_bus = bus_of[rows[a]]
            if row_bus == c:
                d_pos[c, 2 * kinds[a] + (0 if is_ang else 1)] = pos
    return j_indptr, j_indices, t_are, t_mre, t_aim, t_mim, d_pos


@njit(cache=True, nogil=True)
def fill_jacobian(
    y_indptr, y_indices, y_data, v, vm, t_are, t_mre, t_aim, t_mim, d_pos, i_bus, jac
):
    """Write the Jacobian at voltages ``v`` into ``jac`` (CSC data, zeroed here).

    ``i_bus`` must hold ``Ybus v`` (per unit).
    """
    jac[:] = 0.0
    n = y_indptr.shape[0] - 1
    for r in range(n):
        vr = v[r]
        for e in range(y_indptr[r], y_indptr[r + 1]):
            c = y_indices[e]
            cyv = np.conj(y_data[e] * v[c])
            da = -1j * vr * cyv
            dm = vr * cyv / vm[c]
            if t_are[e] >= 0:
                jac[t_are[e]] += da.real
            if t_mre[e] >= 0:
                jac[t_mre[e]] += dm.real
            if t_aim[e] >= 0:
                jac[t_aim[e]] += da.imag
            if t_mim[e] >= 0:
                jac[t_mim[e]] += dm.imag
        ci = np.conj(i_bus[r])
        da = 1j * vr * ci
        dm = ci * vr / vm[r]
        if d_pos[r, 0] >= 0:
            jac[d_pos[r, 0]] += da.real
        if d_pos[r, 1] >= 0:
            jac[d_pos[r, 1]] += dm.real
        if d_pos[r, 2] >= 0:
            jac[d_pos[r, 2]] += da.imag
        if d_pos[r, 3] >= 0:
            jac[d_pos[r, 3]] += dm.imag


@njit(cache=True, nogil=True)
def _mismatch(y_indptr, y_indices, y_data, s, v, ang, mag, i_bus, f):
    """``f`` = [Re mis (pv, pq); Im mis (pq)] of ``V conj(Ybus V) - S``; ``i_bus = Ybus V``.

    Returns ``(largest |f|, its bus)``; NaN counts as infinite.
    """
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
def newton_one(
    y_indptr,
    y_indices,
    y_data,
    s,
    v,
    ang,
    mag,
    j_indptr,
    j_indices,
    t_are,
    t_mre,
    t_aim,
    t_mim,
    d_pos,
    perm_r,
    perm_c,
    iperm_c,
    l_indptr,
    l_indices,
    l_data,
    u_indptr,
    u_indices,
    u_data,
    jac,
    have_lu,
    chord_rate,
    tol,
    max_iter,
    pivot_tol,
):
    """Newton-Raphson for one snapshot, in place on the complex voltages ``v``.

    The factors in ``l_data``/``u_data`` are reused across iterations (and, when
    ``have_lu``, from the caller's previous solve) as long as each step cuts the
    mismatch at least by ``chord_rate``; otherwise, and always with
    ``chord_rate=0``, the Jacobian is refactorised at the current point. A reused
    factor whose step increases the mismatch is discarded and the step undone.

    Returns ``(status, max_mismatch, worst_bus, iterations, factorisations, have_lu)``.
    """
    n = v.shape[0]
    n_x = j_indptr.shape[0] - 1
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
        nrm, worst = _mismatch(y_indptr, y_indices, y_data, s, v, ang, mag, i_bus, f)
        if nrm <= tol:
            status = STATUS_OK
            break
        if not np.isfinite(nrm) or nrm >= DIVERGED_PU or it >= max_iter:
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
            fill_jacobian(
                y_indptr, y_indices, y_data, v, vm, t_are, t_mre, t_aim, t_mim, d_pos, i_bus, jac
            )
            bad = refactor(
                j_indptr,
                j_indices,
                jac,
                perm_r,
                iperm_c,
                l_indptr,
                l_indices,
                l_data,
                u_indptr,
                u_indices,
                u_data,
                work,
                pivot_tol,
            )
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
        lu_solve(
            l_indptr, l_indices, l_data, u_indptr, u_indices, u_data, perm_r, perm_c, f, work, dx
        )
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


@njit(cache=True, parallel=True)
def newton_batch(
    y_indptr,
    y_indices,
    y_data,
    s_bus,  # (T, n) complex scheduled injections, per unit
    v0,  # (T, n) complex start voltages
    ang,
    mag,
    j_indptr,
    j_indices,
    t_are,
    t_mre,
    t_aim,
    t_mim,
    d_pos,
    perm_r,
    perm_c,
    iperm_c,
    l_indptr,
    l_indices,
    u_indptr,
    u_indices,
    chord_rate,
    tol,
    max_iter,
    pivot_tol,
):
    """Newton-Raphson for every snapshot (row of ``s_bus``), blocks in parallel.

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
        l_data = np.zeros(l_indices.shape[0])
        u_data = np.zeros(u_indices.shape[0])
        jac = np.empty(j_indices.shape[0])
        have_lu = False
        first = blk * WARM_BLOCK
        for t in range(first, min(n_t, first + WARM_BLOCK)):
            if t > first and status[t - 1] == STATUS_OK:
                v = v_out[t - 1].copy()
            else:
                v = v0[t].copy()
            st, nrm, wb, it, nf, have_lu = newton_one(
                y_indptr,
                y_indices,
                y_data,
                s_bus[t],
                v,
                ang,
                mag,
                j_indptr,
                j_indices,
                t_are,
                t_mre,
                t_aim,
                t_mim,
                d_pos,
                perm_r,
                perm_c,
                iperm_c,
                l_indptr,
                l_indices,
                l_data,
                u_indptr,
                u_indices,
                u_data,
                jac,
                have_lu,
                chord_rate,
                tol,
                max_iter,
                pivot_tol,
            )
            v_out[t] = v
            status[t] = st
            iters[t] = it
            n_fac[t] = nf
            norm[t] = nrm
            worst[t] = wb
    return v_out, status, iters, n_fac, norm, worst
