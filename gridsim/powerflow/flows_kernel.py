"""Compiled AC result kernels: voltages, branch flows and loadings of many snapshots
(and the bus injections they are summed from or solved for).

Writes straight into snapshot-major result arrays (rows ``row0 .. row0 + T``), so a
time series needs no (n, T) temporaries and no transposes. Same formulas as
:func:`gridsim.powerflow.flows.branch_flows` and
:func:`gridsim.powerflow.flows.branch_loading`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit, prange

from gridsim.powerflow.compile import CompiledNetwork
from gridsim.powerflow.flows import SQRT3


@njit(cache=True, nogil=True, inline="always")
def _nanmax(a: float, b: float) -> float:
    """``np.maximum`` for two floats: NaN if either is NaN."""
    if a != a or b != b:
        return np.nan
    return a if a >= b else b


@njit(cache=True, nogil=True, inline="always")
def _abs(z: complex) -> float:
    """``|z|`` as ``sqrt(re^2 + im^2)``: per-unit values cannot overflow, and this is
    several times faster than ``abs`` (``hypot``) and vectorises."""
    return np.sqrt(z.real * z.real + z.imag * z.imag)


@njit(cache=True, parallel=True, error_model="numpy")
def ac_results_into(
    v,  # (T, n) complex bus voltages, per unit
    yf_indptr,
    yf_indices,
    yf_data,  # Yf (CSR, m x n)
    yt_indptr,
    yt_indices,
    yt_data,  # Yt (CSR, m x n)
    f,
    t,  # from / to bus of each branch
    sn_mva,
    i_base_from_ka,  # sn_mva / (sqrt(3) vn_from_kv)
    i_base_to_ka,
    is_line,
    rate_i_ka,
    s_per_ka_from,  # sqrt(3) vn_from_kv (MVA per kA)
    s_per_ka_to,
    rate_mva,
    row0,
    vm_pu,
    va_degree,
    p_from_mw,
    q_from_mvar,
    p_to_mw,
    q_to_mvar,
    loading_percent,
):
    """Fill rows ``row0 + s`` of the result arrays from the voltages ``v[s]``.

    Loading: lines by the larger end current against ``rate_i_ka``, transformers by
    the larger end apparent power (current times rated voltage) against
    ``rate_mva``; NaN without a rating.
    """
    n_t, n = v.shape
    m = f.shape[0]
    to_deg = 180.0 / np.pi
    for s in prange(n_t):
        row = row0 + s
        vs = v[s]
        for i in range(n):
            vm_pu[row, i] = _abs(vs[i])
            va_degree[row, i] = np.angle(vs[i]) * to_deg
        for k in range(m):
            acc_f = 0.0 + 0.0j
            for e in range(yf_indptr[k], yf_indptr[k + 1]):
                acc_f += yf_data[e] * vs[yf_indices[e]]
            acc_t = 0.0 + 0.0j
            for e in range(yt_indptr[k], yt_indptr[k + 1]):
                acc_t += yt_data[e] * vs[yt_indices[e]]
            s_f = vs[f[k]] * np.conj(acc_f) * sn_mva
            s_t = vs[t[k]] * np.conj(acc_t) * sn_mva
            p_from_mw[row, k] = s_f.real
            q_from_mvar[row, k] = s_f.imag
            p_to_mw[row, k] = s_t.real
            q_to_mvar[row, k] = s_t.imag
            i_f = _abs(acc_f) * i_base_from_ka[k]
            i_t = _abs(acc_t) * i_base_to_ka[k]
            if is_line[k]:
                loading_percent[row, k] = _nanmax(i_f, i_t) / rate_i_ka[k] * 100.0
            else:
                loading_percent[row, k] = (
                    _nanmax(i_f * s_per_ka_from[k], i_t * s_per_ka_to[k]) / rate_mva[k] * 100.0
                )


def branch_kernel_args(c: CompiledNetwork, yf: sp.csr_matrix, yt: sp.csr_matrix) -> tuple:
    """Arguments of :func:`ac_results_into` that describe the branches."""
    yf = sp.csr_matrix(yf)
    yt = sp.csr_matrix(yt)
    with np.errstate(divide="ignore"):
        i_base_f = c.sn_mva / (SQRT3 * c.vn_from_kv)
        i_base_t = c.sn_mva / (SQRT3 * c.vn_to_kv)
    return (
        yf.indptr.astype(np.int64),
        yf.indices.astype(np.int64),
        yf.data.astype(np.complex128),
        yt.indptr.astype(np.int64),
        yt.indices.astype(np.int64),
        yt.data.astype(np.complex128),
        c.f.astype(np.int64),
        c.t.astype(np.int64),
        float(c.sn_mva),
        np.ascontiguousarray(i_base_f, dtype=np.float64),
        np.ascontiguousarray(i_base_t, dtype=np.float64),
        np.ascontiguousarray(c.branch_kind == "line"),
        np.ascontiguousarray(c.rate_i_ka, dtype=np.float64),
        np.ascontiguousarray(SQRT3 * c.vn_from_kv, dtype=np.float64),
        np.ascontiguousarray(SQRT3 * c.vn_to_kv, dtype=np.float64),
        np.ascontiguousarray(c.rate_mva, dtype=np.float64),
    )


@njit(cache=True, nogil=True)
def end_sums(at_f, at_t, f_col, t_col, n_col):  # pragma: no cover - compiled
    """Per row of ``at_f`` / ``at_t`` (T, m): the sum of each branch's value at its from
    end into column ``f_col[k]`` and at its to end into ``t_col[k]`` (-1: dropped),
    -> (T, n_col). Branch flows summed into bus injections, in branch order."""
    n_t, m = at_f.shape
    out = np.zeros((n_t, n_col))
    for s in range(n_t):
        for k in range(m):
            if f_col[k] >= 0:
                out[s, f_col[k]] += at_f[s, k]
            if t_col[k] >= 0:
                out[s, t_col[k]] += at_t[s, k]
    return out


@njit(cache=True, nogil=True)
def add_feeds_into(out, col, scale, values, static):  # pragma: no cover - compiled
    """``out[s, col[j]] += scale[j] * (values[s, j] - static[j])`` for every snapshot
    ``s`` and element ``j`` with ``col[j] >= 0``, in element order: profiles' changes
    added into the (T, ...) injections."""
    n_t, n_el = values.shape
    for s in range(n_t):
        for j in range(n_el):
            if col[j] >= 0:
                out[s, col[j]] += scale[j] * (values[s, j] - static[j])
