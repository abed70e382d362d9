"""Data -> problem, the units: thermal clusters, renewables, hydro, storage, demand
response and reserve requirements.

See :mod:`gridsim.dispatch.build` for the mapping rules; each ``*_group`` function builds
one group of the :class:`~gridsim.dispatch.problem.DispatchProblem` from the generator
and storage tables and the profiles.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from gridsim.dispatch import build_operating as ops
from gridsim.dispatch.build_dates import in_service_pu
from gridsim.dispatch.build_options import BuildContext, BuildOptions
from gridsim.dispatch.problem import (
    CurtailableLoad,
    Hydro,
    PeakTiers,
    Renewable,
    Reserves,
    ShiftableLoad,
    Storage,
    Thermal,
    largest_unit_mw,
)
from gridsim.errors import InputError
from gridsim.network.network import Network

Arr = np.ndarray
log = logging.getLogger(__name__)
#: Profile table of each renewable fuel; a renewable unit of any other fuel reads ``wind_cf``.
RENEWABLE_PROFILE = {"wind": "wind_cf", "solar": "solar_cf", "pv": "solar_cf"}
#: The dispatch group of each generator role (column ``gen.role``).
ROLE_KIND = {"thermal": "thermal", "renewable": "ren", "hydro": "hydro", "exchange": "ext", "shedding": "shed"}  # fmt: skip


def element_columns(df: pd.DataFrame, names: Any, zones: list[str], table: str, what: str, src: str | None) -> list[str]:  # fmt: skip
    """The column of ``df`` that each element reads: the one named after the element,
    else its zone's, else the table's only column (one series for the whole system).

    A column that is one element's own series and also the zone column another element
    would read is ambiguous and raises, as does an element without a column.
    """
    cols = set(map(str, df.columns))
    names = [str(n) for n in names]
    own = {n for n in names if n in cols}
    out = []
    for name, z in zip(names, zones):
        if name in own:
            out.append(name)
        elif z in own:
            raise InputError(
                f"reads the column of its zone '{z}' in profiles.{table}, which is also the "
                f"series of {what} '{z}'; rename the {what} or the zone",
                source=src, table=what, element=name, field="zone", value=z,
            )  # fmt: skip
        elif z in cols:
            out.append(z)
        elif df.shape[1] == 1 and not own:
            out.append(str(df.columns[0]))
        else:
            raise InputError(
                f"has no column in profiles.{table}: none named after it or its zone '{z}' "
                f"(columns: {list(df.columns)[:8]})",
                source=src, table=what, element=name, field="zone", value=z,
            )  # fmt: skip
    return out


def _zone_matrix(
    df: pd.DataFrame, zones: list[str], table: str, names: Any, src: str | None
) -> Arr:
    """The series each generator reads from ``df`` (T x len(names), see
    :func:`element_columns`)."""
    cols = element_columns(df, names, zones, table, "gen", src)
    return np.column_stack([df[c].to_numpy() for c in cols]) if cols else np.zeros((len(df), 0))


def commissioned(gen: pd.DataFrame, snaps: pd.DatetimeIndex, src: str | None) -> Arr:
    """1.0 from each unit's commission_date up to its decommission_date (T x G), see
    :func:`~gridsim.dispatch.build_dates.in_service_pu`."""
    return in_service_pu(gen, "gen", snaps, src)


def fleet_in_service(online: Arr, gen: pd.DataFrame, fuel: pd.Series, snaps: pd.DatetimeIndex, o: BuildOptions) -> Arr:  # fmt: skip
    """``online`` (T x G) with each fuel of ``o.fleet_monthly_mw`` in service at its
    monthly capacity: its units' share is ``MW of the month / their total capacity``."""
    month = np.asarray(snaps.month) - 1
    for f, monthly in o.fleet_monthly_mw.items():
        cols = np.flatnonzero(fuel.to_numpy() == f)
        total = float(gen.max_p_mw.to_numpy(float)[cols].sum())
        if len(monthly) != 12 or cols.size == 0 or total <= 0:
            raise InputError("needs 12 monthly values and units of the fuel with capacity", table="gen", field=f"{f}_monthly_mw", value=list(monthly))  # fmt: skip
        online[:, cols] = (np.asarray(monthly, float) / total)[month][:, None]
    return online


def generator_kinds(fuel: pd.Series, o: BuildOptions, role: Any = None) -> Arr:
    """The group of each generator: its ``role`` where given (:data:`ROLE_KIND`: ``thermal``,
    ``ren``, ``hydro``, ``ext``, ``shed``), otherwise by its (lower-case) fuel: ``ren``
    (wind, solar, pv), ``hydro`` (``o.hydro_fuels``), ``ext`` (``o.exchange_fuels``) or
    ``thermal``."""
    derived = np.where(
        fuel.isin(RENEWABLE_PROFILE),
        "ren",
        np.where(
            fuel.isin(o.hydro_fuels),
            "hydro",
            np.where(fuel.isin(o.exchange_fuels), "ext", "thermal"),
        ),
    )
    if role is None:
        return derived
    given = np.array([ROLE_KIND.get(str(r), "") for r in role], dtype=object)
    return np.where(given != "", given, derived.astype(object))


def thermal_group(ctx: BuildContext, profiles: Any, o: BuildOptions, demand_mw: Arr | None = None) -> Thermal:  # fmt: skip
    """Thermal clusters with their operating rules: the CHP range at the hour's heat load,
    ``o.thermal_floors``, deep peak regulation, forced outages and planned maintenance
    (placed against the hourly ``demand_mw``, the load plus DC exports; see
    :mod:`gridsim.dispatch.build_operating`)."""
    ti, T = ctx.pick("thermal"), ctx.T
    gen, col = ctx.gen, ctx.col
    pmax = gen.max_p_mw.to_numpy(float)
    pmin = gen.min_p_mw.to_numpy(float)
    heating = getattr(profiles, "heating", None)
    with np.errstate(invalid="ignore", divide="ignore"):
        pmin_share = np.clip(np.nan_to_num(pmin[ti] / pmax[ti]), 0.0, 1.0)
    floor = np.zeros((T, ti.size))
    avail = ctx.online[:, ti].copy()
    derate = np.ones((T, ti.size))
    if o.chp_floor and ti.size:
        chp = col("chp", ti).astype(bool) & (col("chp_min_share", ti) > 0)
        if chp.any():
            q = _heat_load(ctx, profiles, ti[chp], o)
            loss = _chp_loss(ctx, ti[chp], o)
            f_share, c_share = ops.chp_range(q, col("chp_min_share", ti[chp]).astype(float), pmin_share[chp], loss)  # fmt: skip
            floor[:, chp] = f_share * pmax[ti[chp]] * ctx.online[:, ti[chp]]
            derate[:, chp] = c_share
    _apply_floors(floor, ctx, ti, pmin_share, heating, o)
    avail *= _outages(ctx, ti, o, heating, demand_mw)
    derate *= 1.0 - np.array([float(o.forced_outage_rate.get(str(n), 0.0)) for n in gen.index[ti]])  # fmt: skip
    normal = np.full(ti.size, np.nan)
    names = [str(x) for x in gen.index[ti]]
    for j, name in enumerate(names):
        if name in o.peak_normal_min_share:
            normal[j] = max(float(o.peak_normal_min_share[name]), pmin_share[j])
    return Thermal.make(
        T,
        gen.index[ti],
        node=ctx.gnode[ti],
        fuel=ctx.fuel.to_numpy()[ti],
        p_max_mw=pmax[ti],
        avail_pu=avail,
        p_min_share=pmin_share,
        ramp_pu_per_h=col("ramp_pu_per_h", ti),
        cost_per_mwh=col("cost_per_mwh", ti),
        startup_cost_per_mw=col("startup_cost_per_mw", ti),
        coal_gce_per_kwh=col("coal_gce_per_kwh", ti),
        co2_t_per_mwh=col("co2_t_per_mwh", ti),
        must_run_mw=np.minimum(floor, avail * derate * pmax[ti]),
        derate_pu=derate,
        normal_min_share=normal,
        min_up_time_h=col("min_up_time_h", ti),
        min_down_time_h=col("min_down_time_h", ti),
        unit_size_mw=col("unit_size_mw", ti),
    )


def peak_tier_group(thermal: Thermal, o: BuildOptions) -> PeakTiers:
    """The deep peak regulation tiers of ``thermal`` (:func:`build_operating.peak_tiers`)."""
    if len(o.peak_tier_min_share) != len(o.peak_tier_price_per_mwh):
        raise InputError("needs one price per tier", field="peak_tier_price_per_mwh", value=list(o.peak_tier_price_per_mwh))  # fmt: skip
    prices = np.asarray(o.peak_tier_price_per_mwh, float)
    if prices.size > 1 and (np.diff(prices) < 0).any():
        raise InputError("must not fall with depth (tiers shallowest first)", field="peak_tier_price_per_mwh", value=list(prices))  # fmt: skip
    bottoms = np.asarray(o.peak_tier_min_share, float)
    if bottoms.size > 1 and (np.diff(bottoms) > 0).any():
        raise InputError("must fall from tier to tier (shallowest first)", field="peak_tier_min_share", value=list(bottoms))  # fmt: skip
    T = thermal.must_run_mw.shape[0]
    return ops.peak_tiers(T, list(thermal.names), thermal.p_min_share, thermal.normal_min_share, bottoms.tolist(), prices.tolist())  # fmt: skip


def _heat_load(ctx: BuildContext, profiles: Any, ti: Arr, o: BuildOptions) -> Arr:
    """Heat load (T x units, 0..1) of CHP units: the profiles' ``heat_load_pu`` where
    ``o.chp_heat_load`` and the table exists, else the heating flags (full load)."""
    names = ctx.gen.index[ti]
    zones = [ctx.gzone[i] for i in ti]
    heat = getattr(profiles, "heat_load_pu", None)
    if o.chp_heat_load and heat is not None and heat.shape[1]:
        return _zone_matrix(heat, zones, "heat_load_pu", names, ctx.src).astype(float)
    heating = getattr(profiles, "heating", None)
    if heating is None or heating.shape[1] == 0:
        raise InputError("profiles have no 'heating' table but CHP units exist", source=ctx.src, table="gen", show_value=False)  # fmt: skip
    return _zone_matrix(heating, zones, "heating", names, ctx.src).astype(float)


def _chp_loss(ctx: BuildContext, ti: Arr, o: BuildOptions) -> Arr:
    """Electric capacity lost at the design heat load, share, per CHP unit."""
    if o.chp_power_loss_share is not None:
        return np.full(ti.size, float(o.chp_power_loss_share))
    if "chp_power_loss_share" in ctx.gen.columns:
        return np.nan_to_num(ctx.col("chp_power_loss_share", ti).astype(float))
    return np.zeros(ti.size)


def _outages(ctx: BuildContext, ti: Arr, o: BuildOptions, heating: Any, demand_mw: Arr | None) -> Arr:  # fmt: skip
    """Share of each cluster's capacity in service (T x n) after planned maintenance
    and given outage periods."""
    T, gen = ctx.T, ctx.gen
    names = [str(x) for x in gen.index[ti]]
    keep = np.ones((T, ti.size))
    for j, name in enumerate(names):
        if name in o.maintenance_periods:
            start, end = o.maintenance_periods[name]
            t0, t1 = (_local_ns(x, ctx, name) for x in (start, end))
            keep[ops.period_mask(ctx.snaps.tz_convert("UTC").asi8, t0, t1), j] = 0.0
    weeks = np.array([0.0 if n in o.maintenance_periods else float(o.maintenance_weeks.get(n, 0.0)) for n in names])  # fmt: skip
    if weeks.any():
        cap = gen.max_p_mw.to_numpy(float)[ti]
        online = ctx.online[:, ti] * keep
        heat = np.zeros(T, dtype=bool) if heating is None or heating.shape[1] == 0 else heating.to_numpy(bool).any(axis=1)  # fmt: skip
        month = np.asarray(ctx.snaps.month)
        allowed = ~heat & ~np.isin(month, list(o.maintenance_months_excluded))
        demand = np.zeros(T) if demand_mw is None else np.asarray(demand_mw, float)
        margin = (online * cap).sum(axis=1) - demand
        local = ctx.snaps.tz_localize(None)
        week = np.asarray((local.normalize() - local[0].normalize()).days // 7)
        keep *= 1.0 - ops.maintenance_out_pu(weeks, cap, week, allowed, margin)
    return keep


def _local_ns(text: str, ctx: BuildContext, unit: str) -> int:
    """An ISO date (local time when naive) as int64 ns since the epoch, UTC."""
    try:
        ts = pd.Timestamp(text)
    except ValueError:
        raise InputError("must be an ISO date", source=ctx.src, table="gen", element=unit, field="maintenance", value=text) from None  # fmt: skip
    ts = ts.tz_localize(ctx.snaps.tz) if ts.tz is None else ts
    return int(ts.tz_convert("UTC").value)


def _apply_floors(floor: Arr, ctx: BuildContext, ti: Arr, pmin_share: Arr, heating: Any, o: BuildOptions) -> None:  # fmt: skip
    """Raise ``floor`` (T x thermal) to each :class:`ThermalFloor` of ``o`` (MW)."""
    col_of = {str(n): j for j, n in enumerate(ctx.gen.index[ti])}
    pmax = ctx.gen.max_p_mw.to_numpy(float)[ti]
    for f in o.thermal_floors:
        j = col_of.get(f.unit)
        if j is None:
            raise InputError("applies to thermal units of the model only", source=ctx.src, table="gen", element=f.unit, field="thermal_floors")  # fmt: skip
        share = pmin_share[j] if f.share is None else f.share
        x = share * pmax[j] * ctx.online[:, ti[j]]
        if f.heated:
            if heating is None or heating.shape[1] == 0:
                raise InputError("needs the profiles' 'heating' table", source=ctx.src, table="gen", element=f.unit, field="heating_must_run")  # fmt: skip
            zone = str(ctx.gen.zone.iloc[ti[j]])
            heat = heating[f.unit] if f.unit in heating.columns else heating[zone] if zone in heating.columns else heating.iloc[:, 0]  # fmt: skip
            x = x * heat.to_numpy(float)
        floor[:, j] = np.maximum(floor[:, j], x)


def renewable_group(ctx: BuildContext, profiles: Any, o: BuildOptions) -> Renewable:
    """Renewable units: available power = capacity factor x capacity. The factor is the
    unit's own column of its table (``solar_cf`` for solar and pv, else ``wind_cf``), or
    its zone's (:func:`element_columns`)."""
    ri, gen, src = ctx.pick("ren"), ctx.gen, ctx.src
    pmax = gen.max_p_mw.to_numpy(float)
    cf = np.zeros((ctx.T, ri.size))
    tables = np.array([RENEWABLE_PROFILE.get(ctx.fuel.iloc[i], "wind_cf") for i in ri])
    for table in dict.fromkeys(tables):
        js = np.flatnonzero(tables == table)
        df = getattr(profiles, table, None)
        if df is None or df.shape[1] == 0:
            raise InputError(
                f"profiles have no '{table}' table",
                source=src,
                table="gen",
                element=gen.index[ri[js[0]]],
                show_value=False,
            )
        zones = [ctx.gzone[i] for i in ri[js]]
        cf[:, js] = _zone_matrix(df, zones, table, gen.index[ri[js]], src)
    return Renewable.make(
        ctx.T,
        gen.index[ri],
        node=ctx.gnode[ri],
        fuel=ctx.fuel.to_numpy()[ri],
        capacity_mw=pmax[ri],
        available_mw=cf * pmax[ri] * ctx.online[:, ri],
        cost_per_mwh=ctx.col("cost_per_mwh", ri) - o.renewable_priority_per_mwh,
    )


def hydro_group(ctx: BuildContext, o: BuildOptions) -> Hydro:
    """Hydro and biomass: bounds per hour and an energy budget from full-load hours per
    year; with ``o.hydro_monthly_shape``, the budget is a river flow instead, shared over
    the months by the shape, and each day's energy is at most the day's flow."""
    hi, gen = ctx.pick("hydro"), ctx.gen
    pmax = gen.max_p_mw.to_numpy(float)
    pmin = gen.min_p_mw.to_numpy(float)
    flh = np.array([o.energy_budget_flh.get(f, np.nan) for f in ctx.fuel.to_numpy()[hi]], float)
    p_max = pmax[hi] * ctx.online[:, hi]
    energy = flh * pmax[hi] * ctx.T * ctx.dt_h / 8760.0
    inflow = np.full((ctx.T, hi.size), np.nan)
    if o.hydro_monthly_shape:
        if len(o.hydro_monthly_shape) != 12:
            raise InputError("must have 12 monthly values (Jan..Dec)", field="hydro_monthly_shape", value=list(o.hydro_monthly_shape))  # fmt: skip
        weight = ops.monthly_weight(np.asarray(ctx.snaps.month), o.hydro_monthly_shape)
        flow = np.isfinite(flh)
        inflow[:, flow] = np.minimum(weight[:, None] * (flh * pmax[hi] / 8760.0)[flow], p_max[:, flow])  # fmt: skip
        energy[flow] = np.nan
    return Hydro.make(
        ctx.T,
        gen.index[hi],
        node=ctx.gnode[hi],
        fuel=ctx.fuel.to_numpy()[hi],
        p_max_mw=p_max,
        p_min_mw=np.fmin(
            np.maximum(pmin[hi], 0.0) * ctx.online[:, hi], inflow
        ),  # not above the flow
        energy_mwh=energy,
        cost_per_mwh=ctx.col("cost_per_mwh", hi),
        inflow_mw=inflow,
    )


def storage_group(net: Network, ctx: BuildContext, o: BuildOptions) -> Storage:
    """In-service storage units at internal buses; power and energy are zero outside each
    unit's commission..decommission dates (``avail_pu``), and a unit not in service in the
    first snapshot starts empty."""
    st = net.storage[net.storage.in_service & net.storage.bus.isin(ctx.internal)]
    avail = in_service_pu(st, "storage", ctx.snaps, ctx.src)
    first = avail[0] if ctx.T else np.ones(len(st))
    return Storage.make(
        ctx.T,
        st.index,
        node=[ctx.node_of[b] for b in st.bus],
        storage_kind=st.kind.to_numpy(),
        p_max_mw=st.max_p_mw.to_numpy(float),
        e_max_mwh=st.max_e_mwh.to_numpy(float),
        eff_charge=st.eff_charge.to_numpy(float),
        eff_discharge=st.eff_discharge.to_numpy(float),
        soc0_mwh=(st.soc_init * st.max_e_mwh).to_numpy(float) * first,
        cyclic=o.storage_cyclic,
        avail_pu=avail,
    )


def demand_response_groups(ctx: BuildContext, load: Arr, o: BuildOptions) -> tuple[CurtailableLoad, ShiftableLoad]:  # fmt: skip
    """Curtailable and shiftable load per node, sized as shares of the node's peak; then
    the generators of role ``shedding``, each a curtailable load at its node of
    ``max_p_mw`` (while commissioned) at its ``cost_per_mwh``, without energy budget."""
    T, names = ctx.T, ctx.node_names
    peak = load.max(axis=0, initial=0.0)
    cur_on = np.flatnonzero(peak * o.dr_curtailable_share > 0)
    si, gen = ctx.pick("shed"), ctx.gen
    curtailable = CurtailableLoad.make(
        T,
        [*(f"dr_curtail_{names[k]}" for k in cur_on), *gen.index[si]],
        node=np.concatenate([cur_on, ctx.gnode[si]]).astype(np.int64),
        p_max_mw=np.hstack(
            [
                np.broadcast_to(peak[cur_on] * o.dr_curtailable_share, (T, cur_on.size)),
                gen.max_p_mw.to_numpy(float)[si] * ctx.online[:, si],
            ]
        ),
        energy_mwh=np.concatenate(
            [
                peak[cur_on] * o.dr_curtailable_share * o.dr_curtailable_hours,
                np.full(si.size, np.nan),
            ]  # fmt: skip
        ),
        cost_per_mwh=np.concatenate(
            [
                np.full(cur_on.size, float(o.dr_curtailable_cost_per_mwh)),
                ctx.col("cost_per_mwh", si).astype(float),
            ]  # fmt: skip
        ),
    )
    sh_on = np.flatnonzero(peak * o.dr_shiftable_share > 0)
    shiftable = ShiftableLoad.make(
        T,
        [f"dr_shift_{names[k]}" for k in sh_on],
        node=sh_on,
        p_max_mw=peak[sh_on] * o.dr_shiftable_share,
        cost_per_mwh=o.dr_shift_cost_per_mwh,
    )
    return curtailable, shiftable


def reserves_group(ctx: BuildContext, o: BuildOptions, thermal: Thermal) -> Reserves:
    """One system-wide requirement per direction (``up``, ``down``) whose
    ``o.reserve_<direction>_*`` options set any part. With ``*_largest_unit`` the fixed
    part is, hour by hour, the larger of ``*_mw`` and the largest thermal unit in
    service (:func:`~gridsim.dispatch.problem.largest_unit_mw`)."""
    names, fixed, load, ren, direction = [], [], [], [], []
    for d in ("up", "down"):
        mw, a, b, big = (getattr(o, f"reserve_{d}_{k}") for k in ("mw", "load_share", "renewable_share", "largest_unit"))  # fmt: skip
        if not (mw or a or b or big):
            continue
        if big and not np.isfinite(thermal.unit_size_mw).all():
            log.warning("reserve_%s_largest_unit: thermal clusters without unit_size_mw count as one unit of their whole capacity", d)  # fmt: skip
        names.append(f"system_{d}" if d == "down" else "system")
        fixed.append(np.maximum(mw, largest_unit_mw(thermal)) if big else np.full(ctx.T, float(mw)))
        load.append(a)
        ren.append(b)
        direction.append(d)
    if not names:
        return Reserves.make(ctx.T)
    return Reserves.make(
        ctx.T,
        names,
        requirement_mw=np.column_stack(fixed),
        load_share=load,
        renewable_share=ren,
        direction=direction,
    )
