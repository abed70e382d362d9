"""HVDC export schedule shapes, per unit of each link's rating.

No hourly export curve is published. The shape follows the reference's
suggestion (est.): an evening peak at the link's ``peak_pu`` (17-22 h, the
receiving provinces' evening peak), a night trough at ``trough_pu`` (0-5 h), a
daytime plateau in between. Yindong runs nearly flat near full load
(0.85-0.95 pu). The optional midday renewable bump adds
``SOLAR_BUMP_PU`` x exp(-((h + 0.5 - 13) / 2)^2 / 2), capped at the peak, on
links with renewables in their export mix (not Yindong).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gridsim.profiles.calendar import hour_of_day
from gridsim.profiles.zones import Link

DAILY_SHAPE = np.array([
    0.00, 0.00, 0.00, 0.00, 0.00, 0.00,   # 00-05 night trough
    0.20, 0.45, 0.60, 0.60, 0.60, 0.60,   # 06-11 morning ramp, day plateau
    0.60, 0.60, 0.60, 0.65, 0.80, 1.00,   # 12-17 afternoon, ramp to the peak
    1.00, 1.00, 1.00, 1.00, 0.75, 0.35,   # 18-23 evening peak, ramp down
])  # fmt: skip
"""Position between trough (0) and peak (1) for each clock hour (hour-beginning)."""

SOLAR_BUMP_PU = 0.25
"""Height of the optional midday renewable bump, pu of rating (est.)."""

SOLAR_BUMP_CENTRE_H = 13.0
"""Clock time of the bump's maximum, h (solar noon at 106 °E is ~12:55 Beijing time)."""

SOLAR_BUMP_WIDTH_H = 2.0
"""Standard deviation of the Gaussian bump, h."""


def daily_export_pu(link: Link, solar_bump: bool = False) -> np.ndarray:
    """The link's 24-hour schedule, pu of rating, shape (24,)."""
    pu = link.trough_pu + (link.peak_pu - link.trough_pu) * DAILY_SHAPE
    if solar_bump and link.solar_bump:
        mid = np.arange(24) + 0.5
        bump = SOLAR_BUMP_PU * np.exp(
            -0.5 * ((mid - SOLAR_BUMP_CENTRE_H) / SOLAR_BUMP_WIDTH_H) ** 2
        )
        pu = np.minimum(pu + bump, link.peak_pu)
    return pu


def export_schedule_pu(
    snaps: pd.DatetimeIndex, links: Sequence[Link], solar_bump: bool = False
) -> np.ndarray:
    """Export schedule of each link, pu of its rating, shape (T, m)."""
    hour = hour_of_day(snaps)
    return np.column_stack([daily_export_pu(link, solar_bump)[hour] for link in links])


def fit_energy_pu(pu: np.ndarray, avail: np.ndarray, full_load_h: float) -> np.ndarray:
    """The schedule ``pu`` (T,) times one factor, capped at 1 pu and zero where ``avail``
    is 0, whose energy is ``full_load_h`` (hours at full rating, i.e. MWh / rating MW).

    The factor is found exactly: with the ``k`` largest hours at the cap, the others carry
    ``full_load_h - k`` in proportion to ``pu``. Raises ValueError when the hours in
    service with a non-zero schedule cannot carry that energy.
    """
    x = np.clip(np.asarray(pu, float), 0.0, None) * (np.asarray(avail, float) > 0)
    n_on = int((x > 0).sum())
    if full_load_h <= 0:
        return np.zeros_like(x)
    if full_load_h > n_on * (1 + 1e-12):
        raise ValueError(
            f"{full_load_h:.6g} full-load hours exceed the {n_on} hours in service with a schedule"
        )
    if full_load_h >= n_on:
        return (x > 0).astype(float)
    p = np.sort(x[x > 0])[::-1]
    tail = np.cumsum(p[::-1])[::-1]  # tail[k] = sum(p[k:])
    k = np.arange(p.size)
    f = (full_load_h - k) / tail
    ok = (f * p <= 1.0 + 1e-12) & ((k == 0) | (f * np.r_[np.inf, p[:-1]] >= 1.0 - 1e-12))
    factor = f[np.argmax(ok)]
    return np.minimum(factor * x, 1.0)


def shape_monthly_pu(
    pu: np.ndarray, avail: np.ndarray, month: np.ndarray, shape: Sequence[float], full_load_h: float
) -> np.ndarray:
    """The schedule ``pu`` (T,) rescaled month by month (``month`` 1..12 per hour) so that
    each month's energy is ``full_load_h`` (hours at full rating over all the snapshots)
    times its part of the relative monthly ``shape`` (12 values, January first), each
    month weighted by the share of its snapshots in service (``avail``): a month before a
    link's commissioning gets nothing, a month half in service half its weight. Each month
    is fitted by :func:`fit_energy_pu`; raises ValueError naming the month that cannot
    carry its part.
    """
    w = np.asarray(shape, float)
    present = np.unique(month)
    on = np.asarray(avail, float) > 0
    frac = np.array([on[month == m].mean() for m in present])
    weight = w[present - 1] * frac
    total = weight.sum()
    if total <= 0:
        raise ValueError("the monthly shape is zero in every month in service")
    out = np.zeros(len(pu))
    for m, wm in zip(present, weight):
        sel = month == m
        part = full_load_h * wm / total
        try:
            out[sel] = fit_energy_pu(pu[sel], avail[sel], part)
        except ValueError as err:
            raise ValueError(f"month {m}: {err}") from None
    return out
