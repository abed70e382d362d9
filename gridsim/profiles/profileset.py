"""ProfileSet: hourly profiles of one year (or of a stretch of hours), and its Parquet files.

On disk a set is a directory with one Parquet file per kind (``wind_cf``,
``solar_cf``, ``load_mw``, ``heating``, ``export_pu``), each with a
``snapshot`` column (tz Asia/Shanghai) and one column per zone or link, plus
``meta.json`` (year, seed, demand, parameters, library versions, array hashes).

Columns. The zone tables (``wind_cf``, ``solar_cf``, ``load_mw``, ``heating``) have one
column per zone, the same zones in each, and ``export_pu`` one per DC link. A column
may instead be named after one element, a generator (``wind_cf``, ``solar_cf``,
``heating``) or a load (``load_mw``): that element's own series, which overrides its
zone's column in the dispatch (see :mod:`gridsim.dispatch.build`: ``load_mw`` columns
named after loads are their demand in MW; two wind farms of one zone can thus have
different profiles). A set on disk lists these columns in ``meta.json`` under
``"elements"`` (kind -> names), so that a misspelt zone is still an error.

Optional tables and period. A table a scenario does not use may be left out: ``meta.json``
then lists the kinds it has under ``"tables"`` (without the key, all five are required),
and a left-out table reads as a table with no columns. ``meta.json`` with ``"start"``
(the first hour, ISO 8601, Asia/Shanghai unless it says otherwise) and ``"hours"`` makes
a set of those consecutive hours instead of a whole calendar year.
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
    """Hourly profiles of one year (or of the hours from ``meta["start"]``).

    Attributes:
        snapshots: hourly DatetimeIndex in Asia/Shanghai (hour-beginning labels).
        wind_cf: wind capacity factor, 0..1, T x zone (or x generator).
        solar_cf: PV capacity factor relative to the AC rating, 0..1, T x zone (or x
            generator).
        load_mw: demand, MW, T x zone (or x load).
        heating: heating-season (CHP must-run) flag, bool, T x zone (or x generator).
        export_pu: HVDC export schedule, pu of each link's rating, T x link.
        meta: year, seed, energy_twh, parameters, versions, hashes; ``elements`` (kind ->
            the columns named after elements), ``tables``, ``start`` and ``hours``.
        heat_load_pu: derived, not stored: district-heating load per unit of the design
            load, 0..1, per column of ``heating``
            (:func:`gridsim.profiles.heating.heat_load_table`); None: the flags stand
            for full load.

    A table left out (None) is a table without columns: :attr:`kinds` lists the tables
    the set has.
    """

    snapshots: pd.DatetimeIndex
    wind_cf: pd.DataFrame = None  # type: ignore[assignment]  # None: no table
    solar_cf: pd.DataFrame = None  # type: ignore[assignment]
    load_mw: pd.DataFrame = None  # type: ignore[assignment]
    heating: pd.DataFrame = None  # type: ignore[assignment]
    export_pu: pd.DataFrame = None  # type: ignore[assignment]
    meta: dict[str, Any] = field(default_factory=dict)
    heat_load_pu: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        for kind in KINDS:
            if getattr(self, kind) is None:
                dtype = bool if kind == "heating" else float
                setattr(self, kind, pd.DataFrame(index=self.snapshots, columns=pd.Index([], dtype=object), dtype=dtype))  # fmt: skip

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds the set has: the tables with at least one column, in file order."""
        return tuple(k for k in KINDS if self.table(k).shape[1] > 0)

    @property
    def elements(self) -> dict[str, list[str]]:
        """Kind -> the columns named after an element (``meta["elements"]``)."""
        return {str(k): [str(x) for x in v] for k, v in self.meta.get("elements", {}).items()}

    @property
    def year_hours(self) -> int:
        """Hours of the calendar year of the set (8760 or 8784), for annual quantities."""
        year = self.meta.get("year") or (self.snapshots[0].year if len(self.snapshots) else None)
        return len(snapshots(int(year))) if year else len(self.snapshots)

    def rows(self, keep: Any) -> ProfileSet:
        """The set on the snapshots that ``keep`` selects (a boolean mask, a slice or
        positions): every table, and the derived heat load, cut alike."""
        pos = np.arange(len(self.snapshots))[keep]
        heat = None if self.heat_load_pu is None else self.heat_load_pu.iloc[pos]
        tables = {k: getattr(self, k).iloc[pos] for k in KINDS}
        return ProfileSet(snapshots=self.snapshots[pos], meta=dict(self.meta), heat_load_pu=heat, **tables)  # fmt: skip

    def table(self, kind: str) -> pd.DataFrame:
        """The table of ``kind`` (one of KINDS; no columns if the set has none)."""
        if kind not in KINDS:
            raise InputError(f"is not a profile kind (known: {', '.join(KINDS)})", value=kind)
        frame: pd.DataFrame = getattr(self, kind)
        return frame

    def validate(self, sources: dict[str, str] | None = None) -> None:
        """Raise InputError if a table's index, columns or values are inconsistent.

        Each table must be indexed by :attr:`snapshots`; the zone tables must name the
        same zones (besides the columns named after elements, :attr:`elements`); capacity
        factors and export schedules lie in 0..1, load is finite and >= 0, heating is
        boolean. The error names the table, its file (from ``sources``, kind -> file), the
        column and the first bad hour.
        """
        where = sources or {}
        own = self.elements
        zones: dict[str, None] = {}
        for kind in ZONE_KINDS:
            if kind in self.kinds:
                cols = [str(c) for c in self.table(kind).columns]
                zones.update(dict.fromkeys(c for c in cols if c not in own.get(kind, ())))
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
            if kind not in self.kinds:
                continue
            zone_cols = _without_elements(frame, kind, own.get(kind, []), source)
            _check_columns(zone_cols, kind, list(zones) if kind in ZONE_KINDS else None, source)
            _check_values(frame, kind, source)

    def hashes(self) -> dict[str, str]:
        """SHA-256 of each table's values, keyed by kind (the tables the set has)."""
        return {kind: array_sha256(self.table(kind)) for kind in self.kinds}

    def to_dir(self, path: str | Path) -> Path:
        """Write the set to directory ``path`` (created if needed); return it.

        Only the tables the set has are written (``meta.json`` lists them under
        ``"tables"`` when some are left out); a set that is not one calendar year records
        its ``start`` and ``hours``.
        """
        out = Path(path)
        meta = dict(self.meta)
        snaps = self.snapshots
        if len(snaps) and not snaps.equals(snapshots(int(snaps[0].year))):
            if len(snaps) > 1 and not (np.diff(snaps.asi8) == 3_600 * 10**9).all():
                raise InputError("must be consecutive hours to be written", table="profiles", field="snapshot", show_value=False)  # fmt: skip
            meta.update(start=snaps[0].tz_convert(TZ).isoformat(), hours=len(snaps))
            meta.setdefault("year", int(snaps[0].tz_convert(TZ).year))
        kinds = self.kinds
        if kinds != KINDS:
            meta["tables"] = list(kinds)
        out.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            frame = self.table(kind).copy()
            frame.index.name = "snapshot"
            frame.reset_index().to_parquet(out / f"{kind}.parquet", index=False, compression="zstd")
        meta["hashes"] = self.hashes()
        text = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
        (out / META_FILE).write_text(text, encoding="utf-8")
        return out

    @classmethod
    def from_dir(cls, path: str | Path) -> ProfileSet:
        """Read a set written by :meth:`to_dir`; check it against its recorded hashes.

        Every table must cover the year of ``meta.json`` (or its ``start`` and ``hours``)
        hour by hour and name every zone (and DC link) that ``meta.json`` lists; a damaged
        file, a missing zone, a wrong length or a bad value raises InputError naming the
        file. ``meta.json``'s ``tables`` lists the tables present (default: all five).
        """
        src = Path(path)
        if not _is_dir(src):
            raise InputError("is not a profile set directory", source=str(src))
        meta_path = src / META_FILE
        meta = read_meta(meta_path)
        kinds = tuple(meta.get("tables", KINDS))
        files = {kind: src / f"{kind}.parquet" for kind in kinds}
        tables = {kind: _read_kind(files[kind], kind) for kind in kinds}
        snaps, span = _set_snapshots(meta, tables, files, meta_path)
        sources = {kind: str(file) for kind, file in files.items()}
        own = {str(k): list(v) for k, v in meta.get("elements", {}).items()}
        for kind, frame in tables.items():
            if not frame.index.equals(snaps):
                raise InputError(
                    f"must cover {span} hour by hour ({len(snaps)} rows from {_first(snaps)}); "
                    + _index_difference(frame.index, snaps),
                    source=sources[kind],
                    table=kind,
                    field="snapshot",
                    show_value=False,
                )
            declared = _meta_names(meta, "links" if kind == "export_pu" else "zones", meta_path)
            if declared is not None:
                zone_cols = _without_elements(frame, kind, own.get(kind, []), sources[kind])
                _check_columns(zone_cols, kind, declared, sources[kind], META_FILE)
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


def _set_snapshots(meta: dict[str, Any], tables: dict[str, pd.DataFrame], files: dict[str, Path], meta_path: Path) -> tuple[pd.DatetimeIndex, str]:  # fmt: skip
    """The snapshots a set must cover, and how messages name them: the hours from
    ``meta["start"]``, else the calendar year of ``meta["year"]`` (or of the first row)."""
    if "start" in meta:
        start = _start_time(meta, meta_path)
        snaps = pd.date_range(start, periods=int(meta["hours"]), freq="h", name="snapshot")
        return snaps, f"the set's {len(snaps)} hours"
    year = meta.get("year")
    if year is None:  # no year recorded: the year of the first hour of the first table
        kind = "load_mw" if "load_mw" in tables else next(iter(tables))
        first = tables[kind].index
        if len(first) == 0:
            raise InputError("has no rows", source=str(files[kind]), table=kind)
        year = int(first[0].year)
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InputError(
                f"must lie in the years {FIRST_YEAR}..{LAST_YEAR}",
                source=str(files[kind]),
                table=kind,
                field="snapshot",
                value=fmt_time(first[0]),
            )
    return snapshots(year), str(year)


def _start_time(meta: dict[str, Any], meta_path: Path) -> pd.Timestamp:
    """``meta["start"]`` as a time in Asia/Shanghai (checked by :func:`read_meta`)."""
    try:
        start = pd.Timestamp(meta["start"])
    except (TypeError, ValueError):
        raise InputError("must be an ISO date-time", source=str(meta_path), field="start", value=meta["start"]) from None  # fmt: skip
    if start is pd.NaT:
        raise InputError("must be an ISO date-time", source=str(meta_path), field="start", value=meta["start"])  # fmt: skip
    return start.tz_localize(TZ) if start.tz is None else start.tz_convert(TZ)


def _without_elements(frame: pd.DataFrame, kind: str, own: list[str], source: str | None) -> pd.DataFrame:  # fmt: skip
    """``frame`` without the columns named after elements (each must be there)."""
    cols = [str(c) for c in frame.columns]
    for name in own:
        if name not in cols:
            raise InputError(f"column is missing (listed in {META_FILE} elements)", source=source, table=kind, element=name)  # fmt: skip
    return frame.drop(columns=[c for c in frame.columns if str(c) in set(own)])


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
    _check_optional_meta(meta, source)
    if "start" in meta:
        start = _start_time(meta, meta_path)
        if year is not None and year != start.year:
            raise InputError(f"must be the year of start ({start.year})", source=source, field="year", value=year)  # fmt: skip
    hashes = meta.get("hashes", {})
    if not isinstance(hashes, dict) or not all(isinstance(v, str) for v in hashes.values()):
        raise InputError(
            "must be an object of kind -> SHA-256", source=source, field="hashes", value=hashes
        )
    return meta


def _check_optional_meta(meta: dict[str, Any], source: str) -> None:
    """The shape of ``tables`` (known kinds, at least one, once each), ``elements`` (kind ->
    list of names) and ``hours`` (a count > 0, required with ``start``)."""
    tables = meta.get("tables")
    if tables is not None and (
        not isinstance(tables, list)
        or not tables
        or any(t not in KINDS for t in tables)
        or len(set(tables)) != len(tables)
    ):
        raise InputError(f"must be a list of profile kinds, each once (known: {', '.join(KINDS)})", source=source, field="tables", value=tables)  # fmt: skip
    elements = meta.get("elements", {})
    if not isinstance(elements, dict) or not all(
        k in KINDS and isinstance(v, list) and all(isinstance(x, str) and x for x in v)
        for k, v in elements.items()
    ):
        raise InputError("must map profile kinds to lists of column names", source=source, field="elements", value=elements)  # fmt: skip
    hours = meta.get("hours")
    if "start" in meta and (isinstance(hours, bool) or not isinstance(hours, int) or hours <= 0):
        raise InputError("must be a number of hours > 0 (with start)", source=source, field="hours", value=hours)  # fmt: skip


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
