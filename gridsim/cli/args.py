"""Argument types of the ``gridsim`` command: numbers checked where they are parsed, so
a bad option ends with argparse's one-line usage error (exit code 2) naming it; and
:func:`write_csv`, the new CSV file of ``--csv`` options."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any


def _number(kind: type, low: float, inclusive: bool) -> Callable[[str], float]:
    word = ">=" if inclusive else ">"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {'an integer' if kind is int else 'a number'}, got {text!r}") from None  # fmt: skip
        ok = math.isfinite(value) and (value >= low if inclusive else value > low)
        if not ok:
            raise argparse.ArgumentTypeError(f"must be a finite number {word} {low:g}, got {text!r}")  # fmt: skip
        return value

    parse.__name__ = f"{kind.__name__} {word} {low:g}"
    return parse


#: An integer >= 1 (iterations, workers, dpi, weeks, years).
positive_int = _number(int, 1, inclusive=True)
#: An integer >= 0 (seeds, counts).
nonnegative_int = _number(int, 0, inclusive=True)
#: A finite number > 0 (tolerances, energies).
positive_float = _number(float, 0.0, inclusive=False)

OVERWRITE_HELP = "replace an earlier gridsim output at --out (never anything gridsim did not write)"  # fmt: skip
"""Help of every command's ``--overwrite``."""


def write_csv(path: str, write: Any) -> None:
    """Write a new CSV file ``path`` with ``write(tmp_path)``; an existing file is
    refused (a CSV carries no mark that gridsim wrote it)."""
    from gridsim.results.publish import check_file_destination, output_lock, write_file_atomic

    with output_lock(path):
        check_file_destination(path)
        write_file_atomic(path, write)


__all__ = [
    "FORMATS",
    "FORMAT_HELP",
    "OVERWRITE_HELP",
    "nonnegative_int",
    "positive_float",
    "positive_int",
    "write_csv",
]


#: Network file formats of ``--format`` (default: decided by the file's content).
FORMATS = ("native", "pandapower", "matpower")
FORMAT_HELP = "network file format (default: decided by the file's content)"
