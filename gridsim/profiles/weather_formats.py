"""Parsers of weather and capacity-factor files: renewables.ninja CSV, PVGIS TMY CSV and
atlite / ERA5 netCDF.

Each parser returns, per zone, a :class:`ZoneSeries`: the file's hourly values (one column
per variable) on a UTC index, with what the file says about its site. Nothing is
converted, filled or aligned here (see :mod:`gridsim.profiles.weather_align` and
:mod:`gridsim.profiles.weather_convert`); a file that cannot be read, a missing time
column or a missing variable raises :class:`~gridsim.errors.InputError` naming the file,
the zone and the field.

Layouts read:

- **renewables.ninja** point CSV: comment lines starting with ``#`` (the last one a JSON
  object with ``units`` and ``params``), a header, then rows. ``time`` is UTC and labels
  the start of the hour; ``local_time`` (in the zone the JSON names) is used only when
  ``time`` is absent. ``electricity`` is in kW for the ``params.capacity`` kW of the
  request, so electricity / capacity is the capacity factor.
- **PVGIS TMY** CSV: ``Latitude``, ``Longitude``, ``Elevation`` (and ``Irradiance Time
  Offset``) lines, the month/year table, then ``time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),
  WS10m,WD10m,SP`` rows (``YYYYMMDD:HHMM``) up to a blank line, then the legend.
- **atlite** netCDF: data variables over ``time`` (UTC, naive) and one zone dimension
  (``bus``, ``name``, ...), as written by ``cutout.wind(..., shapes=..., per_unit=True)
  .to_netcdf(...)`` or by ERA5 variables aggregated per zone.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.profiles.files import decode_utf8, read_bytes, reason

NINJA_CF = "electricity"
"""The capacity-factor column of a renewables.ninja file (kW per ``params.capacity`` kW)."""

PVGIS_COLUMNS = ("T2m", "RH", "G(h)", "Gb(n)", "Gd(h)", "IR(h)", "WS10m", "WD10m", "SP")
"""The weather columns of a PVGIS TMY file, after ``time(UTC)``."""

ATLITE_CF = ("specific generation", "profile")
"""Names atlite (``specific generation``) and PyPSA workflows (``profile``) give a per-unit
series; the default capacity-factor variable when the file has one of them."""


@dataclass
class ZoneSeries:
    """One zone's hourly values from one file.

    Attributes:
        zone: the gridsim zone the values are for.
        source: the file, as named in messages.
        values: one column per variable, indexed by UTC times (as labelled in the file).
        site: (latitude °N, longitude °E, elevation m) the file gives, or None.
        irradiance_offset_h: PVGIS: hours after the label at which irradiance holds.
        typical_year: True for a TMY (months taken from different years).
    """

    zone: str
    source: str
    values: pd.DataFrame
    site: tuple[float, float, float] | None = None
    irradiance_offset_h: float | None = None
    typical_year: bool = False


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _text(path: Path, kind: str, zone: str) -> str:
    if not _is_file(path):
        raise InputError("is missing", source=str(path), table=kind, element=zone)
    return decode_utf8(read_bytes(path), str(path))


def _utc_times(raw: pd.Series, fmt: str | None, tz: str, source: str, kind: str, zone: str, column: str) -> pd.DatetimeIndex:  # fmt: skip
    """Parse a time column (naive times are in ``tz``) to UTC; InputError at the first bad row."""
    text = raw.astype(str).str.strip()
    parsed = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce")
    bad = np.asarray(parsed.isna())
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"is not a date-time (row {i + 1})", source=source, table=kind, element=zone, field=column, value=str(raw.iloc[i]))  # fmt: skip
    index = pd.DatetimeIndex(parsed)
    if index.tz is None:
        try:
            index = index.tz_localize(tz)
        except (ValueError, TypeError) as err:
            raise InputError(f"cannot be read as {tz} time ({reason(err)})", source=source, table=kind, element=zone, field=column, show_value=False) from None  # fmt: skip
    return index.tz_convert("UTC")


def _numbers(frame: pd.DataFrame, columns: Sequence[str], source: str, kind: str, zone: str) -> pd.DataFrame:  # fmt: skip
    """``columns`` of ``frame`` (text) as floats, parsed exactly; InputError naming the first
    cell that is not a number (empty cells become NaN and are reported later, with their hour)."""
    out = {}
    for col in columns:
        raw = frame[col]
        nums = pd.to_numeric(raw, errors="coerce")
        bad = np.asarray(nums.isna() & raw.notna() & (raw.astype(str).str.strip() != ""))
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"row {i + 1} is not a number", source=source, table=kind, element=zone, field=col, value=str(raw.iloc[i]))  # fmt: skip
        exact = np.full(len(raw), np.nan)  # Python's correctly rounded parse, not pandas' fast one
        good = np.asarray(nums.notna())
        exact[good] = np.asarray([float(x) for x in raw[good]], dtype=float)
        out[col] = exact
    return pd.DataFrame(out, index=frame.index)


def _need(columns: Sequence[str], wanted: Sequence[str], source: str, kind: str, zone: str, what: str = "column") -> None:  # fmt: skip
    for name in wanted:
        if name not in columns:
            raise InputError(f"{what} is missing (the file has: {', '.join(map(str, columns)) or 'none'})", source=source, table=kind, element=zone, field=name, show_value=False)  # fmt: skip


# ------------------------------------------------------------------ renewables.ninja
def read_ninja_file(path: Path, zone: str, kind: str, variables: Sequence[str]) -> ZoneSeries:
    """A renewables.ninja point CSV: ``variables`` (``electricity`` as capacity factor, i.e.
    divided by ``params.capacity``) on its UTC hour-start times."""
    source = str(path)
    lines = _text(path, kind, zone).splitlines()
    comments = [ln[1:].strip() for ln in lines if ln.startswith("#")]
    body = "\n".join(ln for ln in lines if not ln.startswith("#"))
    meta: dict[str, Any] = {}
    for line in reversed(comments):
        if line.startswith("{"):
            try:
                meta = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"metadata line is not valid JSON ({err.msg})", source=source, table=kind, element=zone, field="#", show_value=False) from None  # fmt: skip
            break
    try:
        table = pd.read_csv(io.StringIO(body), dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        raise InputError(f"is not a readable CSV file ({reason(err)})", source=source, table=kind, element=zone) from None  # fmt: skip
    table.columns = [str(c).strip() for c in table.columns]
    units = meta.get("units", {}) if isinstance(meta.get("units"), dict) else {}
    if "time" in table.columns:
        times = _utc_times(table["time"], "ISO8601", "UTC", source, kind, zone, "time")
    elif "local_time" in table.columns and isinstance(units.get("local_time"), str):
        times = _utc_times(table["local_time"], "ISO8601", units["local_time"], source, kind, zone, "local_time")  # fmt: skip
    else:
        raise InputError("column is missing (UTC times; or local_time with its zone in the metadata line)", source=source, table=kind, element=zone, field="time", show_value=False)  # fmt: skip
    _need(list(table.columns), variables, source, kind, zone)
    values = _numbers(table, variables, source, kind, zone)
    values.index = times
    params = meta.get("params", {}) if isinstance(meta.get("params"), dict) else {}
    if NINJA_CF in values.columns and params.get("capacity") is not None:
        try:
            capacity = float(params["capacity"])
        except (TypeError, ValueError):
            capacity = float("nan")
        if not np.isfinite(capacity) or capacity <= 0:
            raise InputError("must be a number > 0", source=source, table=kind, element=zone, field="params.capacity", value=params["capacity"])  # fmt: skip
        if capacity != 1.0:
            values[NINJA_CF] = values[NINJA_CF] / capacity
    site = None
    try:
        site = (float(params["lat"]), float(params["lon"]), 0.0)
    except (KeyError, TypeError, ValueError):
        pass
    return ZoneSeries(zone, source, values, site)


# ----------------------------------------------------------------------- PVGIS TMY
def read_pvgis_tmy(path: Path, zone: str, kind: str, variables: Sequence[str]) -> ZoneSeries:
    """A PVGIS TMY CSV: ``variables`` (of :data:`PVGIS_COLUMNS`) on their UTC times, the
    site of the header and its irradiance time offset."""
    source = str(path)
    lines = _text(path, kind, zone).splitlines()
    header: dict[str, str] = {}
    start = None
    for i, line in enumerate(lines):
        if line.startswith("time(UTC)"):
            start = i
            break
        key, sep, value = line.partition(":")
        if sep:
            header[key.split("(")[0].strip().lower()] = value.strip()
    if start is None:
        raise InputError("has no 'time(UTC),...' header line (not a PVGIS TMY CSV file)", source=source, table=kind, element=zone, field="time(UTC)", show_value=False)  # fmt: skip
    site = []
    for key in ("latitude", "longitude", "elevation"):
        try:
            site.append(float(header[key]))
        except KeyError:
            raise InputError("header line is missing", source=source, table=kind, element=zone, field=key.capitalize(), show_value=False) from None  # fmt: skip
        except ValueError:
            raise InputError("header line is not a number", source=source, table=kind, element=zone, field=key.capitalize(), value=header[key]) from None  # fmt: skip
    end = start + 1
    while end < len(lines) and lines[end].strip():
        end += 1
    try:
        table = pd.read_csv(io.StringIO("\n".join(lines[start:end])), dtype=str)
    except (pd.errors.ParserError, ValueError) as err:
        raise InputError(f"data rows are not readable CSV ({reason(err)})", source=source, table=kind, element=zone) from None  # fmt: skip
    table.columns = [str(c).strip() for c in table.columns]
    _need(list(table.columns), variables, source, kind, zone)
    times = _utc_times(table["time(UTC)"], "%Y%m%d:%H%M", "UTC", source, kind, zone, "time(UTC)")
    values = _numbers(table, variables, source, kind, zone)
    values.index = times
    offset = header.get("irradiance time offset")
    return ZoneSeries(
        zone,
        source,
        values,
        (site[0], site[1], site[2]),
        irradiance_offset_h=float(offset) if offset else None,
        typical_year=True,
    )


# -------------------------------------------------------------------- atlite netCDF
def read_atlite_file(
    path: Path,
    zones: Sequence[str],
    kind: str,
    variables: Sequence[str] | None,
    zone_dim: str | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, ZoneSeries]:
    """An atlite netCDF file: ``variables`` (None: its one capacity-factor variable) for each
    of ``zones`` along its zone dimension; ``names`` maps the file's zone names to zones."""
    source = str(path)
    first = zones[0] if zones else None
    if not _is_file(path):
        raise InputError("is missing", source=source, table=kind)
    try:
        import xarray as xr
    except ImportError:  # pragma: no cover - xarray comes with the test and weather extras
        raise InputError("needs xarray and netCDF4 to be read (pip install gridsim[weather])", source=source, table=kind) from None  # fmt: skip
    try:
        ds = xr.load_dataset(path)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as err:
        raise InputError(f"is not a readable netCDF file ({reason(err)})", source=source, table=kind) from None  # fmt: skip
    if "time" not in ds.dims:
        raise InputError(f"dimension is missing (the file has: {', '.join(map(str, ds.dims))})", source=source, table=kind, field="time", show_value=False)  # fmt: skip
    if variables is None:
        with_time = [str(v) for v in ds.data_vars if "time" in ds[v].dims and ds[v].ndim == 2]
        named = [v for v in ATLITE_CF if v in with_time]
        if named:
            variables = [named[0]]
        elif len(with_time) == 1:
            variables = with_time
        else:
            raise InputError(f"must name the capacity-factor variable (the file has: {', '.join(with_time) or 'none over time and a zone'})", source=source, table=kind, element=first, field="variable", show_value=False)  # fmt: skip
    _need([str(v) for v in ds.data_vars], variables, source, kind, first or "", "variable")
    dims = [d for d in ds[variables[0]].dims if d != "time"]
    dim = zone_dim or (str(dims[0]) if len(dims) == 1 else None)
    if dim is None or dim not in ds[variables[0]].dims:
        raise InputError(f"must be the zone dimension of '{variables[0]}' (its dimensions: {', '.join(map(str, ds[variables[0]].dims))})", source=source, table=kind, field="zone_dim", value=zone_dim)  # fmt: skip
    for var in variables:
        if set(ds[var].dims) != {"time", dim}:
            raise InputError(f"must be over (time, {dim}); it is over ({', '.join(map(str, ds[var].dims))})", source=source, table=kind, field=var, show_value=False)  # fmt: skip
    times = pd.DatetimeIndex(ds["time"].to_index())
    times = times.tz_localize("UTC") if times.tz is None else times.tz_convert("UTC")
    labels = [str(x) for x in ds[dim].to_index()]
    rename = dict(names or {})
    to_zone = {rename.get(label, label): k for k, label in enumerate(labels)}
    out: dict[str, ZoneSeries] = {}
    for zone in zones:
        if zone not in to_zone:
            raise InputError(f"has no entry along the file's dimension '{dim}' (the file has: {', '.join(labels)}; map names with 'names')", source=source, table=kind, element=zone, field=str(dim), show_value=False)  # fmt: skip
        k = to_zone[zone]
        data = {v: ds[v].transpose("time", dim).to_numpy()[:, k].astype(float) for v in variables}
        out[zone] = ZoneSeries(zone, source, pd.DataFrame(data, index=times))
    return out


__all__ = [
    "ATLITE_CF",
    "NINJA_CF",
    "PVGIS_COLUMNS",
    "ZoneSeries",
    "read_atlite_file",
    "read_ninja_file",
    "read_pvgis_tmy",
]
