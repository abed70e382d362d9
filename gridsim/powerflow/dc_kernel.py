"""Compiled DC kernels for batches of snapshots (numba).

numba is a required dependency of gridsim; this module never falls back silently.
"""

from __future__ import annotations

from numba import njit, prange


@njit(cache=True, parallel=True)
def dc_flows(theta, f, t, b_mw, shift_rad, loading_factor, p_from, p_to, loading):  # noqa: ANN001
    """DC branch flows of many snapshots, written in place in (T, m) layout.

    ``p_from[s, k] = b_mw[k] (theta[s, f_k] - theta[s, t_k] - shift_rad[k])`` (MW),
    ``p_to = -p_from``, ``loading = |p_from| loading_factor`` (%).
    """
    n_t = theta.shape[0]
    m = f.shape[0]
    for s in prange(n_t):
        for k in range(m):
            p = b_mw[k] * (theta[s, f[k]] - theta[s, t[k]] - shift_rad[k])
            p_from[s, k] = p
            p_to[s, k] = -p
            loading[s, k] = abs(p) * loading_factor[k]
