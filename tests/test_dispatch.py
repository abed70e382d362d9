"""Analytical checks of the dispatch LP (small problems with known answers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridsim.dispatch import (
    DispatchOptions,
    DispatchProblem,
    Links,
    Renewable,
    Storage,
    Thermal,
    solve_dispatch,
)

WHOLE = DispatchOptions(window_h=None)


def _snaps(hours: int, start: str = "2025-03-03") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=hours, freq="h", tz="Asia/Shanghai")


def test_merit_order_copper_plate() -> None:
    T = 24
    load = 100.0 + 20.0 * np.sin(np.arange(T) / 24 * 2 * np.pi)
    th = Thermal.make(
        T, ["cheap", "dear"], node=0, p_max_mw=[80.0, 200.0], cost_per_mwh=[10.0, 50.0]
    )
    p = DispatchProblem.make(_snaps(T), ["sys"], load, thermal=th)
    res = solve_dispatch(p, WHOLE)
    assert res.status == "optimal"
    pt = res.frame("thermal_p_mw")
    np.testing.assert_allclose(pt["cheap"], 80.0, atol=1e-7)
    np.testing.assert_allclose(pt["dear"], load - 80.0, atol=1e-7)
    np.testing.assert_allclose(res.arrays["price_per_mwh"][:, 0], 50.0, atol=1e-7)
    assert res.objective == pytest.approx(np.sum(80 * 10 + (load - 80) * 50), rel=1e-12)


@pytest.mark.parametrize("dear_cost", [50.0, 12.0])
def test_storage_arbitrage_profit(dear_cost: float) -> None:
    # cheap energy only in hour 0, dear only in hour 1: the battery buys low and sells high
    T, eff, p_max, e_max = 2, 0.9, 10.0, 10.0
    avail = np.array([[1.0, 0.0], [0.0, 1.0]])
    th = Thermal.make(
        T, ["cheap", "dear"], p_max_mw=1000.0, avail_pu=avail, cost_per_mwh=[10.0, dear_cost]
    )
    st = Storage.make(
        T,
        ["bess"],
        p_max_mw=p_max,
        e_max_mwh=e_max,
        eff_charge=eff,
        eff_discharge=eff,
        soc0_mwh=0.0,
        cyclic=False,
    )
    p = DispatchProblem.make(_snaps(T), ["sys"], 100.0, thermal=th, storage=st)
    res = solve_dispatch(p, WHOLE)
    base = 100 * 10 + 100 * dear_cost
    charge = min(p_max, e_max / eff)
    sold = charge * eff * eff
    profit = max(0.0, sold * dear_cost - charge * 10.0)
    assert res.objective == pytest.approx(base - profit, rel=1e-10)
    if dear_cost * eff * eff < 10.0:  # not worth a round trip
        assert np.sum(res.arrays["storage_charge_mw"]) == pytest.approx(0.0, abs=1e-9)


def test_curtailment_exactly_when_must_take_exceeds_demand() -> None:
    T = 48
    h = np.arange(T) % 24
    wind = 400.0 * np.clip(np.sin(h / 24 * 2 * np.pi) + 0.5, 0, None)
    load = np.full(T, 300.0)
    export = 50.0
    floor = 120.0
    th = Thermal.make(T, ["chp"], p_max_mw=400.0, cost_per_mwh=200.0, must_run_mw=floor)
    rn = Renewable.make(T, ["wind"], capacity_mw=600.0, available_mw=wind)
    lk = Links.make(T, ["dc"], p_min_mw=export, p_max_mw=export, rating_mw=100.0)
    p = DispatchProblem.make(_snaps(T), ["sys"], load, thermal=th, renewable=rn, links=lk)
    res = solve_dispatch(p, WHOLE)
    expected = np.maximum(wind + floor - load - export, 0.0)
    np.testing.assert_allclose(res.arrays["renewable_curtail_mw"][:, 0], expected, atol=1e-6)
    assert (expected > 0).any() and (expected == 0).any()
    # storage absorbs part of the surplus
    st = Storage.make(T, ["bess"], p_max_mw=50.0, e_max_mwh=200.0, soc0_mwh=0.0)
    p2 = DispatchProblem.make(
        _snaps(T), ["sys"], load, thermal=th, renewable=rn, links=lk, storage=st
    )
    res2 = solve_dispatch(p2, WHOLE)
    assert res2.arrays["renewable_curtail_mw"].sum() < expected.sum() - 1.0


def test_commitment_min_stable_and_startup_cost() -> None:
    T = 6
    load = np.array([100.0, 100.0, 10.0, 10.0, 100.0, 100.0])
    both = Thermal.make(
        T,
        ["base", "peak"],
        p_max_mw=[100.0, 200.0],
        p_min_share=[0.5, 0.0],
        cost_per_mwh=[10.0, 100.0],
        startup_cost_per_mw=[5.0, 0.0],
    )
    p = DispatchProblem.make(_snaps(T), ["sys"], load, thermal=both)
    res = solve_dispatch(p, WHOLE)
    u = res.arrays["thermal_u_mw"][:, 0]
    pb = res.arrays["thermal_p_mw"][:, 0]
    assert np.all(pb >= 0.5 * u - 1e-9) and np.all(pb <= u + 1e-9)
    # in the valley the base unit is partly decommitted to 2*10 MW (cheaper than running
    # the peaker for 10 MW/h); restarting 80 MW costs 400 CNY
    np.testing.assert_allclose(u[2:4], 20.0, atol=1e-7)
    assert res.arrays["thermal_su_mw"][:, 0].sum() == pytest.approx(80.0)
    assert res.costs()["thermal_startup"] == pytest.approx(400.0)


def test_ramp_limit_binds() -> None:
    T = 4
    load = np.array([50.0, 100.0, 100.0, 100.0])
    th = Thermal.make(
        T, ["slow", "fast"], p_max_mw=100.0, cost_per_mwh=[10.0, 90.0], ramp_pu_per_h=[0.2, np.nan]
    )
    p = DispatchProblem.make(_snaps(T), ["sys"], load, thermal=th)
    res = solve_dispatch(p, DispatchOptions(window_h=None, commitment="none"))
    np.testing.assert_allclose(
        res.arrays["thermal_p_mw"][:, 0], [50.0, 70.0, 90.0, 100.0], atol=1e-7
    )


def test_unserved_energy_at_voll_is_reported() -> None:
    T = 3
    th = Thermal.make(T, ["g"], p_max_mw=80.0, cost_per_mwh=10.0)
    p = DispatchProblem.make(_snaps(T), ["sys"], 100.0, thermal=th, voll_per_mwh=5000.0)
    res = solve_dispatch(p, WHOLE)
    assert res.status == "optimal"
    np.testing.assert_allclose(res.arrays["unserved_mw"][:, 0], 20.0)
    np.testing.assert_allclose(res.arrays["price_per_mwh"][:, 0], 5000.0)
    assert res.costs()["unserved"] == pytest.approx(3 * 20 * 5000.0)


def test_energy_budgets_and_daily_shift_neutrality() -> None:
    from gridsim.dispatch import CurtailableLoad, Hydro, ShiftableLoad

    T = 48
    h = np.arange(T) % 24
    load = 100.0 + 100.0 * (h >= 18)
    th = Thermal.make(T, ["cheap", "peak"], p_max_mw=[120.0, 100.0], cost_per_mwh=[10.0, 300.0])
    hy = Hydro.make(T, ["hydro"], p_max_mw=40.0, energy_mwh=200.0)
    cu = CurtailableLoad.make(T, ["dr"], p_max_mw=10.0, energy_mwh=30.0, cost_per_mwh=100.0)
    sh = ShiftableLoad.make(T, ["shift"], p_max_mw=20.0, cost_per_mwh=1.0)
    p = DispatchProblem.make(
        _snaps(T), ["sys"], load, thermal=th, hydro=hy, curtailable=cu, shiftable=sh
    )
    res = solve_dispatch(p, WHOLE)
    a = res.arrays
    assert a["hydro_p_mw"].sum() == pytest.approx(200.0)  # the budget binds (water is free)
    assert a["dr_curtail_mw"].sum() == pytest.approx(30.0)  # cheaper than the peaker
    net = (a["shift_up_mw"] - a["shift_down_mw"])[:, 0]
    np.testing.assert_allclose(net.reshape(2, 24).sum(axis=1), 0.0, atol=1e-7)
    assert a["shift_down_mw"][h >= 18].sum() > 0  # moved out of the evening peak


def test_transport_losses_and_load_loss_factor() -> None:
    from gridsim.dispatch import Branches

    T = 3
    th = Thermal.make(T, ["far"], node=0, p_max_mw=500.0, cost_per_mwh=10.0)
    br = Branches.make(T, ["a-b"], node=0, to_node=1, p_max_mw=1000.0, loss_share=0.05)
    p = DispatchProblem.make(
        _snaps(T),
        ["a", "b"],
        np.array([[0.0, 100.0]] * T),
        thermal=th,
        branches=br,
        network="transport",
        loss_factor=0.02,
    )
    res = solve_dispatch(p, WHOLE)
    need = 100.0 * 1.02
    np.testing.assert_allclose(res.arrays["flow_mw"][:, 0], need / 0.95)
    np.testing.assert_allclose(res.arrays["thermal_p_mw"][:, 0], need / 0.95)
    np.testing.assert_allclose(res.arrays["branch_loss_mw"][:, 0], need / 0.95 * 0.05)
    np.testing.assert_allclose(res.arrays["network_loss_mw"][:, 1], 2.0)
    # the receiving node's price carries the loss
    np.testing.assert_allclose(res.arrays["price_per_mwh"][0], [10.0, 10.0 / 0.95])


def test_internal_dc_link_with_losses() -> None:
    T = 2
    th = Thermal.make(T, ["g"], node=0, p_max_mw=500.0, cost_per_mwh=10.0)
    lk = Links.make(
        T,
        ["hvdc"],
        node=0,
        to_node=1,
        p_max_mw=300.0,
        rating_mw=300.0,
        loss_share=0.04,
        loss_fixed_mw=2.0,
    )
    p = DispatchProblem.make(
        _snaps(T),
        ["a", "b"],
        np.array([[0.0, 94.0]] * T),
        thermal=th,
        links=lk,
        network="transport",
    )
    res = solve_dispatch(p, WHOLE)
    np.testing.assert_allclose(res.arrays["link_p_mw"][:, 0], (94.0 + 2.0) / 0.96)
    np.testing.assert_allclose(res.arrays["link_loss_mw"][:, 0], 0.04 * 100.0 + 2.0)


def test_summary_energy_and_coal() -> None:
    T = 4
    th = Thermal.make(
        T, ["coal"], p_max_mw=100.0, cost_per_mwh=10.0, coal_gce_per_kwh=300.0, co2_t_per_mwh=0.8
    )
    rn = Renewable.make(T, ["w"], fuel="wind", available_mw=[60.0, 60.0, 0.0, 0.0])
    p = DispatchProblem.make(_snaps(T), ["sys"], 50.0, thermal=th, renewable=rn)
    s = solve_dispatch(p, WHOLE).summary()
    assert s["demand_mwh"] == 200.0 and s["thermal_mwh"] == pytest.approx(100.0)
    assert s["wind_curtailed_mwh"] == pytest.approx(20.0)
    assert s["wind_utilisation"] == pytest.approx(100.0 / 120.0)
    assert s["coal_tce"] == pytest.approx(100.0 * 300.0 / 1000.0)  # 30 tce
    assert s["co2_t"] == pytest.approx(80.0)
