"""Stochastic clear-sky index: daily weather states plus hourly fluctuations.

The clear-sky index k_c = GHI / GHI_clear is built in two layers:

1. **Daily** index K_d per zone. A latent Gaussian AR(1) across days (lag-1
   correlation ``day_phi``), with innovations correlated between zones by
   exp(-d / ``day_length_km``), is mapped through the normal CDF onto a Beta law
   whose mean follows the monthly climatology (``monthly_mean``, plus the zone's
   ``clear_sky_index_shift``) with concentration ``concentration`` (a + b).
2. **Hourly** k_c = K_d + ``hourly_sd`` sqrt(K_d (1 - K_d)) eta_t, with eta a
   unit Gaussian AR(1) in hours (``hourly_phi``), nearly independent between
   zones (``hourly_length_km``). Clear and overcast days are steady; broken-cloud
   days fluctuate most. The result is clipped to [``kc_min``, ``kc_max``].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from gridsim.profiles.calendar import day_number, seasonal_curve
from gridsim.profiles.stochastic import correlated_ar1, distance_km, exponential_correlation
from gridsim.profiles.zones import Zone


@dataclass(frozen=True)
class CloudinessParams:
    """Knobs of the clear-sky-index process (calibration in profiles/README.md).

    Attributes:
        monthly_mean: mean daily clear-sky index on the plains, Jan..Dec. Ningxia
            has 2,900-3,000 sunshine hours on the plains (sunshine fraction ~0.68):
            sunny dry winters, spring dust, a cloudier monsoon tail in Jul-Sep.
        concentration: a + b of the daily Beta law; 5 gives a daily standard
            deviation of ~0.17 with most days near clear and a tail of overcast days.
        day_phi: lag-1 correlation of the latent daily state (weather persists ~2 days).
        day_length_km: e-folding length of the daily spatial correlation (synoptic
            cloud systems span several hundred km).
        hourly_sd: scale of hourly fluctuations around the daily index, for a
            zone aggregate of many plants (smoother than a single site).
        hourly_phi: lag-1 correlation of the hourly fluctuations.
        hourly_length_km: spatial e-folding length of the hourly fluctuations.
        kc_min, kc_max: bounds of the hourly index; above 1 = cloud enhancement.
    """

    monthly_mean: tuple[float, ...] = (
        0.80, 0.76, 0.72, 0.73, 0.75, 0.75, 0.73, 0.73, 0.70, 0.76, 0.79, 0.81,
    )  # fmt: skip
    concentration: float = 5.0
    day_phi: float = 0.45
    day_length_km: float = 300.0
    hourly_sd: float = 0.35
    hourly_phi: float = 0.7
    hourly_length_km: float = 30.0
    kc_min: float = 0.02
    kc_max: float = 1.10


def daily_clear_sky_index(
    snaps: pd.DatetimeIndex,
    zones: Sequence[Zone],
    params: CloudinessParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """Daily clear-sky index K_d in (0, 1), shape (D, n), one row per calendar day."""
    day = day_number(snaps)
    n_days = int(day[-1]) + 1
    first_hour = np.searchsorted(day, np.arange(n_days))
    mean_day = seasonal_curve(params.monthly_mean, snaps)[first_hour]
    shift = np.array([z.clear_sky_index_shift for z in zones])
    mean = np.clip(mean_day[:, None] + shift[None, :], 0.05, 0.95)
    dist = distance_km([z.lat_deg for z in zones], [z.lon_deg for z in zones])
    corr = exponential_correlation(dist, params.day_length_km)
    latent = correlated_ar1(rng, n_days, corr, params.day_phi)
    u = special.ndtr(latent)
    a = mean * params.concentration
    b = (1.0 - mean) * params.concentration
    return np.asarray(stats.beta.ppf(u, a, b))


def hourly_clear_sky_index(
    snaps: pd.DatetimeIndex,
    zones: Sequence[Zone],
    daily_index: np.ndarray,
    params: CloudinessParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """Hourly clear-sky index, shape (T, n), around the daily index ``daily_index`` (D, n)."""
    k_day = np.asarray(daily_index)[day_number(snaps)]
    dist = distance_km([z.lat_deg for z in zones], [z.lon_deg for z in zones])
    corr = exponential_correlation(dist, params.hourly_length_km)
    eta = correlated_ar1(rng, len(snaps), corr, params.hourly_phi)
    kc = k_day + params.hourly_sd * np.sqrt(k_day * (1.0 - k_day)) * eta
    return np.clip(kc, params.kc_min, params.kc_max)


def clear_sky_index(
    snaps: pd.DatetimeIndex,
    zones: Sequence[Zone],
    params: CloudinessParams,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Daily (D, n) and hourly (T, n) clear-sky indices, drawn from ``rng`` in that order."""
    daily = daily_clear_sky_index(snaps, zones, params, rng)
    hourly = hourly_clear_sky_index(snaps, zones, daily, params, rng)
    return daily, hourly
