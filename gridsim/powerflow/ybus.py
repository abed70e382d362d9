"""Admittance matrices from compiled branch arrays."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gridsim.powerflow.compile import CompiledNetwork


def assemble_ybus(
    n: int,
    f: np.ndarray,
    t: np.ndarray,
    y_series: np.ndarray,
    y_shunt_from: np.ndarray,
    y_shunt_to: np.ndarray,
    tap: np.ndarray,
    y_bus_shunt: np.ndarray,
) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """``Ybus`` (n x n), ``Yf`` and ``Yt`` (m x n) from pi-model branch data (per unit)."""
    y_tt = y_series + y_shunt_to / 2
    y_ff = (y_series + y_shunt_from / 2) / (tap * np.conj(tap))
    y_ft = -y_series / np.conj(tap)
    y_tf = -y_series / tap
    yf, yt = _branch_matrices(n, f, t, (y_ff, y_ft), (y_tf, y_tt))
    # Ybus = Cf' Yf + Ct' Yt + diag(Ysh), assembled in one COO pass (32-bit indices when
    # they fit: what scipy would convert them to anyway)
    index_dtype = _index_dtype(n, 4 * len(f) + n)
    buses = np.arange(n, dtype=index_dtype)
    ybus = sp.coo_matrix(
        (
            np.concatenate([y_ff, y_ft, y_tf, y_tt, y_bus_shunt]),
            (
                np.concatenate([f, f, t, t, buses], dtype=index_dtype),
                np.concatenate([f, t, f, t, buses], dtype=index_dtype),
            ),
        ),
        shape=(n, n),
    ).tocsr()
    ybus.sum_duplicates()
    ybus.sort_indices()
    return ybus, yf, yt


def _branch_matrices(
    n: int, f: np.ndarray, t: np.ndarray, *ends: tuple[np.ndarray, np.ndarray]
) -> list[sp.csr_matrix]:
    """For each ``(at_f, at_t)`` in ``ends``, the m x n matrix with ``at_f[k]`` in column
    ``f[k]`` and ``at_t[k]`` in column ``t[k]`` of row k (summed where ``f[k] == t[k]``), in
    canonical CSR form (sorted, distinct columns)."""
    m = len(f)
    if m == 0 or (f == t).any():  # rare: let scipy merge the duplicates
        rows = np.concatenate([np.arange(m), np.arange(m)])
        cols = np.concatenate([f, t])
        return [
            sp.csr_matrix((np.concatenate([a, b]), (rows, cols)), shape=(m, n)) for a, b in ends
        ]
    # row k holds entries 2k and 2k+1; the smaller column comes first
    at_f = 2 * np.arange(m) + (f > t)
    at_t = at_f ^ 1
    index_dtype = _index_dtype(n, 2 * m)
    indices = np.empty(2 * m, index_dtype)
    indices[at_f] = f
    indices[at_t] = t
    indptr = np.arange(0, 2 * m + 1, 2, dtype=index_dtype)
    out = []
    for a, b in ends:
        data = np.empty(2 * m, np.result_type(a, b))
        data[at_f] = a
        data[at_t] = b
        mat = sp.csr_matrix((data, indices.copy(), indptr.copy()), shape=(m, n))
        mat.has_canonical_format = True
        out.append(mat)
    return out


def _index_dtype(n_col: int, nnz: int) -> type[np.signedinteger]:
    """int32 when column indices and entry counts fit, else int64."""
    return np.int32 if max(n_col, nnz) < np.iinfo(np.int32).max else np.int64


def make_ybus(c: CompiledNetwork) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """Bus admittance matrix ``Ybus`` (n x n) and branch matrices ``Yf``, ``Yt`` (m x n).

    ``I_f = Yf @ V`` and ``I_t = Yt @ V`` give the branch end currents (per unit).
    """
    return assemble_ybus(
        c.n_bus, c.f, c.t, c.y_series, c.y_shunt_from, c.y_shunt_to, c.tap, c.y_bus_shunt
    )
