"""DC sending-end stability: enough synchronous generation near each converter (layer 2).

A line-commutated converter needs a strong AC bus: its short-circuit ratio, the
short-circuit capacity at the converter bus over the DC power,
``SCR = S_sc / P_dc``, must stay above a least value ``SCR_min`` (IEEE Std 1204-1997
calls a system with SCR below 3 weak and below 2 very weak; see scenarios/README.md,
"DC sending-end stability", for the sources). The short-circuit capacity is taken as the
network's background level plus what the committed synchronous machines near the
converter add, each MW committed contributing ``1 / x`` MVA (``x`` the per-unit reactance
from the machines' internal voltage to the converter bus, on their own rating: the
subtransient reactance ``x''d`` plus, where known, the step-up transformer and the line)::

    S_sc[t] = base_mva[t] + Σ_{i near l} u[t, i] / x_i

so the rule is linear in the committed capacity ``u`` of the thermal clusters
(:mod:`gridsim.dispatch.commitment`) and in the link's power ``p``, for each rule ``l``
and snapshot ``t``::

    Σ_i k_i u[t, i] − SCR_min,l · p[t, l] + shortfall[t, l]  ≥  −base_mva[t, l]

i.e. ``Σ k_i u_i ≥ a_l + b_l p_l`` with ``k_i = 1/x_i``, ``a_l = −base_mva_l`` and
``b_l = SCR_min,l``. ``base_mva`` holds fixed contributions too (synchronous condensers:
their short-circuit MVA). Support that cannot be provided (the near units out of
service) is short at ``shortfall_cost_per_mvah``, far above any cost of committing a
unit, so an impossible rule is a priced shortfall, not an infeasible window.

The rule needs the committed capacity: ``commitment="linear"`` (continuous MW) or
``"milp"`` (whole units); :func:`dc_support_rows` raises ``ValueError`` for
``"none"``. The row's dual, per hour, is the shadow price of one MVA of short-circuit
capacity at the converter (CNY/MVA per hour); times ``k_i`` it is what one more MW
committed at unit ``i`` would save.
"""

from __future__ import annotations

import numpy as np

from gridsim.dispatch.constraints import INF, RowBlock, _block
from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.variables import Variables

Arr = np.ndarray
FAMILY = "dc_support"
"""The row family of the rule (its rows' duals are its shadow prices)."""


def dc_support_rows(p: DispatchProblem, v: Variables) -> list[RowBlock]:
    """One row per rule and snapshot (MVA)::

    Σ_{pairs (l, i)} mva_per_mw · u[t, i] − scr_min_l · p[t, link_l] + shortfall[t, l]
        ≥ −base_mva[t, l]
    """
    ds, du = p.dc_support, p.dc_support_units
    if ds.n == 0:
        return []
    if "thermal_u" not in v:
        raise ValueError(
            "DC stability rules (dc_support) need the committed capacity of thermal units:"
            " use commitment 'linear' or 'milp', not 'none'"
        )
    blk, rid = _block(FAMILY, FAMILY, p.T, ds.n, -ds.base_mva, INF)
    if du.n:
        blk.term(rid[:, du.rule], v.idx("thermal_u")[:, du.unit], du.mva_per_mw)
    blk.term(rid, v.idx("link_p")[:, ds.link], -ds.scr_min)
    blk.term(rid, v.idx("dc_support_shortfall"), 1.0)
    return [blk]


def short_circuit_mva(p: DispatchProblem, u_mw: Arr | None) -> Arr:
    """Short-circuit capacity at each rule's converter (MVA, ``(T, n_rules)``):
    ``base_mva + Σ_i mva_per_mw_i · u[t, i]`` for committed capacity ``u_mw`` (T, n_thermal)."""
    ds, du = p.dc_support, p.dc_support_units
    out = ds.base_mva.copy()
    if du.n and u_mw is not None:
        np.add.at(out.T, du.rule, (u_mw[:, du.unit] * du.mva_per_mw).T)
    return out


def dc_support_outputs(p: DispatchProblem, blocks: dict[str, Arr], dual: Arr | None) -> dict[str, Arr]:  # fmt: skip
    """Short-circuit capacity and requirement (MVA) and shadow price (CNY/MVA per hour)
    of each rule, ``(T, n_rules)``, from the solution's blocks and the rule's row duals
    (``None``: no rows)."""
    ds = p.dc_support
    sc = short_circuit_mva(p, blocks.get("thermal_u"))
    need = ds.scr_min[None, :] * blocks["link_p"][:, ds.link]
    price = np.zeros((p.T, ds.n))
    if dual is not None and ds.n:
        price = dual.reshape(p.T, ds.n) / p.dt_h
    return {"dc_support_sc_mva": sc, "dc_support_required_mva": need, "dc_support_price_per_mva": price}  # fmt: skip


def near_mw_per_rule(p: DispatchProblem, u_mw: Arr) -> Arr:
    """Committed capacity of each rule's listed clusters (MW, ``(T, n_rules)``)."""
    ds, du = p.dc_support, p.dc_support_units
    out = np.zeros((u_mw.shape[0], ds.n))
    if du.n:
        np.add.at(out.T, du.rule, u_mw[:, du.unit].T)
    return out


__all__ = ["FAMILY", "dc_support_outputs", "dc_support_rows", "near_mw_per_rule", "short_circuit_mva"]  # fmt: skip
