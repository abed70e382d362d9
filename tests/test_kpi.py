"""KPI functions against hand-computed values on a tiny synthetic result.

The case: two coal units (100 MW at 300 gce/kWh, 50 MW at 320 gce/kWh, never used)
and one wind farm, 48 hours, load 100 MW (120 MW from 18:00 to 24:00).
Day 1: wind available 80 MW, used 50 (70 in the evening), coal_a at 50 MW.
Day 2: wind available 20 MW, all used; coal_a at 80 (100 in the evening).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from gridsim import kpi
from gridsim.dispatch import (
    CurtailableLoad,
    DispatchProblem,
    DispatchResult,
    Links,
    Renewable,
    ShiftableLoad,
    Thermal,
)
from gridsim.dispatch.result import ARRAYS

T = 48
EVENING = np.tile(np.arange(24) >= 18, 2)
DAY1 = np.arange(T) < 24


def _result(problem: DispatchProblem, **arrays: Any) -> DispatchResult:
    out = {}
    for name, grp in ARRAYS.items():
        n = problem.nodes.n if grp == "nodes" else getattr(problem, grp).n
        out[name] = np.zeros((problem.T, n))
    out["load_mw"] = problem.nodes.load_mw.copy()
    for name, a in arrays.items():
        out[name] = np.asarray(a, float).reshape(problem.T, -1)
    return DispatchResult(problem, "optimal", out, windows=[])


@pytest.fixture()
def tiny() -> DispatchResult:
    snaps = pd.date_range("2025-05-01", periods=T, freq="h", tz="Asia/Shanghai")
    load = np.where(EVENING, 120.0, 100.0)
    th = Thermal.make(
        T,
        ["coal_a", "coal_b"],
        p_max_mw=[100.0, 50.0],
        coal_gce_per_kwh=[300.0, 320.0],
        co2_t_per_mwh=[0.8, 0.85],
        cost_per_mwh=[200.0, 220.0],
    )
    avail = np.where(DAY1, 80.0, 20.0)
    rn = Renewable.make(T, ["wind"], fuel="wind", capacity_mw=100.0, available_mw=avail)
    cur = CurtailableLoad.make(T, ["dr"], p_max_mw=3.6)
    sh = ShiftableLoad.make(T, ["shift"], p_max_mw=2.4)
    p = DispatchProblem.make(
        snaps, ["sys"], load, thermal=th, renewable=rn, curtailable=cur, shiftable=sh
    )
    wind = np.where(DAY1, np.where(EVENING, 70.0, 50.0), 20.0)
    coal_a = load - wind
    pt = np.column_stack([coal_a, np.zeros(T)])
    u = np.column_stack([np.full(T, 100.0), np.zeros(T)])
    return _result(
        p,
        thermal_p_mw=pt,
        thermal_u_mw=u,
        renewable_p_mw=wind,
        renewable_curtail_mw=avail - wind,
    )


def test_energy_utilisation_and_shares(tiny: DispatchResult) -> None:
    # wind: 18*50 + 6*70 + 24*20 = 1800 MWh used, 18*30 + 6*10 = 600 curtailed, 2400 available
    assert kpi.available_mwh(tiny) == {"wind": 2400.0, "total": 2400.0}
    assert kpi.curtailed_mwh(tiny) == {"wind": 600.0, "total": 600.0}
    assert kpi.utilisation(tiny) == pytest.approx(0.75)
    assert kpi.utilisation(tiny, "wind") == pytest.approx(0.75)
    gen = kpi.generation_mwh(tiny)
    # coal: 24*50 + 18*80 + 6*100 = 3240 MWh
    assert gen == pytest.approx({"coal": 3240.0, "wind": 1800.0, "total": 5040.0})
    assert kpi.demand_mwh(tiny) == pytest.approx(2 * (18 * 100 + 6 * 120))
    assert kpi.consumption_mwh(tiny) == pytest.approx(5040.0)
    assert kpi.new_energy_share_of_generation(tiny) == pytest.approx(1800 / 5040)
    assert kpi.renewable_share_of_consumption(tiny) == pytest.approx(1800 / 5040)
    assert kpi.unserved_mwh(tiny) == 0.0


def test_coal_co2_and_coal_rate(tiny: DispatchResult) -> None:
    # 3240 MWh at 300 g/kWh = 972 t; CO2 3240 * 0.8 = 2592 t; the idle unit does not count
    assert kpi.coal_t(tiny) == pytest.approx(972.0)
    assert kpi.co2_t(tiny) == pytest.approx(2592.0)
    assert kpi.coal_rate_gce_per_kwh(tiny) == pytest.approx(300.0)
    assert kpi.total_cost(tiny)["thermal_energy"] == pytest.approx(3240 * 200.0)


def test_peak_shaving_by_hand(tiny: DispatchResult) -> None:
    ps = kpi.peak_shaving(tiny)
    # day 1: net load 20 -> 40 MW, met by less curtailment (30 -> 10 MW);
    # day 2: 80 -> 100 MW, met by coal (80 -> 100 MW)
    assert ps["days"] == 2
    assert ps["net_load_swing_mw"]["mean"] == pytest.approx(20.0)
    assert ps["net_load_swing_mw"]["max"] == pytest.approx(20.0)
    assert ps["met_by"]["thermal"] == pytest.approx(0.5)
    assert ps["met_by"]["curtailment"] == pytest.approx(0.5)
    assert ps["met_by"]["battery"] == 0.0 and ps["met_by"]["other"] == pytest.approx(0.0)
    # deepest thermal: 50 MW of 150 installed, 50 of 100 committed
    assert ps["thermal_min_share_of_installed"] == pytest.approx(1 / 3)
    assert ps["thermal_min_share_of_committed"] == pytest.approx(0.5)
    terms = kpi.system_terms(tiny)
    assert terms["other"].abs().max() < 1e-9


def test_demand_response(tiny: DispatchResult) -> None:
    # (3.6 + 2.4) MW of 120 MW peak
    assert kpi.peak_load_mw(tiny) == 120.0
    assert kpi.dr_capacity_share_of_peak(tiny) == pytest.approx(0.05)
    assert kpi.dr_used_mwh(tiny) == {"curtailed": 0.0, "shifted": 0.0}


def test_unsolved_hours_are_left_out(tiny: DispatchResult) -> None:
    for a in tiny.arrays.values():
        a[~DAY1] = np.nan
    assert kpi.solved(tiny).sum() == 24
    # day 1 only: used 18*50 + 6*70 = 1320, curtailed 600
    assert kpi.utilisation(tiny) == pytest.approx(1320 / 1920)
    assert kpi.coal_t(tiny) == pytest.approx(24 * 50 * 0.3)
    assert kpi.solver(tiny)["status"] == "optimal"


def test_curtailment_split_pro_rata_within_a_node() -> None:
    T2 = 2
    snaps = pd.date_range("2025-05-01", periods=T2, freq="h", tz="Asia/Shanghai")
    rn = Renewable.make(
        T2, ["w", "s"], fuel=["wind", "solar"], available_mw=[[60.0, 40.0], [60.0, 0.0]]
    )
    p = DispatchProblem.make(snaps, ["sys"], 50.0, renewable=rn)
    # the LP curtailed only wind (50 of 100 MW in hour 0, 10 of 60 in hour 1)
    res = _result(p, renewable_p_mw=[[10.0, 40.0], [50.0, 0.0]], renewable_curtail_mw=[[50.0, 0.0], [10.0, 0.0]])  # fmt: skip
    used, cut = kpi.renewable_split(res)
    np.testing.assert_allclose(cut, [[30.0, 20.0], [10.0, 0.0]])
    np.testing.assert_allclose(used, [[30.0, 20.0], [50.0, 0.0]])
    assert kpi.utilisation(res, "wind") == pytest.approx(80 / 120)
    assert kpi.utilisation(res, "solar") == pytest.approx(0.5)
    assert kpi.utilisation(res) == pytest.approx(100 / 160)


def test_exports_and_curtailment_by_cause(tiny: DispatchResult) -> None:
    p = tiny.problem
    links = Links.make(T, ["dc", "ac_northwest"], to_node=-1, p_max_mw=50.0, rating_mw=50.0, loss_share=[0.05, 0.0])  # fmt: skip
    p2 = DispatchProblem.make(p.snapshots, ["sys"], p.nodes.load_mw, links=links)
    p2.meta["ac_links"] = ["ac_northwest"]
    res = _result(p2, link_p_mw=np.column_stack([np.full(T, 10.0), np.full(T, 5.0)]))
    ex = kpi.export_mwh(res)
    assert ex["dc"] == 480.0 and ex["ac_northwest"] == 240.0
    assert ex["dc_total"] == 480.0 and ex["ac_block"] == 240.0 and ex["total"] == 720.0
    assert ex["delivered_total"] == pytest.approx(480 * 0.95 + 240)
    # copper plate: everything is "balance"; a network run is compared with its copper plate
    cause = kpi.curtailment_by_cause(tiny)
    assert cause["network"] == 0.0 and cause["balance"] == 600.0
    net_run = DispatchResult(
        tiny.problem.__class__(**{**tiny.problem.__dict__, "network": "transport"}),
        "optimal",
        tiny.arrays,
        [],
    )
    cp = _result(tiny.problem, renewable_curtail_mw=np.full(T, 10.0))
    cause = kpi.curtailment_by_cause(net_run, cp)
    assert cause["network"] == pytest.approx(600 - 480) and cause["balance"] == pytest.approx(480)
    assert np.isnan(kpi.curtailment_by_cause(net_run, None)["network"])


def test_summary_and_scorecard(tiny: DispatchResult) -> None:
    s = kpi.summary(tiny)
    for key in (
        "generation_mwh",
        "export_mwh",
        "consumption_mwh",
        "available_mwh",
        "curtailed_mwh",
        "renewable_utilisation",
        "wind_utilisation",
        "solar_utilisation",
        "curtailment_by_cause",
        "peak_shaving",
        "dr_capacity_share_of_peak",
        "dr_used_mwh",
        "unserved_mwh",
        "coal_t",
        "co2_t",
        "new_energy_share_of_generation",
        "renewable_share_of_consumption",
        "total_cost",
        "solver",
    ):
        assert key in s, key
    assert np.isnan(s["solar_utilisation"])  # no solar in the case
    s["dc_export_capability_mw"] = 22_000.0
    card = kpi.scorecard(s).set_index("kpi")
    assert list(card.columns[:1]) == ["target"]
    assert card.loc["renewable_utilisation", "value"] == pytest.approx(0.75)
    assert not card.loc["renewable_utilisation", "met"]
    assert card.loc["dr_capacity_share_of_peak", "met"]  # exactly 5 % is met
    assert card.loc["renewable_share_of_consumption", "met"]  # 35.7 % >= 30 %
    assert not card.loc["coal_rate_gce_per_kwh", "met"]  # 300 is not < 300
    assert card.loc["dc_export_capability_mw", "met"]
