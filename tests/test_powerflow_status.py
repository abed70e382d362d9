"""Status, not exceptions: divergence, Q limits on a hand-built network, PTDF/LODF identities."""

from __future__ import annotations

import numpy as np

from conftest import three_bus
from gridsim.powerflow import compile_network
from gridsim.powerflow.dc import DcSolver, dc_injection_pu
from gridsim.powerflow.sensitivity import islanding_branches, lodf_matrix, ptdf_matrix
from gridsim.studies import run_pf


def test_overloaded_network_reports_non_convergence() -> None:
    net = three_bus()
    net.load.loc["load_c", "p_mw"] = 60_000.0  # far beyond the transfer limit of 330 kV lines
    for alg in ("nr", "fdxb", "fdbx"):
        res = run_pf(net, alg, max_iter=15)
        assert not res.converged
        assert res.max_mismatch_mva > 1.0
        assert res.worst_bus in {"a", "b", "c"}
        assert res.iterations <= 15


def test_power_balance_and_losses_are_consistent(net3) -> None:
    res = run_pf(net3, "nr", tol_mva=1e-9)
    assert res.converged
    gen = res.gen["p_mw"].sum()
    # generation = load + losses (no shunts)
    assert abs(gen - 450.0 - res.losses_mw) < 1e-6
    assert 0 < res.losses_mw < 20


def test_ptdf_reproduces_dc_flows_and_lodf_outages(net3) -> None:
    c = compile_network(net3)
    solver = DcSolver(c)
    p = dc_injection_pu(c)
    flows = solver.flows_pu(solver.solve(p))
    ptdf = ptdf_matrix(c)
    np.testing.assert_allclose(ptdf @ p, flows, atol=1e-12)
    lodf = lodf_matrix(c, ptdf)
    assert np.allclose(np.diag(lodf), -1.0)
    # outage of 'ab': flows re-solved without it
    net2 = net3.copy()
    net2.line.loc["ab", "in_service"] = False
    c2 = compile_network(net2)
    s2 = DcSolver(c2)
    f2 = s2.flows_pu(s2.solve(dc_injection_pu(c2)))
    pred = flows + lodf[:, 0] * flows[0]
    np.testing.assert_allclose(pred[1:], f2, atol=1e-12)


def test_radial_branch_is_reported_as_islanding(net3) -> None:
    net3.add_bus("d", vn_kv=330.0)
    net3.add_line("cd", "c", "d", length_km=10, r_ohm_per_km=0.04, x_ohm_per_km=0.32)
    net3.add_load("load_d", "d", p_mw=10.0)
    c = compile_network(net3)
    isl = islanding_branches(c)
    assert [c.branch_names[i] for i in isl] == ["cd"]
    assert np.isnan(lodf_matrix(c)[:, isl[0]]).all()
