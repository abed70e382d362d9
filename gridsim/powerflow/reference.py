"""Plain numpy/scipy references: the specifications of the compiled kernels.

Short and vectorised, written for reading, not speed; the tests check the compiled
kernels against them:

- :func:`dsbus_dv` (MATPOWER's ``dSbus_dV.m``) and :func:`jacobian_reference`: the
  Newton Jacobian that :func:`gridsim.powerflow.jacobian.fill_jacobian` writes;
- :func:`lu_solve_reference`: what :func:`gridsim.powerflow.factors.lu_solve` and
  :func:`gridsim.powerflow.factors.lu_solve_lanes` compute with
  :class:`gridsim.powerflow.factors.LUFactors`.

The fast-decoupled and DC batch kernels have theirs in numpy next to them:
:meth:`gridsim.powerflow.fdpf.FastDecoupled.solve` and
:class:`gridsim.powerflow.dc.DcSolver`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from gridsim.powerflow.factors import LUFactors


def dsbus_dv(ybus: sp.spmatrix, v: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """``(dS/dVa, dS/dVm)``: derivatives of the bus injections ``S = V conj(Ybus V)``
    with respect to the voltage angles and magnitudes (per unit, n x n)::

        dS/dVa = j diag(V) conj(diag(I) - Ybus diag(V))
        dS/dVm = diag(V) conj(Ybus diag(V/|V|)) + conj(diag(I)) diag(V/|V|)
    """
    i_bus = ybus @ v
    diag_v = sp.diags(v)
    diag_i = sp.diags(i_bus)
    diag_v_norm = sp.diags(v / np.abs(v))
    ds_dva = 1j * diag_v @ np.conj(diag_i - ybus @ diag_v)
    ds_dvm = diag_v @ np.conj(ybus @ diag_v_norm) + np.conj(diag_i) @ diag_v_norm
    return sp.csr_matrix(ds_dva), sp.csr_matrix(ds_dvm)


def jacobian_reference(
    ybus: sp.spmatrix, v: np.ndarray, pv: np.ndarray, pq: np.ndarray
) -> sp.csc_matrix:
    """The polar Newton Jacobian at ``v``: unknowns ``[Va(pv, pq), Vm(pq)]``, equations
    ``[P(pv, pq), Q(pq)]`` (the order of :class:`gridsim.powerflow.newton.JacobianPattern`)::

        J = | Re dS/dVa[pvpq, pvpq]   Re dS/dVm[pvpq, pq] |
            | Im dS/dVa[pq, pvpq]     Im dS/dVm[pq, pq]   |
    """
    ds_dva, ds_dvm = dsbus_dv(ybus, v)
    pvpq = np.concatenate([pv, pq])
    return sp.csc_matrix(
        sp.bmat(
            [
                [ds_dva[pvpq][:, pvpq].real, ds_dvm[pvpq][:, pq].real],
                [ds_dva[pq][:, pvpq].imag, ds_dvm[pq][:, pq].imag],
            ]
        )
    )


def lu_solve_reference(lu: LUFactors, b: np.ndarray) -> np.ndarray:
    """``x`` with ``A x = b`` from ``Pr A Pc = L U``: ``w[perm_r] = b``, ``L U w' = w``,
    ``x = w'[perm_c]`` (``b``: a vector or an (n, k) matrix)."""
    n = len(lu.perm_r)
    low = sp.csc_matrix((lu.l_data, lu.l_indices, lu.l_indptr), shape=(n, n))
    up = sp.csc_matrix((lu.u_data, lu.u_indices, lu.u_indptr), shape=(n, n))
    w = np.empty_like(b, dtype=float)
    w[lu.perm_r] = b
    y = spla.spsolve_triangular(low.tocsr(), w, lower=True, unit_diagonal=True)
    return spla.spsolve_triangular(up.tocsr(), y, lower=False)[lu.perm_c]
