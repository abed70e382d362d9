"""Data -> problem, the grid side: nodes, load, DC links, AC exchange, branches, PTDF.

See :mod:`gridsim.dispatch.build` for the mapping rules; each function here builds one
group of the :class:`~gridsim.dispatch.problem.DispatchProblem` from network tables.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from gridsim.dispatch.build_dates import dated, in_service_pu
from gridsim.dispatch.build_options import BuildOptions
from gridsim.dispatch.problem import Branches, Exchange, Links, array_field
from gridsim.errors import InputError
from gridsim.network.network import Network
from gridsim.powerflow.sensitivity import ptdf

Arr = np.ndarray


def node_map(
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


def node_load(
    net: Network,
    profiles: Any,
    internal: list[str],
    zone_of: dict[str, str],
    node_of: dict[str, int],
    N: int,
    T: int,
    src: str | None,
) -> Arr:
    """Node load (T x N, MW): the loads' own columns of ``load_mw``, then the zone
    columns spread over the zone's other loads in proportion to ``p_mw`` (see
    :mod:`gridsim.dispatch.build`)."""
    df = getattr(profiles, "load_mw", None)
    out = np.zeros((T, N))
    ld = net.load[net.load.in_service & net.load.bus.isin(internal)]
    if df is None or df.shape[1] == 0:
        if len(ld):
            raise InputError("has no series: the profiles have no 'load_mw' table", source=src, table="load", element=ld.index[0], show_value=False)  # fmt: skip
        return out
    cols = [str(c) for c in df.columns]
    own = ld.index.isin(cols)
    for name, bus in zip(ld.index[own], ld.bus[own]):
        out[:, node_of[bus]] += df[name].to_numpy(float)
    rest = ld[~own]
    weight = rest.groupby("bus")["p_mw"].sum()
    zones_fed: set[str] = set()
    for colname in cols:
        if colname in net.load.index:  # a load's own series (or one not in the model)
            if colname in set(zone_of.values()) and rest.bus.map(zone_of).eq(colname).any():
                raise InputError(
                    f"profiles.load_mw column '{colname}' is the series of load '{colname}' "
                    f"and the column of zone '{colname}', whose other loads read it; rename one",
                    source=src, show_value=False,
                )  # fmt: skip
            continue
        buses = [b for b in internal if zone_of[b] == colname]
        if not buses and df.shape[1] == 1:
            buses = list(internal)
        if not buses:
            raise InputError(
                f"profiles.load_mw column '{colname}' matches no zone or load "
                f"(zones: {sorted(set(zone_of.values()))})",
                source=src,
                show_value=False,
            )
        if ld.bus.isin(buses).any() and not rest.bus.isin(buses).any():
            raise InputError(
                f"profiles.load_mw column '{colname}' is the demand of a zone whose loads all "
                "have columns of their own (it would be counted twice)",
                source=src,
                show_value=False,
            )
        zones_fed.update(zone_of[b] for b in buses)
        w = np.array([max(float(weight.get(b, 0.0)), 0.0) for b in buses])
        w = w / w.sum() if w.sum() > 0 else np.full(len(buses), 1.0 / len(buses))
        series = df[colname].to_numpy(float)
        for b, share in zip(buses, w):
            out[:, node_of[b]] += series * share
    unfed = rest[~rest.bus.map(zone_of).isin(zones_fed)]
    if len(unfed):
        z = zone_of[unfed.bus.iloc[0]]
        raise InputError(
            f"has no series in profiles.load_mw: no column named after it or its zone '{z}'",
            source=src, table="load", element=unfed.index[0], show_value=False,
        )  # fmt: skip
    return out


def dc_links(
    dc: pd.DataFrame,
    is_export: Arr,
    profiles: Any,
    node_of: dict[str, int],
    T: int,
    o: BuildOptions,
    src: str | None,
    snaps: pd.DatetimeIndex | None = None,
) -> Links:
    """DC links: exports follow ``export_pu`` within ``o.export_band_pu``; every link is
    limited to zero outside its commission..decommission dates (with ``snaps``)."""
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
    avail = np.ones((T, len(dc))) if snaps is None else in_service_pu(dc, "dcline", snaps, src)
    e_max = np.array([o.export_energy_max_mwh.get(n, np.nan) for n in dc.index], dtype=float)
    weight = np.ones((T, len(dc)))
    for j, name in enumerate(dc.index):
        if is_export[j]:
            pu = profiles.export_pu[name].to_numpy(float)
            p_min[:, j] = np.clip(pu - o.export_band_pu, 0.0, 1.0) * rating[j]
            p_max[:, j] = np.clip(pu + o.export_band_pu, 0.0, 1.0) * rating[j]
            if np.isfinite(e_max[j]):
                weight[:, j] = np.clip(pu, 0.0, 1.0) * avail[:, j]
    p_min, p_max = p_min * avail, p_max * avail
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
        energy_max_mwh=e_max,
        energy_weight=weight,
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


def _branch_tables(net: Network, internal: list[str], snaps: pd.DatetimeIndex | None = None) -> list[tuple[Arr, ...]]:  # fmt: skip
    """(name, from, to, rating_mw, x_pu, avail (T x n), circuits, vn_kv, type) of in-service
    lines and trafos between nodes; ``avail`` is 1 where each is in service by its dates
    (all 1 without ``snaps``)."""
    ok = set(internal)
    out: list[tuple[Arr, ...]] = []
    T = len(snaps) if snaps is not None else 1

    def avail(table: str, df: pd.DataFrame) -> Arr:
        return (
            np.ones((T, len(df))) if snaps is None else in_service_pu(df, table, snaps, net.source)
        )

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
                avail("line", ln),
                ln.parallel.to_numpy(float),
                vn,
                np.full(len(ln), "line", dtype=object),
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
                avail("trafo", tr),
                tr.parallel.to_numpy(float),
                net.bus.vn_kv.reindex(tr.hv_bus).to_numpy(float),
                np.full(len(tr), "trafo", dtype=object),
            )
        )
    return out


def _transport_avail(rating: Arr, avail: Arr, a: Arr, b: Arr, pairs: list[tuple[int, int]]) -> Arr:
    """Share of each zone pair's rating in service (T x pairs): in-service rating over the
    full rating; a pair with an unrated (unmonitored) branch is 1 while any branch of it
    is in service."""
    out = np.ones((avail.shape[0], len(pairs)))
    for k, (i, j) in enumerate(pairs):
        m = (a == i) & (b == j)
        r, av = rating[m], avail[:, m]
        if np.isfinite(r).all() and r.sum() > 0:
            out[:, k] = (av * r).sum(axis=1) / r.sum()
        else:
            out[:, k] = (av.max(axis=1) > 0).astype(float)
    return out


def branches(
    net: Network,
    internal: list[str],
    node_of: dict[str, int],
    node_names: list[str],
    o: BuildOptions,
    src: str | None,
    snaps: pd.DatetimeIndex | None = None,
) -> tuple[Branches, Arr | None, Arr | None]:
    """Branches of the transport model (zone pairs, ratings summed, in service by the
    dates of their lines and trafos) or the ptdf model, and the PTDF: one (K, N), or with
    branches that change service within ``snaps`` one per topology period (P, K, N) and
    the period of each snapshot (:func:`topology_ptdfs`). A branch out of service
    throughout is left out."""
    T = len(snaps) if snaps is not None else 1
    if o.network == "copperplate":
        return Branches.make(T), None, None
    parts = _branch_tables(net, internal, snaps)
    names = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=object)
    fn = np.array([node_of[b] for p in parts for b in p[1]], dtype=np.int64)
    tn = np.array([node_of[b] for p in parts for b in p[2]], dtype=np.int64)
    rating = np.concatenate([p[3] for p in parts]) if parts else np.zeros(0)
    x = np.concatenate([p[4] for p in parts]) if parts else np.zeros(0)
    avail = np.concatenate([p[5] for p in parts], axis=1) if parts else np.ones((T, 0))
    if o.network == "transport":
        keep = fn != tn
        a, b = np.minimum(fn, tn)[keep], np.maximum(fn, tn)[keep]
        pairs = sorted(set(zip(a.tolist(), b.tolist())))
        cap = [float(rating[keep][(a == i) & (b == j)].sum()) for i, j in pairs]
        return (
            Branches.make(
                T,
                [f"{node_names[i]}-{node_names[j]}" for i, j in pairs],
                node=[i for i, _ in pairs],
                to_node=[j for _, j in pairs],
                p_max_mw=cap,
                loss_share=o.transport_loss_share,
                avail_pu=_transport_avail(rating[keep], avail[:, keep], a, b, pairs),
            ),
            None,
            None,
        )
    ever = avail.max(axis=0) > 0 if T else np.ones(len(names), dtype=bool)
    names, fn, tn, rating, x, avail = names[ever], fn[ever], tn[ever], rating[ever], x[ever], avail[:, ever]  # fmt: skip
    extra = {k: np.concatenate([p[j] for p in parts])[ever] if parts else np.zeros(0) for j, k in ((6, "circuits"), (7, "vn_kv"), (8, "branch_type"))}  # fmt: skip
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
    br = Branches.make(T, names, node=fn, to_node=tn, p_max_mw=rating, x_pu=x, avail_pu=avail, **extra)  # fmt: skip
    if not dated(avail).any():
        ptdf = np.asarray(o.ptdf, float) if o.ptdf is not None else dc_ptdf(len(node_names), fn, tn, x, src)  # fmt: skip
        return br, ptdf, None
    if o.ptdf is not None:
        raise InputError(
            "BuildOptions.ptdf is one PTDF, but branches change service within the snapshots "
            "(commission_date / decommission_date): leave it unset",
            source=src,
            show_value=False,
        )
    return br, *topology_ptdfs(len(node_names), fn, tn, x, avail, snaps, src)


def topology_ptdfs(n_nodes: int, from_node: Arr, to_node: Arr, x_pu: Arr, avail: Arr, snaps: pd.DatetimeIndex | None, src: str | None) -> tuple[Arr, Arr]:  # fmt: skip
    """One PTDF per topology (distinct set of branches in service, ``avail`` T x K), shape
    (P, K, N) with zero rows for the branches out of service, and the period of each
    snapshot (T,). A topology whose branches leave a node unconnected raises, naming its
    first snapshot."""
    on = avail > 0
    patterns, period = np.unique(on, axis=0, return_inverse=True)
    out = np.zeros((len(patterns), len(x_pu), n_nodes))
    for k, pat in enumerate(patterns):
        try:
            out[k][pat] = ptdf(
                n_nodes, from_node[pat], to_node[pat], 1.0 / x_pu[pat], np.array([0])
            )
        except ArithmeticError:
            t = int(np.flatnonzero(period == k)[0])
            when = f"{snaps[t]:%Y-%m-%d %H:%M}" if snaps is not None else f"snapshot {t}"
            raise InputError(
                f"from {when} the branches in service (commissioning dates) do not connect "
                "every node (islands); use the transport or copperplate model",
                source=src,
                show_value=False,
            ) from None
    return out, np.asarray(period, dtype=np.int64).ravel()


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


def exchange(
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
    ex = Exchange.make(
        T,
        names,
        node=np.asarray(node, dtype=np.int64),
        import_max_mw=imp,
        export_max_mw=exp,
        import_price_per_mwh=price,
        export_price_per_mwh=o.exchange_export_price_per_mwh,
    )
    for attr, limit in (("export_max_mw", o.exchange_export_max_mw), ("import_max_mw", o.exchange_import_max_mw)):  # fmt: skip
        cap = getattr(ex, attr)
        if limit is not None and ex.n:  # a total limit, split in proportion to capacity
            total = cap.sum(axis=1, keepdims=True)
            w = np.divide(cap, total, out=np.full_like(cap, 1.0 / ex.n), where=total > 0)
            setattr(ex, attr, w * limit)
    if o.exchange_import_price_override_per_mwh is not None:
        ex.import_price_per_mwh = np.full(ex.n, float(o.exchange_import_price_override_per_mwh))
    return ex


def with_flat_exports(links: Links, exchange: Exchange, T: int, o: BuildOptions) -> Links:
    """``links`` plus one flat, lossless export block per ``o.flat_exports_mw`` entry
    (p_min = p_max = MW), sent from the first exchange element's node (node 0 if none)."""
    if not o.flat_exports_mw:
        return links
    node = int(exchange.node[0]) if exchange.n else 0
    names = list(o.flat_exports_mw)
    mw = np.array([float(o.flat_exports_mw[n]) for n in names])
    new = Links.make(T, names, node=node, to_node=-1, p_min_mw=mw, p_max_mw=mw, rating_mw=mw)
    parts = {}
    for f in dataclasses.fields(Links):
        a, b = getattr(links, f.name), getattr(new, f.name)
        parts[f.name] = np.concatenate([a, b], axis=-1 if array_field(f).shape == "tn" else 0)
    return Links(**parts)
