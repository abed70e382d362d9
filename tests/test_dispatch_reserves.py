"""Spinning reserves, upward (the original API) and downward, against hand-solved optima and PyPSA."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridsim.dispatch import (
    DispatchOptions,
    DispatchProblem,
    Hydro,
    Renewable,
    Reserves,
    Storage,
    Thermal,
    solve_dispatch,
)

T = 4
COST = 300.0  # CNY/MWh of the thermal cluster
LOAD = 80.0


def problem(reserve: dict | None = None, storage_mw: float = 0.0, hydro_mw: float = 0.0) -> DispatchProblem:  # fmt: skip
    """One node: a 100 MW thermal cluster (minimum stable output 50 % of the committed
    capacity), 100 MW of free wind, a flat 80 MW load."""
    idx = pd.date_range("2025-01-06", periods=T, freq="h", tz="Asia/Shanghai")
    groups = {
        "thermal": Thermal.make(T, ["coal"], p_max_mw=100.0, p_min_share=0.5, cost_per_mwh=COST),
        "renewable": Renewable.make(T, ["wind"], available_mw=100.0),
        "storage": Storage.make(
            T, ["bess"] if storage_mw else [], p_max_mw=storage_mw, e_max_mwh=2 * storage_mw
        ),  # fmt: skip
        "hydro": Hydro.make(
            T, ["hydro"] if hydro_mw else [], p_max_mw=hydro_mw, cost_per_mwh=50.0
        ),  # fmt: skip
    }
    if reserve is not None:
        groups["reserves"] = Reserves.make(T, ["system"], **reserve)
    return DispatchProblem.make(idx, ["n"], LOAD, **groups)


def solve(p: DispatchProblem, commitment: str = "linear") -> tuple[float, dict]:
    res = solve_dispatch(p, DispatchOptions(window_h=None, commitment=commitment))
    assert res.status == "optimal"
    return res.objective, res.arrays


def test_no_requirement_leaves_thermal_off() -> None:
    obj, a = solve(problem())
    assert obj == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(a["renewable_p_mw"], LOAD, atol=1e-6)


def test_load_share_commits_thermal_at_its_minimum_stable_output() -> None:
    # u - p >= 0.3 * 80 = 24 and p >= 0.5 u  =>  p = 24, u = 48: 24 MW of wind curtailed
    obj, a = solve(problem({"load_share": 0.3}))
    assert obj == pytest.approx(24.0 * COST * T, rel=1e-9)
    np.testing.assert_allclose(a["thermal_p_mw"], 24.0, atol=1e-6)
    np.testing.assert_allclose(a["thermal_u_mw"], 48.0, atol=1e-6)
    np.testing.assert_allclose(a["renewable_curtail_mw"], 100.0 - 56.0, atol=1e-6)


def test_renewable_share_and_fixed_part() -> None:
    # u >= p + 10 + 0.3 * 80 + 0.1 (80 - p) = 42 + 0.9 p and p >= 0.5 u  =>  p = 21 / 0.55
    obj, a = solve(problem({"requirement_mw": 10.0, "load_share": 0.3, "renewable_share": 0.1}))
    p_star = 21.0 / 0.55
    assert obj == pytest.approx(p_star * COST * T, rel=1e-9)
    np.testing.assert_allclose(a["thermal_p_mw"], p_star, atol=1e-6)


def test_storage_and_hydro_headroom_count() -> None:
    # an idle 30 MW battery covers the 24 MW requirement: no thermal needed
    obj, _ = solve(problem({"load_share": 0.3}, storage_mw=30.0))
    assert obj == pytest.approx(0.0, abs=1e-6)
    # 10 MW of hydro headroom leaves 14 MW for thermal: p = 14, u = 28
    obj, a = solve(problem({"load_share": 0.3}, hydro_mw=10.0))
    assert obj == pytest.approx(14.0 * COST * T, rel=1e-9)
    np.testing.assert_allclose(a["hydro_p_mw"], 0.0, atol=1e-6)


def test_without_commitment_installed_capacity_is_headroom() -> None:
    obj, _ = solve(problem({"load_share": 0.3}), commitment="none")
    assert obj == pytest.approx(0.0, abs=1e-6)
    # 90 MW needed: only 100 - p of the cluster, so p <= 10 and wind does the rest
    obj, a = solve(problem({"requirement_mw": 90.0, "load_share": 0.0}), commitment="none")
    assert obj == pytest.approx(0.0, abs=1e-6) and (a["thermal_p_mw"] <= 10.0 + 1e-6).all()


def test_rolling_windows_keep_the_requirement() -> None:
    p = problem({"load_share": 0.3})
    whole = solve_dispatch(p, DispatchOptions(window_h=None))
    rolled = solve_dispatch(p, DispatchOptions(window_h=1, lookahead_h=1))
    assert rolled.objective == pytest.approx(whole.objective, rel=1e-9)


def test_impossible_requirement_is_a_priced_shortfall() -> None:
    # more reserve than the fleet can hold: the window solves, the missing reserve is
    # short at half the value of lost load, and the requirement is met with it exactly
    p = problem({"requirement_mw": 500.0})
    res = solve_dispatch(p, DispatchOptions(window_h=None))
    assert res.status == "optimal"
    a = res.arrays
    short = a["reserve_shortfall_mw"][:, 0]
    assert (short > 0).all()
    np.testing.assert_allclose(a["reserve_provided_mw"][:, 0] + short, a["reserve_requirement_mw"][:, 0], atol=1e-6)  # fmt: skip
    assert res.costs()["reserve_shortfall"] == pytest.approx(0.5 * p.nodes.voll_per_mwh.max() * short.sum() * p.dt_h, rel=1e-9)  # fmt: skip
    assert a["unserved_mw"].sum() == pytest.approx(0.0, abs=1e-6)  # demand is served first


@pytest.mark.parametrize("commitment", ["linear", "none"])
def test_up_and_down_reserves_match_pypsa(commitment: str) -> None:
    """The exporter's reserve rows in PyPSA's variables reach the same optimum."""
    pytest.importorskip("pypsa")
    import logging
    import warnings

    from gridsim.interop import optimize_pypsa

    p = problem(storage_mw=10.0, hydro_mw=10.0)
    p.reserves = Reserves.make(T, ["up", "down"], requirement_mw=[5.0, 8.0], load_share=[0.3, 0.2], renewable_share=[0.1, 0.05], direction=["up", "down"])  # fmt: skip
    res = solve_dispatch(p, DispatchOptions(window_h=None, commitment=commitment))
    assert res.status == "optimal" and res.objective > 0
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n, cond = optimize_pypsa(p, commitment, output_flag=False)
    finally:
        logging.disable(logging.NOTSET)
    assert cond == "optimal"
    assert n.objective == pytest.approx(res.windows[0].objective, rel=1e-6)


def test_down_reserve_raises_thermal_output() -> None:
    # footroom p - 0.5 u >= 0.25 * 80 = 20 with u >= p  =>  p = u = 40 (wind curtailed)
    p = problem({"load_share": 0.25, "direction": "down"})
    obj, a = solve(p)
    assert obj == pytest.approx(40.0 * COST * T, rel=1e-9)
    np.testing.assert_allclose(a["thermal_p_mw"], 40.0, atol=1e-6)
    np.testing.assert_allclose(a["reserve_requirement_mw"], 20.0, atol=1e-9)
    np.testing.assert_allclose(a["reserve_provided_mw"], 20.0, atol=1e-6)
    # one more MW of footroom costs 2 MW of thermal output instead of wind: 2 x 300 CNY/MW
    np.testing.assert_allclose(a["reserve_price_per_mw"], 2 * COST, rtol=1e-6)


def test_down_reserve_from_hydro_and_storage() -> None:
    # a 10 MW battery gives 10 MW of footroom idle: thermal covers 10 MW, p = u = 20
    obj, a = solve(problem({"load_share": 0.25, "direction": "down"}, storage_mw=10.0))
    assert obj == pytest.approx(20.0 * COST * T, rel=1e-9)
    # 10 MW of hydro output above its minimum (cost 50) is cheaper than thermal's 2 x 300
    obj, a = solve(problem({"load_share": 0.25, "direction": "down"}, hydro_mw=10.0))
    np.testing.assert_allclose(a["hydro_p_mw"], 10.0, atol=1e-6)
    assert obj == pytest.approx((20.0 * COST + 10.0 * 50.0) * T, rel=1e-9)


def test_largest_unit_requirement() -> None:
    """Clusters of 2 x 300 MW and 1 x 100 MW: the largest unit in service is 300 MW,
    100 MW in hours when the big cluster is out; with a 350 MW load and a 300 MW
    requirement the small unit (60 % minimum output) must be committed, 50 MW at least:
    p_small = 30 at 200 CNY/MWh, the big cluster the other 320 at 100. The MILP commits
    the whole 100 MW unit: p_small = 60, the big cluster 290."""
    from gridsim.dispatch.build_options import BuildOptions
    from gridsim.dispatch.build_units import reserves_group
    from gridsim.dispatch.problem import largest_unit_mw

    avail = np.ones((T, 2))
    avail[3, 0] = 0.0
    th = Thermal.make(T, ["big", "small"], p_max_mw=[600.0, 100.0], unit_size_mw=[300.0, np.nan], avail_pu=avail, p_min_share=[0.0, 0.6], cost_per_mwh=[100.0, 200.0])  # fmt: skip
    np.testing.assert_allclose(largest_unit_mw(th), [300.0, 300.0, 300.0, 100.0])
    ctx = type("Ctx", (), {"T": T})()
    rs = reserves_group(ctx, BuildOptions(reserve_up_largest_unit=True, reserve_down_mw=5.0), th)  # type: ignore[arg-type]
    assert list(rs.direction) == ["up", "down"]
    np.testing.assert_allclose(rs.requirement_mw[:, 0], [300.0, 300.0, 300.0, 100.0])
    th3 = Thermal.make(3, ["big", "small"], p_max_mw=[600.0, 100.0], unit_size_mw=[300.0, np.nan], p_min_share=[0.0, 0.6], cost_per_mwh=[100.0, 200.0])  # fmt: skip
    req = Reserves.make(3, ["n-1"], requirement_mw=largest_unit_mw(th3))
    p = DispatchProblem.make(pd.date_range("2025-01-06", periods=3, freq="h"), ["n"], 350.0, thermal=th3, reserves=req)  # fmt: skip
    for commitment, p_small in (("linear", 30.0), ("milp", 60.0)):
        obj, a = solve(p, commitment)
        assert obj == pytest.approx((p_small * 200.0 + (350.0 - p_small) * 100.0) * 3, rel=1e-9)
        np.testing.assert_allclose(a["thermal_u_mw"][:, 1], 100.0 if commitment == "milp" else 50.0, atol=1e-6)  # fmt: skip


def test_scenario_reserves_hold_in_the_ningxia_dispatch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``[reserves]`` in a scenario: every hour's headroom (from the written arrays)
    covers the requirement, and the cost is no lower than without it."""
    from gridsim.scenario import SCENARIOS_DIR
    from gridsim.studies.balance import run_balance

    base = f'base = "{SCENARIOS_DIR / "ningxia_2025.toml"}"\n[study]\nwhole_year = false\nstart = "2025-04-07"\nend = "2025-04-10"\ncurtailment_by_cause = false\n'  # fmt: skip
    (tmp_path / "a.toml").write_text(base + '[scenario]\nname = "a"\n')
    (tmp_path / "b.toml").write_text(base + '[scenario]\nname = "b"\n[reserves]\nup_mw = 1500.0\nup_load_share = 0.05\n')  # fmt: skip
    plain, reserved = run_balance(tmp_path / "a.toml"), run_balance(tmp_path / "b.toml")
    assert plain.ok and reserved.ok
    p, a = reserved.dispatch.problem, reserved.dispatch.arrays
    headroom = (
        (a["thermal_u_mw"] - a["thermal_p_mw"]).sum(axis=1)
        + (p.hydro.p_max_mw - a["hydro_p_mw"]).sum(axis=1)
        + (p.storage.p_max_mw - a["storage_discharge_mw"] + a["storage_charge_mw"]).sum(axis=1)
    )
    need = 1500.0 + 0.05 * a["load_mw"].sum(axis=1)
    assert (headroom >= need - 1e-4).all()
    assert reserved.dispatch.objective >= plain.dispatch.objective - 1e-6 * abs(plain.dispatch.objective)  # fmt: skip
