"""KPI response plots over the parameters of a sweep (``<out>/summary.parquet``).

>>> import pandas as pd
>>> df = pd.read_parquet("results/sweeps/storage_dr/summary.parquet")
>>> fig = plot_sweep_response(df, x="battery_gw", y="renewable_utilisation",
...                           hue="network.overrides.scale.solar")
>>> fig.savefig("utilisation_vs_storage.png", dpi=150, bbox_inches="tight")

One line per value of ``hue`` (and line style per value of ``style``), the KPI
``y`` against ``x``. When other parameters vary too, the line is their mean and a
band spans their minimum to maximum (the subtitle says over what). Cases that did
not end optimal are left out (the subtitle counts them). A KPI with a plan target
(the default target set, :data:`gridsim.cases.DEFAULT_TARGETS`, e.g. 95 % new-energy
utilisation) gets its target as a dashed line. Shares are drawn in percent.
"""

from __future__ import annotations

from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from gridsim.report.plots import _axes

#: Column -> (axis or legend label with its unit, kind). Kind ``share`` is drawn in
#: percent, ``scale`` as a factor (×), ``bool`` as on/off.
LABELS: dict[str, tuple[str, str]] = {
    "storage.battery_scale": ("battery power and energy (× scenario)", "scale"),
    "storage.battery_mw": ("battery power (MW)", ""),
    "storage.battery_mwh": ("battery energy (MWh)", ""),
    "storage.battery": ("batteries", "bool"),
    "storage.pumped_hydro": ("pumped hydro", "bool"),
    "demand_response.shiftable_share": ("shiftable demand (share of peak load)", "share"),
    "demand_response.curtailable_share": ("curtailable demand (share of peak load)", "share"),
    "demand_response.curtailable_hours": ("curtailment budget (h/yr)", ""),
    "network.overrides.scale.solar": ("PV capacity (× scenario)", "scale"),
    "network.overrides.scale.wind": ("wind capacity (× scenario)", "scale"),
    "profiles.generate.seed": ("weather year (seed)", ""),
    "profiles.generate.demand_twh": ("annual demand (TWh)", ""),
    "base": ("base scenario", ""),
    "renewable_utilisation": ("new-energy utilisation", "share"),
    "wind_utilisation": ("wind utilisation", "share"),
    "solar_utilisation": ("PV utilisation", "share"),
    "new_energy_share_of_generation": ("new-energy share of generation", "share"),
    "curtailed_gwh": ("wind + PV curtailment (GWh)", ""),
    "coal_mt": ("standard coal (Mt)", ""),
    "co2_mt": ("CO₂ emissions (Mt)", ""),
    "coal_rate_gce_per_kwh": ("coal rate (gce/kWh)", ""),
    "dr_curtailed_gwh": ("demand curtailed (GWh)", ""),
    "dr_shifted_gwh": ("demand shifted (GWh)", ""),
    "unserved_mwh": ("unserved energy (MWh)", ""),
    "cost_bn_cny": ("system cost (bn CNY)", ""),
    "battery_gw": ("battery power (GW)", ""),
    "battery_gwh": ("battery energy (GWh)", ""),
    "pumped_hydro_gw": ("pumped hydro (GW)", ""),
    "wind_gw": ("wind capacity (GW)", ""),
    "solar_gw": ("PV capacity (GW)", ""),
    "time_s": ("run time (s)", ""),
}
#: Summary columns that are neither parameters nor KPIs.
BOOKKEEPING = {"case", "case_id", "label", "status", "ok", "error", "run_dir", "time_s", "cpu_s", "inputs_s", "build_s", "solve_s"}  # fmt: skip


def label_of(col: str) -> str:
    """Axis label of a summary column: :data:`LABELS`, else the schema's unit, else the name."""
    if col in LABELS:
        return LABELS[col][0]
    from gridsim.scenario import SCHEMA

    table, _, name = col.rpartition(".")
    spec = SCHEMA.get(table, {}).get(name)
    return f"{col} ({spec.unit})" if spec is not None and spec.unit else col


def fmt_value(col: str, v: Any) -> str:
    """A parameter value as shown in a legend: ``6 %``, ``1.5 ×``, ``on``."""
    kind = LABELS.get(col, ("", ""))[1]
    if isinstance(v, bool | np.bool_) or kind == "bool":
        return "on" if bool(v) else "off"
    if kind == "share" and isinstance(v, int | float):
        return f"{100 * v:g} %"
    if kind == "scale" and isinstance(v, int | float):
        return f"{v:g} ×"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _target(y: str) -> tuple[str, float] | None:
    """``(op, value)`` of the default target set's row for KPI column ``y``, if any."""
    from gridsim.cases import DEFAULT_TARGETS
    from gridsim.targets import load_targets

    for t in load_targets(DEFAULT_TARGETS):
        if t.kpi == y:
            return t.op, t.value
    return None


def sweep_params(df: pd.DataFrame) -> list[str]:
    """The swept parameters of a sweep summary: its columns that are neither
    bookkeeping (:data:`BOOKKEEPING`) nor KPIs (:data:`gridsim.batch.KPI_COLUMNS`)."""
    from gridsim.batch import KPI_COLUMNS

    return [c for c in df.columns if c not in BOOKKEEPING and c not in KPI_COLUMNS]


def plot_sweep_response(
    summary: pd.DataFrame,
    x: str,
    y: str = "renewable_utilisation",
    hue: str | None = None,
    ax: Axes | None = None,
    *,
    style: str | None = None,
    target: float | None | str = "auto",
    title: str | None = None,
) -> Figure:
    """KPI ``y`` against parameter (or capacity column) ``x``, one line per ``hue`` value.

    ``summary`` is a sweep summary (:func:`gridsim.batch.summary_frame`, or
    ``summary.parquet``); ``x``, ``y``, ``hue`` and ``style`` name its columns
    (parameters by their dotted path, e.g. ``"storage.battery_scale"``, or derived
    columns such as ``"battery_gw"``). ``target``: a horizontal line at that value,
    ``"auto"`` for the plan target of ``y`` if it has one, None for none. Draws on
    ``ax`` (or a new 8 × 5.5 in figure; the legend sits below the axes) and returns the figure.
    """
    for col in (x, y, hue, style):
        if col is not None and col not in summary.columns:
            raise KeyError(f"{col!r} is not a summary column ({', '.join(summary.columns)})")
    ok = summary["status"].eq("optimal") if "status" in summary.columns else summary[y].notna()
    df, n_failed = summary[ok], int((~ok & summary.get("status", ok).ne("pending")).sum())
    fig, ax = _axes(ax, (8.0, 5.5))
    groups = [c for c in (hue, style) if c is not None]
    keys = [x, *groups]
    others = [
        c
        for c in sweep_params(df)
        if c not in keys and len(df) and df.groupby(keys)[c].nunique(dropna=False).max() > 1
    ]
    numeric_x = pd.api.types.is_numeric_dtype(df[x]) and not pd.api.types.is_bool_dtype(df[x])
    cats = sorted(df[x].dropna().unique().tolist()) if not numeric_x else []
    colours = matplotlib.colormaps["tab10"].colors  # type: ignore[attr-defined]
    dashes: list[Any] = ["-", (0, (5, 2)), (0, (1.5, 1.5)), (0, (6, 2, 1.5, 2))]
    markers = ["o", "s", "^", "D"]
    hue_vals = sorted(df[hue].dropna().unique().tolist()) if hue else [None]
    style_vals = sorted(df[style].dropna().unique().tolist()) if style else [None]
    for i, hv in enumerate(hue_vals):
        for j, sv in enumerate(style_vals):
            sel = df
            if hue:
                sel = sel[sel[hue] == hv]
            if style:
                sel = sel[sel[style] == sv]
            if sel.empty:
                continue
            agg = sel.groupby(x)[y].agg(["mean", "min", "max"]).sort_index()
            xs = agg.index.to_numpy(float) if numeric_x else np.array([cats.index(v) for v in agg.index])  # fmt: skip
            parts = [f"{label_of(c).split(' (')[0]} {fmt_value(c, v)}" for c, v in ((hue, hv), (style, sv)) if c]  # fmt: skip
            colour = colours[i % len(colours)]
            ax.plot(
                xs,
                agg["mean"],
                ls=dashes[j % len(dashes)],
                marker=markers[j % len(markers)],
                color=colour,
                lw=2,
                label=", ".join(parts) or label_of(y),
            )
            if others and (agg["max"] > agg["min"]).any():
                ax.fill_between(xs, agg["min"], agg["max"], color=colour, alpha=0.15, lw=0)
    kind = LABELS.get(y, ("", ""))[1]
    tgt = _target(y) if target == "auto" else (None if target is None else ("", float(target)))  # fmt: skip
    if tgt is not None:
        op, value = tgt
        shown = f"{100 * value:g} %" if kind == "share" else f"{value:g}"
        ax.axhline(value, color="0.25", ls="--", lw=1.2, label=f"plan target {op.replace('>=', '≥')} {shown}".replace("  ", " "))  # fmt: skip
        lo, hi = ax.get_ylim()  # keep the target line inside the axes
        pad = 0.05 * (max(hi, value) - min(lo, value) or 1.0)
        ax.set_ylim(min(lo, value - pad), max(hi, value + pad))
    if kind == "share":
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None, symbol=" %"))
    elif df[y].abs().max() >= 1e4:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    if LABELS.get(x, ("", ""))[1] == "share":
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None, symbol=" %"))
    if not numeric_x:
        ax.set_xticks(range(len(cats)), [fmt_value(x, c) for c in cats])
    elif df[x].nunique() <= 8:
        ax.set_xticks(sorted(df[x].dropna().unique().astype(float)))
    ax.set_xlabel(label_of(x))
    ax.set_ylabel(label_of(y))
    ax.grid(True, alpha=0.3)
    notes = []
    if others:
        notes.append(f"mean and range over {', '.join(label_of(c).split(' (')[0] for c in others)}")  # fmt: skip
    if n_failed:
        notes.append(f"{n_failed} failed case{'s' if n_failed > 1 else ''} not shown")
    head = title or f"{label_of(y).split(' (')[0]} vs {label_of(x).split(' (')[0]}"
    ax.set_title(head + ("\n" + "; ".join(notes) if notes else ""), fontsize=11)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        legend_title = " / ".join(label_of(c) for c in groups) or None
        longest = max(len(str(lab)) for lab in labels)
        ax.legend(
            title=legend_title,
            fontsize=9,
            title_fontsize=9,
            handlelength=3.5,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            ncols=1 if longest > 45 else 2 if longest > 22 else 3,
            frameon=False,
        )
    return fig
