"""Compiled DC kernels for batches of snapshots (numba).

A DC time series is, per snapshot ``s``: active injections ``P[s]`` (a sum of element
profiles scattered onto buses), angles from one factorised reduced ``Bbus``, then
branch flows and loading. :func:`scatter_add_series` builds ``P`` snapshot-major;
:func:`dc_series_solve` does the rest in one pass per block of :data:`LANES`
snapshots, solving the block's right-hand sides side by side (one SIMD lane each)
with plain triangular solves, and writes every result row once.

Each snapshot's arithmetic is the same whatever the block or thread that runs it, so
results are bit-for-bit deterministic and independent of the thread count.

numba is a required dependency of gridsim; this module never falls back silently.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

LANES = 8
"""Snapshots solved side by side (one per SIMD lane of a 512-bit vector)."""

TILE = 32
"""Snapshots per tile when scattering element profiles onto buses."""

RAD_TO_DEG = 180.0 / np.pi  # the factor np.rad2deg multiplies by


@njit(cache=True, parallel=True)
def fill_rows(out, row):  # noqa: ANN001
    """``out[s, :] = row`` for every snapshot ``s`` (rows written in parallel)."""
    for s in prange(out.shape[0]):
        out[s, :] = row


@njit(cache=True, parallel=True)
def scatter_add_series(values, static, scale, bus, out):  # noqa: ANN001
    """``out[s, bus[j]] += scale[j] (values[s, j] - static[j])`` for ``bus[j] >= 0``.

    ``values`` (T, n_el) in MW or Mvar in either memory order, ``scale`` in pu/MW,
    ``out`` (T, n) in pu. Tiles of snapshots run in parallel and each is read along
    ``values``' contiguous axis; every ``out[s, i]`` adds its elements in index order,
    so the sums do not depend on the layout or the threads.
    """
    n_t, n_el = values.shape
    by_rows = values.strides[1] <= values.strides[0]
    n_tiles = (n_t + TILE - 1) // TILE
    for blk in prange(n_tiles):
        s0 = blk * TILE
        s1 = min(n_t, s0 + TILE)
        if by_rows:
            for s in range(s0, s1):
                for j in range(n_el):
                    if bus[j] >= 0:
                        out[s, bus[j]] += scale[j] * (values[s, j] - static[j])
        else:
            for j in range(n_el):
                col = bus[j]
                if col < 0:
                    continue
                a = scale[j]
                st = static[j]
                for s in range(s0, s1):
                    out[s, col] += a * (values[s, j] - st)


@njit(cache=True, parallel=True)
def dc_series_solve(  # noqa: PLR0913
    va_degree,
    vm_pu,
    p_from_mw,
    p_to_mw,
    loading_percent,
    non_ref,
    ref,
    theta_ref_rad,
    l_indptr,
    l_indices,
    l_data,
    u_indptr,
    u_indices,
    u_data,
    inv_diag,
    perm_r,
    perm_c,
    f,
    t,
    b_mw,
    shift_rad,
    loading_factor,
):  # noqa: ANN001
    """DC angles, flows and loading of every snapshot, written in place (T first).

    On entry ``va_degree[s, non_ref]`` holds the reduced right-hand side
    ``P - P_shunt - B_nr,ref theta_ref - P_shift`` (pu); on return it holds the angles
    (degree). The reduced matrix is ``Pr B Pc = L U`` with ``L`` strictly lower and
    ``U`` strictly upper triangular in CSR (unit diagonal of ``L`` implied, ``1 /
    diag(U)`` in ``inv_diag``). Per branch ``k``::

        p_from = b_mw[k] (theta_f - theta_t - shift_rad[k])   (MW)
        p_to = -p_from,   loading = |p_from| loading_factor[k]   (%)

    ``vm_pu`` is set to 1.
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
        for q in range(k_n):
            for i in range(n_nr):
                w[perm_r[i], q] = va_degree[s0 + q, non_ref[i]]
        for q in range(k_n, LANES):  # lanes past the last snapshot: solved, never read
            w[:, q] = 0.0
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
