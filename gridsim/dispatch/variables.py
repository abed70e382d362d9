"""The LP's variables: named ``(T, n)`` blocks with bounds and costs (layer 2).

Column ``j`` of block ``b`` at snapshot ``t`` and element ``k`` is
``offset_b + t * n_b + k``, so a block's solution reshapes to ``(T, n)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gridsim.dispatch.problem import DispatchProblem, committable_mw, unit_counts

Arr = np.ndarray
INF = np.inf


@dataclass
class VarBlock:
    """One family of variables, shape ``(T, n)``, with bounds and linear cost."""

    name: str
    group: str
    offset: int
    lower: Arr
    upper: Arr
    cost: Arr
    integer: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return self.lower.shape  # type: ignore[return-value]

    @property
    def idx(self) -> Arr:
        """Column index of each entry, shape ``(T, n)``."""
        T, n = self.shape
        return self.offset + np.arange(T * n, dtype=np.int64).reshape(T, n)


@dataclass
class Variables:
    """All variable blocks of one LP, in column order."""

    T: int
    blocks: dict[str, VarBlock] = field(default_factory=dict)
    n_cols: int = 0

    def add(
        self,
        name: str,
        group: str,
        lower: Arr | float,
        upper: Arr | float,
        cost: Arr | float = 0.0,
        integer: bool = False,
    ) -> None:
        """Append a block; ``lower``/``upper``/``cost`` broadcast to ``(T, n)``;
        ``integer`` makes its columns integer (a MIP)."""
        lo = np.asarray(lower, dtype=float)
        shape = np.broadcast_shapes(lo.shape, np.shape(upper), np.shape(cost))
        if len(shape) != 2 or shape[0] != self.T:
            raise ValueError(f"variable block {name}: shape {shape}, expected (T={self.T}, n)")
        blk = VarBlock(
            name,
            group,
            self.n_cols,
            np.broadcast_to(lo, shape).astype(float),
            np.broadcast_to(np.asarray(upper, dtype=float), shape).astype(float),
            np.broadcast_to(np.asarray(cost, dtype=float), shape).astype(float),
            integer,
        )
        self.blocks[name] = blk
        self.n_cols += shape[0] * shape[1]

    def __contains__(self, name: str) -> bool:
        return name in self.blocks

    def __getitem__(self, name: str) -> VarBlock:
        return self.blocks[name]

    def idx(self, name: str) -> Arr:
        """Column indices ``(T, n)`` of block ``name``."""
        return self.blocks[name].idx

    def vectors(self) -> tuple[Arr, Arr, Arr]:
        """Concatenated (lower, upper, cost) over all columns."""
        bl = list(self.blocks.values())
        if not bl:
            z = np.zeros(0)
            return z, z, z
        return (
            np.concatenate([b.lower.ravel() for b in bl]),
            np.concatenate([b.upper.ravel() for b in bl]),
            np.concatenate([b.cost.ravel() for b in bl]),
        )

    def integrality(self) -> Arr:
        """Per column: 1 for an integer column, 0 for a continuous one (HiGHS's codes)."""
        bl = list(self.blocks.values())
        if not bl:
            return np.zeros(0, dtype=np.int32)
        return np.concatenate([np.full(b.lower.size, int(b.integer), dtype=np.int32) for b in bl])

    @property
    def is_mip(self) -> bool:
        """True if any block is integer."""
        return any(b.integer for b in self.blocks.values())

    def split(self, x: Arr) -> dict[str, Arr]:
        """Cut a solution vector into ``(T, n)`` arrays by block name."""
        return {
            n: x[b.offset : b.offset + b.lower.size].reshape(b.shape)
            for n, b in self.blocks.items()
        }


def define_variables(p: DispatchProblem, commitment: str = "linear") -> Variables:
    """Every variable of the dispatch LP with its bounds (MW, MWh) and cost (CNY per unit).

    ``commitment="linear"`` adds committed capacity ``u``, start-ups ``su`` and
    shut-downs ``sd`` (MW) per thermal cluster; ``"milp"`` adds as well the integer
    numbers of units committed, started and shut down
    (:func:`_unit_counts`); ``"none"`` dispatches
    thermal between 0 and capacity.
    """
    T, dt = p.T, p.dt_h
    v = Variables(T)
    th = p.thermal
    cap = th.avail_pu * th.p_max_mw  # in service; the output is derated below it
    v.add("thermal_p", "thermal", 0.0, cap * th.derate_pu, th.cost_per_mwh * dt)
    if commitment in ("linear", "milp"):
        ucap = committable_mw(p, commitment)
        peak = np.broadcast_to(cap.max(axis=0, initial=0.0), cap.shape)
        v.add("thermal_u", "thermal", 0.0, ucap, 0.0)
        v.add("thermal_su", "thermal", 0.0, peak, th.startup_cost_per_mw)
        v.add("thermal_sd", "thermal", 0.0, peak, 0.0)
        if commitment == "milp":
            _unit_counts(p, v)
    elif commitment != "none":
        raise ValueError(f"commitment must be 'linear', 'milp' or 'none', got {commitment!r}")
    rs = p.reserves
    short = np.where(np.isnan(rs.shortfall_cost_per_mwh), 0.5 * float(np.max(p.nodes.voll_per_mwh, initial=0.0)), rs.shortfall_cost_per_mwh)  # fmt: skip
    v.add("reserve_shortfall", "reserve", 0.0, np.full((T, rs.n), INF), short * dt)
    ds = p.dc_support  # DC sending-end support not provided (gridsim.dispatch.stability)
    short = np.where(np.isnan(ds.shortfall_cost_per_mvah), 0.5 * float(np.max(p.nodes.voll_per_mwh, initial=0.0)), ds.shortfall_cost_per_mvah)  # fmt: skip
    v.add("dc_support_shortfall", "dc_support", 0.0, np.full((T, ds.n), INF), short * dt)
    pk = p.peak_tiers  # deep peak regulation needs the committed capacity: none without it
    depth = pk.depth_share * cap[:, pk.unit] if commitment != "none" else np.zeros((T, pk.n))
    v.add("peak_tier", "peak_tier", 0.0, depth, pk.price_per_mwh * dt)
    rn = p.renewable
    v.add("renewable_p", "renewable", 0.0, rn.available_mw, rn.cost_per_mwh * dt)
    hy = p.hydro
    v.add(
        "hydro_p", "hydro", np.minimum(hy.p_min_mw, hy.p_max_mw), hy.p_max_mw, hy.cost_per_mwh * dt
    )
    st = p.storage
    shp = (T, st.n)
    p_st = np.broadcast_to(st.p_max_mw, shp) * st.avail_pu
    v.add("storage_charge", "storage", 0.0, p_st, 0.0)
    v.add("storage_discharge", "storage", 0.0, p_st, st.cost_per_mwh * dt)
    v.add("storage_soc", "storage", 0.0, np.broadcast_to(st.e_max_mwh, shp) * st.avail_pu, 0.0)
    cu = p.curtailable
    v.add("dr_curtail", "curtailable", 0.0, cu.p_max_mw, cu.cost_per_mwh * dt)
    sh = p.shiftable
    shp = (T, sh.n)
    v.add("shift_up", "shiftable", 0.0, np.broadcast_to(sh.p_max_mw, shp), 0.0)
    v.add("shift_down", "shiftable", 0.0, np.broadcast_to(sh.p_max_mw, shp), sh.cost_per_mwh * dt)
    nd = p.nodes
    # a node whose load is negative (a net injection, e.g. MATPOWER's negative PD) has none to shed
    v.add("unserved", "node", 0.0, np.maximum(nd.load_mw * (1.0 + nd.loss_factor), 0.0), nd.voll_per_mwh * dt)  # fmt: skip
    lk = p.links
    lo = np.minimum(lk.p_min_mw, lk.p_max_mw)
    export = lk.to_node < 0
    v.add(
        "link_p",
        "link",
        lo,
        lk.p_max_mw,
        np.where(export, -lk.value_per_mwh * (1.0 - lk.loss_share), 0.0) * dt,
    )
    ex = p.exchange
    v.add("import", "exchange", 0.0, ex.import_max_mw, ex.import_price_per_mwh * dt)
    v.add("export", "exchange", 0.0, ex.export_max_mw, -ex.export_price_per_mwh * dt)
    br = p.branches
    if p.network == "transport":
        shp = (T, br.n)
        cap = np.where(br.avail_pu > 0, np.broadcast_to(br.p_max_mw, shp) * br.avail_pu, 0.0)
        v.add("flow_fwd", "branch", 0.0, cap, 0.0)
        v.add("flow_bwd", "branch", 0.0, cap, 0.0)
    elif p.network == "ptdf":
        v.add("injection", "node", -INF, np.full((T, nd.n), INF), 0.0)
    return v


def _unit_counts(p: DispatchProblem, v: Variables) -> None:
    """The MILP's integer blocks: units committed ``n_on`` (≤ the whole units available),
    started ``n_su`` and shut down ``n_sd`` (≤ the cluster's units)."""
    th, T = p.thermal, p.T
    count, size = unit_counts(th)
    on_max = np.round(committable_mw(p, "milp") / size)
    v.add("thermal_n_on", "thermal", 0.0, on_max, 0.0, integer=True)
    v.add("thermal_n_su", "thermal", 0.0, np.broadcast_to(count, (T, th.n)), 0.0, integer=True)
    v.add("thermal_n_sd", "thermal", 0.0, np.broadcast_to(count, (T, th.n)), 0.0, integer=True)


def objective_offset(p: DispatchProblem) -> float:
    """Constant part of the objective (CNY): value lost to fixed losses of export links."""
    lk = p.links
    export = lk.to_node < 0
    return float(np.sum(lk.value_per_mwh[export] * lk.loss_fixed_mw[export]) * p.T * p.dt_h)
