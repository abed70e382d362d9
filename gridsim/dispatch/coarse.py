"""The coarse pass of the parallel year (layer 1: data): a dispatch problem averaged
over blocks of hours, and its solution read back hour by hour.

:func:`coarsen` turns an hourly problem into one whose snapshots are blocks of
``hours`` (the series averaged, ``dt_h`` multiplied); the per-element totals (energy
budgets) are unchanged, so the coarse LP spends them over the same horizon.
:func:`expand` gives each hour its block's value, and :func:`soc_before` the storage
state at every hour boundary (linear within a block). Cyclic storage becomes a storage
that starts at its ``soc0_mwh`` and ends at least there, as in the rolling horizon.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gridsim.dispatch.declarations import CARRIES
from gridsim.dispatch.groups import array_field
from gridsim.dispatch.problem import DispatchProblem

Arr = np.ndarray

#: The outputs whose carry is a count of what started within a span (start-ups and
#: shut-downs): expanded as the block's value at its first hour, zero elsewhere.
IMPULSE_OUTPUTS = frozenset(name for name, c in CARRIES if c.how == "recent")


def block_starts(T: int, hours: int) -> Arr:
    """First snapshot of each block of ``hours`` snapshots (the last may be shorter)."""
    return np.arange(0, T, hours, dtype=np.int64)


def block_mean(a: Arr, hours: int) -> Arr:
    """Mean of ``a`` (T, ...) over blocks of ``hours`` rows (a shorter last block: its own mean)."""
    starts = block_starts(a.shape[0], hours)
    sums = np.add.reduceat(a, starts, axis=0) if a.shape[0] else a[:0]
    counts = np.diff(np.append(starts, a.shape[0])).astype(float)
    return sums / counts.reshape(-1, *([1] * (a.ndim - 1)))


def coarsen(p: DispatchProblem, hours: int) -> DispatchProblem:
    """The problem at blocks of ``hours`` snapshots: series averaged, ``dt_h`` x ``hours``,
    the first snapshot, day and topology period of each block; storage not cyclic
    (starts at ``soc0_mwh`` and, if cyclic, ends at least there)."""
    if hours < 1:
        raise ValueError(f"coarse_h must be at least 1, got {hours}")
    upd: dict[str, object] = {}
    for name, grp in p.groups().items():
        series = {
            f.name: block_mean(getattr(grp, f.name), hours)
            for f in dataclasses.fields(grp)
            if array_field(f).shape == "tn"
        }
        upd[name] = dataclasses.replace(grp, **series)
    st = upd["storage"]
    cyc = p.storage.cyclic.astype(bool)
    upd["storage"] = dataclasses.replace(
        st,  # type: ignore[type-var]
        cyclic=np.zeros(p.storage.n, dtype=bool),
        soc_end_min_mwh=np.where(cyc, p.storage.soc0_mwh, p.storage.soc_end_min_mwh),
    )
    starts = block_starts(p.T, hours)
    assert p.day is not None
    return dataclasses.replace(
        p,
        snapshots_ns=p.snapshots_ns[starts].copy(),
        nodes=dataclasses.replace(p.nodes, load_mw=block_mean(p.nodes.load_mw, hours)),
        day=p.day[starts].copy(),
        dt_h=p.dt_h * hours,
        ptdf_period=None if p.ptdf_period is None else p.ptdf_period[starts].copy(),
        meta={**p.meta, "coarse_h": hours},
        **upd,  # type: ignore[arg-type]
    )


def expand(arrays: dict[str, Arr], hours: int, T: int) -> dict[str, Arr]:
    """The coarse outputs hour by hour (T, n): each hour takes its block's value; the
    start-up and shut-down outputs (:data:`IMPULSE_OUTPUTS`) sit at the block's first hour."""
    starts = block_starts(T, hours)
    counts = np.diff(np.append(starts, T))
    out: dict[str, Arr] = {}
    for name, a in arrays.items():
        if a.ndim != 2 or a.shape[0] != starts.size:
            continue
        if name in IMPULSE_OUTPUTS:
            hourly = np.zeros((T, a.shape[1]))
            hourly[starts] = a
        else:
            hourly = np.repeat(a, counts, axis=0)
        out[name] = hourly
    return out


def soc_before(coarse_soc: Arr, soc0: Arr, hours: int, T: int) -> Arr:
    """Storage state before each hour ``0..T`` (T + 1, n) (MWh): the coarse state at
    each block's end, linear in between; ``soc0`` before the first hour."""
    starts = block_starts(T, hours)
    ends = np.append(starts[1:], T)
    knots_t = np.concatenate([[0], ends]).astype(float)
    knots = np.vstack([soc0[None, :], coarse_soc])
    t = np.arange(T + 1, dtype=float)
    return np.column_stack([np.interp(t, knots_t, knots[:, j]) for j in range(knots.shape[1])]) if knots.shape[1] else np.zeros((T + 1, 0))  # fmt: skip
