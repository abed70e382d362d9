"""A map of a network on its bus coordinates, for ``gridsim network plot NAME --out map.png``.

Buses are drawn at (``geo_lon``, ``geo_lat``); a station's lower-voltage buses (same
coordinates) are drawn slightly offset, joined to the main bus by their transformer.
Lines are coloured by loading (%) when a loading series is given, otherwise by voltage
level; line width grows with the number of parallel circuits. DC links are dashed
arrows from the sending bus towards the receiving bus (which is usually far off the
map) labelled with their rating. Bus markers are coloured by zone. Networks without
coordinates are laid out with a spring layout. Labels are ASCII (bus names without the
voltage suffix), so no CJK font is needed.
"""

from __future__ import annotations

import math
import re

import matplotlib
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from gridsim.network.network import Network

ZONE_COLORS = {"north": "#1f77b4", "east": "#d62728", "central": "#2ca02c",
               "south": "#9467bd", "ext": "#7f7f7f"}  # fmt: skip
"""Marker colours of the Ningxia zones; other zones take the tab10 palette."""
VOLTAGE_COLORS = {750.0: "#8c2d04", 500.0: "#cc4c02", 330.0: "#2b8cbe", 220.0: "#41ab5d"}
"""Line colours by voltage level (kV) when no loading is given."""
LOADING_CMAP = "RdYlGn_r"
SUBSTATION_OFFSET = (0.07, -0.06)
"""Offset (degrees lon, lat) of a station's lower-voltage bus."""
DC_ARROW_LENGTH = 0.12
"""Length of a DC arrow as a share of the map's larger extent."""


def station_label(bus: str) -> str:
    """``"yinchuan_east_750"`` -> ``"yinchuan_east"`` (the voltage suffix dropped)."""
    return re.sub(r"_\d+$", "", str(bus))


def _positions(net: Network, drawn: list[str]) -> dict[str, tuple[float, float]]:
    """Drawing position (x=lon, y=lat) of each drawn bus."""
    bus = net.bus.loc[drawn]
    lon, lat = bus["geo_lon"].to_numpy(float), bus["geo_lat"].to_numpy(float)
    has = ~(np.isnan(lon) | np.isnan(lat))
    if not has.any():
        g = nx.Graph()
        g.add_nodes_from(drawn)
        for t, a, b in (("line", "from_bus", "to_bus"), ("trafo", "hv_bus", "lv_bus")):
            df = net.table(t)
            g.add_edges_from(zip(df[a], df[b]))
        lay = nx.spring_layout(g.subgraph(drawn), seed=0)
        return {n: (float(p[0]), float(p[1])) for n, p in lay.items()}
    pos: dict[str, tuple[float, float]] = {}
    vn = bus["vn_kv"].to_numpy(float)
    top: dict[tuple[float, float], float] = {}
    for k in np.flatnonzero(has):
        key = (round(lon[k], 4), round(lat[k], 4))
        top[key] = max(top.get(key, 0.0), vn[k])
    for i, name in enumerate(drawn):
        if not has[i]:
            continue
        key = (round(lon[i], 4), round(lat[i], 4))
        dx, dy = (0.0, 0.0) if vn[i] >= top[key] else SUBSTATION_OFFSET
        pos[name] = (lon[i] + dx, lat[i] + dy)
    return pos


def _drawn_buses(net: Network) -> list[str]:
    """Buses joined to an AC branch (receiving ends reached only by DC are not drawn)."""
    ac: set[str] = set()
    for t, a, b in (("line", "from_bus", "to_bus"), ("trafo", "hv_bus", "lv_bus")):
        df = net.table(t)
        ac.update(df[a].astype(str))
        ac.update(df[b].astype(str))
    dc_only = set(net.dcline["to_bus"].astype(str)) | set(net.dcline["from_bus"].astype(str))
    return [b for b in net.bus.index if b in ac or b not in dc_only]


def _zone_color(zone: str, zones: list[str]) -> str:
    if zone in ZONE_COLORS:
        return ZONE_COLORS[zone]
    cmap = plt.get_cmap("tab10")
    return matplotlib.colors.to_hex(cmap(zones.index(zone) % 10))


def plot_network(net: Network, loading_percent: pd.Series | None = None,
                 ax: Axes | None = None) -> Figure:  # fmt: skip
    """Draw ``net`` on its coordinates and return the figure.

    ``loading_percent``: line loading (%) indexed by line name (e.g. a power-flow
    result's ``line.loading_percent``); lines colour from green (0 %) to red (100 % or
    the largest value), with a labelled colour bar. Without it lines are coloured by
    voltage level.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 10))
    fig = ax.figure  # type: ignore[assignment]
    drawn = _drawn_buses(net)
    pos = _positions(net, drawn)
    vn = net.bus["vn_kv"]
    geo = not net.bus.loc[drawn, ["geo_lon", "geo_lat"]].isna().all(axis=None)
    # lines
    line = net.line[net.line["from_bus"].isin(pos) & net.line["to_bus"].isin(pos)]
    segs = [[pos[a], pos[b]] for a, b in zip(line["from_bus"], line["to_bus"])]
    kv = vn.reindex(line["from_bus"]).to_numpy(float)
    widths = np.where(kv >= 500, 1.6, 0.9) * (0.6 + 0.6 * line["parallel"].to_numpy(float))
    styles = ["dotted" if not on else "solid" for on in line["in_service"].to_numpy(bool)]
    if loading_percent is not None:
        load = loading_percent.reindex(line.index).to_numpy(float)
        vmax = max(100.0, float(np.nanmax(load))) if np.isfinite(load).any() else 100.0
        norm = Normalize(vmin=0.0, vmax=vmax)
        lc = LineCollection(segs, cmap=LOADING_CMAP, norm=norm, linewidths=widths,
                            linestyles=styles, zorder=2)  # fmt: skip
        lc.set_array(np.nan_to_num(load, nan=0.0))
        ax.add_collection(lc)
        cbar = fig.colorbar(lc, ax=ax, shrink=0.6, pad=0.02)
        cbar.set_label("line loading (%)")
    else:
        colors = [VOLTAGE_COLORS.get(k, "#636363") for k in kv]
        ax.add_collection(LineCollection(segs, colors=colors, linewidths=widths,
                                         linestyles=styles, zorder=2))  # fmt: skip
    # transformers: short grey links between a station's buses
    tr = net.trafo[net.trafo["hv_bus"].isin(pos) & net.trafo["lv_bus"].isin(pos)]
    tsegs = [[pos[a], pos[b]] for a, b in zip(tr["hv_bus"], tr["lv_bus"])]
    ax.add_collection(LineCollection(tsegs, colors="#525252", linewidths=1.0, zorder=2))
    # buses
    zones = sorted(set(net.bus["zone"].astype(str)))
    names = [b for b in drawn if b in pos]
    xy = np.array([pos[b] for b in names]) if names else np.zeros((0, 2))
    size = np.clip(vn.reindex(names).to_numpy(float) / 750.0, 0.2, 1.0) * 110
    face = [_zone_color(str(net.bus.at[b, "zone"]), zones) for b in names]
    ax.scatter(xy[:, 0], xy[:, 1], s=size, c=face, edgecolors="black", linewidths=0.6,
               zorder=4)  # fmt: skip
    span = float(np.ptp(xy, axis=0).max()) if len(xy) > 1 else 1.0
    ends = _draw_dc(net, ax, pos, span)
    # legend: zones and voltage levels
    shown = set(net.bus.loc[names, "zone"].astype(str))
    order = [z for z in ZONE_COLORS if z in shown] + [z for z in zones if z not in ZONE_COLORS]
    handles = [Line2D([], [], marker="o", ls="", markerfacecolor=_zone_color(z, zones),
                      markeredgecolor="black", label=f"zone {z}")
               for z in order if z and z in shown]  # fmt: skip
    if loading_percent is None:
        for level in sorted(set(kv[~np.isnan(kv)]), reverse=True):
            handles.append(Line2D([], [], color=VOLTAGE_COLORS.get(level, "#636363"),
                                  lw=2, label=f"{level:g} kV line"))  # fmt: skip
    if len(net.dcline):
        handles.append(Line2D([], [], color="black", ls="--", lw=1.2, label="HVDC link"))
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    if geo:
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        mid = float(np.mean(xy[:, 1])) if len(xy) else 0.0
        ax.set_aspect(1.0 / max(math.cos(math.radians(mid)), 0.1))
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    pts = np.vstack([xy, np.array(ends).reshape(-1, 2)]) if len(xy) else np.zeros((1, 2))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = 0.08 * max(float((hi - lo).max()), 1e-6)
    ax.set_xlim(lo[0] - pad, hi[0] + 2.5 * pad)  # room for labels on the right
    ax.set_ylim(lo[1] - pad, hi[1] + pad)
    labelled = [b for b in names if not geo or pos[b] == _geo(net, b)]
    _place_labels(ax, [station_label(b) for b in labelled], [pos[b] for b in labelled], xy)
    title = net.name or "network"
    if net.meta.get("snapshot"):
        title += f" ({net.meta['snapshot']})"
    ax.set_title(title)
    ax.grid(alpha=0.25)
    return fig  # type: ignore[return-value]


def _geo(net: Network, bus: str) -> tuple[float, float]:
    return (float(net.bus.at[bus, "geo_lon"]), float(net.bus.at[bus, "geo_lat"]))


LABEL_DIRECTIONS = [(1, 0.3), (1, -0.3), (-1, 0.3), (-1, -0.3), (0, 1), (0, -1), (1, 1), (-1, 1),
                    (1, -1), (-1, -1)]  # fmt: skip
"""Candidate label directions, in order of preference."""


def _place_labels(ax: Axes, texts: list[str], anchors: list[tuple[float, float]],
                  markers: np.ndarray, fontsize: float = 8.0) -> None:  # fmt: skip
    """Greedy label placement: each label goes to the candidate side of its bus whose box
    overlaps the bus markers and the labels already placed the least (display units)."""
    ax.apply_aspect()
    to_px = ax.transData.transform
    px = ax.figure.dpi / 72.0
    mk = to_px(markers) if len(markers) else np.zeros((0, 2))
    r = 6.0 * px
    boxes = [(x - r, y - r, x + r, y + r) for x, y in mk]
    w_ax = ax.get_window_extent()
    for text, anchor in zip(texts, anchors):
        x, y = to_px(np.array([anchor]))[0]
        w, h = 0.62 * fontsize * px * len(text), 1.3 * fontsize * px
        best, best_cost = None, math.inf
        for k, (dx, dy) in enumerate(LABEL_DIRECTIONS):
            cx = x + dx * (r + 2 * px + w / 2)
            cy = y + dy * (r + 2 * px + h / 2)
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            cost = sum(_overlap(box, o) for o in boxes) + 0.01 * k
            if box[0] < w_ax.x0 or box[2] > w_ax.x1 or box[1] < w_ax.y0 or box[3] > w_ax.y1:
                cost += w * h
            if cost < best_cost:
                best, best_cost = (box, dx, dy), cost
        assert best is not None
        box, dx, dy = best
        boxes.append(box)
        ha = "left" if dx > 0 else "right" if dx < 0 else "center"
        va = "bottom" if dy > 0.5 else "top" if dy < -0.5 else "center"
        off = ((r / px + 2) * np.sign(dx), (r / px + 2) * dy if abs(dy) > 0.5 else 0.0)
        ax.annotate(text, anchor, xytext=off, textcoords="offset points", ha=ha, va=va,
                    fontsize=fontsize, zorder=5,
                    bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none",
                          "alpha": 0.6})  # fmt: skip


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Overlapping area of two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def _draw_dc(
    net: Network, ax: Axes, pos: dict[str, tuple[float, float]], span: float
) -> list[tuple[float, float]]:
    """Dashed arrows from each DC link's sending bus towards its receiving bus; returns
    the arrow ends (for the map extent)."""
    ends: list[tuple[float, float]] = []
    length = DC_ARROW_LENGTH * max(span, 1e-6)
    for name, r in net.dcline.iterrows():
        if r["from_bus"] not in pos:
            continue
        x0, y0 = pos[r["from_bus"]]
        to = net.bus.loc[r["to_bus"]]
        if r["to_bus"] in pos:
            x1, y1 = pos[r["to_bus"]]
        elif np.isfinite(to["geo_lon"]) and np.isfinite(to["geo_lat"]):
            x1, y1 = float(to["geo_lon"]), float(to["geo_lat"])
        else:
            x1, y1 = x0 + 1.0, y0
        d = math.hypot(x1 - x0, y1 - y0) or 1.0
        if r["to_bus"] not in pos:
            x1, y1 = x0 + (x1 - x0) / d * length, y0 + (y1 - y0) / d * length
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=3,
                    arrowprops={"arrowstyle": "-|>", "ls": "--", "lw": 1.4, "color": "black",
                                "shrinkA": 4, "shrinkB": 0})  # fmt: skip
        rating = f"{r['max_p_mw'] / 1000:.1f} GW" if np.isfinite(r["max_p_mw"]) else ""
        ax.annotate(f"{name} {rating}".strip(), (x1, y1), xytext=(3, -10),
                    textcoords="offset points", fontsize=7.5, style="italic", zorder=5)  # fmt: skip
        ends.append((x1, y1))
    return ends
