"""Random-number streams and spatially correlated Gaussian AR(1) processes.

Every stochastic component (wind, cloudiness) draws from its own stream,
derived from the weather seed and the component's name, so that adding a draw
to one component never changes another, and a seed reproduces bit-identical
arrays.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
from scipy.signal import lfilter

EARTH_RADIUS_KM = 6371.0


def component_rng(seed: int, component: str) -> np.random.Generator:
    """A numpy Generator for ``component`` (e.g. "wind") under weather ``seed``.

    The stream is keyed by (seed, CRC32 of the name) through a SeedSequence, so
    it is stable across processes and Python versions.
    """
    key = zlib.crc32(component.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), key])))


def distance_km(lat_deg: Sequence[float], lon_deg: Sequence[float]) -> np.ndarray:
    """Great-circle distances between points, km, shape (n, n) (haversine formula)."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def exponential_correlation(dist_km: np.ndarray, length_km: float) -> np.ndarray:
    """Correlation matrix exp(-d / L) for distances ``dist_km`` and length ``length_km``.

    The exponential kernel is positive definite for any set of distinct points,
    so its Cholesky factor exists.
    """
    return np.exp(-np.asarray(dist_km, dtype=float) / float(length_km))


def correlated_ar1(
    rng: np.random.Generator, n_steps: int, correlation: np.ndarray, phi: float
) -> np.ndarray:
    """Stationary Gaussian AR(1) series with unit variance, shape (n_steps, n).

    ``x[t] = phi * x[t-1] + sqrt(1 - phi**2) * e[t]``, where the innovations ``e[t]``
    are N(0, correlation) across the n columns (drawn through the Cholesky
    factor). The first row is drawn from the stationary law N(0, correlation),
    so every row has the covariance ``correlation`` and the lag-k
    autocorrelation of each column is ``phi**k``.
    """
    if not 0.0 <= phi < 1.0:
        raise ValueError(f"phi must be in [0, 1), got {phi}")
    chol = np.linalg.cholesky(np.asarray(correlation, dtype=float))
    white = rng.standard_normal((n_steps, chol.shape[0])) @ chol.T
    white[1:] *= np.sqrt(1.0 - phi * phi)
    return np.asarray(lfilter([1.0], [1.0, -phi], white, axis=0))
