"""Branch flows, currents, loadings and element outputs from solved voltages.

Pure numerics: every function takes arrays and returns arrays. Voltages may be
one snapshot ``(n,)`` or many ``(n, T)``; results follow the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from gridsim.powerflow.compile import CompiledNetwork

SQRT3 = np.sqrt(3.0)


@dataclass
class BranchFlows:
    """Flows of every compiled branch (MW, Mvar, kA, %); shape (m,) or (m, T)."""

    p_from_mw: np.ndarray
    q_from_mvar: np.ndarray
    p_to_mw: np.ndarray
    q_to_mvar: np.ndarray
    i_from_ka: np.ndarray
    i_to_ka: np.ndarray
    loading_percent: np.ndarray

    @property
    def pl_mw(self) -> np.ndarray:
        return self.p_from_mw + self.p_to_mw

    @property
    def ql_mvar(self) -> np.ndarray:
        return self.q_from_mvar + self.q_to_mvar

    @property
    def i_ka(self) -> np.ndarray:
        return np.maximum(self.i_from_ka, self.i_to_ka)


def branch_flows(
    c: CompiledNetwork, yf: sp.csr_matrix, yt: sp.csr_matrix, v: np.ndarray
) -> BranchFlows:
    """Power and current at both ends of every branch for voltages ``v`` (pu)."""
    i_f = yf @ v
    i_t = yt @ v
    s_f = v[c.f] * np.conj(i_f) * c.sn_mva
    s_t = v[c.t] * np.conj(i_t) * c.sn_mva
    col = (slice(None), None) if v.ndim == 2 else (slice(None),)
    base_f = (c.sn_mva / (SQRT3 * c.vn_from_kv))[col]
    base_t = (c.sn_mva / (SQRT3 * c.vn_to_kv))[col]
    i_from = np.abs(i_f) * base_f
    i_to = np.abs(i_t) * base_t
    return BranchFlows(
        s_f.real, s_f.imag, s_t.real, s_t.imag, i_from, i_to, branch_loading(c, i_from, i_to)
    )


def branch_loading(c: CompiledNetwork, i_from_ka: np.ndarray, i_to_ka: np.ndarray) -> np.ndarray:
    """Loading in percent: lines by current against ``max_i_ka``; transformers by the
    larger end current times rated voltage against ``sn_mva`` (NaN without a rating)."""
    col = (slice(None), None) if i_from_ka.ndim == 2 else (slice(None),)
    is_line = c.is_line[col]
    with np.errstate(invalid="ignore", divide="ignore"):
        line_pct = np.maximum(i_from_ka, i_to_ka) / c.rate_i_ka[col] * 100
        s_f = i_from_ka * (SQRT3 * c.vn_from_kv)[col]
        s_t = i_to_ka * (SQRT3 * c.vn_to_kv)[col]
        trafo_pct = np.maximum(s_f, s_t) / c.rate_mva[col] * 100
    return np.where(is_line, line_pct, trafo_pct)


def bus_injections(ybus: sp.csr_matrix, v: np.ndarray, sn_mva: float) -> np.ndarray:
    """Complex power injected into the grid at each bus (MW + j Mvar)."""
    return v * np.conj(ybus @ v) * sn_mva


def element_outputs(c: CompiledNetwork, s_inj_mva: np.ndarray) -> dict[str, np.ndarray]:
    """Active/reactive output of generators and DC converters from bus injections.

    The slack generators take the active balance of their bus; the reactive balance
    of a voltage-controlled bus is shared equally among the generators and DC
    converter ends that control it. Works for ``s_inj_mva`` of shape (n,) or (n, T).
    """
    sn = c.sn_mva
    n = c.n_bus
    two_d = s_inj_mva.ndim == 2
    shape_tail = s_inj_mva.shape[1:]
    # known (scheduled) injections that are not voltage-controlled
    fixed = c.s_gen_pq_pu * sn - c.s_load_pu * sn - 0j
    fixed_q = fixed.imag
    fixed_p = fixed.real + c.p_gen_pv_pu * sn  # PV generators and DC ends have fixed P
    if two_d:
        fixed_q = fixed_q[:, None]
        fixed_p = fixed_p[:, None]
    q_ctrl = s_inj_mva.imag - fixed_q  # reactive power of the controlling elements
    p_slack = s_inj_mva.real - fixed_p
    gen_ctrl = c.gen_on & (c.gen_controllable | c.gen_slack)
    count = np.bincount(c.gen_bus[gen_ctrl], minlength=n).astype(float)
    dc_on = c.dc_from >= 0
    count += np.bincount(c.dc_from[dc_on], minlength=n) + np.bincount(c.dc_to[dc_on], minlength=n)
    share = np.divide(1.0, count, out=np.zeros(n), where=count > 0)
    if two_d:
        share = share[:, None]
    q_each = q_ctrl * share
    n_slack = np.bincount(c.gen_bus[c.gen_on & c.gen_slack], minlength=n).astype(float)
    slack_share = np.divide(1.0, n_slack, out=np.zeros(n), where=n_slack > 0)
    if two_d:
        slack_share = slack_share[:, None]
    g = len(c.gen_bus)
    on = c.gen_on
    bus = np.where(on, c.gen_bus, 0)
    p_gen = np.zeros((g, *shape_tail))
    q_gen = np.zeros((g, *shape_tail))
    sched = on & ~c.gen_slack
    p_gen[sched] = _expand(c.gen_p_set_mw[sched], shape_tail)
    pq_g = sched & ~c.gen_controllable
    q_gen[pq_g] = _expand(c.gen_q_set_mvar[pq_g], shape_tail)
    ctrl = on & (c.gen_controllable | c.gen_slack)
    q_gen[ctrl] = q_each[bus[ctrl]]
    sl = on & c.gen_slack
    p_gen[sl] = (p_slack * slack_share)[bus[sl]]
    out = {"p_gen_mw": p_gen, "q_gen_mvar": q_gen}
    k = len(c.dc_from)
    q_from = np.full((k, *shape_tail), np.nan)
    q_to = np.full((k, *shape_tail), np.nan)
    if dc_on.any():
        q_from[dc_on] = q_each[c.dc_from[dc_on]]
        q_to[dc_on] = q_each[c.dc_to[dc_on]]
    out["q_dc_from_mvar"] = q_from
    out["q_dc_to_mvar"] = q_to
    return out


def _expand(x: np.ndarray, tail: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(x.reshape(x.shape + (1,) * len(tail)), x.shape + tail)
