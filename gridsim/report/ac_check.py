"""The AC check in the run report: a voltage heat map (bus x month), loading duration
curves of the 750 kV corridors and of the sections to neighbouring grids (Gansu-Ningxia
on the Ningxia network), and the table of violations.

Shown when the run folder holds ``ac_check/`` (:mod:`gridsim.studies.ac_check_write`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gridsim.report.figure import ReportFigure
from gridsim.studies.ac_check_write import has_ac_check, read_ac_check

#: Rows of the violations table shown (worst first); the parquet file has all of them.
MAX_ROWS = 40


def monthly_vm(vm: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lowest and highest voltage of each bus in each month (bus x month, pu)."""
    idx = pd.DatetimeIndex(vm.index)
    month = idx.month
    return vm.groupby(month).min().T, vm.groupby(month).max().T


def plot_voltage_heatmap(vm: pd.DataFrame, lo: float = 0.95, hi: float = 1.05) -> Figure:
    """Two heat maps, bus x month: the lowest and the highest voltage (pu)."""
    vmin, vmax = monthly_vm(vm)
    fig = ReportFigure(figsize=(11, max(3.0, 0.22 * len(vmin) + 1.5)))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, df, what in ((axes[0], vmin, "lowest"), (axes[1], vmax, "highest")):
        im = ax.imshow(df.to_numpy(float), aspect="auto", cmap="RdBu_r", vmin=lo - 0.02, vmax=hi + 0.02)  # fmt: skip
        ax.set_xticks(range(df.shape[1]), [f"{m:d}" for m in df.columns])
        ax.set_yticks(range(df.shape[0]), [str(b) for b in df.index], fontsize=7)
        ax.set_xlabel("month")
        ax.set_title(f"{what} voltage per month (pu)")
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    return fig


def plot_duration_curves(loading: pd.DataFrame, branches: pd.DataFrame, hourly: pd.DataFrame, sections: dict[str, Any]) -> Figure:  # fmt: skip
    """Loading duration curves (%, sorted high to low) of the 750 kV lines and tie lines,
    and of each section's flow against its limit."""
    fig = ReportFigure(figsize=(11, 4))
    ax1, ax2 = fig.subplots(1, 2)
    grp = branches["group"].astype(str)
    keep = branches.index[(branches.kind == "line") & (grp.str.startswith("750") | (grp == "tie"))]
    hours = np.arange(1, len(loading) + 1)
    for name in keep:
        if name in loading.columns:
            y = np.sort(loading[name].to_numpy(float))[::-1]
            ax1.plot(hours, y, lw=1.0, ls="--" if grp[name] == "tie" else "-", label=str(name))
    ax1.axhline(100.0, color="k", lw=0.8)
    ax1.set_title("750 kV corridors and ties: loading duration")
    ax1.set_xlabel("hours")
    ax1.set_ylabel("loading (%)")
    if len(keep) <= 24:
        ax1.legend(fontsize=6, ncol=2)
    for name, sec in sections.items():
        col = f"{name}_import_mw"
        limit = sec.get("limit_mw")
        if col in hourly.columns and limit:
            y = np.sort(np.abs(hourly[col].to_numpy(float)) / limit * 100.0)[::-1]
            ax2.plot(hours[: len(y)], y, label=f"{name} ({limit:,.0f} MW)")
    ax2.axhline(100.0, color="k", lw=0.8)
    ax2.set_title("sections: |flow| / limit, duration")
    ax2.set_xlabel("hours")
    ax2.set_ylabel("% of limit")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def violations_html(viol: pd.DataFrame, failed: pd.DataFrame) -> str:
    """Per element and kind: hours outside the limit, the worst value and its hour;
    then the hours that did not converge."""
    if viol.empty and failed.empty:
        return "<p>No violation: every hour converged within every limit.</p>"
    rows = []
    if not viol.empty:
        v = viol.assign(excess=(viol.value - viol.limit).abs())
        for (kind, el), g in v.groupby(["kind", "element"]):
            w = g.loc[g.excess.idxmax()]
            rows.append(
                (len(g), str(kind), str(el), float(w.value), float(w.limit), str(w.snapshot))
            )
        rows.sort(key=lambda r: -r[0])
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(e)}</td><td>{n}</td><td>{val:.4g}</td><td>{lim:.4g}</td><td>{html.escape(t)}</td></tr>"  # fmt: skip
        for n, k, e, val, lim, t in rows[:MAX_ROWS]
    )
    out = f"<table><tr><th>kind</th><th>element</th><th>hours</th><th>worst value</th><th>limit</th><th>worst hour</th></tr>{body}</table>"  # fmt: skip
    if len(rows) > MAX_ROWS:
        out += f"<p>{len(rows) - MAX_ROWS} more rows in ac_check/violations.parquet.</p>"
    if not failed.empty:
        fr = "".join(f"<tr><td>{html.escape(str(t))}</td><td>{html.escape(str(d))}</td></tr>" for t, d in zip(failed.snapshot, failed.diagnosis))  # fmt: skip
        out += f"<h3>Hours that do not converge</h3><table><tr><th>hour</th><th>diagnosis</th></tr>{fr}</table>"  # fmt: skip
    return out


def ac_check_section(run_dir: str | Path, image: Callable[[Figure], str]) -> str:
    """The report's AC check section (empty when the run has no AC check); ``image``
    turns a figure into an ``<img>`` element."""
    if not has_ac_check(run_dir):
        return ""
    from gridsim.studies.ac_check_write import format_summary

    summary, t = read_ac_check(run_dir)
    figs = []
    if "vm_pu" in t and len(t["vm_pu"]):
        figs.append(image(plot_voltage_heatmap(t["vm_pu"])))
    if {"loading_percent", "branches", "hourly"} <= set(t):
        figs.append(image(plot_duration_curves(t["loading_percent"], t["branches"], t["hourly"], summary.get("sections", {}))))  # fmt: skip
    text = html.escape(format_summary(summary))
    return f"""<h2>AC check of every dispatched hour</h2>
<pre>{text}</pre>
{"".join(figs)}
<h3>Violations</h3>
{violations_html(t.get("violations", pd.DataFrame(columns=["kind"])), t.get("failed", pd.DataFrame()))}"""


__all__ = [
    "ac_check_section",
    "monthly_vm",
    "plot_duration_curves",
    "plot_voltage_heatmap",
    "violations_html",
]
