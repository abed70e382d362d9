"""The AC check's files: ``<run>/ac_check/``, written atomically with its own manifest.

=========================  ======================================================
``summary.json``           headline figures (:attr:`AcCheckResult.summary`)
``hourly.parquet``         one row per hour: losses, slack, reactive reserve, sections
``violations.parquet``     one row per (hour, element) outside its limit
``failed.parquet``         hours that do not converge, with their diagnosis
``vm_pu.parquet``          hour x bus voltage magnitude (pu)
``loading_percent.parquet``hour x branch loading (%)
``gen_q_mvar.parquet``     hour x generator reactive output (Mvar)
``branches.parquet``       each branch's kind, ends, kV and group
``manifest.json``          ``kind = "ac-check"``, files' sizes and SHA-256
=========================  ======================================================

The folder follows :mod:`gridsim.results.publish`: only a folder gridsim wrote is
replaced, and only with ``overwrite``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from gridsim.errors import InputError
from gridsim.results.integrity import file_records, verify_hash
from gridsim.results.publish import check_destination, marker, output_lock, publish_dir, staging_dir
from gridsim.results.write import jsonable
from gridsim.studies.ac_check_tables import AcCheckResult

#: Name of the AC check's folder inside a run folder, and its manifest's kind.
FOLDER = "ac_check"
KIND = "ac-check"
TABLES = ("hourly", "violations", "failed", "vm_pu", "loading_percent", "gen_q_mvar", "branches")


def write_ac_check(
    res: AcCheckResult,
    out_dir: str | Path,
    overwrite: bool = False,
    provenance: dict[str, Any] | None = None,
) -> Path:
    """Write ``res`` to ``out_dir`` (usually ``<run>/ac_check``) atomically; returns it."""
    out = Path(out_dir)
    with output_lock(out):
        check_destination(out, overwrite)
        tmp = staging_dir(out)
        try:
            names = []
            for name in TABLES:
                df: pd.DataFrame = getattr(res, name)
                df.to_parquet(tmp / f"{name}.parquet", compression="zstd")
                names.append(f"{name}.parquet")
            (tmp / "summary.json").write_text(json.dumps(jsonable(res.summary), indent=2) + "\n")
            names.append("summary.json")
            manifest = {**marker(KIND), **(provenance or {}), "files": file_records(tmp, names)}
            (tmp / "manifest.json").write_text(json.dumps(jsonable(manifest), indent=2) + "\n")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return publish_dir(tmp, out, overwrite)


#: The keys of a run's manifest that the AC check's manifest repeats (under ``run``).
PROVENANCE_KEYS = ("scenario", "inputs", "period", "hours")


def run_provenance(manifest: dict[str, Any]) -> dict[str, Any]:
    """What the AC check's manifest records of the run it checked (its ``manifest``)."""
    return {"run": {k: manifest.get(k) for k in PROVENANCE_KEYS if k in manifest}}


def has_ac_check(run_dir: str | Path) -> bool:
    """True when the run folder holds an AC check written by gridsim."""
    m = Path(run_dir) / FOLDER / "manifest.json"
    try:
        return json.loads(m.read_text()).get("kind") == KIND
    except (OSError, ValueError):
        return False


def read_ac_check(run_dir: str | Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The summary and tables of ``<run_dir>/ac_check`` (each file's SHA-256 checked)."""
    d = Path(run_dir) / FOLDER
    if not has_ac_check(run_dir):
        raise InputError("holds no AC check (run `gridsim check` on the run first)", source=str(d))
    manifest = json.loads((d / "manifest.json").read_text())
    tables = {}
    for name in TABLES:
        f = d / f"{name}.parquet"
        if f.is_file():
            verify_hash(d, manifest, f.name)
            tables[name] = pd.read_parquet(f)
    verify_hash(d, manifest, "summary.json")
    return json.loads((d / "summary.json").read_text()), tables


def format_summary(summary: dict[str, Any]) -> str:
    """A few lines for stdout: hours, violations, losses, reactive reserve, sections."""
    v, o, r, loss = summary["voltage"], summary["overload"], summary["reactive"], summary["losses"]

    def top(d: dict[str, int]) -> str:
        return ", ".join(f"{k} ({n} h)" for k, n in list(d.items())[:5]) or "none"

    def num(x: Any, fmt: str = ".3f") -> str:
        return "n/a" if x is None else format(x, fmt)

    lines = [
        f"hours: {summary['hours']}  converged: {summary['converged_hours']}  not converged: {summary['failed_hours']}",  # fmt: skip
        f"voltage outside limits: {v['pairs']} bus-hours in {v['hours']} hours (low {v['low_pairs']}, high {v['high_pairs']}); vm {num(v['min_pu'])}..{num(v['max_pu'])} pu; buses: {top(v['elements'])}",  # fmt: skip
        f"branches above rating: {o['pairs']} branch-hours in {o['hours']} hours; max loading {num(o['max_loading_percent'], '.1f')} %; branches: {top(o['elements'])}",  # fmt: skip
        f"AC losses: {loss['ac_mwh'] / 1e3:.1f} GWh ({num(loss['ac_share_of_load'] and 100 * loss['ac_share_of_load'], '.2f')} % of load); LP assumption {loss['lp_mwh'] / 1e3:.1f} GWh",  # fmt: skip
        f"reactive limits exceeded: {r['pairs']} unit-hours in {r['hours']} hours; min reserve up {num(r['min_reserve_up_mvar'], '.0f')} Mvar, down {num(r['min_reserve_down_mvar'], '.0f')} Mvar",  # fmt: skip
    ]
    at, ctl = r.get("at_limit"), summary.get("voltage_control")
    if at is not None and summary.get("settings", {}).get("enforce_q_limits"):
        lines.append(f"units held at a reactive limit: {at['pairs']} unit-hours in {at['hours']} hours (max {at['max_pairs']}, min {at['min_pairs']}); units: {top(at['elements'])}")  # fmt: skip
    if ctl is not None:
        lines.append(f"decommitted units: {ctl['offline_unit_hours']} unit-hours; buses left without voltage control: {ctl['offline_bus_hours']} bus-hours")  # fmt: skip
    for name, sec in summary.get("sections", {}).items():
        lines.append(f"section {name}: max import {num(sec['max_import_mw'], '.0f')} MW, max export {num(sec['max_export_mw'], '.0f')} MW, limit {num(sec['limit_mw'], '.0f')} MW, hours above {sec['hours_above_limit']}")  # fmt: skip
    return "\n".join(lines)


__all__ = [
    "FOLDER",
    "KIND",
    "format_summary",
    "has_ac_check",
    "read_ac_check",
    "run_provenance",
    "write_ac_check",
]
