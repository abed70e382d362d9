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
from gridsim.profiles.calendar import FIRST_YEAR, LAST_YEAR, TZ, fmt_time, snapshots
from gridsim.profiles.files import read_json_object, read_parquet_frame, reason

KINDS: tuple[str, ...] = ("wind_cf", "solar_cf", "load_mw", "heating", "export_pu")
"""The profile kinds, in file order; each is a (T x zone) or (T x link) table."""

ZONE_KINDS: tuple[str, ...] = ("wind_cf", "solar_cf", "load_mw", "heating")
"""The kinds with one column per zone (every zone in each); ``export_pu`` has one per link."""

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

    def validate(self, sources: dict[str, str] | None = None) -> None:
        """Raise InputError if a table's index, columns or values are inconsistent.

        Each table must be indexed by :attr:`snapshots`; the zone tables must name the
        same zones; capacity factors and export schedules lie in 0..1, load is finite
        and >= 0, heating is boolean. The error names the table, its file (from
        ``sources``, kind -> file), the column and the first bad hour.
        """
        where = sources or {}
        zones: dict[str, None] = {}
        for kind in ZONE_KINDS:
            zones.update(dict.fromkeys(map(str, self.table(kind).columns)))
        for kind in KINDS:
            frame, source = self.table(kind), where.get(kind)
            if not frame.index.equals(self.snapshots):
                raise InputError(
                    f"snapshots differ from the set's ({len(self.snapshots)} hours from "
                    f"{_first(self.snapshots)}); this table has {len(frame)} rows from "
                    f"{_first(frame.index)}",
                    source=source,
                    table=kind,
                    field="snapshot",
                    show_value=False,
                )
            _check_columns(frame, kind, list(zones) if kind in ZONE_KINDS else None, source)
            _check_values(frame, kind, source)

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
        text = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
        (out / META_FILE).write_text(text, encoding="utf-8")
        return out

    @classmethod
    def from_dir(cls, path: str | Path) -> ProfileSet:
        """Read a set written by :meth:`to_dir`; check it against its recorded hashes.

        Every table must cover the year of ``meta.json`` hour by hour and name every
        zone (and DC link) that ``meta.json`` lists; a damaged file, a missing zone,
        a wrong length or a bad value raises InputError naming the file.
        """
        src = Path(path)
        if not _is_dir(src):
            raise InputError("is not a profile set directory", source=str(src))
        meta_path = src / META_FILE
        meta = read_meta(meta_path)
        files = {kind: src / f"{kind}.parquet" for kind in KINDS}
        tables = {kind: _read_kind(files[kind], kind) for kind in KINDS}
        year = meta.get("year")
        if year is None:  # no year recorded: the year of the first load hour
            first = tables["load_mw"].index
            if len(first) == 0:
                raise InputError("has no rows", source=str(files["load_mw"]), table="load_mw")
            year = int(first[0].year)
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise InputError(
                    f"must lie in the years {FIRST_YEAR}..{LAST_YEAR}",
                    source=str(files["load_mw"]),
                    table="load_mw",
                    field="snapshot",
                    value=fmt_time(first[0]),
                )
        snaps = snapshots(year)
        sources = {kind: str(file) for kind, file in files.items()}
        for kind, frame in tables.items():
            if not frame.index.equals(snaps):
                raise InputError(
                    f"must cover {year} hour by hour ({len(snaps)} rows from {_first(snaps)}); "
                    + _index_difference(frame.index, snaps),
                    source=sources[kind],
                    table=kind,
                    field="snapshot",
                    show_value=False,
                )
            declared = _meta_names(meta, "links" if kind == "export_pu" else "zones", meta_path)
            if declared is not None:
                _check_columns(frame, kind, declared, sources[kind], META_FILE)
        loaded = cls(snapshots=snaps, meta=meta, **tables)
        loaded.validate(sources)
        recorded = meta.get("hashes", {})
        for kind, digest in loaded.hashes().items():
            if kind in recorded and recorded[kind] != digest:
                raise InputError(
                    "values do not match the hash recorded in meta.json (changed after the "
                    f"set was written? recorded {str(recorded[kind])[:12]}...)",
                    source=sources[kind],
                    table=kind,
                    value=digest[:12],
                )
        return loaded


# --------------------------------------------------------------- reading, checks
def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def _first(index: pd.Index) -> str:
    return fmt_time(index[0]) if len(index) else "(none)"


def _index_difference(index: pd.DatetimeIndex, want: pd.DatetimeIndex) -> str:
    """How ``index`` differs from ``want``: its length, or its first wrong row."""
    if len(index) != len(want):
        return f"the file has {len(index)} rows from {_first(index)}"
    i = int(np.argmax(np.asarray(index != want)))
    got = "no time (NaT)" if pd.isna(index[i]) else fmt_time(index[i])
    return f"row {i + 1} is {got}, expected {fmt_time(want[i])}"


def read_meta(path: str | Path) -> dict[str, Any]:
    """A profile set's ``meta.json``, its shape checked (``year``, ``zones``, ``links``,
    ``hashes``); InputError naming the file, the field and the value."""
    meta_path = Path(path)
    meta = read_json_object(meta_path)
    source = str(meta_path)
    year = meta.get("year")
    if year is not None and (
        isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR
    ):
        raise InputError(
            f"must be a calendar year {FIRST_YEAR}..{LAST_YEAR}",
            source=source,
            field="year",
            value=year,
        )
    for key in ("zones", "links"):
        _meta_names(meta, key, meta_path)
    hashes = meta.get("hashes", {})
    if not isinstance(hashes, dict) or not all(isinstance(v, str) for v in hashes.values()):
        raise InputError(
            "must be an object of kind -> SHA-256", source=source, field="hashes", value=hashes
        )
    return meta


def _meta_names(meta: dict[str, Any], key: str, meta_path: Path) -> list[str] | None:
    """The zone or link names that ``meta.json`` lists under ``key`` (None if absent)."""
    items = meta.get(key)
    if items is None:
        return None
    if not isinstance(items, list):
        raise InputError(
            "must be a list of names or of objects with a name",
            source=str(meta_path),
            field=key,
            value=type(items).__name__,
        )
    raw = [x.get("name") if isinstance(x, dict) else x for x in items]
    for i, n in enumerate(raw):
        if not isinstance(n, str) or not n:
            raise InputError(
                "must be a name (a non-empty string)",
                source=str(meta_path),
                field=f"{key}[{i}]" + (".name" if isinstance(items[i], dict) else ""),
                value=n,
            )
    names = [str(n) for n in raw]
    if len(set(names)) != len(names):
        raise InputError("names an element twice", source=str(meta_path), field=key, value=names)
    return names


def _read_kind(file: Path, kind: str) -> pd.DataFrame:
    """One table of a set: values by zone or link, indexed by its ``snapshot`` column."""
    frame = read_parquet_frame(file, kind)
    source = str(file)
    if "snapshot" not in frame.columns:
        raise InputError(
            "column is missing", source=source, table=kind, field="snapshot", show_value=False
        )
    column = frame.pop("snapshot")
    if not pd.api.types.is_datetime64_any_dtype(column):
        raise InputError(
            "must hold date-times",
            source=source,
            table=kind,
            field="snapshot",
            value=str(column.dtype),
        )
    index = pd.DatetimeIndex(column, name="snapshot")
    try:
        if index.tz is None:
            index = index.tz_localize(TZ)
        index = index.tz_convert(TZ)
    except (ValueError, OverflowError) as err:  # times that do not exist in Asia/Shanghai
        raise InputError(
            f"cannot be read as {TZ} time ({reason(err)})",
            source=source,
            table=kind,
            field="snapshot",
            show_value=False,
        ) from None
    frame.index = index
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise InputError("names a column twice", source=source, table=kind, field="columns", value=twice)  # fmt: skip
    frame.columns = names
    return frame


def _check_columns(
    frame: pd.DataFrame, kind: str, expected: list[str] | None, source: str | None, by: str = ""
) -> None:
    """Every element of ``expected`` has a column, and no column is another element."""
    if expected is None:
        return
    what = "link" if kind == "export_pu" else "zone"
    listed = f"{what}s {'in ' + by if by else 'of the set'}: {', '.join(expected) or 'none'}"
    cols = [str(c) for c in frame.columns]
    for name in expected:
        if name not in cols:
            raise InputError(f"column is missing ({listed})", source=source, table=kind, element=name)  # fmt: skip
    for name in cols:
        if name not in expected:
            raise InputError(f"is not a {what} of the set ({listed})", source=source, table=kind, element=name)  # fmt: skip


def _check_values(frame: pd.DataFrame, kind: str, source: str | None) -> None:
    """Heating is boolean; other kinds are finite, >= 0 and (except load) <= 1.
    The error names the column and the first bad hour."""
    for col, dtype in frame.dtypes.items():
        boolean = pd.api.types.is_bool_dtype(dtype)
        numeric = (
            pd.api.types.is_numeric_dtype(dtype)
            and not boolean
            and not pd.api.types.is_complex_dtype(dtype)
        )
        if (kind == "heating" and not boolean) or (kind != "heating" and not numeric):
            want = "boolean" if kind == "heating" else "numbers"
            raise InputError(
                f"must hold {want}",
                source=source,
                table=kind,
                element=col,
                value=str(dtype),
            )
    if kind == "heating" or frame.shape[1] == 0:
        return
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    upper = np.inf if kind == "load_mw" else 1.0 + 1e-12
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values < 0) | (values > upper)
    if not bad.any():
        return
    i = int(np.argmax(bad.any(axis=1)))
    j = int(np.argmax(bad[i]))
    x = float(values[i, j])
    if np.isnan(x):
        problem = "is missing (NaN)"
    elif np.isinf(x):
        problem = "must be finite"
    elif x < 0:
        problem = "must be >= 0"
    else:
        problem = "must be <= 1"
    raise InputError(
        f"at {fmt_time(frame.index[i])} {problem}",
        source=source,
        table=kind,
        element=str(frame.columns[j]),
        field="value",
        value=x,
    )
