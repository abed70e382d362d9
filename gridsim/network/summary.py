"""A short description of a network, for ``gridsim network show NAME|FILE``.

:func:`network_summary` gathers the numbers as plain, JSON-friendly data;
:func:`format_summary` renders them as text: buses by voltage level, lines (elements,
circuits, circuit-km) by voltage level, transformers, installed capacity by fuel and
zone, storage and DC links. Only in-service elements are counted, except where a table
says otherwise. External equivalents (``fuel == "ext"``) are left out of the capacity
table and counted separately.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gridsim.network.network import Network

NO_ZONE = "-"
"""Label of generators without a zone."""
NO_FUEL = "unknown"
"""Label of generators without a fuel."""


def _kv_label(kv: float) -> str:
    return f"{kv:g} kV"


def capacity_table(net: Network) -> pd.DataFrame:
    """Installed capacity (MW) of in-service, non-external generators: one row per fuel,
    one column per zone, plus a ``total`` row and column. Generators without a rating
    (NaN ``max_p_mw``) count as 0 MW."""
    g = net.gen
    g = g[g["in_service"].to_numpy(bool) & (g["fuel"] != "ext").to_numpy(bool)]
    df = pd.DataFrame(
        {
            "fuel": g["fuel"].replace("", NO_FUEL).to_numpy(),
            "zone": g["zone"].replace("", NO_ZONE).to_numpy(),
            "mw": g["max_p_mw"].fillna(0.0).to_numpy(float),
        }
    )
    table = df.pivot_table(index="fuel", columns="zone", values="mw", aggfunc="sum", fill_value=0.0)
    if table.empty:
        return pd.DataFrame({"total": [0.0]}, index=pd.Index(["total"], name="fuel"))
    table = table.reindex(columns=_zone_order(list(table.columns)))
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    table.columns.name = "zone"
    return table.astype(float)


def _zone_order(zones: list[str]) -> list[str]:
    preferred = ["north", "east", "central", "south"]
    first = [z for z in preferred if z in zones]
    return first + sorted(z for z in zones if z not in first)


def network_summary(net: Network) -> dict[str, Any]:
    """The numbers of :func:`format_summary` as a dictionary (MW, MWh, MVA, km)."""
    bus = net.bus[net.bus["in_service"].to_numpy(bool)]
    vn = net.bus["vn_kv"]
    buses = bus.groupby("vn_kv").size().sort_index(ascending=False)
    line = net.line[net.line["in_service"].to_numpy(bool)]
    lines: dict[str, dict[str, float]] = {}
    if len(line):
        kv = vn.reindex(line["from_bus"]).to_numpy(float)
        par = line["parallel"].to_numpy(float)
        km = line["length_km"].to_numpy(float)
        for level in sorted(set(kv[~np.isnan(kv)]), reverse=True):
            m = kv == level
            lines[_kv_label(level)] = {
                "elements": int(m.sum()),
                "circuits": int(par[m].sum()),
                "circuit_km": round(float((par * km)[m].sum()), 1),
            }
    tr = net.trafo[net.trafo["in_service"].to_numpy(bool)]
    trafos: dict[str, dict[str, float]] = {}
    if len(tr):
        pair = tr["vn_hv_kv"].map("{:g}".format) + "/" + tr["vn_lv_kv"].map("{:g}".format) + " kV"
        units = tr["parallel"].to_numpy(float)
        mva = tr["sn_mva"].to_numpy(float) * units
        for p in sorted(set(pair), reverse=True):
            m = (pair == p).to_numpy()
            trafos[p] = {
                "elements": int(m.sum()),
                "units": int(units[m].sum()),
                "mva": round(float(mva[m].sum()), 1),
            }
    cap = capacity_table(net)
    ext = net.gen[(net.gen["fuel"] == "ext").to_numpy(bool)]
    st = net.storage
    storage: dict[str, dict[str, float]] = {}
    for kind, grp in st.groupby("kind"):
        on = grp["in_service"].to_numpy(bool)
        storage[str(kind)] = {
            "units": len(grp),
            "mw": float(grp["max_p_mw"].sum()),
            "mwh": float(grp["max_e_mwh"].sum()),
            "in_service_mw": float(grp["max_p_mw"][on].sum()),
        }
    dc = net.dcline
    dclines = {
        str(n): {
            "from_bus": str(r.from_bus),
            "to_bus": str(r.to_bus),
            "max_p_mw": float(r.max_p_mw),
            "p_mw": float(r.p_mw),
            "vn_dc_kv": float(r.vn_dc_kv),
            "in_service": bool(r.in_service),
        }
        for n, r in dc.iterrows()
    }
    dc_on = dc[dc["in_service"].to_numpy(bool)]
    return {
        "name": net.name,
        "source": net.source,
        "elements": net.summary(),
        "buses_by_kv": {_kv_label(k): int(n) for k, n in buses.items()},
        "lines_by_kv": lines,
        "trafos": trafos,
        "capacity_mw": {f: {z: float(cap.at[f, z]) for z in cap.columns} for f in cap.index},
        "capacity_total_mw": float(cap.at["total", "total"]),
        "external_equivalents": len(ext),
        "storage": storage,
        "dclines": dclines,
        "dc_export_capability_mw": float(dc_on["max_p_mw"].fillna(0.0).sum()),
        "load_mw": float(net.load["p_mw"][net.load["in_service"].to_numpy(bool)].sum()),
    }


def format_summary(net: Network) -> str:
    """A text summary of ``net`` (what ``gridsim network show`` prints)."""
    s = network_summary(net)
    out = [f"network {s['name'] or '(unnamed)'}" + (f"  ({s['source']})" if s["source"] else "")]
    out.append("elements: " + ", ".join(f"{n} {t}" for t, n in s["elements"].items() if n))
    out.append("")
    out.append("buses:   " + ", ".join(f"{k}: {n}" for k, n in s["buses_by_kv"].items()))
    if s["lines_by_kv"]:
        out.append("lines:")
        for k, v in s["lines_by_kv"].items():
            out.append(
                f"  {k:>8}  {v['elements']:4d} elements  {v['circuits']:4d} circuits"
                f"  {v['circuit_km']:10,.1f} circuit-km"
            )
    if s["trafos"]:
        out.append("transformers:")
        for k, v in s["trafos"].items():
            out.append(
                f"  {k:>12}  {v['elements']:4d} elements  {v['units']:4d} units"
                f"  {v['mva']:10,.0f} MVA"
            )
    out.append("")
    out.append("installed capacity (MW) by fuel and zone, in-service units:")
    cap = capacity_table(net)
    out.append(cap.to_string(float_format=lambda x: f"{x:,.0f}"))
    if s["external_equivalents"]:
        out.append(f"({s['external_equivalents']} external equivalent generators not counted)")
    if s["storage"]:
        out.append("")
        out.append("storage:")
        for k, v in s["storage"].items():
            off = v["mw"] - v["in_service_mw"]
            note = f"  ({off:,.0f} MW out of service)" if off > 0 else ""
            out.append(
                f"  {k:<14} {v['units']:3d} units  {v['mw']:9,.0f} MW  {v['mwh']:10,.0f} MWh{note}"
            )
    if s["dclines"]:
        out.append("")
        out.append("DC links:")
        for n, v in s["dclines"].items():
            state = "" if v["in_service"] else "  (out of service)"
            kv = f"±{v['vn_dc_kv']:g} kV" if np.isfinite(v["vn_dc_kv"]) else ""
            out.append(
                f"  {n:<12} {v['max_p_mw']:8,.0f} MW  {kv:>10}  from {v['from_bus']}"
                f" to {v['to_bus']}  set-point {v['p_mw']:,.0f} MW{state}"
            )
        out.append(f"  DC export capability: {s['dc_export_capability_mw']:,.0f} MW")
    out.append("")
    out.append(f"load (set-points): {s['load_mw']:,.0f} MW")
    return "\n".join(out)
