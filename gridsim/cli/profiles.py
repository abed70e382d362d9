"""``gridsim profiles generate --year 2025 --seed N --out DIR``: a year of hourly profiles.

The same year, seed and options give the same profiles: bit for bit on one machine, equal
to 1e-12 across machines (see profiles/README.md).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from gridsim.cli.args import OVERWRITE_HELP, nonnegative_int, positive_float, positive_int


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


def register(subparsers: Any) -> None:
    """Add ``profiles`` to the ``gridsim`` command's subparsers
    (the object returned by ``ArgumentParser.add_subparsers``)."""
    pr = subparsers.add_parser("profiles", help="hourly profiles")
    psub = pr.add_subparsers(dest="action", required=True)
    gen = psub.add_parser("generate", help="generate a year of hourly profiles (wind, solar, load, heating, exports)")  # fmt: skip
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
    gen.add_argument("--out", required=True, help="new folder for the Parquet tables and meta.json, e.g. results/profiles_2025")  # fmt: skip
    gen.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    gen.set_defaults(func=_cmd_profiles_generate)
