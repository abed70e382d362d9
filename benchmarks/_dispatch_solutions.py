"""Solutions of the dispatch benchmarks mapped to one set of KPIs: PyPSA's solved tables as
gridsim's result arrays, and gridsim's KPI functions on either tool's arrays (shared by
``bench_dispatch.py``; the same study functions score both tools)."""

from __future__ import annotations

from typing import Any

import numpy as np


def pypsa_arrays(p: Any, n: Any, commitment: str = "linear") -> dict[str, np.ndarray]:
    """PyPSA's solution tables as gridsim's result arrays (names as ``to_pypsa`` gives them)."""
    g = n.generators_t.p

    def cols(df: Any, names: Any) -> np.ndarray:
        names = [str(x) for x in names]
        return df[names].to_numpy(float) if names else np.zeros((p.T, 0))

    th, rn, st, sh, lk, ex, br = (
        p.thermal,
        p.renewable,
        p.storage,
        p.shiftable,
        p.links,
        p.exchange,
        p.branches,
    )
    a: dict[str, np.ndarray] = {"thermal_p_mw": cols(g, th.names)}
    if commitment == "linear":
        a["thermal_u_mw"] = cols(n.generators_t.status, th.names) * th.p_max_mw
        a["thermal_su_mw"] = cols(n.generators_t.start_up, th.names) * th.p_max_mw
    a["renewable_p_mw"] = cols(g, rn.names)
    a["renewable_curtail_mw"] = np.maximum(rn.available_mw - a["renewable_p_mw"], 0.0)
    a["hydro_p_mw"] = cols(g, p.hydro.names)
    a["storage_charge_mw"] = cols(n.storage_units_t.p_store, st.names)
    a["storage_discharge_mw"] = cols(n.storage_units_t.p_dispatch, st.names)
    a["storage_soc_mwh"] = cols(n.storage_units_t.state_of_charge, st.names)
    a["dr_curtail_mw"] = cols(g, p.curtailable.names)
    a["shift_down_mw"] = cols(g, [f"{x} down" for x in sh.names])
    a["shift_up_mw"] = -cols(g, [f"{x} up" for x in sh.names])
    a["unserved_mw"] = cols(g, [f"unserved {x}" for x in p.nodes.names])
    a["load_mw"] = p.nodes.load_mw.copy()
    a["network_loss_mw"] = p.nodes.load_mw * p.nodes.loss_factor
    a["price_per_mwh"] = cols(n.buses_t.marginal_price, p.nodes.names) / p.dt_h
    a["link_p_mw"] = cols(n.links_t.p0, lk.names)
    a["link_loss_mw"] = lk.loss_share * a["link_p_mw"] + lk.loss_fixed_mw
    a["import_mw"] = cols(g, [f"{x} import" for x in ex.names])
    a["export_mw"] = -cols(g, [f"{x} export" for x in ex.names])
    if p.network == "transport" and br.n:
        f = cols(n.links_t.p0, [f"{x} fwd" for x in br.names])
        b = cols(n.links_t.p0, [f"{x} bwd" for x in br.names])
        a["flow_mw"], a["branch_loss_mw"] = f - b, br.loss_share * (f + b)
    elif p.network == "ptdf" and br.n:
        a["flow_mw"], a["branch_loss_mw"] = cols(n.lines_t.p0, br.names), np.zeros((p.T, br.n))
    else:
        a["flow_mw"], a["branch_loss_mw"] = np.zeros((p.T, br.n)), np.zeros((p.T, br.n))
    return a


KPIS = [
    ("cost of the dispatch (CNY, cost_breakdown)", "cost"),
    ("renewable utilisation (wind + solar)", "util"),
    ("wind utilisation", "util_wind"),
    ("solar utilisation", "util_solar"),
    ("wind + solar curtailed (MWh)", "curtailed"),
    ("coal generation (MWh)", "coal_mwh"),
    ("standard coal burnt (t)", "coal_t"),
    ("CO2 (t)", "co2_t"),
    ("DC exports sent (MWh)", "dc_export"),
    ("AC export block sent (MWh)", "ac_block"),
    ("AC import (MWh)", "ac_import"),
    ("storage discharge (MWh)", "discharge"),
    ("DR curtailed (MWh)", "dr"),
    ("unserved (MWh)", "unserved"),
]


def kpis(p: Any, arrays: dict[str, np.ndarray]) -> dict[str, float]:
    """The study's KPI functions (``gridsim.kpi``) on a solution's arrays, for every tool.

    Wind/solar curtailment is shared pro rata within each node (``kpi.renewable_split``):
    the LP's own split between zero-cost units is arbitrary (a degenerate optimum).
    """
    from gridsim import kpi
    from gridsim.dispatch import DispatchResult

    res = DispatchResult(p, "optimal", arrays, [])
    ex = kpi.export_mwh(res)
    return {
        "cost": res.costs()["total"],
        "util": kpi.utilisation(res),
        "util_wind": kpi.utilisation(res, "wind"),
        "util_solar": kpi.utilisation(res, "solar"),
        "curtailed": kpi.curtailed_mwh(res)["total"],
        "coal_mwh": kpi.generation_mwh(res).get("coal", float("nan")),
        "coal_t": kpi.coal_t(res),
        "co2_t": kpi.co2_t(res),
        "dc_export": ex["dc_total"],
        "ac_block": ex["ac_block"],
        "ac_import": kpi.exchange_mwh(res)["import"],
        "discharge": float(np.nansum(arrays["storage_discharge_mw"]) * p.dt_h),
        "dr": kpi.dr_used_mwh(res)["curtailed"],
        "unserved": kpi.unserved_mwh(res),
    }


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)
