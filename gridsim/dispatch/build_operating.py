"""Data -> problem, the operating rules of thermal and hydro units.

Pure functions over numpy arrays that :func:`gridsim.dispatch.build_units.thermal_group`
and :func:`~gridsim.dispatch.build_units.hydro_group` apply:

- :func:`peak_tiers`: deep peak regulation (深度调峰) tiers below a normal minimum;
- :func:`chp_range`: the electric range of CHP units as a function of their heat load;
- :func:`maintenance_out_pu`: planned maintenance placed where the reserve is largest;
- :func:`period_mask`: a given outage period;
- :func:`monthly_weight`: hourly weights of a monthly energy shape.

The options are :class:`~gridsim.dispatch.build_options.BuildOptions` fields; the
scenario table ``[thermal]`` sets them (see ``scenarios/README.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gridsim.dispatch.problem import PeakTiers

Arr = np.ndarray


def peak_tiers(
    T: int,
    names: Sequence[str],
    p_min_share: Arr,
    normal_min_share: Arr,
    tier_min_share: Sequence[float],
    tier_price_per_mwh: Sequence[float],
) -> PeakTiers:
    """The deep peak regulation tiers of the thermal clusters.

    A cluster with a finite ``normal_min_share`` (share of committed capacity) above its
    technical minimum ``p_min_share`` gets one tier per entry of ``tier_min_share`` (the
    bottom of each tier, shallowest first), cut at its technical minimum; tiers of zero
    width are left out. Output reduced inside tier ``k`` is paid ``tier_price_per_mwh[k]``
    (CNY/MWh).
    """
    unit, depth, price, label = [], [], [], []
    for g, name in enumerate(names):
        top = float(normal_min_share[g])
        if not np.isfinite(top):
            continue
        for k, (bottom, cost) in enumerate(zip(tier_min_share, tier_price_per_mwh)):
            low = max(float(bottom), float(p_min_share[g]))
            if low < top - 1e-12:
                unit.append(g)
                depth.append(top - low)
                price.append(float(cost))
                label.append(f"{name}_tier{k + 1}")
                top = low
    return PeakTiers.make(
        T, label, unit=np.array(unit, dtype=np.int64), depth_share=depth, price_per_mwh=price
    )


def chp_range(heat_pu: Arr, min_share_at_design: Arr, p_min_share: Arr, power_loss_share: Arr) -> tuple[Arr, Arr]:  # fmt: skip
    """Electric output range of CHP units at hourly heat load ``heat_pu`` (T x n, 0..1 of
    the design heat load), as shares of capacity (T x n each): ``(floor, cap)``.

    An extraction-condensing unit delivering heat must run at least on its back-pressure
    line, whose electric output is proportional to the heat (``min_share_at_design`` at
    the design heat load), and never below its minimum stable output while it heats; the
    steam extracted costs electric capacity in proportion to the heat
    (``power_loss_share`` at the design heat load)::

        floor = max(p_min_share, min_share_at_design * q)   where q > 0, else 0
        cap   = 1 - power_loss_share * q
    """
    q = np.clip(np.asarray(heat_pu, dtype=float), 0.0, 1.0)
    heated = q > 0
    floor = np.where(heated, np.maximum(p_min_share[None, :], min_share_at_design[None, :] * q), 0.0)  # fmt: skip
    cap = 1.0 - power_loss_share[None, :] * q
    return floor, np.maximum(cap, floor)


def maintenance_out_pu(
    weeks_per_year: Arr,
    capacity_mw: Arr,
    week_of_hour: Arr,
    allowed_hour: Arr,
    margin_mw: Arr,
    max_share_out: float = 0.5,
) -> Arr:
    """Share of each cluster's capacity on planned maintenance per hour (T x n).

    Each cluster needs ``weeks_per_year * capacity_mw`` MW-weeks of maintenance (weeks
    scaled by the hours the study covers). It is placed, a cluster at a time from the
    largest, in the weeks where every hour is ``allowed_hour`` (outside the heating season
    and the peak months) with the largest reserve: ``margin_mw`` (T,) is the hourly
    capacity left above demand, and each week's margin is its smallest hour minus what
    is already out. Water-filling levels the weekly margins (the levelised-reserve rule of
    maintenance scheduling); at most ``max_share_out`` of a cluster is out at once.
    """
    T, n = week_of_hour.size, capacity_mw.size
    out = np.zeros((T, n))
    weeks = np.unique(week_of_hour)
    full = np.array([allowed_hour[week_of_hour == w].all() for w in weeks])
    usable = weeks[full]
    if usable.size == 0:
        return out
    hours_of = {int(w): np.flatnonzero(week_of_hour == w) for w in usable}
    margin = np.array([margin_mw[hours_of[int(w)]].min() for w in usable], dtype=float)
    study_weeks = T / 168.0
    for g in np.argsort(-capacity_mw, kind="stable"):
        need = float(weeks_per_year[g]) * float(capacity_mw[g]) * study_weeks / 52.0
        cap_g = max_share_out * float(capacity_mw[g])
        if need <= 0 or cap_g <= 0:
            continue
        level = _water_level(margin, need, cap_g)
        take = np.clip(margin - level, 0.0, cap_g)
        margin -= take
        for w, mw in zip(usable, take):
            if mw > 0:
                out[hours_of[int(w)], g] = mw / float(capacity_mw[g])
    return out


def _water_level(margin: Arr, need: float, cap: float) -> float:
    """Level L with Σ clip(margin - L, 0, cap) = need (or the lowest level if too little room)."""
    lo, hi = float(margin.min()) - cap, float(margin.max())
    if np.clip(margin - lo, 0.0, cap).sum() <= need:
        return lo
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if np.clip(margin - mid, 0.0, cap).sum() > need:
            lo = mid
        else:
            hi = mid
    return hi


def period_mask(snapshots_ns: Arr, start_ns: int, end_ns: int) -> Arr:
    """True for snapshots in ``[start, end)`` (int64 ns since the epoch, UTC), shape (T,)."""
    s = np.asarray(snapshots_ns, dtype=np.int64)
    return (s >= start_ns) & (s < end_ns)


def monthly_weight(month_of_hour: Arr, shape: Sequence[float]) -> Arr:
    """Hourly weights (T,) whose monthly sums follow ``shape`` (12 values, Jan..Dec):
    each hour of month ``m`` gets ``shape[m] / hours in m`` times the number of months,
    so that a flat shape gives weight 1 in every hour of a full year."""
    s = np.asarray(shape, dtype=float)
    m = np.asarray(month_of_hour, dtype=np.int64) - 1
    hours = np.bincount(m, minlength=12).astype(float)
    per_hour = np.divide(s, hours, out=np.zeros(12), where=hours > 0)
    w = per_hour[m]
    total = w.sum()
    return w * (m.size / total) if total > 0 else np.ones(m.size)
