"""Read users' own hourly or 15-minute profiles from CSV or Parquet.

A file holds a timestamp column (``timestamp``, ``snapshot``, ``time``,
``datetime``; or a DatetimeIndex in Parquet) and one column per zone (or link,
for ``export_pu``). A column is named after the zone (``north``), optionally
with a unit suffix (``north_mw``, ``north_gw``, ``north_pct``). A single column
named after the kind (``load_mw``, ``wind_cf``; or ``load_gw``...) is a
province-wide series: load is split across the zones by their shares, capacity
factors and heating flags are copied to every zone. With ``elements``, a column named
exactly after one of them (a generator, or a load for ``load_mw``) is that element's own
series, in the kind's unit, kept beside the zone columns (see :mod:`gridsim.profiles.profileset`);
a file of such columns only needs no zone column.

Time: timestamps label the *start* of their interval; ISO 8601 is expected
(``2025-01-01 00:00`` or ``2025-01-01T00:00+08:00``), other layouts are parsed
month-first. Naive timestamps are
taken to be in ``naive_tz`` (Asia/Shanghai unless told); tz-aware ones are
converted to Asia/Shanghai. 15-minute data are averaged to hours (heating: any
quarter-hour on); with ``step="15min"`` hourly data are held over the hour's
four quarters. The result covers exactly one calendar year.

Bad input raises gridsim.errors.InputError naming the file, the kind, the
column, the field and the value: a file that is not UTF-8 CSV or readable
Parquet, an unknown column or unit, a zone (or link) without a column, gaps,
duplicates, NaN, non-numbers, negative or out-of-range values, wrong length.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.profiles.calendar import FIRST_YEAR, LAST_YEAR, TZ, fmt_time, snapshots
from gridsim.profiles.files import decode_utf8, read_bytes, read_parquet_frame, reason
from gridsim.profiles.zones import Zone, default_links, links_in_service, resolve_zones

TIME_COLUMNS = ("timestamp", "snapshot", "time", "datetime", "date_time")
"""Accepted names of the timestamp column (case-insensitive)."""

QUARTER = pd.Timedelta(minutes=15)
HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class _KindRule:
    """How to read one kind: its element set, units, bounds and aggregation."""

    base: str
    elements: str  # "zones" or "links"
    units: dict[str, float]  # suffix -> factor to the kind's unit
    upper: float | None
    boolean: bool = False


_RULES: dict[str, _KindRule] = {
    "wind_cf": _KindRule("wind", "zones", {"cf": 1.0, "pu": 1.0, "pct": 0.01}, 1.0),
    "solar_cf": _KindRule("solar", "zones", {"cf": 1.0, "pu": 1.0, "pct": 0.01}, 1.0),
    "load_mw": _KindRule("load", "zones", {"mw": 1.0, "kw": 1e-3, "gw": 1e3}, None),
    "heating": _KindRule("heating", "zones", {}, None, boolean=True),
    "export_pu": _KindRule("export", "links", {"pu": 1.0, "pct": 0.01}, 1.0),
}


def _fmt_step(step: pd.Timedelta) -> str:
    """'1h', '15min', '2h 30min'."""
    minutes = int(step.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    parts = ([f"{hours}h"] if hours else []) + ([f"{rest}min"] if rest or not hours else [])
    return " ".join(parts)


def _read_table(path: Path, time_column: str | None) -> tuple[pd.DataFrame, pd.Series]:
    """The raw value columns and the raw timestamp column of a CSV or Parquet file."""
    source = str(path)
    if not _is_file(path):
        raise InputError("does not exist", source=source, field="file", value=None)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        table = read_parquet_frame(path)
        if isinstance(table.index, pd.DatetimeIndex) and time_column is None:
            return table.reset_index(drop=True), pd.Series(table.index)
        table = table.reset_index(drop=isinstance(table.index, pd.RangeIndex))
    elif suffix in (".csv", ".txt"):
        text = decode_utf8(read_bytes(path), source)
        try:
            table = pd.read_csv(io.StringIO(text), dtype=str, skipinitialspace=True)
        except pd.errors.EmptyDataError:
            raise InputError("is empty", source=source, field="file", value=None) from None
        except (pd.errors.ParserError, ValueError) as err:
            raise InputError(
                f"is not a readable CSV file ({reason(err)})", source=source, field="file"
            ) from None
    else:
        raise InputError("must be .csv or .parquet", source=source, field="file", value=suffix)
    lookup = {str(c).strip().lower(): c for c in table.columns}
    wanted = [time_column.lower()] if time_column else list(TIME_COLUMNS)
    for name in wanted:
        if name in lookup:
            times = table[lookup[name]]
            return table.drop(columns=[lookup[name]]), times
    raise InputError(
        f"needs a timestamp column (one of: {', '.join(wanted)})",
        source=source,
        field="columns",
        value=[str(c) for c in table.columns],
    )


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def _to_datetime(text: pd.Series) -> pd.DatetimeIndex:
    """Parse date-time strings: ISO 8601 fast path, then any format; NaT where unparseable.

    Strings with differing UTC offsets are parsed to UTC.
    """
    for fmt in ("ISO8601", "mixed"):
        for utc in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    parsed = pd.to_datetime(text, errors="coerce", format=fmt, utc=utc)
                except (ValueError, TypeError):
                    continue
            if pd.api.types.is_datetime64_any_dtype(parsed) and not parsed.isna().any():
                return pd.DatetimeIndex(parsed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.DatetimeIndex(pd.to_datetime(text, errors="coerce", format="mixed", utc=True))


def _parse_times(raw: pd.Series, source: str, naive_tz: str) -> pd.DatetimeIndex:
    """Parse timestamps and express them in Asia/Shanghai."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = pd.DatetimeIndex(raw)
        if parsed.isna().any():
            i = int(np.argmax(np.asarray(parsed.isna())))
            raise InputError(
                f"is missing (row {i + 1})", source=source, field="timestamp", value=None
            )
    else:
        text = raw.astype(str).str.strip()
        parsed = _to_datetime(text)
        if parsed.isna().any():
            i = int(np.argmax(np.asarray(parsed.isna())))
            raise InputError(
                f"is not a date-time (row {i + 1})",
                source=source,
                field="timestamp",
                value=str(raw.iloc[i]),
            )
    if parsed.tz is None:
        try:
            parsed = parsed.tz_localize(naive_tz)
        except ValueError as err:  # a clock time skipped or repeated by daylight saving
            raise InputError(
                f"is not a unique time in {naive_tz} ({reason(err)}); give UTC offsets",
                source=source,
                field="timestamp",
                show_value=False,
            ) from None
    return parsed.tz_convert(TZ)


def _check_step(times: pd.DatetimeIndex, source: str) -> pd.Timedelta:
    """The regular step (15 min or 1 h); raise on disorder, duplicates, gaps or other steps."""
    if len(times) < 2:
        raise InputError(
            "needs at least 2 rows", source=source, field="timestamp", value=len(times)
        )
    diffs = times[1:] - times[:-1]
    bad = diffs <= pd.Timedelta(0)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"must increase strictly (row {i + 2} after {fmt_time(times[i])})",
            source=source,
            field="timestamp",
            value=fmt_time(times[i + 1]),
        )
    step = pd.Series(diffs).mode().iloc[0]
    if step not in (QUARTER, HOUR):
        raise InputError(
            "step must be 15 min or 1 h", source=source, field="timestamp", value=_fmt_step(step)
        )
    off = diffs != step
    if off.any():
        i = int(np.argmax(off))
        raise InputError(
            f"has a gap after {fmt_time(times[i])} (step {_fmt_step(step)})",
            source=source,
            field="timestamp",
            value=fmt_time(times[i + 1]),
        )
    return step


def _map_columns(
    columns: Sequence[str],
    kind: str,
    rule: _KindRule,
    names: Sequence[str],
    source: str,
    elements: Sequence[str] = (),
) -> dict[str, tuple[str, float]]:
    """Map each raw column to (zone or link, "" for province-wide, or an element of
    ``elements``; unit factor)."""
    default = {"wind_cf": "cf", "solar_cf": "cf", "load_mw": "mw", "export_pu": "pu"}.get(kind)
    out: dict[str, tuple[str, float]] = {}
    what = "zone" if rule.elements == "zones" else "link"
    for raw in columns:
        col = str(raw).strip().lower()
        stem, _, unit = col.rpartition("_")
        if str(raw).strip() in elements:
            out[str(raw)] = (str(raw).strip(), 1.0)
        elif col in names:
            out[str(raw)] = (col, 1.0)
        elif col in (kind, rule.base):
            out[str(raw)] = ("", 1.0)
        elif stem in names or stem == rule.base:
            if unit not in rule.units:
                known = ", ".join(rule.units) or "none"
                raise InputError(
                    f"unit '{unit}' is not known for {kind} (known: {known})",
                    source=source,
                    table=kind,
                    element=str(raw),
                    field="column",
                    value=str(raw),
                )
            out[str(raw)] = ("" if stem == rule.base else stem, rule.units[unit])
        else:
            raise InputError(
                f"is not a known {what} (known: {', '.join(names)}; "
                f"or one {kind} column for the whole province; unit suffixes: "
                f"{', '.join(rule.units) or 'none'}; default unit {default or 'flag'})",
                source=source,
                table=kind,
                element=str(raw),
                field="column",
                value=str(raw),
            )
    targets = [t for t, _ in out.values() if t not in elements]
    if len(set(targets)) != len(targets) or ("" in targets and len(targets) > 1):
        raise InputError(
            "name the same element twice or mix province-wide and per-element columns",
            source=source,
            table=kind,
            field="columns",
            value=list(out),
        )
    if rule.elements == "links" and "" in targets:
        raise InputError(
            "export_pu needs one column per link", source=source, table=kind, value=list(out)
        )
    return out


def _check_every_element(
    mapping: dict[str, tuple[str, float]],
    kind: str,
    rule: _KindRule,
    names: Sequence[str],
    year: int,
    source: str,
) -> None:
    """Per-zone columns must cover every zone (or every link in service in ``year``):
    a zone without a column would silently lose its load or its generation. A file of
    element columns only is exempt (the dispatch names an element left without a series)."""
    targets = {t for t, _ in mapping.values()}
    if "" in targets:  # one province-wide column
        return
    if rule.elements == "zones" and targets and not targets & set(names):
        return
    if rule.elements == "zones":
        required, what = list(names), "zone"
    else:
        required, what = [x.name for x in links_in_service(year)], f"link in service in {year}"
    for name in required:
        if name not in targets:
            whole = f"; or one {kind} column for the whole province" if rule.elements == "zones" else ""  # fmt: skip
            raise InputError(
                f"column is missing (every {what} needs one: {', '.join(required)}{whole})",
                source=source,
                table=kind,
                element=name,
            )


def _values(
    raw: pd.Series, column: str, kind: str, rule: _KindRule, times: pd.DatetimeIndex, source: str
) -> np.ndarray:
    """Parse and check one column's values (in the file's unit)."""
    if rule.boolean:
        text = raw.astype(str).str.strip().str.lower()
        flags = text.map({"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0})
        bad = flags.isna().to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                f"at {fmt_time(times[i])} must be true/false or 1/0",
                source=source,
                table=kind,
                element=column,
                field="value",
                value=str(raw.iloc[i]),
            )
        return flags.to_numpy(dtype=float)
    try:
        numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):  # Parquet cells that are lists, tables or bytes
        numbers = np.full(len(raw), np.nan)
    problems = (
        (np.isnan(numbers) & raw.isna().to_numpy(), "is missing (NaN)"),
        (np.isnan(numbers) & raw.notna().to_numpy(), "is not a number"),
        (np.isinf(numbers), "must be finite"),
        (numbers < 0, "must be >= 0"),
    )
    for mask, problem in problems:
        if mask.any():
            i = int(np.argmax(mask))
            shown: object = float(numbers[i]) if np.isfinite(numbers[i]) else raw.iloc[i]
            raise InputError(
                f"at {fmt_time(times[i])} {problem}",
                source=source,
                table=kind,
                element=column,
                field="value",
                value=None if raw.isna().iloc[i] else shown,
            )
    return numbers


def _to_hourly(frame: pd.DataFrame, boolean: bool, source: str) -> pd.DataFrame:
    """Average complete hours of 15-minute data (heating: any quarter on)."""
    hours = frame.index.floor("h")
    counts = pd.Series(1, index=frame.index).groupby(hours).sum()
    partial = counts[counts != 4]
    if len(partial):
        raise InputError(
            f"hour {fmt_time(partial.index[0])} has {int(partial.iloc[0])} of 4 quarter-hours",
            source=source,
            field="timestamp",
            value=int(partial.iloc[0]),
        )
    grouped = frame.groupby(hours)
    out = grouped.max() if boolean else grouped.mean()
    out.index = pd.DatetimeIndex(out.index)
    return out


def read_profile(
    path: str | Path,
    kind: str,
    *,
    zones: Sequence[str | Zone] | None = None,
    year: int | None = None,
    naive_tz: str = TZ,
    time_column: str | None = None,
    step: str = "h",
    elements: Sequence[str] = (),
) -> pd.DataFrame:
    """Read a user's profile of ``kind`` into a (T x zone) or (T x link) table.

    Args:
        path: CSV or Parquet file.
        kind: one of "wind_cf", "solar_cf", "load_mw", "heating", "export_pu".
        zones: the zones the file covers, each with its own column (or one
            province-wide column, split over them for load); default the zones
            of the default case (:mod:`gridsim.cases`). An ``export_pu`` file
            needs a column for every link in service in the year.
        year: the calendar year the file must cover; default the year of its
            first timestamp.
        naive_tz: time zone of naive timestamps (default Asia/Shanghai).
        time_column: name of the timestamp column, if not one of TIME_COLUMNS.
        step: "h" (default) for hourly output, "15min" for quarter-hourly.
        elements: names of generators (or loads, for ``load_mw``) whose own columns
            the file may have; they follow the zone columns in the result (list them in
            the set's ``meta["elements"]``).

    Returns:
        A DataFrame indexed by the year's snapshots (tz Asia/Shanghai), one column
        per zone or link (then per element), in the kind's unit (capacity factor 0..1,
        MW, pu, bool).
    """
    source = str(path)
    if kind not in _RULES:
        known = ", ".join(_RULES)
        raise InputError(
            f"is not a profile kind (known: {known})", source=source, field="kind", value=kind
        )
    if step not in ("h", "15min"):
        raise InputError("must be 'h' or '15min'", source=source, field="step", value=step)
    rule = _RULES[kind]
    the_zones = resolve_zones(zones)
    names = (
        [z.name for z in the_zones]
        if rule.elements == "zones"
        else [x.name for x in default_links()]
    )
    table, raw_times = _read_table(Path(path), time_column)
    times = _parse_times(raw_times, source, naive_tz)
    file_step = _check_step(times, source)
    own = [str(e) for e in elements] if rule.elements == "zones" else []
    mapping = _map_columns(list(table.columns), kind, rule, names, source, own)
    if not mapping:
        raise InputError("has no value columns", source=source, table=kind, value=None)
    the_year = int(times[0].year) if year is None else int(year)
    if not FIRST_YEAR <= the_year <= LAST_YEAR:
        raise InputError(
            f"must lie in the years {FIRST_YEAR}..{LAST_YEAR}",
            source=source,
            field="timestamp" if year is None else "year",
            value=fmt_time(times[0]) if year is None else year,
        )
    _check_every_element(mapping, kind, rule, names, the_year, source)

    data: dict[str, np.ndarray] = {}
    for column, (target, factor) in mapping.items():
        values = _values(table[column], column, kind, rule, times, source) * factor
        if rule.upper is not None and (values > rule.upper + 1e-9).any():
            i = int(np.argmax(values > rule.upper + 1e-9))
            raise InputError(
                f"at {fmt_time(times[i])} must be <= {rule.upper:g} {kind.split('_')[-1]}",
                source=source,
                table=kind,
                element=column,
                field="value",
                value=float(values[i] / factor),
            )
        data[target] = values
    frame = pd.DataFrame(data, index=times)
    if file_step == QUARTER:
        frame = _to_hourly(frame, rule.boolean, source)

    expected = snapshots(the_year)
    if len(frame) != len(expected) or not frame.index.equals(expected):
        hint = ""
        if len(frame) == len(expected) and frame.index[0] == expected[0] + HOUR:
            hint = " (hour-ending labels? label each interval by its start)"
        raise InputError(
            f"must cover {the_year} hour by hour from {fmt_time(expected[0])} "
            f"({len(expected)} hourly steps); the file runs {fmt_time(frame.index[0])} "
            f"to {fmt_time(frame.index[-1])}{hint}",
            source=source,
            table=kind,
            field="length",
            value=len(frame),
        )
    frame.index = expected

    if "" in frame.columns:
        series = frame.pop("")
        if kind == "load_mw":
            shares = np.array([z.load_share for z in the_zones])
            for z, share in zip(the_zones, shares / shares.sum()):
                frame[z.name] = series.to_numpy() * share
        else:
            for name in names:
                frame[name] = series.to_numpy()
    frame = frame[[n for n in names if n in frame.columns] + [e for e in own if e in frame.columns]]
    if rule.boolean:
        frame = frame.astype(bool)
    if step == "15min":
        quarters = pd.date_range(
            expected[0], periods=4 * len(expected), freq="15min", name="snapshot"
        )
        held = np.repeat(frame.to_numpy(), 4, axis=0)
        frame = pd.DataFrame(held, index=quarters, columns=frame.columns)
    return frame
