"""Operating rules of thermal and hydro units, each against an analytical reference:
deep peak regulation tiers, the CHP range at the hour's heat load, planned maintenance
and forced outages, the hydro group's monthly energy, and their scenario fields."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridsim.dispatch import build_operating as ops
from gridsim.dispatch.problem import DispatchProblem, Hydro, PeakTiers, Renewable, Thermal
from gridsim.dispatch.rolling import DispatchOptions, solve_dispatch
from gridsim.errors import InputError
from gridsim.profiles.calendar import snapshots
from gridsim.profiles.climate import ambient_temperature_c
from gridsim.profiles.heating import heat_load_pu, heat_load_table, heating_flags
from gridsim.profiles.zones import default_zones
from gridsim.scenario import load_scenario
from gridsim.studies.balance import build_options, prepare_network

FUEL = 250.0  # CNY/MWh


def _deep_peak_problem(prices: tuple[float, float]) -> DispatchProblem:
    """One 1,000 MW cluster kept committed by a prohibitive start-up cost, normal minimum
    50 %, tiers 50-40 % and 40-30 %, technical minimum 30 %; wind in the trough hours."""
    T = 4
    snaps = pd.date_range("2021-01-01", periods=T, freq="h")
    load = np.array([1000.0, 600.0, 600.0, 1000.0])
    wind = np.array([0.0, 250.0, 350.0, 0.0])
    th = Thermal.make(
        T, ["c1"], p_max_mw=1000.0, p_min_share=0.3, normal_min_share=0.5,
        cost_per_mwh=FUEL, u0_mw=1000.0, startup_cost_per_mw=1e6,
    )  # fmt: skip
    rn = Renewable.make(T, ["w"], available_mw=wind[:, None])
    pk = PeakTiers.make(T, ["t1", "t2"], unit=[0, 0], depth_share=[0.1, 0.1], price_per_mwh=prices)  # fmt: skip
    return DispatchProblem.make(snaps, ["n"], load[:, None], thermal=th, renewable=rn, peak_tiers=pk)  # fmt: skip


def test_deep_peak_tiers_fill_while_cheaper_than_the_fuel_saved() -> None:
    # tier 1 (100 CNY/MWh) is cheaper than the fuel it saves (250): used to its bottom
    # (400 MW) to take wind; tier 2 (400) is dearer: wind is curtailed instead.
    res = solve_dispatch(_deep_peak_problem((100.0, 400.0)), DispatchOptions(window_h=4, lookahead_h=0))  # fmt: skip
    a = res.arrays
    np.testing.assert_allclose(a["thermal_p_mw"][:, 0], [1000, 400, 400, 1000], atol=1e-6)
    np.testing.assert_allclose(a["peak_tier_mw"], [[0, 0], [100, 0], [100, 0], [0, 0]], atol=1e-6)
    np.testing.assert_allclose(a["renewable_p_mw"][:, 0], [0, 200, 200, 0], atol=1e-6)
    fuel = FUEL * (1000 + 400 + 400 + 1000)
    assert res.objective == pytest.approx(fuel + 100.0 * 200, rel=1e-9)


def test_deep_peak_both_tiers_when_both_cheaper() -> None:
    res = solve_dispatch(_deep_peak_problem((50.0, 200.0)), DispatchOptions(window_h=4, lookahead_h=0))  # fmt: skip
    a = res.arrays
    # hour 1: 600 - 250 wind = 350 < 400: coal 350 (tier 2 partly); hour 2: floor 300
    np.testing.assert_allclose(a["thermal_p_mw"][:, 0], [1000, 350, 300, 1000], atol=1e-6)
    np.testing.assert_allclose(a["peak_tier_mw"][1:3], [[100, 50], [100, 100]], atol=1e-6)
    fuel = FUEL * (1000 + 350 + 300 + 1000)
    assert res.objective == pytest.approx(fuel + 50.0 * 200 + 200.0 * 150, rel=1e-9)


def test_peak_tiers_are_cut_at_the_technical_minimum() -> None:
    tiers = ops.peak_tiers(
        3, ["a", "b", "c"], np.array([0.4, 0.3, 0.2]), np.array([0.5, 0.5, np.nan]),
        [0.4, 0.3], [100.0, 300.0],
    )  # fmt: skip
    assert list(tiers.names) == ["a_tier1", "b_tier1", "b_tier2"]
    np.testing.assert_allclose(tiers.depth_share, [0.1, 0.1, 0.1])
    np.testing.assert_array_equal(tiers.unit, [0, 1, 1])


def test_chp_range_follows_the_back_pressure_line() -> None:
    q = np.array([[0.0], [0.2], [0.5], [1.0]])
    floor, cap = ops.chp_range(q, np.array([0.6]), np.array([0.3]), np.array([0.15]))
    # floor = max(0.3, 0.6 q) while heating, 0 otherwise; cap = 1 - 0.15 q
    np.testing.assert_allclose(floor[:, 0], [0.0, 0.3, 0.3, 0.6])
    np.testing.assert_allclose(cap[:, 0], [1.0, 0.97, 0.925, 0.85])


def test_heat_load_is_the_heat_load_ratio_of_the_daily_mean_temperature() -> None:
    snaps = snapshots(2021)
    zones = default_zones()
    q = heat_load_pu(snaps, zones)
    temp = pd.DataFrame(ambient_temperature_c(snaps, zones), index=snaps)
    daily = temp.groupby(snaps.normalize()).transform("mean").to_numpy()
    design = np.array([z.temp_mean_c - z.temp_season_amp_k for z in zones])
    want = np.clip((18.0 - daily) / (18.0 - design), 0, 1) * heating_flags(snaps, zones)
    np.testing.assert_allclose(q, want, atol=1e-12)
    assert q[snaps.month == 7].max() == 0.0 and q[snaps.month == 1].mean() > 0.95
    flags = pd.DataFrame(heating_flags(snaps, zones), index=snaps, columns=[z.name for z in zones])
    flags["some_unit"] = flags["north"]  # a column that is no zone: the flag is full load
    table = heat_load_table(flags)
    np.testing.assert_allclose(table[[z.name for z in zones]].to_numpy(), q, atol=1e-12)
    np.testing.assert_array_equal(table["some_unit"].to_numpy(), flags["north"].to_numpy(float))


def test_maintenance_goes_to_the_weeks_with_the_largest_margin() -> None:
    week = np.repeat(np.arange(6), 168)
    allowed = np.ones(week.size, dtype=bool)
    allowed[week == 0] = False  # e.g. heating season
    margin = np.repeat([9000.0, 1000.0, 3000.0, 5000.0, 2000.0, 4000.0], 168)
    # one 1,000 MW cluster needing 2 weeks a year over a 6-week study: 2 x 6/52 of a year
    out = ops.maintenance_out_pu(np.array([2.0]), np.array([1000.0]), week, allowed, margin)
    mw_weeks = (out[:, 0] * 1000.0).sum() / 168.0
    assert mw_weeks == pytest.approx(2.0 * 1000.0 * 6 / 52, rel=1e-9)
    per_week = out[::168, 0] * 1000.0
    assert per_week[0] == 0.0  # not allowed, although it has the largest margin
    assert per_week[3] == pytest.approx(mw_weeks, rel=1e-6)  # all in the best allowed week
    # a larger need levels the two best weeks (5000 and 4000 MW of margin)
    # (4,000 MW needing 1,500 MW-weeks: (5000 - L) + (4000 - L) = 1500 at L = 3750)
    out = ops.maintenance_out_pu(np.array([3.25]), np.array([4000.0]), week, allowed, margin)
    per_week = out[::168, 0] * 4000.0
    np.testing.assert_allclose(per_week, [0, 0, 0, 1250, 0, 250], atol=1e-6)


def test_hydro_monthly_energy_follows_the_river_flow() -> None:
    snaps = pd.date_range("2021-01-01", "2021-04-01", freq="h", inclusive="left")
    T = len(snaps)
    shape = [1.0, 2.0, 3.0] + [1.0] * 9
    weight = ops.monthly_weight(np.asarray(snaps.month), shape)
    np.testing.assert_allclose(weight.mean(), 1.0)
    energy = 300_000.0
    inflow = weight * energy / T  # MW; a day's energy is at most its inflow
    hy = Hydro.make(T, ["h"], p_max_mw=1000.0, inflow_mw=inflow[:, None])
    th = Thermal.make(T, ["c"], p_max_mw=2000.0, cost_per_mwh=300.0)
    load = 1500.0 + 300.0 * np.sin(np.arange(T) * 2 * np.pi / 24)  # pondage follows the load
    p = DispatchProblem.make(snaps, ["n"], load[:, None], thermal=th, hydro=hy)
    res = solve_dispatch(p, DispatchOptions(window_h=168, lookahead_h=24, commitment="none"))
    hydro = pd.Series(res.arrays["hydro_p_mw"][:, 0], index=snaps)
    monthly = hydro.groupby(snaps.month).sum()
    np.testing.assert_allclose(monthly.to_numpy(), energy * np.array([1, 2, 3]) / 6, rtol=1e-6)
    daily = hydro.groupby(snaps.normalize()).sum()
    np.testing.assert_allclose(daily.to_numpy(), pd.Series(inflow, index=snaps).groupby(snaps.normalize()).sum().to_numpy(), rtol=1e-6)  # fmt: skip


def _scenario(tmp_path, body: str):  # type: ignore[no-untyped-def]
    f = tmp_path / "s.toml"
    f.write_text('base = "ningxia_2025_week"\n' + body)
    return load_scenario(f)


def test_scenario_rules_reach_the_build_options(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sc = _scenario(
        tmp_path,
        """
[thermal]
peak_regulation = ["coal"]
normal_min_share = 0.5
tier_min_share = [0.4, 0.3]
tier_price = [150.0, 400.0]
forced_outage_rate = { coal = 0.03, coal_east_1 = 0.05 }
maintenance = { coal_east_2 = "2025-03-18/2025-03-20" }
[hydro]
monthly_shape = [1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1]
""",
    )
    net = prepare_network(sc)
    o = build_options(sc, "copperplate", 7 * 24 / 8760, net)
    coal = net.gen.index[net.gen.fuel == "coal"]
    assert set(o.peak_normal_min_share) == set(coal)
    assert o.forced_outage_rate["coal_east_1"] == 0.05  # a unit overrides its fuel
    assert o.forced_outage_rate["coal_north_1"] == 0.03
    assert o.maintenance_periods == {"coal_east_2": ("2025-03-18", "2025-03-20")}
    assert o.hydro_monthly_shape[5] == 2.0


@pytest.mark.parametrize(
    ("body", "field", "value"),
    [
        (
            "[thermal]\ntier_min_share = [0.4, 0.3]\ntier_price = [400.0, 100.0]\n",
            "thermal.tier_price",
            "[400.0, 100.0]",
        ),  # fmt: skip
        (
            "[thermal]\ntier_min_share = [0.3, 0.4]\ntier_price = [1.0, 2.0]\n",
            "thermal.tier_min_share",
            "[0.3, 0.4]",
        ),  # fmt: skip
        ("[thermal]\ntier_min_share = [0.4]\ntier_price = []\n", "thermal.tier_price", "[]"),
        (
            '[thermal]\nmaintenance = { coal_east_2 = "2025-03-18" }\n',
            "thermal.maintenance.coal_east_2",
            "2025-03-18",
        ),  # fmt: skip
        (
            '[thermal]\nmaintenance = { nowhere = "2025-03-18/2025-03-20" }\n',
            "thermal.maintenance.nowhere",
            "nowhere",
        ),  # fmt: skip
        (
            "[thermal]\nforced_outage_rate = { uranium = 0.1 }\n",
            "thermal.forced_outage_rate.uranium",
            "uranium",
        ),  # fmt: skip
        ("[hydro]\nmonthly_shape = [1, 2, 3]\n", "hydro.monthly_shape", "[1.0, 2.0, 3.0]"),
    ],
)
def test_bad_rules_name_the_field_and_value(tmp_path, body: str, field: str, value: str) -> None:  # type: ignore[no-untyped-def]
    sc = _scenario(tmp_path, body)
    with pytest.raises(InputError) as err:
        build_options(sc, "copperplate", 0.02, prepare_network(sc))
    msg = str(err.value)
    assert field in msg and value in msg and "s.toml" in msg


def test_derated_unit_stays_committable_as_a_whole_unit() -> None:
    # a 660 MW CHP unit losing 15 % of its output to extraction: committed whole (MILP),
    # its output capped at 561 MW, its heat-driven floor of 323 MW met
    T = 3
    snaps = pd.date_range("2021-01-01", periods=T, freq="h")
    th = Thermal.make(
        T, ["chp"], p_max_mw=660.0, derate_pu=0.85, must_run_mw=323.0, unit_size_mw=660.0,
        p_min_share=0.3, cost_per_mwh=FUEL,
    )  # fmt: skip
    rn = Renewable.make(T, ["w"], available_mw=0.0)
    p = DispatchProblem.make(snaps, ["n"], np.full((T, 1), 700.0), thermal=th, renewable=rn, voll_per_mwh=1e4)  # fmt: skip
    for commitment in ("linear", "milp"):
        res = solve_dispatch(p, DispatchOptions(window_h=T, lookahead_h=0, commitment=commitment))
        assert res.status == "optimal"
        np.testing.assert_allclose(res.arrays["thermal_p_mw"][:, 0], 561.0, atol=1e-6)
        np.testing.assert_allclose(res.arrays["unserved_mw"][:, 0], 139.0, atol=1e-6)
