"""``gridsim report`` and ``gridsim results``: the HTML report and the results store.

Subcommands added by :func:`register`::

    gridsim report RUN_DIR [--out FILE] [--week N] [--dpi N]
    gridsim results ls [ROOT] [--csv FILE]
    gridsim results show RUN
    gridsim results compare RUN RUN... [--all] [--csv FILE]

Bad paths raise :class:`~gridsim.errors.InputError`, which ``gridsim`` prints as one
line and exits with code 2.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import pandas as pd

from gridsim.cli.args import positive_int


def _num(x: Any, unit: str = "") -> str:
    """A number for a terminal table: shares in %, large numbers with separators."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, str):
        return x
    v = float(x)
    if unit == "share":
        return f"{100 * v:.2f} %"
    if unit == "count":
        return f"{v:.0f}"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


LS_COLUMNS = {
    "renewable_utilisation": ("utilisation", "share"),
    "curtailed_mwh.total": ("curtailed MWh", ""),
    "renewable_share_of_consumption": ("RE share", "share"),
    "coal_rate_gce_per_kwh": ("coal gce/kWh", ""),
    "unserved_mwh": ("unserved MWh", ""),
}


def ls_table(df: pd.DataFrame) -> str:
    """The ``results ls`` table: one line per run with its headline KPIs."""
    if df.empty:
        return "no runs found"
    out = pd.DataFrame(
        {
            "path": df["path"],
            "scenario": df["scenario"],
            "status": df["status"],
            "created": [f"{t:%Y-%m-%d %H:%M}" for t in df["created"]],
            "hours": [_num(h, "count") if h is not None else "n/a" for h in df["hours"]],
            "targets": [
                f"{int(m)}/{int(n)}" if pd.notna(m) and pd.notna(n) else "n/a"
                for m, n in zip(df["targets_met"], df["targets"])
            ],
        }
    )
    for key, (label, unit) in LS_COLUMNS.items():
        out[label] = [_num(v, unit) for v in df[key]]
    if df["case_id"].notna().any():
        out.insert(1, "case", df["case_id"].fillna(""))
    text = out.to_string(index=False)
    errors = df[df["error"].notna()] if "error" in df else df.iloc[:0]
    for r in errors.itertuples():
        text += f"\n{r.path}: {r.error}"
    return text


def compare_table(df: pd.DataFrame) -> str:
    """The ``results compare`` table with formatted numbers."""
    show = pd.DataFrame(index=df.index)
    show["unit"] = df["unit"]
    for col in df.columns[1:]:
        pct = str(col).startswith("Δ%")
        delta = str(col).startswith("Δ")
        cells = []
        for v, u in zip(df[col], df["unit"]):
            if not math.isfinite(v):
                cells.append("n/a")
            elif pct:
                cells.append(f"{v:+.2f} %")
            elif delta and u == "share":
                cells.append(f"{100 * v:+.2f} pp")  # percentage points
            else:
                cells.append(_num(v, u if u in ("share", "count") else ""))
        show[col] = cells
    return show.to_string()


def show_text(path: str) -> str:
    """What ``results show`` prints: facts, KPI table, scorecard, hourly series."""
    from gridsim.report.html import kpi_rows
    from gridsim.results.store import load_run

    run = load_run(path)
    m = run.manifest
    lines = [
        f"run {run.path}",
        f"  scenario     {run.name} ({(m.get('scenario') or {}).get('path', 'n/a')})",
        f"  status       {run.status}, {m.get('solved_hours')}/{m.get('hours')} h solved in {m.get('windows')} windows",  # fmt: skip
        f"  period       {' .. '.join(map(str, m.get('period') or [])) or 'n/a'}",
        f"  network      {((m.get('inputs') or {}).get('network') or {}).get('file', 'n/a')}",
        f"  gridsim      {m.get('gridsim_version', 'n/a')}, written {run.created:%Y-%m-%d %H:%M}",
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
        from gridsim.report.html import fmt

        lines += ["", "Plan scorecard"]
        for r in card.itertuples(index=False):
            met = str(r.met).lower() == "true"
            op = "≥" if r.op == ">=" else str(r.op)
            target = f"{op} {fmt(r.target_value, str(r.unit))}"
            lines.append(f"  {str(r.target):<50} {target:>16} {fmt(r.value, str(r.unit)):>16}  {'met' if met else 'NOT met'}")  # fmt: skip
    lines += ["", "hourly series: " + (", ".join(run.frames()) or "none")]
    return "\n".join(lines)


def write_csv(path: str, write: Any) -> None:
    """Write a new CSV file ``path`` with ``write(tmp_path)``; an existing file is
    refused (a CSV carries no mark that gridsim wrote it)."""
    from gridsim.results.publish import check_file_destination, output_lock, write_file_atomic

    with output_lock(path):
        check_file_destination(path)
        write_file_atomic(path, write)


def _cmd_report(args: argparse.Namespace) -> int:
    from gridsim.report.html import write_report

    path = write_report(
        args.run_dir, out=args.out, week=args.week, dpi=args.dpi, overwrite=args.overwrite
    )
    print(f"report written to {path}")
    return 0


def _cmd_ls(args: argparse.Namespace) -> int:
    from gridsim.results.listing import list_runs

    df = list_runs(args.root)
    if args.csv:
        write_csv(args.csv, lambda p: df.to_csv(p, index=False))
        print(f"{len(df)} runs written to {args.csv}")
    else:
        print(ls_table(df))
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    print(show_text(args.run))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from gridsim.results.listing import compare_runs

    df = compare_runs(args.runs, all_kpis=args.all)
    if args.csv:
        write_csv(args.csv, lambda p: df.to_csv(p))
        print(f"comparison written to {args.csv}")
    else:
        print(compare_table(df))
    return 0


def register(subparsers: Any) -> None:
    """Add ``report`` and ``results`` to the ``gridsim`` command's subparsers
    (the object returned by ``ArgumentParser.add_subparsers``)."""
    rep = subparsers.add_parser("report", help="write the HTML report of a run")
    rep.add_argument("run_dir", help="run folder (written by gridsim run)")
    rep.add_argument("--out", help="HTML file (default: RUN_DIR/report.html)")
    rep.add_argument("--week", type=positive_int, help="ISO week of the dispatch plot (default: most curtailment)")  # fmt: skip
    rep.add_argument("--dpi", type=positive_int, default=90, help="resolution of the figures")
    rep.add_argument("--overwrite", action="store_true", help="replace an earlier gridsim report at --out (never another file)")  # fmt: skip
    rep.set_defaults(func=_cmd_report)

    res = subparsers.add_parser("results", help="list, show and compare run folders")
    rsub = res.add_subparsers(dest="action", required=True)
    ls = rsub.add_parser("ls", help="list the runs below a folder (sweeps included)")
    ls.add_argument("root", nargs="?", default="results", help="folder to search (default: results)")  # fmt: skip
    ls.add_argument("--csv", help="write every column to this new CSV file instead")
    ls.set_defaults(func=_cmd_ls)
    show = rsub.add_parser("show", help="facts, KPIs and scorecard of one run")
    show.add_argument("run")
    show.set_defaults(func=_cmd_show)
    cmp = rsub.add_parser("compare", help="KPIs of runs side by side, differences to the first")
    cmp.add_argument("runs", nargs="+")
    cmp.add_argument("--all", action="store_true", help="every numeric entry of summary.json")
    cmp.add_argument("--csv", help="write the table to this new CSV file instead")
    cmp.set_defaults(func=_cmd_compare)


__all__ = ["compare_table", "ls_table", "register", "show_text"]
