"""Unit commitment of thermal clusters: state transitions, minimum up and down times
and the integer unit counts of the MILP mode (layer 2: the maths).

A cluster of ``N`` identical units of size ``S`` (:func:`~gridsim.dispatch.problem.unit_counts`)
has committed capacity ``u``, started capacity ``su`` and shut-down capacity ``sd``
(MW). ``commitment="linear"`` keeps them continuous (the clustered LP relaxation);
``"milp"`` makes them integer multiples of ``S`` (``u = S n_on``, ``su = S n_su``,
``sd = S n_sd``). Notation as in :mod:`gridsim.dispatch.constraints`; ``C[t]`` is the
committable capacity (``avail · p_max``, in the MILP the whole units available),
``UT``/``DT`` the minimum up/down times in snapshots (``ceil(hours / dt)``).

Capacity that leaves service (``C`` falls) forces shut-downs that are not a choice:
``L[t] = max(C[t-1] - C[t], 0)`` (``C[-1] = u0``) is added to the allowance of both
time limits, so an outage never makes them infeasible. Between rolling windows the
started and shut-down capacity still within its minimum time is carried as
``su_before_mw`` / ``sd_before_mw`` (a ``"recent"`` carry,
:mod:`gridsim.dispatch.declarations`); should a window open with more capacity still
bound to stay off than is available, the down-time limit is clipped at zero.
"""

from __future__ import annotations

import numpy as np

from gridsim.dispatch.constraints import INF, RowBlock, _block, _prev
from gridsim.dispatch.problem import DispatchProblem, committable_mw, unit_counts
from gridsim.dispatch.variables import Variables

Arr = np.ndarray
EPS = 1e-9


def initial_commitment(p: DispatchProblem, commitment: str) -> Arr:
    """Committed capacity before the first snapshot (MW, ``(n,)``): ``u0_mw``, or the
    committable capacity of the first snapshot where NaN; whole units in the MILP."""
    th = p.thermal
    first = committable_mw(p, commitment)[0] if p.T else th.p_max_mw
    u0 = np.where(np.isnan(th.u0_mw), first, th.u0_mw)
    if commitment == "milp":
        _, size = unit_counts(th)
        u0 = np.round(u0 / size) * size
    return u0


def steps(hours: Arr, dt_h: float) -> Arr:
    """A duration in hours as a whole number of snapshots (rounded up)."""
    return np.ceil(np.asarray(hours, float) / dt_h - EPS).clip(min=0).astype(np.int64)


def unit_sizes(p: DispatchProblem, v: Variables) -> list[RowBlock]:
    """Whole units (MILP): ``u = S n_on``, ``su = S n_su``, ``sd = S n_sd`` (MW)."""
    th, T = p.thermal, p.T
    _, size = unit_counts(th)
    out = []
    for mw, n in (("thermal_u", "thermal_n_on"), ("thermal_su", "thermal_n_su"), ("thermal_sd", "thermal_n_sd")):  # fmt: skip
        blk, rid = _block(f"units_{mw[8:]}", "thermal", T, th.n, 0.0, 0.0)
        blk.term(rid, v.idx(mw), 1.0)
        blk.term(rid, v.idx(n), -size)
        out.append(blk)
    return out


def transitions(p: DispatchProblem, v: Variables, commitment: str = "linear") -> RowBlock:
    """State transitions: ``u[t] - u[t-1] = su[t] - sd[t]`` with ``u[-1] = u0`` (MW)."""
    th, T = p.thermal, p.T
    rhs = np.zeros((T, th.n))
    if T:
        rhs[0] = initial_commitment(p, commitment)
    blk, rid = _block("transition", "thermal", T, th.n, rhs, rhs)
    u = v.idx("thermal_u")
    blk.term(rid, u, 1.0)
    blk.term(rid[1:], _prev(u), -1.0)
    blk.term(rid, v.idx("thermal_su"), -1.0)
    blk.term(rid, v.idx("thermal_sd"), 1.0)
    return blk


def capacity_lost(p: DispatchProblem, commitment: str) -> Arr:
    """``L[t] = max(C[t-1] - C[t], 0)`` with ``C[-1] = u0`` (MW, ``(T, n)``)."""
    cap = committable_mw(p, commitment)
    if not p.T:
        return cap
    before = np.vstack([initial_commitment(p, commitment)[None, :], cap[:-1]])
    return np.maximum(before - cap, 0.0)


def _span_sum(x: Arr, d: Arr) -> Arr:
    """``Σ_{τ=max(0, t-d+1)..t} x[τ, k]`` for each ``t`` and element ``k`` (``d`` per element)."""
    T = x.shape[0]
    c = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
    t = np.arange(T)[:, None]
    lo = np.clip(t - d[None, :] + 1, 0, None)
    return np.take_along_axis(c, t + 1, 0) - np.take_along_axis(c, lo, 0)


def _window_terms(blk: RowBlock, rid: Arr, idx: Arr, d: Arr, coef: float) -> None:
    """Add ``coef · x[τ]`` for ``τ = t-d+1 .. t`` (τ ≥ 0) to row ``(t, k)``."""
    T = rid.shape[0]
    for k in range(int(d.max(initial=0))):
        sel = np.flatnonzero(d > k)
        if k >= T or sel.size == 0:
            break
        blk.term(rid[k:, sel], idx[: T - k, sel], coef)


def min_up_time(p: DispatchProblem, v: Variables, commitment: str = "linear") -> RowBlock:
    """Minimum up time, for clusters with ``UT ≥ 1``::

        u[t] - Σ_{τ=t-UT+1..t, τ≥0} su[τ]  ≥  su_before[t] - Σ_{same τ} L[τ]

    (capacity started in the last ``UT`` snapshots is still committed)."""
    th = p.thermal
    d = steps(th.min_up_time_h, p.dt_h)
    sel = np.flatnonzero(d > 0)
    lost = _span_sum(capacity_lost(p, commitment)[:, sel], d[sel])
    rhs = th.su_before_mw[:, sel] - lost
    blk, rid = _block("min_up", "thermal", p.T, sel.size, rhs, INF)
    blk.element = sel[blk.element]
    if sel.size:
        blk.term(rid, v.idx("thermal_u")[:, sel], 1.0)
        _window_terms(blk, rid, v.idx("thermal_su")[:, sel], d[sel], -1.0)
    return blk


def min_down_time(p: DispatchProblem, v: Variables, commitment: str = "linear") -> RowBlock:
    """Minimum down time, for clusters with ``DT ≥ 1``::

        u[t] + Σ_{τ=t-DT+1..t, τ≥0} sd[τ]  ≤  max(C[t] + Σ_{same τ} L[τ] - sd_before[t], 0)

    (at least ``u0`` while the span reaches back before the window)

    (capacity shut down in the last ``DT`` snapshots stays off: it is available but
    not committed)."""
    th = p.thermal
    d = steps(th.min_down_time_h, p.dt_h)
    sel = np.flatnonzero(d > 0)
    cap = committable_mw(p, commitment)[:, sel]
    lost = _span_sum(capacity_lost(p, commitment)[:, sel], d[sel])
    rhs = np.maximum(cap + lost - th.sd_before_mw[:, sel], 0.0)
    # while the span reaches back before the window, the transitions give
    # u[t] + Σ_{τ≤t} sd[τ] = u0 + Σ su ≥ u0: capacity shut down before the window that
    # has left service since cannot also be held off, so the bound is at least u0
    early = np.arange(p.T)[:, None] < d[sel][None, :]
    u0 = initial_commitment(p, commitment)[sel]
    rhs = np.where(early, np.maximum(rhs, u0[None, :]), rhs)
    blk, rid = _block("min_down", "thermal", p.T, sel.size, -INF, rhs)
    blk.element = sel[blk.element]
    if sel.size:
        blk.term(rid, v.idx("thermal_u")[:, sel], 1.0)
        _window_terms(blk, rid, v.idx("thermal_sd")[:, sel], d[sel], 1.0)
    return blk


def commitment_rows(p: DispatchProblem, v: Variables, commitment: str) -> list[RowBlock]:
    """Every commitment family of ``commitment`` (``linear`` or ``milp``)."""
    blocks = [transitions(p, v, commitment), min_up_time(p, v, commitment), min_down_time(p, v, commitment)]  # fmt: skip
    if commitment == "milp":
        blocks += unit_sizes(p, v)
    return blocks


__all__ = [
    "capacity_lost",
    "commitment_rows",
    "initial_commitment",
    "min_down_time",
    "min_up_time",
    "steps",
    "transitions",
    "unit_sizes",
]
