"""``gridsim results index|query|cheapest|surface``: the results catalog from the command line.

Subcommands added to ``gridsim results`` by :func:`register_results`::

    gridsim results index [DIR]
    gridsim results query [EXPR] [--sql SQL] [--root DIR] [--csv FILE] [--json]
    gridsim results cheapest [--root DIR] [--by KPI] [-n N] [--where EXPR]
    gridsim results surface KPI X Y [--root DIR] [--agg mean] [--where EXPR] [--csv FILE]

The catalog is :mod:`gridsim.results.catalog`; a query on a folder without one builds it
first. Bad input (a bad expression, SQL without DuckDB, a file at the catalog's path
that gridsim did not write) ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

import pandas as pd

from gridsim.cli.args import positive_int, write_csv

#: Columns every printed query result starts with.
SHOWN = ("path", "scenario", "status")
#: KPI columns a printed pandas query shows besides those its expression names.
SHOWN_KPIS = ("renewable_utilisation", "total_cost.total")


def _catalog_note(root: str) -> None:
    """Say on stderr that the catalog of ``root`` is about to be built."""
    from gridsim.results.catalog import catalog_path

    if not catalog_path(root).exists():
        print(f"gridsim: no catalog in {root}: building it (gridsim results index {root})", file=sys.stderr)  # fmt: skip


def _named_columns(df: pd.DataFrame, expr: str) -> list[str]:
    """The catalog columns that the expression ``expr`` names."""
    found = []
    for c in sorted(map(str, df.columns), key=len, reverse=True):
        if re.search(rf"(?<![\w.`]){re.escape(c)}(?![\w.])|`{re.escape(c)}`", expr):
            found.append(c)
    return [c for c in df.columns if c in found]


def _emit(df: pd.DataFrame, args: argparse.Namespace, shown: list[str]) -> None:
    """Print ``df`` (the columns ``shown``), or write every column as CSV or JSON."""
    if getattr(args, "csv", None):
        write_csv(args.csv, lambda p: df.to_csv(p, index=False))
        print(f"{len(df)} rows written to {args.csv}")
    elif getattr(args, "json", False):
        print(df.to_json(orient="records", date_format="iso", force_ascii=False, indent=2))
    elif df.empty:
        print("no runs match")
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 50):
            print(df[shown].to_string(index=False, max_colwidth=60))


def _cmd_index(args: argparse.Namespace) -> int:
    from gridsim.results.catalog import build, catalog_path

    df = build(args.root)
    bad = int(df["problem"].notna().sum()) if "problem" in df else 0
    print(f"catalog of {len(df)} runs written to {catalog_path(args.root)}")
    if bad:
        print(f"gridsim: {bad} runs could not be read: see the column 'problem'", file=sys.stderr)
    return 0


def _cmd_query(args: argparse.Namespace) -> int:
    from gridsim.results.catalog import query

    _catalog_note(args.root)
    df = query(args.root, args.expr, args.sql)
    if args.sql is not None:
        shown = list(df.columns)
    else:
        named = _named_columns(df, args.expr)
        extra = [c for c in ("problem",) if c in df and df[c].notna().any()]
        cols = [*SHOWN, *extra, *named, *SHOWN_KPIS]
        shown = [c for c in dict.fromkeys(cols) if c in df.columns]
    _emit(df, args, shown)
    return 0


def _where(args: argparse.Namespace) -> pd.DataFrame:
    from gridsim.results.catalog import load, query

    _catalog_note(args.root)
    return query(args.root, args.where) if args.where else load(args.root)


def _cmd_cheapest(args: argparse.Namespace) -> int:
    from gridsim.results.catalog_analysis import cheapest, column

    cat = _where(args)
    df = cheapest(cat, by=args.by, n=args.n)
    params = [c for c in df.columns if c.startswith("param.") and cat[c].nunique(dropna=True) > 1]
    _emit(df, args, [*SHOWN, column(cat, args.by), "targets_met", "targets", *params])
    return 0


def _cmd_surface(args: argparse.Namespace) -> int:
    from gridsim.results.catalog_analysis import response_surface

    table = response_surface(_where(args), args.kpi, args.x, args.y, agg=args.agg)
    if args.csv:
        write_csv(args.csv, lambda p: table.to_csv(p))
        print(f"table written to {args.csv}")
    else:
        print(f"{args.kpi} ({args.agg}); rows: {args.y}, columns: {args.x}")
        print(table.to_string())
    return 0


def register_results(rsub: Any) -> None:
    """Add ``index``, ``query``, ``cheapest`` and ``surface`` to the ``gridsim results``
    subparsers ``rsub``."""
    idx = rsub.add_parser("index", help="(re)build the catalog of the runs below a folder", description="Scan a folder (any depth, sweep cases included) and write DIR/catalog.parquet: one row per run with its scenario, parameters, key KPIs, plan targets met, timings and a 'problem' column for runs that cannot be read. gridsim run and gridsim sweep keep existing catalogs above their output up to date.")  # fmt: skip
    idx.add_argument("root", nargs="?", default="results", metavar="DIR", help="folder of runs (default: results)")  # fmt: skip
    idx.set_defaults(func=_cmd_index)

    q = rsub.add_parser("query", help="the runs of the catalog that match an expression or SQL", description="Answer from DIR/catalog.parquet (built first if missing). EXPR is a pandas query over the catalog's columns (dotted names in back-quotes, e.g. '`total_cost.total` < 2e10'); --sql runs SQL over the table 'runs' with DuckDB (pip install 'gridsim[catalog]').")  # fmt: skip
    q.add_argument("expr", nargs="?", metavar="EXPR", help="pandas query, e.g. 'renewable_utilisation < 0.95'")  # fmt: skip
    q.add_argument("--sql", help="SQL over the table 'runs' instead of EXPR (needs DuckDB)")
    q.add_argument("--root", default="results", metavar="DIR", help="folder of the catalog (default: results)")  # fmt: skip
    out = q.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="FILE", help="write every column of the result to this new CSV file")  # fmt: skip
    out.add_argument("--json", action="store_true", help="print every column of the result as JSON records")  # fmt: skip
    q.set_defaults(func=_cmd_query)

    ch = rsub.add_parser("cheapest", help="the cheapest runs that meet every plan target", description="The solved runs of the catalog that meet every target of their scorecard, lowest cost (or --by KPI) first.")  # fmt: skip
    ch.add_argument("--root", default="results", metavar="DIR", help="folder of the catalog (default: results)")  # fmt: skip
    ch.add_argument("--by", default="total_cost.total", metavar="KPI", help="catalog column to minimise (default: total_cost.total, CNY)")  # fmt: skip
    ch.add_argument("-n", type=positive_int, default=1, help="how many runs to show (default 1)")
    ch.add_argument("--where", metavar="EXPR", help="pandas query that selects the runs to compare first (e.g. a sweep)")  # fmt: skip
    ch.add_argument("--json", action="store_true", help="print every column as JSON records")
    ch.set_defaults(func=_cmd_cheapest)

    s = rsub.add_parser("surface", help="a KPI over two parameters as a table", description="The KPI of the solved runs over two parameters: one row per value of Y, one column per value of X, the mean (or --agg) over runs that differ in other parameters.")  # fmt: skip
    s.add_argument("kpi", metavar="KPI", help="catalog column, e.g. renewable_utilisation")
    s.add_argument("x", metavar="X", help="parameter of the columns, e.g. storage.battery_scale")
    s.add_argument("y", metavar="Y", help="parameter of the rows")
    s.add_argument("--root", default="results", metavar="DIR", help="folder of the catalog (default: results)")  # fmt: skip
    s.add_argument("--agg", default="mean", choices=("mean", "min", "max", "median", "count"), help="how runs in one cell combine (default mean)")  # fmt: skip
    s.add_argument("--where", metavar="EXPR", help="pandas query that selects the runs first")
    s.add_argument("--csv", metavar="FILE", help="write the table to this new CSV file")
    s.set_defaults(func=_cmd_surface)


__all__ = ["register_results"]
