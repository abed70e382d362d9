"""Deterministic climatology: ambient air temperature and air density.

Temperature only feeds module temperature (solar) and air density (wind), so a
climatological annual cycle plus a diurnal cycle is enough. The diurnal range
shrinks on cloudy days, which keeps the two consistent with the cloudiness
process.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gridsim.profiles.calendar import day_number, hour_of_day, non_leap_hour_index
from gridsim.profiles.zones import Zone

COLDEST_DOY = 17.0
"""Day of year (0-based) of the coldest day; mid-January in Ningxia's city normals."""

DIURNAL_RANGE_K = 12.0
"""Clear-day daily maximum minus minimum, K. Arid continental climate: 11-14 K."""

WARMEST_HOUR = 15.0
"""Local clock hour of the daily temperature maximum (Beijing time, ~1 h behind solar noon at 106 °E)."""

RHO_STD_KG_M3 = 1.225
"""Air density of the standard atmosphere at sea level, kg/m³."""

R_DRY_AIR_J_KG_K = 287.05
"""Specific gas constant of dry air, J/(kg K)."""


def ambient_temperature_c(
    snaps: pd.DatetimeIndex,
    zones: Sequence[Zone],
    daily_clear_sky_index: np.ndarray | None = None,
) -> np.ndarray:
    """Air temperature at 2 m, °C, shape (T, n).

    T = mean - amp cos(2 pi (doy - coldest) / 365) + (range / 2) f cos(2 pi (h - 15) / 24),
    where the diurnal factor f = 0.4 + 0.6 K_d scales with the daily clear-sky
    index K_d (1 when it is not given).
    """
    doy = non_leap_hour_index(snaps) / 24.0
    hour = hour_of_day(snaps).astype(float)
    mean = np.array([z.temp_mean_c for z in zones])
    amp = np.array([z.temp_season_amp_k for z in zones])
    season = -np.cos(2 * np.pi * (doy - COLDEST_DOY) / 365.0)
    diurnal = 0.5 * DIURNAL_RANGE_K * np.cos(2 * np.pi * (hour - WARMEST_HOUR) / 24.0)
    factor = np.ones((len(snaps), len(zones)))
    if daily_clear_sky_index is not None:
        factor = 0.4 + 0.6 * np.asarray(daily_clear_sky_index)[day_number(snaps)]
    return mean[None, :] + amp[None, :] * season[:, None] + diurnal[:, None] * factor


def air_density_kg_m3(altitude_m: np.ndarray | float, temperature_c: np.ndarray) -> np.ndarray:
    """Air density, kg/m³, from altitude (standard-atmosphere pressure) and temperature.

    p = 101325 (1 - 2.25577e-5 z)^5.25588 Pa; rho = p / (R_dry T).
    """
    pressure_pa = 101325.0 * (1.0 - 2.25577e-5 * np.asarray(altitude_m)) ** 5.25588
    return pressure_pa / (R_DRY_AIR_J_KG_K * (np.asarray(temperature_c) + 273.15))
