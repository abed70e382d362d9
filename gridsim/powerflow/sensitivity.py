"""Linear sensitivities of the DC model: PTDF and LODF (pure numerics).

``PTDF[l, i]``: change of the flow on branch ``l`` (from end, per unit) for one per
unit injected at bus ``i`` and withdrawn at the reference bus(es)::

    PTDF = Bf[:, nr] Bbus[nr, nr]^-1,   PTDF[:, ref] = 0

``LODF[l, k]``: share of the pre-outage flow of branch ``k`` that moves onto branch
``l`` when ``k`` is taken out::

    LODF[:, k] = PTDF (e_f(k) - e_t(k)) / (1 - PTDF[k] (e_f(k) - e_t(k))),  LODF[k, k] = -1

A branch whose outage splits the network (a bridge) has a denominator of zero; its
column is NaN and it is listed by :func:`islanding_branches`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from gridsim.powerflow.compile import CompiledNetwork
from gridsim.powerflow.dc import DcModel, branch_matrices, dc_model
from gridsim.powerflow.linsolve import factorise

BRIDGE_TOL = 1e-9


def ptdf(
    n_bus: int, from_bus: np.ndarray, to_bus: np.ndarray, b_pu: np.ndarray, ref: np.ndarray
) -> np.ndarray:
    """The PTDF matrix (m branches x ``n_bus`` buses) of branches ``from_bus -> to_bus``
    with series susceptances ``b_pu`` (per unit), the angles of the ``ref`` buses fixed
    (their columns zero).

    Raises ``ArithmeticError`` when a bus is connected to no reference bus.
    """
    _, bf, bbus = branch_matrices(n_bus, from_bus, to_bus, np.asarray(b_pu, float))
    return _ptdf(bbus, bf, np.asarray(ref, dtype=np.int64))


def ptdf_matrix(c: CompiledNetwork, model: DcModel | None = None) -> np.ndarray:
    """The PTDF matrix (m branches x n buses) of ``c``'s DC model, reference bus columns
    zero (:func:`ptdf` with ``b = 1 / (x |tau|)`` and ``c.ref``)."""
    mdl = model or dc_model(c)
    return _ptdf(mdl.bbus, mdl.bf, c.ref)


def _ptdf(bbus: sp.csr_matrix, bf: sp.spmatrix, ref: np.ndarray) -> np.ndarray:
    """``Bf[:, nr] Bbus[nr, nr]^-1`` with zero ``ref`` columns (``nr``: the other buses)."""
    n = bbus.shape[0]
    graph = bbus.copy()
    graph.eliminate_zeros()
    _, island = connected_components(graph, directed=False)
    reached = np.isin(island, island[ref])
    if not reached.all():
        raise ArithmeticError(
            f"{int((~reached).sum())} buses are connected to no reference bus (islands)"
        )
    nr = np.setdiff1d(np.arange(n), ref)
    out = np.zeros((bf.shape[0], n))
    if not len(nr):
        return out
    b_nr = bbus[nr][:, nr].tocsc()
    lu = factorise(b_nr)
    bf_nr = bf[:, nr].toarray()
    # Bbus is symmetric: PTDF_nr = (B^-1 Bf^T)^T
    out[:, nr] = lu.solve(bf_nr.T).T
    return out


def branch_ptdf(ptdf: np.ndarray, c: CompiledNetwork) -> np.ndarray:
    """``PTDF @ (e_f - e_t)`` for every branch: an (m x m) matrix (column k = branch k)."""
    return ptdf[:, c.f] - ptdf[:, c.t]


def lodf_matrix(c: CompiledNetwork, ptdf: np.ndarray | None = None) -> np.ndarray:
    """The LODF matrix (m x m); columns of islanding outages are NaN."""
    p = ptdf if ptdf is not None else ptdf_matrix(c)
    h = branch_ptdf(p, c)
    denom = 1.0 - np.diag(h)
    bridge = np.abs(denom) < BRIDGE_TOL
    with np.errstate(divide="ignore", invalid="ignore"):
        out = h / np.where(bridge, np.nan, denom)[None, :]
    np.fill_diagonal(out, -1.0)
    out[:, bridge] = np.nan
    return out


def islanding_branches(c: CompiledNetwork, ptdf: np.ndarray | None = None) -> np.ndarray:
    """Indices of the branches whose single outage splits the network."""
    p = ptdf if ptdf is not None else ptdf_matrix(c)
    h = branch_ptdf(p, c)
    return np.flatnonzero(np.abs(1.0 - np.diag(h)) < BRIDGE_TOL)
