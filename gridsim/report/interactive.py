"""The interactive dispatch view of the HTML report: every hour of the run, zoomable.

:func:`dispatch_figure` draws the data of :func:`gridsim.report.plots.hourly_balance`
for the whole run as a plotly figure: generation by source, storage discharge and
imports stacked above zero with curtailed wind and solar hatched on top, storage
charging and exports stacked below zero, demand as a line. A range slider and buttons
(day, week, month, all) zoom to any week or day; hovering shows every series of the
hour. :func:`dispatch_html` returns it as an HTML fragment with plotly.js inlined, so
the report stays one file that opens without a network.

>>> from gridsim.results import load_run
>>> fig = dispatch_figure(load_run("results/ningxia_2025"))   # doctest: +SKIP
>>> fig.show()                                                # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gridsim.report.numbers import TZ_LABEL
from gridsim.report.plots import (
    RunLike,
    _color,
    _label,
    _naive,
    _run,
    hourly_balance,
    supply_columns,
)

DOWN = ("storage_charge", "dc_exports", "ac_exports")
"""Uses drawn below zero, in stacking order."""
ZOOMS = ((1, "day", "day"), (7, "day", "week"), (1, "month", "month"))
"""Range buttons: (count, step, label)."""


def dispatch_series(run: RunLike) -> pd.DataFrame:
    """What :func:`dispatch_figure` draws (GW): the columns above zero (supply, then
    ``unserved`` when any), ``curtailment``, the columns below zero as negative values,
    and ``demand``; index local wall-clock time (Asia/Shanghai)."""
    r = _run(run)
    bal = hourly_balance(r) / 1e3
    up = [c for c in supply_columns(bal) if bal[c].abs().sum() > 0]
    if bal["unserved"].sum() > 0:
        up.append("unserved")
    down = [c for c in DOWN if bal[c].abs().sum() > 0]
    out = pd.concat([bal[up], bal[["curtailment"]], -bal[down], bal[["demand"]]], axis=1)
    out.index = _naive(pd.DatetimeIndex(bal.index))
    return out


def dispatch_figure(run: RunLike) -> Any:
    """The stacked hourly dispatch of the whole run as a :class:`plotly.graph_objects.Figure`
    with a range slider and day / week / month / all buttons (GW)."""
    import plotly.graph_objects as go

    r = _run(run)
    d = dispatch_series(r)
    x = d.index
    fig = go.Figure()
    up = [c for c in d.columns if c not in ("curtailment", "demand", *DOWN)]
    for i, c in enumerate(up):
        fig.add_trace(go.Scatter(x=x, y=_values(d[c]), name=_label(c), stackgroup="up",
                                 line={"width": 0, "color": _color(c, i)}, fillcolor=_color(c, i),
                                 hovertemplate="%{y:,.2f} GW"))  # fmt: skip
    fig.add_trace(go.Scatter(x=x, y=_values(d["curtailment"]), name=_label("curtailment"),
                             stackgroup="up", line={"width": 0, "color": _color("curtailment")},
                             fillcolor="rgba(255,255,255,0)",
                             fillpattern={"shape": "/", "fgcolor": _color("curtailment")},
                             hovertemplate="%{y:,.2f} GW"))  # fmt: skip
    for c in (c for c in DOWN if c in d):
        fig.add_trace(go.Scatter(x=x, y=_values(d[c]), name=_label(c), stackgroup="down",
                                 line={"width": 0, "color": _color(c)}, fillcolor=_color(c),
                                 hovertemplate="%{y:,.2f} GW"))  # fmt: skip
    fig.add_trace(go.Scatter(x=x, y=_values(d["demand"]), name="demand", mode="lines",
                             line={"width": 1.6, "color": "black"}, hovertemplate="%{y:,.2f} GW"))  # fmt: skip
    week = min(len(x), 7 * 24) - 1
    fig.update_layout(
        title=f"{r.name}: hourly dispatch of the whole run (drag the slider or pick a range)",
        yaxis={"title": {"text": "power (GW); below zero: charging and exports"}, "zeroline": True},
        xaxis={
            "title": {"text": f"local time ({TZ_LABEL})"},
            "range": [x[0], x[week]] if len(x) else None,
            "rangeslider": {"visible": True, "thickness": 0.08},
            "rangeselector": {
                "buttons": [
                    *(
                        {"count": n, "step": s, "stepmode": "backward", "label": lab}
                        for n, s, lab in ZOOMS
                    ),
                    {"step": "all", "label": "all"},
                ]
            },  # fmt: skip
            "type": "date",
        },
        hovermode="x unified",
        legend={"orientation": "v", "x": 1.01, "y": 1.0},
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        height=560,
        template="plotly_white",
    )
    return fig


def _values(s: pd.Series) -> np.ndarray:
    """GW rounded to 0.1 MW (keeps the embedded data small); NaN hours stay gaps."""
    return np.round(s.to_numpy(float), 4)


def dispatch_html(run: RunLike, div_id: str = "dispatch-interactive") -> str:
    """:func:`dispatch_figure` as an HTML fragment (a ``<div>`` and its script) with
    plotly.js inlined: no CDN, no network."""
    import plotly.io as pio

    fig = dispatch_figure(run)
    html: str = pio.to_html(fig, include_plotlyjs=True, full_html=False, div_id=div_id,
                            config={"displaylogo": False, "responsive": True})  # fmt: skip
    return html


__all__ = ["dispatch_figure", "dispatch_html", "dispatch_series"]
