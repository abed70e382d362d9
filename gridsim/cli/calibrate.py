"""``gridsim calibrate``: the fit of runs against published statistics.

::

    gridsim calibrate STATS.csv RUN_DIR [RUN_DIR ...] --out REPORT_DIR
        [--format md|html|json ...] [--json] [--partial] [--overwrite]
        [--max-utilisation-error-pp X] [--max-generation-error X]
        [--min-monthly-correlation X] [--max-mape-pct X]

Prints the fit table (or, with ``--json``, the report as JSON) to stdout and writes the
report folder (:mod:`gridsim.studies.calibrate.output`). Exit codes: 0 success (every
check asked for passes); 1 a check fails (the failures listed on stderr); 2 bad input
or a refused destination.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from gridsim.cli.args import OVERWRITE_HELP, positive_float, positive_int

log = logging.getLogger("gridsim.cli")

#: ``--check`` options: (flag, keyword of :meth:`FitReport.failures`, help).
CHECKS = (
    (
        "--max-utilisation-error-pp",
        "max_utilisation_error_pp",
        "fail when an annual utilisation differs from the published one by more than this many percentage points",
    ),  # fmt: skip
    (
        "--max-generation-error",
        "max_generation_error",
        "fail when an annual generation figure (wind, solar, new energy, hydro, biomass, thermal, total) differs by more than this fraction (0.05 = 5 %%)",
    ),  # fmt: skip
    (
        "--min-monthly-correlation",
        "min_monthly_correlation",
        "fail when a year's monthly new-energy generation correlates below this with the published months",
    ),  # fmt: skip
    (
        "--max-mape-pct",
        "max_mape_pct",
        "fail when a year's mean absolute percentage error exceeds this (%%)",
    ),  # fmt: skip
)


def _correlation(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not -1.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number between -1 and 1, got {text!r}")
    return value


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from gridsim.studies.calibrate import fit_report, load_stats
    from gridsim.studies.calibrate.output import format_table, to_json, write_fit_report

    stats = load_stats(args.stats)
    report = fit_report(stats, args.runs, partial=args.partial)
    report.stats = args.stats
    report.summary["stats"] = args.stats
    thresholds: dict[str, Any] = {kw: getattr(args, kw) for _, kw, _ in CHECKS if getattr(args, kw) is not None}  # fmt: skip
    failures = report.failures(**thresholds) if thresholds else None
    formats = list(dict.fromkeys(["md", *(args.format or [])]))
    out = write_fit_report(report, args.out, formats, failures, overwrite=args.overwrite, dpi=args.dpi)  # fmt: skip
    if args.json:
        print(json.dumps(to_json(report, failures), indent=2, ensure_ascii=False))
    else:
        print(format_table(report))
    print(f"gridsim: calibration report written to {out}/", file=sys.stderr)
    if failures:
        print(f"gridsim: {len(failures)} check(s) failed:", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: Any) -> None:
    """Add ``calibrate`` to the ``gridsim`` command's subparsers."""
    p = subparsers.add_parser(
        "calibrate",
        help="compare runs with published statistics (fit table, figures, checks)",
        description="Compare run folders with published statistics (a CSV file: year,month,quantity,value,unit,source,note; see docs/calibration.md). Each run is matched to the years its snapshots cover. Prints the fit table and writes REPORT_DIR with report.md, fit.csv and figures/.",  # fmt: skip
    )
    p.add_argument("stats", metavar="STATS.csv", help="published statistics (CSV)")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run folders written by gridsim run, one per year")  # fmt: skip
    p.add_argument("--out", required=True, metavar="REPORT_DIR", help="report folder to write")
    p.add_argument("--format", action="append", choices=("md", "html", "json"), help="also write report.html or report.json (report.md is always written); repeat for both")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of the table")  # fmt: skip
    p.add_argument("--partial", action="store_true", help="also compare periods a run covers only in part (a quick look at a short run)")  # fmt: skip
    p.add_argument("--dpi", type=positive_int, default=100, help="resolution of the figures (default 100)")  # fmt: skip
    p.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    g = p.add_argument_group("checks (exit code 1 when one fails)")
    for flag, kw, text in CHECKS:
        kind = _correlation if kw == "min_monthly_correlation" else positive_float
        g.add_argument(flag, dest=kw, type=kind, metavar="X", help=text)
    p.set_defaults(func=_cmd_calibrate)


__all__ = ["register"]
