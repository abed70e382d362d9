"""The model side of a calibration: the quantities of a statistics file, from a run folder.

Every quantity is computed per calendar year and per calendar month (local time,
Asia/Shanghai) from the run's hourly series, summed over the solved hours as the KPIs
are (:mod:`gridsim.kpi`). The hourly totals by carrier, consumption and exports are the
results store's balance (:func:`gridsim.report.plots.hourly_balance`), so over a whole
run the energies equal ``summary.json``; wind and solar output and curtailment are the
pro-rata split within each node that the KPIs use.

One function per family, units in the names:

- :func:`hourly_terms_mw`: the hourly system totals the energies are sums of (MW);
- :func:`period_energy_mwh`: those totals summed per year and month (MWh), with the hours;
- :func:`energy_twh`, :func:`utilisation_pct`, :func:`share_pct`,
  :func:`full_load_hours_h`: the quantities of :data:`~.stats.QUANTITIES`;
- :func:`model_quantities`: all of them as one tidy table.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.results.store import TZ, Run

if TYPE_CHECKING:
    from gridsim.network.network import Network

log = logging.getLogger(__name__)

NEW_ENERGY = ("wind", "solar")
#: Columns of :func:`hourly_terms_mw` besides ``export_<link>``.
TERMS = ("wind", "solar", "hydro", "biomass", "thermal", "generation", "wind_curtailment",
         "solar_curtailment", "consumption", "exports", "dc_exports")  # fmt: skip
EXPORT_PREFIX = "export_"


def hourly_terms_mw(run: Run) -> pd.DataFrame:
    """Hourly system totals (MW), index ``snapshot`` (Asia/Shanghai), NaN in unsolved hours.

    ``wind``, ``solar``, ``hydro``, ``biomass``: output by carrier; ``thermal``: the
    thermal units (every carrier of the ``thermal`` group); ``generation``: all of them
    (storage discharge excluded, as ``generation_mwh.total``); ``wind_curtailment``,
    ``solar_curtailment``; ``consumption``: demand − DR curtailed − unserved (± shifts,
    which net to zero each day); ``exports``: sent into the DC links and the AC block
    plus AC exchange exports; ``dc_exports``: sent into the DC export links; ``export_<link>``: sent into each DC export link.
    """
    from gridsim.report.plots import hourly_balance

    bal = hourly_balance(run)
    el = run.elements()
    solved = run.total("unserved_mw").notna() if run.has("unserved_mw") else bal["demand"].notna()  # fmt: skip
    zero = pd.Series(0.0, index=bal.index).where(solved)
    thermal = [c for c in dict.fromkeys(el.carrier[el.group == "thermal"]) if c in bal]
    df = pd.DataFrame(index=bal.index)
    for c in ("wind", "solar", "hydro", "biomass"):
        df[c] = bal[c] if c in bal else zero
    df["thermal"] = bal[thermal].sum(axis=1, min_count=1).where(solved) if thermal else zero
    carriers = [c for c in dict.fromkeys(el.carrier[el.group.isin(["thermal", "hydro", "renewable"])]) if c in bal]  # fmt: skip
    df["generation"] = bal[carriers].sum(axis=1, min_count=1).where(solved)
    for c in NEW_ENERGY:
        df[f"{c}_curtailment"] = run.total("renewable_curtail_mw", run.of_carrier("renewable", c)).where(solved)  # fmt: skip
    df["consumption"] = bal["consumption"]
    df["exports"] = bal["dc_exports"] + bal["ac_exports"]
    df["dc_exports"] = bal["dc_exports"]
    for link in run.of_carrier("links", "dc_export"):
        df[f"{EXPORT_PREFIX}{link}"] = run.total("link_p_mw", [link]).where(solved)
    return df


def _periods(index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    local = index.tz_convert(TZ)
    return np.asarray(local.year), np.asarray(local.month)


def hours_in_period_h(year: int, month: int | None = None) -> float:
    """Hours of a calendar year or month in Asia/Shanghai (h)."""
    start = pd.Timestamp(year, month or 1, 1, tz=TZ)
    end = start + (pd.DateOffset(months=1) if month else pd.DateOffset(years=1))
    return float((end - start) / pd.Timedelta(hours=1))


def by_period(df: pd.DataFrame, how: str) -> pd.DataFrame:
    """``df`` (hourly, tz-aware index) aggregated with ``how`` (``"sum"``, ``"mean"``) per
    local year and month: index (``year``, ``month``), ``month`` 0 for the whole year."""
    year, month = _periods(pd.DatetimeIndex(df.index))
    annual = df.groupby(year).agg(how)
    annual.index = pd.MultiIndex.from_arrays([annual.index, np.zeros(len(annual), int)])
    out = pd.concat([annual, df.groupby([year, month]).agg(how)]).sort_index()
    out.index.names = ["year", "month"]
    return out


def period_energy_mwh(terms_mw: pd.DataFrame, dt_h: float) -> pd.DataFrame:
    """``Σ_t x_t Δt`` over the solved hours of each year and month (MWh).

    Index (``year``, ``month``) with ``month`` 0 for the whole year; columns those of
    ``terms_mw`` plus ``solved_h`` (hours with a solution) and ``coverage`` (solved hours /
    hours of the calendar period).
    """
    e = terms_mw.fillna(0.0) * dt_h
    e["solved_h"] = terms_mw["generation"].notna().to_numpy() * dt_h
    out = by_period(e, "sum")
    hours = [hours_in_period_h(int(y), int(m) or None) for y, m in out.index]
    out["coverage"] = out["solved_h"] / np.asarray(hours)
    return out


def energy_twh(e_mwh: pd.DataFrame) -> pd.DataFrame:
    """Energy quantities (TWh) from :func:`period_energy_mwh`: ``wind_twh``, ``solar_twh``,
    ``new_energy_twh`` (wind + solar), ``hydro_twh``, ``biomass_twh``, ``thermal_twh``,
    ``generation_twh``, ``curtailment_twh`` (wind + solar), ``wind_curtailment_twh``,
    ``solar_curtailment_twh``, ``consumption_twh``, ``exports_twh``, ``dc_exports_twh`` and
    ``export_<link>_twh``."""
    t = e_mwh / 1e6
    out = pd.DataFrame(index=e_mwh.index)
    for c in ("wind", "solar", "hydro", "biomass", "thermal", "generation", "consumption", "exports", "dc_exports"):  # fmt: skip
        out[f"{c}_twh"] = t[c]
    out["new_energy_twh"] = t["wind"] + t["solar"]
    out["wind_curtailment_twh"] = t["wind_curtailment"]
    out["solar_curtailment_twh"] = t["solar_curtailment"]
    out["curtailment_twh"] = t["wind_curtailment"] + t["solar_curtailment"]
    for c in e_mwh.columns:
        if c.startswith(EXPORT_PREFIX):
            out[f"{c}_twh"] = t[c]
    return out


def _pct(a: pd.Series, b: pd.Series) -> pd.Series:
    return 100.0 * a / b.where(b > 0)


def utilisation_pct(e_mwh: pd.DataFrame) -> pd.DataFrame:
    """Utilisation ``100 · G / (G + C)`` (%) of wind, solar and both together
    (``new_energy_utilisation_pct``), as :func:`gridsim.kpi.utilisation`; NaN without
    available energy."""
    g = {c: e_mwh[c] for c in NEW_ENERGY}
    cur = {c: e_mwh[f"{c}_curtailment"] for c in NEW_ENERGY}
    out = pd.DataFrame(index=e_mwh.index)
    for c in NEW_ENERGY:
        out[f"{c}_utilisation_pct"] = _pct(g[c], g[c] + cur[c])
    gt, ct = g["wind"] + g["solar"], cur["wind"] + cur["solar"]
    out["new_energy_utilisation_pct"] = _pct(gt, gt + ct)
    return out


def share_pct(e_mwh: pd.DataFrame) -> pd.DataFrame:
    """``new_energy_share_pct = 100 · (E_wind + E_solar) / E_total`` (%), as
    :func:`gridsim.kpi.new_energy_share_of_generation`."""
    s = _pct(e_mwh["wind"] + e_mwh["solar"], e_mwh["generation"])
    return pd.DataFrame({"new_energy_share_pct": s}, index=e_mwh.index)


def capacity_mw(run: Run) -> pd.DataFrame | None:
    """Installed wind and solar capacity in service each hour (MW), columns ``wind`` and
    ``solar``: ``Σ P_max`` of the run's units of the carrier, from their commission date.

    The network is the run's scenario with its overrides applied (when the scenario file
    named in the manifest is found unchanged), else the network file of the manifest
    (overrides then unknown, with a warning); None when neither is found.
    """
    from gridsim.dispatch.build_units import commissioned

    net = _network_of(run)
    if net is None:
        log.warning("%s: network not found; full-load hours are left out", run.path)
        return None
    gen = net.gen[net.gen.in_service.astype(bool)]
    snaps = run.snapshots
    out = pd.DataFrame(index=snaps)
    for c in NEW_ENERGY:
        units = [u for u in run.of_carrier("renewable", c) if u in gen.index]
        g = gen.loc[units]
        on = commissioned(g, snaps, None)
        out[c] = on @ g.max_p_mw.to_numpy(float) if units else 0.0
    return out


def _network_of(run: Run) -> Network | None:
    from gridsim.network.io import NETWORKS_DIR
    from gridsim.scenario import load_scenario
    from gridsim.studies.balance import prepare_network

    info = run.manifest.get("scenario") or {}
    f = info.get("path")
    if f:
        p = Path(f)
        for cand in (p, Path.cwd() / p, NETWORKS_DIR.parent / p):
            if not cand.is_file():
                continue
            try:
                sc = load_scenario(cand)
                if sc.sha256() == info.get("sha256"):
                    return prepare_network(sc)
            except (InputError, OSError) as err:
                log.info("%s: scenario of run %s not read (%s)", cand, run.path, err)
            break
    net = run.network()
    if net is not None:
        log.warning("%s: scenario %s not found unchanged; capacities are the network file's, without the scenario's overrides", run.path, f)  # fmt: skip
    return net


def full_load_hours_h(run: Run, e_mwh: pd.DataFrame, cap_mw: pd.DataFrame | None) -> pd.DataFrame:
    """Full-load hours ``E / P̄`` (h) of wind and solar per period, ``P̄`` the mean
    installed capacity over the period's solved hours (:func:`capacity_mw`): the
    published 利用小时数 on average capacity. NaN without capacity."""
    out = pd.DataFrame(index=e_mwh.index)
    if cap_mw is None:
        for c in NEW_ENERGY:
            out[f"{c}_flh_h"] = np.nan
        return out
    solved = run.total("unserved_mw").notna().to_numpy() if run.has("unserved_mw") else np.ones(len(cap_mw), bool)  # fmt: skip
    mean = by_period(cap_mw[solved], "mean")
    mean = mean.reindex(e_mwh.index)
    for c in NEW_ENERGY:
        out[f"{c}_flh_h"] = e_mwh[c] / mean[c].where(mean[c] > 0)
    return out


def model_quantities(run: Run) -> pd.DataFrame:
    """Every quantity of ``run`` per year and month: a tidy table with columns ``year``,
    ``month`` (<NA> for the year), ``quantity``, ``model`` (in the quantity's unit) and
    ``coverage`` (share of the period's hours that the run solved)."""
    terms = hourly_terms_mw(run)
    e = period_energy_mwh(terms, run.dt_h)
    wide = pd.concat([energy_twh(e), utilisation_pct(e), share_pct(e), full_load_hours_h(run, e, capacity_mw(run))], axis=1)  # fmt: skip
    wide["coverage"] = e["coverage"]
    tidy = wide.reset_index().melt(id_vars=["year", "month", "coverage"], var_name="quantity", value_name="model")  # fmt: skip
    tidy["month"] = tidy["month"].astype("Int64").where(tidy["month"] > 0)
    return tidy[["year", "month", "quantity", "model", "coverage"]]


__all__ = [
    "by_period",
    "capacity_mw",
    "energy_twh",
    "full_load_hours_h",
    "hourly_terms_mw",
    "hours_in_period_h",
    "model_quantities",
    "period_energy_mwh",
    "share_pct",
    "utilisation_pct",
]
