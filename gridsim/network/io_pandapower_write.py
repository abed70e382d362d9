"""gridsim -> pandapower: :func:`to_pandapower` (the rules are in
:mod:`gridsim.network.io_pandapower`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.network.io_pandapower_common import _SAME, _err, _first
from gridsim.network.network import Network
from gridsim.network.schema import Q_LIMIT_MVAR
from gridsim.network.trafo_model import magnetising_pu, tap_model

if TYPE_CHECKING:
    from pandapower.auxiliary import pandapowerNet


# ----------------------------------------------------------- gridsim -> pandapower
def _arrays(df: pd.DataFrame, cols: str) -> dict[str, np.ndarray]:
    return {c: df[c].to_numpy() for c in cols.split()}


def to_pandapower(net: Network) -> pandapowerNet:
    """Convert a :class:`Network` to a pandapower net (buses indexed 0..n-1 in table order).

    A transformer with a capacitive magnetising branch (``i0_percent < 0``, which
    pandapower cannot express) gets ``i0_percent = 0`` plus two shunts named
    ``<trafo>:charging_hv/lv`` that reproduce the pi-model admittance at the present tap.
    Infinite reactive limits of gens are clipped to +-``schema.Q_LIMIT_MVAR`` (1e9 Mvar).
    """
    import pandapower as pp

    try:
        return _to_pp(pp, net)
    except InputError as err:
        raise err.with_source(net.source) if net.source else err from None


def _to_pp(pp: Any, net: Network) -> Any:
    ppn = pp.create_empty_network(name=net.name, f_hz=net.f_hz, sn_mva=net.sn_mva)
    bus = net.bus
    pos = pd.Series(np.arange(len(bus)), index=bus.index.astype(str))

    def ix(table: str, df: pd.DataFrame, col: str) -> np.ndarray:
        out = pos.reindex(df[col].astype(str).to_numpy()).to_numpy()
        if np.isnan(out).any():
            i = _first(np.isnan(out))
            raise _err("refers to an unknown bus", table, df.index[i], col, df[col].iloc[i])
        return out.astype(np.int64)

    if len(bus):
        pp.create_buses(
            ppn,
            len(bus),
            name=list(bus.index),
            index=np.arange(len(bus)),
            max_vm_pu=bus["vm_max_pu"].to_numpy(),
            min_vm_pu=bus["vm_min_pu"].to_numpy(),
            **_arrays(bus, "vn_kv zone in_service"),
        )
        ppn.bus["geo"] = [
            json.dumps({"coordinates": [float(a), float(b)], "type": "Point"})
            if np.isfinite(a) and np.isfinite(b)
            else None
            for a, b in zip(bus["geo_lon"].to_numpy(float), bus["geo_lat"].to_numpy(float))
        ]
    if len(line := net.line):
        pp.create_lines_from_parameters(
            ppn,
            ix("line", line, "from_bus"),
            ix("line", line, "to_bus"),
            name=list(line.index),
            **_arrays(
                line,
                "length_km r_ohm_per_km x_ohm_per_km c_nf_per_km g_us_per_km "
                "max_i_ka parallel in_service",
            ),
        )
    if len(net.trafo):
        _trafos_to_pp(pp, ppn, net, ix)
    if len(net.gen):
        _gens_to_pp(pp, ppn, net.gen, ix)
    for table, create in (("load", pp.create_loads), ("shunt", pp.create_shunts)):
        if len(df := net.table(table)):
            b = ix(table, df, "bus")
            extra = {"vn_kv": bus["vn_kv"].to_numpy()[b]} if table == "shunt" else {}
            create(ppn, b, name=list(df.index), **extra, **_arrays(df, "p_mw q_mvar in_service"))
    if len(dc := net.dcline):
        fb, tb = ix("dcline", dc, "from_bus"), ix("dcline", dc, "to_bus")
        for k, name in enumerate(dc.index):
            kw = {c: dc[c].iloc[k] for c in _SAME["dcline"]}
            pp.create_dcline(
                ppn,
                int(fb[k]),
                int(tb[k]),
                name=name,
                in_service=bool(dc["in_service"].iloc[k]),
                **kw,
            )
    if len(st := net.storage):
        pmax = st["max_p_mw"].to_numpy(float)
        pp.create_storages(
            ppn,
            ix("storage", st, "bus"),
            name=list(st.index),
            max_p_mw=pmax,
            min_p_mw=-pmax,
            soc_percent=st["soc_init"].to_numpy() * 100.0,
            type=list(st["kind"]),
            **_arrays(st, "p_mw max_e_mwh in_service"),
        )
    if net.meta.get("trafo_model") in ("pi", "t"):
        pp.set_user_pf_options(ppn, trafo_model=net.meta["trafo_model"])
    return ppn


def _trafos_to_pp(pp: Any, ppn: Any, net: Network, ix: Any) -> None:
    t = net.trafo
    hv, lv = ix("trafo", t, "hv_bus"), ix("trafo", t, "lv_bus")
    vn = net.bus["vn_kv"].to_numpy(float)
    kind = t["tap_changer_type"].to_numpy(object)
    if not np.isin(kind, ["ratio", "ideal"]).all():
        i = _first(~np.isin(kind, ["ratio", "ideal"]))
        raise _err("must be 'ratio' or 'ideal'", "trafo", t.index[i], "tap_changer_type", kind[i])
    has_tap = (t["tap_step_percent"].to_numpy() != 0) | (t["tap_step_degree"].to_numpy() != 0)
    pp_type = ["Ideal" if k == "ideal" else "Ratio" if h else None for k, h in zip(kind, has_tap)]
    cap = t["i0_percent"].to_numpy(float) < 0
    pp.create_transformers_from_parameters(
        ppn,
        hv,
        lv,
        name=list(t.index),
        tap_changer_type=pp_type,
        tap_side=list(t["tap_side"]),
        i0_percent=np.where(cap, 0.0, t["i0_percent"].to_numpy(float)),
        **_arrays(
            t,
            "sn_mva vn_hv_kv vn_lv_kv vkr_percent vk_percent pfe_kw shift_degree "
            "tap_neutral tap_pos tap_step_percent tap_step_degree max_loading_percent "
            "parallel in_service",
        ),
    )
    if cap.any():  # capacitive magnetising: pi-model shunts at the present tap
        c = t[cap]
        n_hv, n_lv, _ = tap_model(c, vn[hv[cap]], vn[lv[cap]])
        q_lv = -magnetising_pu(c, n_lv, net.sn_mva)[1] / 2 * net.sn_mva
        buses = np.concatenate([hv[cap], lv[cap]])
        pp.create_shunts(
            ppn,
            buses,
            q_mvar=np.concatenate([q_lv / (n_hv / n_lv) ** 2, q_lv]),
            p_mw=0.0,
            vn_kv=vn[buses],
            name=[f"{s}:charging_{e}" for e in ("hv", "lv") for s in c.index],
            in_service=np.tile(c["in_service"].to_numpy(bool), 2),
        )


def _gens_to_pp(pp: Any, ppn: Any, gen: pd.DataFrame, ix: Any) -> None:
    b = ix("gen", gen, "bus")
    # pandapower shares reactive power in proportion to the Q range: keep it finite
    gen = gen.assign(
        min_q_mvar=gen["min_q_mvar"].clip(-Q_LIMIT_MVAR, Q_LIMIT_MVAR),
        max_q_mvar=gen["max_q_mvar"].clip(-Q_LIMIT_MVAR, Q_LIMIT_MVAR),
    )
    slack = gen["slack"].to_numpy(bool)
    ctrl = gen["controllable"].to_numpy(bool) & ~slack
    pq = ~slack & ~ctrl
    limits = "max_q_mvar min_q_mvar max_p_mw min_p_mw"
    cost: list[tuple[str, int, float]] = []
    for k in np.flatnonzero(slack):
        r = gen.iloc[k]
        e = pp.create_ext_grid(
            ppn,
            int(b[k]),
            vm_pu=r.vm_pu,
            va_degree=r.va_degree,
            name=gen.index[k],
            in_service=bool(r.in_service),
            **{c: r[c] for c in limits.split()},
        )
        cost.append(("ext_grid", int(e), float(r.cost_per_mwh)))
    for et, m in (("gen", ctrl), ("sgen", pq)):
        if not m.any():
            continue
        g = gen[m]
        kw = _arrays(g, f"p_mw in_service {limits}")
        if et == "gen":
            idx = pp.create_gens(
                ppn,
                b[m],
                vm_pu=g["vm_pu"].to_numpy(),
                controllable=True,
                type=list(g["fuel"]),
                name=list(g.index),
                **kw,
            )
        else:
            idx = pp.create_sgens(
                ppn,
                b[m],
                q_mvar=g["q_mvar"].to_numpy(),
                controllable=False,
                name=list(g.index),
                **kw,
            )
            ppn.sgen.loc[idx, "type"] = [f or "wye" for f in g["fuel"]]
        cost += [(et, int(e), float(c)) for e, c in zip(idx, g["cost_per_mwh"])]
    cost = [c for c in cost if c[2] != 0]
    if cost:
        elements, ets, cp1 = zip(*[(c[1], c[0], c[2]) for c in cost])
        pp.create_poly_costs(ppn, list(elements), list(ets), cp1_eur_per_mw=list(cp1))
