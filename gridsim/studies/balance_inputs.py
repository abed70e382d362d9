"""The scenario's year of inputs applied to a profile set: the monthly demand (``[demand]``)
and the DC export schedules (``[exports]``: ``schedule_scale``, ``monthly_shape``,
``energy_twh``), and the energy bounds the dispatch holds the scheduled links to.

Each function works on a whole profile set (before the study period is cut out) and hands
back plain tables; the numerics are :func:`gridsim.profiles.load.rescale_monthly_mw`,
:func:`gridsim.profiles.exports.fit_energy_pu` and
:func:`gridsim.profiles.exports.shape_monthly_pu`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from gridsim.dispatch.build_dates import in_service_pu
from gridsim.network.network import Network
from gridsim.profiles import ProfileSet
from gridsim.profiles.exports import fit_energy_pu, shape_monthly_pu
from gridsim.profiles.load import rescale_monthly_mw
from gridsim.scenario import Scenario

Arr = np.ndarray
log = logging.getLogger(__name__)


def _months(snaps: pd.DatetimeIndex) -> tuple[Arr, Arr]:
    """Month (1..12) of each snapshot, and the share of each calendar month's hours that
    the snapshots cover (12,)."""
    month = np.asarray(snaps.month, dtype=np.int64)
    covered = np.bincount(month, minlength=13)[1:].astype(float)
    year = int(snaps[0].year) if len(snaps) else 2025
    days = np.array([pd.Timestamp(year=year, month=m, day=1).days_in_month for m in range(1, 13)])
    return month, covered / (24.0 * days)


def monthly_demand(sc: Scenario, prof: ProfileSet) -> pd.DataFrame:
    """``prof.load_mw`` scaled month by month to ``demand.monthly_twh`` (or the set's own
    energy spread by ``demand.monthly_share``); months the set covers only in part get
    that part of their energy. Unchanged when neither is given."""
    dem = sc.demand
    load = prof.load_mw
    if dem.monthly_twh is None and dem.monthly_share is None:
        return load
    month, cover = _months(prof.snapshots)
    if dem.monthly_twh is not None:
        dotted, target = "demand.monthly_twh", np.asarray(dem.monthly_twh) * 1e6 * cover
    else:
        dotted = "demand.monthly_share"
        w = np.asarray(dem.monthly_share) * cover
        if w.sum() <= 0:
            raise sc.error(dotted, "is zero in every month of the profiles", dem.monthly_share)
        target = float(load.to_numpy().sum()) * w / w.sum()
    try:
        scaled = rescale_monthly_mw(load.to_numpy(float), month, target)
    except ValueError as err:
        raise sc.error(dotted, str(err), getattr(dem, dotted.split(".")[1])) from None
    return pd.DataFrame(scaled, index=load.index, columns=load.columns)


def _link_avail(net: Network, link: str, snaps: pd.DatetimeIndex) -> Arr:
    """1 while ``link`` is in service by its dates (T,)."""
    tz_snaps = snaps if snaps.tz is not None else snaps.tz_localize("Asia/Shanghai")
    return in_service_pu(net.dcline.loc[[link]], "dcline", tz_snaps, net.source)[:, 0]


def _check_link(sc: Scenario, net: Network, export: pd.DataFrame, dotted: str, link: str) -> None:
    if link not in export.columns or link not in net.dcline.index:
        known = ", ".join(c for c in export.columns if c in net.dcline.index)
        raise sc.error(dotted, f"is not an export link with a schedule ({known})", link)


def export_schedules(sc: Scenario, net: Network, prof: ProfileSet, year_hours: int) -> pd.DataFrame:
    """``prof.export_pu`` with ``exports.schedule_scale`` (clipped to 1 pu), then for the
    links with ``monthly_shape`` or ``energy_twh``: each link's schedule fitted, in its
    hours in service, to its energy (``energy_twh``, pro rata for a set of fewer hours
    than ``year_hours``; otherwise the schedule's own energy), spread over the months by
    its ``monthly_shape`` when given."""
    ex = sc.exports
    export = prof.export_pu.copy()
    for link, factor in ex.schedule_scale.items():
        if link not in export.columns:
            known = ", ".join(export.columns)
            raise sc.error(f"exports.schedule_scale.{link}", f"is not an export link ({known})", link)  # fmt: skip
        export[link] = np.clip(export[link] * factor, 0.0, 1.0)
    for key in ("energy_twh", "monthly_shape"):
        for link in getattr(ex, key):
            _check_link(sc, net, export, f"exports.{key}.{link}", link)
    snaps = pd.DatetimeIndex(prof.snapshots)
    month, _ = _months(snaps)
    for link in dict.fromkeys([*ex.energy_twh, *ex.monthly_shape]):
        rating = float(net.dcline.max_p_mw[link])
        avail = _link_avail(net, link, snaps)
        pu = export[link].to_numpy(float)
        if link in ex.energy_twh:
            dotted = f"exports.energy_twh.{link}"
            if not (np.isfinite(rating) and rating > 0):
                raise sc.error(dotted, f"needs the link's rating (dcline max_p_mw = {rating:g})", ex.energy_twh[link])  # fmt: skip
            hours = ex.energy_twh[link] * 1e6 / rating * len(snaps) / year_hours
        else:
            dotted = f"exports.monthly_shape.{link}"
            hours = float((np.clip(pu, 0.0, 1.0) * avail).sum())
        try:
            if link in ex.monthly_shape:
                new = shape_monthly_pu(pu, avail, month, ex.monthly_shape[link], hours)
            else:
                new = fit_energy_pu(pu, avail, hours)
        except ValueError as err:
            value = ex.energy_twh.get(link, ex.monthly_shape.get(link))
            raise sc.error(dotted, f"cannot be scheduled on a {rating:g} MW link: {err}", value) from None  # fmt: skip
        export[link] = new
    return export


def export_energy_mwh(sc: Scenario, net: Network, prof: ProfileSet, share_of_year: float) -> tuple[dict[str, float], dict[str, float]]:  # fmt: skip
    """The energy floors and caps over the study period (MWh, sent): ``<link>_min_twh`` pro
    rata by ``share_of_year``; for each ``energy_twh`` link instead its scheduled energy
    over the period (in service hours) times ``1 -/+ energy_band_share`` (its
    ``<link>_min_twh``, e.g. inherited from a base, gives way)."""
    ex = sc.exports
    floors = {k: v * 1e6 * share_of_year for k, v in ex.min_twh.items()}
    caps: dict[str, float] = {}
    snaps = pd.DatetimeIndex(prof.snapshots)
    dt_h = float(np.median(np.diff(snaps.asi8)) / 3.6e12) if len(snaps) > 1 else 1.0
    for link in ex.energy_twh:
        if link in floors:
            log.info("exports.energy_twh.%s replaces exports.%s_min_twh", link, link)
        rating = float(net.dcline.max_p_mw[link])
        pu = np.clip(prof.export_pu[link].to_numpy(float), 0.0, 1.0)
        e = float((pu * _link_avail(net, link, snaps)).sum()) * rating * dt_h
        floors[link] = e * (1.0 - ex.energy_band_share)
        caps[link] = e * (1.0 + ex.energy_band_share)
    return floors, caps


__all__ = ["export_energy_mwh", "export_schedules", "monthly_demand"]
