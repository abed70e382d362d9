"""The network map (``gridsim network plot``): unrated branches, transformers, the
line-width legend and labels that never overlap."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from gridsim.network import Network, load_network
from gridsim.report.network_map import UNRATED_COLOR, plot_network
from gridsim.studies.powerflow import run_pf

DATA = Path(__file__).resolve().parent / "data"


def _labels(fig: Figure) -> list:
    fig.draw_without_rendering()
    return [t for t in fig.axes[0].texts if t.get_text() and t.get_visible()]


def _assert_no_overlap(fig: Figure) -> None:
    texts = _labels(fig)
    frame = fig.axes[0].get_window_extent()
    boxes = [(t.get_text(), t.get_window_extent()) for t in texts]
    for (a, ba), (b, bb) in combinations(boxes, 2):
        w = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
        h = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
        assert w <= 0 or h <= 0, f"labels {a!r} and {b!r} overlap by {w:.1f} x {h:.1f} px"
    for name, box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, name
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, name


def _collections(fig: Figure) -> list[LineCollection]:
    return [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]


def test_unrated_branches_are_drawn_as_unrated_and_transformers_by_loading() -> None:
    net = load_network(DATA / "case14.m")  # MATPOWER rate_a = 0: lines without a rating
    loading = run_pf(net, "nr").branch_loading()
    assert loading[net.line.index].isna().all() and loading[net.trafo.index].notna().all()
    fig = plot_network(net, loading_percent=loading)
    cols = _collections(fig)
    coloured = [c for c in cols if c.get_array() is not None]
    assert len(coloured) == 1
    np.testing.assert_allclose(np.sort(coloured[0].get_array()), np.sort(loading[net.trafo.index]))  # fmt: skip
    unrated = [c for c in cols if c.get_array() is None]
    assert len(unrated) == 1 and len(unrated[0].get_segments()) == len(net.line)
    assert tuple(unrated[0].get_colors()[0]) == to_rgba(UNRATED_COLOR)
    assert unrated[0].get_linestyles()[0][1] is not None  # dashed
    legends = [a for a in fig.axes[0].get_children() if type(a).__name__ == "Legend"]
    legend = [t.get_text() for lg in legends for t in lg.get_texts()]
    assert f"unrated: no loading ({len(net.line)})" in legend
    _assert_no_overlap(fig)


def test_ningxia_map_colours_transformers_and_explains_line_widths(tmp_path: Path) -> None:
    net = load_network("ningxia_2025")
    loading = run_pf(net, "nr").branch_loading()
    fig = plot_network(net, loading_percent=loading)
    coloured = [c for c in _collections(fig) if c.get_array() is not None]
    drawn = np.sort(np.concatenate([np.asarray(c.get_array()) for c in coloured]))
    np.testing.assert_allclose(drawn, np.sort(loading.dropna().to_numpy()))  # lines and trafos
    legends = [a for a in fig.axes[0].get_children() if type(a).__name__ == "Legend"]
    widths = next(lg for lg in legends if lg.get_title().get_text() == "line width")
    entries = {t.get_text(): h.get_linewidth() for t, h in zip(widths.get_texts(), widths.legend_handles)}  # fmt: skip
    assert "≥ 500 kV, 2 circuits" in entries and "< 500 kV, 2 circuits" in entries
    drawn_widths = {round(float(w), 6) for c in coloured for w in c.get_linewidths()}
    assert {round(float(w), 6) for w in entries.values()} <= drawn_widths
    texts = {t.get_text() for t in _labels(fig)}
    assert {"shahu", "zhongning", "baiyin", "qixiang"} <= texts  # nothing left out here
    assert any(t.startswith("ningxiang") for t in texts)  # DC links keep their labels
    _assert_no_overlap(fig)
    fig.savefig(tmp_path / "map.png", dpi=60, bbox_inches="tight")  # the CLI's way
    _assert_no_overlap(fig)


def test_crowded_labels_never_overlap() -> None:
    """Forty stations with long names within a few kilometres of each other, on a map
    stretched by two far-away stations."""
    rng = np.random.default_rng(3)
    net = Network("crowded")
    names = [f"substation_{chr(97 + i % 26)}{chr(97 + i // 26)}_east" for i in range(40)]
    where = [*(rng.uniform(0.0, 0.3, size=(40, 2)) + (106.0, 37.0)), (102.0, 35.0), (109.0, 40.0)]
    names += ["far_west", "far_east"]
    for name, (lon, lat) in zip(names, where):
        net.add_bus(name, 330.0, geo_lon=float(lon), geo_lat=float(lat), zone="north")
    for a, b in zip(names[:-1], names[1:]):
        net.add_line(f"{a}-{b}", a, b, length_km=10, r_ohm_per_km=0.04, x_ohm_per_km=0.3, max_i_ka=1.0)  # fmt: skip
    fig = plot_network(net)
    shown = _labels(fig)
    assert 10 <= len(shown) < 42  # the crowd does not fit: some labels are left out
    assert {"far_west", "far_east"} <= {t.get_text() for t in shown}
    _assert_no_overlap(fig)


@pytest.mark.parametrize("case", ["case9.m", "case14.m"])
def test_maps_without_coordinates_keep_every_label(case: str) -> None:
    net = load_network(DATA / case)
    fig = plot_network(net)
    assert len(_labels(fig)) == len(net.bus)
    _assert_no_overlap(fig)
