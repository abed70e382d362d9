"""``gridsim sweep SWEEP.toml [--workers N] [--dask ADDRESS|local | --scheduler-file FILE] [--out DIR]``.

Runs every case of a sweep not already done (see :mod:`gridsim.batch`), with a
progress bar, then prints the summary table (one row per case) and writes it to
``<out>/summary.parquet`` and ``summary.csv``. Exit code 0 when every case ran and
ended optimal, 1 when a case failed or was lost, 3 when ``--limit`` left cases
pending, 130 on Ctrl-C (finished cases are kept; run the same command again to
resume); bad input raises ``InputError`` (``gridsim`` exits with 2).

Register it on the ``gridsim`` parser with :func:`register`; ``python -m
gridsim.batch SWEEP.toml ...`` runs it on its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from gridsim.cli.args import nonnegative_int, positive_int
from gridsim.errors import GridsimError

#: Summary columns printed at the end: column -> (header, scale, format).
TABLE: dict[str, tuple[str, float, str]] = {
    "renewable_utilisation": ("util %", 100.0, "{:.2f}"),
    "curtailed_gwh": ("curt GWh", 1.0, "{:,.1f}"),
    "coal_mt": ("coal Mt", 1.0, "{:.3f}"),
    "co2_mt": ("CO2 Mt", 1.0, "{:.3f}"),
    "dr_curtailed_gwh": ("DR cut GWh", 1.0, "{:,.2f}"),
    "dr_shifted_gwh": ("DR shift GWh", 1.0, "{:,.1f}"),
    "unserved_mwh": ("unserved MWh", 1.0, "{:,.0f}"),
    "cost_bn_cny": ("cost bn CNY", 1.0, "{:,.3f}"),
    "time_s": ("time s", 1.0, "{:.1f}"),
    "cpu_s": ("cpu s", 1.0, "{:.1f}"),
}


def _short(params: list[str]) -> dict[str, str]:
    """Parameter headers: the last path component, two when the last is ambiguous."""
    lasts = [p.rsplit(".", 1)[-1] for p in params]
    return {
        p: last if lasts.count(last) == 1 else ".".join(p.split(".")[-2:])
        for p, last in zip(params, lasts)
    }


def format_summary(summary: pd.DataFrame, params: list[str]) -> str:
    """The sweep summary as an aligned text table: parameters, status, KPIs, time."""
    cols: dict[str, list[str]] = {"case": [str(x) for x in summary["case"]]}
    for p, head in _short(params).items():
        cols[head] = ["" if v is None or v != v else str(v) for v in summary[p]]
    cols["status"] = [str(s) for s in summary["status"]]
    for col, (head, scale, fmt) in TABLE.items():
        vals = pd.to_numeric(summary[col], errors="coerce")
        cols[head] = ["-" if v != v else fmt.format(v * scale) for v in vals]
    widths = {h: max(len(h), *(len(x) for x in v)) for h, v in cols.items()}
    lines = ["  ".join(h.rjust(w) for h, w in widths.items())]
    lines.append("  ".join("-" * w for w in widths.values()))
    for i in range(len(summary)):
        lines.append("  ".join(cols[h][i].rjust(w) for h, w in widths.items()))
    return "\n".join(lines)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run the sweep of ``args`` (see :func:`register`); returns the exit code."""
    from gridsim.batch import check_sweep, load_sweep, run_sweep

    sweep = load_sweep(args.sweep, out=args.out)
    if args.list:
        check_sweep(sweep)
        for c in sweep.cases:
            changes = ", ".join(f"{k} = {v!r}" for k, v in c.changes.items())
            print(f"{c.index:>4}  {c.id}  {changes}")
        print(f"{len(sweep.cases)} cases -> {sweep.out}/runs/")
        return 0
    executor, address = ("dask", args.dask) if args.dask else ("processes", None)
    if args.scheduler_file:  # a scheduler file of `dask scheduler --scheduler-file FILE`
        executor, address = "dask", Path(args.scheduler_file)
    where = f"Dask {'LocalCluster' if address == 'local' else address}" if executor == "dask" else "processes"  # fmt: skip
    print(f"sweep {sweep.name}: {len(sweep.cases)} cases on {where} -> {sweep.out}/", flush=True)
    try:
        res = run_sweep(
            sweep,
            executor=executor,
            address=address,
            workers=args.workers,
            progress=not args.quiet,
            limit=args.limit,
            retry_failed=args.retry_failed,
        )
    except KeyboardInterrupt:
        print("\ninterrupted: finished cases are kept; run the same command to resume", file=sys.stderr)  # fmt: skip
        return 130
    print()
    print(format_summary(res.summary, sweep.params))
    print(
        f"\n{len(res.ran)} ran, {len(res.skipped)} skipped (done before), "
        f"{len(res.pending)} pending, {len(res.failures)} failed; {res.elapsed_s:.1f} s"
    )
    print(f"summary written to {res.out}/summary.parquet and summary.csv")
    for case_id, row in res.failures.iterrows():
        print(f"  failed {case_id}: {row['error']}", file=sys.stderr)
    if not res.failures.empty:
        return 1
    return 3 if res.pending else 0


DESCRIPTION = (
    "Run every case of a sweep not already done, with a progress bar, then print the "
    "summary table (one row per case) and write it to <out>/summary.parquet and "
    "summary.csv. Exit code 0 when every case ran and ended optimal, 1 when a case "
    "failed or was lost, 2 on bad input, 3 when --limit left cases pending, 130 on "
    "Ctrl-C (finished cases are kept; run the same command again to resume)."
)
"""The help description of ``gridsim sweep`` (plain text: no markup)."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``gridsim sweep`` to the ``gridsim`` parser's subparsers; returns its parser."""
    p = subparsers.add_parser(
        "sweep",
        help="run a sweep of scenario variants (resumable)",
        description=DESCRIPTION,
    )
    p.add_argument("sweep", help="sweep TOML file (see sweeps/README.md)")
    p.add_argument(
        "--workers", type=positive_int, help="worker processes (default: one per core)", metavar="N"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--dask",
        metavar="ADDRESS|local",
        help="run on the Dask scheduler at ADDRESS, or on a LocalCluster with 'local'",
    )
    where.add_argument(
        "--scheduler-file",
        metavar="FILE",
        help="run on the Dask scheduler that wrote FILE (dask scheduler --scheduler-file FILE)",
    )
    p.add_argument("--out", help="output folder (default: the sweep file's sweep.out)")
    p.add_argument(
        "--limit", type=nonnegative_int, metavar="N", help="run at most N of the remaining cases"
    )
    p.add_argument(
        "--retry-failed", action="store_true", help="run again the cases that failed before"
    )
    p.add_argument("--list", action="store_true", help="validate, print the cases and exit")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gridsim.batch [sweep] SWEEP.toml ...``: the sweep command on its own."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] != ["sweep"]:
        args_in.insert(0, "sweep")
    parser = argparse.ArgumentParser(prog="gridsim")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(args_in)
    try:
        return int(args.func(args))
    except GridsimError as err:
        print(f"gridsim: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
