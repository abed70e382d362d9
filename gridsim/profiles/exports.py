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
