"""A year's public inputs in a scenario: element dates, per-unit capacities, battery power
and energy, round-trip efficiencies, the monthly demand and the DC export energies and
monthly shapes (gridsim.studies.balance, gridsim.studies.balance_inputs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.errors import InputError
from gridsim.scenario import SCENARIOS_DIR, load_scenario
from gridsim.studies.balance import build_options, prepare_network, prepare_profiles

BASE = f'base = "{SCENARIOS_DIR / "ningxia_2025.toml"}"\n'
SHAPE = [1.2, 1.15, 1.0, 0.9, 0.85, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1, 1.2]


@pytest.fixture()
def scen_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "scenarios"
    d.mkdir()
    monkeypatch.chdir(tmp_path)
    return d


def _load(d: Path, text: str):  # type: ignore[no-untyped-def]
    (d / "x.toml").write_text(BASE + text)
    return load_scenario("scenarios/x.toml")


# ----------------------------------------------------------------- network
def test_battery_mw_alone_keeps_each_duration(scen_dir: Path) -> None:
    ref = prepare_network(load_scenario("ningxia_2025")).storage
    bat = ref.kind == "battery"
    net = prepare_network(_load(scen_dir, "[storage]\nbattery_mw = 10200\n"))
    st = net.storage
    assert st.max_p_mw[bat].sum() == pytest.approx(10200.0)
    np.testing.assert_allclose(st.max_e_mwh[bat] / st.max_p_mw[bat], ref.max_e_mwh[bat] / ref.max_p_mw[bat])  # fmt: skip
    net = prepare_network(_load(scen_dir, "[storage]\nbattery_mwh = 40800\n"))
    np.testing.assert_allclose(net.storage.max_p_mw[bat], ref.max_p_mw[bat])  # power kept
    assert net.storage.max_e_mwh[bat].sum() == pytest.approx(40800.0)


def test_round_trip_efficiency_per_kind(scen_dir: Path) -> None:
    text = "[storage]\nround_trip_efficiency = 0.81\nbattery_round_trip_efficiency = 0.9025\n"
    st = prepare_network(_load(scen_dir, text)).storage
    bat = st.kind == "battery"
    np.testing.assert_allclose(st.eff_charge[bat], 0.95)  # sqrt(0.9025)
    np.testing.assert_allclose(st.eff_discharge[~bat], 0.9)  # sqrt(0.81)
    np.testing.assert_allclose(st.eff_charge * st.eff_discharge, np.where(bat, 0.9025, 0.81))
    with pytest.raises(InputError, match="storage.battery_round_trip_efficiency must be within 0..1, got 1.2"):  # fmt: skip
        _load(scen_dir, "[storage]\nbattery_round_trip_efficiency = 1.2\n")
    with pytest.raises(InputError, match="storage.round_trip_efficiency must be > 0"):
        prepare_network(_load(scen_dir, "[storage]\nround_trip_efficiency = 0.0\n"))


def test_unit_mw_sets_one_unit(scen_dir: Path) -> None:
    ref = prepare_network(load_scenario("ningxia_2025")).gen
    sc = _load(scen_dir, "[network.overrides]\nunit_mw = { coal_east_1 = 1200.0 }\n")
    assert sc.network.overrides.capacity_mw == {}  # not read as the <fuel>_mw of fuel 'unit'
    gen = prepare_network(sc).gen
    assert gen.max_p_mw["coal_east_1"] == 1200.0
    share = ref.min_p_mw["coal_east_1"] / ref.max_p_mw["coal_east_1"]
    assert gen.min_p_mw["coal_east_1"] == pytest.approx(1200.0 * share)
    others = gen.index != "coal_east_1"
    np.testing.assert_array_equal(gen.max_p_mw[others], ref.max_p_mw[others])
    sc = _load(scen_dir, "[network.overrides]\nunit_mw = { coal_east1 = 1200.0 }\n")
    with pytest.raises(InputError) as e:
        prepare_network(sc)
    assert str(e.value).startswith(
        "scenarios/x.toml: network.overrides.unit_mw.coal_east1 is not a generator of the network; close: coal_east_1"
    )  # fmt: skip


def test_scale_takes_a_unit_name(scen_dir: Path) -> None:
    ref = prepare_network(load_scenario("ningxia_2025")).gen
    gen = prepare_network(_load(scen_dir, "[network.overrides]\nscale = { coal_east_2 = 0.5 }\n")).gen  # fmt: skip
    assert gen.max_p_mw["coal_east_2"] == pytest.approx(0.5 * ref.max_p_mw["coal_east_2"])
    assert gen.max_p_mw["coal_east_1"] == ref.max_p_mw["coal_east_1"]


def test_dates_reach_every_element_table(scen_dir: Path) -> None:
    text = (
        "[network.overrides]\n"
        'commission_date = { battery_north = "2025-07-01", ningxiang = "2025-03-01", "helanshan-shahu_750" = "2025-02-01", coal_east_1 = "2025-01-15" }\n'
        'decommission_date = { shahu_750_330 = "2025-11-01", battery_south = "2025-10-01" }\n'
    )  # fmt: skip
    net = prepare_network(_load(scen_dir, text))
    assert net.storage.commission_date["battery_north"] == "2025-07-01"
    assert net.dcline.commission_date["ningxiang"] == "2025-03-01"
    assert net.line.commission_date["helanshan-shahu_750"] == "2025-02-01"
    assert net.gen.commission_date["coal_east_1"] == "2025-01-15"
    assert net.trafo.decommission_date["shahu_750_330"] == "2025-11-01"
    assert net.storage.decommission_date["battery_south"] == "2025-10-01"
    sc = _load(scen_dir, '[network.overrides]\ndecommission_date = { batery_north = "2025-01-01" }\n')  # fmt: skip
    with pytest.raises(InputError, match="decommission_date.batery_north is not a generator, storage unit, DC link, line or trafo of the network; close: battery_north"):  # fmt: skip
        prepare_network(sc)


# ------------------------------------------------------------------ demand
def test_monthly_twh_sets_each_month(scen_dir: Path) -> None:
    months = [10.0, 9.0, 10.5, 10.0, 10.2, 10.4, 11.0, 11.0, 10.1, 10.3, 10.6, 11.4]
    prof, _ = prepare_profiles(_load(scen_dir, f"[demand]\nmonthly_twh = {months}\n"))
    sums = prof.load_mw.sum(axis=1).groupby(prof.snapshots.month).sum().to_numpy() / 1e6
    np.testing.assert_allclose(sums, months, rtol=1e-12)


def test_monthly_share_spreads_the_years_demand(scen_dir: Path) -> None:
    ref, _ = prepare_profiles(load_scenario("ningxia_2025"))
    prof, _ = prepare_profiles(_load(scen_dir, f"[demand]\nmonthly_share = {SHAPE}\n"))
    total = ref.load_mw.to_numpy().sum()
    assert prof.load_mw.to_numpy().sum() == pytest.approx(total, rel=1e-12)
    sums = prof.load_mw.sum(axis=1).groupby(prof.snapshots.month).sum().to_numpy()
    np.testing.assert_allclose(sums, total * np.array(SHAPE) / sum(SHAPE), rtol=1e-12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[demand]\nmonthly_twh = [10.0, 10.0]\n", "demand.monthly_twh must have 12 values (January first), got 2"),
        ("[demand]\nmonthly_share = [1.0, -1.0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n", "demand.monthly_share[1] must be >= 0, got -1.0"),
        ("[demand]\nmonthly_share = [0.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n", "demand.monthly_share must have a month with a value > 0"),
        (f"[demand]\nmonthly_share = {SHAPE}\nmonthly_twh = {SHAPE}\n", "demand.monthly_share and demand.monthly_twh are alternatives"),
        ('[exports.monthly_shape]\nlingshao = [1, 2, 3]\n', "exports.monthly_shape.lingshao must have 12 values"),
        ('[exports]\nenergy_twh = { lingshao = -3.0 }\n', "exports.energy_twh.lingshao must be >= 0, got -3.0"),
        ('[demand]\nmonthly_twh = "many"\n', "demand.monthly_twh must be a list, got 'many'"),
    ],
)  # fmt: skip
def test_input_errors_on_load(scen_dir: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as e:
        _load(scen_dir, text)
    assert str(e.value).startswith("scenarios/x.toml: " + message), str(e.value)


def test_monthly_twh_must_agree_with_demand_twh(scen_dir: Path) -> None:
    text = '[profiles]\ndir = "x"\n[profiles.generate]\nyear = 2025\ndemand_twh = 125.0\n[demand]\nmonthly_twh = [10.0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]\n'  # fmt: skip
    with pytest.raises(InputError, match="demand.monthly_twh sums to 120 TWh, but profiles.generate.demand_twh is 125"):  # fmt: skip
        _load(scen_dir, text.replace('[profiles]\ndir = "x"\n', ""))


# ----------------------------------------------------------------- exports
def _sent_mwh(sc, prof, link: str) -> float:  # type: ignore[no-untyped-def]
    net = prepare_network(sc)
    return float(prof.export_pu[link].sum() * net.dcline.max_p_mw[link])


def test_energy_twh_fits_the_schedule_and_bounds_the_dispatch(scen_dir: Path) -> None:
    sc = _load(scen_dir, "[exports]\nenergy_twh = { lingshao = 45.0 }\nenergy_band_share = 0.02\n")
    prof, year_h = prepare_profiles(sc)
    assert _sent_mwh(sc, prof, "lingshao") == pytest.approx(45e6, rel=1e-9)
    o = build_options(sc, "copperplate", 1.0, prepare_network(sc), year_h, prof)
    assert o.export_energy_max_mwh["lingshao"] == pytest.approx(45e6 * 1.02, rel=1e-9)
    assert o.export_energy_mwh["lingshao"] == pytest.approx(45e6 * 0.98, rel=1e-9)
    assert o.export_energy_mwh["yindong"] == pytest.approx(30.5e6)  # <link>_min_twh as before


def test_energy_twh_of_a_link_commissioned_mid_year(scen_dir: Path) -> None:
    text = '[network.overrides]\ncommission_date = { ningxiang = "2025-07-01" }\n[exports]\nenergy_twh = { ningxiang = 18.0 }\n'  # fmt: skip
    sc = _load(scen_dir, text)
    prof, _ = prepare_profiles(sc)
    before = prof.snapshots < pd.Timestamp("2025-07-01", tz="Asia/Shanghai")
    assert prof.export_pu["ningxiang"][before].sum() == 0
    assert _sent_mwh(sc, prof, "ningxiang") == pytest.approx(18e6, rel=1e-9)


def test_monthly_shape_of_a_link(scen_dir: Path) -> None:
    text = f"[exports]\nenergy_twh = {{ lingshao = 40.0 }}\n[exports.monthly_shape]\nlingshao = {SHAPE}\nzhaoyi = {SHAPE}\n"  # fmt: skip
    sc = _load(scen_dir, text)
    ref, _ = prepare_profiles(load_scenario("ningxia_2025"))
    prof, _ = prepare_profiles(sc)
    rating = prepare_network(sc).dcline.max_p_mw
    w = np.array(SHAPE) / sum(SHAPE)
    for link, total in (("lingshao", 40e6), ("zhaoyi", ref.export_pu["zhaoyi"].sum() * rating["zhaoyi"])):  # fmt: skip
        sums = (prof.export_pu[link] * rating[link]).groupby(prof.snapshots.month).sum()
        np.testing.assert_allclose(sums.to_numpy(), total * w, rtol=1e-9)


def test_export_errors_name_the_link(scen_dir: Path) -> None:
    sc = _load(scen_dir, "[exports]\nenergy_twh = { lingshao = 90.0 }\n")
    with pytest.raises(InputError, match=r"exports.energy_twh.lingshao cannot be scheduled on a \d+ MW link: .* exceed"):  # fmt: skip
        prepare_profiles(sc)
    sc = _load(scen_dir, "[exports]\nenergy_twh = { lingshaoo = 9.0 }\n")
    with pytest.raises(InputError, match="exports.energy_twh.lingshaoo is not an export link with a schedule"):  # fmt: skip
        prepare_profiles(sc)


def test_a_week_run_holds_the_links_energy(scen_dir: Path) -> None:
    """End to end (one week of 2025): the energy sent on an ``energy_twh`` link is its
    scheduled energy over the week, and a battery dated within the week is empty before."""
    from gridsim.studies.balance import run_balance

    text = (
        f'base = "{SCENARIOS_DIR / "ningxia_2025_week.toml"}"\n[study]\ncurtailment_by_cause = false\n'
        "[exports]\nenergy_twh = { lingshao = 45.0 }\n"
        '[network.overrides]\ncommission_date = { battery_north = "2025-03-20" }\n'
    )
    (scen_dir / "w.toml").write_text(text)
    res = run_balance("scenarios/w.toml")
    assert res.ok
    p, a = res.dispatch.problem, res.dispatch.arrays
    j = list(p.links.names).index("lingshao")
    rating = res.network.dcline.max_p_mw["lingshao"]
    prof, _ = prepare_profiles(res.scenario)
    scheduled = prof.export_pu["lingshao"].sum() * rating
    assert a["link_p_mw"][:, j].sum() == pytest.approx(scheduled, rel=1e-6)
    k = list(p.storage.names).index("battery_north")
    before = np.asarray(p.snapshots < pd.Timestamp("2025-03-20", tz="Asia/Shanghai"))
    assert before.sum() == 72 and np.abs(a["storage_soc_mwh"][before, k]).max() < 1e-6
