"""Snapshots and calendar arithmetic for hourly profiles.

A profile year follows the real calendar in Asia/Shanghai (UTC+8, no daylight
saving since 1991): 8760 hours, or 8784 in a leap year such as 2020. Each
snapshot is labelled by the *start* of its hour and stands for the mean over
``[t, t + 1 h)``; instantaneous physics (sun position) is evaluated at the
midpoint ``t + 30 min``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gridsim.errors import InputError

TZ = "Asia/Shanghai"
"""Time zone of every snapshot index."""

FIRST_YEAR, LAST_YEAR = 1900, 2200
"""The calendar years a profile year may be."""

HOURS_NON_LEAP = 8760
"""Hours in a 365-day year; the length of the reference load shape."""

_MID_MONTH_DOY = np.array([15.5, 45.0, 74.5, 105.0, 135.5, 166.0,
                           196.5, 227.5, 258.0, 288.5, 319.0, 349.5])  # fmt: skip
"""Day of year (0-based, fractional) of the middle of each month in a 365-day year."""


def snapshots(year: int) -> pd.DatetimeIndex:
    """Hourly snapshots of calendar ``year`` in Asia/Shanghai (8760 or 8784 h)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(f"must be between {FIRST_YEAR} and {LAST_YEAR}", field="year", value=year)
    start = pd.Timestamp(year=year, month=1, day=1, tz=TZ)
    end = pd.Timestamp(year=year + 1, month=1, day=1, tz=TZ)
    return pd.date_range(start, end, freq="h", inclusive="left", name="snapshot")


def fmt_time(ts: pd.Timestamp) -> str:
    """A snapshot as shown in messages: '2025-03-01 04:00+08:00'."""
    return str(ts.isoformat(sep=" ", timespec="minutes"))


def hour_midpoints(snaps: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Midpoints of the hours that ``snaps`` label (t + 30 min)."""
    return snaps + pd.Timedelta(minutes=30)


def day_number(snaps: pd.DatetimeIndex) -> np.ndarray:
    """0-based index of the calendar day of each snapshot, counted from the first one."""
    days = snaps.normalize()
    return np.asarray((days - days[0]).days, dtype=np.int64)


def hour_of_day(snaps: pd.DatetimeIndex) -> np.ndarray:
    """Local clock hour 0..23 of each snapshot."""
    return np.asarray(snaps.hour, dtype=np.int64)


def non_leap_hour_index(snaps: pd.DatetimeIndex) -> np.ndarray:
    """Map each snapshot to a 0-based hour of a 365-day year (for 8760-h reference shapes).

    Dates map by month and day, so 1 March is always hour 1416 onward. The leap
    day (29 February) reuses the hours of 28 February, so a leap year repeats one
    day of the reference shape instead of shifting the rest of the year.
    """
    doy = np.asarray(snaps.dayofyear, dtype=np.int64) - 1
    leap_after_feb = np.asarray(snaps.is_leap_year) & (doy >= 59)
    doy = doy - leap_after_feb.astype(np.int64)
    return doy * 24 + hour_of_day(snaps)


def seasonal_curve(monthly_values: Sequence[float], snaps: pd.DatetimeIndex) -> np.ndarray:
    """Smooth a 12-value monthly climatology onto the snapshots, shape (T,).

    Each value is placed at the middle of its month and interpolated linearly,
    periodically across the new year, on the fractional day of year.
    """
    values = np.asarray(monthly_values, dtype=float)
    if values.shape != (12,):
        raise InputError("must have 12 monthly values", field="monthly_values", value=values)
    doy365 = non_leap_hour_index(snaps) / 24.0
    x = np.concatenate([[_MID_MONTH_DOY[-1] - 365.0], _MID_MONTH_DOY, [_MID_MONTH_DOY[0] + 365]])
    y = np.concatenate([[values[-1]], values, [values[0]]])
    return np.interp(doy365, x, y)


def in_season(snaps: pd.DatetimeIndex, start: tuple[int, int], end: tuple[int, int]) -> np.ndarray:
    """True for snapshots on days from ``start`` to ``end`` (month, day), inclusive.

    A season whose start comes after its end (20 Oct - 10 Apr) wraps across the
    new year.
    """
    key = np.asarray(snaps.month, dtype=np.int64) * 100 + np.asarray(snaps.day, dtype=np.int64)
    k0 = start[0] * 100 + start[1]
    k1 = end[0] * 100 + end[1]
    if k0 <= k1:
        return (key >= k0) & (key <= k1)
    return (key >= k0) | (key <= k1)
