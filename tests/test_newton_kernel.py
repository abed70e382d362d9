"""Compiled Newton-Raphson: fixed-pivot LU, Jacobian, single and batched solves."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.sparse as sp

from conftest import fresh_pandapower_case
from gridsim.network.io_pandapower import from_pandapower
from gridsim.powerflow import compile_network
from gridsim.powerflow.batch import solve_nr_compiled
from gridsim.powerflow.factors import LUFactors, symbolic_lu
from gridsim.powerflow.newton import JacobianPattern, mismatch, newton_pf
from gridsim.powerflow.ordering import jacobian_lu_patterns, minimum_degree
from gridsim.powerflow.ybus import make_ybus
from gridsim.studies.powerflow import initial_voltage


def _case(name: str):
    c = compile_network(from_pandapower(fresh_pandapower_case(name)))
    ybus = make_ybus(c)[0]
    return c, ybus, c.s_bus_pu(), initial_voltage(c)


def _random_sparse(n: int, seed: int) -> sp.csc_matrix:
    rng = np.random.default_rng(seed)
    a = sp.random(n, n, density=0.05, random_state=seed, data_rvs=rng.standard_normal)
    return sp.csc_matrix(a + sp.diags(rng.uniform(1.0, 2.0, n)))


def test_static_lu_solves_like_dense_and_refactorises_new_values() -> None:
    a = _random_sparse(120, 1)
    lu = LUFactors.analyse(a)
    assert lu.refactor(a) == -1
    b = np.random.default_rng(2).standard_normal(120)
    np.testing.assert_allclose(lu.solve(b), np.linalg.solve(a.toarray(), b), rtol=0, atol=1e-10)
    # same pattern, new values: the analysis is reused
    a2 = a.copy()
    a2.data = a2.data * (1.0 + 0.1 * np.random.default_rng(3).standard_normal(a2.nnz))
    assert lu.refactor(a2) == -1
    np.testing.assert_allclose(lu.solve(b), np.linalg.solve(a2.toarray(), b), rtol=0, atol=1e-10)


def test_refactor_reports_the_column_whose_pivot_fails() -> None:
    a = sp.csc_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    fixed = LUFactors.from_order(a.indptr, a.indices, np.arange(2), np.arange(2))
    assert fixed.refactor(a) == 0
    pivoted = LUFactors.analyse(a)  # partial pivoting swaps the rows
    assert pivoted.refactor(a) == -1
    np.testing.assert_allclose(pivoted.solve(np.array([1.0, 2.0])), [2.0, 1.0])


def test_singular_matrix_raises_arithmetic_error() -> None:
    with pytest.raises(ArithmeticError):
        LUFactors.analyse(sp.csc_matrix(np.array([[1.0, 2.0], [2.0, 4.0]])))


def test_jacobian_matches_finite_differences() -> None:
    c, ybus, s_bus, _ = _case("case30")
    rng = np.random.default_rng(5)
    v = (1.0 + 0.03 * rng.standard_normal(c.n_bus)) * np.exp(0.1j * rng.standard_normal(c.n_bus))
    pat = JacobianPattern(ybus, c.pv, c.pq)
    jac = pat.assemble(ybus, v).toarray()
    pvpq = np.concatenate([c.pv, c.pq])

    def f(x: np.ndarray) -> np.ndarray:
        va, vm = np.angle(v).copy(), np.abs(v).copy()
        va[pvpq] = x[: len(pvpq)]
        vm[c.pq] = x[len(pvpq) :]
        mis = mismatch(ybus, vm * np.exp(1j * va), s_bus)
        return np.concatenate([mis.real[pvpq], mis.imag[c.pq]])

    x0 = np.concatenate([np.angle(v)[pvpq], np.abs(v)[c.pq]])
    h = 1e-6
    fd = np.empty_like(jac)
    for k in range(len(x0)):
        e = np.zeros_like(x0)
        e[k] = h
        fd[:, k] = (f(x0 + e) - f(x0 - e)) / (2 * h)
    assert np.max(np.abs(jac - fd)) < 1e-6 * np.max(np.abs(jac))


@pytest.mark.parametrize("case", ["case14", "case118", "case300", "case1354pegase"])
def test_compiled_newton_takes_the_same_steps_as_klu_and_superlu(case: str) -> None:
    c, ybus, s_bus, v0 = _case(case)
    runs = {
        solver: newton_pf(ybus, s_bus, v0, c.pv, c.pq, tol=1e-10, linear_solver=solver)
        for solver in ("numba", "klu", "superlu")
    }
    assert all(r.converged for r in runs.values())
    assert len({r.iterations for r in runs.values()}) == 1
    for other in ("klu", "superlu"):
        assert np.max(np.abs(runs["numba"].v - runs[other].v)) < 1e-12


def test_failed_fixed_pivot_orders_again_with_partial_pivoting() -> None:
    c, ybus, s_bus, v0 = _case("case118")
    ref = newton_pf(ybus, s_bus, v0, c.pv, c.pq, tol=1e-10, linear_solver="klu")
    pat = JacobianPattern(ybus, c.pv, c.pq)
    # a column order that puts structural zeros on the diagonal: its first refactorisation
    # must fail, and the solve must order again (partial pivoting) and converge
    shifted = np.roll(np.arange(pat.size), 1)
    bad = LUFactors.from_order(pat.indptr, pat.indices, np.arange(pat.size), shifted)
    assert bad.refactor(pat.assemble(ybus, v0)) >= 0
    pat._lu = bad
    st = newton_pf(ybus, s_bus, v0, c.pv, c.pq, tol=1e-10, pattern=pat)
    assert st.converged and st.iterations == ref.iterations
    assert pat.lu() is not bad
    assert np.max(np.abs(st.v - ref.v)) < 1e-12


def _load_snapshots(c, s_bus: np.ndarray, n_t: int) -> np.ndarray:
    hours = np.arange(n_t)
    scale = 0.85 + 0.15 * np.sin(2 * np.pi * hours / 24)
    load = c.s_load_pu[:, None] * scale[None, :]
    return (s_bus + c.s_load_pu)[:, None] - load


def test_batch_reusing_factors_equals_single_solves_and_thread_count() -> None:
    c, ybus, s_bus, v0 = _case("case118")
    s = _load_snapshots(c, s_bus, 150)
    v_start = np.broadcast_to(v0[:, None], s.shape)
    pat = JacobianPattern(ybus, c.pv, c.pq)
    chord = solve_nr_compiled(ybus, s, v_start, pat, tol=1e-10, kernel="chord")
    full = solve_nr_compiled(ybus, s, v_start, pat, tol=1e-10, chord_rate=0.0, kernel="chord")
    assert chord.converged.all() and full.converged.all()
    for k in (0, 1, 63, 64, 149):
        single = newton_pf(ybus, s[:, k], v0, c.pv, c.pq, tol=1e-10, linear_solver="klu")
        assert np.max(np.abs(chord.v[:, k] - single.v)) < 1e-9
        assert np.max(np.abs(full.v[:, k] - single.v)) < 1e-9
    # reused factors: more (cheap) iterations than factorisations
    assert chord.iterations.mean() >= full.iterations.mean()
    # blocks of snapshots are fixed, so the thread count does not change a single bit
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = solve_nr_compiled(ybus, s, v_start, pat, tol=1e-10, kernel="chord")
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.v, chord.v)


def _graph(n: int, edges: list[tuple[int, int]]):
    rows = [a for a, b in edges] + [b for a, b in edges]
    cols = [b for a, b in edges] + [a for a, b in edges]
    g = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return g.indptr.astype(np.int64), g.indices.astype(np.int64)


def test_minimum_degree_eliminates_leaves_first_and_keeps_trees_free_of_fill() -> None:
    # a star: the centre (0) waits until its degree ties with the last leaf's; a tree
    # never fills in
    ptr, idx = _graph(6, [(0, k) for k in range(1, 6)])
    order, col_ptr, col_idx = minimum_degree(ptr, idx, np.ones(6, bool))
    assert sorted(order) == list(range(6)) and list(order).index(0) >= 4
    assert col_ptr[-1] == 5  # one entry per leaf (its edge to the centre), no fill
    # a 4-cycle: the first elimination joins its two neighbours (one fill edge)
    ptr, idx = _graph(4, [(0, 1), (1, 2), (2, 3), (3, 0)])
    order, col_ptr, _ = minimum_degree(ptr, idx, np.ones(4, bool))
    assert sorted(order) == [0, 1, 2, 3] and col_ptr[-1] == 2 + 2 + 1


@pytest.mark.parametrize("case", ["case30", "case300", "case2869pegase"])
def test_bus_level_patterns_contain_the_exact_lu_pattern(case: str) -> None:
    c, ybus, _, v0 = _case(case)
    pat = JacobianPattern(ybus, c.pv, c.pq)
    perm, lp, li, up, ui = jacobian_lu_patterns(
        pat.y_indptr, pat.y_indices, pat.ang, pat.mag, pat.size
    )
    assert sorted(perm) == list(range(pat.size))
    exact = symbolic_lu(pat.indptr, pat.indices, perm, perm)
    for ours, theirs in (((lp, li), exact[:2]), ((up, ui), exact[2:])):
        for j in range(pat.size):
            assert set(theirs[1][theirs[0][j] : theirs[0][j + 1]]) <= set(
                ours[1][ours[0][j] : ours[0][j + 1]]
            )
    # the same network gives the same order, bit for bit
    again = jacobian_lu_patterns(pat.y_indptr, pat.y_indices, pat.ang, pat.mag, pat.size)
    assert all(np.array_equal(a, b) for a, b in zip(again, (perm, lp, li, up, ui), strict=True))
    # and the factors solve the Jacobian
    jac = pat.assemble(ybus, v0 * np.exp(0.02j))
    lu = pat.lu()
    assert lu.refactor(jac) == -1
    b = np.linspace(-1.0, 1.0, pat.size)
    assert np.max(np.abs(jac @ lu.solve(b) - b)) < 1e-9
