"""Admittance matrices from compiled branch arrays."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from gridsim.powerflow.compile import CompiledNetwork


def branch_admittances(c: CompiledNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 2x2 branch admittances ``(y_ff, y_ft, y_tf, y_tt)`` per branch (per unit)."""
    tap = c.tap
    y_tt = c.y_series + c.y_shunt_to / 2
    y_ff = (c.y_series + c.y_shunt_from / 2) / (tap * np.conj(tap))
    y_ft = -c.y_series / np.conj(tap)
    y_tf = -c.y_series / tap
    return y_ff, y_ft, y_tf, y_tt


def make_ybus(c: CompiledNetwork) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """Bus admittance matrix ``Ybus`` (n x n) and branch matrices ``Yf``, ``Yt`` (m x n).

    ``I_f = Yf @ V`` and ``I_t = Yt @ V`` give the branch end currents (per unit).
    """
    n, m = c.n_bus, c.n_branch
    y_ff, y_ft, y_tf, y_tt = branch_admittances(c)
    rows = np.arange(m)
    yf = sp.csr_matrix((np.concatenate([y_ff, y_ft]), (np.concatenate([rows, rows]),
                        np.concatenate([c.f, c.t]))), shape=(m, n))
    yt = sp.csr_matrix((np.concatenate([y_tf, y_tt]), (np.concatenate([rows, rows]),
                        np.concatenate([c.f, c.t]))), shape=(m, n))
    cf = sp.csr_matrix((np.ones(m), (rows, c.f)), shape=(m, n))
    ct = sp.csr_matrix((np.ones(m), (rows, c.t)), shape=(m, n))
    ybus = (cf.T @ yf + ct.T @ yt + sp.diags(c.y_bus_shunt)).tocsr()
    ybus.sum_duplicates()
    ybus.sort_indices()
    return ybus, yf, yt
