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
    m = len(f)
    y_tt = y_series + y_shunt_to / 2
    y_ff = (y_series + y_shunt_from / 2) / (tap * np.conj(tap))
    y_ft = -y_series / np.conj(tap)
    y_tf = -y_series / tap
    rows = np.concatenate([np.arange(m), np.arange(m)])
    cols = np.concatenate([f, t])
    yf = sp.csr_matrix((np.concatenate([y_ff, y_ft]), (rows, cols)), shape=(m, n))
    yt = sp.csr_matrix((np.concatenate([y_tf, y_tt]), (rows, cols)), shape=(m, n))
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


def make_ybus(c: CompiledNetwork) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """Bus admittance matrix ``Ybus`` (n x n) and branch matrices ``Yf``, ``Yt`` (m x n).

    ``I_f = Yf @ V`` and ``I_t = Yt @ V`` give the branch end currents (per unit).
    """
    return assemble_ybus(
        c.n_bus, c.f, c.t, c.y_series, c.y_shunt_from, c.y_shunt_to, c.tap, c.y_bus_shunt
    )
