"""Voltage control in the AC check: which buses regulate their voltage in each hour.

A generator regulates its bus's voltage (PV) only while it is in service in that hour:

- **commitment**: a unit the dispatch commits (``thermal_u_mw``, committed MW) is online
  while its committed capacity is above zero, with that share of its rating (and of its
  reactive capability) in service; other controllable generators are always online. A
  bus whose regulating units are all offline is a PQ bus in that hour and its units give
  no reactive power;
- **reactive limits** (``enforce_q_limits``): a regulating bus whose units' reactive
  output would leave the online units' capability (the sum of ``share x min_q_mvar`` /
  ``share x max_q_mvar`` at the bus) becomes a PQ bus at that limit, the way
  :func:`gridsim.studies.powerflow.run_powerflow` (``enforce_q_lims``) and pandapower's
  ``runpp(enforce_q_lims=True)`` do it: every bus over its limit switches at once, the
  hour is solved again, and so on until no bus is over; a switched bus stays switched.
  Buses with a unit without limits (external grids) and slack buses are never switched.

The hours are solved in groups that share the same set of PQ-switched buses (one
Jacobian pattern per group; :func:`gridsim.powerflow.batch.solve_ac_batch`); after the
first pass only the hours with a bus over its limit are solved again.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from gridsim.network.network import Network
from gridsim.powerflow.batch import AcSeriesArrays, kernel_chunk, solve_ac_batch
from gridsim.powerflow.compile import PQ, PV, CompiledNetwork, compile_network
from gridsim.powerflow.flows_kernel import ac_results_into, branch_kernel_args
from gridsim.powerflow.jit import notify_first_compile, series_kernels
from gridsim.powerflow.newton import JacobianPattern, newton_pf
from gridsim.powerflow.ybus import make_ybus
from gridsim.studies.ac_check_inputs import Frames
from gridsim.studies.powerflow import initial_voltage
from gridsim.studies.timeseries import TimeSeriesResult, bus_injections_pu, series_inputs

Arr = np.ndarray
#: Generators whose reactive limit is at least this (Mvar) have none (external grids,
#: wind and PV without a declared capability).
NO_LIMIT_MVAR = 1e8
#: Committed capacity (MW) at or below which a unit is offline.
OFF_MW = 1e-6
#: Reactive output beyond a limit (Mvar) that switches a bus.
Q_TOL_MVAR = 1e-6
#: Groups of fewer hours are solved on one thread: waking the parallel kernel's
#: threads costs more than they save there.
SERIAL_HOURS = 1024


def online_share(frames: Frames, c: CompiledNetwork, max_p_mw: Arr, n_t: int) -> Arr:
    """Share of each generator's capability in service per hour (T, n_gen): committed
    capacity over rating where the dispatch commits the unit (``thermal_u_mw``; 0 at or
    below :data:`OFF_MW`), else 1."""
    out = np.ones((n_t, len(c.gen_names)))
    u = frames("thermal_u_mw")
    if u is None:
        return out
    pos = {str(n): i for i, n in enumerate(c.gen_names)}
    at = [(k, pos[str(col)]) for k, col in enumerate(u.columns) if str(col) in pos]
    if at:
        k, i = (np.array(x, np.int64) for x in zip(*at))
        u_mw = u.to_numpy(float)[:, k]
        rating = max_p_mw[i][None, :]
        share = np.clip(u_mw / np.where(rating > 0, rating, 1.0), 0.0, 1.0)
        out[:, i] = np.where(u_mw > OFF_MW, np.where(rating > 0, share, 1.0), 0.0)
    return out


@dataclass
class BusControl:
    """Per hour, the regulating buses' state (T, n_bus): ``off`` (no unit online: PQ,
    no reactive output), ``at_max`` / ``at_min`` (PQ at the online units' limit);
    ``q_max_mvar`` / ``q_min_mvar``: the online units' limits per bus (inf: none)."""

    off: Arr
    at_max: Arr
    at_min: Arr
    q_max_mvar: Arr
    q_min_mvar: Arr
    rounds: int = 0

    @property
    def pq(self) -> Arr:
        return self.off | self.at_max | self.at_min


def regulating(c: CompiledNetwork) -> Arr:
    """The generators that regulate their bus's voltage: in service, controllable, not a
    slack, on a PV bus."""
    gb = np.maximum(c.gen_bus, 0)
    return c.gen_on & c.gen_controllable & ~c.gen_slack & (c.bus_type[gb] == PV)


def bus_control(c: CompiledNetwork, online: Arr) -> BusControl:
    """The buses without a regulating unit online, and the online units' reactive limits
    per bus and hour (Mvar; inf where a unit without limits regulates)."""
    n_t = online.shape[0]
    reg = regulating(c)
    g = np.flatnonzero(reg)
    bus = c.gen_bus[g]
    qmax = c.gen_q_max_pu[g] * c.sn_mva
    qmin = c.gen_q_min_pu[g] * c.sn_mva
    unlimited = (np.abs(qmax) >= NO_LIMIT_MVAR) | (np.abs(qmin) >= NO_LIMIT_MVAR)
    on = np.ascontiguousarray(online[:, g].T)  # (units, T): each unit's hours in a row
    n_on = np.zeros((c.n_bus, n_t))
    hi = np.zeros((c.n_bus, n_t))
    lo = np.zeros((c.n_bus, n_t))
    free = np.zeros((c.n_bus, n_t))
    for j, b in enumerate(bus):  # few generators: one row each
        n_on[b] += on[j] > 0
        if unlimited[j]:
            free[b] += on[j] > 0
        else:
            hi[b] += on[j] * qmax[j]
            lo[b] += on[j] * qmin[j]
    pv = c.bus_type == PV
    off = ((n_on == 0) & (pv & np.isin(np.arange(c.n_bus), bus))[:, None]).T.copy()
    hi = np.where(free > 0, np.inf, hi).T.copy()
    lo = np.where(free > 0, -np.inf, lo).T.copy()
    none = np.zeros((n_t, c.n_bus), bool)
    return BusControl(off, none, none.copy(), hi, lo)


def solve_controlled(
    net: Network,
    inputs: Mapping[str, pd.DataFrame],
    online: Arr,
    *,
    enforce_q_limits: bool,
    engine: str = "numba",
    tol_mva: float = 1e-6,
    compiled: CompiledNetwork | None = None,
) -> tuple[TimeSeriesResult, BusControl]:
    """Solve every hour of ``inputs`` on ``net`` with the voltage control of the module
    docstring; ``online`` (T, n_gen): each compiled generator's share in service.

    The result's ``s_bus_pu`` holds the specified injections without the switched
    buses' reactive output, so that the computed injection less it is the generators'
    reactive power at every regulating bus. ``compiled``: ``net`` compiled already."""
    t0 = time.perf_counter()
    c = compiled if compiled is not None else compile_network(net)
    index, series = series_inputs(c, net, inputs)
    notify_first_compile(*series_kernels())
    n_t, n, m = len(index), c.n_bus, c.n_branch
    s_spec = bus_injections_pu(c, n_t, series)  # (n, T), a view of a (T, n) array
    ybus, yf, yt = make_ybus(c)
    branch = branch_kernel_args(c, yf, yt)
    ctl = bus_control(c, online)
    arrays = AcSeriesArrays(
        vm_pu=np.empty((n_t, n)),
        va_degree=np.empty((n_t, n)),
        p_from_mw=np.empty((n_t, m)),
        q_from_mvar=np.empty((n_t, m)),
        p_to_mw=np.empty((n_t, m)),
        q_to_mvar=np.empty((n_t, m)),
        loading_percent=np.empty((n_t, m)),
        converged=np.zeros(n_t, bool),
        iterations=np.zeros(n_t, np.int64),
        max_mismatch_pu=np.full(n_t, np.inf),
        worst_bus=np.full(n_t, -1, np.int64),
    )
    v_all = np.empty((n_t, n), complex)
    v_init = initial_voltage(c)
    tol = tol_mva / c.sn_mva
    hours = np.arange(n_t)
    cand = np.flatnonzero(c.bus_type == PV)
    for rnd in range(len(cand) + 1):
        _solve_groups(c, ybus, s_spec, ctl, cand, hours, v_all, arrays, v_init if rnd == 0 else None, tol, engine)  # fmt: skip
        ctl.rounds = rnd + 1
        if not enforce_q_limits or not len(cand):
            break
        hours = _switch_over_limits(c, ybus, s_spec, ctl, cand, v_all, arrays.converged, hours)
        if not len(hours):
            break
    # voltages, flows and loadings of every hour in one pass
    ac_results_into(*(v_all, *branch, 0, *_result_list(arrays)))
    failed = ~arrays.converged
    if failed.any():  # a diverged iterate is no result: NaN in every array
        for name in ("vm_pu", "va_degree", "p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar", "loading_percent"):  # fmt: skip
            getattr(arrays, name)[failed] = np.nan
    worst = np.where(arrays.converged, "", c.bus_names[np.maximum(arrays.worst_bus, 0)])
    ts = TimeSeriesResult(
        snapshots=index,
        bus_names=c.bus_names,
        branch_names=c.branch_names,
        vm_pu=arrays.vm_pu,
        va_degree=arrays.va_degree,
        p_from_mw=arrays.p_from_mw,
        q_from_mvar=arrays.q_from_mvar,
        p_to_mw=arrays.p_to_mw,
        q_to_mvar=arrays.q_to_mvar,
        loading_percent=arrays.loading_percent,
        converged=arrays.converged,
        iterations=arrays.iterations,
        max_mismatch_mva=arrays.max_mismatch_pu * c.sn_mva,
        worst_bus=worst.astype(object),
        algorithm="ac",
        time_s=time.perf_counter() - t0,
        compiled=c,
        s_bus_pu=s_spec,
    )
    return ts, ctl


def _solve_groups(
    c: CompiledNetwork,
    ybus: sp.csr_matrix,
    s_spec: Arr,
    ctl: BusControl,
    cand: Arr,
    hours: Arr,
    v_all: Arr,
    out: AcSeriesArrays,
    v_init: Arr | None,
    tol: float,
    engine: str,
) -> None:
    """Solve ``hours`` in groups of the same PQ-switched buses; ``v_init`` (n,): every
    hour's start (None: each hour's last solution)."""
    pq = ctl.pq[hours]
    q_fix = None  # Mvar the switched buses' units give (None: no bus at a limit)
    if ctl.at_max.any() or ctl.at_min.any():
        q_fix = np.where(ctl.at_max[hours], ctl.q_max_mvar[hours], 0.0) + np.where(ctl.at_min[hours], ctl.q_min_mvar[hours], 0.0)  # fmt: skip
    s_tn = s_spec.T  # (T, n), C-ordered: rows of hours gather without a transpose
    # the groups: hours with the same switched buses (their bits packed into one key)
    packed = np.ascontiguousarray(np.packbits(pq[:, cand], axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)
    _, first, group = np.unique(keys, return_index=True, return_inverse=True)
    group = group.reshape(-1)
    size = kernel_chunk(c.n_bus, c.n_branch, len(hours))
    start = None
    for g in np.argsort(-np.bincount(group), kind="stable"):  # the largest group first
        rows = np.flatnonzero(group == g)
        bus_type = c.bus_type.copy()
        bus_type[pq[first[g]]] = PQ
        cg = dataclasses.replace(c, bus_type=bus_type)
        pattern = JacobianPattern(ybus, cg.pv, cg.pq)
        if v_init is not None and start is None:
            # one solve at the largest group's mean injection, as run_timeseries: the
            # start of every group, with its own regulating buses at their set-points
            s_mean = s_tn[hours[rows]].mean(axis=0)
            if q_fix is not None:
                s_mean = s_mean + 1j * q_fix[rows].mean(axis=0) / c.sn_mva
            mean = newton_pf(ybus, s_mean, v_init, cg.pv, cg.pq, tol=tol, pattern=pattern)
            start = mean.v if mean.converged else v_init
        v_start = None
        if start is not None:
            vm = np.where(bus_type == PQ, np.abs(start), c.v_set_pu)
            v_start = vm * np.exp(1j * np.angle(start))
        for lo in range(0, len(rows), size):
            part = rows[lo : lo + size]
            h = hours[part]
            s = (s_tn[h] if q_fix is None else s_tn[h] + 1j * (q_fix[part] / c.sn_mva)).T
            v0 = np.broadcast_to(v_start[:, None], s.shape) if v_start is not None else v_all[h].T  # fmt: skip
            with _threads(1 if len(h) < SERIAL_HOURS else None):
                st = solve_ac_batch(cg, ybus, s, v0, tol=tol, pattern=pattern, engine=engine)
            v_all[h] = st.v.T
            out.converged[h] = st.converged
            out.iterations[h] += st.iterations
            out.max_mismatch_pu[h] = st.max_mismatch_pu
            out.worst_bus[h] = st.worst_bus


@contextmanager
def _threads(n: int | None) -> Iterator[None]:
    """numba's threads limited to ``n`` inside the block (None: unchanged)."""
    if n is None:
        yield
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(min(n, before))
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _result_list(out: AcSeriesArrays) -> list[Arr]:
    return [out.vm_pu, out.va_degree, out.p_from_mw, out.q_from_mvar, out.p_to_mw, out.q_to_mvar, out.loading_percent]  # fmt: skip


def _switch_over_limits(
    c: CompiledNetwork,
    ybus: sp.csr_matrix,
    s_spec: Arr,
    ctl: BusControl,
    cand: Arr,
    v_all: Arr,
    converged: Arr,
    hours: Arr,
) -> Arr:
    """Switch the regulating buses of ``hours`` whose units' reactive output is beyond
    the online limits to PQ at that limit; returns the hours with a switch."""
    h = hours[converged[hours]]
    if not len(h):
        return h
    v = v_all[h][:, cand]  # (k, c)
    i_inj = (ybus[cand] @ v_all[h].T).T  # (k, c): Ybus V at the candidate buses
    q_mvar = ((v * np.conj(i_inj)).imag - s_spec[cand][:, h].T.imag) * c.sn_mva
    live = ~ctl.pq[np.ix_(h, cand)]
    over = live & (q_mvar > ctl.q_max_mvar[np.ix_(h, cand)] + Q_TOL_MVAR)
    under = live & (q_mvar < ctl.q_min_mvar[np.ix_(h, cand)] - Q_TOL_MVAR)
    hit = over | under
    rows = np.flatnonzero(hit.any(axis=1))
    if not len(rows):
        return rows
    hh = h[rows]
    ctl.at_max[np.ix_(hh, cand)] |= over[rows]
    ctl.at_min[np.ix_(hh, cand)] |= under[rows]
    return hh


__all__ = [
    "NO_LIMIT_MVAR",
    "BusControl",
    "bus_control",
    "online_share",
    "regulating",
    "solve_controlled",
]
