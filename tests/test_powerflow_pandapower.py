"""AC and DC power flow against pandapower on its shipped MATPOWER-derived cases.

Reference: ``pandapower.runpp`` (Newton-Raphson, tolerance 1e-10 MVA) and
``pandapower.rundcpp``. Required agreement: |dV| <= 1e-6 pu, |dtheta| <= 1e-5 degree,
branch flows within 1e-4 MW/Mvar.
"""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pytest

from conftest import fresh_pandapower_case
from gridsim.network.io_pandapower import from_pandapower
from gridsim.studies import run_pf

CASES = [
    "case9",
    "case14",
    "case30",
    "case57",
    "case118",
    "case300",
    "case1354pegase",
    "case2869pegase",
]
V_TOL, A_TOL, FLOW_TOL = 1e-6, 1e-5, 1e-4


def _compare_ac(res, ppn) -> None:
    assert res.converged
    vm = res.bus["vm_pu"].to_numpy()
    va = res.bus["va_degree"].to_numpy()
    ref = ppn.res_bus
    live = ~np.isnan(ref["vm_pu"].to_numpy())
    assert np.array_equal(np.isnan(vm), ~live)
    assert np.max(np.abs(vm[live] - ref["vm_pu"].to_numpy()[live])) <= V_TOL
    assert np.max(np.abs(va[live] - ref["va_degree"].to_numpy()[live])) <= A_TOL
    assert (
        np.max(np.abs(res.bus["p_mw"].to_numpy()[live] - ref["p_mw"].to_numpy()[live])) <= FLOW_TOL
    )
    assert (
        np.max(np.abs(res.bus["q_mvar"].to_numpy()[live] - ref["q_mvar"].to_numpy()[live]))
        <= FLOW_TOL
    )
    on = ppn.line["in_service"].to_numpy(bool)
    rl = ppn.res_line[on]
    for ours, theirs in (
        ("p_from_mw", "p_from_mw"),
        ("q_from_mvar", "q_from_mvar"),
        ("p_to_mw", "p_to_mw"),
        ("q_to_mvar", "q_to_mvar"),
        ("pl_mw", "pl_mw"),
    ):
        assert np.max(np.abs(res.line[ours].to_numpy() - rl[theirs].to_numpy())) <= FLOW_TOL, ours
    assert np.max(np.abs(res.line["i_ka"].to_numpy() - rl["i_ka"].to_numpy())) <= 1e-6
    fin = np.isfinite(rl["loading_percent"].to_numpy())
    assert (
        np.max(
            np.abs(
                res.line["loading_percent"].to_numpy()[fin] - rl["loading_percent"].to_numpy()[fin]
            )
        )
        <= 1e-4
    )
    if len(ppn.trafo):
        ton = ppn.trafo["in_service"].to_numpy(bool)
        rt = ppn.res_trafo[ton]
        for ours, theirs in (
            ("p_from_mw", "p_hv_mw"),
            ("q_from_mvar", "q_hv_mvar"),
            ("p_to_mw", "p_lv_mw"),
            ("q_to_mvar", "q_lv_mvar"),
        ):
            assert np.max(np.abs(res.trafo[ours].to_numpy() - rt[theirs].to_numpy())) <= FLOW_TOL
        assert (
            np.max(
                np.abs(res.trafo["loading_percent"].to_numpy() - rt["loading_percent"].to_numpy())
            )
            <= 1e-4
        )


@pytest.mark.parametrize("case", CASES)
def test_newton_raphson_matches_pandapower(case: str) -> None:
    ppn = fresh_pandapower_case(case)
    pp.runpp(ppn, algorithm="nr", tolerance_mva=1e-10, calculate_voltage_angles=True)
    net = from_pandapower(ppn)
    res = run_pf(net, "nr", tol_mva=1e-8)
    _compare_ac(res, ppn)
    # slack generation equals the external grid's
    p_slack = res.gen.loc[res.gen.index[net.gen["slack"].to_numpy(bool)], "p_mw"].sum()
    assert abs(p_slack - ppn.res_ext_grid["p_mw"].sum()) <= FLOW_TOL


@pytest.mark.parametrize("case", ["case14", "case118", "case300", "case2869pegase"])
@pytest.mark.parametrize("algorithm", ["fdxb", "fdbx"])
def test_fast_decoupled_matches_pandapower(case: str, algorithm: str) -> None:
    ppn = fresh_pandapower_case(case)
    pp.runpp(ppn, algorithm="nr", tolerance_mva=1e-10, calculate_voltage_angles=True)
    res = run_pf(from_pandapower(ppn), algorithm, tol_mva=1e-9, max_iter=200)
    _compare_ac(res, ppn)
    assert res.iterations > 4  # a genuinely different (linearly converging) method


@pytest.mark.parametrize("case", CASES)
def test_dc_matches_pandapower(case: str) -> None:
    ppn = fresh_pandapower_case(case)
    pp.rundcpp(ppn)
    res = run_pf(from_pandapower(ppn), "dc")
    live = ~np.isnan(ppn.res_bus["va_degree"].to_numpy())
    assert (
        np.max(
            np.abs(
                res.bus["va_degree"].to_numpy()[live] - ppn.res_bus["va_degree"].to_numpy()[live]
            )
        )
        <= A_TOL
    )
    on = ppn.line["in_service"].to_numpy(bool)
    assert (
        np.max(np.abs(res.line["p_from_mw"].to_numpy() - ppn.res_line["p_from_mw"].to_numpy()[on]))
        <= FLOW_TOL
    )
    if len(ppn.trafo):
        ton = ppn.trafo["in_service"].to_numpy(bool)
        assert (
            np.max(
                np.abs(res.trafo["p_from_mw"].to_numpy() - ppn.res_trafo["p_hv_mw"].to_numpy()[ton])
            )
            <= FLOW_TOL
        )


def test_q_limits_match_pandapower() -> None:
    ppn = fresh_pandapower_case("case118")
    pp.runpp(ppn, tolerance_mva=1e-10, enforce_q_lims=True)
    res = run_pf(from_pandapower(ppn), "nr", tol_mva=1e-8, enforce_q_lims=True)
    _compare_ac(res, ppn)
    assert len(res.q_limited_gens) >= 6, "case118 has generators beyond their reactive limits"
    q = res.gen["q_mvar"]
    lo, hi = from_pandapower(ppn).gen["min_q_mvar"], from_pandapower(ppn).gen["max_q_mvar"]
    assert ((q >= lo - 1e-6) & (q <= hi + 1e-6)).all()


def test_hvdc_link_matches_pandapower_dcline() -> None:
    ppn = fresh_pandapower_case("case9")
    pp.create_dcline(
        ppn,
        from_bus=4,
        to_bus=8,
        p_mw=60.0,
        loss_percent=2.5,
        loss_mw=1.2,
        vm_from_pu=1.01,
        vm_to_pu=1.02,
        max_q_from_mvar=500,
        min_q_from_mvar=-500,
        max_q_to_mvar=500,
        min_q_to_mvar=-500,
    )
    pp.runpp(ppn, tolerance_mva=1e-10)
    net = from_pandapower(ppn)
    res = run_pf(net, "nr", tol_mva=1e-8)
    # gridsim's bus results count the DC converters as elements taking power from the
    # grid; pandapower's res_bus leaves them out
    ref = ppn.res_dcline.iloc[0]
    for col, sign in (("p_mw", 1.0), ("q_mvar", 1.0)):
        ppn.res_bus.loc[4, col] += (
            sign * ref[col.replace("_mw", "_from_mw").replace("_mvar", "_from_mvar")]
        )
        ppn.res_bus.loc[8, col] += (
            sign * ref[col.replace("_mw", "_to_mw").replace("_mvar", "_to_mvar")]
        )
    _compare_ac(res, ppn)
    row = res.dcline.iloc[0]
    ref = ppn.res_dcline.iloc[0]
    assert abs(row["p_from_mw"] - ref["p_from_mw"]) <= FLOW_TOL
    assert abs(row["p_to_mw"] - ref["p_to_mw"]) <= FLOW_TOL
    assert abs(row["q_from_mvar"] - ref["q_from_mvar"]) <= FLOW_TOL
    assert abs(row["q_to_mvar"] - ref["q_to_mvar"]) <= FLOW_TOL
    assert abs(row["pl_mw"] - ref["pl_mw"]) <= FLOW_TOL


def _with_negative_vk_trafo(vkr_percent: float):
    net = fresh_pandapower_case("case30")
    hv, lv = int(net.line.from_bus[0]), int(net.line.to_bus[0])
    # a star-equivalent winding: negative short-circuit voltage, as pandapower allows
    pp.create_transformer_from_parameters(
        net,
        hv_bus=hv,
        lv_bus=lv,
        sn_mva=100.0,
        vn_hv_kv=float(net.bus.vn_kv[hv]),
        vn_lv_kv=float(net.bus.vn_kv[lv]),
        vk_percent=-2.0,
        vkr_percent=vkr_percent,
        pfe_kw=0.0,
        i0_percent=0.0,
    )
    return net


def test_negative_short_circuit_voltage_matches_pandapower() -> None:
    ppn = _with_negative_vk_trafo(0.1)
    pp.runpp(ppn, tolerance_mva=1e-10, lightsim2grid=False)
    res = run_pf(from_pandapower(ppn), "nr", tol_mva=1e-9)
    assert np.max(np.abs(res.bus["vm_pu"].to_numpy() - ppn.res_bus["vm_pu"].to_numpy())) < 1e-8
    np.testing.assert_allclose(
        res.trafo["p_from_mw"].to_numpy(), ppn.res_trafo["p_hv_mw"].to_numpy(), atol=1e-6
    )


def test_real_part_beyond_the_short_circuit_voltage_is_refused() -> None:
    from gridsim.errors import InputError

    net = from_pandapower(_with_negative_vk_trafo(2.5))
    with pytest.raises(InputError, match="vkr_percent") as err:
        run_pf(net)
    assert "2.5" in str(err.value) and "|vk_percent|" in str(err.value)
