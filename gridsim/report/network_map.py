"""A map of a network on its bus coordinates, for ``gridsim network plot NAME --out map.png``.

Buses are drawn at (``geo_lon``, ``geo_lat``); a station's lower-voltage buses (same
coordinates) are drawn slightly offset, joined to the main bus by their transformer.
Lines and transformers are coloured by loading (%) when a loading series is given
(branches without a loading are drawn as unrated), otherwise by voltage level; line
width grows with the voltage class and the number of parallel circuits, with a legend.
DC links are dashed arrows from the sending bus towards the receiving bus (which is
usually far off the map) labelled with their rating. Bus markers are coloured by zone.
Networks without coordinates are laid out with a spring layout. Labels are ASCII (bus
names without the voltage suffix), so no CJK font is needed, and never overlap.
"""

from __future__ import annotations

import math
import re
from typing import Any

import matplotlib
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
UNRATED_COLOR = "#9e9e9e"
UNRATED_STYLE = (0, (3.0, 2.0))
"""Colour and dash of a branch without a loading (no thermal rating)."""
TRAFO_COLOR = "#525252"
TRAFO_WIDTH = 1.2
"""Colour (without loading) and width of transformers."""
HIGH_KV = 500.0
"""Lines from this voltage up are drawn thicker."""

#: A label to place: text, anchor (data units), text properties.
Label = tuple[str, tuple[float, float], dict[str, Any]]
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
    cmap = matplotlib.colormaps["tab10"]
    return matplotlib.colors.to_hex(cmap(zones.index(zone) % 10))


def _branches(net: Network, pos: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Drawn lines and transformers: name, kind, ends, kV class, parallel, in service."""
    vn = net.bus["vn_kv"]
    parts = []
    for kind, t, a, b in (("line", "line", "from_bus", "to_bus"), ("trafo", "trafo", "hv_bus", "lv_bus")):  # fmt: skip
        df = net.table(t)
        df = df[df[a].isin(pos) & df[b].isin(pos)]
        parts.append(pd.DataFrame({
            "kind": kind, "a": df[a].astype(str), "b": df[b].astype(str),
            "kv": vn.reindex(df[a]).to_numpy(float),
            "parallel": df["parallel"].to_numpy(float) if "parallel" in df else 1.0,
            "in_service": df["in_service"].to_numpy(bool),
        }, index=df.index.astype(str)))  # fmt: skip
    return pd.concat(parts) if parts else pd.DataFrame()


def _width(kv: np.ndarray, parallel: np.ndarray) -> np.ndarray:
    """Line width (points): thicker from 500 kV up, and with each parallel circuit."""
    return np.where(kv >= HIGH_KV, 1.6, 0.9) * (0.6 + 0.6 * np.nan_to_num(parallel, nan=1.0))


def plot_network(net: Network, loading_percent: pd.Series | None = None,
                 ax: Axes | None = None, title: str | None = None) -> Figure:  # fmt: skip
    """Draw ``net`` on its coordinates and return the figure.

    ``loading_percent``: branch loading (%) indexed by line and transformer name (e.g.
    a power-flow result's ``branch_loading()``); branches colour from green (0 %) to red
    (100 % or the largest value), with a labelled colour bar. A branch with no loading
    (NaN, e.g. a line without a thermal rating) is drawn as *unrated*: grey and dashed,
    with its own legend entry. Without ``loading_percent`` lines are coloured by voltage
    level and transformers are dark grey. Line width grows with the voltage class and
    the number of parallel circuits (a second legend gives the widths); out-of-service
    branches are dotted. Bus and DC-link labels never overlap each other: a label that
    finds no free place around its bus is left out. ``title``: the axes title (default:
    the network's name), set before the labels are placed.
    """
    fig, ax, labels, markers = draw_network(net, loading_percent, ax, title)
    place_labels(ax, labels, markers)
    return fig


def draw_network(net: Network, loading_percent: pd.Series | None = None,
                 ax: Axes | None = None, title: str | None = None
                 ) -> tuple[Figure, Axes, list[Label], np.ndarray]:  # fmt: skip
    """Draw ``net`` as :func:`plot_network` does, without its labels; returns the
    figure, the axes, the labels to place (DC links first, then buses) and the bus
    markers' positions, for :func:`place_labels` once the figure's layout is final."""
    if ax is None:
        fig = Figure(figsize=(10, 10))
        ax = fig.add_subplot()
    fig = ax.get_figure(root=True)  # type: ignore[assignment]
    drawn = _drawn_buses(net)
    pos = _positions(net, drawn)
    geo = not net.bus.loc[drawn, ["geo_lon", "geo_lat"]].isna().all(axis=None)
    br = _branches(net, pos)
    segs = [[pos[a], pos[b]] for a, b in zip(br["a"], br["b"])]
    widths = np.where(br["kind"] == "line", _width(br["kv"].to_numpy(), br["parallel"].to_numpy()), TRAFO_WIDTH)  # fmt: skip
    styles = np.array(["solid" if on else "dotted" for on in br["in_service"]], dtype=object)
    handles: list[Any] = []
    if loading_percent is not None:
        load = pd.Series(loading_percent, dtype=float).reindex(br.index).to_numpy(float)
        rated = np.isfinite(load)
        vmax = max(100.0, float(np.nanmax(load))) if rated.any() else 100.0
        norm = Normalize(vmin=0.0, vmax=vmax)
        idx = np.flatnonzero(rated)
        lc = LineCollection([segs[i] for i in idx], cmap=LOADING_CMAP, norm=norm,
                            linewidths=widths[idx], linestyles=list(styles[idx]), zorder=2)  # fmt: skip
        lc.set_array(load[idx])
        ax.add_collection(lc)
        cbar = fig.colorbar(lc, ax=ax, shrink=0.6, pad=0.02)
        cbar.set_label("branch loading (%)")
        un = np.flatnonzero(~rated)
        if len(un):
            ax.add_collection(LineCollection([segs[i] for i in un], colors=UNRATED_COLOR,
                                             linewidths=widths[un], linestyles=UNRATED_STYLE,
                                             zorder=1.5))  # fmt: skip
            handles.append(Line2D([], [], color=UNRATED_COLOR, ls=UNRATED_STYLE, lw=1.6,
                                  label=f"unrated: no loading ({len(un)})"))  # fmt: skip
    else:
        colors = [TRAFO_COLOR if k == "trafo" else VOLTAGE_COLORS.get(v, "#636363")
                  for k, v in zip(br["kind"], br["kv"])]  # fmt: skip
        ax.add_collection(LineCollection(segs, colors=colors, linewidths=widths,
                                         linestyles=list(styles), zorder=2))  # fmt: skip
    # buses
    zones = sorted(set(net.bus["zone"].astype(str)))
    names = [b for b in drawn if b in pos]
    xy = np.array([pos[b] for b in names]) if names else np.zeros((0, 2))
    size = np.clip(net.bus["vn_kv"].reindex(names).to_numpy(float) / 750.0, 0.2, 1.0) * 110
    face = [_zone_color(str(net.bus.at[b, "zone"]), zones) for b in names]
    ax.scatter(xy[:, 0], xy[:, 1], s=size, c=face, edgecolors="black", linewidths=0.6,
               zorder=4)  # fmt: skip
    span = float(np.ptp(xy, axis=0).max()) if len(xy) > 1 else 1.0
    ends, dc_labels = _draw_dc(net, ax, pos, span)
    # legends: zones, voltage levels and branch kinds; line widths
    shown = set(net.bus.loc[names, "zone"].astype(str))
    order = [z for z in ZONE_COLORS if z in shown] + [z for z in zones if z not in ZONE_COLORS]
    zone_handles = [Line2D([], [], marker="o", ls="", markerfacecolor=_zone_color(z, zones),
                           markeredgecolor="black", label=f"zone {z}")
                    for z in order if z and z in shown]  # fmt: skip
    lines = br[br["kind"] == "line"]
    if loading_percent is None:
        for level in sorted(set(lines["kv"].dropna()), reverse=True):
            zone_handles.append(Line2D([], [], color=VOLTAGE_COLORS.get(level, "#636363"),
                                       lw=2, label=f"{level:g} kV line"))  # fmt: skip
        if (br["kind"] == "trafo").any():
            zone_handles.append(Line2D([], [], color=TRAFO_COLOR, lw=TRAFO_WIDTH, label="transformer"))  # fmt: skip
    zone_handles += handles
    if not br["in_service"].all():
        zone_handles.append(Line2D([], [], color="#636363", ls="dotted", lw=1.4, label="out of service"))  # fmt: skip
    if len(net.dcline):
        zone_handles.append(Line2D([], [], color="black", ls="--", lw=1.2, label="HVDC link"))
    first = ax.legend(handles=zone_handles, loc="lower left", fontsize=8, framealpha=0.9)
    width_handles = _width_handles(lines)
    if width_handles:
        ax.add_artist(first)
        ax.legend(handles=width_handles, loc="lower right", fontsize=7.5, framealpha=0.9,
                  title="line width", title_fontsize=8)  # fmt: skip
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
    if title is None:
        title = net.name or "network"
        if net.meta.get("snapshot"):
            title += f" ({net.meta['snapshot']})"
    if ax.get_title() != title:
        ax.set_title(title)
    ax.grid(alpha=0.25)
    labelled = [b for b in names if not geo or pos[b] == _geo(net, b)]
    bus_labels: list[Label] = [(station_label(b), pos[b], {}) for b in labelled]
    return fig, ax, [*dc_labels, *bus_labels], xy


def _width_handles(lines: pd.DataFrame) -> list[Line2D]:
    """Legend entries of the line widths drawn: one per voltage class and circuit count."""
    out = []
    combos = sorted({(bool(kv >= HIGH_KV), int(p)) for kv, p in zip(lines["kv"], lines["parallel"].fillna(1)) if np.isfinite(kv)}, reverse=True)  # fmt: skip
    for high, par in combos:
        w = float(_width(np.array([HIGH_KV if high else 0.0]), np.array([float(par)]))[0])
        cls = f"≥ {HIGH_KV:g} kV" if high else f"< {HIGH_KV:g} kV"
        out.append(Line2D([], [], color="#525252", lw=w,
                          label=f"{cls}, {par} circuit{'s' if par != 1 else ''}"))  # fmt: skip
    return out


def _geo(net: Network, bus: str) -> tuple[float, float]:
    return (float(net.bus.at[bus, "geo_lon"]), float(net.bus.at[bus, "geo_lat"]))


LABEL_DIRECTIONS = [(1, 0), (1, 1), (1, -1), (-1, 0), (0, 1), (0, -1), (-1, 1), (-1, -1),
                    (2, 0), (-2, 0), (0, 2), (0, -2), (2, 2), (-2, 2), (2, -2), (-2, -2)]  # fmt: skip
"""Candidate places of a label around its anchor, in order of preference (a step is
the marker radius plus half the label's width or height)."""
LABEL_GAP_PX = 1.5
"""Least gap between two labels (pixels at the figure's dpi)."""


def place_labels(ax: Axes, labels: list[Label], markers: np.ndarray,
                 fontsize: float = 8.0, settle: bool = True) -> list[str]:  # fmt: skip
    """Place ``labels`` (text, anchor in data units, extra text properties) so that no two
    overlap: each goes to the first candidate place around its anchor
    (:data:`LABEL_DIRECTIONS`) that is inside the axes, clear of the labels placed before
    (measured on the drawn text) and overlapping the bus markers least. A label with no
    such place is left out; returns the texts left out. Call it after the figure's
    layout is final (the title set), as it measures in display units; ``settle``: lay the
    figure out first (False when the caller just did)."""
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    if settle:
        fig.draw_without_rendering()  # settles the layout (colour bar, constrained layout)
    ax.apply_aspect()
    to_px = ax.transData.transform
    px = fig.dpi / 72.0
    r = 6.0 * px
    mk = to_px(markers) if len(markers) else np.zeros((0, 2))
    dots = [(x - r, y - r, x + r, y + r) for x, y in mk]
    frame = ax.get_window_extent()
    placed: list[tuple[float, float, float, float]] = []
    left_out = []
    for text, anchor, props in labels:
        kw = {"fontsize": fontsize, **props}
        probe = ax.annotate(text, anchor, xytext=(0, 0), textcoords="offset points", **kw)
        ext = probe.get_window_extent()
        probe.remove()
        w, h = ext.width, ext.height
        x, y = to_px(np.array([anchor]))[0]
        best, best_cost = None, math.inf
        for k, (dx, dy) in enumerate(LABEL_DIRECTIONS):
            cx = x + np.sign(dx) * (abs(dx) * r + 2 * px + w / 2) if dx else x
            cy = y + np.sign(dy) * (abs(dy) * r + 2 * px + h / 2) if dy else y
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if box[0] < frame.x0 or box[2] > frame.x1 or box[1] < frame.y0 or box[3] > frame.y1:
                continue
            g = LABEL_GAP_PX * px
            if any(_overlap((box[0] - g, box[1] - g, box[2] + g, box[3] + g), o) > 0 for o in placed):  # fmt: skip
                continue
            cost = sum(_overlap(box, o) for o in dots) + 0.01 * k
            if cost < best_cost:
                best, best_cost = (box, cx - x, cy - y), cost
        if best is None:
            left_out.append(text)
            continue
        box, ox, oy = best
        placed.append(box)
        ax.annotate(text, anchor, xytext=(ox / px, oy / px), textcoords="offset points",
                    ha="center", va="center", zorder=5,
                    bbox={"boxstyle": "square,pad=0.0", "fc": "white", "ec": "none", "alpha": 0.6},
                    **kw)  # fmt: skip
    return left_out


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Overlapping area of two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def _draw_dc(
    net: Network, ax: Axes, pos: dict[str, tuple[float, float]], span: float
) -> tuple[list[tuple[float, float]], list[Label]]:
    """Dashed arrows from each DC link's sending bus towards its receiving bus; returns
    the arrow ends (for the map extent) and the links' labels (name and rating, placed
    with the bus labels by :func:`place_labels`)."""
    ends: list[tuple[float, float]] = []
    labels: list[Label] = []
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
        labels.append((f"{name} {rating}".strip(), (x1, y1), {"fontsize": 7.5, "style": "italic"}))  # fmt: skip
        ends.append((x1, y1))
    return ends, labels
