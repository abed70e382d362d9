"""Data -> problem: map a Network and hourly profiles to a DispatchProblem (layer 1).

This is the only place that reads Network tables and profile DataFrames for the
dispatch. The profile object is duck-typed: anything with ``snapshots`` (hourly
DatetimeIndex) and DataFrames ``wind_cf``, ``solar_cf``, ``load_mw`` (T x zone),
``heating`` (T x zone, bool) and ``export_pu`` (T x DC link, pu of rating) works.

Mapping rules
-------------
* nodes: one (``copperplate``), bus zones (``transport``) or buses (``ptdf``);
  buses in ``external_zones`` and receiving buses of export links are not nodes.
* generators by ``fuel``: wind/solar -> renewables (available = cf[zone] x
  max_p_mw); hydro/biomass -> hydro group (optional energy budget in full-load
  hours); ``ext`` -> AC exchange (import <= max_p_mw at cost_per_mwh, export
  <= -min_p_mw); everything else -> thermal clusters.
* ``commission_date``: a unit is available from that local date on.
* CHP floor = chp_min_share x max_p_mw in hours where heating[zone] is True.
* load: column ``zone`` of ``load_mw`` is spread over the zone's buses in
  proportion to the load table's ``p_mw`` (equally if the zone has no loads);
  a single column stands for the whole system.
* DC lines named in ``export_pu`` are exports (p = export_pu x rating, widened
  by ``export_band_pu``); the others are internal links between nodes.
* tie lines from a node to a bus in ``external_zones`` add AC exchange capacity
  (their rating), priced at ``exchange_import_price_per_mwh`` (then required).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gridsim.dispatch.problem import (
    Branches,
    CurtailableLoad,
    DispatchProblem,
    Exchange,
    Hydro,
    Links,
    Nodes,
    Renewable,
    ShiftableLoad,
    Storage,
    Thermal,
)
from gridsim.errors import InputError
from gridsim.network.network import Network
from gridsim.powerflow.sensitivity import ptdf

Arr = np.ndarray
RENEWABLE_PROFILE = {"wind": "wind_cf", "solar": "solar_cf", "pv": "solar_cf"}


@dataclass(frozen=True)
class BuildOptions:
    """How to map data to the dispatch problem (units in the names).

    ``renewable_priority_per_mwh`` lowers the cost of wind and solar energy (a
    small value, e.g. 1 CNY/MWh, breaks ties between curtailment and other
    zero-value outlets such as an AC export at price 0). ``voll_per_mwh`` prices
    unserved energy; ``loss_factor`` scales the load for network losses.
    ``energy_budget_flh`` maps a hydro/biomass fuel to full-load hours per year;
    ``export_energy_mwh`` gives DC energy targets over the study horizon;
    ``dr_*_share`` sizes demand response as a share of each node's peak load.
    """

    network: str = "copperplate"
    loss_factor: float = 0.0
    transport_loss_share: float = 0.0
    voll_per_mwh: float = 30_000.0
    storage_cyclic: bool = True
    hydro_fuels: tuple[str, ...] = ("hydro", "biomass")
    exchange_fuels: tuple[str, ...] = ("ext",)
    energy_budget_flh: Mapping[str, float] = field(default_factory=dict)
    chp_floor: bool = True
    renewable_priority_per_mwh: float = 0.0
    export_band_pu: float = 0.0
    export_energy_mwh: Mapping[str, float] = field(default_factory=dict)
    export_value_per_mwh: float | Mapping[str, float] = 0.0
    export_ramp_pu_per_h: float = float("nan")
    external_zones: tuple[str, ...] = ()
    exchange_import_price_per_mwh: float = float("nan")
    exchange_export_price_per_mwh: float = 0.0
    dr_curtailable_share: float = 0.0
    dr_curtailable_hours: float = float("nan")
    dr_curtailable_cost_per_mwh: float = 1_000.0
    dr_shiftable_share: float = 0.0
    dr_shift_cost_per_mwh: float = 0.0
    ptdf: Any = None


def build_problem(
    net: Network, profiles: Any, options: BuildOptions | None = None
) -> DispatchProblem:
    """The dispatch problem of ``net`` over the snapshots of ``profiles``."""
    o = options or BuildOptions()
    snaps = pd.DatetimeIndex(profiles.snapshots)
    if snaps.tz is None:
        snaps = snaps.tz_localize("Asia/Shanghai")
    T = len(snaps)
    for kind in ("wind_cf", "solar_cf", "load_mw", "heating", "export_pu"):
        df = getattr(profiles, kind, None)
        if df is not None and len(df) != T:
            raise InputError(
                f"profiles.{kind} has {len(df)} rows, expected {T} (one per snapshot)",
                source=net.source,
                show_value=False,
            )
    dt_h = float(np.median(np.diff(snaps.asi8)) / 3.6e12) if T > 1 else 1.0
    src = net.source
    bus = net.bus[net.bus.in_service]
    dc = net.dcline[net.dcline.in_service]
    export_cols = set(getattr(profiles, "export_pu", pd.DataFrame()).columns)
    is_export = np.array([n in export_cols for n in dc.index], dtype=bool)
    sinks = set(dc.to_bus[is_export])
    external = set(bus.index[bus.zone.isin(o.external_zones)])
    internal = [b for b in bus.index if b not in sinks and b not in external]
    keep = dc.from_bus.isin(internal).to_numpy()  # links fed from outside are not modelled
    dc, is_export = dc[keep], is_export[keep]
    zone_of = {b: (bus.zone[b] or "(none)") for b in bus.index}
    node_names, node_of = _nodes(o.network, internal, zone_of, src)
    N = len(node_names)

    load = _load(net, profiles, internal, zone_of, node_of, N, T, src)
    nodes = Nodes(
        np.asarray(node_names, dtype=object),
        load,
        np.full(N, float(o.voll_per_mwh)),
        float(o.loss_factor),
    )

    gen = net.gen[net.gen.in_service & net.gen.bus.isin(internal)]
    fuel = gen.fuel.str.lower()
    gzone = [gen.zone[g] or zone_of[gen.bus[g]] for g in gen.index]
    gnode = np.array([node_of[b] for b in gen.bus], dtype=np.int64)
    for g in gen.index:
        if not np.isfinite(gen.max_p_mw[g]) and fuel[g] not in o.exchange_fuels:
            raise InputError(
                "must be given for the dispatch",
                source=src,
                table="gen",
                element=g,
                field="max_p_mw",
                value=gen.max_p_mw[g],
            )
    online = _commissioned(gen, snaps, src)
    kinds = np.where(
        fuel.isin(RENEWABLE_PROFILE),
        "ren",
        np.where(
            fuel.isin(o.hydro_fuels),
            "hydro",
            np.where(fuel.isin(o.exchange_fuels), "ext", "thermal"),
        ),
    )
    heating = getattr(profiles, "heating", None)

    def pick(kind: str) -> Arr:
        return np.flatnonzero(kinds == kind)

    ti, ri, hi, xi = pick("thermal"), pick("ren"), pick("hydro"), pick("ext")
    pmax = gen.max_p_mw.to_numpy(float)
    pmin = gen.min_p_mw.to_numpy(float)

    def col(name: str, idx: Arr) -> Arr:
        return gen[name].to_numpy()[idx]

    chp_floor = np.zeros((T, ti.size))
    if o.chp_floor and ti.size:
        chp = col("chp", ti).astype(bool) & (col("chp_min_share", ti) > 0)
        if chp.any():
            if heating is None:
                raise InputError(
                    "profiles have no 'heating' table but CHP units exist",
                    source=src,
                    table="gen",
                    show_value=False,
                )
            h = _zone_matrix(heating, [gzone[i] for i in ti], "heating", gen.index[ti], src)
            chp_floor = (
                h.astype(float) * (chp * col("chp_min_share", ti) * pmax[ti]) * online[:, ti]
            )
    with np.errstate(invalid="ignore", divide="ignore"):
        pmin_share = np.clip(np.nan_to_num(pmin[ti] / pmax[ti]), 0.0, 1.0)
    thermal = Thermal.make(
        T,
        gen.index[ti],
        node=gnode[ti],
        fuel=fuel.to_numpy()[ti],
        p_max_mw=pmax[ti],
        avail_pu=online[:, ti],
        p_min_share=pmin_share,
        ramp_pu_per_h=col("ramp_pu_per_h", ti),
        cost_per_mwh=col("cost_per_mwh", ti),
        startup_cost_per_mw=col("startup_cost_per_mw", ti),
        coal_gce_per_kwh=col("coal_gce_per_kwh", ti),
        co2_t_per_mwh=col("co2_t_per_mwh", ti),
        must_run_mw=chp_floor,
    )

    cf = np.zeros((T, ri.size))
    for j, i in enumerate(ri):
        table = RENEWABLE_PROFILE[fuel.iloc[i]]
        df = getattr(profiles, table, None)
        if df is None:
            raise InputError(
                f"profiles have no '{table}' table",
                source=src,
                table="gen",
                element=gen.index[i],
                show_value=False,
            )
        cf[:, j] = _zone_matrix(df, [gzone[i]], table, [gen.index[i]], src)[:, 0]
    renewable = Renewable.make(
        T,
        gen.index[ri],
        node=gnode[ri],
        fuel=fuel.to_numpy()[ri],
        capacity_mw=pmax[ri],
        available_mw=cf * pmax[ri] * online[:, ri],
        cost_per_mwh=col("cost_per_mwh", ri) - o.renewable_priority_per_mwh,
    )

    flh = np.array([o.energy_budget_flh.get(f, np.nan) for f in fuel.to_numpy()[hi]], float)
    hydro = Hydro.make(
        T,
        gen.index[hi],
        node=gnode[hi],
        fuel=fuel.to_numpy()[hi],
        p_max_mw=pmax[hi] * online[:, hi],
        p_min_mw=np.maximum(pmin[hi], 0.0) * online[:, hi],
        energy_mwh=flh * pmax[hi] * T * dt_h / 8760.0,
        cost_per_mwh=col("cost_per_mwh", hi),
    )

    st = net.storage[net.storage.in_service & net.storage.bus.isin(internal)]
    storage = Storage.make(
        T,
        st.index,
        node=[node_of[b] for b in st.bus],
        storage_kind=st.kind.to_numpy(),
        p_max_mw=st.max_p_mw.to_numpy(float),
        e_max_mwh=st.max_e_mwh.to_numpy(float),
        eff_charge=st.eff_charge.to_numpy(float),
        eff_discharge=st.eff_discharge.to_numpy(float),
        soc0_mwh=(st.soc_init * st.max_e_mwh).to_numpy(float),
        cyclic=o.storage_cyclic,
    )

    peak = load.max(axis=0, initial=0.0)
    cur_on = np.flatnonzero(peak * o.dr_curtailable_share > 0)
    curtailable = CurtailableLoad.make(
        T,
        [f"dr_curtail_{node_names[k]}" for k in cur_on],
        node=cur_on,
        p_max_mw=peak[cur_on] * o.dr_curtailable_share,
        energy_mwh=peak[cur_on] * o.dr_curtailable_share * o.dr_curtailable_hours,
        cost_per_mwh=o.dr_curtailable_cost_per_mwh,
    )
    sh_on = np.flatnonzero(peak * o.dr_shiftable_share > 0)
    shiftable = ShiftableLoad.make(
        T,
        [f"dr_shift_{node_names[k]}" for k in sh_on],
        node=sh_on,
        p_max_mw=peak[sh_on] * o.dr_shiftable_share,
        cost_per_mwh=o.dr_shift_cost_per_mwh,
    )

    links = _links(dc, is_export, profiles, node_of, T, o, src)
    exchange = _exchange(net, gen, xi, gnode, internal, external, node_of, node_names, T, o)
    branches, ptdf = _branches(net, internal, node_of, node_names, o, src)
    prob = DispatchProblem(
        snapshots_ns=snaps.tz_convert("UTC").asi8.astype(np.int64),
        tz=str(snaps.tz),
        nodes=nodes,
        thermal=thermal,
        renewable=renewable,
        hydro=hydro,
        storage=storage,
        curtailable=curtailable,
        shiftable=shiftable,
        links=links,
        exchange=exchange,
        branches=branches,
        network=o.network,
        ptdf=ptdf,
        dt_h=dt_h,
        name=net.name,
        meta={"source": src or "", "build_options": repr(o)},
    )
    prob.check()
    return prob


def _nodes(
    model: str, internal: list[str], zone_of: dict[str, str], src: str | None
) -> tuple[list[str], dict[str, int]]:
    if model == "copperplate":
        return ["system"], {b: 0 for b in internal}
    if model == "transport":
        names = list(dict.fromkeys(zone_of[b] for b in internal))
        return names, {b: names.index(zone_of[b]) for b in internal}
    if model == "ptdf":
        return list(internal), {b: i for i, b in enumerate(internal)}
    raise InputError(
        "must be 'copperplate', 'transport' or 'ptdf'", source=src, field="network", value=model
    )


def _zone_matrix(
    df: pd.DataFrame, zones: list[str], table: str, names: Any, src: str | None
) -> Arr:
    """Columns of ``df`` for ``zones`` (T x len(zones)); a one-column table fits all."""
    cols = []
    for z, name in zip(zones, names):
        if z in df.columns:
            cols.append(df[z].to_numpy())
        elif df.shape[1] == 1:
            cols.append(df.iloc[:, 0].to_numpy())
        else:
            raise InputError(
                f"has no column for zone '{z}' in profiles.{table} (columns: {list(df.columns)})",
                source=src,
                table="gen",
                element=name,
                field="zone",
                value=z,
            )
    return np.column_stack(cols) if cols else np.zeros((len(df), 0))


def _load(
    net: Network,
    profiles: Any,
    internal: list[str],
    zone_of: dict[str, str],
    node_of: dict[str, int],
    N: int,
    T: int,
    src: str | None,
) -> Arr:
    """Node load (T x N, MW) from the zone load profiles."""
    df = profiles.load_mw
    out = np.zeros((T, N))
    ld = net.load[net.load.in_service & net.load.bus.isin(internal)]
    weight = ld.groupby("bus")["p_mw"].sum()
    for colname in df.columns:
        buses = [b for b in internal if zone_of[b] == colname]
        if not buses and df.shape[1] == 1:
            buses = list(internal)
        if not buses:
            raise InputError(
                f"profiles.load_mw column '{colname}' matches no zone "
                f"(zones: {sorted(set(zone_of.values()))})",
                source=src,
                show_value=False,
            )
        w = np.array([max(float(weight.get(b, 0.0)), 0.0) for b in buses])
        w = w / w.sum() if w.sum() > 0 else np.full(len(buses), 1.0 / len(buses))
        series = df[colname].to_numpy(float)
        for b, share in zip(buses, w):
            out[:, node_of[b]] += series * share
    return out


def _commissioned(gen: pd.DataFrame, snaps: pd.DatetimeIndex, src: str | None) -> Arr:
    """1.0 from each unit's commission_date on (T x G)."""
    out = np.ones((len(snaps), len(gen)))
    for j, (name, date) in enumerate(gen.commission_date.items()):
        if date:
            try:
                ts = pd.Timestamp(date)
            except ValueError:
                raise InputError(
                    "must be an ISO date",
                    source=src,
                    table="gen",
                    element=name,
                    field="commission_date",
                    value=date,
                ) from None
            ts = ts.tz_localize(snaps.tz) if ts.tz is None else ts
            out[:, j] = (snaps >= ts).astype(float)
    return out


def _links(
    dc: pd.DataFrame,
    is_export: Arr,
    profiles: Any,
    node_of: dict[str, int],
    T: int,
    o: BuildOptions,
    src: str | None,
) -> Links:
    rating = dc.max_p_mw.to_numpy(float)
    for name, r in zip(dc.index, rating):
        if not np.isfinite(r):
            raise InputError(
                "must be given for the dispatch",
                source=src,
                table="dcline",
                element=name,
                field="max_p_mw",
                value=r,
            )
    p_min = np.zeros((T, len(dc)))
    p_max = np.broadcast_to(rating, (T, len(dc))).copy()
    for j, name in enumerate(dc.index):
        if is_export[j]:
            pu = profiles.export_pu[name].to_numpy(float)
            p_min[:, j] = np.clip(pu - o.export_band_pu, 0.0, 1.0) * rating[j]
            p_max[:, j] = np.clip(pu + o.export_band_pu, 0.0, 1.0) * rating[j]
    value = o.export_value_per_mwh
    val = np.array(
        [value.get(n, 0.0) if isinstance(value, Mapping) else value for n in dc.index], dtype=float
    )
    return Links.make(
        T,
        dc.index,
        node=[node_of.get(b, -1) for b in dc.from_bus],
        to_node=[-1 if is_export[j] else node_of.get(b, -1) for j, b in enumerate(dc.to_bus)],
        p_min_mw=p_min,
        p_max_mw=p_max,
        rating_mw=rating,
        ramp_mw_per_h=o.export_ramp_pu_per_h * rating * is_export
        + np.where(is_export, 0.0, np.nan),
        energy_min_mwh=[o.export_energy_mwh.get(n, np.nan) for n in dc.index],
        loss_share=dc.loss_percent.to_numpy(float) / 100.0,
        loss_fixed_mw=dc.loss_mw.to_numpy(float),
        value_per_mwh=val,
    )


def _rating_mw(net: Network, kind: str, df: pd.DataFrame) -> Arr:
    if kind == "line":
        vn = net.bus.vn_kv.reindex(df.from_bus).to_numpy(float)
        r = np.sqrt(3.0) * vn * df.max_i_ka.to_numpy(float) * df.parallel.to_numpy(float)
    else:
        r = (df.sn_mva * df.parallel * df.max_loading_percent / 100.0).to_numpy(float)
    return np.where(np.isfinite(r), r, np.inf)


def _branch_tables(net: Network, internal: list[str]) -> list[tuple[str, Arr, Arr, Arr, Arr]]:
    """(name, from, to, rating_mw, x_pu) of in-service lines and trafos between nodes."""
    ok = set(internal)
    out = []
    ln = net.line[net.line.in_service & net.line.from_bus.isin(ok) & net.line.to_bus.isin(ok)]
    if len(ln):
        vn = net.bus.vn_kv.reindex(ln.from_bus).to_numpy(float)
        x = (ln.x_ohm_per_km * ln.length_km / ln.parallel).to_numpy(float) / (vn**2 / net.sn_mva)
        out.append(
            (
                ln.index.to_numpy(),
                ln.from_bus.to_numpy(),
                ln.to_bus.to_numpy(),
                _rating_mw(net, "line", ln),
                x,
            )
        )
    tr = net.trafo[net.trafo.in_service & net.trafo.hv_bus.isin(ok) & net.trafo.lv_bus.isin(ok)]
    if len(tr):
        x = (tr.vk_percent / 100.0 * net.sn_mva / tr.sn_mva / tr.parallel).to_numpy(float)
        out.append(
            (
                tr.index.to_numpy(),
                tr.hv_bus.to_numpy(),
                tr.lv_bus.to_numpy(),
                _rating_mw(net, "trafo", tr),
                x,
            )
        )
    return out


def _branches(
    net: Network,
    internal: list[str],
    node_of: dict[str, int],
    node_names: list[str],
    o: BuildOptions,
    src: str | None,
) -> tuple[Branches, Arr | None]:
    if o.network == "copperplate":
        return Branches.make(1), None
    parts = _branch_tables(net, internal)
    names = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=object)
    fn = np.array([node_of[b] for p in parts for b in p[1]], dtype=np.int64)
    tn = np.array([node_of[b] for p in parts for b in p[2]], dtype=np.int64)
    rating = np.concatenate([p[3] for p in parts]) if parts else np.zeros(0)
    x = np.concatenate([p[4] for p in parts]) if parts else np.zeros(0)
    if o.network == "transport":
        keep = fn != tn
        a, b = np.minimum(fn, tn)[keep], np.maximum(fn, tn)[keep]
        pairs = sorted(set(zip(a.tolist(), b.tolist())))
        cap = [float(rating[keep][(a == i) & (b == j)].sum()) for i, j in pairs]
        return Branches.make(
            1,
            [f"{node_names[i]}-{node_names[j]}" for i, j in pairs],
            node=[i for i, _ in pairs],
            to_node=[j for _, j in pairs],
            p_max_mw=cap,
            loss_share=o.transport_loss_share,
        ), None
    if (x <= 0).any() or not np.isfinite(x).all():
        bad = names[~((x > 0) & np.isfinite(x))][0]
        raise InputError(
            "must give a positive reactance for the ptdf model",
            source=src,
            table="line",
            element=bad,
            field="x_ohm_per_km",
            show_value=False,
        )
    br = Branches.make(1, names, node=fn, to_node=tn, p_max_mw=rating, x_pu=x)
    ptdf = (
        np.asarray(o.ptdf, float)
        if o.ptdf is not None
        else dc_ptdf(len(node_names), fn, tn, x, src)
    )
    return br, ptdf


def dc_ptdf(n_nodes: int, from_node: Arr, to_node: Arr, x_pu: Arr, src: str | None = None) -> Arr:
    """DC power transfer distribution factors (K x N), node 0 as the reference.

    ``flow = PTDF @ injection`` for any injection summing to zero; raises
    :class:`InputError` if the branches do not connect all nodes.
    """
    try:
        return ptdf(n_nodes, from_node, to_node, 1.0 / np.asarray(x_pu, float), np.array([0]))
    except ArithmeticError:
        raise InputError(
            "the branches do not connect every node (islands); use the"
            " transport or copperplate model",
            source=src,
            show_value=False,
        ) from None


def _exchange(
    net: Network,
    gen: pd.DataFrame,
    xi: Arr,
    gnode: Arr,
    internal: list[str],
    external: set[str],
    node_of: dict[str, int],
    node_names: list[str],
    T: int,
    o: BuildOptions,
) -> Exchange:
    names, node, imp, exp, price = [], [], [], [], []
    for i in xi:
        names.append(gen.index[i])
        node.append(gnode[i])
        cap = gen.max_p_mw.iloc[i]
        imp.append(cap if np.isfinite(cap) else 0.0)
        exp.append(max(-float(gen.min_p_mw.iloc[i]), 0.0))
        price.append(float(gen.cost_per_mwh.iloc[i]))
    if external:
        ln = net.line[net.line.in_service]
        ties = ln[
            (ln.from_bus.isin(internal) & ln.to_bus.isin(external))
            | (ln.to_bus.isin(internal) & ln.from_bus.isin(external))
        ]
        if len(ties):
            if not np.isfinite(o.exchange_import_price_per_mwh):
                raise InputError(
                    "tie lines to external zones need BuildOptions.exchange_import_price_per_mwh",
                    table="line",
                    element=ties.index[0],
                    show_value=False,
                )
            rating = _rating_mw(net, "line", ties)
            inner = np.where(ties.from_bus.isin(internal), ties.from_bus, ties.to_bus)
            for k in sorted(set(node_of[b] for b in inner)):
                cap = float(sum(r for r, b in zip(rating, inner) if node_of[b] == k))
                names.append(f"tie_{node_names[k]}")
                node.append(k)
                imp.append(cap)
                exp.append(cap)
                price.append(o.exchange_import_price_per_mwh)
    return Exchange.make(
        T,
        names,
        node=np.asarray(node, dtype=np.int64),
        import_max_mw=imp,
        export_max_mw=exp,
        import_price_per_mwh=price,
        export_price_per_mwh=o.exchange_export_price_per_mwh,
    )
