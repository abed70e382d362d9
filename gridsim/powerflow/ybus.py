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
    yf = _two_per_row(n, f, t, y_ff, y_ft)
    yt = _two_per_row(n, f, t, y_tf, y_tt)
    # Ybus = Cf' Yf + Ct' Yt + diag(Ysh), assembled in one COO pass
    ybus = sp.coo_matrix(
        (
            np.concatenate([y_ff, y_ft, y_tf, y_tt, y_bus_shunt]),
            (
                np.concatenate([f, f, t, t, np.arange(n)]),
                np.concatenate([f, t, f, t, np.arange(n)]),
            ),
        ),
        shape=(n, n),
    ).tocsr()
    ybus.sum_duplicates()
    ybus.sort_indices()
    return ybus, yf, yt


def _two_per_row(
    n: int, f: np.ndarray, t: np.ndarray, at_f: np.ndarray, at_t: np.ndarray
) -> sp.csr_matrix:
    """The m x n matrix with ``at_f[k]`` in column ``f[k]`` and ``at_t[k]`` in column ``t[k]``
    of row k (summed where ``f[k] == t[k]``), in canonical CSR form (sorted columns)."""
    m = len(f)
    if m == 0 or (f == t).any():  # rare: let scipy merge the duplicates
        rows = np.concatenate([np.arange(m), np.arange(m)])
        return sp.csr_matrix(
            (np.concatenate([at_f, at_t]), (rows, np.concatenate([f, t]))), shape=(m, n)
        )
    swap = f > t
    cols = np.empty((m, 2), dtype=np.result_type(f, t))
    cols[:, 0] = np.where(swap, t, f)
    cols[:, 1] = np.where(swap, f, t)
    data = np.empty((m, 2), dtype=np.result_type(at_f, at_t))
    data[:, 0] = np.where(swap, at_t, at_f)
    data[:, 1] = np.where(swap, at_f, at_t)
    indptr = np.arange(0, 2 * m + 1, 2, dtype=cols.dtype)
    out = sp.csr_matrix((data.ravel(), cols.ravel(), indptr), shape=(m, n))
    out.has_canonical_format = True  # two distinct, sorted columns per row
    return out


def make_ybus(c: CompiledNetwork) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """Bus admittance matrix ``Ybus`` (n x n) and branch matrices ``Yf``, ``Yt`` (m x n).

    ``I_f = Yf @ V`` and ``I_t = Yt @ V`` give the branch end currents (per unit).
    """
    return assemble_ybus(
        c.n_bus, c.f, c.t, c.y_series, c.y_shunt_from, c.y_shunt_to, c.tap, c.y_bus_shunt
    )
