"""Spinning-reserve requirements of the dispatch, upward and downward (layer 2: the maths).

Each element of :class:`~gridsim.dispatch.problem.Reserves` is one system-wide
requirement in one direction; :func:`reserve_rows` gives one row per requirement and
snapshot. Storage headroom is not limited by the state of charge; wind and solar
provide no reserve (their output raises the requirement through ``renewable_share``).
"""

from __future__ import annotations

import numpy as np

from gridsim.dispatch.constraints import INF, RowBlock, _block
from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.variables import Variables

Arr = np.ndarray
DIRECTIONS = ("up", "down")


def requirement_mw(p: DispatchProblem) -> Arr:
    """The fixed part of each requirement, ``R + a Σ_n L_n`` (MW, ``(T, n_reserves)``);
    the part in wind and solar output (``b Σ_w p_w``) depends on the dispatch."""
    rs = p.reserves
    return rs.requirement_mw + rs.load_share[None, :] * p.nodes.load_mw.sum(axis=1)[:, None]


def _provision(p: DispatchProblem, v: Variables, direction: str) -> tuple[Arr, list[tuple[str, Arr | float]]]:  # fmt: skip
    """The reserve a direction gets: a constant part (MW, ``(T,)``) and variable terms
    ``(block, coefficient)`` summed over the block's elements."""
    th, hy, st = p.thermal, p.hydro, p.storage
    commit = "thermal_u" in v
    if direction == "up":
        const = hy.p_max_mw.sum(axis=1) + (st.avail_pu * st.p_max_mw).sum(axis=1)
        terms: list[tuple[str, Arr | float]] = [("thermal_p", -1.0), ("hydro_p", -1.0), ("storage_discharge", -1.0), ("storage_charge", 1.0)]  # fmt: skip
        if commit:
            terms.append(("thermal_u", 1.0))
        else:
            const = const + (th.avail_pu * th.p_max_mw).sum(axis=1)
        return const, terms
    const = -np.minimum(hy.p_min_mw, hy.p_max_mw).sum(axis=1) + (st.avail_pu * st.p_max_mw).sum(
        axis=1
    )
    terms = [("thermal_p", 1.0), ("hydro_p", 1.0), ("storage_discharge", 1.0), ("storage_charge", -1.0)]  # fmt: skip
    if commit:
        terms.append(("thermal_u", -th.p_min_share))
    else:
        const = const - th.must_run_mw.sum(axis=1)
    return const, terms


def reserve(p: DispatchProblem, v: Variables, direction: str) -> RowBlock:
    """Reserve in ``direction`` (MW), for each requirement ``r`` of that direction and
    snapshot.

    Upward, the headroom::

        Σ_g (u_g − p_g) + Σ_h (p̄_h − p_h) + Σ_s (P_s − discharge_s + charge_s)
            ≥ R_r + a_r Σ_n L_n + b_r Σ_w p_w

    downward, the footroom::

        Σ_g (p_g − m_g u_g) + Σ_h (p_h − p̲_h) + Σ_s (P_s − charge_s + discharge_s)
            ≥ R_r + a_r Σ_n L_n + b_r Σ_w p_w

    with ``u`` the committed thermal capacity and ``m`` its minimum stable share
    (without commitment: headroom ``avail · capacity − p``, footroom ``p`` above the
    must-run floor), ``p̄``/``p̲`` the hydro bounds, ``P`` the storage power rating,
    ``R`` = ``requirement_mw``, ``a`` = ``load_share``, ``b`` = ``renewable_share``
    and ``p_w`` the wind and solar output.
    """
    rs, T = p.reserves, p.T
    sel = np.flatnonzero(rs.direction == direction)
    const, terms = _provision(p, v, direction)
    need = requirement_mw(p)[:, sel]
    blk, rid = _block(f"reserve_{direction}", "reserve", T, sel.size, need - const[:, None], INF)
    blk.element = sel[blk.element]
    for j, r in enumerate(sel):
        row = rid[:, [j]]
        for name, coef in terms:
            blk.term(row, v.idx(name), coef)
        blk.term(row, v.idx("renewable_p"), -rs.renewable_share[r])
        blk.term(row, v.idx("reserve_shortfall")[:, [r]], 1.0)
    return blk


def reserve_rows(p: DispatchProblem, v: Variables) -> list[RowBlock]:
    """The upward and the downward reserve rows (:func:`reserve`)."""
    bad = sorted(set(map(str, p.reserves.direction)) - set(DIRECTIONS))
    if bad:
        raise ValueError(f"reserves.direction must be 'up' or 'down', got {bad}")
    return [reserve(p, v, d) for d in DIRECTIONS]


def reserve_outputs(p: DispatchProblem, v: Variables, blocks: dict[str, Arr], rows: dict[str, tuple[RowBlock, Arr]]) -> dict[str, Arr]:  # fmt: skip
    """Requirement, provision (MW) and price (CNY/MW per snapshot's hour) of each
    reserve, ``(T, n_reserves)``, from the solution's blocks and the reserve rows'
    ``(block, duals)``."""
    rs, T = p.reserves, p.T
    need = requirement_mw(p) + rs.renewable_share[None, :] * blocks["renewable_p"].sum(axis=1)[:, None]  # fmt: skip
    provided = np.zeros((T, rs.n))
    price = np.zeros((T, rs.n))
    for d in DIRECTIONS:
        sel = np.flatnonzero(rs.direction == d)
        if not sel.size:
            continue
        const, terms = _provision(p, v, d)
        total = const.copy()
        for name, coef in terms:
            total += (blocks[name] * coef).sum(axis=1)
        provided[:, sel] = total[:, None]
        blk, dual = rows[d]
        price[blk.t, blk.element] = dual / p.dt_h
    return {"reserve_requirement_mw": need, "reserve_provided_mw": provided, "reserve_price_per_mw": price}  # fmt: skip


__all__ = ["DIRECTIONS", "requirement_mw", "reserve", "reserve_outputs", "reserve_rows"]
