"""Listing and comparing the runs of the results store.

>>> runs = list_runs("results")                       # one row per run, key KPIs
>>> compare_runs(["results/ningxia_2025", "results/ningxia_2025_high_demand"])

The key KPIs and their units are :data:`gridsim.results.key_kpis.KEY_KPIS`. Bad paths
raise :class:`~gridsim.errors.InputError` naming the path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.results.key_kpis import KEY_KPIS, flatten, unit_of
from gridsim.results.store import (
    CASE_FILE,
    RUN_KIND,
    TZ,
    Run,
    case_error,
    load_run,
    read_json,
    sweep_of,
)


def _number(x: Any) -> float:
    """``x`` as a float; None, strings and booleans-as-text give NaN."""
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, int | float | np.number):
        return float(x)
    return float("nan")


def _run_dirs(root: Path) -> list[Path]:
    """Folders below ``root`` (itself included) holding a manifest.json, and sweep case
    folders (``case.json``) that hold none; hidden (temporary) folders are skipped."""
    found = {m.parent for m in root.rglob("manifest.json")}
    found |= {c.parent for c in root.rglob(CASE_FILE) if sweep_of(c.parent)}
    return sorted(d for d in found if not any(x.startswith(".") for x in d.relative_to(root).parts))  # fmt: skip


def _failed_case_row(path: Path) -> dict[str, Any]:
    """The :func:`list_runs` row of a sweep case folder without results."""
    case = read_json(path / CASE_FILE)
    sw = sweep_of(path)
    mtime = (path / CASE_FILE).stat().st_mtime
    base = case.get("base")
    return {
        "path": str(path),
        "scenario": str(base) if base else None,
        "status": str((case.get("row") or {}).get("status") or "error"),
        "created": pd.Timestamp(mtime, unit="s", tz="UTC").tz_convert(TZ).floor("s"),
        "sweep": str(sw[0]) if sw else None,
        "case_id": case.get("case_id", path.name),
        "label": case.get("label"),
        "error": case_error(path) or None,
        **{k: float("nan") for k in KEY_KPIS},
    }


def _json_kind(path: Path) -> str | None:
    """The ``kind`` of a manifest (``power-balance`` when it has none); None when the
    file cannot be read (the caller lists the run as damaged)."""
    try:
        return str(read_json(path).get("kind", RUN_KIND))
    except InputError:
        return None


def _damaged_row(path: Path, err: InputError) -> dict[str, Any]:
    """The :func:`list_runs` row of a run folder that cannot be read: status ``damaged``."""
    mtime = max((f.stat().st_mtime for f in path.iterdir() if f.is_file()), default=0.0)
    sw = sweep_of(path)
    return {
        "path": str(path),
        "scenario": None,
        "status": "damaged",
        "created": pd.Timestamp(mtime, unit="s", tz="UTC").tz_convert(TZ).floor("s"),
        "sweep": str(sw[0]) if sw else None,
        "case_id": sw[1] if sw else None,
        "error": str(err),
        **{k: float("nan") for k in KEY_KPIS},
    }


def run_row(run: Run) -> dict[str, Any]:
    """The :func:`list_runs` row of one run."""
    period = run.manifest.get("period") or [None, None]
    sw = run.sweep
    card = run.scorecard
    row: dict[str, Any] = {
        "path": str(run.path),
        "scenario": run.name,
        "status": run.status,
        "created": run.created,
        "start": pd.Timestamp(period[0]) if period and period[0] else pd.NaT,
        "end": pd.Timestamp(period[-1]) if period and period[-1] else pd.NaT,
        "hours": run.manifest.get("hours"),
        "solved_hours": run.manifest.get("solved_hours"),
        "sweep": str(sw[0]) if sw else None,
        "case_id": sw[1] if sw else None,
        "label": read_json(run.path / CASE_FILE).get("label")
        if sw and (run.path / CASE_FILE).is_file()
        else None,  # fmt: skip
        "error": (case_error(run.path) or None) if sw else None,
        "targets_met": int(card["met"].astype(bool).sum()) if "met" in card else None,
        "targets": len(card) if "met" in card else None,
    }
    row.update({k: _number(run.kpi(k)) for k in KEY_KPIS})
    return row


def list_runs(root: str | Path = "results") -> pd.DataFrame:
    """One row per run found below ``root`` (recursively; sweeps included): path,
    scenario, status, created, period, hours; for sweep cases ``sweep``, ``case_id``,
    ``label`` and ``error`` (a case that failed before writing results is listed with
    its status and error, KPIs NaN); plan targets met and the :data:`KEY_KPIS` (units
    in :func:`unit_of`). Sorted by creation time."""
    p = Path(root)
    if not p.exists():
        raise InputError("no such results folder", source=str(p))
    if not p.is_dir():
        raise InputError("is not a folder", source=str(p))
    rows = []
    for d in _run_dirs(p):
        try:
            if not (d / "manifest.json").is_file():
                rows.append(_failed_case_row(d))
            elif _json_kind(d / "manifest.json") in (RUN_KIND, None):
                rows.append(run_row(load_run(d)))
        except InputError as err:  # one damaged run never hides the others
            rows.append(_damaged_row(d, err))
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=["path", "scenario", "status", "created", *KEY_KPIS])
    return df.sort_values(["created", "path"]).reset_index(drop=True)


def _labels(runs: Sequence[Run], labels: Sequence[str] | None) -> list[str]:
    if labels is not None:
        if len(labels) != len(runs):
            raise InputError(f"needs one label per run ({len(runs)})", field="labels", value=list(labels))  # fmt: skip
        return [str(x) for x in labels]
    names = [r.name for r in runs]
    out = []
    for r, n in zip(runs, names):
        lab = n if names.count(n) == 1 else f"{n} ({r.path.name})"
        if lab in out:  # same scenario, same folder name: use the path
            lab = str(r.path)
        out.append(lab)
    return out


def compare_runs(
    paths: Sequence[str | Path | Run],
    kpis: Sequence[str] | None = None,
    all_kpis: bool = False,
    labels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """KPIs of several runs side by side, with differences against the first run.

    Rows: the :data:`KEY_KPIS` (or ``kpis``, dotted paths; ``all_kpis``: every numeric
    entry of ``summary.json``) plus ``targets_met``. Columns: ``unit``, one column per
    run (labelled by scenario name), then ``Δ <label>`` = run − first run and
    ``Δ% <label>`` = 100 · (run − first) / |first| for each further run.
    """
    if len(paths) == 0:
        raise InputError("needs at least one run folder", field="paths", value=[])
    runs = [p if isinstance(p, Run) else load_run(p) for p in paths]
    labs = _labels(runs, labels)
    flat = [flatten(r.summary) for r in runs]
    if kpis is not None:
        keys = list(kpis)
    elif all_kpis:
        keys = list(dict.fromkeys(k for f in flat for k, v in f.items() if not isinstance(v, str | list)))  # fmt: skip
    else:
        keys = list(KEY_KPIS)
    data = {lab: [_number(f.get(k)) for k in keys] for lab, f in zip(labs, flat)}
    df = pd.DataFrame(data, index=pd.Index(keys, name="kpi"))
    met = [float(r.scorecard["met"].astype(bool).sum()) if "met" in r.scorecard else np.nan for r in runs]  # fmt: skip
    df.loc["targets_met"] = met
    df.insert(0, "unit", [unit_of(k) for k in keys] + ["count"])
    base = df[labs[0]]
    for lab in labs[1:]:
        df[f"Δ {lab}"] = df[lab] - base
        with np.errstate(divide="ignore", invalid="ignore"):
            df[f"Δ% {lab}"] = 100.0 * (df[lab] - base) / base.abs().where(base != 0)
    return df


__all__ = ["compare_runs", "list_runs", "run_row"]
