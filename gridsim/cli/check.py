"""``gridsim check RUN [--overwrite] [--json]``: the AC check of a run folder.

Every dispatched hour of the run is solved as an AC power flow on the scenario's
network (:mod:`gridsim.studies.ac_check`); the tables go to ``RUN/ac_check/`` and a
summary to stdout. The scenario is the one the run's manifest names; its
``[ac_check]`` table holds the settings. ``gridsim run`` (through
:func:`gridsim.studies.balance.run_balance`) does the same after the dispatch when the
scenario sets ``[study] ac_check = true``.

Exit codes: 0 every hour converged; 1 some hours did not (they are reported); 2 bad
input or a refused destination.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _cmd_check(args: argparse.Namespace) -> int:
    from gridsim.results.publish import check_destination
    from gridsim.results.store import load_run
    from gridsim.studies.ac_check_runs import ac_check_run
    from gridsim.studies.ac_check_write import (
        FOLDER,
        format_summary,
        run_provenance,
        write_ac_check,
    )

    run = load_run(args.run)
    dest = Path(args.run) / FOLDER
    check_destination(dest, args.overwrite)  # before the work, not after
    chk = ac_check_run(args.run)
    write_ac_check(chk, dest, overwrite=args.overwrite, provenance=run_provenance(run.manifest))
    if args.json:
        from gridsim.results.write import jsonable

        print(json.dumps(jsonable(chk.summary), indent=2))
    else:
        print(format_summary(chk.summary))
    print(f"gridsim: AC check written to {dest}/", file=sys.stderr)
    return 0 if chk.summary["failed_hours"] == 0 else 1


def register(subparsers: Any) -> None:
    """Add ``check`` to the ``gridsim`` command's subparsers."""
    p = subparsers.add_parser("check", help="AC power flow of every dispatched hour of a run", description="Solve every dispatched hour of a run folder as an AC power flow on its scenario's network; report voltages outside limits, branches above rating, AC losses against the dispatch's loss assumption, reactive reserve and hours that do not converge. Tables go to RUN/ac_check/, a summary to stdout.")  # fmt: skip
    p.add_argument("run", metavar="RUN", help="run folder written by gridsim run")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier AC check of the run (never another folder)")  # fmt: skip
    p.set_defaults(func=_cmd_check)


__all__ = ["register"]
