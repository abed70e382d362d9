"""Export a :class:`~gridsim.dispatch.problem.DispatchProblem` to PyPSA (cross-check).
The other way, a PyPSA network to a gridsim network, profile set and scenario, is
:func:`gridsim.interop.pypsa_import.from_pypsa`.

:func:`to_pypsa` builds the same LP in PyPSA's components, and
:func:`pypsa_extra_functionality` adds the few rows PyPSA has no attribute for.
Solve with::

    n = to_pypsa(problem)
    n.optimize(solver_name="highs", linearized_unit_commitment=True,
               extra_functionality=pypsa_extra_functionality(problem))

or :func:`optimize_pypsa` (``commitment="milp"``: PyPSA's MIP).

Mapping (MW, MWh, CNY):

==================  =====================================================================
gridsim             PyPSA
==================  =====================================================================
node                Bus (``v_nom = 1``, so Line ``x`` is in pu); load x (1+loss) -> Load
thermal cluster     Generator, ``committable`` with ``p_min_pu = p_min_share``,
                    ``start_up_cost = startup_cost_per_mw * p_nom``, ramp limits,
                    ``min_up_time``/``min_down_time`` (snapshots, ``up_time_before`` =
                    min up time: no forced state at the start); solved with
                    ``linearized_unit_commitment=True`` (status in [0, 1]; u = status
                    x p_nom), or as a MIP for ``commitment="milp"`` (one unit per
                    cluster). ``commitment="none"``: plain Generator, CHP floor in p_min_pu
reserves            extra rows in PyPSA's variables (status x p_nom, p, p_store ...)
DC support          extra rows: Σ k status x avail x p_nom − scr_min x Link-p ≥ −base
CHP floor (commit)  extra row ``p >= must_run_mw``
renewable, hydro    Generator with p_max_pu (hydro: p_min_pu, ``e_sum_max`` budget)
storage             StorageUnit (max_hours, efficiencies, cyclic or initial SOC);
                    ``soc_end_min_mwh`` as an extra row
curtailable DR      Generator at its cost, ``e_sum_max`` budget
shiftable DR        Generator (down) + negative Generator (up); extra row per day
unserved energy     Generator at VOLL, p_max_pu = load
DC export           Link (efficiency 1 - loss) to a sink Bus holding a Load of the fixed
                    loss and a two-sided Generator priced at the export value; the
                    energy target is that generator's ``e_sum_max``
internal DC link    Link; its fixed loss is a Load at the receiving bus
AC exchange         import Generator at the import price, export Generator with
                    p_min_pu = -1 at the export price
transport branch    two one-way Links (efficiency 1 - loss share)
ptdf branch         Line with x = x_pu (PyPSA's cycle-based DC flow: the same flows)
==================  =====================================================================

Exactness. The two LPs are identical when: thermal availability is 0 or 1 (constant
in time for clusters with minimum up/down times) and the initial commitment is the
default (all committed, no start-up/shut-down history), and a committable cluster with
a ramp limit has a start-up cost (otherwise PyPSA adds its tightening rows for
equal start-up and shut-down costs). The MILP (``commitment="milp"``) exports clusters
of one unit only (PyPSA's status is binary). :func:`to_pypsa` raises
``NotImplementedError`` where the mapping would not be exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from gridsim.dispatch.build_grid import dc_ptdf
from gridsim.dispatch.commitment import steps
from gridsim.dispatch.problem import DispatchProblem, unit_counts
from gridsim.dispatch.reserves import requirement_mw

BIG_MW = 1e6


def _df(a: np.ndarray, sns: pd.Index, names: Any) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(a, float), index=sns, columns=pd.Index(list(names)))


def _pu(a: np.ndarray, nom: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(nom > 0, a / np.where(nom > 0, nom, 1.0), 0.0)


def to_pypsa(problem: DispatchProblem, commitment: str = "linear") -> Any:
    """The dispatch problem as a ``pypsa.Network`` (see the module doc for the mapping)."""
    import pypsa

    p = problem
    p.check()
    # reserve shortfall (a priced slack of each reserve row) has no PyPSA counterpart: the
    # export is the same problem whenever no reserve is short
    if (p.thermal.derate_pu != 1.0).any():
        raise NotImplementedError("derated thermal output (CHP extraction, forced outages) has no exact PyPSA form")  # fmt: skip
    if np.isfinite(p.hydro.inflow_mw).any():
        raise NotImplementedError("a hydro unit's daily river inflow has no PyPSA component")
    if p.peak_tiers.n:
        raise NotImplementedError(
            "deep peak regulation tiers have no PyPSA component: export the problem without them"
        )
    sns = pd.DatetimeIndex(p.snapshots.tz_localize(None), name="snapshot")
    n = pypsa.Network(name=p.name or "gridsim")
    n.set_snapshots(sns)
    n.snapshot_weightings.loc[:, :] = p.dt_h
    nodes = [str(x) for x in p.nodes.names]
    n.add("Bus", nodes, v_nom=1.0, carrier="AC")
    load = p.nodes.load_mw * (1.0 + p.nodes.loss_factor)
    n.add(
        "Load",
        [f"load {b}" for b in nodes],
        bus=nodes,
        p_set=_df(load, sns, [f"load {b}" for b in nodes]),
    )
    _thermal(n, p, sns, nodes, commitment)
    rn = p.renewable
    if rn.n:
        peak = rn.available_mw.max(axis=0, initial=0)
        nom = np.where(rn.capacity_mw >= peak, rn.capacity_mw, peak)
        _gen(
            n,
            sns,
            rn.names,
            [nodes[k] for k in rn.node],
            nom,
            rn.available_mw,
            None,
            rn.cost_per_mwh,
            [str(f) for f in rn.fuel],
        )
    hy = p.hydro
    if hy.n:
        nom = hy.p_max_mw.max(axis=0)
        _gen(
            n,
            sns,
            hy.names,
            [nodes[k] for k in hy.node],
            nom,
            hy.p_max_mw,
            np.minimum(hy.p_min_mw, hy.p_max_mw),
            hy.cost_per_mwh,
            "hydro",
            e_sum_max=np.where(np.isfinite(hy.energy_mwh), hy.energy_mwh, np.inf),
        )
    _storage(n, p, nodes)
    cu = p.curtailable
    if cu.n:
        _gen(
            n,
            sns,
            cu.names,
            [nodes[k] for k in cu.node],
            cu.p_max_mw.max(axis=0),
            cu.p_max_mw,
            None,
            cu.cost_per_mwh,
            "demand response",
            e_sum_max=np.where(np.isfinite(cu.energy_mwh), cu.energy_mwh, np.inf),
        )
    sh = p.shiftable
    if sh.n:
        bus = [nodes[k] for k in sh.node]
        n.add(
            "Generator",
            [f"{x} down" for x in sh.names],
            bus=bus,
            p_nom=sh.p_max_mw,
            marginal_cost=sh.cost_per_mwh,
            carrier="demand shift",
        )
        n.add(
            "Generator",
            [f"{x} up" for x in sh.names],
            bus=bus,
            p_nom=sh.p_max_mw,
            p_max_pu=0.0,
            p_min_pu=-1.0,
            carrier="demand shift",
        )
    names = [f"unserved {b}" for b in nodes]
    shed = np.maximum(load, 0.0)  # a negative load (a net injection) has nothing to shed
    _gen(n, sns, names, nodes, shed.max(axis=0, initial=0.0), shed, None, p.nodes.voll_per_mwh, "unserved")  # fmt: skip
    _links(n, p, sns, nodes)
    _exchange(n, p, sns, nodes)
    _branches(n, p, nodes)
    return n


def _gen(
    n: Any,
    sns: pd.Index,
    names: Any,
    bus: list[str],
    nom: np.ndarray,
    p_max: np.ndarray,
    p_min: np.ndarray | None,
    cost: np.ndarray,
    carrier: str | list[str],
    **kw: Any,
) -> None:
    names = [str(x) for x in names]
    if not names:
        return
    extra = {} if p_min is None else {"p_min_pu": _df(_pu(p_min, nom), sns, names)}
    n.add(
        "Generator",
        names,
        bus=bus,
        p_nom=nom,
        p_max_pu=_df(_pu(p_max, nom), sns, names),
        marginal_cost=cost,
        carrier=carrier,
        **extra,
        **kw,
    )


def _thermal(n: Any, p: DispatchProblem, sns: pd.Index, nodes: list[str], commitment: str) -> None:
    th = p.thermal
    if not th.n:
        return
    names = [str(x) for x in th.names]
    nom = th.p_max_mw
    ramp = th.ramp_pu_per_h * p.dt_h
    common = dict(
        bus=[nodes[k] for k in th.node],
        p_nom=nom,
        marginal_cost=th.cost_per_mwh,
        carrier=[str(f) for f in th.fuel],
        ramp_limit_up=ramp,
        ramp_limit_down=ramp,
        p_max_pu=_df(th.avail_pu, sns, names),
        p_init=th.p0_mw,
    )
    if commitment == "none":
        n.add("Generator", names, p_min_pu=_df(_pu(th.must_run_mw, nom), sns, names), **common)
        return
    if commitment not in ("linear", "milp"):
        raise ValueError(f"commitment must be 'linear', 'milp' or 'none', got {commitment!r}")
    frac = (th.avail_pu > 0) & (th.avail_pu < 1)
    if frac.any():
        raise NotImplementedError("fractional thermal availability has no exact PyPSA form")
    if np.isfinite(th.u0_mw).any():
        raise NotImplementedError("a partial initial commitment has no exact PyPSA form")
    tight = np.isfinite(ramp) & (th.startup_cost_per_mw <= 0)
    if tight.any():
        raise NotImplementedError(
            "committable clusters with ramp limits need a start-up cost for an exact PyPSA mapping"
        )
    up, down = steps(th.min_up_time_h, p.dt_h), steps(th.min_down_time_h, p.dt_h)
    varying = (th.avail_pu != th.avail_pu[:1]).any(axis=0) if p.T else np.zeros(th.n, bool)
    if (((up > 0) | (down > 0)) & varying).any():
        raise NotImplementedError(
            "minimum up/down times export exactly only with availability constant in time"
        )
    if (th.su_before_mw != 0).any() or (th.sd_before_mw != 0).any():
        raise NotImplementedError("start-up/shut-down history has no exact PyPSA form")
    if commitment == "milp" and (unit_counts(th)[0] != 1).any():
        raise NotImplementedError(
            "the MILP exports only clusters of one unit (PyPSA's status is binary)"
        )
    common.update(min_up_time=up, min_down_time=down, up_time_before=np.maximum(up, 1))
    n.add(
        "Generator",
        names,
        committable=True,
        p_min_pu=th.p_min_share,
        start_up_cost=th.startup_cost_per_mw * nom,
        **common,
    )


def _storage(n: Any, p: DispatchProblem, nodes: list[str]) -> None:
    st = p.storage
    if not st.n:
        return
    if (st.p_max_mw <= 0).any():
        raise NotImplementedError("storage with zero power rating")
    if (st.avail_pu != 1.0).any():
        raise NotImplementedError("storage with commissioning dates (avail_pu)")
    n.add(
        "StorageUnit",
        [str(x) for x in st.names],
        bus=[nodes[k] for k in st.node],
        p_nom=st.p_max_mw,
        max_hours=st.e_max_mwh / st.p_max_mw,
        efficiency_store=st.eff_charge,
        efficiency_dispatch=st.eff_discharge,
        state_of_charge_initial=st.soc0_mwh,
        cyclic_state_of_charge=st.cyclic.astype(bool),
        marginal_cost=st.cost_per_mwh,
        carrier=[str(k) for k in st.storage_kind],
    )


def _links(n: Any, p: DispatchProblem, sns: pd.Index, nodes: list[str]) -> None:
    lk = p.links
    if not lk.n:
        return
    names = [str(x) for x in lk.names]
    rating = np.where(lk.rating_mw > 0, lk.rating_mw, lk.p_max_mw.max(axis=0, initial=0) + 1)
    export = lk.to_node < 0
    bus1 = [f"{nm} sink" if export[j] else nodes[lk.to_node[j]] for j, nm in enumerate(names)]
    sinks = [b for j, b in enumerate(bus1) if export[j]]
    if sinks:
        n.add("Bus", sinks, v_nom=1.0, carrier="export")
    ramp = lk.ramp_mw_per_h * p.dt_h / rating
    n.add(
        "Link",
        names,
        bus0=[nodes[k] for k in lk.node],
        bus1=bus1,
        p_nom=rating,
        efficiency=1.0 - lk.loss_share,
        p_min_pu=_df(_pu(np.minimum(lk.p_min_mw, lk.p_max_mw), rating), sns, names),
        p_max_pu=_df(_pu(lk.p_max_mw, rating), sns, names),
        ramp_limit_up=ramp,
        ramp_limit_down=ramp,
        p_init=lk.p0_mw,
        carrier="DC",
    )
    fixed_names = [f"{nm} fixed loss" for nm in names]
    n.add("Load", fixed_names, bus=bus1, p_set=lk.loss_fixed_mw)
    for j in np.flatnonzero(export):
        eff = 1.0 - lk.loss_share[j]
        target = lk.energy_min_mwh[j]
        e_max = lk.loss_fixed_mw[j] * p.T * p.dt_h - eff * target if np.isfinite(target) else np.inf
        cap = lk.energy_max_mwh[j]
        e_min = lk.loss_fixed_mw[j] * p.T * p.dt_h - eff * cap if np.isfinite(cap) else -np.inf
        n.add(
            "Generator",
            f"{names[j]} value",
            bus=bus1[j],
            p_nom=rating[j] + lk.loss_fixed_mw[j],
            p_min_pu=-1.0,
            p_max_pu=1.0,
            marginal_cost=lk.value_per_mwh[j],
            e_sum_max=e_max,
            e_sum_min=e_min,
            carrier="export",
        )
    internal = ~export & (np.isfinite(lk.energy_min_mwh) | np.isfinite(lk.energy_max_mwh))
    if internal.any():
        raise NotImplementedError("energy targets on internal DC links")


def _exchange(n: Any, p: DispatchProblem, sns: pd.Index, nodes: list[str]) -> None:
    ex = p.exchange
    if not ex.n:
        return
    bus = [nodes[k] for k in ex.node]
    imp = [f"{x} import" for x in ex.names]
    nom = ex.import_max_mw.max(axis=0)
    _gen(n, sns, imp, bus, nom, ex.import_max_mw, None, ex.import_price_per_mwh, "AC import")
    exp = [f"{x} export" for x in ex.names]
    nom = ex.export_max_mw.max(axis=0)
    n.add(
        "Generator",
        exp,
        bus=bus,
        p_nom=nom,
        p_max_pu=0.0,
        p_min_pu=_df(-_pu(ex.export_max_mw, nom), sns, exp),
        marginal_cost=ex.export_price_per_mwh,
        carrier="AC export",
    )


def _branches(n: Any, p: DispatchProblem, nodes: list[str]) -> None:
    br = p.branches
    if p.network == "copperplate" or not br.n:
        return
    names = [str(x) for x in br.names]
    if (br.avail_pu != 1.0).any():
        raise NotImplementedError("branches with commissioning dates (avail_pu)")
    cap = np.where(np.isfinite(br.p_max_mw), br.p_max_mw, BIG_MW)
    b0, b1 = [nodes[k] for k in br.node], [nodes[k] for k in br.to_node]
    if p.network == "transport":
        eff = 1.0 - br.loss_share
        n.add(
            "Link",
            [f"{x} fwd" for x in names],
            bus0=b0,
            bus1=b1,
            p_nom=cap,
            efficiency=eff,
            carrier="transport",
        )
        n.add(
            "Link",
            [f"{x} bwd" for x in names],
            bus0=b1,
            bus1=b0,
            p_nom=cap,
            efficiency=eff,
            carrier="transport",
        )
        return
    assert p.ptdf is not None
    if p.ptdf.ndim == 3:
        raise NotImplementedError("one PTDF per topology period (commissioning dates)")
    ref = dc_ptdf(p.nodes.n, br.node, br.to_node, br.x_pu)
    if not np.allclose(ref, p.ptdf, atol=1e-8):
        raise NotImplementedError("the problem's PTDF does not follow from branches.x_pu")
    n.add("Line", names, bus0=b0, bus1=b1, x=br.x_pu, r=0.0, s_nom=cap, carrier="AC")


def pypsa_extra_functionality(
    problem: DispatchProblem, commitment: str = "linear"
) -> Callable[[Any, Any], None]:
    """Rows PyPSA has no attribute for: reserve requirements, the CHP floor of
    committable clusters, the storage end-state floor and the daily neutrality of
    shiftable load."""
    p = problem

    def extra(n: Any, sns: Any) -> None:
        m = n.model
        th = p.thermal
        _reserves(n, p, sns, commitment)
        _dc_support(n, p, sns)
        if commitment != "none" and th.n and (th.must_run_mw > 0).any():
            names = [str(x) for x in th.names]
            gp = m.variables["Generator-p"].sel(name=names)
            mr = _df(th.must_run_mw, sns, names).rename_axis(index="snapshot", columns="name")
            m.add_constraints(gp >= mr, name="gridsim-must-run", mask=mr > 0)
        st = p.storage
        sel = np.flatnonzero(np.isfinite(st.soc_end_min_mwh))
        if sel.size:
            names = [str(x) for x in st.names[sel]]
            soc = m.variables["StorageUnit-state_of_charge"].sel(name=names).isel(snapshot=-1)
            floor = pd.Series(
                np.minimum(st.soc_end_min_mwh[sel], st.e_max_mwh[sel]),
                index=pd.Index(names, name="name"),
            )
            m.add_constraints(soc >= floor, name="gridsim-soc-end")
        sh = p.shiftable
        if sh.n:
            import xarray as xr

            gp = m.variables["Generator-p"]
            base = [str(x) for x in sh.names]
            down = gp.sel(name=[f"{x} down" for x in base]).assign_coords(name=base)
            up = gp.sel(name=[f"{x} up" for x in base]).assign_coords(name=base)
            day = xr.DataArray(np.asarray(p.day), coords={"snapshot": sns}, name="day")
            net = (down + up).groupby(day).sum()
            m.add_constraints(net == 0, name="gridsim-shift-daily")

    return extra


def _reserves(n: Any, p: DispatchProblem, sns: Any, commitment: str) -> None:
    """Reserve rows (:mod:`gridsim.dispatch.reserves`) in PyPSA's variables: committed
    capacity is ``status · p_nom``, storage ``p_dispatch``/``p_store``."""
    rs = p.reserves
    if not rs.n:
        return
    m = n.model
    th, hy, st, rn = p.thermal, p.hydro, p.storage, p.renewable

    def total(var: str, names: Any, coef: Any = 1.0) -> Any:
        names = [str(x) for x in names]
        if not names:
            return 0
        c = pd.Series(np.broadcast_to(np.asarray(coef, float), (len(names),)), index=pd.Index(names, name="name"))  # fmt: skip
        return (m.variables[var].sel(name=names) * c.to_xarray()).sum("name")

    need = requirement_mw(p)
    th_p, hy_p = total("Generator-p", th.names), total("Generator-p", hy.names)
    dis, ch = total("StorageUnit-p_dispatch", st.names), total("StorageUnit-p_store", st.names)
    ren = {j: total("Generator-p", rn.names, rs.renewable_share[j]) for j in range(rs.n)}
    for j, name in enumerate(map(str, rs.names)):
        if rs.direction[j] == "up":
            const = hy.p_max_mw.sum(axis=1) + st.p_max_mw.sum()
            lhs = -th_p - hy_p - dis + ch - ren[j]
            if commitment == "none":
                const = const + (th.avail_pu * th.p_max_mw).sum(axis=1)
            else:
                cap = _df(th.avail_pu * th.p_max_mw, sns, [str(x) for x in th.names])
                status = m.variables["Generator-status"].sel(name=[str(x) for x in th.names])
                lhs = lhs + (status * cap.rename_axis(index="snapshot", columns="name")).sum("name")
        else:
            const = -np.minimum(hy.p_min_mw, hy.p_max_mw).sum(axis=1) + st.p_max_mw.sum()
            lhs = th_p + hy_p + dis - ch - ren[j]
            if commitment == "none":
                const = const - th.must_run_mw.sum(axis=1)
            else:
                lhs = lhs - total("Generator-status", th.names, th.p_min_share * th.p_max_mw)
        rhs = pd.Series(need[:, j] - const, index=pd.Index(sns, name="snapshot"))
        m.add_constraints(lhs >= rhs.to_xarray(), name=f"gridsim-reserve-{name}")


def _dc_support(n: Any, p: DispatchProblem, sns: Any) -> None:
    """DC sending-end stability rows (:mod:`gridsim.dispatch.stability`) in PyPSA's
    variables, committed capacity ``status · avail · p_nom``, without the shortfall (the
    same problem whenever no support is short)::

        Σ_pairs k · status_i · cap_i − scr_min · Link-p  ≥  −base_mva
    """
    ds, du, th = p.dc_support, p.dc_support_units, p.thermal
    if not ds.n:
        return
    if "Generator-status" not in n.model.variables:
        raise ValueError("DC stability rules need committable thermal clusters (commitment 'linear' or 'milp')")  # fmt: skip
    m = n.model
    snap = pd.Index(sns, name="snapshot")
    status = m.variables["Generator-status"]
    link_p = m.variables["Link-p"]
    cap = th.avail_pu * th.p_max_mw
    for r, name in enumerate(map(str, ds.names)):
        pairs = np.flatnonzero(du.rule == r)
        units = [str(th.names[i]) for i in du.unit[pairs]]
        coef = pd.DataFrame(cap[:, du.unit[pairs]] * du.mva_per_mw[pairs], index=snap, columns=pd.Index(units, name="name"))  # fmt: skip
        lhs = -float(ds.scr_min[r]) * link_p.sel(name=str(p.links.names[ds.link[r]]))
        if units:  # one pair per (rule, unit): the names are unique
            lhs = lhs + (status.sel(name=units) * coef.stack().to_xarray()).sum("name")
        rhs = pd.Series(-ds.base_mva[:, r], index=snap)
        m.add_constraints(lhs >= rhs.to_xarray(), name=f"gridsim-dc-support-{name}")


def optimize_pypsa(
    problem: DispatchProblem, commitment: str = "linear", **solver_options: Any
) -> tuple[Any, str]:
    """Build, solve with HiGHS, and return ``(network, status)``."""
    n = to_pypsa(problem, commitment)
    status, condition = n.optimize(
        solver_name="highs",
        linearized_unit_commitment=(commitment == "linear"),
        extra_functionality=pypsa_extra_functionality(problem, commitment),
        solver_options=solver_options,
    )
    return n, str(condition)
