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

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from gridsim.powerflow.factors import LANES, lu_solve_lanes

__all__ = ["LANES", "DcFeeds", "dc_series_solve"]

RAD_TO_DEG = 180.0 / np.pi  # the factor np.rad2deg multiplies by


class DcFeeds(NamedTuple):
    """How profile columns change the right-hand side of the reduced DC system: feed
    ``e`` of profile ``g`` (``ptr[g]`` to ``ptr[g + 1]``) adds
    ``scale[e] (profile value of column col[e] - static[e])`` (pu) to row ``row[e]``."""

    ptr: np.ndarray
    col: np.ndarray
    row: np.ndarray
    scale: np.ndarray
    static: np.ndarray


@njit(cache=True, parallel=True)
def dc_series_solve(
    profiles,
    by_snapshot,
    feeds,
    rhs_base,
    lu,
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

    Reduced system ``Pr B Pc = L U`` (``lu``, :class:`~gridsim.powerflow.factors.LUFactors`;
    angle ``i`` of the non-reference buses is solution row ``lu.perm_c[i]``). Its
    right-hand side, row ``r`` of ``Pr (P_nr - P_shunt - B_nr,ref theta_ref - P_shift)``
    (pu), is ``rhs_base[r]`` plus, for every feed ``e`` of profile ``g`` (:class:`DcFeeds`)
    with ``feeds.row[e] == r``::

        feeds.scale[e] (profiles[g][s, feeds.col[e]] - feeds.static[e])

    (``profiles[g]`` is (n_el, T) instead when ``by_snapshot`` is false), added in feed
    order. Angles go to ``va_degree``; per branch ``k``::

        p_from = b_mw[k] (theta_f - theta_t - shift_rad[k])   (MW)
        p_to = -p_from,   loading = |p_from| loading_factor[k]   (%)

    and ``vm_pu`` is set to 1.
    """
    n_t, n = va_degree.shape
    n_nr = non_ref.shape[0]
    m = f.shape[0]
    perm_c = lu.perm_c
    n_blocks = (n_t + LANES - 1) // LANES
    for blk in prange(n_blocks):
        s0 = blk * LANES
        k_n = min(n_t, s0 + LANES) - s0
        w = np.empty((n_nr, LANES))
        theta = np.empty(n)
        _gather_rhs(profiles, by_snapshot, feeds, rhs_base, s0, k_n, w)
        lu_solve_lanes(lu, w)
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


@njit(cache=True, nogil=True)
def _gather_rhs(profiles, by_snapshot, feeds, rhs_base, s0, k_n, w):
    """Right-hand sides of snapshots ``s0 .. s0 + k_n`` side by side in ``w`` (n_nr,
    LANES); lanes past the last snapshot keep the base and are solved but never read."""
    for r in range(w.shape[0]):
        for q in range(LANES):
            w[r, q] = rhs_base[r]
    for g in range(len(profiles)):
        prof = profiles[g]
        for e in range(feeds.ptr[g], feeds.ptr[g + 1]):
            r = feeds.row[e]
            col = feeds.col[e]
            a = feeds.scale[e]
            st = feeds.static[e]
            if by_snapshot:
                for q in range(k_n):
                    w[r, q] += a * (prof[s0 + q, col] - st)
            else:
                for q in range(k_n):
                    w[r, q] += a * (prof[col, s0 + q] - st)
