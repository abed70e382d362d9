"""Figures of one power-balance run, for notebooks and the HTML report.

Every ``plot_xxx(run, ax=None, **opts)`` takes a loaded run (:func:`gridsim.results.load_run`,
or a run folder path) and returns a :class:`matplotlib.figure.Figure`; with ``ax``
it draws into that axes (multi-panel figures then draw their main panel only).
Figures are made without pyplot, so batch jobs leak none and a notebook shows each
figure once (when it is the cell's value). Each plot has a data function that returns
exactly what is drawn, as a DataFrame in MW or MWh:

====================================  =====================================================
:func:`hourly_balance`                hourly supply by carrier and uses (MW, all ≥ 0)
:func:`plot_dispatch`                 stacked dispatch of one week
:func:`duration_curves`               load, net load and thermal output, sorted (MW)
:func:`curtailment_matrix`            curtailment, hour of day × day (MW or share)
:func:`soc_daily`                     storage energy per kind: daily min, mean, max (MWh)
:func:`dr_hourly`                     demand response: curtailed, shifted down / up (MW)
:func:`monthly_balance`               monthly supply by source and uses (MWh)
====================================  =====================================================

The branch loadings and the network map of a run (``line_loading``, ``branch_loading``,
``plot_network_loading``) are in :mod:`gridsim.report.network_loading`, and reachable
from here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from gridsim.errors import InputError
from gridsim.report.figure import ReportFigure, RunLike, as_run, run_title
from gridsim.results.store import Run, week_of, weeks

COLORS: dict[str, str] = {
    "coal": "#404040",
    "gas": "#e6862e",
    "oil": "#8c6d31",
    "hydro": "#2166ac",
    "biomass": "#4d9221",
    "wind": "#5ab4ac",
    "solar": "#f6c500",
    "storage_discharge": "#7b3294",
    "imports": "#de77ae",
    "unserved": "#d7191c",
    "curtailment": "#f46d43",
    "storage_charge": "#c2a5cf",
    "dc_exports": "#a6611a",
    "ac_exports": "#dfc27d",
    "consumption": "#878787",
    "losses": "#d9d9d9",
    "demand": "#000000",
    "battery": "#7b3294",
    "pumped_hydro": "#2166ac",
}
LABELS: dict[str, str] = {
    "storage_discharge": "storage discharge",
    "storage_charge": "storage charging",
    "dc_exports": "DC exports",
    "ac_exports": "AC exports",
    "imports": "AC imports",
    "unserved": "unserved",
    "curtailment": "curtailed wind + solar",
    "consumption": "consumption",
    "losses": "losses",
    "pumped_hydro": "pumped hydro",
}
CARRIER_ORDER = ("coal", "gas", "oil", "hydro", "biomass", "wind", "solar")
DR_COLORS = ("#d7191c", "#2b83ba", "#1a9641")
"""Demand response: curtailed, shifted away, shifted in."""
HOURLY_DAYS = 45
"""Runs longer than this many days show daily peaks instead of hours in :func:`plot_dr`."""
USES = ("consumption", "losses", "storage_charge", "dc_exports", "ac_exports")
"""Uses of energy, in stacking order (the supply side is carriers + discharge + imports)."""


def _label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " "))


def _color(key: str, i: int = 0) -> str:
    return COLORS.get(key, f"C{i % 10}")


_run = as_run
_title = run_title


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new pyplot-free figure with one axes."""
    if ax is not None:
        return ax.get_figure(root=True), ax  # type: ignore[return-value]
    fig = ReportFigure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _naive(idx: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Local wall-clock times without the zone (matplotlib's date axis then shows them)."""
    return idx.tz_localize(None) if idx.tz is not None else idx


def _energy_unit(max_mwh: float) -> tuple[float, str]:
    """Divisor and unit for energies of magnitude ``max_mwh``: MWh, GWh or TWh."""
    for div, unit in ((1e6, "TWh"), (1e3, "GWh")):
        if abs(max_mwh) >= div:
            return div, unit
    return 1.0, "MWh"


# --------------------------------------------------------------- hourly data
def hourly_balance(run: RunLike) -> pd.DataFrame:
    """Hourly supply and uses of the system (MW, every column ≥ 0).

    Supply: one column per generation carrier (coal, hydro, biomass, wind, solar ...),
    ``storage_discharge``, ``imports`` (AC exchange). Uses: ``consumption`` (demand −
    DR curtailed − unserved − shifted down + shifted up), ``losses`` (network, branch and
    internal-link losses), ``storage_charge``, ``dc_exports`` (sent into DC links),
    ``ac_exports`` (flat AC block + surplus AC exchange). Also ``demand``,
    ``curtailment``, ``unserved``. Supply = uses in every solved hour.
    """
    r = _run(run)
    el = r.elements()
    df = pd.DataFrame(index=r.snapshots)
    for group, arr in (("thermal", "thermal_p_mw"), ("hydro", "hydro_p_mw"), ("renewable", "renewable_p_mw")):  # fmt: skip
        for carrier in dict.fromkeys(el.carrier[el.group == group]):
            s = r.total(arr, r.of_carrier(group, carrier))
            df[carrier] = df[carrier] + s if carrier in df else s
    order = [c for c in CARRIER_ORDER if c in df] + [c for c in df if c not in CARRIER_ORDER]
    df = df[order]
    links = r.elements()[r.elements().group == "links"]
    dc = list(links.index[links.carrier == "dc_export"])
    ac = list(links.index[links.carrier == "ac_export"])
    internal = list(links.index[links.carrier == "internal"])
    df["storage_discharge"] = r.total("storage_discharge_mw")
    df["imports"] = r.total("import_mw")
    df["demand"] = r.total("load_mw")
    df["unserved"] = r.total("unserved_mw")
    df["consumption"] = (
        df["demand"]
        - r.total("dr_curtail_mw")
        - df["unserved"]
        - r.total("shift_down_mw")
        + r.total("shift_up_mw")
    )
    df["losses"] = (
        r.total("network_loss_mw") + r.total("branch_loss_mw") + r.total("link_loss_mw", internal)
    )
    df["storage_charge"] = r.total("storage_charge_mw")
    df["dc_exports"] = r.total("link_p_mw", dc)
    df["ac_exports"] = r.total("link_p_mw", ac) + r.total("export_mw")
    df["curtailment"] = r.total("renewable_curtail_mw")
    return df


def supply_columns(bal: pd.DataFrame) -> list[str]:
    """The supply columns of :func:`hourly_balance` (carriers, discharge, imports)."""
    rest = {"demand", "unserved", "curtailment", *USES}
    return [c for c in bal.columns if c not in rest]


def default_week(run: RunLike) -> int:
    """ISO week with the most curtailed energy; without curtailment, the week of peak demand."""
    r = _run(run)
    cur, load = r.total("renewable_curtail_mw"), r.total("load_mw")
    s = r.snapshots
    iso = s.isocalendar()
    year = int(iso["year"].mode().iloc[0])
    main = np.asarray(iso["year"] == year)
    if np.nansum(cur.to_numpy()[main]) > 0:
        by = cur[main].groupby(np.asarray(iso["week"])[main]).sum()
        return int(by.idxmax())
    return int(iso["week"].iloc[int(np.nanargmax(np.where(main, load.to_numpy(), -np.inf)))])


def _week_mask(r: Run, week: int | None, start: str | None, days: int) -> tuple[np.ndarray, str]:
    s = r.snapshots
    if start is not None:
        t0 = pd.Timestamp(start)
        t0 = t0.tz_localize(s.tz) if t0.tz is None else t0
        m = np.asarray((s >= t0) & (s < t0 + pd.Timedelta(days=days)))
        what = f"{days} days from {t0:%Y-%m-%d}"
    else:
        week = default_week(r) if week is None else int(week)
        m = week_of(s, week)
        what = f"ISO week {week}"
    if not m.any():
        have = weeks(s)
        span = f"weeks {have[0]}..{have[-1]}" if have else "no hours"
        raise InputError(f"selects no hour of the run ({span}, {s[0]:%Y-%m-%d} .. {s[-1]:%Y-%m-%d})", source=str(r.path), field="week", value=week if start is None else start)  # fmt: skip
    sel = s[m]
    return m, f"{what} ({sel[0]:%d %b} – {sel[-1]:%d %b %Y})"


def plot_dispatch(
    run: RunLike,
    week: int | None = None,
    ax: Axes | None = None,
    start: str | None = None,
    days: int = 7,
    legend: bool = True,
) -> Figure:
    """Stacked hourly dispatch of one ISO ``week`` (default :func:`default_week`) or of
    ``days`` from ``start``, in GW: generation by carrier, storage discharge and imports
    above zero, with curtailed wind + solar hatched on top; storage charging, DC and AC
    exports below zero; demand as a black line."""
    r = _run(run)
    m, what = _week_mask(r, week, start, days)
    bal = hourly_balance(r)[m] / 1e3
    x = _naive(pd.DatetimeIndex(bal.index))
    fig, ax = _axes(ax, (13, 6))
    up = [c for c in supply_columns(bal) if bal[c].abs().sum() > 0]
    if bal["unserved"].sum() > 0:
        up.append("unserved")
    if up:  # a run written without some groups may have nothing to stack
        ax.stackplot(x, *(bal[c].to_numpy() for c in up), labels=[_label(c) for c in up],
                     colors=[_color(c, i) for i, c in enumerate(up)], linewidth=0)  # fmt: skip
    top = bal[up].sum(axis=1).to_numpy()
    ax.fill_between(x, top, top + bal["curtailment"].to_numpy(), facecolor="none",
                    hatch="////", edgecolor=_color("curtailment"), linewidth=0.0,
                    label=_label("curtailment"))  # fmt: skip
    down = [c for c in ("storage_charge", "dc_exports", "ac_exports") if bal[c].abs().sum() > 0]
    if down:
        ax.stackplot(x, *(-bal[c].to_numpy() for c in down), labels=[_label(c) for c in down],
                     colors=[_color(c) for c in down], linewidth=0)  # fmt: skip
    ax.plot(x, bal["demand"], color="black", lw=1.8, label="demand")
    ax.axhline(0.0, color="black", lw=0.6)
    ax.set_ylabel("power (GW)  — below zero: charging and exports")
    ax.set_xlim(x[0], x[-1])
    ax.xaxis.set_major_locator(mdates.DayLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b"))
    ax.grid(alpha=0.3)
    ax.set_title(_title(r, f"hourly dispatch, {what}"))
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    return fig


# ----------------------------------------------------------- duration curves
def duration_curves(run: RunLike) -> pd.DataFrame:
    """Load, net load and thermal output sorted from highest to lowest (MW), solved
    hours only; index = rank (1 = highest hour). Net load = demand − available wind
    and solar."""
    r = _run(run)
    el = r.elements()
    ws = list(el.index[(el.group == "renewable") & el.carrier.isin(["wind", "solar"])])
    load = r.total("load_mw")
    df = pd.DataFrame(
        {
            "load": load,
            "net_load": load - r.total("renewable_available_mw", ws),
            "thermal": r.total("thermal_p_mw"),
        }
    ).dropna()
    out = pd.DataFrame({c: np.sort(df[c].to_numpy())[::-1] for c in df.columns})
    out.index = pd.RangeIndex(1, len(out) + 1, name="rank")
    return out


def plot_duration(run: RunLike, ax: Axes | None = None) -> Figure:
    """Duration curves (GW) of load, net load (load − available wind − solar) and
    thermal output over the solved hours."""
    r = _run(run)
    d = duration_curves(r) / 1e3
    fig, ax = _axes(ax, (10, 5.5))
    styles = {"load": ("demand", "black", "-"),
              "net_load": ("net load = demand − available wind − solar", "#2166ac", "-"),
              "thermal": ("thermal output", COLORS["coal"], "--")}  # fmt: skip
    for c, (lab, col, ls) in styles.items():
        ax.plot(d.index, d[c], color=col, ls=ls, lw=1.8, label=lab)
    ax.axhline(0.0, color="black", lw=0.6)
    ax.set_xlim(1, max(len(d), 2))
    ax.set_xlabel(f"hours sorted by value (of {len(d)} h)")
    ax.set_ylabel("power (GW)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    ax.set_title(_title(r, "duration curves"))
    return fig


# ------------------------------------------------------------- curtailment
def curtailment_matrix(run: RunLike, share: bool = False) -> pd.DataFrame:
    """Curtailed wind + solar by hour of day (rows 0..23) and day (columns, local
    dates): MW (= MWh per hour), or with ``share`` the curtailed share of the available
    power (NaN when nothing is available). Missing hours are NaN."""
    r = _run(run)
    cur = r.total("renewable_curtail_mw")
    val = cur / r.total("renewable_available_mw").where(lambda a: a > 0) if share else cur
    idx = _naive(pd.DatetimeIndex(val.index))
    df = pd.DataFrame({"day": idx.normalize(), "hour": idx.hour, "v": val.to_numpy()})
    mat = df.pivot_table(index="hour", columns="day", values="v", aggfunc="sum", dropna=False)
    days = pd.date_range(idx.normalize()[0], idx.normalize()[-1], freq="D")
    return mat.reindex(index=range(24), columns=days)


def plot_curtailment_heatmap(run: RunLike, ax: Axes | None = None, share: bool = False) -> Figure:
    """Heat map of curtailed wind + solar, hour of day × day (MW, or share of available)."""
    r = _run(run)
    mat = curtailment_matrix(r, share)
    fig, ax = _axes(ax, (13, 5))
    days = pd.DatetimeIndex(mat.columns)
    xe = mdates.date2num(np.append(days, days[-1] + pd.Timedelta(days=1)).astype("datetime64[ns]"))  # fmt: skip
    v = mat.to_numpy(float) * (100.0 if share else 1.0)
    z = np.ma.masked_where(~np.isfinite(v) | (v <= 0), v)  # white: no curtailment
    mesh = ax.pcolormesh(xe, np.arange(25), z, cmap="YlOrRd", vmin=0.0, shading="flat")
    cb = fig.colorbar(mesh, ax=ax, pad=0.01)
    cb.set_label(("curtailed share of available (%)" if share else "curtailed wind + solar (MW)") + "\nwhite: none, grey: no data")  # fmt: skip
    ax.xaxis_date()
    loc = mdates.AutoDateLocator(minticks=4, maxticks=14)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.set_yticks(range(0, 25, 3))
    ax.set_ylabel("hour of day (local)")
    ax.set_xlabel("day")
    ax.set_facecolor("white")
    nodata = np.ma.masked_where(np.isfinite(v), np.ones_like(v))
    ax.pcolormesh(xe, np.arange(25), nodata, cmap="Greys", vmin=0.0, vmax=4.0, shading="flat")
    total = float(np.nansum(r.total("renewable_curtail_mw"))) * r.dt_h
    div, unit = _energy_unit(total)
    util = r.kpi("renewable_utilisation")
    ax.set_title(_title(r, f"curtailment by hour and day — {total / div:,.2f} {unit} curtailed, utilisation {100 * float(util):.2f} %"))  # fmt: skip
    return fig


# ----------------------------------------------------------------- storage
def soc_daily(run: RunLike) -> pd.DataFrame:
    """State of charge of each storage kind (battery, pumped_hydro ...), summed over its
    units: daily ``min``, ``mean`` and ``max`` (MWh); columns (kind, stat), index day."""
    r = _run(run)
    el = r.elements()
    parts = {}
    for kind in dict.fromkeys(el.carrier[el.group == "storage"]):
        s = r.total("storage_soc_mwh", r.of_carrier("storage", kind))
        s.index = _naive(pd.DatetimeIndex(s.index))
        parts[kind] = s.resample("D").agg(["min", "mean", "max"])
    if not parts:
        return pd.DataFrame(columns=pd.MultiIndex.from_tuples([], names=["kind", "stat"]))
    return pd.concat(parts, axis=1, names=["kind", "stat"])


def plot_storage_soc(run: RunLike, ax: Axes | None = None) -> Figure:
    """Energy stored per storage kind (GWh): daily min–max band and daily mean."""
    r = _run(run)
    d = soc_daily(r)
    fig, ax = _axes(ax, (13, 4.5))
    kinds = list(dict.fromkeys(d.columns.get_level_values(0)))
    hourly = len(d) <= HOURLY_DAYS
    for i, kind in enumerate(kinds):
        c = _color(kind, i)
        k = d[kind] / 1e3
        k = pd.concat([k, k.iloc[[-1]].set_axis([k.index[-1] + pd.Timedelta(days=1)])])
        x = pd.DatetimeIndex(k.index)
        ax.fill_between(x, k["min"], k["max"], color=c, alpha=0.25, lw=0, step="post",
                        label=f"{_label(kind)}: daily min – max")  # fmt: skip
        ax.step(x, k["mean"], where="post", color=c, lw=1.6, label=f"{_label(kind)}: daily mean")
        if hourly:
            h = r.total("storage_soc_mwh", r.of_carrier("storage", kind)) / 1e3
            ax.plot(_naive(pd.DatetimeIndex(h.index)), h, color=c, lw=0.7, alpha=0.8,
                    label=f"{_label(kind)}: hourly")  # fmt: skip
    if not kinds:
        ax.text(0.5, 0.5, "no storage in this run", ha="center", va="center", transform=ax.transAxes)  # fmt: skip
    else:
        loc = mdates.AutoDateLocator(minticks=4, maxticks=14)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("energy stored (GWh)")
    ax.grid(alpha=0.3)
    ax.set_title(_title(r, "storage state of charge"))
    return fig


# ---------------------------------------------------------- demand response
def dr_hourly(run: RunLike) -> pd.DataFrame:
    """Demand response per hour (MW): ``curtailed`` (interruptible load shed),
    ``shifted_down`` (load moved away from the hour), ``shifted_up`` (load moved into it)."""
    r = _run(run)
    return pd.DataFrame(
        {
            "curtailed": r.total("dr_curtail_mw"),
            "shifted_down": r.total("shift_down_mw"),
            "shifted_up": r.total("shift_up_mw"),
        }
    )


def plot_dr(run: RunLike, ax: Axes | Sequence[Axes] | None = None) -> Figure:
    """Demand-response activations: hourly MW (load reduced above zero, load added
    below) and a daily summary of the energy curtailed and shifted (MWh or GWh).
    A single ``ax`` gets the hourly panel only; two axes get both."""
    r = _run(run)
    d = dr_hourly(r)
    if ax is None:
        fig = ReportFigure(figsize=(13, 6.5), layout="constrained")
        axes = list(fig.subplots(2, 1, sharex=True, height_ratios=[3, 2]))
    else:
        axes = [ax] if isinstance(ax, Axes) else list(ax)
        fig = axes[0].get_figure(root=True)  # type: ignore[assignment]
    x = _naive(pd.DatetimeIndex(d.index))
    a = axes[0]
    long = len(d) > 24 * HOURLY_DAYS
    top = d.set_axis(x).resample("D").max() if long else d.set_axis(x)
    tx = pd.DatetimeIndex(top.index)
    kw: dict[str, Any] = {"step": "post", "lw": 0}
    a.fill_between(tx, 0, top["curtailed"], color=DR_COLORS[0], alpha=0.85, label="curtailed (load shed)", **kw)  # fmt: skip
    a.fill_between(tx, top["curtailed"], top["curtailed"] + top["shifted_down"], color=DR_COLORS[1],
                   alpha=0.85, label="shifted away (load reduced)", **kw)  # fmt: skip
    a.fill_between(tx, 0, -top["shifted_up"], color=DR_COLORS[2], alpha=0.85, label="shifted in (load added)", **kw)  # fmt: skip
    a.axhline(0.0, color="black", lw=0.6)
    a.set_ylabel("daily peak (MW)" if long else "MW")
    a.grid(alpha=0.3)
    a.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    used = r.summary.get("dr_used_mwh") or {}
    tot = f"curtailed {used.get('curtailed', float('nan')):,.0f} MWh, shifted {used.get('shifted', float('nan')):,.0f} MWh"  # fmt: skip
    a.set_title(_title(r, f"demand response — {tot}"))
    if len(axes) > 1:
        day = d.set_axis(x).resample("D").sum(min_count=1) * r.dt_h
        div, unit = _energy_unit(float(day[["curtailed", "shifted_down"]].max().max()))
        b, w = axes[1], 0.4
        dx = pd.DatetimeIndex(day.index) + pd.Timedelta(hours=12)
        if long:  # hundreds of bars draw slowly and unreadably: daily steps instead
            for c, col, lab in (("shifted_down", DR_COLORS[1], "shifted"), ("curtailed", DR_COLORS[0], "curtailed")):  # fmt: skip
                b.fill_between(day.index, 0, day[c] / div, step="post", color=col, lw=0, alpha=0.8, label=lab)  # fmt: skip
        else:
            b.bar(dx - pd.Timedelta(hours=6), day["curtailed"] / div, width=w, color=DR_COLORS[0], label="curtailed")  # fmt: skip
            b.bar(dx + pd.Timedelta(hours=6), day["shifted_down"] / div, width=w, color=DR_COLORS[1], label="shifted")  # fmt: skip
        b.set_ylabel(f"energy per day ({unit})")
        b.grid(alpha=0.3)
        b.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        b.set_title("daily energy", fontsize=10)
    loc = mdates.AutoDateLocator(minticks=4, maxticks=14)
    axes[-1].xaxis.set_major_locator(loc)
    axes[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    axes[-1].set_xlim(x[0], x[-1] + pd.Timedelta(hours=1))
    return fig


# ---------------------------------------------------------- monthly balance
def monthly_balance(run: RunLike) -> pd.DataFrame:
    """Energy per calendar month (MWh): supply columns (generation by carrier,
    ``storage_discharge``, ``imports``) and uses (``consumption``, ``losses``,
    ``storage_charge``, ``dc_exports``, ``ac_exports``); index = first day of the month.
    Over the run, the carrier columns add up to ``summary.json: generation_mwh``."""
    r = _run(run)
    bal = hourly_balance(r)
    cols = supply_columns(bal) + list(USES)
    b = bal[cols].set_axis(_naive(pd.DatetimeIndex(bal.index)))
    return b.resample("MS").sum() * r.dt_h


def bal_days(run: RunLike) -> pd.Series:
    """Number of days of the run in each calendar month (index: first day of the month)."""
    s = _naive(_run(run).snapshots)
    return pd.Series(1, index=s.normalize().unique()).resample("MS").sum()


def plot_monthly_balance(run: RunLike, ax: Axes | None = None) -> Figure:
    """Monthly energy balance: per month a stacked bar of supply by source (left) next
    to a stacked bar of uses, consumption + losses + storage charging + exports (right)."""
    r = _run(run)
    mb = monthly_balance(r)
    div, unit = _energy_unit(float(mb.sum(axis=1).max()) / 2)
    fig, ax = _axes(ax, (13, 6))
    x, w = np.arange(len(mb)), 0.38
    handles = []
    top = 0.0
    for offset, cols, edge in ((-w / 2 - 0.01, supply_columns(mb), "white"), (w / 2 + 0.01, list(USES), "white")):  # fmt: skip
        bottom = np.zeros(len(mb))
        for i, c in enumerate(cols):
            v = mb[c].to_numpy() / div
            if not np.any(v):
                continue
            ax.bar(x + offset, v, w, bottom=bottom, color=_color(c, i), edgecolor=edge,
                   linewidth=0.5, label=c)  # fmt: skip
            bottom += v
            handles.append(Patch(color=_color(c, i), label=_label(c)))
        top = max(top, float(np.nanmax(bottom, initial=0.0)))
    # set, not autoscaled: a zero-height segment on the tallest stack is a "sticky" edge
    # that stops autoscaling from leaving room above it, and the bar was clipped
    ax.set_ylim(0.0, 1.05 * top if top > 0 else 1.0)
    days = bal_days(r)
    ticks = []
    for m in pd.DatetimeIndex(mb.index):
        n, full = int(days.get(m, 0)), m.days_in_month
        ticks.append(f"{m:%b %Y}" + ("" if n == full else f" ({n} d)") + "\nsupply | use")
    ax.set_xticks(x, ticks, fontsize=8)
    if len(mb) < 4:
        ax.set_xlim(-1.5, len(mb) + 0.5)
    ax.set_ylabel(f"energy ({unit})")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(handles=handles, fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)  # fmt: skip
    ax.set_title(_title(r, "monthly energy balance: supply by source (left) vs uses (right)"))
    return fig


# --------------------------------------------------------------------- all
def _network_loading() -> Any:
    import gridsim.report.network_loading as module

    return module


#: Names of :mod:`gridsim.report.network_loading`, also reachable from this module.
NETWORK_NAMES = ("branch_loading", "line_loading", "plot_network_loading")


def __getattr__(name: str) -> Any:
    if name in NETWORK_NAMES:
        return getattr(_network_loading(), name)
    raise AttributeError(f"module 'gridsim.report.plots' has no attribute {name!r}")


def all_figures(run: RunLike, week: int | None = None) -> dict[str, Figure]:
    """Every figure of the report, by title key, in report order."""
    r = _run(run)
    wk = default_week(r) if week is None else week
    figs: dict[str, Any] = {
        "dispatch": plot_dispatch(r, wk),
        "monthly balance": plot_monthly_balance(r),
        "duration curves": plot_duration(r),
        "curtailment": plot_curtailment_heatmap(r),
        "storage": plot_storage_soc(r),
        "demand response": plot_dr(r),
        "network": _network_loading().plot_network_loading(r),
    }
    return figs


__all__ = [
    "all_figures",
    "curtailment_matrix",
    "default_week",
    "dr_hourly",
    "duration_curves",
    "hourly_balance",
    "monthly_balance",
    "plot_curtailment_heatmap",
    "plot_dispatch",
    "plot_dr",
    "plot_duration",
    "plot_monthly_balance",
    "plot_storage_soc",
    "soc_daily",
    "supply_columns",
]
