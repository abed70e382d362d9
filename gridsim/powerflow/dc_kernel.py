"""Compiled DC kernel for batches of snapshots (numba).

A DC time series is, per snapshot ``s``: active injections ``P[s]`` (element profiles
scattered onto buses), angles from one factorised reduced ``Bbus``, then branch flows
and loading. :func:`dc_series_solve` does all of it in one pass per block of
:data:`LANES` snapshots: it gathers the block's right-hand sides side by side (one
SIMD lane per snapshot), runs plain triangular solves on all lanes at once and writes
every result row once. Nothing of size (T, n) exists besides the results.

Each snapshot's arithmetic is the same whatever its block, lane or thread, so results
are bit-for-bit deterministic and independent of the thread count.

numba is a required dependency of gridsim; this module never falls back silently.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

LANES = 8
"""Snapshots solved side by side (one per SIMD lane of a 512-bit vector)."""

RAD_TO_DEG = 180.0 / np.pi  # the factor np.rad2deg multiplies by


@njit(cache=True, parallel=True)
def dc_series_solve(
    profiles,
    by_snapshot,
    feed_ptr,
    feed_col,
    feed_row,
    feed_scale,
    feed_static,
    rhs_base,
    l_indptr,
    l_indices,
    l_data,
    u_indptr,
    u_indices,
    u_data,
    inv_diag,
    perm_c,
    non_ref,
    ref,
    theta_ref_rad,
    f,
    t,
    b_mw,
    shift_rad,
    loading_factor,
    va_degree,
    vm_pu,
    p_from_mw,
    p_to_mw,
    loading_percent,
):
    """DC angles, flows and loading of every snapshot, written into the (T, ...) arrays.

    Reduced system ``Pr B Pc = L U`` (CSR, ``L`` strictly lower with unit diagonal
    implied, ``U`` strictly upper, ``inv_diag = 1 / diag(U)``; angle ``i`` of the
    non-reference buses is solution row ``perm_c[i]``). Its right-hand side,
    row ``r`` of ``Pr (P_nr - P_shunt - B_nr,ref theta_ref - P_shift)`` (pu), is
    ``rhs_base[r]`` plus, for every feed ``e`` of profile ``g`` (``feed_ptr[g]`` to
    ``feed_ptr[g + 1]``) with ``feed_row[e] == r``::

        feed_scale[e] (profiles[g][s, feed_col[e]] - feed_static[e])

    (``profiles[g]`` is (n_el, T) instead when ``by_snapshot`` is false), added in feed
    order. Angles go to ``va_degree``; per branch ``k``::

        p_from = b_mw[k] (theta_f - theta_t - shift_rad[k])   (MW)
        p_to = -p_from,   loading = |p_from| loading_factor[k]   (%)

    and ``vm_pu`` is set to 1.
    """
    n_t, n = va_degree.shape
    n_nr = non_ref.shape[0]
    m = f.shape[0]
    n_blocks = (n_t + LANES - 1) // LANES
    for blk in prange(n_blocks):
        s0 = blk * LANES
        k_n = min(n_t, s0 + LANES) - s0
        w = np.empty((n_nr, LANES))
        theta = np.empty(n)
        # lanes past the last snapshot keep the base and are solved but never read
        for r in range(n_nr):
            for q in range(LANES):
                w[r, q] = rhs_base[r]
        for g in range(len(profiles)):
            prof = profiles[g]
            for e in range(feed_ptr[g], feed_ptr[g + 1]):
                r = feed_row[e]
                col = feed_col[e]
                a = feed_scale[e]
                st = feed_static[e]
                if by_snapshot:
                    for q in range(k_n):
                        w[r, q] += a * (prof[s0 + q, col] - st)
                else:
                    for q in range(k_n):
                        w[r, q] += a * (prof[col, s0 + q] - st)
        # forward substitution, L unit lower triangular (CSR, diagonal not stored)
        for i in range(n_nr):
            for k in range(l_indptr[i], l_indptr[i + 1]):
                a = l_data[k]
                j = l_indices[k]
                for q in range(LANES):
                    w[i, q] -= a * w[j, q]
        # back substitution, U upper triangular (CSR, diagonal kept apart)
        for i in range(n_nr - 1, -1, -1):
            for k in range(u_indptr[i], u_indptr[i + 1]):
                a = u_data[k]
                j = u_indices[k]
                for q in range(LANES):
                    w[i, q] -= a * w[j, q]
            for q in range(LANES):
                w[i, q] *= inv_diag[i]
        for q in range(k_n):
            s = s0 + q
            for i in range(n_nr):
                theta[non_ref[i]] = w[perm_c[i], q]
            for i in range(ref.shape[0]):
                theta[ref[i]] = theta_ref_rad[i]
            for i in range(n):
                va_degree[s, i] = theta[i] * RAD_TO_DEG
                vm_pu[s, i] = 1.0
            for k in range(m):
                p = b_mw[k] * (theta[f[k]] - theta[t[k]] - shift_rad[k])
                p_from_mw[s, k] = p
                p_to_mw[s, k] = -p
                loading_percent[s, k] = abs(p) * loading_factor[k]
