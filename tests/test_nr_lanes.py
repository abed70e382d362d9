"""Compiled Newton-Raphson, several snapshots at a time (one SIMD lane each)."""

from __future__ import annotations

import numba
import numpy as np
import pandapower as pp

from conftest import fresh_pandapower_case
from gridsim.network.io_pandapower import from_pandapower
from gridsim.powerflow import compile_network
from gridsim.powerflow.batch import lanes_fit, solve_ac_batch, solve_nr_compiled
from gridsim.powerflow.newton import JacobianPattern, newton_pf
from gridsim.powerflow.nr_lanes import LANE_RUN, LANES
from gridsim.powerflow.ybus import make_ybus
from gridsim.studies.powerflow import initial_voltage

N_T = 2 * LANES * LANE_RUN + 37  # two full blocks and a ragged one (padded lanes)


def _scales(n_t: int) -> np.ndarray:
    hours = np.arange(n_t)
    return 0.8 + 0.25 * np.sin(2 * np.pi * hours / 24) + 0.05 * np.cos(2 * np.pi * hours / 168)


def _series(name: str, n_t: int):
    c = compile_network(from_pandapower(fresh_pandapower_case(name)))
    ybus = make_ybus(c)[0]
    scale = _scales(n_t)
    s = (c.s_bus_pu() + c.s_load_pu)[:, None] - c.s_load_pu[:, None] * scale[None, :]
    return c, ybus, s, initial_voltage(c), scale


def _lane_start(k: int, n_t: int) -> bool:
    """Whether snapshot ``k`` is the first of its lane (blocks of LANES x LANE_RUN
    snapshots, each lane a run of consecutive ones)."""
    span = LANES * LANE_RUN
    first = k // span * span
    per = -(-(min(n_t, first + span) - first) // LANES)
    return (k - first) % per == 0


def test_lanes_take_the_iterates_of_single_solves_and_match_pandapower() -> None:
    c, ybus, s, v0, scale = _series("case118", N_T)
    pat = JacobianPattern(ybus, c.pv, c.pq)
    assert lanes_fit(pat, N_T) and not lanes_fit(pat, LANES - 1)  # what the default picks
    v_start = np.broadcast_to(v0[:, None], s.shape)
    # refactorising at every step: each snapshot takes plain Newton's iterates
    st = solve_nr_compiled(ybus, s, v_start, pat, tol=1e-10, chord_rate=0.0, kernel="lanes")
    assert st.converged.all()
    # snapshot k's lane started from snapshot k - 1's solution (except at a lane's start)
    for k in (0, 1, LANE_RUN - 1, LANE_RUN, 3 * LANE_RUN + 5, LANES * LANE_RUN, N_T - 6, N_T - 1):  # fmt: skip
        start = v0 if _lane_start(k, N_T) else st.v[:, k - 1]
        single = newton_pf(ybus, s[:, k], start, c.pv, c.pq, tol=1e-10, linear_solver="klu")
        assert single.converged
        assert st.iterations[k] == single.iterations, k
        assert np.max(np.abs(st.v[:, k] - single.v)) < 1e-12, k
    # reusing factors (the default): the same solutions, more but cheaper iterations
    reuse = solve_nr_compiled(ybus, s, v_start, pat, tol=1e-10, kernel="lanes")
    assert reuse.converged.all()
    assert np.max(np.abs(reuse.v - st.v)) < 1e-9
    assert reuse.iterations.mean() > st.iterations.mean()
    # pandapower's own Newton-Raphson on two of the hours (loads scaled like the series)
    for k in (7, N_T - 2):
        net = fresh_pandapower_case("case118")
        net.load["p_mw"] *= scale[k]
        net.load["q_mvar"] *= scale[k]
        pp.runpp(net, tolerance_mva=1e-10, init="flat", numba=False)
        vm = net.res_bus.vm_pu.to_numpy()
        va = net.res_bus.va_degree.to_numpy()
        ours = reuse.v[:, k]  # the compiled buses keep pandapower's order
        np.testing.assert_allclose(np.abs(ours), vm, rtol=0, atol=1e-8)
        np.testing.assert_allclose(np.degrees(np.angle(ours)), va, rtol=0, atol=1e-6)


def test_a_failing_snapshot_stops_its_lane_only_and_threads_change_no_bit() -> None:
    n_t = LANES * LANE_RUN + 3 * LANES  # a full block and a short one
    c, ybus, s, v0, _ = _series("case30", n_t)
    s = s.copy()
    bad = 2 * LANE_RUN + 3  # lane 2 of the first block, not its last snapshot
    assert not _lane_start(bad + 1, n_t)
    s[:, bad] *= 40.0  # no power-flow solution
    pat = JacobianPattern(ybus, c.pv, c.pq)
    v_start = np.broadcast_to(v0[:, None], s.shape)
    st = solve_nr_compiled(ybus, s, v_start, pat, tol=1e-10, kernel="lanes")
    assert not st.converged[bad]
    ok = np.flatnonzero(np.arange(s.shape[1]) != bad)
    assert st.converged[ok].all()
    # the snapshot after the failed one (in the same lane) starts cold with fresh factors
    # and converges to a single solve's answer; so does every other snapshot
    for k in (bad - 1, bad + 1, bad + 8, 0, s.shape[1] - 1):
        single = newton_pf(ybus, s[:, k], v0, c.pv, c.pq, tol=1e-10, linear_solver="klu")
        assert np.max(np.abs(st.v[:, k] - single.v)) < 1e-9, k
    plain = solve_nr_compiled(ybus, s, v_start, pat, tol=1e-10, chord_rate=0.0, kernel="lanes")
    after = newton_pf(ybus, s[:, bad + 1], v0, c.pv, c.pq, tol=1e-10, linear_solver="klu")
    assert plain.iterations[bad + 1] == after.iterations  # cold start: plain Newton's steps
    assert np.max(np.abs(plain.v[:, bad + 1] - after.v)) < 1e-12
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = solve_nr_compiled(ybus, s, v_start, pat, tol=1e-10, kernel="lanes")
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.v[:, ok], st.v[:, ok])
    assert np.array_equal(one.iterations, st.iterations)
    # the batch driver retries the failure one by one and reports it, the rest untouched
    # (last: its retry may order the pattern's LU again, at the failed point)
    full = solve_ac_batch(c, ybus, s, v0, tol=1e-10, pattern=pat)
    assert not full.converged[bad] and full.converged[ok].all()
    np.testing.assert_array_equal(full.v[:, ok], st.v[:, ok])


def test_reused_factors_that_make_a_step_worse_are_refactorised() -> None:
    """Hours alternating between light and heavy load: the factors a lane carries from
    a light hour make the heavy hour's first steps worse; the kernel must undo such a
    step and refactorise there (as the one-snapshot kernel does), so every hour
    converges in the kernel itself, each to its single solve's answer."""
    c, ybus, s, v0, _ = _series("case118", LANES * LANE_RUN)
    gen_only = s + c.s_load_pu[:, None]
    share = np.where(np.arange(s.shape[1]) % 2 == 0, 0.3, 1.3)
    s = gen_only - c.s_load_pu[:, None] * share[None, :]
    pat = JacobianPattern(ybus, c.pv, c.pq)
    st = solve_nr_compiled(ybus, s, np.broadcast_to(v0[:, None], s.shape), pat, tol=1e-10, kernel="lanes")  # fmt: skip
    assert st.converged.all()
    assert st.iterations.max() < 20
    for k in (0, 1, 2, 3, s.shape[1] - 1):
        single = newton_pf(ybus, s[:, k], v0, c.pv, c.pq, tol=1e-10, linear_solver="klu")
        assert np.max(np.abs(st.v[:, k] - single.v)) < 1e-9, k
