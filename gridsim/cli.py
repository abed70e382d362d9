"""The ``gridsim`` command.

Subcommands::

    gridsim pf FILE [--algorithm nr|fdxb|fdbx|dc] [--q-limits] [--out DIR]
    gridsim network show NAME|FILE
    gridsim network plot NAME|FILE --out map.png
    gridsim profiles generate --year 2025 --seed N --out DIR
    gridsim run SCENARIO [--out DIR] [--overwrite]
    gridsim report RUN_DIR [--out FILE] [--week N]
    gridsim results ls [ROOT] | show RUN | compare RUN RUN...
    gridsim sweep SWEEP.toml [--workers N] [--dask ADDRESS|local]

Exit codes: 0 success; 1 a power flow that does not converge or a dispatch window that
failed; 2 bad input or a refused output destination (a one-line error naming the file,
element, field and value); 3 a sweep with pending cases; 4 a run with unserved energy.
No command replaces a file or folder that gridsim did not write (``--overwrite`` replaces
gridsim's own earlier output only).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gridsim.argtypes import nonnegative_int, positive_float, positive_int
from gridsim.errors import GridsimError


def _cmd_pf(args: argparse.Namespace) -> int:
    from gridsim.network.io import load_network
    from gridsim.studies.powerflow import run_pf

    net = load_network(args.file)
    res = run_pf(
        net,
        args.algorithm,
        enforce_q_lims=args.q_limits,
        max_iter=args.max_iter,
        tol_mva=args.tol_mva,
    )
    print(
        f"{net.name or Path(args.file).name}: {len(net.bus)} buses, "
        f"{len(net.line)} lines, {len(net.trafo)} transformers"
    )
    print(res.summary())
    if args.out:
        out = _write_pf_folder(Path(args.out), res, args.file, args.overwrite)
        print(f"results written to {out}/ (bus.csv, branch.csv, gen.csv)")
    return 0 if res.converged else 1


def _write_pf_folder(out: Path, res: Any, source: str, overwrite: bool) -> Path:
    """Power-flow CSVs and a manifest into a new folder ``out`` (published atomically)."""
    import json

    from gridsim.results.publish import (
        check_destination,
        marker,
        output_lock,
        publish_dir,
        staging_dir,
    )

    with output_lock(out):
        check_destination(out, overwrite)
        tmp = staging_dir(out)
        cols = ["bus", "vm_pu", "va_degree", "p_mw", "q_mvar"]
        res.bus.reset_index().to_csv(tmp / "bus.csv", index=False, columns=cols)
        _branch_table(res).to_csv(tmp / "branch.csv", index=False)
        res.gen.reset_index().to_csv(tmp / "gen.csv", index=False)
        if len(res.dcline):
            res.dcline.reset_index().to_csv(tmp / "dcline.csv", index=False)
        manifest = {**marker("powerflow"), "network": str(source), "converged": bool(res.converged)}  # fmt: skip
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        return publish_dir(tmp, out, overwrite)


def _branch_table(res):  # type: ignore[no-untyped-def]
    import pandas as pd

    line = res.line.assign(kind="line")
    trafo = res.trafo.assign(kind="trafo")
    both = pd.concat([line, trafo])
    both.index.name = "branch"
    return both.reset_index()


def _cmd_network_show(args: argparse.Namespace) -> int:
    from gridsim.network.io import load_network
    from gridsim.network.summary import format_summary

    print(format_summary(load_network(args.network)))
    return 0


def _cmd_network_plot(args: argparse.Namespace) -> int:
    from matplotlib.backend_bases import FigureCanvasBase

    from gridsim import __version__
    from gridsim.errors import InputError
    from gridsim.network.io import load_network
    from gridsim.report.network_map import plot_network
    from gridsim.results.publish import (
        GENERATOR,
        check_file_destination,
        output_lock,
        write_file_atomic,
        written_by_gridsim,
    )

    out = Path(args.out)
    fmt = out.suffix.lstrip(".").lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if fmt not in formats:
        known = ", ".join(sorted(formats))
        raise InputError(f"must end in an image format ({known})", field="--out", value=str(out))
    check_file_destination(out, args.overwrite, written_by_gridsim)  # before the work
    net = load_network(args.network)
    loading = None
    if args.loading:
        from gridsim.studies.powerflow import run_pf

        res = run_pf(net, "nr")
        loading = res.branch_loading()
    with output_lock(out):
        check_file_destination(out, args.overwrite, written_by_gridsim)
        fig = plot_network(net, loading_percent=loading)
        meta = {"Software": f"{GENERATOR} {__version__}"} if fmt == "png" else {}
        write_file_atomic(out, lambda p: fig.savefig(p, dpi=args.dpi, bbox_inches="tight", format=fmt, metadata=meta))  # fmt: skip
    print(f"map written to {out}")
    return 0


def _cmd_profiles_generate(args: argparse.Namespace) -> int:
    from gridsim.profiles import generate_profiles
    from gridsim.results.publish import check_destination, output_lock, publish_dir, staging_dir

    out = Path(args.out)
    with output_lock(out):
        check_destination(out, args.overwrite)
        ps = generate_profiles(
            args.year,
            args.seed,
            demand_twh=args.demand_twh,
            tracking=args.tracking,
            solar_bump=args.solar_bump,
        )
        tmp = staging_dir(out)
        try:
            ps.to_dir(tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        publish_dir(tmp, out, args.overwrite)
    print(
        f"profiles for {args.year} (seed {args.seed}, {len(ps.snapshots)} hours) "
        f"written to {args.out}"
    )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from gridsim.studies.balance_cli import run_scenario_cli

    return run_scenario_cli(args.scenario, out=args.out, quiet=args.quiet, overwrite=args.overwrite)


OVERWRITE_HELP = "replace an earlier gridsim output at --out (never anything gridsim did not write)"  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``gridsim`` command."""
    p = argparse.ArgumentParser(prog="gridsim", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    pf = sub.add_parser("pf", help="run one power flow on a network file")
    pf.add_argument(
        "file", help="MATPOWER .m, pandapower .json, native .toml/.json or a shipped name"
    )
    pf.add_argument("--algorithm", "-a", default="nr", choices=["nr", "fdxb", "fdbx", "dc"])
    pf.add_argument("--q-limits", action="store_true", help="enforce generator Q limits")
    pf.add_argument("--max-iter", type=positive_int, default=30, help="Newton/fast-decoupled iterations at most (default 30)")  # fmt: skip
    pf.add_argument("--tol-mva", type=positive_float, default=1e-6, help="largest bus power mismatch accepted, MVA (default 1e-6)")  # fmt: skip
    pf.add_argument("--out", help="new folder for bus.csv, branch.csv, gen.csv (and dcline.csv)")
    pf.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    pf.set_defaults(func=_cmd_pf)

    nw = sub.add_parser("network", help="inspect a network")
    nsub = nw.add_subparsers(dest="action", required=True)
    show = nsub.add_parser("show", help="print a summary")
    show.add_argument("network")
    show.set_defaults(func=_cmd_network_show)
    plot = nsub.add_parser("plot", help="draw the network on its coordinates")
    plot.add_argument("network")
    plot.add_argument("--out", required=True)
    plot.add_argument("--dpi", type=positive_int, default=150, help="resolution of a raster image (default 150)")  # fmt: skip
    plot.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    plot.add_argument(
        "--no-loading",
        dest="loading",
        action="store_false",
        help="do not run a power flow to colour lines by loading",
    )
    plot.set_defaults(func=_cmd_network_plot)

    pr = sub.add_parser("profiles", help="hourly profiles")
    psub = pr.add_subparsers(dest="action", required=True)
    gen = psub.add_parser("generate", help="generate a year of profiles")
    gen.add_argument("--year", type=positive_int, required=True, help="calendar year, e.g. 2025")
    gen.add_argument("--seed", type=nonnegative_int, required=True, help="weather seed (>= 0)")
    gen.add_argument(
        "--demand-twh",
        type=positive_float,
        default=None,
        help="annual demand (TWh); default: the plan's figure for the year",
    )
    gen.add_argument("--tracking", action="store_true", help="single-axis tracking PV")
    gen.add_argument(
        "--solar-bump", action="store_true", help="midday renewable bump in the export schedules"
    )
    gen.add_argument("--out", required=True)
    gen.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    gen.set_defaults(func=_cmd_profiles_generate)

    run = sub.add_parser("run", help="run a power-balance scenario")
    run.add_argument("scenario", help="scenario TOML file or shipped name")
    run.add_argument("--out", help="results directory")
    run.add_argument("--quiet", action="store_true", help="no per-window progress lines")
    run.add_argument(
        "--overwrite",
        action="store_true",
        help=OVERWRITE_HELP,
    )
    run.set_defaults(func=_cmd_run)

    from gridsim.batch.cli import register as register_sweep
    from gridsim.report.cli import register as register_report

    register_report(sub)
    register_sweep(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gridsim`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except GridsimError as err:
        print(f"gridsim: error: {err}", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"gridsim: error: {err.filename}: no such file", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
