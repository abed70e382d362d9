"""Put a file's hourly series (UTC, hour-start labels) onto a study's snapshots (Asia/Shanghai).

Two ways, tried in this order:

1. **Same hours.** When the file has a value at every snapshot (the same instants; a
   multi-year file, or a file of just the study period) and no other weather year is
   asked for, those values are taken as they are.
2. **By calendar.** Otherwise one year of the file is used: the ``weather_year`` asked
   for, else the study year when the file has it, else the file's only year. That year
   (a calendar year in UTC) must be complete, hour by hour. Its hours are shifted to
   Asia/Shanghai (UTC+8) and each snapshot takes the value of the same local month, day
   and hour. The first 8 local hours of 1 January are thus the last 8 UTC hours of
   31 December of the weather year (the year wraps around).
   A typical meteorological year (PVGIS TMY: each month from its own year) is first
   placed on one common non-leap year, month by month.

Leap days: a leap study year takes 29 February from 28 February of a non-leap weather
year (hour by hour), as the load shape does (:func:`gridsim.profiles.calendar.non_leap_hour_index`);
a leap weather year mapped onto another year has its 29 February skipped (and a TMY's
29 February row, if any, is not used).

Nothing is filled: a missing hour, a duplicate or a value off the hour raises
:class:`~gridsim.errors.InputError` naming the file, the zone and the hour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.profiles.calendar import TZ, fmt_time

TMY_YEAR = 2001
"""The non-leap year a TMY is placed on before mapping (any non-leap year would do)."""

HOUR = pd.Timedelta(hours=1)


def _key(times: pd.DatetimeIndex) -> np.ndarray:
    """Local (month, day, hour) of each time as one integer MMDDHH."""
    local = times.tz_convert(TZ)
    return np.asarray(local.month * 10000 + local.day * 100 + local.hour, dtype=np.int64)


def _utc(ts: pd.Timestamp) -> str:
    return f"{ts.tz_convert('UTC'):%Y-%m-%d %H:%M} UTC"


def check_hourly(index: pd.DatetimeIndex, source: str, kind: str, zone: str) -> None:
    """Times on the hour, each once; InputError naming the first that is not."""
    off = np.asarray((index.minute != 0) | (index.second != 0))
    if off.any():
        i = int(np.argmax(off))
        raise InputError(f"row {i + 1} is not on the hour (hourly data expected)", source=source, table=kind, element=zone, field="time", value=_utc(index[i]))  # fmt: skip
    twice = np.asarray(index.duplicated())
    if twice.any():
        i = int(np.argmax(twice))
        raise InputError(f"row {i + 1} repeats an hour", source=source, table=kind, element=zone, field="time", value=_utc(index[i]))  # fmt: skip


def _on_tmy_year(index: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """A TMY's UTC times placed on :data:`TMY_YEAR` (29 February left out): the new times
    and the mask of the rows kept."""
    keep = np.asarray(~((index.month == 2) & (index.day == 29)))
    kept = index[keep]
    placed = pd.to_datetime(
        {"year": TMY_YEAR, "month": kept.month, "day": kept.day, "hour": kept.hour}
    )
    return pd.DatetimeIndex(placed).tz_localize("UTC"), keep


def align_to_snapshots(
    values: pd.Series,
    snaps: pd.DatetimeIndex,
    *,
    source: str,
    kind: str,
    zone: str,
    weather_year: int | None = None,
    typical_year: bool = False,
    label_shift: pd.Timedelta | None = None,
) -> np.ndarray:
    """``values`` (UTC hour-start times) on ``snaps``, shape (T,); see the module docstring.

    Args:
        values: one zone's series, indexed by the UTC start of each hour.
        snaps: the study's snapshots (Asia/Shanghai).
        source, kind, zone: named in errors.
        weather_year: the year of the file to use (None: see the module docstring).
        typical_year: the file is a TMY (months from different years).
        label_shift: how far the file's time labels lie after the hour's start (1 h for
            hour-ending labels): a weather year is the file's labels of that year.
    """
    shift = pd.Timedelta(0) if label_shift is None else label_shift
    index = pd.DatetimeIndex(values.index)
    check_hourly(index, source, kind, zone)
    data = values.to_numpy(dtype=float)
    study_year = int(snaps[0].year) if len(snaps) else 0
    where = index.get_indexer(snaps.tz_convert("UTC"))
    same = not typical_year and weather_year in (None, study_year)
    if same and (where >= 0).all():
        return data[where]
    labels = index + shift
    if typical_year:
        labels, keep = _on_tmy_year(labels)
        data = data[keep]
        year, span = TMY_YEAR, "the typical year"
    else:
        years = sorted({int(y) for y in labels.year})
        if weather_year is not None:
            year = weather_year
        elif study_year in years:
            year = study_year
        elif len(years) == 1:
            year = years[0]
        else:
            raise InputError(f"spans the years {years[0]}..{years[-1]} (UTC) without the study year {study_year}: set weather_year", source=source, table=kind, element=zone, field="time", show_value=False)  # fmt: skip
        if year not in years:
            raise InputError(f"has no hour of the weather year (it covers {years[0]}..{years[-1]} UTC)", source=source, table=kind, element=zone, field="weather_year", value=year)  # fmt: skip
        span = f"the weather year {year} (UTC)"
        in_year = np.asarray(labels.year == year)
        labels, data = labels[in_year], data[in_year]
    check_hourly(labels, source, kind, zone)  # a TMY may repeat a month-day-hour
    full = pd.date_range(pd.Timestamp(year, 1, 1, tz="UTC"), pd.Timestamp(year + 1, 1, 1, tz="UTC"), freq="h", inclusive="left")  # fmt: skip
    missing = full[labels.get_indexer(full) < 0]
    if len(missing):
        inside = missing[(missing > labels.min()) & (missing < labels.max())]
        if len(inside) or not same:
            gap = inside[0] if len(inside) else missing[0]
            shown = gap.strftime("%m-%d %H:%M UTC") if typical_year else _utc(gap)
            why = f"a gap in {span}" if len(inside) else f"{span} is incomplete: {len(missing)} hours missing"  # fmt: skip
            problem = f"has no value for {shown} ({why})"
        else:  # a file of part of a year: name the first study hour it lacks
            first = snaps[int(np.argmax(where < 0))]
            problem = (
                f"has no value for {fmt_time(first)} ({_utc(first)}): the file runs "
                f"{_utc(index.min())} to {_utc(index.max())}; give every study hour, or one "
                "whole year (UTC) to map by calendar"
            )
        raise InputError(problem, source=source, table=kind, element=zone, field="time", show_value=False)  # fmt: skip
    by_key = pd.Series(data, index=_key(labels - shift))
    keys = _key(snaps)
    leap = keys // 100 == 229
    if leap.any() and not np.isin(keys[leap], by_key.index).all():
        keys = np.where(leap, keys - 100, keys)  # 29 February -> 28 February, same hour
    return by_key.reindex(keys).to_numpy(dtype=float)


__all__ = ["TMY_YEAR", "align_to_snapshots", "check_hourly"]
