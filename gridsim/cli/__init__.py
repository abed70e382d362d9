"""The ``gridsim`` command.

Subcommands::

    gridsim pf FILE [--algorithm nr|fdxb|fdbx|dc] [--q-limits] [--out DIR]
    gridsim network show NAME|FILE
    gridsim network plot NAME|FILE --out map.png
    gridsim profiles generate --year 2025 --seed N --out DIR
    gridsim run SCENARIO [--out DIR] [--overwrite]
    gridsim check RUN [--overwrite] [--json]
    gridsim report RUN_DIR [--out FILE] [--week N]
    gridsim results ls [ROOT] | show RUN | compare RUN RUN... | index [DIR] | query EXPR
    gridsim calibrate STATS.csv RUN_DIR... --out REPORT_DIR [--format html|json] [checks]
    gridsim sweep SWEEP.toml [--workers N] [--dask ADDRESS|local]

Exit codes: 0 success; 1 a power flow that does not converge or a dispatch window that
failed, or a ``calibrate`` check that fails; 2 bad input or a refused output destination
(a one-line error naming the file, element, field and value); 3 a sweep with pending
cases; 4 a run with unserved energy.
No command replaces a file or folder that gridsim did not write (``--overwrite`` replaces
gridsim's own earlier output only).

One module per command group, each adding its commands with ``register(subparsers)``:
:mod:`~gridsim.cli.pf`, :mod:`~gridsim.cli.network`, :mod:`~gridsim.cli.profiles`,
:mod:`~gridsim.cli.run`, :mod:`~gridsim.cli.report` (``report`` and ``results``),
:mod:`~gridsim.cli.calibrate` and :mod:`~gridsim.cli.sweep`; :mod:`~gridsim.cli.args` holds the
checked argument types.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from gridsim.cli import calibrate, check, network, pf, profiles, report, run, sweep
from gridsim.errors import GridsimError

DESCRIPTION = """\
gridsim simulates an electricity grid and its power balance: AC and DC power flow,
time series and N-1 screening of network files (native TOML/JSON, MATPOWER,
pandapower), a year of hourly power balance (economic dispatch with curtailment,
storage, demand response and exports, checked against plan targets) from scenario
files, hourly profiles, HTML reports and sweeps over scenarios."""
EPILOG = """\
examples:
  gridsim run ningxia_2025_week                     a week of hourly power balance (seconds)
  gridsim run ningxia_2025                          a year of it (about a minute)
  gridsim check results/ningxia_2025                every dispatched hour as an AC power flow
  gridsim report results/ningxia_2025               its self-contained HTML report
  gridsim results ls                                the runs below results/
  gridsim results query "renewable_utilisation < 0.95"
                                                    the runs below results/ that match
  gridsim calibrate stats.csv results/ningxia_2020 --out results/calibration
                                                    a run against published statistics
  gridsim pf case9.m --q-limits                     one AC power flow of a MATPOWER case
  gridsim network plot ningxia_2025 --out results/map.png
  gridsim sweep sweeps/storage_dr.toml --workers 2  a sweep of scenario variants

'gridsim COMMAND --help' describes a command. Exit codes: 0 success; 1 a power flow
that did not converge, a dispatch window that failed or a calibrate check that failed; 2 bad input or a refused
destination; 3 a sweep with cases left pending; 4 a run that left demand unserved."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``gridsim`` command."""
    from gridsim import __version__

    p = argparse.ArgumentParser(
        prog="gridsim",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"gridsim {__version__}", help="print the version and exit")  # fmt: skip
    sub = p.add_subparsers(dest="command", required=True)
    for group in (pf, network, profiles, run, check, report, calibrate, sweep):
        group.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gridsim`` command. The library logs through the ``gridsim``
    logger; here its warnings (and with ``--verbose``, its information) go to stderr."""
    args = build_parser().parse_args(argv)
    _log_to_stderr(logging.INFO if getattr(args, "verbose", False) else logging.WARNING)
    try:
        return int(args.func(args))
    except GridsimError as err:
        print(f"gridsim: error: {err}", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"gridsim: error: {err.filename}: no such file", file=sys.stderr)
        return 2
    except BrokenPipeError:  # stdout closed early (gridsim ... | head): not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler that writes to whatever ``sys.stderr`` is when a record is emitted (a
    caller may have replaced it since the handler was made)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _log_to_stderr(level: int) -> None:
    logger = logging.getLogger("gridsim")
    logger.setLevel(level)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("gridsim: %(levelname)s: %(message)s"))
        logger.addHandler(handler)


__all__ = ["build_parser", "main"]
