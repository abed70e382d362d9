"""Compiled kernels against their plain numpy/scipy specifications (gridsim.powerflow.reference).

- The Jacobian that ``fill_jacobian`` writes into its fixed CSC structure equals the one
  assembled from MATPOWER's ``dSbus_dV`` blocks for the pv/pq index sets, to 1e-12 of
  its largest entry (measured: below 4e-16 on every case here; entries reach 2.5e4 on
  the pegase cases, hence a relative bound).
- The triangular solves of ``LUFactors`` (one right-hand side and lanes) equal scipy's
  ``spsolve_triangular`` with the permutations written out, for SuperLU's factors and
  for the fixed-pattern refactorisation of the Jacobian.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import fresh_pandapower_case
from gridsim.network.io_pandapower import from_pandapower
from gridsim.powerflow import compile_network
from gridsim.powerflow.factors import LANES, LUFactors, lu_solve_lanes
from gridsim.powerflow.fdpf import b_matrices
from gridsim.powerflow.newton import JacobianPattern
from gridsim.powerflow.reference import dsbus_dv, jacobian_reference, lu_solve_reference
from gridsim.powerflow.ybus import make_ybus
from gridsim.studies.powerflow import initial_voltage

JAC_RTOL = 1e-12


def _case(name: str):
    c = compile_network(from_pandapower(fresh_pandapower_case(name)))
    return c, make_ybus(c)[0]


def _voltages(c, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    spread = (1.0 + 0.05 * rng.standard_normal(c.n_bus)) * np.exp(
        0.2j * rng.standard_normal(c.n_bus)
    )
    return {"initial": initial_voltage(c), "perturbed": spread}


@pytest.mark.parametrize("case", ["case9", "case57", "case118", "case1354pegase"])
def test_compiled_jacobian_equals_dsbus_dv_reference(case: str) -> None:
    c, ybus = _case(case)
    pat = JacobianPattern(ybus, c.pv, c.pq)
    for label, v in _voltages(c, 3).items():
        ours = pat.assemble(ybus, v)
        ref = jacobian_reference(ybus, v, c.pv, c.pq)
        scale = abs(ref).max()
        assert abs(ours - ref).max() <= JAC_RTOL * scale, label
        # the fixed structure holds every nonzero of the reference
        held = sp.csc_matrix((np.ones(ours.nnz), ours.indices, ours.indptr), shape=ours.shape)
        nonzero = abs(ref)
        nonzero.eliminate_zeros()
        assert nonzero.multiply(held).nnz == nonzero.nnz, label


def test_dsbus_dv_matches_finite_differences() -> None:
    c, ybus = _case("case14")
    v = _voltages(c, 5)["perturbed"]
    ds_dva, ds_dvm = dsbus_dv(ybus, v)
    h = 1e-7
    va, vm = np.angle(v), np.abs(v)

    def s_of(va_: np.ndarray, vm_: np.ndarray) -> np.ndarray:
        u = vm_ * np.exp(1j * va_)
        return u * np.conj(ybus @ u)

    for k in (0, 4, 9):
        e = np.zeros(c.n_bus)
        e[k] = h
        fd_a = (s_of(va + e, vm) - s_of(va - e, vm)) / (2 * h)
        fd_m = (s_of(va, vm + e) - s_of(va, vm - e)) / (2 * h)
        np.testing.assert_allclose(ds_dva[:, k].toarray().ravel(), fd_a, atol=1e-6)
        np.testing.assert_allclose(ds_dvm[:, k].toarray().ravel(), fd_m, atol=1e-6)


def _lanes_solve(lu: LUFactors, rhs: np.ndarray) -> np.ndarray:
    """``lu_solve_lanes`` with the permutations done outside, as the DC kernel does."""
    w = np.empty((len(lu.perm_r), LANES))
    w[lu.perm_r] = rhs
    lu_solve_lanes(lu, w)
    return w[lu.perm_c]


@pytest.mark.parametrize("case", ["case118", "case1354pegase"])
def test_triangular_solves_match_the_reference(case: str) -> None:
    c, ybus = _case(case)
    rng = np.random.default_rng(7)
    # SuperLU's factors of a constant matrix (B' of the fast-decoupled method)
    bp = b_matrices(c, "xb")[0]
    keep = np.concatenate([c.pv, c.pq])
    mats = {"superlu B'": (LUFactors.factorise(bp[keep][:, keep]), bp[keep][:, keep])}
    # the fixed-pattern refactorisation of the Jacobian
    pat = JacobianPattern(ybus, c.pv, c.pq)
    jac = pat.assemble(ybus, _voltages(c, 1)["perturbed"])
    lu = pat.lu()
    assert lu.refactor(jac) == -1
    mats["refactorised Jacobian"] = (lu, jac)
    for label, (factors, mat) in mats.items():
        n = mat.shape[0]
        b = rng.standard_normal((n, LANES))
        ref = lu_solve_reference(factors, b)
        scale = np.abs(ref).max()
        assert np.abs(mat @ ref - b).max() < 1e-9 * max(1.0, scale), label
        single = np.column_stack([factors.solve(b[:, q]) for q in range(LANES)])
        assert np.abs(single - ref).max() <= 1e-12 * scale, label
        assert np.abs(_lanes_solve(factors, b) - ref).max() <= 1e-12 * scale, label


def test_factorise_refuses_a_singular_matrix() -> None:
    with pytest.raises(ArithmeticError):
        LUFactors.factorise(sp.csc_matrix(np.array([[1.0, 2.0], [2.0, 4.0]])))
