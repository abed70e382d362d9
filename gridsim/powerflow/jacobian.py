"""The polar Newton-Raphson Jacobian in a fixed CSC structure (numba).

With ``I = Ybus V`` (MATPOWER's ``dSbus_dV``; plain numpy in
:func:`gridsim.powerflow.reference.dsbus_dv`)::

    dS/dVa = j diag(V) conj(diag(I) - Ybus diag(V))
    dS/dVm = diag(V) conj(Ybus diag(V/|V|)) + conj(diag(I)) diag(V/|V|)

    J = | Re dS/dVa[pvpq, pvpq]   Re dS/dVm[pvpq, pq] |  =  | dP/dVa  dP/dVm |
        | Im dS/dVa[pq, pvpq]     Im dS/dVm[pq, pq]   |     | dQ/dVa  dQ/dVm |

The unknowns are the angles of the pv and pq buses and the magnitudes of the pq buses
(:class:`UnknownIndex`). Every nonzero ``e`` of ``Ybus`` (CSR order, row r, column c)
contributes to at most four Jacobian entries, whose positions in the CSC data are
precomputed once per pattern (:class:`JacobianMap`, ``-1``: no entry); the ``diag(I)``
terms add to four diagonal positions per bus.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class YbusArrays(NamedTuple):
    """``Ybus`` as canonical CSR arrays (sorted, summed indices; per unit)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray  # complex


class UnknownIndex(NamedTuple):
    """Position of each bus's unknowns in the Newton state vector (-1: not unknown)."""

    angle: np.ndarray  # (n_bus,) pv and pq buses: 0 .. n_pvpq - 1
    magnitude: np.ndarray  # (n_bus,) pq buses: n_pvpq .. n_pvpq + n_pq - 1


class JacobianMap(NamedTuple):
    """CSC structure of the Jacobian and where each ``Ybus`` entry's terms go.

    For CSR entry ``e`` of ``Ybus`` (row bus r, column bus c): ``pos_dp_dva[e]`` is the
    position in the CSC data of (P of r, angle of c), ``pos_dp_dvm[e]`` of (P of r,
    magnitude of c), ``pos_dq_dva[e]`` of (Q of r, angle of c), ``pos_dq_dvm[e]`` of
    (Q of r, magnitude of c); -1 where that entry does not exist. ``pos_diag[i]``: the
    same four positions, in that order, for bus ``i``'s own ``diag(I)`` terms.
    """

    indptr: np.ndarray
    indices: np.ndarray  # row indices, ascending in each column
    pos_dp_dva: np.ndarray
    pos_dp_dvm: np.ndarray
    pos_dq_dva: np.ndarray
    pos_dq_dvm: np.ndarray
    pos_diag: np.ndarray  # (n_bus, 4)


@njit(cache=True, nogil=True)
def jacobian_structure(y_indptr, y_indices, unknowns, n_unknown):
    """The :class:`JacobianMap` of the ``Ybus`` pattern ``(y_indptr, y_indices)`` (CSR)
    for the unknowns ``unknowns`` (:class:`UnknownIndex`, ``n_unknown`` in all)."""
    ang, mag = unknowns.angle, unknowns.magnitude
    n = y_indptr.shape[0] - 1
    nnz = y_indices.shape[0]
    # Ybus entry lists per column (its transpose), with the diagonal added if missing
    count = np.zeros(n + 1, dtype=np.int64)
    has_diag = np.zeros(n, dtype=np.bool_)
    for r in range(n):
        for e in range(y_indptr[r], y_indptr[r + 1]):
            c = y_indices[e]
            count[c + 1] += 1
            if c == r:
                has_diag[r] = True
    for i in range(n):
        if not has_diag[i]:
            count[i + 1] += 1
    col_ptr = np.cumsum(count)
    col_row = np.empty(col_ptr[n], dtype=np.int64)
    col_ent = np.empty(col_ptr[n], dtype=np.int64)  # CSR entry, or -1 - bus for a diagonal
    fill = col_ptr[:n].copy()
    for r in range(n):
        for e in range(y_indptr[r], y_indptr[r + 1]):
            c = y_indices[e]
            col_row[fill[c]] = r
            col_ent[fill[c]] = e
            fill[c] += 1
        if not has_diag[r]:
            col_row[fill[r]] = r
            col_ent[fill[r]] = -1 - r
            fill[r] += 1
    # unknown -> bus
    bus_of = np.empty(n_unknown, dtype=np.int64)
    for i in range(n):
        if ang[i] >= 0:
            bus_of[ang[i]] = i
        if mag[i] >= 0:
            bus_of[mag[i]] = i
    j_indptr = np.zeros(n_unknown + 1, dtype=np.int64)
    for u in range(n_unknown):
        c = bus_of[u]
        k = 0
        for p in range(col_ptr[c], col_ptr[c + 1]):
            r = col_row[p]
            k += (ang[r] >= 0) + (mag[r] >= 0)
        j_indptr[u + 1] = j_indptr[u] + k
    j_indices = np.empty(j_indptr[n_unknown], dtype=np.int64)
    pos_dp_dva = np.full(nnz, -1, dtype=np.int64)
    pos_dp_dvm = np.full(nnz, -1, dtype=np.int64)
    pos_dq_dva = np.full(nnz, -1, dtype=np.int64)
    pos_dq_dvm = np.full(nnz, -1, dtype=np.int64)
    pos_diag = np.full((n, 4), -1, dtype=np.int64)
    rows = np.empty(2 * n + 2, dtype=np.int64)
    is_q_row = np.empty(2 * n + 2, dtype=np.int64)  # 0: a P row (angle), 1: a Q row
    ents = np.empty(2 * n + 2, dtype=np.int64)
    for u in range(n_unknown):
        c = bus_of[u]
        is_ang = ang[c] == u
        k = 0
        for p in range(col_ptr[c], col_ptr[c + 1]):
            r = col_row[p]
            if ang[r] >= 0:
                rows[k] = ang[r]
                is_q_row[k] = 0
                ents[k] = col_ent[p]
                k += 1
            if mag[r] >= 0:
                rows[k] = mag[r]
                is_q_row[k] = 1
                ents[k] = col_ent[p]
                k += 1
        # ascending rows (insertion sort; columns are short)
        for a in range(1, k):
            kr, kk, ke = rows[a], is_q_row[a], ents[a]
            b = a - 1
            while b >= 0 and rows[b] > kr:
                rows[b + 1] = rows[b]
                is_q_row[b + 1] = is_q_row[b]
                ents[b + 1] = ents[b]
                b -= 1
            rows[b + 1] = kr
            is_q_row[b + 1] = kk
            ents[b + 1] = ke
        base = j_indptr[u]
        for a in range(k):
            pos = base + a
            j_indices[pos] = rows[a]
            e = ents[a]
            if e >= 0:
                if is_q_row[a] == 0:
                    if is_ang:
                        pos_dp_dva[e] = pos
                    else:
                        pos_dp_dvm[e] = pos
                elif is_ang:
                    pos_dq_dva[e] = pos
                else:
                    pos_dq_dvm[e] = pos
            # the diagonal of bus c (row bus == column bus) also takes the diag(I) terms
            if bus_of[rows[a]] == c:
                pos_diag[c, 2 * is_q_row[a] + (0 if is_ang else 1)] = pos
    return JacobianMap(
        j_indptr, j_indices, pos_dp_dva, pos_dp_dvm, pos_dq_dva, pos_dq_dvm, pos_diag
    )


@njit(cache=True, nogil=True)
def fill_jacobian(ybus, v, vm, jmap, i_bus, jac):
    """Write the Jacobian at voltages ``v`` (``vm = |v|``) into ``jac`` (the CSC data of
    ``jmap``'s structure, zeroed here). ``i_bus`` must hold ``Ybus v`` (per unit)."""
    y_indptr, y_indices, y_data = ybus.indptr, ybus.indices, ybus.data
    pos_dp_dva, pos_dp_dvm = jmap.pos_dp_dva, jmap.pos_dp_dvm
    pos_dq_dva, pos_dq_dvm = jmap.pos_dq_dva, jmap.pos_dq_dvm
    pos_diag = jmap.pos_diag
    jac[:] = 0.0
    n = y_indptr.shape[0] - 1
    for r in range(n):
        vr = v[r]
        for e in range(y_indptr[r], y_indptr[r + 1]):
            c = y_indices[e]
            # -j V_r conj(Y_rc V_c) and V_r conj(Y_rc V_c) / |V_c|
            cyv = np.conj(y_data[e] * v[c])
            d_va = -1j * vr * cyv
            d_vm = vr * cyv / vm[c]
            if pos_dp_dva[e] >= 0:
                jac[pos_dp_dva[e]] += d_va.real
            if pos_dp_dvm[e] >= 0:
                jac[pos_dp_dvm[e]] += d_vm.real
            if pos_dq_dva[e] >= 0:
                jac[pos_dq_dva[e]] += d_va.imag
            if pos_dq_dvm[e] >= 0:
                jac[pos_dq_dvm[e]] += d_vm.imag
        # j V_r conj(I_r) and conj(I_r) V_r / |V_r|
        ci = np.conj(i_bus[r])
        d_va = 1j * vr * ci
        d_vm = ci * vr / vm[r]
        if pos_diag[r, 0] >= 0:
            jac[pos_diag[r, 0]] += d_va.real
        if pos_diag[r, 1] >= 0:
            jac[pos_diag[r, 1]] += d_vm.real
        if pos_diag[r, 2] >= 0:
            jac[pos_diag[r, 2]] += d_va.imag
        if pos_diag[r, 3] >= 0:
            jac[pos_diag[r, 3]] += d_vm.imag


@njit(cache=True, nogil=True)
def fill_jacobian_entry(ybus, v, vm, jmap, i_bus, jac):
    """:func:`fill_jacobian` called from Python, ``ybus`` and ``jmap`` as plain tuples
    (see :mod:`gridsim.powerflow.factors` on why)."""
    fill_jacobian(YbusArrays(*ybus), v, vm, JacobianMap(*jmap), i_bus, jac)
