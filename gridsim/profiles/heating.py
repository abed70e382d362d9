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


INDOOR_DESIGN_C = 18.0
"""Indoor design temperature of district heating in China, °C (the heat-load ratio's base)."""


def heat_load_pu(snaps: pd.DatetimeIndex, zones: Sequence[Zone], season_only: bool = True) -> np.ndarray:  # fmt: skip
    """District-heating load per zone, per unit of its design load, shape (T, n), 0..1.

    Quality-regulated district heating supplies heat in proportion to the indoor-outdoor
    temperature difference (the heat-load ratio)::

        q = (18 - T_day) / (18 - T_design)      inside the heating season, else 0

    with ``T_day`` the zone's climatological daily mean air temperature
    (:func:`gridsim.profiles.climate.ambient_temperature_c` without its diurnal cycle)
    and ``T_design`` its coldest daily mean, where ``q = 1``; clipped to 0..1.
    ``season_only=False`` gives the ratio on every day (for flags set elsewhere).
    """
    from gridsim.profiles.climate import ambient_temperature_c

    temp = ambient_temperature_c(snaps, zones)
    # the diurnal cosine sums to zero over a day: the daily mean is the seasonal term
    days = np.asarray(snaps.normalize().asi8)
    _, inverse = np.unique(days, return_inverse=True)
    counts = np.bincount(inverse)
    daily = np.column_stack(
        [np.bincount(inverse, weights=temp[:, j]) / counts for j in range(temp.shape[1])]
    )[inverse]
    design = np.array([z.temp_mean_c - z.temp_season_amp_k for z in zones])
    q = (INDOOR_DESIGN_C - daily) / (INDOOR_DESIGN_C - design)[None, :]
    q = np.clip(q, 0.0, 1.0)
    return np.where(heating_flags(snaps, zones), q, 0.0) if season_only else q


def heat_load_table(heating: pd.DataFrame) -> pd.DataFrame:
    """Heat load (0..1) for each column of a heating-flag table (T x zone or unit): in the
    flagged hours, :func:`heat_load_pu` for columns named after a zone of the default case
    and full load (the flag itself) for any other column."""
    from gridsim.profiles.zones import default_zones

    known = {z.name: z for z in default_zones()}
    out = heating.astype(float)
    cols = [c for c in heating.columns if str(c) in known]
    if cols and len(heating):
        q = heat_load_pu(pd.DatetimeIndex(heating.index), [known[str(c)] for c in cols], season_only=False)  # fmt: skip
        out[cols] = np.where(heating[cols].to_numpy(bool), q, 0.0)
    return out
