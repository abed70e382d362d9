"""Terminal tables of the results store: ``gridsim results ls``, ``show`` and ``compare``.

Every number is rounded to the precision it is shown with (:mod:`gridsim.report.numbers`),
so no table prints ``-0.00`` or a difference finer than its values; times are in
Asia/Shanghai and say so. :func:`ls_table` fits a terminal width (100 columns by
default): sweep cases are grouped under their sweep and named once, long names are
shortened in the middle, and the columns that do not fit are named below the table
(``--csv`` writes them all).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gridsim.report.numbers import (
    MAX_DECIMALS,
    TZ_LABEL,
    compact,
    decimals_for,
    fixed,
    period_text,
    time_text,
)

LS_WIDTH = 100
"""Width (characters) that ``gridsim results ls`` fits its table into."""

#: ``results ls`` KPI columns: key of :func:`gridsim.results.list_runs` -> (header, unit).
LS_COLUMNS = {
    "renewable_utilisation": ("util", "share"),
    "curtailed_mwh.total": ("curt. MWh", ""),
    "unserved_mwh": ("unserved MWh", ""),
    "coal_rate_gce_per_kwh": ("coal gce/kWh", ""),
    "renewable_share_of_consumption": ("RE share", "share"),
}
#: Columns of ``results ls`` that are left out, in this order, until the table fits.
LS_DROP_ORDER = ("RE share", "hours", "coal gce/kWh", "scenario", "written", "targets")
MIN_NAME = 30
"""Optional columns go until the run column is this wide (or as wide as its names)."""


def num(x: Any, unit: str = "") -> str:
    """A number for a terminal table: shares in % (2 decimals), counts whole, large
    numbers with separators, others with 4 significant digits (at most 4 decimals,
    trailing zeros dropped); ``n/a`` for None/NaN; never ``-0``."""
    if isinstance(x, str):
        return x
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    v = float(x)
    if unit == "share":
        return f"{fixed(100 * v, 2)} %"
    if unit == "percent":  # a share shown in a column headed "%"
        return fixed(100 * v, 2)
    return compact(v) if _decimals(v, unit) else fixed(v, 0)


def _decimals(v: float, unit: str) -> int:
    """Decimals a value of ``unit`` is shown with (shares: of the value in %)."""
    if unit == "share":
        return 2
    if unit == "count" or abs(v) >= 1000:
        return 0
    return min(decimals_for(v), MAX_DECIMALS)


def middle(text: str, width: int) -> str:
    """``text`` shortened to ``width`` characters by an ellipsis in its middle."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


@dataclass
class Column:
    """One column of a text table: header, cells, alignment."""

    head: str
    cells: list[str] = field(default_factory=list)
    left: bool = False

    @property
    def width(self) -> int:
        return max([len(self.head), *(len(c) for c in self.cells)])

    def cell(self, i: int, width: int) -> str:
        text = middle(self.cells[i], width)
        return text.ljust(width) if self.left else text.rjust(width)


def render(columns: list[Column], rows: list[int | str], width: int | None = None) -> str:
    """Columns side by side, two spaces apart; an entry of ``rows`` is a row number or a
    line of text printed as it is (shortened to ``width``). The first column is
    shortened in the middle so that the table fits ``width``."""
    widths = [c.width for c in columns]
    if width is not None:
        rest = sum(widths[1:]) + 2 * (len(widths) - 1)
        widths[0] = max(min(widths[0], width - rest), 4)
    out = ["  ".join(c.head.ljust(w) if c.left else c.head.rjust(w) for c, w in zip(columns, widths))]  # fmt: skip
    for r in rows:
        if isinstance(r, str):
            out.append(middle(r, width) if width else r)
        else:
            out.append("  ".join(c.cell(r, w) for c, w in zip(columns, widths)))
    return "\n".join(line.rstrip() for line in out)


def _rel(path: str, root: Path | None) -> str:
    p = Path(path)
    if root is not None:
        try:
            rel = p.relative_to(root).as_posix()
            return rel if rel != "." else p.name or str(p)
        except ValueError:
            pass
    return str(p)


def ls_table(df: pd.DataFrame, root: str | Path | None = None, width: int = LS_WIDTH) -> str:
    """The ``results ls`` table of :func:`gridsim.results.list_runs` ``df``: one line per
    run, fitted to ``width`` characters.

    Runs are named by their path below ``root``; the cases of a sweep follow a line
    naming the sweep and are named by their label (or case id) alone. The scenario is
    shown when it is not the folder's or case's own name. Times are in Asia/Shanghai.
    """
    if df.empty:
        return "no runs found"
    rootp = Path(root) if root is not None else None
    order: list[int | str] = []
    names: dict[int, str] = {}
    sweeps_done: set[str] = set()
    sweep_col = df["sweep"] if "sweep" in df else pd.Series(None, index=df.index)
    for i, sw in enumerate(sweep_col):
        if isinstance(sw, str):
            if sw in sweeps_done:
                continue
            sweeps_done.add(sw)
            members = [j for j, s in enumerate(sweep_col) if s == sw]
            order.append(f"{_rel(sw, rootp)}/  (sweep, {len(members)} cases)")
            labels = [df["label"].iloc[j] if "label" in df else None for j in members]
            for j, lab in zip(members, labels):
                unique = isinstance(lab, str) and lab and labels.count(lab) == 1
                names[j] = "  " + (str(lab) if unique else str(df["case_id"].iloc[j]))
                order.append(j)
        else:
            names[i] = _rel(str(df["path"].iloc[i]), rootp)
            order.append(i)
    n = len(df)
    cols = {"run": Column("run", [names[i] for i in range(n)], left=True)}
    scen = []
    for i in range(n):
        s, p = df["scenario"].iloc[i], Path(str(df["path"].iloc[i]))
        case = df["case_id"].iloc[i] if "case_id" in df else None
        hide = not isinstance(s, str) or s == p.name or (isinstance(case, str) and case in s)
        scen.append("" if hide else s)
    if any(scen):
        cols["scenario"] = Column("scenario", scen, left=True)
    cols["status"] = Column("status", [str(s) for s in df["status"]], left=True)
    cols["written"] = Column("written", [time_text(t, label=False) if pd.notna(t) else "n/a" for t in df["created"]], left=True)  # fmt: skip
    if "hours" in df:
        cols["hours"] = Column("hours", [num(h, "count") for h in df["hours"]])
    if "targets" in df:
        cols["targets"] = Column("targets", [
            f"{int(m)}/{int(t)}" if pd.notna(m) and pd.notna(t) else "n/a"
            for m, t in zip(df["targets_met"], df["targets"])
        ])  # fmt: skip
    for key, (head, unit) in LS_COLUMNS.items():
        if key in df:
            cols[head] = Column(head, [num(v, unit) for v in df[key]])
    dropped = []
    for head in LS_DROP_ORDER:
        fixed_width = sum(c.width for k, c in cols.items() if k != "run") + 2 * (len(cols) - 1)
        if fixed_width + min(cols["run"].width, MIN_NAME) <= width:
            break
        if cols.pop(head, None) is not None:
            dropped.append(head)
    times = f"; times in {TZ_LABEL}" if "written" in cols else ""
    lines = [f"{n} runs below {root if root is not None else '.'}{times}"]
    lines.append(render(list(cols.values()), order, width))
    notes = [f"not shown: {', '.join(dropped)} (--csv FILE writes every column)"] if dropped else []  # fmt: skip
    if "error" in df:
        for i, err in enumerate(df["error"]):
            if isinstance(err, str) and err:
                case = df["case_id"].iloc[i] if "case_id" in df else None
                who = case if isinstance(case, str) else _rel(str(df["path"].iloc[i]), rootp)
                notes.append(f"{who}: {err}")
    wrapped = [w for x in notes for w in textwrap.wrap(x, width, subsequent_indent="    ")]
    return "\n".join(lines + wrapped)


def compare_table(df: pd.DataFrame) -> str:
    """The ``results compare`` table: each row's values and differences with the same
    decimals (those :func:`num` needs for the row's values), differences signed (no sign
    for zero), shares in % and their differences in percentage points."""
    show = pd.DataFrame(index=df.index)
    show["unit"] = df["unit"]
    runs = [c for c in df.columns[1:] if not str(c).startswith("Δ")]
    cols: dict[Any, list[str]] = {c: [] for c in df.columns[1:]}
    for kpi in df.index:
        unit = str(df.at[kpi, "unit"])
        u = unit if unit in ("share", "count") else ""
        values = [float(df.at[kpi, r]) for r in runs]
        d = max((_decimals(x, u) for x in values if math.isfinite(x) and x != 0), default=0)
        for col in df.columns[1:]:
            v, name = float(df.at[kpi, col]), str(col)
            if not math.isfinite(v):
                text = "n/a"
            elif name.startswith("Δ%"):
                text = f"{fixed(v, 2, sign=True)} %"
            elif u == "share":  # values in %, differences in percentage points
                text = f"{fixed(100 * v, d, sign=True)} pp" if name.startswith("Δ") else f"{fixed(100 * v, d)} %"  # fmt: skip
            else:
                text = fixed(v, d, sign=name.startswith("Δ"))
            cols[col].append(text)
    for col, cells in cols.items():
        show[col] = cells
    return show.to_string()


def show_text(path: str | Path) -> str:
    """What ``results show`` prints: for a run its facts, KPI table, scorecard and hourly
    series; for a sweep folder :func:`sweep_text`."""
    from gridsim.report.html import fmt, kpi_rows
    from gridsim.results.store import is_sweep, load_run

    if is_sweep(path):
        return sweep_text(path)
    run = load_run(path)
    m = run.manifest
    lines = [
        f"run {run.path}",
        f"  scenario     {run.name} ({(m.get('scenario') or {}).get('path', 'n/a')})",
        f"  status       {run.status}, {m.get('solved_hours')}/{m.get('hours')} h solved in {m.get('windows')} windows",  # fmt: skip
        f"  period       {period_text(m.get('period'))}",
        f"  network      {((m.get('inputs') or {}).get('network') or {}).get('file', 'n/a')}",
        f"  gridsim      {m.get('gridsim_version', 'n/a')}, written {time_text(run.created)}",
    ]
    if m.get("diagnosis"):
        lines += ["  diagnosis", *("    " + x for x in str(m["diagnosis"]).splitlines())]
    lines += ["", "KPIs"]
    rows = kpi_rows(run)
    w = max((len(label) for _, label, _ in rows), default=0)
    last = None
    for section, label, value in rows:
        if section != last:
            lines.append(f"  [{section}]")
            last = section
        lines.append(f"    {label.ljust(w)}  {value}")
    card = run.scorecard
    if not card.empty:
        lines += ["", "Plan scorecard"]
        for r in card.itertuples(index=False):
            met = str(r.met).lower() == "true"
            op = "≥" if r.op == ">=" else str(r.op)
            target = f"{op} {fmt(r.target_value, str(r.unit))}"
            lines.append(f"  {str(r.target):<50} {target:>16} {fmt(r.value, str(r.unit)):>16}  {'met' if met else 'NOT met'}")  # fmt: skip
    lines += ["", "hourly series: " + (", ".join(run.frames()) or "none")]
    return "\n".join(lines)


def sweep_text(path: str | Path) -> str:
    """What ``results show SWEEP`` prints: the sweep's name, base and case counts, then
    its summary table (one row per case: parameters, status, KPIs, time)."""
    from gridsim.cli.sweep import TABLE, format_summary
    from gridsim.report.sweep_html import sweep_facts
    from gridsim.report.sweep_plots import sweep_params
    from gridsim.results.store import load_sweep

    summary = load_sweep(path).copy()
    params = sweep_params(summary)
    if "case" not in summary:
        summary["case"] = range(len(summary))
    for col in ("status", *TABLE):
        if col not in summary:
            summary[col] = float("nan") if col != "status" else "n/a"
    facts = sweep_facts(path, summary)
    lines = [f"sweep {Path(path)}"]
    lines += [f"  {k:<12} {v}" for k, v in facts.items()]
    lines += ["", format_summary(summary, params)]
    ids = list(summary.index.astype(str)) if summary.index.name == "case_id" else []
    if ids:
        lines += ["", "case ids (runs/<case id>/ holds each run):"]
        lines += [f"  {c:>4}  {i}" for c, i in zip(summary["case"], ids)]
    return "\n".join(lines)


__all__ = [
    "LS_COLUMNS",
    "LS_WIDTH",
    "compare_table",
    "ls_table",
    "compact",
    "middle",
    "num",
    "render",
    "show_text",
    "sweep_text",
]
