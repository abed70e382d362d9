"""Put a file's hourly series (UTC, hour-start labels) onto a study's snapshots (Asia/Shanghai).

Two ways, tried in this order:

1. **Same hours.** When the file has a value at every snapshot (the same instants; a
   multi-year file, or a file of just the study period) and no other weather year is
   asked for, those values are taken as they are.
2. **By calendar.** Otherwise one year of the file is used: the ``weather_year`` asked
   for, else the study year when the file has it, else the file's only year (a year of
   the file's UTC time labels). Its hours are shifted to Asia/Shanghai (UTC+8) and each
   snapshot takes the value of the same local month, day and hour. The first 8 local
   hours of 1 January are thus the last 8 UTC hours of 31 December of the weather year
   (the year wraps around). The file needs only the hours the study uses (a whole year
   for a whole-year study). A typical meteorological year (PVGIS TMY: each month from its
   own year) is first placed on one common non-leap year, month by month.

Leap days: a leap study year takes 29 February from 28 February of a non-leap weather
year or a TMY (hour by hour), as the load shape does
(:func:`gridsim.profiles.calendar.non_leap_hour_index`); a leap weather year mapped onto a
non-leap study year has its 29 February skipped (and a TMY's 29 February row, if any, is
not used).

Nothing is filled: a missing hour, a duplicate or a value off the hour raises
:class:`~gridsim.errors.InputError` naming the file, the zone and the hour.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.profiles.calendar import TZ, fmt_time

TMY_YEAR = 2001
"""The non-leap year a TMY is placed on before mapping (any non-leap year would do)."""


def _key(times: pd.DatetimeIndex) -> np.ndarray:
    """Local (month, day, hour) of each time as one integer MMDDHH."""
    local = times.tz_convert(TZ)
    return np.asarray(local.month * 10000 + local.day * 100 + local.hour, dtype=np.int64)


def _utc(ts: pd.Timestamp) -> str:
    return f"{ts.tz_convert('UTC'):%Y-%m-%d %H:%M} UTC"


def _label_of(key: int, year: int, shift: pd.Timedelta) -> pd.Timestamp:
    """The time label (UTC) of the weather year ``year`` whose hour has the local ``key``."""
    month, day, hour = key // 10000, key // 100 % 100, key % 100
    label = pd.Timestamp(year, month, day, hour, tz=TZ).tz_convert("UTC") + shift
    if label.year < year:  # 1 January before 08:00 local: from the end of the year
        label = pd.Timestamp(year + 1, month, day, hour, tz=TZ).tz_convert("UTC") + shift
    return label


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


def _weather_year(labels: pd.DatetimeIndex, asked: int | None, study_year: int, where: tuple[str, str, str]) -> int:  # fmt: skip
    """The year of the file to map: ``asked``, else the study year if the file has it, else
    the file's only year."""
    source, kind, zone = where
    years = sorted({int(y) for y in labels.year})
    if asked is not None:
        if asked not in years:
            raise InputError(f"has no hour of the weather year (the file covers {years[0]}..{years[-1]} UTC)", source=source, table=kind, element=zone, field="weather_year", value=asked)  # fmt: skip
        return asked
    if study_year in years:
        return study_year
    if len(years) == 1:
        return years[0]
    raise InputError(f"spans the years {years[0]}..{years[-1]} (UTC) without the study year {study_year}: set weather_year", source=source, table=kind, element=zone, field="time", show_value=False)  # fmt: skip


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
        data, year = data[keep], TMY_YEAR
        check_hourly(labels, source, kind, zone)  # a TMY may repeat a month-day-hour
    else:
        year = _weather_year(labels, weather_year, study_year, (source, kind, zone))
        in_year = np.asarray(labels.year == year)
        labels, data = labels[in_year], data[in_year]
    keys = _key(snaps)
    if not calendar.isleap(year):  # 29 February takes 28 February's hours
        keys = np.where(keys // 100 == 229, keys - 100, keys)
    pos = pd.Index(_key(labels - shift)).get_indexer(keys)
    if (pos >= 0).all():
        return data[pos]
    if same:  # the file has the study year: name the first study hour it lacks
        i = int(np.argmax(where < 0))
        label, span = snaps[i].tz_convert("UTC") + shift, index + shift
        what = ""
    else:
        i = int(np.argmax(pos < 0))
        label, span = _label_of(int(keys[i]), year, shift), labels
        what = " (the typical year)" if typical_year else f" (the weather year {year})"
    shown = label.strftime("%m-%d %H:%M UTC") if typical_year else _utc(label)
    inside = span.min() < label < span.max()
    why = "a gap in the file" if inside else f"the file runs {_utc(span.min())} to {_utc(span.max())}"  # fmt: skip
    raise InputError(f"has no value for {shown}{what}, which the study hour {fmt_time(snaps[i])} takes: {why}", source=source, table=kind, element=zone, field="time", show_value=False)  # fmt: skip


__all__ = ["TMY_YEAR", "align_to_snapshots", "check_hourly"]
