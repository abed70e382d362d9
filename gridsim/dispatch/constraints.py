"""One function per constraint family of the dispatch LP (layer 2: the maths).

Each function takes the problem and the variables and returns a :class:`RowBlock`:
COO triplets, row bounds and, per row, the snapshot and the element it belongs
to (for the diagnosis of an infeasible window). Everything is vectorised over
snapshots: index arrays are ``(T, n)`` and broadcast, there is no loop over hours.
Notation: ``t`` snapshot, ``dt`` hours per snapshot, ``n(x)`` node of element x.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.variables import Variables

Arr = np.ndarray
INF = np.inf


@dataclass
class RowBlock:
    """Rows of one constraint family: ``lower <= A x <= upper``.

    ``t`` is the snapshot of each row (-1 for rows over the whole horizon),
    ``element`` its element index within ``group``.
    """

    family: str
    group: str
    n_rows: int
    lower: Arr
    upper: Arr
    t: Arr
    element: Arr
    rows: list[Arr] = field(default_factory=list)
    cols: list[Arr] = field(default_factory=list)
    vals: list[Arr] = field(default_factory=list)

    def term(self, rows: Arr, cols: Arr, vals: Arr | float) -> None:
        """Add coefficients ``vals`` at (rows, cols); all three broadcast together."""
        r, c, v = np.broadcast_arrays(rows, cols, np.asarray(vals, dtype=float))
        if r.size:
            self.rows.append(r.ravel())
            self.cols.append(c.ravel())
            self.vals.append(v.ravel())

    def coo(self) -> tuple[Arr, Arr, Arr]:
        """Concatenated (row, col, value) triplets, rows local to the block."""
        if not self.rows:
            e = np.zeros(0, dtype=np.int64)
            return e, e, np.zeros(0)
        return np.concatenate(self.rows), np.concatenate(self.cols), np.concatenate(self.vals)


def _block(
    family: str,
    group: str,
    T: int,
    n: int,
    lower: Arr | float,
    upper: Arr | float,
    per_t: bool = True,
) -> tuple[RowBlock, Arr]:
    """A block of ``T*n`` rows (or ``n`` rows if not per_t); returns it and the row ids."""
    rid: Arr
    if per_t:
        rid = np.arange(T * n, dtype=np.int64).reshape(T, n)
        t = np.repeat(np.arange(T), n)
        el = np.tile(np.arange(n), T)
    else:
        rid = np.arange(n, dtype=np.int64)
        t = np.full(n, -1)
        el = np.arange(n)
    shape = rid.shape
    lo = np.broadcast_to(np.asarray(lower, dtype=float), shape).ravel().copy()
    hi = np.broadcast_to(np.asarray(upper, dtype=float), shape).ravel().copy()
    return RowBlock(family, group, rid.size, lo, hi, t, el), rid


def _prev(idx: Arr) -> Arr:
    """Column indices of the previous snapshot (row t uses t-1; row 0 is dropped by callers)."""
    return idx[:-1]


# ----------------------------------------------------------------- balance
def nodal_balance(p: DispatchProblem, v: Variables) -> RowBlock:
    """Power balance at every node and snapshot (MW).

    ``sum thermal + renewable + hydro + discharge - charge + dr_curtail + shift_down
    - shift_up + unserved + import - export - sent_links + (1-loss) received_links
    + (1-loss_b) inflow_b - outflow_b - injection = load (1 + loss_factor)
    + fixed link losses received``.
    """
    T, N = p.T, p.nodes.n
    nd = p.nodes
    rhs = nd.load_mw * (1.0 + nd.loss_factor)
    lk = p.links
    internal = lk.to_node >= 0
    if internal.any():
        rhs = rhs.copy()
        for k, loss in zip(lk.to_node[internal], lk.loss_fixed_mw[internal]):
            rhs[:, k] += loss
    blk, rid = _block("balance", "node", T, N, rhs, rhs)
    tt = np.arange(T)[:, None] * N

    def add(var: str, node: Arr, coef: Arr | float) -> None:
        if var in v and v[var].shape[1]:
            blk.term(tt + node[None, :], v.idx(var), coef)

    add("thermal_p", p.thermal.node, 1.0)
    add("renewable_p", p.renewable.node, 1.0)
    add("hydro_p", p.hydro.node, 1.0)
    add("storage_discharge", p.storage.node, 1.0)
    add("storage_charge", p.storage.node, -1.0)
    add("dr_curtail", p.curtailable.node, 1.0)
    add("shift_down", p.shiftable.node, 1.0)
    add("shift_up", p.shiftable.node, -1.0)
    add("unserved", np.arange(N), 1.0)
    add("import", p.exchange.node, 1.0)
    add("export", p.exchange.node, -1.0)
    add("link_p", lk.node, -1.0)
    if internal.any():
        blk.term(
            tt + lk.to_node[internal][None, :],
            v.idx("link_p")[:, internal],
            1.0 - lk.loss_share[internal],
        )
    br = p.branches
    if p.network == "transport" and br.n:
        eff = 1.0 - br.loss_share
        add("flow_fwd", br.node, -1.0)
        add("flow_fwd", br.to_node, eff)
        add("flow_bwd", br.to_node, -1.0)
        add("flow_bwd", br.node, eff)
    if p.network == "ptdf":
        add("injection", np.arange(N), -1.0)
    return blk


def ptdf_system_balance(p: DispatchProblem, v: Variables) -> RowBlock:
    """DC power flow, system part: ``sum_n injection[t, n] = 0`` (MW)."""
    blk, rid = _block("system_balance", "system", p.T, 1, 0.0, 0.0)
    blk.term(rid, v.idx("injection"), 1.0)
    return blk


def ptdf_branch_limits(p: DispatchProblem, v: Variables) -> RowBlock:
    """DC flow limits of monitored branches: ``|sum_n PTDF[k, n] injection[t, n]| <= p_max[k]``,
    with the PTDF of each snapshot's topology period; no row for a branch out of service."""
    assert p.ptdf is not None
    br = p.branches
    mon = np.flatnonzero(np.isfinite(br.p_max_mw))
    blk, rid = _block("branch_limit", "branch", p.T, br.n, -br.p_max_mw, br.p_max_mw)
    keep = np.zeros((p.T, br.n), dtype=bool)
    keep[:, mon] = True
    keep &= br.avail_pu > 0
    inj = v.idx("injection")
    for ts, ptdf in p.ptdf_periods():
        H = ptdf[mon]
        kk, nn = np.nonzero(np.abs(H) > 1e-10)
        blk.term(rid[ts][:, mon[kk]], inj[ts][:, nn], H[kk, nn])
    _drop_rows(blk, rid, keep)
    return blk


def _drop_rows(blk: RowBlock, rid: Arr, keep: Arr) -> None:
    """Remove rows where ``keep`` is False (renumbering the kept ones)."""
    if keep.all():
        return
    newid = np.cumsum(keep.ravel()) - 1
    mask = keep.ravel()
    r, c, val = blk.coo()
    ok = mask[r]
    blk.rows, blk.cols, blk.vals = [newid[r[ok]]], [c[ok]], [val[ok]]
    blk.lower, blk.upper = blk.lower[mask], blk.upper[mask]
    blk.t, blk.element = blk.t[mask], blk.element[mask]
    blk.n_rows = int(mask.sum())


# -------------------------------------------------------------- thermal
def commitment_limits(p: DispatchProblem, v: Variables) -> list[RowBlock]:
    """Linearised clustered commitment: ``p_min_share * u <= p <= u`` (MW)."""
    G, T = p.thermal.n, p.T
    pp, u = v.idx("thermal_p"), v.idx("thermal_u")
    lo, r1 = _block("commit_min", "thermal", T, G, 0.0, INF)
    lo.term(r1, pp, 1.0)
    lo.term(r1, u, -p.thermal.p_min_share)
    hi, r2 = _block("commit_max", "thermal", T, G, -INF, 0.0)
    hi.term(r2, pp, 1.0)
    hi.term(r2, u, -1.0)
    return [lo, hi]


def deep_peak_floor(p: DispatchProblem, v: Variables) -> list[RowBlock]:
    """Deep peak regulation (MW): output below the normal minimum is taken from the tiers::

        p[t, g] + Σ_{k of g} d[t, k] >= normal_min_share[g] u[t, g]
        d[t, k] <= depth_share[k] u[t, unit(k)]

    with ``p >= p_min_share u`` (the technical minimum) from :func:`commitment_limits`.
    Each tier's output ``d`` costs ``price_per_mwh``; with prices rising with depth the
    tiers fill from the shallowest down. Needs the committed capacity ``u``.
    """
    pk, T = p.peak_tiers, p.T
    if pk.n == 0 or "thermal_u" not in v:
        return []
    units = np.unique(pk.unit)
    normal = p.thermal.normal_min_share[units]
    pp, u, d = v.idx("thermal_p"), v.idx("thermal_u"), v.idx("peak_tier")
    floor, rf = _block("deep_peak_floor", "thermal", T, units.size, 0.0, INF)
    floor.element = units[floor.element]
    floor.term(rf, pp[:, units], 1.0)
    floor.term(rf, u[:, units], -normal)
    pos = np.searchsorted(units, pk.unit)
    floor.term(rf[:, pos], d, 1.0)
    width, rw = _block("deep_peak_tier", "peak_tier", T, pk.n, -INF, 0.0)
    width.term(rw, d, 1.0)
    width.term(rw, u[:, pk.unit], -pk.depth_share)
    return [floor, width]


def _initial_commitment(p: DispatchProblem) -> Arr:
    th = p.thermal
    first = th.avail_pu[0] * th.p_max_mw if p.T else th.p_max_mw
    return np.where(np.isnan(th.u0_mw), first, th.u0_mw)


def thermal_ramps(p: DispatchProblem, v: Variables) -> list[RowBlock]:
    """Ramp limits, ``r = ramp_pu_per_h * dt`` (share of capacity per snapshot).

    With commitment (start-up and shut-down capacity ramps freely)::

        p[t] - p[t-1] <= r u[t-1] + (u[t] - u[t-1])
        p[t] - p[t-1] >= -r u[t] - (u[t-1] - u[t])

    Without commitment: ``|p[t] - p[t-1]| <= r * p_max``. The first snapshot is
    limited only if ``p0_mw`` is known.
    """
    th, T = p.thermal, p.T
    sel = np.flatnonzero(np.isfinite(th.ramp_pu_per_h))
    if sel.size == 0 or T == 0:
        return []
    r = np.minimum(th.ramp_pu_per_h[sel] * p.dt_h, 1.0)
    pp = v.idx("thermal_p")[:, sel]
    p0 = th.p0_mw[sel]
    has0 = np.isfinite(p0)
    commit = "thermal_u" in v
    n = sel.size
    up, ru = _block("ramp_up", "thermal", T, n, -INF, 0.0)
    dn, rd = _block("ramp_down", "thermal", T, n, 0.0, INF)
    up.element, dn.element = sel[up.element], sel[dn.element]
    for blk, rid in ((up, ru), (dn, rd)):
        blk.term(rid, pp, 1.0)
        blk.term(rid[1:], _prev(pp), -1.0)
    if commit:
        u = v.idx("thermal_u")[:, sel]
        u0 = _initial_commitment(p)[sel]
        up.term(ru, u, -1.0)
        up.term(ru[1:], _prev(u), 1.0 - r)
        dn.term(rd, u, r - 1.0)
        dn.term(rd[1:], _prev(u), 1.0)
        up.upper[:n] = np.where(has0, p0 + (r - 1.0) * u0, INF)
        dn.lower[:n] = np.where(has0, p0 - u0, -INF)
    else:
        lim = r * th.p_max_mw[sel]
        up.upper[:] = np.tile(lim, T)
        dn.lower[:] = -np.tile(lim, T)
        up.upper[:n] = np.where(has0, p0 + lim, INF)
        dn.lower[:n] = np.where(has0, p0 - lim, -INF)
    for blk, rid in ((up, ru), (dn, rd)):
        keep = np.ones((T, n), dtype=bool)
        keep[0] = has0
        _drop_rows(blk, rid, keep)
    return [up, dn]


def must_run(p: DispatchProblem, v: Variables) -> RowBlock:
    """Heat-driven (CHP) minimum: ``p[t, g] >= must_run_mw[t, g]`` where it is > 0."""
    th, T = p.thermal, p.T
    mr = th.must_run_mw
    blk, rid = _block("must_run", "thermal", T, th.n, mr, INF)
    blk.term(rid, v.idx("thermal_p"), 1.0)
    _drop_rows(blk, rid, mr > 0)
    return blk


# --------------------------------------------------------------- storage
def storage_energy(p: DispatchProblem, v: Variables) -> RowBlock:
    """State of charge (MWh)::

        soc[t] = soc[t-1] + eff_charge dt charge[t] - dt / eff_discharge discharge[t]

    with ``soc[-1] = soc[T-1]`` for cyclic units, else ``soc0_mwh``.
    """
    st, T, dt = p.storage, p.T, p.dt_h
    rhs = np.zeros((T, st.n))
    cyc = st.cyclic.astype(bool)
    rhs[0] = np.where(cyc, 0.0, st.soc0_mwh)
    blk, rid = _block("storage_balance", "storage", T, st.n, rhs, rhs)
    soc = v.idx("storage_soc")
    blk.term(rid, soc, 1.0)
    blk.term(rid[1:], _prev(soc), -1.0)
    blk.term(rid[0, cyc], soc[-1, cyc], -1.0)
    blk.term(rid, v.idx("storage_charge"), -st.eff_charge * dt)
    blk.term(rid, v.idx("storage_discharge"), dt / st.eff_discharge)
    return blk


def _last(avail: Arr) -> Arr:
    """The last snapshot's availability (n,) (1.0 for an empty horizon)."""
    return avail[-1] if avail.shape[0] else np.ones(avail.shape[1])


def storage_terminal(p: DispatchProblem, v: Variables) -> RowBlock:
    """Final state of charge: ``soc[T-1] >= soc_end_min_mwh`` (where given)."""
    st = p.storage
    sel = np.flatnonzero(np.isfinite(st.soc_end_min_mwh))
    blk, rid = _block(
        "storage_terminal",
        "storage",
        1,
        sel.size,
        np.minimum(st.soc_end_min_mwh[sel], st.e_max_mwh[sel] * _last(st.avail_pu)[sel]),
        INF,
        per_t=False,
    )
    blk.element = sel
    blk.t[:] = p.T - 1
    if sel.size:
        blk.term(rid, v.idx("storage_soc")[-1, sel], 1.0)
    return blk


# ------------------------------------------------------- energy budgets
def _horizon_sum(family: str, group: str, idx: Arr, limit: Arr, dt: float, lower: bool) -> RowBlock:
    """``sum_t x[t, k] dt >= limit[k]`` (lower) or ``<= limit[k]``, rows only where finite."""
    sel = np.flatnonzero(np.isfinite(limit))
    lo = limit[sel] if lower else -INF
    hi = INF if lower else limit[sel]
    blk, rid = _block(family, group, 1, sel.size, lo, hi, per_t=False)
    blk.element = sel
    if sel.size:
        blk.term(rid[None, :], idx[:, sel], dt)
    return blk


def hydro_energy(p: DispatchProblem, v: Variables) -> RowBlock:
    """Hydro/biomass energy budget: ``sum_t p[t, h] dt <= energy_mwh[h]``."""
    return _horizon_sum(
        "hydro_energy", "hydro", v.idx("hydro_p"), p.hydro.energy_mwh, p.dt_h, lower=False
    )


def hydro_daily_inflow(p: DispatchProblem, v: Variables) -> RowBlock:
    """River flow: in each calendar day ``d``, a hydro unit with an inflow series
    generates at most the day's inflow energy (pondage shapes it within the day, and
    water not used is spilled)::

        sum_{t in d} p[t, h] dt <= sum_{t in d} inflow_mw[t, h] dt
    """
    hy = p.hydro
    assert p.day is not None
    sel = np.flatnonzero(np.isfinite(hy.inflow_mw).all(axis=0)) if p.T else np.zeros(0, int)
    _, day = np.unique(p.day, return_inverse=True)
    D = int(day.max()) + 1 if day.size else 0
    inflow = np.zeros((D, sel.size))
    np.add.at(inflow, day, hy.inflow_mw[:, sel] * p.dt_h)
    blk, rid = _block("hydro_inflow", "hydro", D, sel.size, -INF, inflow)
    blk.element = sel[blk.element] if sel.size else blk.element
    if sel.size and D:
        blk.t = np.repeat(np.searchsorted(day, np.arange(D)), sel.size)
        blk.term(rid[day], v.idx("hydro_p")[:, sel], p.dt_h)
    return blk


def dr_budget(p: DispatchProblem, v: Variables) -> RowBlock:
    """Curtailable-load budget: ``sum_t dr_curtail[t, d] dt <= energy_mwh[d]``."""
    return _horizon_sum(
        "dr_budget",
        "curtailable",
        v.idx("dr_curtail"),
        p.curtailable.energy_mwh,
        p.dt_h,
        lower=False,
    )


#: Relative rounding within which an energy bound past a link's reach is taken as its reach.
ENERGY_ROUNDING = 1e-9


def _link_reach(p: DispatchProblem) -> tuple[Arr, Arr]:
    """The least and most energy each link can send over the horizon (MWh)."""
    lk = p.links
    lo = np.minimum(lk.p_min_mw, lk.p_max_mw).sum(axis=0) * p.dt_h
    return lo, lk.p_max_mw.sum(axis=0) * p.dt_h


def link_energy(p: DispatchProblem, v: Variables) -> RowBlock:
    """DC energy target: ``sum_t p[t, l] dt >= energy_min_mwh[l]`` (energy sent). A
    target above the link's reach by rounding only (:data:`ENERGY_ROUNDING`, e.g. a
    window's share of a schedule it must follow exactly) is taken as the reach."""
    _, most = _link_reach(p)
    lim = p.links.energy_min_mwh
    near = (lim > most) & (lim <= most * (1.0 + ENERGY_ROUNDING))
    return _horizon_sum("link_energy", "link", v.idx("link_p"), np.where(near, most, lim), p.dt_h, lower=True)  # fmt: skip


def link_energy_max(p: DispatchProblem, v: Variables) -> RowBlock:
    """DC energy cap: ``sum_t p[t, l] dt <= energy_max_mwh[l]`` (energy sent); with
    ``energy_min_mwh`` equal to it, the link sends exactly that energy. A cap below the
    link's least energy by rounding only is taken as that energy."""
    least, _ = _link_reach(p)
    lim = p.links.energy_max_mwh
    near = (lim < least) & (lim >= least * (1.0 - ENERGY_ROUNDING))
    return _horizon_sum("link_energy_max", "link", v.idx("link_p"), np.where(near, least, lim), p.dt_h, lower=False)  # fmt: skip


def shift_neutrality(p: DispatchProblem, v: Variables) -> RowBlock:
    """Shiftable load is energy-neutral per calendar day ``d``:
    ``sum_{t in d} (shift_up[t] - shift_down[t]) = 0``.
    """
    sh = p.shiftable
    assert p.day is not None
    _, day = np.unique(p.day, return_inverse=True)
    D = int(day.max()) + 1 if day.size else 0
    blk, rid = _block("shift_daily", "shiftable", D, sh.n, 0.0, 0.0)
    if sh.n and D:
        blk.t = np.repeat(np.searchsorted(day, np.arange(D)), sh.n)
        rows = rid[day]
        blk.term(rows, v.idx("shift_up"), 1.0)
        blk.term(rows, v.idx("shift_down"), -1.0)
    return blk


# ---------------------------------------------------------------- links
def link_ramps(p: DispatchProblem, v: Variables) -> list[RowBlock]:
    """DC link ramps: ``|p[t] - p[t-1]| <= ramp_mw_per_h * dt`` (first hour only if p0 known)."""
    lk, T = p.links, p.T
    sel = np.flatnonzero(np.isfinite(lk.ramp_mw_per_h))
    if sel.size == 0 or T == 0:
        return []
    lim = lk.ramp_mw_per_h[sel] * p.dt_h
    p0 = lk.p0_mw[sel]
    has0 = np.isfinite(p0)
    idx = v.idx("link_p")[:, sel]
    out = []
    for fam, sign in (("link_ramp_up", 1.0), ("link_ramp_down", -1.0)):
        hi = np.tile(lim, (T, 1))
        hi[0] = np.where(has0, lim + sign * np.nan_to_num(p0), INF)
        blk, rid = _block(fam, "link", T, sel.size, -INF, hi)
        blk.element = sel[blk.element]
        blk.term(rid, idx, sign)
        blk.term(rid[1:], _prev(idx), -sign)
        keep = np.ones((T, sel.size), dtype=bool)
        keep[0] = has0
        _drop_rows(blk, rid, keep)
        out.append(blk)
    return out
