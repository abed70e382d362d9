"""Heating-season flags: when combined-heat-and-power units must run.

Plains (川区, the Yellow River valley; zones north, east, central): 20 October to
10 April inclusive, the season in force since 2013 (earlier 1 Nov - 31 Mar).
Southern mountains (山区, zone south): longer, 15 October to 15 April (est.;
the earlier mountain season ran to 15 April).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gridsim.profiles.calendar import in_season
from gridsim.profiles.zones import Zone


def heating_flags(snaps: pd.DatetimeIndex, zones: Sequence[Zone]) -> np.ndarray:
    """Boolean (T, n): True in every hour of a day inside the zone's heating season."""
    return np.column_stack([in_season(snaps, z.heating_start, z.heating_end) for z in zones])
