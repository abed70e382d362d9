"""``gridsim pf FILE [--algorithm nr|fdxb|fdbx|dc] [--init auto|flat|dc|case] [--q-limits]
[--out DIR]``: one power flow.

Prints the network's size and the power-flow summary; ``--out`` writes ``bus.csv``,
``branch.csv``, ``gen.csv`` (and ``dcline.csv``) with a manifest into a new folder.
``--init auto`` (default) starts from the voltages stored in the case (MATPOWER ``VM``/``VA``,
as MATPOWER's ``runpf`` does) when the file has them, else from DC angles.

Exit codes: 0 converged, 1 not converged (the results are still printed and written),
2 bad input (file, option or network; the message names it).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gridsim.cli.args import FORMAT_HELP, FORMATS, OVERWRITE_HELP, positive_float, positive_int


def _cmd_pf(args: argparse.Namespace) -> int:
    from gridsim.network.io import load_network
    from gridsim.studies.powerflow import run_pf

    net = load_network(args.file, format=args.format)
    res = run_pf(
        net,
        args.algorithm,
        enforce_q_lims=args.q_limits,
        init=args.init,
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
        manifest = {**marker("powerflow"), "network": str(source), "converged": bool(res.converged), "init": res.init}  # fmt: skip
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        return publish_dir(tmp, out, overwrite)


def _branch_table(res):  # type: ignore[no-untyped-def]
    import pandas as pd

    line = res.line.assign(kind="line")
    trafo = res.trafo.assign(kind="trafo")
    both = pd.concat([line, trafo])
    both.index.name = "branch"
    return both.reset_index()


def register(subparsers: Any) -> None:
    """Add ``pf`` to the ``gridsim`` command's subparsers
    (the object returned by ``ArgumentParser.add_subparsers``)."""
    pf = subparsers.add_parser(
        "pf",
        help="run one power flow on a network file",
        description="Run one power flow (Newton-Raphson by default) on a network file and "
        "print its status, voltages, losses and most loaded branches.",
        epilog="exit codes: 0 converged; 1 not converged (the results are still printed "
        "and written); 2 bad input (file, option or network).",
    )
    pf.add_argument(
        "file", help="MATPOWER .m, pandapower .json, native .toml/.json or a shipped name"
    )
    pf.add_argument("--algorithm", "-a", default="nr", choices=["nr", "fdxb", "fdbx", "dc"], help="nr: Newton-Raphson (default); fdxb, fdbx: fast-decoupled; dc: DC power flow")  # fmt: skip
    pf.add_argument("--q-limits", action="store_true", help="enforce generator Q limits")
    pf.add_argument(
        "--init",
        default="auto",
        choices=["auto", "flat", "dc", "case"],
        help="start point of an AC power flow: the voltages stored in the case (MATPOWER "
        "VM/VA), DC angles, or flat (1 pu); auto (default) = case when the file has them, "
        "else dc. PV and slack buses always start at their set-points",
    )
    pf.add_argument("--max-iter", type=positive_int, default=30, help="Newton/fast-decoupled iterations at most (default 30)")  # fmt: skip
    pf.add_argument("--tol-mva", type=positive_float, default=1e-6, help="largest bus power mismatch accepted, MVA (default 1e-6)")  # fmt: skip
    pf.add_argument("--out", help="new folder for bus.csv, branch.csv, gen.csv (and dcline.csv)")
    pf.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    pf.add_argument("--format", choices=FORMATS, help=FORMAT_HELP)
    pf.set_defaults(func=_cmd_pf)
