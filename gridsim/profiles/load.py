"""Hourly demand per zone: the PIK modelled Ningxia shape, scaled and split.

The shape is the NX column of PyPSA-China-PIK's
``Hourly_demand_of_31_province_China_modified_V2.1.csv`` (Potsdam Institute for
Climate Impact Research), a modelled 8760-h series (load factor 0.83, December
peak, evening peak). It is mapped onto the target year by calendar date (the
leap day repeats 28 February, see calendar.non_leap_hour_index), scaled so the
year's energy equals the scenario's demand exactly, and split across zones by
fixed shares (zones.Zone.load_share). Every zone has the provincial shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.profiles.calendar import HOURS_NON_LEAP, non_leap_hour_index
from gridsim.profiles.zones import Zone

PIK_SHAPE_FILE = Path(__file__).with_name("data") / "ningxia_hourly_load_pik.csv"
"""The bundled PIK shape (``hour_of_year`` 1..8760, ``load_mw``); same bytes as profiles/."""

DEMAND_TWH: dict[tuple[int, str], float] = {
    (2020, "base"): 103.82,
    (2025, "base"): 125.0,
    (2025, "high"): 144.0,
}
"""Society-wide consumption, TWh/yr: 2020 actual; 2025 plan base and high cases."""


def default_demand_twh(year: int, case: str = "base") -> float:
    """Annual demand of ``year`` under ``case`` ("base" or "high"), TWh, from the 14th FYP."""
    try:
        return DEMAND_TWH[(year, case)]
    except KeyError:
        known = ", ".join(f"{y} {c}" for y, c in DEMAND_TWH)
        raise InputError(
            f"has no default for {year} {case} (known: {known}); pass demand_twh",
            field="demand_twh",
            value=None,
        ) from None


def read_reference_shape(path: str | Path = PIK_SHAPE_FILE) -> np.ndarray:
    """Read an 8760-h reference load shape (columns ``hour_of_year``, ``load_mw``), MW."""
    source = str(path)
    table = pd.read_csv(path)
    for column in ("hour_of_year", "load_mw"):
        if column not in table.columns:
            raise InputError("column is missing", source=source, field=column, value=None)
    hours = table["hour_of_year"].to_numpy()
    if len(hours) != HOURS_NON_LEAP or not np.array_equal(hours, np.arange(1, HOURS_NON_LEAP + 1)):
        raise InputError(
            f"must run 1..{HOURS_NON_LEAP} in order",
            source=source,
            field="hour_of_year",
            value=f"{len(hours)} rows",
        )
    load = table["load_mw"].to_numpy(dtype=float)
    bad = ~np.isfinite(load) | (load < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"must be finite and >= 0 (hour_of_year {i + 1})",
            source=source,
            field="load_mw",
            value=float(load[i]),
        )
    return load


def provincial_load_mw(
    snaps: pd.DatetimeIndex, demand_twh: float, shape_mw: np.ndarray | None = None
) -> np.ndarray:
    """Provincial hourly demand, MW, shape (T,), summing to ``demand_twh`` over the snapshots."""
    if not demand_twh > 0:
        raise InputError("must be > 0", field="demand_twh", value=demand_twh)
    shape = read_reference_shape() if shape_mw is None else np.asarray(shape_mw, dtype=float)
    mapped = shape[non_leap_hour_index(snaps)]
    return mapped * (demand_twh * 1e6 / mapped.sum())


def zone_load_mw(
    snaps: pd.DatetimeIndex,
    zones: Sequence[Zone],
    demand_twh: float,
    shape_mw: np.ndarray | None = None,
) -> np.ndarray:
    """Hourly demand of each zone, MW, shape (T, n): provincial demand x zone share.

    With all four Ningxia zones the shares sum to 1 and the columns add up to
    the provincial demand; with a subset they give those zones' part.
    """
    shares = np.array([z.load_share for z in zones], dtype=float)
    if (shares < 0).any() or shares.sum() > 1.0 + 1e-9:
        raise InputError(
            "must be >= 0 and sum to at most 1",
            field="load_share",
            value={z.name: z.load_share for z in zones},
        )
    return provincial_load_mw(snaps, demand_twh, shape_mw)[:, None] * shares[None, :]


def rescale_monthly_mw(
    load_mw: np.ndarray, month: np.ndarray, target_mwh: np.ndarray
) -> np.ndarray:
    """The hourly load (T, n) with every hour of month ``m`` (``month`` 1..12 per hour)
    multiplied by one factor, so that the month's energy over all columns is
    ``target_mwh[m - 1]`` (MWh at one hour per snapshot). Raises ValueError for a month
    without load that is given energy."""
    out = np.array(load_mw, dtype=float, copy=True)
    for m in np.unique(month):
        sel = month == m
        now = float(out[sel].sum())
        want = float(target_mwh[m - 1])
        if now <= 0 and want > 0:
            raise ValueError(f"month {m} has no load to scale to {want / 1e6:.6g} TWh")
        out[sel] *= want / now if now > 0 else 0.0
    return out
