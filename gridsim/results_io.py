"""Write a power-balance result to a directory, atomically, with its manifest.

Layout of ``<out>/``:

=====================  ==============================================================
``summary.json``       every KPI (:func:`gridsim.kpi.summary`)
``scorecard.csv``      the plan targets: target, kpi, op, target_value, value, unit, met
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
                       column per array). CSV instead of Parquet with ``output.parquet
                       = false``.
=====================  ==============================================================

The files are written into a temporary sibling directory that is renamed to
``<out>`` at the end, so a reader never sees a half-written result. ``manifest.json``
marks the folder as gridsim's and records each file's size and SHA-256
(:mod:`gridsim.results.integrity`); only such a folder is ever replaced, and only with
``overwrite`` (:mod:`gridsim.results.publish`).
"""

from __future__ import annotations

import json
import math
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gridsim.dispatch import DispatchResult
from gridsim.kpi import renewable_split
from gridsim.results.integrity import file_records
from gridsim.results.publish import check_destination, marker, output_lock, publish_dir, staging_dir

if TYPE_CHECKING:
    from gridsim.studies.balance import BalanceResult

#: Hourly groups of ``output.what`` and the arrays each holds (``available_mw`` comes
#: from the problem, the rest from the solution).
GROUP_ARRAYS: dict[str, tuple[str, ...]] = {
    "thermal": ("thermal_p_mw", "thermal_u_mw", "thermal_su_mw"),
    "renewable": ("renewable_p_mw", "renewable_curtail_mw", "renewable_available_mw"),
    "hydro": ("hydro_p_mw",),
    "storage": ("storage_charge_mw", "storage_discharge_mw", "storage_soc_mwh"),
    "demand_response": ("dr_curtail_mw", "shift_up_mw", "shift_down_mw"),
    "links": ("link_p_mw", "link_loss_mw"),
    "exchange": ("import_mw", "export_mw"),
    "nodes": ("load_mw", "unserved_mw", "network_loss_mw", "price_per_mwh"),
    "branches": ("flow_mw", "branch_loss_mw"),
}
ELEMENT = {
    "thermal": "unit",
    "renewable": "unit",
    "hydro": "unit",
    "storage": "storage",
    "demand_response": "element",
    "links": "link",
    "exchange": "exchange",
    "nodes": "node",
    "branches": "branch",
}


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


def hourly_frame(res: DispatchResult, name: str) -> pd.DataFrame:
    """Array ``name`` as a DataFrame: index ``snapshot`` (Asia/Shanghai), element columns.

    Wind/solar output and curtailment are the pro-rata split of
    :func:`gridsim.kpi.renewable_split` (the numbers the KPIs are computed from).
    """
    p = res.problem
    split = {"renewable_p_mw": 0, "renewable_curtail_mw": 1}
    if name == "renewable_available_mw" or name in split:
        values = (
            p.renewable.available_mw if name not in split else renewable_split(res)[split[name]]
        )
        cols = pd.Index([str(c) for c in p.renewable.names], name="renewable")
        return pd.DataFrame(values, index=p.snapshots, columns=cols)
    return res.frame(name)


def _arrays_of(res: DispatchResult, group: str) -> list[str]:
    return [n for n in GROUP_ARRAYS[group] if n == "renewable_available_mw" or n in res.arrays]


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
        names = _arrays_of(res, group)
        if not names or hourly_frame(res, names[0]).shape[1] == 0:
            continue
        if layout == "wide":
            for name in names:
                save(hourly_frame(res, name), name)
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
    result: BalanceResult, out_dir: str | Path | None = None, overwrite: bool = False
) -> Path:
    """Write ``result`` to ``out_dir`` (default ``result.scenario.output_dir``) atomically.

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
    "GROUP_ARRAYS",
    "hourly_frame",
    "jsonable",
    "read_summary",
    "write_hourly",
    "write_results",
]
