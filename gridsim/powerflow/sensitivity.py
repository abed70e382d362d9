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

from gridsim.powerflow.compile import CompiledNetwork
from gridsim.powerflow.dc import DcModel, dc_model
from gridsim.powerflow.linsolve import factorise

BRIDGE_TOL = 1e-9


def ptdf_matrix(c: CompiledNetwork, model: DcModel | None = None) -> np.ndarray:
    """The PTDF matrix (m branches x n buses), reference bus columns zero."""
    mdl = model or dc_model(c)
    ref = c.ref
    nr = np.setdiff1d(np.arange(c.n_bus), ref)
    b_nr = mdl.bbus[nr][:, nr].tocsc()
    lu = factorise(b_nr)
    bf_nr = mdl.bf[:, nr].toarray()
    # Bbus is symmetric: PTDF_nr = (B^-1 Bf^T)^T
    out = np.zeros((c.n_branch, c.n_bus))
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
