"""Figures of a fit: model against published, drawn from :attr:`FitReport.table` only.

- :func:`annual_bars`: one panel per annual quantity, published and model bars per year;
- :func:`monthly_lines`: for one year, one panel per quantity with monthly figures,
  published and model over the months.

Both return a pyplot-free :class:`~gridsim.report.figure.ReportFigure` (None when there is
nothing to draw). The data each one draws is :func:`annual_data` / :func:`monthly_data`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gridsim.report.figure import ReportFigure

PUBLISHED, MODEL = "#404040", "#2166ac"
COLS = 4


def annual_data(table: pd.DataFrame) -> pd.DataFrame:
    """Annual rows of a fit table with a model value: quantity, year, published, model, unit."""
    t = table[table.month.isna() & table.model.notna()]
    return t[["quantity", "year", "published", "model", "unit"]].reset_index(drop=True)


def monthly_data(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """Monthly rows of ``year`` with a model value: quantity, month, published, model, unit."""
    t = table[(table.year == year) & table.month.notna() & table.model.notna()]
    t = t.assign(month=t.month.astype(int)).sort_values(["quantity", "month"])
    return t[["quantity", "month", "published", "model", "unit"]].reset_index(drop=True)


def _grid(n: int, width: float, height: float) -> tuple[Figure, list]:  # type: ignore[type-arg]
    cols = min(COLS, n)
    rows = math.ceil(n / cols)
    fig = ReportFigure(figsize=(width * cols, height * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _title(q: str, unit: str) -> str:
    return f"{q} ({unit})"


def _gap(published: float, model: float, unit: str) -> str:
    """The model's error as a label: percentage points for %, else relative."""
    if unit == "%":
        return f"{model - published:+.2f} pp"
    return f"{(model - published) / published:+.1%}" if published else ""


def annual_bars(table: pd.DataFrame, title: str = "") -> Figure | None:
    """Published and model bars per year, one panel per annual quantity; the model bar
    is labelled with its error (relative, or in percentage points for %)."""
    d = annual_data(table)
    if d.empty:
        return None
    qs = list(dict.fromkeys(d.quantity))
    fig, axes = _grid(len(qs), 2.8, 2.4)
    for ax, q in zip(axes, qs):
        s = d[d.quantity == q].sort_values("year")
        x = np.arange(len(s))
        ax.bar(x - 0.18, s.published, 0.36, color=PUBLISHED, label="published")
        ax.bar(x + 0.18, s.model, 0.36, color=MODEL, label="model")
        for xi, pub, mod in zip(x, s.published, s.model):
            ax.annotate(_gap(pub, mod, s.unit.iloc[0]), (xi + 0.18, mod), ha="center", va="bottom", fontsize=7)  # fmt: skip
        ax.set_xticks(x, [str(y) for y in s.year])
        ax.set_xlim(-0.6, len(s) - 0.4)
        ax.margins(y=0.12)
        ax.set_title(_title(q, s.unit.iloc[0]), fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8, loc="lower left")
    fig.suptitle(title or "Annual figures: published and model")
    return fig


def monthly_lines(table: pd.DataFrame, year: int, title: str = "") -> Figure | None:
    """Published (points and line) and model (line) over the months of ``year``, one
    panel per quantity with monthly figures."""
    d = monthly_data(table, year)
    if d.empty:
        return None
    qs = list(dict.fromkeys(d.quantity))
    fig, axes = _grid(len(qs), 3.0, 2.4)
    for ax, q in zip(axes, qs):
        s = d[d.quantity == q]
        ax.plot(s.month, s.published, "o-", color=PUBLISHED, label="published", lw=1.2, ms=3)
        ax.plot(s.month, s.model, "s-", color=MODEL, label="model", lw=1.6, ms=3)
        ax.set_xticks(range(1, 13), [str(m) for m in range(1, 13)])
        ax.set_xlim(0.5, 12.5)
        ax.set_title(_title(q, s.unit.iloc[0]), fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8)
    fig.suptitle(title or f"{year}, monthly figures: published and model (month, local time)")
    return fig


__all__ = ["annual_bars", "annual_data", "monthly_data", "monthly_lines"]
