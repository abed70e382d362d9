"""Key performance indicators of a power-balance run: one uniform family of pure functions.

Every KPI takes a :class:`~gridsim.dispatch.DispatchResult` (the problem's input
arrays and the solution arrays) and returns a number or a dict of numbers; none
reads a file or a constant of the Ningxia case. Sums run over the **solved hours**
only (hours of a failed window are NaN and left out), ``Δt`` is the snapshot
length in hours. Notation: ``p`` output (MW), ``A`` available wind/solar power,
``C = A − p`` curtailment, ``L`` demand of the balance nodes.

:func:`summary` gathers them for ``summary.json``; :func:`scorecard` compares the
summary with a target set (:mod:`gridsim.targets`: a TOML file of rows, by default the
shipped plan targets of :data:`gridsim.cases.DEFAULT_TARGETS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.cases import DEFAULT_TARGETS
from gridsim.dispatch import DispatchResult
from gridsim.network.network import Network
from gridsim.targets import Target, load_targets

Arr = np.ndarray
NEW_ENERGY = ("wind", "solar")
RENEWABLE = ("wind", "solar", "hydro", "biomass")


# ------------------------------------------------------------------ helpers
def solved(res: DispatchResult) -> Arr:
    """Mask (T,) of the hours with a committed solution."""
    return np.isfinite(res.arrays["unserved_mw"]).all(axis=1)


def _energy(res: DispatchResult, x: Arr) -> Arr:
    """Σ_t x_t Δt over solved hours, per column (MWh)."""
    return np.nansum(np.asarray(x)[solved(res)], axis=0) * res.problem.dt_h


def renewable_split(res: DispatchResult) -> tuple[Arr, Arr]:
    """Wind/solar output and curtailment (T, n) with each node's hourly curtailment
    shared pro rata to the units' available power: ``C_g = A_g / Σ_{k∈node} A_k ·
    Σ_{k∈node} C_k``, ``p_g = A_g − C_g``.

    Curtailing any zero-cost unit of a node is equally cheap, so the LP's own split
    between them is arbitrary (a degenerate optimum); this is the grid's rule of
    curtailing plants in proportion to their output, and it leaves every node's
    hourly balance unchanged.
    """
    rn, a = res.problem.renewable, res.arrays
    A, C = rn.available_mw, a["renewable_curtail_mw"]
    nodes = np.unique(rn.node)
    C_out = np.full_like(C, np.nan)
    for k in nodes:
        m = rn.node == k
        A_k, C_k = A[:, m], C[:, m].sum(axis=1, keepdims=True)
        tot = A_k.sum(axis=1, keepdims=True)
        share = np.divide(A_k, tot, out=np.zeros_like(A_k), where=tot > 0)
        C_out[:, m] = share * C_k
    return A - C_out, C_out


def _by(labels: Arr, values: Arr) -> dict[str, float]:
    out: dict[str, float] = {}
    for lab, v in zip(labels, values):
        out[str(lab)] = out.get(str(lab), 0.0) + float(v)
    return out


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else float("nan")


# ---------------------------------------------------------------- energy
def generation_mwh(res: DispatchResult) -> dict[str, float]:
    """Generation by type: ``E_k = Σ_t Σ_{g ∈ k} p_{g,t} Δt`` (MWh) for thermal fuels,
    wind, solar, hydro and biomass; ``total`` excludes storage discharge."""
    p, a = res.problem, res.arrays
    out: dict[str, float] = {}
    parts = ((p.thermal, a["thermal_p_mw"]), (p.renewable, renewable_split(res)[0]), (p.hydro, a["hydro_p_mw"]))  # fmt: skip
    for grp, arr in parts:
        for k, v in _by(grp.fuel, _energy(res, arr)).items():
            out[k] = out.get(k, 0.0) + v
    out["total"] = float(sum(out.values()))
    return out


def storage_mwh(res: DispatchResult) -> dict[str, dict[str, float]]:
    """Per storage kind: ``charge = Σ ch Δt``, ``discharge = Σ dis Δt``, ``losses =
    charge − discharge − (soc_end − soc_start)`` (MWh)."""
    p, a = res.problem, res.arrays
    st, mask = p.storage, solved(res)
    ch, dis = _energy(res, a["storage_charge_mw"]), _energy(res, a["storage_discharge_mw"])
    soc = a["storage_soc_mwh"][mask]
    d_soc = soc[-1] - st.soc0_mwh if len(soc) else np.zeros(st.n)
    out: dict[str, dict[str, float]] = {}
    for kind in sorted(set(map(str, st.storage_kind))):
        m = st.storage_kind == kind
        out[kind] = {
            "charge": float(ch[m].sum()),
            "discharge": float(dis[m].sum()),
            "losses": float(ch[m].sum() - dis[m].sum() - d_soc[m].sum()),
        }
    return out


def export_mwh(res: DispatchResult) -> dict[str, float]:
    """Energy sent into each export link (sending end): ``E_l = Σ_t p_{l,t} Δt`` (MWh);
    ``dc_total`` over the network's DC links, ``ac_block`` the flat AC export block,
    ``delivered_total`` = Σ ((1 − loss_share) p − loss_fixed) Δt at the receiving ends."""
    p, a = res.problem, res.arrays
    lk = p.links
    exp = lk.to_node < 0
    sent = _energy(res, a["link_p_mw"])
    ac = set(p.meta.get("ac_links", []))
    out = {str(n): float(e) for n, e, x in zip(lk.names, sent, exp) if x}
    delivered = _energy(res, (1 - lk.loss_share) * a["link_p_mw"] - lk.loss_fixed_mw)
    out["dc_total"] = float(sum(e for n, e, x in zip(lk.names, sent, exp) if x and n not in ac))
    out["ac_block"] = float(sum(e for n, e, x in zip(lk.names, sent, exp) if x and n in ac))
    out["total"] = out["dc_total"] + out["ac_block"]
    out["delivered_total"] = float(delivered[exp].sum())
    return out


def exchange_mwh(res: DispatchResult) -> dict[str, float]:
    """AC exchange with neighbours outside the block: ``import = Σ imp Δt``,
    ``export = Σ exp Δt``, ``net_export = export − import`` (MWh)."""
    a = res.arrays
    imp, exp = float(_energy(res, a["import_mw"]).sum()), float(_energy(res, a["export_mw"]).sum())
    return {"import": imp, "export": exp, "net_export": exp - imp}


def demand_mwh(res: DispatchResult) -> float:
    """Demand of the balance nodes: ``Σ_t Σ_n L_{n,t} Δt`` (MWh, without network losses)."""
    return float(_energy(res, res.arrays["load_mw"]).sum())


def consumption_mwh(res: DispatchResult) -> float:
    """Consumption served: ``demand − unserved − DR curtailed`` (MWh; daily shifts net to 0)."""
    a = res.arrays
    lost = _energy(res, a["unserved_mw"]).sum() + _energy(res, a["dr_curtail_mw"]).sum()
    return demand_mwh(res) - float(lost)


def network_loss_mwh(res: DispatchResult) -> float:
    """Losses: ``Σ L·loss_factor Δt`` + DC losses of internal links + transport losses (MWh)."""
    a, lk = res.arrays, res.problem.links
    internal = _energy(res, a["link_loss_mw"])[lk.to_node >= 0].sum()
    return float(
        _energy(res, a["network_loss_mw"]).sum()
        + internal
        + _energy(res, a["branch_loss_mw"]).sum()
    )


def available_mwh(res: DispatchResult) -> dict[str, float]:
    """Available wind and solar energy: ``Σ_t A_{g,t} Δt`` by fuel and ``total`` (MWh)."""
    rn = res.problem.renewable
    out = _by(rn.fuel, _energy(res, rn.available_mw))
    out["total"] = float(sum(out.values()))
    return out


def curtailed_mwh(res: DispatchResult) -> dict[str, float]:
    """Curtailed wind and solar energy: ``Σ_t C Δt`` by fuel and ``total`` (MWh), with
    ``C`` shared pro rata within each node (:func:`renewable_split`)."""
    out = _by(res.problem.renewable.fuel, _energy(res, renewable_split(res)[1]))
    out["total"] = float(sum(out.values()))
    return out


def utilisation(res: DispatchResult, fuel: str | None = None) -> float:
    """Utilisation rate (新能源利用率): ``G / (G + C)`` with ``G`` generated and ``C``
    curtailed energy of wind and solar together (``fuel=None``) or of one fuel
    (curtailment shared pro rata within each node, :func:`renewable_split`)."""
    rn = res.problem.renewable
    m = np.ones(rn.n, bool) if fuel is None else rn.fuel == fuel
    p, c_arr = renewable_split(res)
    g = float(_energy(res, p)[m].sum())
    c = float(_energy(res, c_arr)[m].sum())
    return _ratio(g, g + c)


def curtailment_by_cause(
    res: DispatchResult,
    copperplate: DispatchResult | None = None,
    unsecured: DispatchResult | None = None,
) -> dict[str, Any]:
    """Curtailment split into N-1 ``security``, ``network`` congestion (thermal limits)
    and system ``balance`` (minimum generation, must-run, storage and export limits), MWh.

    Method: re-runs that relax one layer at a time. A run with N-1 security is re-run
    without it (``unsecured``); that, or the run itself, is re-run on a copper plate
    (no transfer limits). ``security = max(C_run − C_unsecured, 0)``, ``network =
    max(C_unsecured − C_cp, 0)``, ``balance`` the rest. Totals over the year, not hour
    by hour: storage and budgets move curtailment between hours. A run without
    security has ``security = 0``, a copper-plate run ``network = 0``.
    """
    total = curtailed_mwh(res)["total"]
    nan = float("nan")
    secure = res.options.get("security", "none") != "none"
    if res.problem.network == "copperplate":
        return {"total": total, "network": 0.0, "security": 0.0, "balance": total, "method": "copper plate run"}  # fmt: skip
    if secure and unsecured is not None and unsecured.ok:
        before = curtailed_mwh(unsecured)["total"]
        security = max(total - before, 0.0)
    elif secure:
        before, security = nan, nan
    else:
        before, security = total, 0.0
    if copperplate is None or not copperplate.ok:
        return {"total": total, "network": nan, "security": security, "balance": nan, "method": "no copper-plate re-run"}  # fmt: skip
    cp = curtailed_mwh(copperplate)["total"]
    network = max(before - cp, 0.0)
    out = {
        "total": total,
        "network": network,
        "security": security,
        "balance": total - network - security,
        "copperplate_total": cp,
        "method": "difference against a copper-plate re-run"
        + (" and a re-run without N-1 security" if secure else ""),
    }
    if secure:
        out["unsecured_total"] = before
    return out


def binding_branches(res: DispatchResult, top: int = 10) -> dict[str, Any]:
    """The ``top`` branches most often at a limit (solved hours): per branch
    ``base_hours`` at its rating, ``n1_hours`` at its post-contingency limit (N-1
    security) and ``n1_outage``, the outage that puts it there most often
    (:func:`gridsim.dispatch.security.binding_table`); ``islanding_outages``: the
    contingencies skipped because they split the network."""
    from gridsim.dispatch.security import SecurityCuts, binding_table, options_sets

    p = res.problem
    if p.network not in ("ptdf", "transport") or not p.branches.n:
        return {"security": "none", "branches": [], "islanding_outages": []}
    sets = options_sets(p, res.options) if p.network == "ptdf" else None
    tab = binding_table(p, sets, res.arrays["flow_mw"]).head(top)
    rows = [{"branch": str(k), **{c: (v.item() if hasattr(v, "item") else v) for c, v in r.items()}} for k, r in tab.iterrows()]  # fmt: skip
    island = SecurityCuts(p, sets).islanding if sets is not None else []
    return {"security": res.options.get("security", "none"), "branches": rows, "islanding_outages": island}  # fmt: skip


# ------------------------------------------------------------- peak shaving
def system_terms(res: DispatchResult) -> pd.DataFrame:
    """Hourly system totals (MW) of the balance, solved hours only. ``net_load`` =
    demand·(1 + loss_factor) + sent exports − available wind and solar; the other
    columns meet it: ``net_load = thermal + hydro + battery + pumped_hydro +
    demand_response + exchange − curtailment + unserved + other`` (``other``: losses
    of internal links and zone transfers)."""
    p, a = res.problem, res.arrays
    m = solved(res)
    st = p.storage
    lk_exp = p.links.to_node < 0

    def s(name: str, cols: Arr | None = None) -> Arr:
        x = a[name][m]
        return (x if cols is None else x[:, cols]).sum(axis=1)

    bat = st.storage_kind == "battery"
    net_st = a["storage_discharge_mw"][m] - a["storage_charge_mw"][m]
    df = pd.DataFrame(
        {
            "net_load": s("load_mw") * (1 + p.nodes.loss_factor)
            + s("link_p_mw", lk_exp)
            - p.renewable.available_mw[m].sum(axis=1),
            "thermal": s("thermal_p_mw"),
            "hydro": s("hydro_p_mw"),
            "battery": net_st[:, bat].sum(axis=1),
            "pumped_hydro": net_st[:, ~bat].sum(axis=1),
            "demand_response": s("dr_curtail_mw") + s("shift_down_mw") - s("shift_up_mw"),
            "exchange": s("import_mw") - s("export_mw"),
            "curtailment": -s("renewable_curtail_mw"),
            "unserved": s("unserved_mw"),
        },
        index=p.snapshots[m],
    )
    df["other"] = df["net_load"] - df.drop(columns="net_load").sum(axis=1)
    return df


def peak_shaving(res: DispatchResult) -> dict[str, Any]:
    """Daily net-load swing and how it is met (调峰).

    Per local day ``d``: ``swing_d = NL(t_max) − NL(t_min)`` with ``t_max``/``t_min``
    the hours of the day's highest and lowest net load (see :func:`system_terms`).
    Each resource's contribution is its change between those two hours, so the
    contributions add up to the swing exactly; ``met_by`` is ``Σ_d Δx_d / Σ_d swing_d``
    (curtailment counts positive when it absorbs the valley). The deepest thermal
    minimum is ``min_t Σp / Σu`` (committed) and ``min_t Σp / Σ(avail·P_max)`` (installed).
    """
    df = system_terms(res)
    if df.empty:
        return {}
    day = df.index.normalize()
    hi = df.groupby(day)["net_load"].idxmax()
    lo = df.groupby(day)["net_load"].idxmin()
    delta = df.loc[hi.to_numpy()].to_numpy() - df.loc[lo.to_numpy()].to_numpy()
    d = pd.DataFrame(delta, columns=df.columns)
    swing = d["net_load"]
    total = float(swing.sum())
    met = {c: _ratio(float(d[c].sum()), total) for c in df.columns if c != "net_load"}
    th, a, m = res.problem.thermal, res.arrays, solved(res)
    pth = a["thermal_p_mw"][m].sum(axis=1)
    cap = (th.avail_pu * th.p_max_mw)[m].sum(axis=1)
    out: dict[str, Any] = {
        "days": int(len(swing)),
        "net_load_swing_mw": {
            "mean": float(swing.mean()),
            "p95": float(swing.quantile(0.95)),
            "max": float(swing.max()),
        },
        "met_by": met,
        "thermal_min_share_of_installed": float(np.min(pth / np.where(cap > 0, cap, np.nan)))
        if th.n
        else float("nan"),
    }
    if "thermal_u_mw" in a and th.n:
        u = a["thermal_u_mw"][m].sum(axis=1)
        out["thermal_min_share_of_committed"] = float(
            np.nanmin(pth / np.where(u > 1e-6, u, np.nan))
        )
    return out


# ------------------------------------------------------------------ demand
def peak_load_mw(res: DispatchResult) -> float:
    """Maximum hourly system demand ``max_t Σ_n L_{n,t}`` (MW)."""
    return float(np.max(res.arrays["load_mw"][solved(res)].sum(axis=1), initial=0.0))


def dr_capacity_share_of_peak(res: DispatchResult) -> float:
    """Demand-response capability: ``(max_t Σ curtailable p_max + Σ shiftable p_max) /
    peak load``."""
    p = res.problem
    dr = ~np.isin(p.curtailable.names, p.meta.get("shedding_units", []))  # shedding is no DR
    cur = float(np.max(p.curtailable.p_max_mw[:, dr].sum(axis=1), initial=0.0))
    return _ratio(cur + float(p.shiftable.p_max_mw.sum()), peak_load_mw(res))


def dr_used_mwh(res: DispatchResult) -> dict[str, float]:
    """Demand response used: ``curtailed = Σ dr Δt``, ``shifted = Σ shift_down Δt`` (MWh)."""
    a = res.arrays
    return {
        "curtailed": float(_energy(res, a["dr_curtail_mw"]).sum()),
        "shifted": float(_energy(res, a["shift_down_mw"]).sum()),
    }


def unserved_mwh(res: DispatchResult) -> float:
    """Unserved energy ``Σ_t Σ_n u_{n,t} Δt`` (MWh)."""
    return float(_energy(res, res.arrays["unserved_mw"]).sum())


# ----------------------------------------------------------- coal and CO2
def coal_t(res: DispatchResult) -> float:
    """Standard coal burnt: ``Σ_g Σ_t p_{g,t} Δt · r_g / 1000`` (t; ``r`` in gce/kWh = kg/MWh)."""
    th = res.problem.thermal
    return float((_energy(res, res.arrays["thermal_p_mw"]) * th.coal_gce_per_kwh).sum() / 1e3)


def co2_t(res: DispatchResult) -> float:
    """CO2 emitted: ``Σ_g Σ_t p_{g,t} Δt · f_g`` (t; ``f`` in t/MWh)."""
    th = res.problem.thermal
    return float((_energy(res, res.arrays["thermal_p_mw"]) * th.co2_t_per_mwh).sum())


def coal_rate_gce_per_kwh(res: DispatchResult) -> float:
    """Average coal rate of thermal generation: ``coal_t · 10⁶ g / (E_thermal · 10³ kWh)``,
    over units with a coal rate (gce/kWh)."""
    th = res.problem.thermal
    e = _energy(res, res.arrays["thermal_p_mw"])
    return _ratio(coal_t(res) * 1e3, float(e[th.coal_gce_per_kwh > 0].sum()))


# --------------------------------------------------------------- shares
def new_energy_share_of_generation(res: DispatchResult) -> float:
    """``(E_wind + E_solar) / E_total`` of :func:`generation_mwh`."""
    g = generation_mwh(res)
    return _ratio(sum(g.get(f, 0.0) for f in NEW_ENERGY), g["total"])


def renewable_share_of_consumption(res: DispatchResult, non_hydro: bool = False) -> float:
    """Renewable electricity consumed in the region / consumption, exports carrying the
    average supply mix (pro rata): ``RE_local = E_RE · consumption / (E_total + import)``,
    so the share is ``E_RE / (E_total + import)``. RE = wind, solar, hydro, biomass
    (``non_hydro``: without hydro)."""
    g, imp = generation_mwh(res), exchange_mwh(res)["import"]
    fuels = [f for f in RENEWABLE if not (non_hydro and f == "hydro")]
    return _ratio(sum(g.get(f, 0.0) for f in fuels), g["total"] + imp)


def renewable_share_local_first(res: DispatchResult) -> float:
    """Upper bound of the share: renewables serve local load first,
    ``min(E_RE, consumption) / consumption``."""
    g, cons = generation_mwh(res), consumption_mwh(res)
    return _ratio(min(sum(g.get(f, 0.0) for f in RENEWABLE), cons), cons)


# ------------------------------------------------------------ cost, solver
def total_cost(res: DispatchResult) -> dict[str, float]:
    """Cost components of the committed dispatch (CNY): fuel, start-up, DR, unserved at
    VOLL, AC imports, minus export value and AC export revenue; ``total`` is their sum."""
    return res.costs()


def solver(res: DispatchResult) -> dict[str, Any]:
    """Solver status, build and solve time (s), windows, solved hours, first failure."""
    w = res.windows
    bad = next((x for x in w if x.status != "optimal"), None)
    return {
        "status": res.status,
        "time_s": float(sum(x.build_time_s + x.solve_time_s for x in w)),
        "windows": len(w),
        "solved_hours": res.solved_hours,
        "hours": res.problem.T,
        "failed_window": None if bad is None else f"{bad.index} ({bad.start} .. {bad.end})",
        "mip_gap_max": float(np.nanmax([x.mip_gap for x in w]))
        if any(np.isfinite(x.mip_gap) for x in w)
        else None,  # fmt: skip
    }


# -------------------------------------------------------------- reserves
#: Shadow price (CNY/MW per hour) above which a reserve requirement counts as binding.
RESERVE_BINDING_PRICE = 1e-6


def reserves(res: DispatchResult) -> dict[str, dict[str, float]]:
    """Per reserve requirement (solved hours): ``hours_binding`` (shadow price >
    :data:`RESERVE_BINDING_PRICE`), mean requirement (MW), mean and maximum shadow price
    (CNY/MW per hour), and ``cost_cny`` = Σ_t price_t · requirement_t · Δt, the
    first-order cost of the requirement (the LP's sensitivity of the total cost to
    scaling it); ``shortfall_mwh``, the reserve not provided (priced below the value of
    lost load), and the hours short."""
    p, a = res.problem, res.arrays
    if "reserve_price_per_mw" not in a or not p.reserves.n:
        return {}
    ok = solved(res)
    price, need = a["reserve_price_per_mw"][ok], a["reserve_requirement_mw"][ok]
    short = a["reserve_shortfall_mw"][ok] if "reserve_shortfall_mw" in a else np.zeros_like(need)
    out = {}
    for j, name in enumerate(map(str, p.reserves.names)):
        pr = price[:, j]
        out[name] = {
            "hours_binding": float(np.sum(pr > RESERVE_BINDING_PRICE)),
            "requirement_mean_mw": float(np.mean(need[:, j])) if pr.size else float("nan"),
            "price_mean_per_mw": float(np.mean(pr)) if pr.size else float("nan"),
            "price_max_per_mw": float(np.max(pr, initial=0.0)),
            "cost_cny": float(np.sum(pr * need[:, j]) * p.dt_h),
            "shortfall_mwh": float(np.nansum(short[:, j]) * p.dt_h),
            "shortfall_hours": float(np.sum(short[:, j] > 1e-6)),
        }
    return out


def dc_stability(res: DispatchResult) -> dict[str, dict[str, float]]:
    """Per DC link with a sending-end stability rule (:mod:`gridsim.dispatch.stability`),
    over the solved hours: ``hours_binding`` (shadow price > :data:`RESERVE_BINDING_PRICE`);
    ``near_committed_mw_binding`` / ``near_committed_mw_mean``, the committed capacity of
    its near units in those hours / in all hours (MW: in a binding hour it is what the
    rule holds on); mean and maximum shadow price per MVA and, times ``1/x``, per MW
    committed near the converter (CNY per hour; also the mean over the binding hours); ``cost_cny`` = Σ_t price_t · (required −
    base)_t · Δt, the first-order cost of the rule; the least short-circuit ratio reached
    (``scr_min_reached``, hours with DC power); the support short (MVAh) and its hours."""
    from gridsim.dispatch.stability import near_mw_per_rule

    p, a = res.problem, res.arrays
    ds, du = p.dc_support, p.dc_support_units
    if not ds.n or "dc_support_price_per_mva" not in a or "thermal_u_mw" not in a:
        return {}
    ok = solved(res)
    price, need = a["dc_support_price_per_mva"][ok], a["dc_support_required_mva"][ok]
    sc, short = a["dc_support_sc_mva"][ok], a["dc_support_shortfall_mva"][ok]
    near = near_mw_per_rule(p, np.nan_to_num(a["thermal_u_mw"][ok]))
    base = ds.base_mva[ok]
    out = {}
    for j, name in enumerate(map(str, ds.names)):
        pr, bind = price[:, j], price[:, j] > RESERVE_BINDING_PRICE
        k = du.mva_per_mw[du.rule == j]
        k_mean = float(k.mean()) if k.size else float("nan")
        sent = need[:, j] > 0
        scr = sc[sent, j] * ds.scr_min[j] / need[sent, j]
        out[name] = {
            "hours_binding": float(bind.sum()),
            "near_committed_mw_binding": float(near[bind, j].mean())
            if bind.any()
            else float("nan"),
            "near_committed_mw_mean": float(near[:, j].mean()) if pr.size else float("nan"),
            "price_mean_per_mva": float(pr.mean()) if pr.size else float("nan"),
            "price_max_per_mva": max(float(pr.max(initial=0.0)), 0.0),
            "price_mean_per_mw_committed": float(pr.mean()) * k_mean if pr.size else float("nan"),
            "price_binding_mean_per_mw_committed": float(pr[bind].mean()) * k_mean
            if bind.any()
            else 0.0,  # fmt: skip
            "cost_cny": float(np.sum(pr * np.maximum(need[:, j] - base[:, j], 0.0)) * p.dt_h),
            "scr_min_reached": float(scr.min(initial=np.inf)) if scr.size else float("nan"),
            "shortfall_mvah": float(np.nansum(short[:, j]) * p.dt_h),
            "shortfall_hours": float(np.sum(short[:, j] > 1e-6)),
        }
    return out


def dc_export_capability_mw(net: Network) -> float:
    """DC export capability: ``Σ max_p_mw`` of the in-service DC links (MW)."""
    dc = net.dcline[net.dcline.in_service.astype(bool)]
    return float(dc.max_p_mw.sum())


def operating_rules(res: DispatchResult) -> dict[str, Any]:
    """What the thermal operating rules cost and take: deep peak regulation energy (MWh,
    output reduced below the normal minimum), its cost (CNY) and the hours it is used;
    the must-run floor (MWh: CHP heat load, units kept committed); the mean thermal capacity out of service (MW:
    not yet commissioned, maintenance, forced outages, CHP extraction)."""
    p, a = res.problem, res.arrays
    m = solved(res)
    tiers = a.get("peak_tier_mw")
    deep = np.zeros((p.T, 0)) if tiers is None else np.nan_to_num(tiers)
    th = p.thermal
    out_mw = (th.p_max_mw[None, :] * (1.0 - th.avail_pu * th.derate_pu)).sum(axis=1)
    return {
        "deep_peak_mwh": float(_energy(res, deep).sum()),
        "deep_peak_cost_cny": float((_energy(res, deep) * p.peak_tiers.price_per_mwh).sum()),
        "deep_peak_hours": int(((deep > 1e-6).any(axis=1) & m).sum()),
        "must_run_floor_mwh": float(_energy(res, th.must_run_mw).sum()),
        "thermal_out_of_service_mw_mean": float(out_mw[m].mean()) if m.any() else float("nan"),
    }


# -------------------------------------------------------------- summary
def summary(
    res: DispatchResult,
    net: Network | None = None,
    copperplate: DispatchResult | None = None,
    unsecured: DispatchResult | None = None,
) -> dict[str, Any]:
    """Every KPI of the run (the content of ``summary.json``); ``copperplate`` and
    ``unsecured`` are the re-runs of :func:`curtailment_by_cause`."""
    gen = generation_mwh(res)
    out: dict[str, Any] = {
        "generation_mwh": gen,
        "thermal_mwh": float(sum(v for k, v in gen.items() if k in set(res.problem.thermal.fuel))),
        "export_mwh": export_mwh(res),
        "exchange_mwh": exchange_mwh(res),
        "storage_mwh": storage_mwh(res),
        "demand_mwh": demand_mwh(res),
        "consumption_mwh": consumption_mwh(res),
        "network_loss_mwh": network_loss_mwh(res),
        "peak_load_mw": peak_load_mw(res),
        "available_mwh": available_mwh(res),
        "curtailed_mwh": curtailed_mwh(res),
        "renewable_utilisation": utilisation(res),
        "wind_utilisation": utilisation(res, "wind"),
        "solar_utilisation": utilisation(res, "solar"),
        "curtailment_by_cause": curtailment_by_cause(res, copperplate, unsecured),
        "binding_branches": binding_branches(res),
        "peak_shaving": peak_shaving(res),
        "operating_rules": operating_rules(res),
        "dr_capacity_share_of_peak": dr_capacity_share_of_peak(res),
        "dr_used_mwh": dr_used_mwh(res),
        "unserved_mwh": unserved_mwh(res),
        "coal_t": coal_t(res),
        "co2_t": co2_t(res),
        "coal_rate_gce_per_kwh": coal_rate_gce_per_kwh(res),
        "new_energy_share_of_generation": new_energy_share_of_generation(res),
        "renewable_share_of_consumption": renewable_share_of_consumption(res),
        "non_hydro_renewable_share_of_consumption": renewable_share_of_consumption(res, True),
        "renewable_share_of_consumption_local_first": renewable_share_local_first(res),
        "total_cost": total_cost(res),
        "reserves": reserves(res),
        "dc_stability": dc_stability(res),
        "solver": solver(res),
    }
    if net is not None:
        out["dc_export_capability_mw"] = dc_export_capability_mw(net)
    return out


#: Unserved energy over a run (MWh) below which demand counts as served (solver noise).
UNSERVED_TOLERANCE_MWH = 1.0


def scorecard(kpis: dict[str, Any], targets: Sequence[Target] | str | Path | None = None) -> pd.DataFrame:  # fmt: skip
    """The scorecard: one row per target with ``target``, ``kpi``, ``op``,
    ``target_value``, ``value``, ``unit`` and ``met`` (:meth:`Target.met`).

    ``targets``: the rows (:func:`gridsim.targets.load_targets`), a shipped target set's
    name or a TOML file; default the shipped default set
    (:data:`gridsim.cases.DEFAULT_TARGETS`).
    """
    if targets is None or isinstance(targets, str | Path):
        targets = load_targets(DEFAULT_TARGETS if targets is None else targets)
    rows = []
    for t in targets:
        value = float(kpis.get(t.kpi, float("nan")))
        rows.append({"target": t.label, "kpi": t.kpi, "op": t.op, "target_value": t.value,
                     "value": value, "unit": t.unit, "met": t.met(value)})  # fmt: skip
    return pd.DataFrame(rows)
