"""Data -> problem: map a Network and hourly profiles to a DispatchProblem (layer 1).

This is the only place that reads Network tables and profile DataFrames for the
dispatch. The profile object is duck-typed: anything with ``snapshots`` (hourly
DatetimeIndex) and DataFrames ``wind_cf``, ``solar_cf``, ``load_mw`` (T x zone),
``heating`` (T x zone, bool) and ``export_pu`` (T x DC link, pu of rating) works.
A table that no element needs may be missing (or None).

Mapping rules
-------------
* nodes: one (``copperplate``), bus zones (``transport``) or buses (``ptdf``);
  buses in ``external_zones`` and receiving buses of export links are not nodes.
* generators by ``role`` (or, where it is empty, by ``fuel``: wind/solar/pv
  renewable, hydro/biomass hydro, ``ext`` exchange, anything else thermal):
  renewable -> available = cf x max_p_mw; hydro -> hydro group (optional energy
  budget in full-load hours); exchange -> AC exchange (import <= max_p_mw at
  cost_per_mwh, export <= -min_p_mw); shedding -> curtailable load (<= max_p_mw at
  cost_per_mwh); thermal -> thermal clusters.
* series per element: a column named after a generator (in ``wind_cf``,
  ``solar_cf``, ``heating``) or a load (in ``load_mw``) is that element's own series
  and overrides its zone's column (:func:`~gridsim.dispatch.build_units.element_columns`).
* ``commission_date`` / ``decommission_date`` (gen, storage, dcline, line, trafo): an
  element is in service from the first local date on and out from the second
  (:mod:`~gridsim.dispatch.build_dates`): generators' availability, storage power and
  energy, link capacity and branch ratings are zero outside; the ptdf model then has
  one PTDF per topology period (:func:`~gridsim.dispatch.build_grid.topology_ptdfs`).
* CHP floor = chp_min_share x max_p_mw in hours where heating[zone] is True.
* load: a column of ``load_mw`` named after a load is that load's demand (MW, its
  ``p_mw`` unused); a zone's column is spread over the zone's other loads in
  proportion to their ``p_mw`` (equally over its buses if the zone has no loads);
  a single column stands for the whole system. A load without a series raises.
* DC lines named in ``export_pu`` are exports (p = export_pu x rating, widened
  by ``export_band_pu``); the others are internal links between nodes.
* tie lines from a node to a bus in ``external_zones`` add AC exchange capacity
  (their rating), priced at ``exchange_import_price_per_mwh`` (then required).
* options that act on groups after their data is mapped (thermal floors, total AC
  exchange limits, flat export blocks, reserve requirements) are
  :class:`BuildOptions` fields, applied by the group's builder.

The builders: :mod:`gridsim.dispatch.build_units` (thermal, renewables, hydro,
storage, demand response, reserves) and :mod:`gridsim.dispatch.build_grid` (nodes,
load, DC links, AC exchange, branches, PTDF).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gridsim.dispatch import build_grid as grid
from gridsim.dispatch import build_units as units
from gridsim.dispatch.build_grid import dc_ptdf
from gridsim.dispatch.build_options import BuildContext, BuildOptions, ThermalFloor
from gridsim.dispatch.build_stability import dc_support_groups
from gridsim.dispatch.problem import DispatchProblem, Nodes
from gridsim.errors import InputError
from gridsim.network.network import Network

Arr = np.ndarray
PROFILE_TABLES = ("wind_cf", "solar_cf", "load_mw", "heating", "export_pu")


def build_problem(
    net: Network, profiles: Any, options: BuildOptions | None = None
) -> DispatchProblem:
    """The dispatch problem of ``net`` over the snapshots of ``profiles``."""
    o = options or BuildOptions()
    ctx, dc, is_export = _context(net, profiles, o)
    load = grid.node_load(net, profiles, ctx.internal, ctx.zone_of, ctx.node_of, len(ctx.node_names), ctx.T, ctx.src)  # fmt: skip
    nodes = Nodes(
        np.asarray(ctx.node_names, dtype=object),
        load,
        np.full(len(ctx.node_names), float(o.voll_per_mwh)),
        float(o.loss_factor),
    )
    thermal = units.thermal_group(ctx, profiles, o, _demand_mw(dc, is_export, profiles, load))  # groups in the order of their checks  # fmt: skip
    renewable = units.renewable_group(ctx, profiles, o)
    hydro = units.hydro_group(ctx, o)
    storage = units.storage_group(net, ctx, o)
    curtailable, shiftable = units.demand_response_groups(ctx, load, o)
    links = grid.dc_links(dc, is_export, profiles, ctx.node_of, ctx.T, o, ctx.src, ctx.snaps)
    exchange = grid.exchange(net, ctx.gen, ctx.pick("ext"), ctx.gnode, ctx.internal, _external(net, o), ctx.node_of, ctx.node_names, ctx.T, o)  # fmt: skip
    links = grid.with_flat_exports(links, exchange, ctx.T, o)
    branches, ptdf, ptdf_period = grid.branches(net, ctx.internal, ctx.node_of, ctx.node_names, o, ctx.src, ctx.snaps)  # fmt: skip
    meta: dict[str, Any] = {"source": ctx.src or "", "build_options": repr(o)}
    if o.flat_exports_mw:
        meta["ac_links"] = list(o.flat_exports_mw)
    meta["dc_links"] = [str(x) for x in net.dcline.index[net.dcline.in_service]]
    if (ctx.kinds == "shed").any():  # curtailable elements that are load shedding, not DR
        meta["shedding_units"] = [str(x) for x in ctx.gen.index[ctx.kinds == "shed"]]
    prob = DispatchProblem(
        snapshots_ns=ctx.snaps.tz_convert("UTC").asi8.astype(np.int64),
        tz=str(ctx.snaps.tz),
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
        dt_h=ctx.dt_h,
        name=net.name,
        meta=meta,
        reserves=units.reserves_group(ctx, o, thermal),
        peak_tiers=units.peak_tier_group(thermal, o),
        ptdf_period=ptdf_period,
    )
    if o.dc_support:
        prob.dc_support, prob.dc_support_units = dc_support_groups(o.dc_support, links, thermal, ctx.T, ctx.src)  # fmt: skip
    prob.check()
    return prob


def _demand_mw(dc: pd.DataFrame, is_export: Arr, profiles: Any, load: Arr) -> Arr:
    """System demand per snapshot (MW): the load plus the DC export schedules."""
    out = load.sum(axis=1)
    export_pu = getattr(profiles, "export_pu", None)
    if export_pu is None:
        return np.asarray(out, dtype=float)
    for name in dc.index[is_export]:
        out = out + export_pu[name].to_numpy(float) * float(dc.max_p_mw[name])
    return np.asarray(out, dtype=float)


def _external(net: Network, o: BuildOptions) -> set[str]:
    bus = net.bus[net.bus.in_service]
    return set(bus.index[bus.zone.isin(o.external_zones)])


def _context(net: Network, profiles: Any, o: BuildOptions) -> tuple[BuildContext, pd.DataFrame, Arr]:  # fmt: skip
    """Snapshots, nodes and in-service generators of the model; the modelled DC
    lines and which of them are exports."""
    snaps = pd.DatetimeIndex(profiles.snapshots)
    if snaps.tz is None:
        snaps = snaps.tz_localize("Asia/Shanghai")
    T = len(snaps)
    for kind in PROFILE_TABLES:
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
    export_pu = getattr(profiles, "export_pu", None)
    export_cols = set(export_pu.columns) if export_pu is not None else set()
    is_export = np.array([n in export_cols for n in dc.index], dtype=bool)
    sinks = set(dc.to_bus[is_export])
    external = _external(net, o)
    internal = [b for b in bus.index if b not in sinks and b not in external]
    keep = dc.from_bus.isin(internal).to_numpy()  # links fed from outside are not modelled
    dc, is_export = dc[keep], is_export[keep]
    zone_of = {b: (bus.zone[b] or "(none)") for b in bus.index}
    node_names, node_of = grid.node_map(o.network, internal, zone_of, src)
    gen = net.gen[net.gen.in_service & net.gen.bus.isin(internal)]
    fuel = gen.fuel.str.lower()
    kinds = units.generator_kinds(fuel, o, gen.role)
    for g, kind in zip(gen.index, kinds):
        if not np.isfinite(gen.max_p_mw[g]) and kind != "ext":
            raise InputError(
                "must be given for the dispatch",
                source=src,
                table="gen",
                element=g,
                field="max_p_mw",
                value=gen.max_p_mw[g],
            )
    ctx = BuildContext(
        snaps=snaps,
        T=T,
        dt_h=dt_h,
        src=src,
        internal=internal,
        zone_of=zone_of,
        node_names=node_names,
        node_of=node_of,
        gen=gen,
        fuel=fuel,
        gzone=[gen.zone[g] or zone_of[gen.bus[g]] for g in gen.index],
        gnode=np.array([node_of[b] for b in gen.bus], dtype=np.int64),
        online=units.fleet_in_service(units.commissioned(gen, snaps, src), gen, fuel, snaps, o),
        kinds=kinds,
    )
    return ctx, dc, is_export


__all__ = ["BuildOptions", "ThermalFloor", "build_problem", "dc_ptdf"]
