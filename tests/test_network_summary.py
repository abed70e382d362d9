"""``gridsim network show`` (summary) and ``gridsim network plot`` (map) helpers."""

from __future__ import annotations

import json

import matplotlib
import pandas as pd
import pytest

from gridsim.network import Network, load_network
from gridsim.network.summary import capacity_table, format_summary, network_summary
from gridsim.report.network_map import plot_network, station_label

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def ningxia_2025():
    return load_network("ningxia_2025")


def test_summary_numbers(ningxia_2025):
    s = network_summary(ningxia_2025)
    json.dumps(s)  # plain data
    assert s["dc_export_capability_mw"] == 22000.0
    assert s["buses_by_kv"]["750 kV"] == 16
    assert s["lines_by_kv"]["750 kV"]["circuits"] == int(
        ningxia_2025.line.loc[ningxia_2025.line["from_bus"].str.endswith("_750"), "parallel"].sum()
    )
    assert s["capacity_mw"]["solar"]["total"] == 32500.0
    assert s["capacity_mw"]["wind"]["central"] == 9000.0
    assert s["capacity_total_mw"] >= 90000.0
    assert s["storage"]["pumped_hydro"]["in_service_mw"] == 0.0
    assert s["dclines"]["ningxiang"]["from_bus"] == "zhongning_750"


def test_capacity_table_has_totals(ningxia_2025):
    cap = capacity_table(ningxia_2025)
    assert list(cap.columns[:4]) == ["north", "east", "central", "south"]
    assert "ext" not in cap.index
    assert cap.loc["total", "total"] == pytest.approx(
        cap.drop("total").drop(columns="total").sum().sum()
    )


def test_format_summary_contains_capacity_table(ningxia_2025):
    text = format_summary(ningxia_2025)
    assert "installed capacity (MW) by fuel and zone" in text
    assert "coal" in text and "solar" in text and "central" in text
    assert "32,500" in text  # solar total
    assert "DC export capability: 22,000 MW" in text
    assert "yinchuan_east_750" in text
    assert "circuit-km" in text and "750/330 kV" in text


def test_summary_of_a_bare_network():
    net = Network("bare")
    net.add_bus("a", 110.0)
    net.add_bus("b", 110.0)
    net.add_line("a-b", "a", "b", r_ohm_per_km=0.1, x_ohm_per_km=0.4, length_km=10)
    net.add_gen("g", "a", slack=True, max_p_mw=50.0)
    text = format_summary(net)
    assert "unknown" in text and "50" in text
    assert network_summary(net)["lines_by_kv"]["110 kV"]["circuit_km"] == 10.0


def test_map_writes_png(tmp_path, ningxia_2025):
    loading = pd.Series(50.0, index=ningxia_2025.line.index)
    fig = plot_network(ningxia_2025, loading_percent=loading)
    out = tmp_path / "map.png"
    fig.savefig(out, dpi=60)
    assert out.stat().st_size > 10_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"shahu", "zhongning", "baiyin"} <= labels
    assert any(t.startswith("ningxiang") for t in labels)  # DC arrow label
    assert any("loading" in a.get_ylabel() for a in fig.axes[1:])  # colour bar


def test_map_without_coordinates(tmp_path):
    net = Network("plain")
    for b in "abc":
        net.add_bus(b, 220.0)
    net.add_line("a-b", "a", "b", r_ohm_per_km=0.1, x_ohm_per_km=0.4)
    net.add_line("b-c", "b", "c", r_ohm_per_km=0.1, x_ohm_per_km=0.4)
    fig = plot_network(net)
    fig.savefig(tmp_path / "plain.png", dpi=50)
    assert station_label("yinchuan_east_750") == "yinchuan_east"
