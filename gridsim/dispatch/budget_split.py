"""How the parallel year splits each energy budget over its windows (layer 2: numerics).

The energy budgets of a dispatch (hydro energy, curtailable demand response, the least
and most energy of each DC link) hold over the whole horizon. The coarse pass, itself a
rolling horizon of coarse windows, hands each of its windows a share of every budget
(:func:`gridsim.dispatch.windows._window_problem`). :class:`CoarseQuota` turns each
coarse window, as soon as it is solved, into an hourly **quota** over the hours it
keeps: the energy the coarse pass spent in each hour, and

- for a budget that is a most (hydro, demand response, a link's most energy): plus the
  part of the coarse window's share that the window left unspent, spread by hours over
  the window (its look-ahead included);
- for a budget that is a least (a link's least energy): scaled down where the coarse
  window spent more than its share.

An even window's amount is the quota of its hours, never below what its elements
deliver at minimum output nor above what they can deliver; the amounts of a most, in
the order the windows are built, never exceed the budget less what the odd windows
must deliver. The odd windows then share what the even windows left
(:func:`odd_budgets`, by :func:`allocate`), so every budget holds over the horizon.
Because a quota depends only on the coarse windows before it, an even window can be
solved while the coarse pass goes on.
"""

from __future__ import annotations

import numpy as np

from gridsim.dispatch.coarse import block_starts
from gridsim.dispatch.declarations import CARRIES
from gridsim.dispatch.problem import DispatchProblem

Arr = np.ndarray
#: The budget carries: (output, group, field, is a least) of each energy spread over
#: the horizon.
BUDGETS = tuple((name, c.group, c.field, c.floor) for name, c in CARRIES if c.how == "budget")


class CoarseQuota:
    """The hourly quota of every budget (MWh per snapshot of ``p``, ``(T, n)``; NaN where
    the element has no budget or the coarse pass has not reached the hour), filled
    coarse window by coarse window (:meth:`add`), and the amounts of the even windows
    (:meth:`amounts`). ``odd_bounds``: the odd windows' ``(t0, t1)``, whose minimum
    output the amounts of a most leave room for."""

    def __init__(self, p: DispatchProblem, coarse_h: int, odd_bounds: list[tuple[int, int]]) -> None:  # fmt: skip
        self.p = p
        self.coarse_h = coarse_h
        self.known_h = 0
        self.quota = {(g, f): np.full((p.T, getattr(p, g).n), np.nan) for _, g, f, _ in BUDGETS}
        self.left = {}
        for _, g, f, floor in BUDGETS:
            if not floor:
                odd_min = sum((must_deliver(p, g, a, b) for a, b in odd_bounds), np.zeros(getattr(p, g).n))  # fmt: skip
                self.left[(g, f)] = getattr(getattr(p, g), f) - odd_min

    def add(self, window: DispatchProblem, arrays: dict[str, Arr], c0: int, c1: int, ce: int) -> None:  # fmt: skip
        """Take in the coarse window that kept coarse snapshots ``c0:c1`` and solved
        ``c0:ce``: ``window`` its problem (its budget shares), ``arrays`` its outputs
        (``ce - c0`` rows, MW)."""
        p = self.p
        counts = np.diff(np.append(block_starts(p.T, self.coarse_h), p.T))
        h0, h1 = int(counts[:c0].sum()), int(counts[:c1].sum())
        span = int(counts[c0:ce].sum())
        for name, g, f, floor in BUDGETS:
            share = getattr(getattr(window, g), f)
            out = np.nan_to_num(arrays[name][: ce - c0])
            spent = out.sum(axis=0) * window.dt_h
            hourly = np.repeat(out[: c1 - c0], counts[c0:c1], axis=0) * p.dt_h
            if floor:
                factor = np.divide(share, spent, out=np.zeros_like(share), where=spent > 0)
                q = hourly * np.minimum(factor, 1.0)
            else:
                q = hourly + np.maximum(share - spent, 0.0) / max(span, 1)
            self.quota[(g, f)][h0:h1] = np.where(np.isfinite(share), q, np.nan)
        self.known_h = h1

    def amounts(self, t0: int, t1: int) -> dict[tuple[str, str], Arr]:
        """The budgets of the even window of snapshots ``t0:t1`` (MWh, ``(n,)`` each);
        call in the order the windows are built."""
        p = self.p
        out = {}
        for _, g, f, floor in BUDGETS:
            total = getattr(getattr(p, g), f)
            low, cap = must_deliver(p, g, t0, t1), capability(p, g, t0, t1)
            amount = np.clip(np.nansum(self.quota[(g, f)][t0:t1], axis=0), low, cap)
            if not floor:
                amount = np.minimum(amount, np.maximum(self.left[(g, f)], np.minimum(low, cap)))
                self.left[(g, f)] = self.left[(g, f)] - amount
            out[(g, f)] = np.where(np.isfinite(total), amount, np.nan)
        return out


def allocate(total: Arr, weight: Arr, cap: Arr, floor: Arr | None = None) -> Arr:
    """Split ``total`` (n,) over K parts: each part first gets its ``floor`` (K, n; what
    it must take, default 0), the rest goes in proportion to ``weight`` (K, n) (equally
    where a column's weights are all zero), no part above its ``cap`` (K, n): what a
    full part cannot take goes to the others in proportion (MWh). NaN totals stay NaN."""
    K, n = weight.shape
    base = np.zeros((K, n)) if floor is None else np.minimum(floor, cap)
    out = np.full((K, n), np.nan)
    for j in range(n):
        if not np.isfinite(total[j]):
            continue
        w = weight[:, j] if weight[:, j].sum() > 0 else np.ones(K)
        c = np.maximum(cap[:, j] - base[:, j], 0.0)
        alloc = np.zeros(K)
        free = np.ones(K, dtype=bool)
        left = max(float(total[j]) - float(base[:, j].sum()), 0.0)
        for _ in range(K):
            share = np.where(free, w, 0.0)
            if left <= 0 or share.sum() <= 0:
                break
            want = alloc + left * share / share.sum()
            full = free & (want >= c)
            if not full.any():
                alloc = want
                break
            left -= float((c[full] - alloc[full]).sum())
            alloc[full] = c[full]
            free &= ~full
        out[:, j] = base[:, j] + alloc
    return out


def capability(p: DispatchProblem, group: str, t0: int, t1: int) -> Arr:
    """Most energy each element of ``group`` can deliver in ``t0:t1`` (MWh, (n,))."""
    return np.nansum(getattr(p, group).p_max_mw[t0:t1], axis=0) * p.dt_h


def must_deliver(p: DispatchProblem, group: str, t0: int, t1: int) -> Arr:
    """Least energy each element of ``group`` delivers in ``t0:t1`` at its minimum output
    (MWh, (n,); zero for a group without one)."""
    grp = getattr(p, group)
    low = getattr(grp, "p_min_mw", None)
    if low is None:
        return np.zeros(grp.n)
    return np.nansum(np.minimum(np.maximum(low[t0:t1], 0.0), grp.p_max_mw[t0:t1]), axis=0) * p.dt_h


def odd_budgets(
    p: DispatchProblem, done: dict[str, Arr], spread: dict[str, Arr], bounds: list[tuple[int, int]]
) -> dict[int, dict[tuple[str, str], Arr]]:
    """What the even windows left of each budget (``done``: the dispatch so far), spread
    over the odd windows as the coarse pass spent it (``spread``: MWh per snapshot), no
    window below what its minimum output delivers nor above what it can deliver."""
    odd = list(range(1, len(bounds), 2))
    out: dict[int, dict[tuple[str, str], Arr]] = {k: {} for k in odd}
    if not odd:
        return out
    for name, group, fld, _ in BUDGETS:
        total = getattr(getattr(p, group), fld)
        used = sum(np.nansum(done[name][a:b], axis=0) for a, b in bounds[0::2]) * p.dt_h
        weight = np.array([spread[name][slice(*bounds[k])].sum(axis=0) for k in odd])
        cap = np.array([capability(p, group, *bounds[k]) for k in odd])
        floor = np.array([must_deliver(p, group, *bounds[k]) for k in odd])
        parts = allocate(total - used, weight, cap, floor)
        for i, k in enumerate(odd):
            out[k][(group, fld)] = np.where(np.isfinite(total), parts[i], np.nan)
    return out


__all__ = ["BUDGETS", "CoarseQuota", "allocate", "capability", "must_deliver", "odd_budgets"]
