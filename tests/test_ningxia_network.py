"""The shipped Ningxia 2020 and 2025 networks against the plan figures and the reference."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from gridsim.cases.ningxia.network import (
    CONSUMPTION_TWH,
    DC_LINKS,
    EDGES,
    HOURS,
    LATE_2020_DATE,
    PLAN_2020_MW,
    SNAPSHOTS,
    STATIONS,
    ZONE_LOAD_SHARE,
    apply_snapshot,
    build_ningxia,
    dc_losses,
    straight_line_km,
)
from gridsim.network import load_network
from gridsim.network.io_native import read_native, write_native
from gridsim.network.validation import bus_islands

YEARS = (2020, 2025)
BBOX_LAT, BBOX_LON = (35.2, 39.5), (104.2, 107.7)

# stations of the reference (section 1.1/1.2); 烽燧 is planned for 2026 and excluded
STATIONS_2020 = ["helanshan", "shahu", "yinchuan_east", "lingzhou", "huanghe", "taiyangshan",
                 "qixiang", "liupanshan"]  # fmt: skip
STATIONS_2025 = STATIONS_2020 + ["miaoling", "qingshan", "tiandushan", "shapotou", "zhongning"]
EXTERNAL = ["baiyin", "pingliang", "yikezhao"]


@pytest.fixture(scope="module", params=YEARS)
def net(request):
    return load_network(f"ningxia_{request.param}")


def capacity(net, fuel: str) -> float:
    g = net.gen
    return float(g.loc[(g["fuel"] == fuel) & g["in_service"], "max_p_mw"].sum())


def test_networks_validate(net):
    net.validate()
    assert net.meta["year"] in YEARS


def test_shipped_files_regenerate_exactly():
    for year in YEARS:
        shipped, built = load_network(f"ningxia_{year}"), build_ningxia(year)
        for table, df in built.tables().items():
            pd.testing.assert_frame_equal(shipped.table(table), df, check_index_type=False)
        assert shipped.meta == built.meta


def test_native_toml_round_trip(tmp_path, net):
    path = tmp_path / "copy.toml"
    write_native(net, path)
    back = read_native(path)
    for table, df in net.tables().items():
        pd.testing.assert_frame_equal(back.table(table), df, check_index_type=False)
    assert back.meta == net.meta


def test_capacity_2020_equals_plan_by_type():
    net = load_network("ningxia_2020")
    for fuel, mw in PLAN_2020_MW.items():
        assert capacity(net, fuel) == pytest.approx(mw, abs=1e-6), fuel
    total = sum(capacity(net, f) for f in PLAN_2020_MW)
    assert total == pytest.approx(59427.0)


def test_capacity_2025_meets_targets():
    net = load_network("ningxia_2025")
    assert capacity(net, "wind") >= 17500.0
    assert capacity(net, "solar") >= 32500.0
    total = sum(capacity(net, f) for f in PLAN_2020_MW)
    assert total >= 90000.0
    renewables = sum(capacity(net, f) for f in ("wind", "solar", "hydro", "biomass"))
    assert renewables > 50000.0
    # thermal: 2020 fleet + 六盘山扩建 2x1000 + 天元锰业 CHP 2x350 + 宁湘 peaking 4,640
    assert capacity(net, "coal") == pytest.approx(33137.0 + 2000.0 + 700.0 + 4640.0)
    g = net.gen
    assert g.at["coal_central_tianyuan_chp", "chp"]
    nx = g[g.index.str.contains("ningxiang")]
    assert (nx["zone"] == "central").all()
    by_fuel = nx.groupby("fuel")["max_p_mw"].sum()
    assert by_fuel.to_dict() == {"coal": 4640.0, "solar": 9000.0, "wind": 4000.0}


def test_dc_export_capability():
    expected = {2020: 14000.0, 2025: 22000.0}
    for year in YEARS:
        net = load_network(f"ningxia_{year}")
        dc = net.dcline[net.dcline["in_service"]]
        assert dc["max_p_mw"].sum() == expected[year]
        assert net.meta["dc_export_capability_mw"] == expected[year]
        assert dc.at["yindong", "from_bus"] == "yinchuan_east_750"
        assert dc.at["lingshao", "from_bus"] == "lingzhou_750"
        assert dc.at["zhaoyi", "from_bus"] == "yikezhao_750"
        assert ("ningxiang" in dc.index) == (year == 2025)
        # every receiving bus is its own island with its own slack
        _, label = bus_islands(net)
        island = pd.Series(label, index=net.bus.index)
        slack = net.gen[net.gen["slack"]]
        for name, row in dc.iterrows():
            assert island[row["to_bus"]] != island[row["from_bus"]], name
            mates = slack[slack["bus"].map(island) == island[row["to_bus"]]]
            assert list(mates["bus"]) == [row["to_bus"]], name
            assert (mates["fuel"] == "ext").all()
            assert row["loss_percent"] > 0 and row["loss_mw"] > 0 and row["vn_dc_kv"] > 0


def test_dc_losses_plausible():
    for link in DC_LINKS:
        loss_mw, loss_pct = dc_losses(link)
        full = loss_mw + loss_pct / 100 * link.mw
        assert 0.03 * link.mw < full < 0.07 * link.mw, link.name


def test_stations_with_coordinates():
    for year, keys in ((2020, STATIONS_2020), (2025, STATIONS_2025)):
        bus = load_network(f"ningxia_{year}").bus
        for key in keys:
            row = bus.loc[f"{key}_750"]
            assert BBOX_LAT[0] <= row["geo_lat"] <= BBOX_LAT[1], key
            assert BBOX_LON[0] <= row["geo_lon"] <= BBOX_LON[1], key
            assert row["zone"] in ("north", "east", "central", "south")
        for key in EXTERNAL:
            assert bus.at[f"{key}_750", "zone"] == "ext"
        assert "fengsui_750" not in bus.index
    zones = {s.key: s.zone for s in STATIONS}
    assert {k for k, z in zones.items() if z == "north"} == {"helanshan", "shahu", "fengsui"}
    assert {k for k, z in zones.items() if z == "east"} == {
        "yinchuan_east", "lingzhou", "taiyangshan", "qingshan"}  # fmt: skip
    assert {k for k, z in zones.items() if z == "south"} == {"liupanshan"}


def test_fengsui_option():
    net = build_ningxia(2025, with_fengsui=True)
    net.validate()
    assert net.trafo.at["fengsui_750_330", "sn_mva"] == 1500.0
    assert net.trafo.at["fengsui_750_330", "parallel"] == 2
    assert "shahu-fengsui_750" in net.line.index


def test_names_are_ascii_snake_case_with_voltage(net):
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*_\d+", b) for b in net.bus.index)
    assert all(re.fullmatch(r"[a-z0-9_\-]+", n) for n in net.line.index)
    assert set(net.gen["fuel"]) <= {"coal", "wind", "solar", "hydro", "biomass", "ext"}
    assert set(net.bus["zone"]) <= {"north", "east", "central", "south", "ext"}


def test_750kv_lines_and_lengths():
    sourced = [{"baiyin", "tiandushan"}, {"tiandushan", "shapotou"}]  # [S6][S7]
    for e in EDGES:
        if {e.a, e.b} not in sourced:  # est.: straight line x 1.2
            assert e.km == pytest.approx(straight_line_km(e.a, e.b) * 1.2, rel=0.15), (e.a, e.b)
    net = load_network("ningxia_2025")
    line = net.line
    assert line.at["baiyin-tiandushan_750", "parallel"] == 3
    assert line.at["baiyin-tiandushan_750", "length_km"] == 89.5
    assert line.at["tiandushan-shapotou_750", "length_km"] == 64.13
    assert line.at["shahu-yikezhao_750", "parallel"] == 3
    hv = line[line["from_bus"].str.endswith("_750")]
    assert (hv["r_ohm_per_km"] == 0.013).all() and (hv["x_ohm_per_km"] == 0.266).all()
    assert (hv["c_nf_per_km"] == 13.2).all() and (hv["max_i_ka"] > 4).all()
    lv = line[line["from_bus"].str.endswith("_330")]
    assert (lv["x_ohm_per_km"] == 0.32).all() and (lv["c_nf_per_km"] == 11.2).all()
    # 330 kV lines stay inside their zone (four partitions)
    zone = net.bus["zone"]
    assert (zone[lv["from_bus"]].to_numpy() == zone[lv["to_bus"]].to_numpy()).all()
    # the Gansu section of 2022: 4 circuits
    old = load_network("ningxia_2020")
    gansu = old.meta["sections"]["gansu"]
    assert old.line.loc[gansu["lines"], "parallel"].sum() == 4
    assert gansu["limit_mw"] == 7000.0
    assert net.meta["sections"]["gansu"]["limit_mw"] >= 8000.0


def test_transformers(net):
    tr = net.trafo
    assert (tr["vk_percent"] == 18.0).all() and (tr["vkr_percent"] == 0.3).all()
    assert set(tr["sn_mva"]) <= {1500.0, 2100.0}
    if net.meta["year"] == 2025:
        assert tr.at["qingshan_750_330", "sn_mva"] * tr.at["qingshan_750_330", "parallel"] == 4200


def test_coal_operating_data(net):
    coal = net.gen[net.gen["fuel"] == "coal"]
    assert (coal["co2_t_per_mwh"] == (coal["coal_gce_per_kwh"] * 2.66e-3).round(4)).all()
    assert coal["coal_gce_per_kwh"].between(280, 330).all()
    share = coal["min_p_mw"] / coal["max_p_mw"]
    assert share.between(0.3 - 1e-9, 0.4 + 1e-9).all()
    assert (coal["cost_per_mwh"] > 0).all() and (coal["startup_cost_per_mw"] > 0).all()
    chp = coal[coal["chp"]]
    assert len(chp) >= 4 and (chp["chp_min_share"] == 0.5).all()
    assert (coal.loc[~coal["chp"], "chp_min_share"] == 0).all()
    mean = np.average(coal["coal_gce_per_kwh"], weights=coal["max_p_mw"])
    if net.meta["year"] == 2025:
        assert mean < 300.0  # plan target: average supply coal rate < 300 gce/kWh
    renew = net.gen[net.gen["fuel"].isin(["wind", "solar"])]
    assert (renew["cost_per_mwh"] == 0).all() and (~renew["controllable"]).all()


def test_late_2020_commissioning():
    g = load_network("ningxia_2020").gen
    late = g[g["commission_date"] != ""]
    assert set(late["commission_date"]) == {LATE_2020_DATE}
    assert set(late["fuel"]) == {"wind", "solar"}
    frac = (pd.Timestamp("2020-12-31") - pd.Timestamp(LATE_2020_DATE)).days / 366
    for fuel, lo, hi in (("wind", 12500, 13000), ("solar", 9000, 10000)):
        total = g.loc[g["fuel"] == fuel, "max_p_mw"].sum()
        late_mw = late.loc[late["fuel"] == fuel, "max_p_mw"].sum()
        average = total - late_mw * (1 - frac)
        assert lo <= average <= hi, fuel
    assert (load_network("ningxia_2025").gen["commission_date"] == "").all()


def test_storage():
    st = load_network("ningxia_2025").storage
    bat = st[st["kind"] == "battery"]
    assert bat["max_p_mw"].sum() >= 5000 and bat["max_e_mwh"].sum() >= 10000
    assert bat["in_service"].all() and set(bat["zone"]) == {"north", "east", "central", "south"}
    g = load_network("ningxia_2025").gen
    vre = g.loc[g["fuel"].isin(["wind", "solar"]), "max_p_mw"].sum()
    assert bat["max_p_mw"].sum() >= 0.10 * vre and bat["max_e_mwh"].sum() >= 0.10 * vre * 2
    phs = st[st["kind"] == "pumped_hydro"]
    assert phs["max_p_mw"].sum() == 3400 and not phs["in_service"].any()
    assert (phs["max_e_mwh"] == 6 * phs["max_p_mw"]).all()
    old = load_network("ningxia_2020").storage
    assert 0 < old["max_p_mw"].sum() <= 200


def test_loads_match_consumption(net):
    year = net.meta["year"]
    ld = net.load
    assert len(ld) == 4 and set(ld["zone"]) == set(ZONE_LOAD_SHARE)
    assert ld["p_mw"].sum() * HOURS[year] / 1e6 == pytest.approx(CONSUMPTION_TWH[year], rel=1e-4)
    for _, row in ld.iterrows():
        share = row["p_mw"] / ld["p_mw"].sum()
        assert share == pytest.approx(ZONE_LOAD_SHARE[row["zone"]], abs=1e-4)
        assert row["bus"].endswith("_330")
        assert row["q_mvar"] / row["p_mw"] == pytest.approx(math.tan(math.acos(0.95)), rel=1e-3)


@pytest.mark.parametrize("snapshot", ["average", *SNAPSHOTS])
def test_operating_points_are_balanced(snapshot):
    for year in YEARS:
        net = apply_snapshot(build_ningxia(year), snapshot)
        g, st = net.gen, net.storage
        supply = g.loc[g["fuel"] != "ext", "p_mw"].sum() - st["p_mw"].sum()
        gansu = g.loc[g.index.str.startswith("ext_gansu"), "p_mw"].sum()
        demand = net.load["p_mw"].sum() + net.dcline["p_mw"].sum()
        assert supply + gansu == pytest.approx(demand, rel=0.01)
        assert (g.loc[g["fuel"] != "ext", "p_mw"] <= g.loc[g["fuel"] != "ext", "max_p_mw"]).all()
        assert (net.dcline["p_mw"] <= net.dcline["max_p_mw"]).all()
