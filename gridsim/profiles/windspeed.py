"""Stochastic hourly wind speed per zone: Weibull marginal, AR(1) memory, spatial correlation.

Model at 10 m, for snapshot t and zone j:

    v10[t, j] = c10 * m(t) * (-ln(1 - Phi(z[t, j])))^(1 / k)

- z is a unit Gaussian process: a synoptic AR(1) (``synoptic_phi``, spatial
  e-folding ``synoptic_length_km``) plus a mesoscale AR(1) (``mesoscale_phi``,
  ``mesoscale_length_km``) carrying the fraction ``mesoscale_variance`` of the
  variance. Innovations are correlated between zones through the Cholesky factor
  of exp(-d / L). Phi(z) is uniform, so v10 / (c10 m(t)) is exactly Weibull(k, 1):
  the Gaussian-copula (quantile-transform) construction.
- m(t) = seasonal(t) x (1 + ``diurnal_amp_10m`` cos(2 pi (h - 15) / 24)): windy
  spring, afternoon maximum at 10 m (convective mixing).

Hub height by a power law with a diurnally varying shear exponent
alpha(h) = ``shear_mean`` + ``shear_amp`` cos(2 pi (h - 3) / 24): stable nights
(alpha ~0.27) and mixed afternoons (alpha ~0.07), which turns the 10 m afternoon
maximum into the night maximum seen at hub height in north-west China.

The scale c10 is set so that the expected annual mean speed at
``mean_speed_height_m`` equals ``mean_speed_m_s``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from gridsim.profiles.calendar import hour_of_day, seasonal_curve
from gridsim.profiles.stochastic import correlated_ar1, distance_km, exponential_correlation
from gridsim.profiles.zones import Zone

REFERENCE_HEIGHT_M = 10.0
"""Height of the Weibull model (anemometer height), m."""


@dataclass(frozen=True)
class WindSpeedParams:
    """Knobs of the wind-speed process (calibration in profiles/README.md).

    Attributes:
        mean_speed_m_s: annual mean wind speed, m/s (reference [S30]: 5.65 m/s).
        mean_speed_height_m: height at which ``mean_speed_m_s`` holds, m. The
            source does not state it; the height is calibrated so that the mean over
            weather seeds of the fleet's available full-load hours equals the published
            2017-2022 mean (1,868 h: each year's published hours over its utilisation
            rate; see profiles/README.md, "Multi-year calibration"). 67 m, close to
            the 70 m of China's national wind-resource assessment.
        weibull_k: Weibull shape of the de-seasonalised 10 m speed (inland
            China: 1.8-2.2).
        monthly_factor: seasonal multiplier of the 10 m speed, Jan..Dec
            (spring windiest, late summer calmest).
        diurnal_amp_10m: relative amplitude of the 10 m diurnal cycle (max 15 h).
        shear_mean, shear_amp: power-law exponent alpha(h) = mean + amp cos(2 pi (h - 3) / 24).
        synoptic_phi, mesoscale_phi: hourly lag-1 correlations of the two components
            (e-folding ~33 h and ~4.5 h).
        mesoscale_variance: variance fraction of the mesoscale component.
        synoptic_length_km, mesoscale_length_km: spatial e-folding lengths.
    """

    mean_speed_m_s: float = 5.65
    mean_speed_height_m: float = 67.0
    weibull_k: float = 2.0
    monthly_factor: tuple[float, ...] = (
        0.95, 1.00, 1.12, 1.20, 1.13, 1.02, 0.95, 0.88, 0.87, 0.92, 0.98, 0.96,
    )  # fmt: skip
    diurnal_amp_10m: float = 0.15
    shear_mean: float = 0.17
    shear_amp: float = 0.10
    synoptic_phi: float = 0.97
    mesoscale_phi: float = 0.80
    mesoscale_variance: float = 0.2
    synoptic_length_km: float = 500.0
    mesoscale_length_km: float = 60.0


def shear_exponent(snaps: pd.DatetimeIndex, params: WindSpeedParams) -> np.ndarray:
    """Power-law shear exponent alpha per snapshot, shape (T,)."""
    hour = hour_of_day(snaps).astype(float)
    return params.shear_mean + params.shear_amp * np.cos(2 * np.pi * (hour - 3.0) / 24.0)


def speed_modulation(snaps: pd.DatetimeIndex, params: WindSpeedParams) -> np.ndarray:
    """Seasonal x diurnal multiplier m(t) of the 10 m Weibull scale, shape (T,)."""
    hour = hour_of_day(snaps).astype(float)
    diurnal = 1.0 + params.diurnal_amp_10m * np.cos(2 * np.pi * (hour - 15.0) / 24.0)
    return seasonal_curve(params.monthly_factor, snaps) * diurnal


def weibull_scale_10m(snaps: pd.DatetimeIndex, params: WindSpeedParams) -> float:
    """Scale c10, m/s, that gives the target annual mean at ``mean_speed_height_m``."""
    ratio = (params.mean_speed_height_m / REFERENCE_HEIGHT_M) ** shear_exponent(snaps, params)
    factor = float(np.mean(speed_modulation(snaps, params) * ratio))
    return params.mean_speed_m_s / (special.gamma(1.0 + 1.0 / params.weibull_k) * factor)


def spatial_correlation(zones: Sequence[Zone], params: WindSpeedParams) -> np.ndarray:
    """Correlation matrix of the latent Gaussian process between zones, (n, n)."""
    dist = distance_km([z.lat_deg for z in zones], [z.lon_deg for z in zones])
    w = params.mesoscale_variance
    return (1 - w) * exponential_correlation(dist, params.synoptic_length_km) + (
        w * exponential_correlation(dist, params.mesoscale_length_km)
    )


def latent_gaussian(
    n_steps: int, zones: Sequence[Zone], params: WindSpeedParams, rng: np.random.Generator
) -> np.ndarray:
    """Unit-variance latent Gaussian z, shape (T, n): synoptic + mesoscale AR(1)."""
    dist = distance_km([z.lat_deg for z in zones], [z.lon_deg for z in zones])
    syn = correlated_ar1(
        rng, n_steps, exponential_correlation(dist, params.synoptic_length_km), params.synoptic_phi
    )
    meso = correlated_ar1(
        rng,
        n_steps,
        exponential_correlation(dist, params.mesoscale_length_km),
        params.mesoscale_phi,
    )
    w = params.mesoscale_variance
    return np.sqrt(1.0 - w) * syn + np.sqrt(w) * meso


def weibull_from_gaussian(z: np.ndarray, k: float) -> np.ndarray:
    """Map standard-normal z to unit-scale Weibull(k) by the quantile transform.

    (-ln(1 - Phi(z)))^(1/k), computed as (-log Phi(-z))^(1/k) to stay accurate in
    the upper tail.
    """
    return (-special.log_ndtr(-np.asarray(z))) ** (1.0 / k)


def wind_speed_10m(
    snaps: pd.DatetimeIndex,
    zones: Sequence[Zone],
    params: WindSpeedParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """Hourly mean wind speed at 10 m, m/s, shape (T, n)."""
    z = latent_gaussian(len(snaps), zones, params, rng)
    scale = weibull_scale_10m(snaps, params) * speed_modulation(snaps, params)
    return scale[:, None] * weibull_from_gaussian(z, params.weibull_k)


def speed_at_height(
    v10_m_s: np.ndarray, height_m: float, snaps: pd.DatetimeIndex, params: WindSpeedParams
) -> np.ndarray:
    """Extrapolate 10 m speeds (T, n) to ``height_m`` with the diurnal power law, m/s."""
    ratio = (height_m / REFERENCE_HEIGHT_M) ** shear_exponent(snaps, params)
    return np.asarray(v10_m_s) * ratio[:, None]
