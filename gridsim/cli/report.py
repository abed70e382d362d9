"""``gridsim report`` and ``gridsim results``: the HTML report and the results store.

Subcommands added by :func:`register`::

    gridsim report RUN_DIR|SWEEP_DIR [--out FILE] [--week N] [--dpi N] [--no-interactive]
    gridsim results ls [ROOT] [--csv FILE]
    gridsim results show RUN|SWEEP
    gridsim results compare RUN RUN... [--all] [--csv FILE]
    gridsim results index|query|cheapest|surface ...   (the catalog: gridsim.cli.catalog)

The tables are :mod:`gridsim.report.tables`; the reports :mod:`gridsim.report.html`
(a run) and :mod:`gridsim.report.sweep_html` (a sweep).

Bad paths raise :class:`~gridsim.errors.InputError`, which ``gridsim`` prints as one
line and exits with code 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from gridsim.cli.args import positive_int, write_csv
from gridsim.cli.catalog import register_results
from gridsim.report.tables import compare_table, ls_table, show_text


def _cmd_report(args: argparse.Namespace) -> int:
    from gridsim.report.html import write_report
    from gridsim.report.sweep_html import write_sweep_report
    from gridsim.results.store import is_sweep

    if is_sweep(args.run_dir):
        if args.week is not None:
            from gridsim.errors import InputError

            raise InputError("applies to a run, not to a sweep folder", field="--week", value=args.week)  # fmt: skip
        path = write_sweep_report(args.run_dir, out=args.out, dpi=args.dpi, overwrite=args.overwrite)  # fmt: skip
        print(f"sweep report written to {path}")
        return 0
    path = write_report(
        args.run_dir,
        out=args.out,
        week=args.week,
        dpi=args.dpi,
        overwrite=args.overwrite,
        interactive=args.interactive,
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
        print(ls_table(df, args.root))
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
    rep = subparsers.add_parser("report", help="write the HTML report of a run or a sweep", description="Write a self-contained HTML report (one file, no network needed): of a run folder, its facts, scorecard, KPIs, the zoomable hourly dispatch and the figures; of a sweep folder, its cases and the KPI response plots.")  # fmt: skip
    rep.add_argument("run_dir", metavar="RUN_DIR|SWEEP_DIR", help="run folder (written by gridsim run) or sweep folder (written by gridsim sweep)")  # fmt: skip
    rep.add_argument("--out", help="HTML file (default: report.html in the folder)")
    rep.add_argument("--week", type=positive_int, help="ISO week of the static dispatch plot (default: most curtailment)")  # fmt: skip
    rep.add_argument("--dpi", type=positive_int, default=90, help="resolution of the figures (default 90)")  # fmt: skip
    rep.add_argument("--no-interactive", dest="interactive", action="store_false", help="leave out the zoomable dispatch view (plotly.js, about 5 MB)")  # fmt: skip
    rep.add_argument("--overwrite", action="store_true", help="replace an earlier gridsim report at --out (never another file)")  # fmt: skip
    rep.set_defaults(func=_cmd_report)

    res = subparsers.add_parser("results", help="list, show, compare and query run folders")
    rsub = res.add_subparsers(dest="action", required=True)
    ls = rsub.add_parser("ls", help="list the runs below a folder (sweeps included)")
    ls.add_argument("root", nargs="?", default="results", help="folder to search (default: results)")  # fmt: skip
    ls.add_argument("--csv", help="write every column to this new CSV file instead")
    ls.set_defaults(func=_cmd_ls)
    show = rsub.add_parser("show", help="facts, KPIs and scorecard of one run, or a sweep's table")  # fmt: skip
    show.add_argument("run", metavar="RUN|SWEEP", help="run folder, or sweep folder (prints its summary table)")  # fmt: skip
    show.set_defaults(func=_cmd_show)
    cmp = rsub.add_parser("compare", help="KPIs of runs side by side, differences to the first")
    cmp.add_argument("runs", nargs="+", metavar="RUN", help="run folders; differences are against the first")  # fmt: skip
    cmp.add_argument("--all", action="store_true", help="every numeric entry of summary.json")
    cmp.add_argument("--csv", help="write the table to this new CSV file instead")
    cmp.set_defaults(func=_cmd_compare)
    register_results(rsub)  # index, query, cheapest, surface: the catalog


__all__ = ["compare_table", "ls_table", "register", "show_text"]
