"""ProfileSet: one weather year of hourly profiles, and its Parquet files.

On disk a set is a directory with one Parquet file per kind (``wind_cf``,
``solar_cf``, ``load_mw``, ``heating``, ``export_pu``), each with a
``snapshot`` column (tz Asia/Shanghai) and one column per zone or link, plus
``meta.json`` (year, seed, demand, parameters, library versions, array hashes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.profiles.calendar import TZ

KINDS: tuple[str, ...] = ("wind_cf", "solar_cf", "load_mw", "heating", "export_pu")
"""The profile kinds, in file order; each is a (T x zone) or (T x link) table."""

META_FILE = "meta.json"


def array_sha256(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's values (C order, native dtype) and column names."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode("utf-8"))
    digest.update(np.ascontiguousarray(frame.to_numpy()).tobytes())
    return digest.hexdigest()


@dataclass
class ProfileSet:
    """Hourly profiles of one year.

    Attributes:
        snapshots: hourly DatetimeIndex in Asia/Shanghai (hour-beginning labels).
        wind_cf: wind capacity factor, 0..1, T x zone.
        solar_cf: PV capacity factor relative to the AC rating, 0..1, T x zone.
        load_mw: demand, MW, T x zone.
        heating: heating-season (CHP must-run) flag, bool, T x zone.
        export_pu: HVDC export schedule, pu of each link's rating, T x link.
        meta: year, seed, energy_twh, parameters, versions, hashes.
    """

    snapshots: pd.DatetimeIndex
    wind_cf: pd.DataFrame
    solar_cf: pd.DataFrame
    load_mw: pd.DataFrame
    heating: pd.DataFrame
    export_pu: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def table(self, kind: str) -> pd.DataFrame:
        """The table of ``kind`` (one of KINDS)."""
        if kind not in KINDS:
            raise InputError(f"is not a profile kind (known: {', '.join(KINDS)})", value=kind)
        frame: pd.DataFrame = getattr(self, kind)
        return frame

    def validate(self) -> None:
        """Raise InputError if a table's index, shape or values are inconsistent."""
        for kind in KINDS:
            frame = self.table(kind)
            if not frame.index.equals(self.snapshots):
                raise InputError("index differs from snapshots", table=kind, value=len(frame))
            values = frame.to_numpy()
            if kind == "heating":
                if frame.dtypes.ne(bool).any():
                    raise InputError("must be boolean", table=kind, value=str(frame.dtypes.iloc[0]))
                continue
            if not np.isfinite(values).all():
                raise InputError("contains NaN or infinite values", table=kind, value=None)
            if (values < 0).any():
                raise InputError("must be >= 0", table=kind, value=float(values.min()))
            if kind != "load_mw" and (values > 1.0 + 1e-12).any():
                raise InputError("must be <= 1", table=kind, value=float(values.max()))

    def hashes(self) -> dict[str, str]:
        """SHA-256 of each table's values, keyed by kind."""
        return {kind: array_sha256(self.table(kind)) for kind in KINDS}

    def to_dir(self, path: str | Path) -> Path:
        """Write the set to directory ``path`` (created if needed); return it."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            frame = self.table(kind).copy()
            frame.index.name = "snapshot"
            frame.reset_index().to_parquet(out / f"{kind}.parquet", index=False, compression="zstd")
        meta = dict(self.meta)
        meta["hashes"] = self.hashes()
        (out / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        return out

    @classmethod
    def from_dir(cls, path: str | Path) -> ProfileSet:
        """Read a set written by :meth:`to_dir`; check it against its recorded hashes."""
        src = Path(path)
        meta_path = src / META_FILE
        if not meta_path.is_file():
            raise InputError("file is missing", source=str(src), field=META_FILE, value=None)
        meta = json.loads(meta_path.read_text())
        tables: dict[str, pd.DataFrame] = {}
        for kind in KINDS:
            file = src / f"{kind}.parquet"
            if not file.is_file():
                raise InputError("file is missing", source=str(src), field=file.name, value=None)
            frame = pd.read_parquet(file)
            if "snapshot" not in frame.columns:
                raise InputError(
                    "column is missing", source=str(file), field="snapshot", value=None
                )
            index = pd.DatetimeIndex(frame.pop("snapshot"), name="snapshot")
            if index.tz is None:
                index = index.tz_localize(TZ)
            frame.index = index.tz_convert(TZ)
            frame.columns = [str(c) for c in frame.columns]
            tables[kind] = frame
        snaps = tables["load_mw"].index
        loaded = cls(snapshots=snaps, meta=meta, **tables)
        loaded.validate()
        recorded = meta.get("hashes", {})
        for kind, digest in loaded.hashes().items():
            if kind in recorded and recorded[kind] != digest:
                raise InputError(
                    "does not match the hash recorded in meta.json",
                    source=str(src / f"{kind}.parquet"),
                    field="values",
                    value=digest[:12],
                )
        return loaded
