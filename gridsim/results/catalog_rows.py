"""The rows of the results catalog: one flat record per run folder.

A row is the :func:`gridsim.results.listing.run_row` of the run (path, scenario, status,
created, period, hours, sweep, case, targets met, the key KPIs) plus what a query over
many runs needs:

- ``scenario_file``, ``scenario_sha256``: the scenario file and the hash of its merged
  content (``manifest.json: scenario``);
- ``param.<dotted key>``: the scenario's parameters (``manifest.json: scenario.parameters``,
  the merged scenario data flattened); for a sweep case also its changes
  (``case.json: changes``) and ``changed`` (their keys, comma-separated);
- the other key KPIs of :data:`~gridsim.results.key_kpis.SHORTLIST`;
- ``met.<kpi>``: each plan target of the scorecard, met or not (``all_targets_met``);
- ``timings_s.<stage>``: the manifest's timings (s);
- ``problem``: why the run could not be read (bad JSON, a file that fails its integrity
  check, a sweep case that wrote no results), else None.

Values are stored as they are (numbers, booleans, text); lists and tables become
JSON text. Paths (``path``, ``sweep``) are relative to the catalog's root folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.profiles.calendar import TZ
from gridsim.results.key_kpis import SHORTLIST, flatten, kpi_value
from gridsim.results.listing import (
    _damaged_row,
    _failed_case_row,
    _json_kind,
    _number,
    _run_dirs,
    run_row,
)
from gridsim.results.store import CASE_FILE, RUN_KIND, load_run, read_json

#: Prefixes of the parameter, target and timing columns.
PARAM, MET, TIMING = "param.", "met.", "timings_s."


def _scalar(v: Any) -> Any:
    """A value storable in one Parquet cell: lists and dicts as JSON text."""
    if isinstance(v, list | tuple | dict):
        return json.dumps(v, sort_keys=True, default=str)
    if isinstance(v, np.generic):
        return v.item()
    return v


def _rel(path: str | Path | None, root: Path) -> str | None:
    """``path`` relative to ``root`` (POSIX), or as it is when outside ``root``."""
    if path is None:
        return None
    p = Path(path)
    try:
        return p.relative_to(root).as_posix() or "."
    except ValueError:
        return p.as_posix()


def _case_info(path: Path) -> dict[str, Any]:
    """The parameters of a sweep case (``case.json``): changes, their keys, base."""
    f = path / CASE_FILE
    if not f.is_file():
        return {}
    case = read_json(f)
    raw = case.get("changes")
    changes: dict[str, Any] = raw if isinstance(raw, dict) else {}
    out: dict[str, Any] = {f"{PARAM}{k}": _scalar(v) for k, v in flatten(changes).items()}
    out["changed"] = ",".join(sorted(changes)) or None
    out["base"] = str(case["base"]) if case.get("base") else None
    return out


def _details(run_dir: Path) -> dict[str, Any]:
    """The catalog's columns beyond the listing's, of a run that loads."""
    run = load_run(run_dir)
    row = run_row(run)
    sc = run.manifest.get("scenario") or {}
    row["scenario_file"] = sc.get("path")
    row["scenario_sha256"] = sc.get("sha256")
    raw = sc.get("parameters")
    params: dict[str, Any] = raw if isinstance(raw, dict) else {}
    row.update({f"{PARAM}{k}": _scalar(v) for k, v in flatten(params).items()})
    row.update({k.key: _number(kpi_value(run.summary, k.key)) for k in SHORTLIST})
    card = run.scorecard
    if {"kpi", "met"} <= set(card.columns):
        for kpi, met in zip(card["kpi"], card["met"]):
            row[f"{MET}{kpi}"] = bool(str(met).strip().lower() in ("true", "1", "1.0"))
        row["all_targets_met"] = bool(len(card)) and bool(card["met"].astype(str).str.lower().isin(["true", "1", "1.0"]).all())  # fmt: skip
    raw_t = run.manifest.get("timings_s")
    timings: dict[str, Any] = raw_t if isinstance(raw_t, dict) else {}
    row.update({f"{TIMING}{k}": _number(v) for k, v in timings.items()})
    row["problem"] = None
    return row


def catalog_row(run_dir: str | Path, root: str | Path) -> dict[str, Any] | None:
    """The catalog row of the folder ``run_dir`` below ``root``; None when the folder is
    no run (a manifest of another kind: power-flow results, a profile set). A folder
    that cannot be read gives a row with its ``problem`` (never an exception)."""
    d, r = Path(run_dir), Path(root)
    try:
        has_manifest = (d / "manifest.json").is_file()
        if has_manifest and _json_kind(d / "manifest.json") not in (RUN_KIND, None):
            return None
        if has_manifest:
            row = _details(d)
        else:
            row = _failed_case_row(d)
            row["problem"] = f"no results: {row.get('error') or 'the case wrote no manifest.json'}"
        row.update(_case_info(d) if row.get("case_id") else {})
    except (InputError, OSError, ValueError) as err:  # damaged: listed, never fatal
        e = err if isinstance(err, InputError) else InputError(str(err), source=str(d))
        try:
            row = _damaged_row(d, e)
        except OSError:  # the folder went away meanwhile
            return None
        row["problem"] = str(e)
    row["path"] = _rel(row["path"], r)
    row["sweep"] = _rel(row.get("sweep"), r)
    return row


def catalog_rows(root: str | Path) -> list[dict[str, Any]]:
    """The rows of every run below ``root`` (recursively; sweep cases included; hidden,
    half-written folders skipped), in path order."""
    r = Path(root)
    rows = [catalog_row(d, r) for d in _run_dirs(r)]
    return [x for x in rows if x is not None]


# ------------------------------------------------------------- column types
def _column(s: pd.Series) -> pd.Series:
    """One column in a single type: booleans (nullable), numbers (float64), times
    (Asia/Shanghai), else text; mixed values as text."""
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind == "empty":
        return s.astype(object).where(s.notna(), None)
    if kind == "boolean":
        return s.astype("boolean")
    if kind in ("integer", "floating", "mixed-integer-float", "decimal"):
        return pd.to_numeric(s, errors="coerce").astype("float64")
    if kind in ("datetime", "datetime64"):  # a time without a zone is local time
        local = [None if pd.isna(v) else (pd.Timestamp(v).tz_localize(TZ) if pd.Timestamp(v).tz is None else pd.Timestamp(v)) for v in s]  # fmt: skip
        return pd.to_datetime(pd.Series(local, index=s.index, dtype=object), utc=True).dt.tz_convert(TZ)  # fmt: skip
    if kind == "string":
        return s.astype(object).where(s.notna(), None)
    return s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)).astype(object)  # fmt: skip


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each column in one type (see :func:`_column`)."""
    out = df.copy()
    for c in out.columns:
        out[c] = _column(out[c])
    return out


__all__ = ["MET", "PARAM", "TIMING", "catalog_row", "catalog_rows", "tidy"]
