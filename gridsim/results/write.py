"""Write a power-balance result to a directory, atomically, with its manifest.

Layout of ``<out>/``:

=====================  ==============================================================
``summary.json``       every KPI (:func:`gridsim.kpi.summary`)
``scorecard.csv``      the targets: target, kpi, op, target_value, value, unit, met
``manifest.json``      scenario path and hash, input hashes (network file, profile
                       tables, problem), gridsim version, seed, solver status, timings
``windows.csv``        one row per rolling window: times, status, objective, timings
``diagnosis.txt``      only when a window failed: window, families, hours, suggestion
``weather_years.csv``  only with ``profiles.generate.weather_years``
``hourly/``            time series, snapshot index in Asia/Shanghai (wind/solar output
                       and curtailment split pro rata within each node, as in the
                       KPIs): ``wide`` = one file
                       per array (``thermal_p_mw.parquet``: columns = units); ``tidy`` =
                       one file per group (``thermal.parquet``: snapshot, element, one
                       column per array; :mod:`gridsim.results.layout`). CSV instead of
                       Parquet with ``output.parquet = false``.
=====================  ==============================================================

The files are written into a temporary sibling directory that is renamed to
``<out>`` at the end, so a reader never sees a half-written result. ``manifest.json``
marks the folder as gridsim's and records each file's size and SHA-256
(:mod:`gridsim.results.integrity`); only such a folder is ever replaced, and only with
``overwrite`` (:mod:`gridsim.results.publish`).

The writer knows no study: it takes any object with the attributes of
:class:`Writable` (a :class:`~gridsim.studies.balance.BalanceResult` has them).
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from gridsim.results.integrity import file_records
from gridsim.results.layout import ELEMENT, arrays_of, hourly_frame
from gridsim.results.publish import check_destination, marker, output_lock, publish_dir, staging_dir

if TYPE_CHECKING:
    from gridsim.dispatch import DispatchResult
    from gridsim.scenario import Scenario


class Writable(Protocol):
    """What :func:`write_results` reads from a study's result."""

    @property
    def scenario(self) -> Scenario: ...  # output settings (output.what/layout/parquet, output_dir)

    @property
    def dispatch(self) -> DispatchResult: ...  # hourly arrays, windows, diagnosis

    @property
    def kpis(self) -> dict[str, Any]: ...  # summary.json

    @property
    def scorecard(self) -> pd.DataFrame: ...  # scorecard.csv

    @property
    def manifest(self) -> dict[str, Any]: ...  # provenance for manifest.json

    @property
    def weather_years(self) -> pd.DataFrame | None: ...  # weather_years.csv (optional)


def jsonable(x: Any) -> Any:
    """``x`` with numpy scalars as Python numbers and NaN/inf as None (strict JSON)."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, Path):
        return str(x)
    return x


def _dump(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(jsonable(obj), indent=2, ensure_ascii=False) + "\n")


def write_hourly(
    res: DispatchResult, out: Path, groups: list[str], layout: str = "wide", parquet: bool = True
) -> list[str]:
    """Write the hourly series of ``groups`` below ``out``; returns the files written."""
    ext = "parquet" if parquet else "csv"
    written: list[str] = []

    def save(df: pd.DataFrame, stem: str) -> None:
        out.mkdir(parents=True, exist_ok=True)
        f = out / f"{stem}.{ext}"
        if parquet:
            df.to_parquet(f, compression="zstd")
        else:
            df.to_csv(f)
        written.append(f.name)

    for group in groups:
        names = arrays_of(res, group)
        if not names or hourly_frame(res, names[0]).shape[1] == 0:
            continue
        if layout == "wide":
            for name in names:
                df = hourly_frame(res, name)
                if df.shape[1]:  # an array of no element (no DC stability rule) has no file
                    save(df, name)
            continue
        long = []
        for name in names:
            df = hourly_frame(res, name)
            df.columns.name = ELEMENT[group]
            long.append(df.stack(future_stack=True).rename(name))
        tidy = pd.concat(long, axis=1).reset_index()
        save(tidy.set_index("snapshot"), group)
    return written


def write_results(
    result: Writable,
    out_dir: str | Path | None = None,
    overwrite: bool = False,
    extra: Callable[[Path], None] | None = None,
) -> Path:
    """Write ``result`` to ``out_dir`` (default ``result.scenario.output_dir``) atomically;
    ``extra(folder)`` writes more into the folder before it is published.

    The destination rules of :mod:`gridsim.results.publish` hold: a folder gridsim did
    not write, or a file, is never replaced; an earlier gridsim result only with
    ``overwrite``; a second concurrent writer gets :class:`~gridsim.results.OutputError`.
    """
    out = Path(out_dir) if out_dir is not None else result.scenario.output_dir
    with output_lock(out):
        check_destination(out, overwrite)
        tmp = staging_dir(out)
        tic = time.perf_counter()
        try:
            o = result.scenario.output
            files = write_hourly(result.dispatch, tmp / "hourly", list(o.what), o.layout, o.parquet)  # fmt: skip
            _dump(tmp / "summary.json", result.kpis)
            result.scorecard.to_csv(tmp / "scorecard.csv", index=False)
            win = result.dispatch.windows_frame()
            win.to_csv(tmp / "windows.csv", index=False)
            diag = result.dispatch.diagnosis
            if diag is not None:
                (tmp / "diagnosis.txt").write_text(str(diag) + "\n")
            if result.weather_years is not None:
                result.weather_years.to_csv(tmp / "weather_years.csv")
            if extra is not None:
                extra(tmp)
            names = [f"hourly/{f}" for f in files] + [p.name for p in tmp.iterdir() if p.is_file()]
            manifest = {**marker(), **result.manifest}
            manifest["files"] = file_records(tmp, names)
            timings = dict(manifest.get("timings_s", {}))
            timings["write"] = round(time.perf_counter() - tic, 3)
            manifest["timings_s"] = timings
            _dump(tmp / "manifest.json", manifest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return publish_dir(tmp, out, overwrite)


def read_summary(out_dir: str | Path) -> dict[str, Any]:
    """The ``summary.json`` of a result directory."""
    result: dict[str, Any] = json.loads((Path(out_dir) / "summary.json").read_text())
    return result


__all__ = [
    "Writable",
    "jsonable",
    "read_summary",
    "write_hourly",
    "write_results",
]
