"""DC sending-end stability (gridsim.dispatch.stability): the short-circuit-ratio rule
Σ k_i u_i ≥ SCR_min · p − base against hand-solved commitments, whole units in the
MILP, a slack rule, a shortfall, rolling windows, PyPSA with the same rows in linopy,
and the scenario table with its bad names.

The hand-solved case: one node, a DC export held at P, a cheap "far" cluster (10 CNY/MWh)
and an expensive "near" cluster (50 CNY/MWh, minimum stable output 50 %) whose
committed MW add k = 1 / x = 1 / 0.25 = 4 MVA each at the converter, background 500 MVA,
SCR_min 2.5. The rule needs 4 u ≥ 2.5 P − 500; the near cluster then runs at half its
committed capacity, 0.5 u, in place of far output at 40 CNY/MWh more.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

from gridsim.dispatch import DispatchOptions, DispatchProblem, Links, Thermal, solve_dispatch
from gridsim.dispatch.problem import DcSupport, DcSupportUnits

LOAD_MW = 1000.0
BASE_MVA = 500.0
SCR = 2.5
K = 1.0 / 0.25


def _problem(T: int = 1, p_dc: float | np.ndarray = 400.0, near_avail: float = 1.0, unit_mw: float = float("nan"), **dc: object) -> DispatchProblem:  # fmt: skip
    th = Thermal.make(
        T,
        ["far", "near"],
        p_max_mw=[2000.0, 1000.0],
        avail_pu=np.array([[1.0, near_avail]] * T),
        p_min_share=[0.0, 0.5],
        cost_per_mwh=[10.0, 50.0],
        u0_mw=[2000.0, 0.0],
        unit_size_mw=[np.nan, unit_mw],
    )
    p = np.broadcast_to(np.asarray(p_dc, float).reshape(-1, 1), (T, 1))
    links = Links.make(T, ["hvdc"], to_node=-1, p_min_mw=p, p_max_mw=p, rating_mw=1000.0)
    rules = DcSupport.make(T, ["hvdc"], link=0, scr_min=dc.get("scr_min", SCR), base_mva=dc.get("base_mva", BASE_MVA))  # fmt: skip
    pairs = DcSupportUnits.make(T, ["hvdc:near"], rule=0, unit=1, mva_per_mw=K)
    return DispatchProblem.make(
        np.arange(T) * 3_600_000_000_000,
        ["n"],
        LOAD_MW,
        thermal=th,
        links=links,
        dc_support=rules,
        dc_support_units=pairs,
    )


def _solve(p: DispatchProblem, commitment: str = "linear", window_h: int | None = None):
    res = solve_dispatch(p, DispatchOptions(window_h=window_h, commitment=commitment))
    assert res.status == "optimal", res.diagnosis
    return res


def test_linear_commitment_is_the_hand_solved_one() -> None:
    res = _solve(_problem())
    need_u = (SCR * 400.0 - BASE_MVA) / K  # 125 MW committed near the converter
    a = res.arrays
    assert a["thermal_u_mw"][0, 1] == pytest.approx(need_u, abs=1e-6)
    assert a["thermal_p_mw"][0, 1] == pytest.approx(0.5 * need_u, abs=1e-6)
    near = 0.5 * need_u
    assert res.objective == pytest.approx(near * 50.0 + (LOAD_MW + 400.0 - near) * 10.0, rel=1e-9)
    # one MVA more background lets 1/K MW less be committed, 0.5/K MW less run at +40 CNY
    assert a["dc_support_price_per_mva"][0, 0] == pytest.approx(0.5 / K * 40.0, rel=1e-6)
    assert a["dc_support_sc_mva"][0, 0] == pytest.approx(SCR * 400.0, rel=1e-9)
    assert a["dc_support_required_mva"][0, 0] == pytest.approx(SCR * 400.0, rel=1e-9)
    assert a["dc_support_shortfall_mva"][0, 0] == pytest.approx(0.0, abs=1e-9)


def test_milp_commits_whole_units() -> None:
    res = _solve(_problem(unit_mw=100.0), "milp")
    # 125 MW needed -> two 100 MW units; they run at their 50 % minimum
    a = res.arrays
    assert a["thermal_u_mw"][0, 1] == pytest.approx(200.0, abs=1e-6)
    assert a["thermal_p_mw"][0, 1] == pytest.approx(100.0, abs=1e-6)
    assert res.objective == pytest.approx(100.0 * 50.0 + 1300.0 * 10.0, rel=1e-9)


def test_a_rule_with_room_is_slack() -> None:
    # 2.5 x 150 MW = 375 MVA < 500 MVA of background: nothing near needs to run
    res = _solve(_problem(p_dc=150.0))
    a = res.arrays
    assert a["thermal_u_mw"][0, 1] == pytest.approx(0.0, abs=1e-6)
    assert a["dc_support_price_per_mva"][0, 0] == pytest.approx(0.0, abs=1e-9)
    assert res.objective == pytest.approx((LOAD_MW + 150.0) * 10.0, rel=1e-9)


def test_support_out_of_service_is_a_priced_shortfall() -> None:
    res = _solve(_problem(near_avail=0.0))
    a = res.arrays
    assert a["dc_support_shortfall_mva"][0, 0] == pytest.approx(SCR * 400.0 - BASE_MVA, rel=1e-9)
    assert a["dc_support_price_per_mva"][0, 0] == pytest.approx(0.5 * 30_000.0, rel=1e-9)
    assert res.costs()["dc_support_shortfall"] == pytest.approx(500.0 * 15_000.0, rel=1e-9)


def test_rolling_windows_hold_the_rule_in_every_hour() -> None:
    T = 48
    p_dc = np.where(np.arange(T) % 24 < 12, 400.0, 150.0)  # binds in half the hours
    res = _solve(_problem(T, p_dc), window_h=12)
    u = res.arrays["thermal_u_mw"][:, 1]
    want = np.maximum(SCR * p_dc - BASE_MVA, 0.0) / K
    assert np.allclose(u, want, atol=1e-6)
    binding = res.arrays["dc_support_price_per_mva"][:, 0] > 1e-6
    assert binding.sum() == 24 and (p_dc[binding] == 400.0).all()


def test_commitment_none_is_refused() -> None:
    with pytest.raises(ValueError, match="commitment 'linear' or 'milp'"):
        solve_dispatch(_problem(), DispatchOptions(window_h=None, commitment="none"))


def test_same_optimum_as_pypsa_with_the_rows_in_linopy() -> None:
    pytest.importorskip("pypsa")
    from gridsim.interop import optimize_pypsa

    T = 24
    p_dc = 300.0 + 150.0 * np.sin(np.arange(T) / 24 * 2 * np.pi)  # 150..450 MW: binds at times
    prob = _problem(T, p_dc)
    prob.thermal.u0_mw[:] = np.nan  # PyPSA's default start: everything committed
    prob.thermal.startup_cost_per_mw[:] = [0.0, 30.0]
    res = _solve(prob)
    assert (res.arrays["dc_support_price_per_mva"] > 1e-6).any()
    assert (res.arrays["dc_support_price_per_mva"] < 1e-9).any()
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n, cond = optimize_pypsa(prob, "linear", output_flag=False)
    finally:
        logging.disable(logging.NOTSET)
    assert cond == "optimal"
    ours = res.windows[0].objective
    assert abs(n.objective - ours) / abs(ours) < 1e-6
    u = (n.generators_t.status["near"] * 1000.0).to_numpy()
    assert np.allclose(u, res.arrays["thermal_u_mw"][:, 1], atol=1e-4)


# ------------------------------------------------------------ the scenario table
def _scenario(tmp_path, text: str):
    from gridsim.scenario import load_scenario

    f = tmp_path / "x.toml"
    f.write_text('base = "ningxia_2020"\n' + text)
    return load_scenario(f)


def test_the_table_builds_one_rule_per_link(tmp_path) -> None:
    from gridsim.studies.balance import prepare_network
    from gridsim.studies.balance_stability import dc_support_rules

    sc = _scenario(tmp_path, '[dc_stability]\nnear_units = { lingshao = ["coal_east_1", "coal"] }\nscr_min_by_link = { lingshao = 3.0 }\ncondenser_mva = { lingshao = 300.0 }\nxd_pu = 0.25\n')  # fmt: skip
    rules = {r.link: r for r in dc_support_rules(sc, prepare_network(sc))}
    assert set(rules) == {"yindong", "lingshao"}  # yindong as ningxia_rules sets it
    ls = rules["lingshao"]
    assert ls.scr_min == 3.0 and ls.base_mva == 6000.0 + 300.0 and ls.mva_per_mw == 4.0
    assert ls.units[0] == "coal_east_1" and "coal_north_1" in ls.units  # a fuel: all its units
    assert len(set(ls.units)) == len(ls.units)
    assert rules["yindong"].scr_min == 2.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[dc_stability]\nnear_units = { lingshoa = ["coal_east_1"] }\n', "dc_stability.near_units.lingshoa names no in-service DC link (links: yindong, lingshao, zhaoyi; close: lingshao), got 'lingshoa'"),
        ('[dc_stability]\nnear_units = { lingshao = ["coal_east_9"] }\n', "dc_stability.near_units.lingshao names no in-service thermal unit or fuel; close: coal_east_3, coal_east_2, coal_east_1, got 'coal_east_9'"),
        ('[dc_stability]\nnear_units = { lingshao = ["wind"] }\n', "dc_stability.near_units.lingshao applies to thermal units only"),
        ("[dc_stability]\nbackground_mva = { zhaoyi = 100.0 }\n", "dc_stability.background_mva.zhaoyi names a link without dc_stability.near_units (links with: yindong, lingshao), got 'zhaoyi'"),
        ('[study]\ncommitment = "none"\n', "study.commitment must be linear or milp with [dc_stability]"),
    ],
)  # fmt: skip
def test_bad_names_are_input_errors(tmp_path, text: str, message: str) -> None:
    from gridsim.errors import InputError
    from gridsim.studies.balance import prepare_network

    sc = _scenario(tmp_path, text)
    with pytest.raises(InputError) as e:
        prepare_network(sc)
    assert message in str(e.value)
    assert str(e.value).split(": ")[0].endswith("x.toml")  # the file that set the field


def test_a_link_fed_from_outside_is_refused_by_the_builder() -> None:
    from gridsim.dispatch.build_stability import DcSupportRule, dc_support_groups
    from gridsim.errors import InputError

    p = _problem()
    with pytest.raises(InputError, match="is not a modelled DC link .*close: hvdc"):
        dc_support_groups((DcSupportRule("hvdcx", ("near",), 2.0),), p.links, p.thermal, 1)
    ds, du = dc_support_groups((DcSupportRule("hvdc", ("near", "gone"), 2.0, 10.0, 4.0),), p.links, p.thermal, 1)  # fmt: skip
    assert list(du.names) == ["hvdc:near"] and ds.base_mva[0, 0] == 10.0


def test_kpis_count_the_binding_hours_and_what_the_rule_holds() -> None:
    from gridsim.kpi import dc_stability

    T = 48
    p_dc = np.where(np.arange(T) % 24 < 12, 400.0, 150.0)
    k = dc_stability(_solve(_problem(T, p_dc), window_h=12))["hvdc"]
    assert k["hours_binding"] == 24
    assert k["near_committed_mw_binding"] == pytest.approx((SCR * 400.0 - BASE_MVA) / K, rel=1e-6)
    assert k["scr_min_reached"] == pytest.approx(SCR, rel=1e-6)  # held exactly where it binds
    price = 0.5 / K * 40.0  # CNY per MVA and hour (the hand-solved case)
    assert k["price_binding_mean_per_mw_committed"] == pytest.approx(price * K, rel=1e-6)
    assert k["cost_cny"] == pytest.approx(24 * price * (SCR * 400.0 - BASE_MVA), rel=1e-6)
    assert k["shortfall_mvah"] == 0.0
