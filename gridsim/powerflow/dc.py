"""DC power flow: the linearised active-power model (pure numerics).

With ``b_k = 1 / (x_k |tau_k|)`` per branch (per unit) and phase shift ``phi_k``::

    P_f = b_k (theta_f - theta_t - phi_k)
    Bbus = A' diag(b) A,    P_bus = Bbus theta + A' (-b phi)

Shunt conductances are counted as demand at 1 pu, as MATPOWER and pandapower do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gridsim.powerflow.compile import CompiledNetwork
from gridsim.powerflow.linsolve import factorise


@dataclass
class DcModel:
    """Matrices of the DC model of one topology (per unit)."""

    bbus: sp.csr_matrix  # (n, n)
    bf: sp.csr_matrix  # (m, n), branch flow = bf @ theta + p_f_shift
    p_f_shift: np.ndarray  # (m,)
    p_bus_shift: np.ndarray  # (n,)
    b: np.ndarray  # (m,) branch susceptances
    incidence: sp.csr_matrix  # (m, n) +1 at from, -1 at to


def branch_matrices(
    n_bus: int, from_bus: np.ndarray, to_bus: np.ndarray, b_pu: np.ndarray
) -> tuple[sp.csr_matrix, sp.spmatrix, sp.csr_matrix]:
    """``(A, Bf, Bbus)`` of branches ``from_bus -> to_bus`` with susceptances ``b_pu``:
    the incidence ``A`` (m x n, +1 at from, -1 at to), ``Bf = diag(b) A`` and
    ``Bbus = A' Bf`` (per unit)."""
    m = len(from_bus)
    rows = np.concatenate([np.arange(m), np.arange(m)])
    a = sp.csr_matrix(
        (np.concatenate([np.ones(m), -np.ones(m)]), (rows, np.concatenate([from_bus, to_bus]))),
        shape=(m, n_bus),
    )
    bf = sp.diags(b_pu) @ a
    bbus = (a.T @ bf).tocsr()
    return a, bf, bbus


def dc_model(c: CompiledNetwork) -> DcModel:
    """Build the DC model of ``c``."""
    b = 1.0 / (c.x_dc * np.abs(c.tap))
    a, bf, bbus = branch_matrices(c.n_bus, c.f, c.t, b)
    p_f_shift = -b * c.shift_rad
    p_bus_shift = a.T @ p_f_shift
    return DcModel(
        bbus=bbus, bf=bf.tocsr(), p_f_shift=p_f_shift, p_bus_shift=p_bus_shift, b=b, incidence=a
    )


def dc_injection_pu(c: CompiledNetwork) -> np.ndarray:
    """Scheduled active injection per bus for the DC model (per unit)."""
    return c.s_bus_pu().real - c.y_bus_shunt.real


def non_ref_buses(c: CompiledNetwork) -> np.ndarray:
    """Internal indices of the buses whose angle the DC model solves for (not REF)."""
    return np.setdiff1d(np.arange(c.n_bus), c.ref)


def reduced_bbus(
    model: DcModel, ref: np.ndarray, non_ref: np.ndarray
) -> tuple[sp.csc_matrix, sp.csc_matrix]:
    """``(B_nr,nr, B_nr,ref)``: the blocks of ``Bbus`` (per unit) that give the injections
    at the non-reference buses, ``P_nr = B_nr,nr theta_nr + B_nr,ref theta_ref + shift``."""
    b_rows = model.bbus[non_ref]
    return b_rows[:, non_ref].tocsc(), b_rows[:, ref].tocsc()


def reduced_rhs_offset_pu(
    model: DcModel, b_nr_ref: sp.spmatrix, non_ref: np.ndarray, theta_ref_rad: np.ndarray
) -> np.ndarray:
    """Per non-reference bus, what to subtract from its active injection (pu) to get the
    right-hand side of the reduced system: ``P_shift,nr + B_nr,ref theta_ref``."""
    return model.p_bus_shift[non_ref] + b_nr_ref @ theta_ref_rad


class DcSolver:
    """Factorised DC power flow: solve many injection vectors with one LU.

    ``theta`` at the reference buses is fixed to their angle set-points; the
    reduced ``Bbus`` over the other buses is factorised once.
    """

    def __init__(
        self, c: CompiledNetwork, model: DcModel | None = None, linear_solver: str = "klu"
    ) -> None:
        self.c = c
        self.model = model or dc_model(c)
        self.ref = c.ref
        self.non_ref = non_ref_buses(c)
        self._b_nr, self._b_nr_ref = reduced_bbus(self.model, self.ref, self.non_ref)
        self._lu = factorise(self._b_nr, linear_solver)

    def solve(self, p_bus_pu: np.ndarray) -> np.ndarray:
        """Bus angles (rad) for injections ``p_bus_pu`` of shape (n,) or (n, T)."""
        c, mdl = self.c, self.model
        two_d = p_bus_pu.ndim == 2
        theta_ref = c.va_set_rad[self.ref]
        shift = mdl.p_bus_shift[:, None] if two_d else mdl.p_bus_shift
        rhs = (p_bus_pu - shift)[self.non_ref]
        ref_term = self._b_nr_ref @ theta_ref
        rhs = rhs - (ref_term[:, None] if two_d else ref_term)
        theta = np.empty_like(p_bus_pu, dtype=float)
        theta[self.non_ref] = self._lu.solve(rhs)
        theta[self.ref] = theta_ref[:, None] if two_d else theta_ref
        return theta

    def flows_pu(self, theta: np.ndarray) -> np.ndarray:
        """Branch active flows at the from end (per unit), shape like ``theta``."""
        shift = self.model.p_f_shift
        return self.model.bf @ theta + (shift[:, None] if theta.ndim == 2 else shift)

    def bus_power_pu(self, theta: np.ndarray) -> np.ndarray:
        """Active injection per bus implied by ``theta`` (per unit)."""
        shift = self.model.p_bus_shift
        return self.model.bbus @ theta + (shift[:, None] if theta.ndim == 2 else shift)
