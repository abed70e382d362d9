"""What every figure module of the report shares: the pyplot-free figure type, the run
argument (a loaded run or its folder) and the title of a run's figure."""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.figure import Figure

from gridsim.results.store import Run, load_run

RunLike = Run | str | Path
"""A loaded run, or the path of its folder."""


class ReportFigure(Figure):
    """A pyplot-free Figure that a notebook shows when it is a cell's value (``_repr_png_``)."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=80)
        return buf.getvalue()


def as_run(run: RunLike) -> Run:
    """``run`` itself, or the run folder it names, loaded."""
    return run if isinstance(run, Run) else load_run(run)


def run_title(run: Run, what: str) -> str:
    """The title of a figure of ``run``: ``"<scenario>: <what>"``."""
    return f"{run.name}: {what}"


__all__ = ["ReportFigure", "RunLike", "as_run", "run_title"]
