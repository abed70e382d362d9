"""Capacity factors rescaled to monthly full-load hours (a weather year from statistics).

Published statistics give each month's wind and PV full-load hours (利用小时数); dividing
them by the month's utilisation rate gives the hours that were available. Rescaling the
synthetic hourly capacity factors month by month to those hours keeps the synthetic
hourly and zonal pattern and takes the year's monthly energy from the statistics: a
back-test of a past year then tests the dispatch, not the weather model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gridsim.errors import InputError


def scale_to_monthly_flh(cf: pd.DataFrame, monthly_flh_h: Sequence[float], field: str = "monthly_flh") -> pd.DataFrame:  # fmt: skip
    """``cf`` (T x zone, 0..1) rescaled so that the mean over its columns of each month's
    full-load hours equals ``monthly_flh_h`` (12 values, Jan..Dec, h).

    Each month is multiplied by the one factor ``s`` that meets its hours after clipping
    at 1 (``mean_zone Σ_t min(s cf, 1) = hours``, monotone in ``s``, found by bisection);
    a month whose hours exceed what factors of 1 give, or that has no output to scale,
    raises. A month of the table that is only partly covered aims at its hours pro rata
    to the hours present.
    """
    target = np.asarray(monthly_flh_h, dtype=float)
    if target.shape != (12,) or not np.isfinite(target).all() or (target < 0).any():
        raise InputError("must be 12 non-negative hours (Jan..Dec)", field=field, value=list(monthly_flh_h))  # fmt: skip
    snaps = pd.DatetimeIndex(cf.index)
    out = cf.to_numpy(dtype=float).copy()
    if out.shape[1] == 0:
        return cf.copy()
    month = np.asarray(snaps.month)
    for m in np.unique(month):
        rows = month == m
        full = pd.Timestamp(year=snaps[rows][0].year, month=int(m), day=1).days_in_month * 24
        want = target[m - 1] * rows.sum() / full
        block = out[rows]

        def hours(scale: float, block: np.ndarray = block) -> float:
            return float(np.minimum(block * scale, 1.0).sum(axis=0).mean())

        if want > 0 and (block > 0).sum(axis=0).mean() < want:
            raise InputError(f"month {m} cannot reach {want:.1f} h with capacity factors <= 1", field=field, value=list(monthly_flh_h))  # fmt: skip
        have = hours(1.0)
        if have <= 0:
            if want > 0:
                raise InputError(f"month {m} has no output to scale to {want:.1f} h", field=field, value=list(monthly_flh_h))  # fmt: skip
            continue
        lo, hi = 0.0, want / have
        while hours(hi) < want:
            hi *= 2.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if hours(mid) < want else (lo, mid)
            if hi - lo <= 1e-15 * hi:
                break
        out[rows] = np.minimum(block * hi, 1.0)
    return pd.DataFrame(out, index=cf.index, columns=cf.columns)
