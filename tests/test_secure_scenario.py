"""The shipped secure scenario (``scenarios/ningxia_2025_secure.toml``) over two spring
days in one solve: every post-contingency flow checked by re-solving the DC network
without each 750 kV circuit (a Laplacian solve written here, no PTDF or LODF of gridsim),
the cost ordering of the three network layers, and the AC check of the secure hours."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from gridsim.dispatch import solve_dispatch
from gridsim.scenario import load_scenario
from gridsim.studies.balance import (
    dispatch_options,
    prepare_network,
    prepare_problem,
    prepare_profiles,
)

TOL_MW = 1e-3


@pytest.fixture(scope="module")
def secure() -> dict[str, Any]:
    """The secure scenario on 14-16 April 2025 (48 h, one window): its problem, the
    secure dispatch, the same without N-1 and on the copper plate."""
    sc = load_scenario("ningxia_2025_secure")
    study = dataclasses.replace(
        sc.study, whole_year=False, start="2025-04-14", end="2025-04-16", horizon_h=48, lookahead_h=0
    )  # fmt: skip
    sc = dataclasses.replace(sc, study=study)
    net = prepare_network(sc)
    prof, year_h = prepare_profiles(sc, net=net)
    p = prepare_problem(sc, net, prof, year_h)
    opts = dispatch_options(sc)
    out = {"sc": sc, "net": net, "problem": p, "secure": solve_dispatch(p, opts)}
    out["plain"] = solve_dispatch(p, dataclasses.replace(opts, security="none"))
    cp = prepare_problem(sc, net, prof, year_h, "copperplate")
    out["copperplate"] = solve_dispatch(cp, dataclasses.replace(opts, security="none"))
    return out


def _dc_flows(n_nodes: int, f: np.ndarray, t: np.ndarray, b: np.ndarray, inj: np.ndarray) -> np.ndarray:  # fmt: skip
    """DC flows (T, K) of injections (T, N) summing to zero, on branches ``f -> t`` of
    susceptance ``b`` (1/x): the Laplacian solved with node 0 as the reference."""
    A = np.zeros((len(f), n_nodes))
    A[np.arange(len(f)), f] += 1.0
    A[np.arange(len(f)), t] -= 1.0
    L = A.T @ (b[:, None] * A)
    theta = np.zeros_like(inj)
    theta[:, 1:] = np.linalg.solve(L[1:, 1:], inj[:, 1:].T).T
    return (theta @ A.T) * b


def _injection(p: Any, flow_mw: np.ndarray) -> np.ndarray:
    """Nodal injections (T, N) that give the base-case flows (node 0 balancing)."""
    br = p.branches
    A = np.zeros((br.n, p.nodes.n))
    A[np.arange(br.n), br.node] += 1.0
    A[np.arange(br.n), br.to_node] -= 1.0
    return flow_mw @ A  # what leaves each node over its branches


def _worst_post_contingency(p: Any, flow_mw: np.ndarray) -> float:
    """Largest post-contingency loading (share of the limit) over every outage of one
    circuit of a 750 kV line and every rated 750 / 330 kV branch, the network re-solved
    without the circuit."""
    br = p.branches
    inj = _injection(p, flow_mw)
    base = _dc_flows(p.nodes.n, br.node, br.to_node, 1.0 / br.x_pu, inj)
    np.testing.assert_allclose(base, flow_mw, atol=1e-6)  # the injections give the flows
    monitored = np.isfinite(br.p_max_mw) & np.isin(br.vn_kv, (750.0, 330.0))
    worst = 0.0
    for c in np.flatnonzero((br.branch_type == "line") & (br.vn_kv == 750.0)):
        share_left = 1.0 - 1.0 / br.circuits[c]  # one circuit out
        b = 1.0 / br.x_pu
        limit = br.p_max_mw.copy()
        if share_left > 0:
            b[c] *= share_left
            limit[c] *= share_left
        else:
            b[c] = 1e-12  # the only circuit: out
            limit[c] = np.inf
        post = _dc_flows(p.nodes.n, br.node, br.to_node, b, inj)
        load = np.abs(post[:, monitored]) / limit[monitored]
        worst = max(worst, float(np.max(load - TOL_MW / limit[monitored])))
    return worst


def test_post_contingency_flows_within_limits(secure: dict[str, Any]) -> None:
    p = secure["problem"]
    res, plain = secure["secure"], secure["plain"]
    assert res.status == "optimal" and res.windows[0].security_rows_added > 0
    assert _worst_post_contingency(p, res.arrays["flow_mw"]) <= 1.0 + 1e-9
    # without N-1 some outage overloads a branch: the check can fail
    assert _worst_post_contingency(p, plain.arrays["flow_mw"]) > 1.0 + 1e-3


def test_each_layer_costs_at_least_the_one_below(secure: dict[str, Any]) -> None:
    """One window, so the optimum of a more constrained LP is never cheaper."""
    cp, plain, res = secure["copperplate"], secure["plain"], secure["secure"]
    assert cp.objective <= plain.objective * (1 + 1e-9)
    assert plain.objective <= res.objective * (1 + 1e-9)
    assert res.objective > plain.objective * (1 + 1e-6)  # N-1 binds in these days


def test_ac_check_of_the_secure_hours(secure: dict[str, Any]) -> None:
    """Every secure hour converges in AC; no branch the LP limits is above its rating
    by more than the AC-DC difference (losses and reactive flows, a few per cent)."""
    from gridsim.studies.ac_check import run_ac_check, settings_of
    from gridsim.studies.ac_check_inputs import dispatch_frames

    sc, net, p = secure["sc"], secure["net"], secure["problem"]
    prof, _ = prepare_profiles(sc, net=net)
    chk = run_ac_check(net, dispatch_frames(secure["secure"]), settings_of(sc), prof.load_mw)
    assert chk.series is not None and chk.series.n_failed == 0
    loading = chk.series.frame("loading_percent")
    rated = [n for n in p.branches.names if n in loading.columns]
    assert rated and float(loading[rated].to_numpy().max()) < 110.0


def test_report_lists_the_binding_branches(secure: dict[str, Any]) -> None:
    """The report's table of binding branches holds the KPI of the secure dispatch:
    the branch at its N-1 limit most often, its hours and its outage."""
    from gridsim import kpi
    from gridsim.report.html import binding_html

    k = kpi.summary(secure["secure"], secure["net"], None)
    top = k["binding_branches"]["branches"][0]
    assert top["n1_hours"] > 0

    class _Run:
        def kpi(self, key: str) -> Any:
            return k[key]

    page = binding_html(_Run())  # type: ignore[arg-type]
    assert f"<td>{top['branch']}</td>" in page and f"{top['n1_hours']} h" in page
    assert f"<td>{top['n1_outage']}</td>" in page
