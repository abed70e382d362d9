"""Branch loadings of a run and the network map that shows them.

:func:`branch_loading` (lines and transformers) and :func:`line_loading` (lines) give
the mean and peak loading over the run from its ``flow_mw`` series;
:func:`plot_network_loading` draws them on the network map
(:func:`gridsim.report.network_map.plot_network`). The names are also reachable from
:mod:`gridsim.report.plots` and :mod:`gridsim.report`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from gridsim.report.figure import ReportFigure, RunLike
from gridsim.report.figure import as_run as _run
from gridsim.report.figure import run_title as _title


def branch_loading(run: RunLike) -> pd.DataFrame | None:
    """Mean and peak loading of each in-service line and transformer with a flow,
    ``100 · |flow| / rating`` (%), with rating = √3 · vn_kv · max_i_ka · parallel for a
    line and sn_mva · parallel for a transformer (MW, as the dispatch uses); a branch
    without a rating has NaN (the map draws it as unrated). Columns ``mean_percent``,
    ``max_percent``; lines first. None when the run has no per-branch flows (copper
    plate or zonal transport model) or its network file is not found."""
    r = _run(run)
    net = r.network()
    if net is None or not r.has("flow_mw"):
        return None
    flow = r.frame("flow_mw")
    ln = net.line[net.line["in_service"].astype(bool)]
    ln = ln[ln.index.isin(flow.columns)]
    tr = net.trafo[net.trafo["in_service"].astype(bool)]
    tr = tr[tr.index.isin(flow.columns)]
    if ln.empty and tr.empty:
        return None
    vn = net.bus["vn_kv"].reindex(ln["from_bus"]).to_numpy(float)
    rating = np.concatenate([
        np.sqrt(3.0) * vn * ln["max_i_ka"].to_numpy(float) * ln["parallel"].to_numpy(float),
        tr["sn_mva"].to_numpy(float) * tr["parallel"].to_numpy(float),
    ])  # fmt: skip
    names = [*ln.index, *tr.index]
    with np.errstate(invalid="ignore"):
        load = flow[names].abs() / np.where(rating > 0, rating, np.nan) * 100.0
    return pd.DataFrame({"mean_percent": load.mean(), "max_percent": load.max()})


def line_loading(run: RunLike) -> pd.DataFrame | None:
    """:func:`branch_loading` of the lines only (%): columns ``mean_percent``,
    ``max_percent``, index the in-service lines with a flow. None as there."""
    r = _run(run)
    load = branch_loading(r)
    net = r.network()
    if load is None or net is None:
        return None
    lines = load[load.index.isin(net.line.index)]
    return None if lines.empty else lines


def plot_network_loading(run: RunLike, ax: Axes | Sequence[Axes] | None = None) -> Figure:
    """The network map (:func:`gridsim.report.network_map.plot_network`) with the mean
    and the peak loading of each line side by side; a plain map when the run has no
    per-line flows. A single ``ax`` gets the peak-loading map only."""
    from gridsim.report.network_map import draw_network, place_labels, plot_network

    r = _run(run)
    net = r.network()
    load = branch_loading(r)
    n = 2 if (load is not None and ax is None) else 1
    if ax is None:
        fig = ReportFigure(figsize=(8.5 * n, 9), layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(1, n)))
    else:
        axes = [ax] if isinstance(ax, Axes) else list(ax)
        fig = axes[0].get_figure(root=True)  # type: ignore[assignment]
    if net is None:
        f = (r.manifest.get("inputs") or {}).get("network", {}).get("file")
        axes[0].text(0.5, 0.5, f"network file not found: {f}", ha="center", va="center",
                     transform=axes[0].transAxes)  # fmt: skip
        axes[0].set_axis_off()
        return fig
    if load is None:
        plot_network(net, ax=axes[0], title=_title(r, "network (no line flows in this run: copper plate or zonal model)"))  # fmt: skip
        return fig
    panels = [("mean_percent", "mean line loading"), ("max_percent", "peak line loading")][-len(axes):]  # fmt: skip
    for a, (col, what) in zip(axes, panels):
        a.set_title(_title(r, f"{what} (highest: {load[col].idxmax()} {load[col].max():.0f} %)"), fontsize=11)  # fmt: skip
    drawn = [draw_network(net, load[col], a, a.get_title()) for a, (col, _) in zip(axes, panels)]  # fmt: skip
    fig.draw_without_rendering()  # every panel drawn: the layout is final
    for _, a, labels, markers in drawn:
        place_labels(a, labels, markers, settle=False)
    return fig


__all__ = ["branch_loading", "line_loading", "plot_network_loading"]
