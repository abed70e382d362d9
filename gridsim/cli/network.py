"""``gridsim network show NAME|FILE`` and ``gridsim network plot NAME|FILE --out map.png``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gridsim.cli.args import FORMAT_HELP, FORMATS, OVERWRITE_HELP, positive_int


def _cmd_network_show(args: argparse.Namespace) -> int:
    from gridsim.network.io import load_network
    from gridsim.network.summary import format_summary

    print(format_summary(load_network(args.network, format=args.format)))
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
    net = load_network(args.network, format=args.format)
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


def register(subparsers: Any) -> None:
    """Add ``network`` to the ``gridsim`` command's subparsers
    (the object returned by ``ArgumentParser.add_subparsers``)."""
    nw = subparsers.add_parser("network", help="inspect a network")
    nsub = nw.add_subparsers(dest="action", required=True)
    show = nsub.add_parser("show", help="print a summary")
    show.add_argument("network", help="a shipped network name or a network file")
    show.add_argument("--format", choices=FORMATS, help=FORMAT_HELP)
    show.set_defaults(func=_cmd_network_show)
    plot = nsub.add_parser("plot", help="draw the network on its coordinates", description="Draw the network on its bus coordinates (a spring layout without them): lines and transformers coloured by their loading in a power flow of the network's operating point (unrated branches grey and dashed), widths by voltage class and circuits, DC links as arrows, buses by zone.")  # fmt: skip
    plot.add_argument("network", help="a shipped network name or a network file")
    plot.add_argument("--format", choices=FORMATS, help=FORMAT_HELP)
    plot.add_argument("--out", required=True, help="new image file; its suffix picks the format (.png, .svg, .pdf ...)")  # fmt: skip
    plot.add_argument("--dpi", type=positive_int, default=150, help="resolution of a raster image (default 150)")  # fmt: skip
    plot.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    plot.add_argument(
        "--no-loading",
        dest="loading",
        action="store_false",
        help="do not run a power flow to colour lines and transformers by loading",
    )
    plot.set_defaults(func=_cmd_network_plot)
