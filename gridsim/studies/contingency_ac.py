"""Full AC N-1: every single-branch outage solved by Newton-Raphson at one operating point.

The counterpart of lightsim2grid's ``ContingencyAnalysis`` and pandapower's
``run_contingency``: where :func:`gridsim.studies.contingency.run_contingency` screens
outages over many snapshots in the DC model, this solves each outage in full AC at the
network's own operating point. One Jacobian structure and LU analysis serve all
outages (:mod:`gridsim.powerflow.outages`). Outages that split the network are listed
and not solved.

>>> res = run_contingency_ac(net)                                   # doctest: +SKIP
>>> res.outages.head()                                              # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.network.network import Network
from gridsim.powerflow.compile import CompiledNetwork, compile_network
from gridsim.powerflow.flows_kernel import ac_results_into, branch_kernel_args
from gridsim.powerflow.jit import notify_first_compile
from gridsim.powerflow.newton import JacobianPattern, newton_pf
from gridsim.powerflow.outages import outage_stamps, solve_outages
from gridsim.powerflow.topology import bridges
from gridsim.powerflow.ybus import make_ybus
from gridsim.studies.powerflow import initial_voltage


@dataclass
class AcContingencyResult:
    """Per outage (rows of ``outages``, most severe first): ``converged``, ``iterations``,
    ``max_loading_percent`` and its ``branch``, ``vm_min_pu``/``vm_max_pu``.
    ``vm_pu``/``loading_percent`` are (K, n_bus)/(K, n_branch) arrays in the order of
    ``outage_names`` (NaN rows for outages not solved); ``islanding``: outages that
    split the network."""

    outages: pd.DataFrame
    outage_names: np.ndarray
    bus_names: np.ndarray
    branch_names: np.ndarray
    vm_pu: np.ndarray
    loading_percent: np.ndarray
    islanding: list[str]
    base_converged: bool
    time_s: float
    meta: dict = field(default_factory=dict)


def run_contingency_ac(
    net: Network,
    *,
    branches: Sequence[str] | None = None,
    per_circuit: bool = True,
    tol_mva: float = 1e-6,
    max_iter: int = 20,
) -> AcContingencyResult:
    """Solve every single outage (or those of ``branches``) in AC at the network's
    operating point; ``per_circuit`` as in :func:`run_contingency`.

    The base case must converge (else ``base_converged=False`` and no outage is solved).
    An outage that does not converge is reported with its status, never raised.
    """
    t0 = time.perf_counter()
    c = compile_network(net)
    notify_first_compile()  # after the checks: bad input never waits for a compile
    out_idx = _outage_indices(c, branches)
    share = 1.0 / c.parallel if per_circuit else np.ones(c.n_branch)
    ybus, yf, yt = make_ybus(c)
    s_bus = c.s_bus_pu()
    tol = tol_mva / c.sn_mva
    pattern = JacobianPattern(ybus, c.pv, c.pq)
    base = newton_pf(ybus, s_bus, initial_voltage(c), c.pv, c.pq, tol=tol, pattern=pattern)
    islands = _islanding(c, out_idx, share)
    solve = out_idx[~islands] if base.converged else out_idx[:0]
    k_all = len(out_idx)
    vm = np.full((k_all, c.n_bus), np.nan)
    loading = np.full((k_all, c.n_branch), np.nan)
    conv = np.zeros(k_all, bool)
    iters = np.zeros(k_all, np.int64)
    if len(solve):
        pos, val = outage_stamps(ybus, yf, yt, c.f, c.t)
        v, ok, it, _, _ = solve_outages(
            ybus,
            s_bus,
            base.v,
            pattern,
            pos[solve],
            val[solve] * share[solve, None],
            tol=tol,
            max_iter=max_iter,
        )
        for j in np.flatnonzero(~ok):  # retry alone: a fresh analysis with pivoting
            y_k = ybus.copy()
            y_k.data[pos[solve[j]]] -= val[solve[j]] * share[solve[j]]
            st = newton_pf(y_k, s_bus, base.v, c.pv, c.pq, tol=tol, max_iter=max_iter)
            v[j], ok[j], it[j] = st.v, st.converged, it[j] + st.iterations
        rows = np.flatnonzero(~islands) if base.converged else np.zeros(0, np.int64)
        buses = [np.empty((len(solve), c.n_bus)) for _ in range(2)]
        flows = [np.empty((len(solve), c.n_branch)) for _ in range(4)]
        load = np.empty((len(solve), c.n_branch))
        ac_results_into(*(v, *branch_kernel_args(c, yf, yt), 0, *buses, *flows, load))
        # the outaged branch: its remaining circuits against their share of the rating
        # (the full-branch admittance gives the same ratio); nothing if it is fully out
        whole = share[solve] >= 1.0
        load[np.flatnonzero(whole), solve[whole]] = np.nan
        load[~ok] = np.nan
        buses[0][~ok] = np.nan
        vm[rows] = buses[0]
        loading[rows] = load
        conv[rows] = ok
        iters[rows] = it
    table = _summary(c, out_idx, share, islands, conv, iters, vm, loading)
    return AcContingencyResult(
        outages=table,
        outage_names=c.branch_names[out_idx],
        bus_names=c.bus_names,
        branch_names=c.branch_names,
        vm_pu=vm,
        loading_percent=loading,
        islanding=[str(x) for x in c.branch_names[out_idx[islands]]],
        base_converged=bool(base.converged),
        time_s=time.perf_counter() - t0,
        meta={"n_outages": k_all, "per_circuit": per_circuit, "model": "ac-newton"},
    )


def _outage_indices(c: CompiledNetwork, branches: Sequence[str] | None) -> np.ndarray:
    if branches is None:
        return np.arange(c.n_branch)
    pos = {n: i for i, n in enumerate(c.branch_names)}
    missing = [b for b in branches if b not in pos]
    if missing:
        raise InputError(
            "is not an in-service line or transformer", field="branches", value=missing[0]
        )
    return np.array([pos[b] for b in branches], dtype=np.int64)


def _islanding(c: CompiledNetwork, out_idx: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Which outages split the network: a whole branch that is a bridge of the bus graph."""
    is_bridge = bridges(c.n_bus, c.f.astype(np.int64), c.t.astype(np.int64))
    return (share[out_idx] >= 1.0) & is_bridge[out_idx]


def _summary(c, out_idx, share, islands, conv, iters, vm, loading) -> pd.DataFrame:
    """One row per outage, most loaded first (islanding and failed outages last)."""
    with np.errstate(invalid="ignore"):
        any_load = np.isfinite(loading).any(axis=1)
        worst = np.where(any_load, np.nanargmax(np.where(any_load[:, None], loading, 0), 1), 0)
        max_load = np.where(any_load, loading[np.arange(len(out_idx)), worst], np.nan)
        any_vm = np.isfinite(vm).any(axis=1)
        safe_vm = np.where(any_vm[:, None], vm, 1.0)
        vm_min = np.where(any_vm, np.nanmin(safe_vm, axis=1), np.nan)
        vm_max = np.where(any_vm, np.nanmax(safe_vm, axis=1), np.nan)
    table = pd.DataFrame(
        {
            "outage": c.branch_names[out_idx],
            "circuits_out": np.where(share[out_idx] < 1.0, 1, c.parallel[out_idx]),
            "islanding": islands,
            "converged": conv,
            "iterations": iters,
            "max_loading_percent": max_load,
            "branch": np.where(any_load, c.branch_names[worst], ""),
            "vm_min_pu": vm_min,
            "vm_max_pu": vm_max,
        }
    )
    return table.sort_values(
        "max_loading_percent", ascending=False, na_position="last", kind="stable"
    ).reset_index(drop=True)
