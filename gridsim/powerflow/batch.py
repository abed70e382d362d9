"""Batched AC power flow over many snapshots (pure numerics).

Engines (``engine=``):

- ``"numba"`` (default): compiled Newton-Raphson (:mod:`gridsim.powerflow.nr_kernel`).
  One LU analysis serves every snapshot; blocks of snapshots run in parallel threads,
  each snapshot starting from its predecessor's solution and reusing its LU factors
  while every step still cuts the mismatch by :data:`CHORD_RATE` (refactorising
  otherwise), so most snapshots need no factorisation at all. Batches of at least
  :data:`~gridsim.powerflow.nr_lanes.LANES` snapshots are solved that many at a time
  (:mod:`gridsim.powerflow.nr_lanes`: one SIMD lane per snapshot, the same reuse) while
  their factors fit in :data:`LANES_MAX_BYTES`.
- ``"numba-fd"``: compiled fast-decoupled iterations (constant ``B'``/``B''``
  factors), then Newton-Raphson for the snapshots it leaves unconverged;
- ``"numpy"``: the same fast-decoupled method vectorised over snapshots in numpy.

All engines converge every snapshot to the same mismatch tolerance. Snapshots are
processed in chunks so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from gridsim.powerflow.compile import CompiledNetwork
from gridsim.powerflow.factors import PIVOT_TOL
from gridsim.powerflow.fdpf import BatchStatus, FastDecoupled
from gridsim.powerflow.flows_kernel import ac_results_into, branch_kernel_args
from gridsim.powerflow.newton import JacobianPattern, newton_pf
from gridsim.powerflow.nr_kernel import STATUS_OK, NewtonSettings, newton_batch
from gridsim.powerflow.nr_lanes import LANE_RUN, LANES, newton_lanes_batch

ENGINES = ("numba", "numba-fd", "numpy")

CHORD_RATE = 0.1
"""Compiled Newton engine: LU factors are reused (from the previous iteration or
snapshot) while each step cuts the largest mismatch at least tenfold."""

LANES_MAX_BYTES = 256 * 2**20
"""Compiled Newton engine: the lanes kernel is used while one thread's lane arrays (the
Jacobian and its LU factors for every lane) take at most this much memory. Measured
against one snapshot at a time, 1,000-2,000 snapshots, 2 threads: Ningxia (31 buses)
about 3x, case118 2x, case1354pegase and case2869pegase 1.8x faster."""

CHUNK_BYTES = 8 * 2**20
"""numpy engine: target memory of one chunk's complex (n x T) working arrays, small
enough that the element-wise passes of an iteration run from cache."""
KERNEL_CHUNK_BYTES = 256 * 2**20
"""Compiled engine: target memory of one chunk (bounds memory for large cases)."""


MIN_CHUNK = 64
"""Fewest snapshots per chunk: below this, per-call overhead outweighs cache gains."""


def chunk_size(
    n_bus: int, n_branch: int, n_t: int, chunk: int | None = None, target_bytes: int = 8 * 2**20
) -> int:
    """Snapshots per chunk so that the working arrays stay near ``target_bytes``."""
    if chunk:
        return max(1, min(chunk, n_t))
    per_snapshot = 16 * (6 * n_bus + 4 * n_branch)
    return int(max(1, min(n_t, max(MIN_CHUNK, target_bytes // max(per_snapshot, 1)))))


LANE_BLOCKS_PER_CHUNK = 4
"""Compiled engine: a chunk holds at least this many lane blocks (``LANES x
LANE_RUN`` snapshots each), so that both threads have blocks to share out even when
memory would make the chunks smaller."""


def kernel_chunk(n_bus: int, n_branch: int, n_t: int, chunk: int | None = None) -> int:
    """Snapshots per chunk of the compiled engine: bounded by memory
    (:data:`KERNEL_CHUNK_BYTES`) but never fewer than :data:`LANE_BLOCKS_PER_CHUNK`
    lane blocks (a chunk of one block would run on one thread); ``chunk``: the
    caller's size, as it is."""
    if chunk:
        return max(1, min(chunk, n_t))
    size = chunk_size(n_bus, n_branch, n_t, None, target_bytes=KERNEL_CHUNK_BYTES)
    return min(n_t, max(size, LANE_BLOCKS_PER_CHUNK * LANES * LANE_RUN))


def solve_ac_batch(
    c: CompiledNetwork,
    ybus: sp.csr_matrix,
    s_bus: np.ndarray,
    v_start: np.ndarray,
    *,
    tol: float = 1e-8,
    fd_iter: int = 30,
    nr_iter: int = 20,
    variant: str = "xb",
    fd: FastDecoupled | None = None,
    pattern: JacobianPattern | None = None,
    engine: str = "numba",
) -> BatchStatus:
    """Solve snapshots ``s_bus`` (n, T) from ``v_start`` (n,) or (n, T); tolerance in pu.

    Returns per-snapshot convergence; a snapshot that fails both methods keeps its
    last iterate and ``converged=False`` without affecting the others.
    """
    n_t = s_bus.shape[1]
    v0 = np.broadcast_to(v_start[:, None] if v_start.ndim == 1 else v_start, s_bus.shape)
    if engine == "numba":
        pattern = pattern or JacobianPattern(ybus, c.pv, c.pq)
        st = solve_nr_compiled(ybus, s_bus, v0, pattern, tol=tol, max_iter=nr_iter)
    elif engine == "numba-fd":
        fd = fd or FastDecoupled(c, ybus, variant)
        st = fd.solve_compiled(s_bus, v0, tol=tol, max_iter=fd_iter)
    elif engine == "numpy":
        fd = fd or FastDecoupled(c, ybus, variant)
        st = fd.solve(s_bus, v0, tol=tol, max_iter=fd_iter)
    else:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    _retry_failed(c, ybus, s_bus, v0, st.v.T, st, pattern, tol, nr_iter)
    assert st.v.shape[1] == n_t
    return st


def _retry_failed(
    c: CompiledNetwork,
    ybus: sp.csr_matrix,
    s_bus: np.ndarray,
    v0: np.ndarray,
    v_tn: np.ndarray,
    st: BatchStatus,
    pattern: JacobianPattern | None,
    tol: float,
    nr_iter: int,
) -> None:
    """Newton-Raphson, one snapshot at a time, for the snapshots ``st`` left unconverged:
    from their last iterate, then from ``v0``. Updates ``v_tn`` (T, n) and ``st``."""
    todo = np.flatnonzero(~st.converged)
    if not len(todo):
        return
    pattern = pattern or JacobianPattern(ybus, c.pv, c.pq)
    for k in todo:
        start = v_tn[k] if np.all(np.isfinite(v_tn[k])) else v0[:, k]
        nr = newton_pf(
            ybus, s_bus[:, k], start, c.pv, c.pq, tol=tol, max_iter=nr_iter, pattern=pattern
        )
        if not nr.converged and not np.array_equal(start, v0[:, k]):
            nr = newton_pf(
                ybus, s_bus[:, k], v0[:, k], c.pv, c.pq, tol=tol, max_iter=nr_iter, pattern=pattern
            )
        v_tn[k] = nr.v
        st.converged[k] = nr.converged
        st.iterations[k] += nr.iterations
        st.max_mismatch_pu[k] = nr.max_mismatch_pu
        st.worst_bus[k] = nr.worst_bus


@dataclass
class AcSeriesArrays:
    """Preallocated results of an AC time series, snapshots first: (T, n) / (T, m) / (T,)."""

    vm_pu: np.ndarray
    va_degree: np.ndarray
    p_from_mw: np.ndarray
    q_from_mvar: np.ndarray
    p_to_mw: np.ndarray
    q_to_mvar: np.ndarray
    loading_percent: np.ndarray
    converged: np.ndarray  # bool
    iterations: np.ndarray  # int
    max_mismatch_pu: np.ndarray
    worst_bus: np.ndarray  # internal bus index of the largest mismatch (-1: none)


def solve_ac_series(
    c: CompiledNetwork,
    ybus: sp.csr_matrix,
    yf: sp.csr_matrix,
    yt: sp.csr_matrix,
    s_bus_of: Callable[[slice], np.ndarray],
    n_t: int,
    v_start: np.ndarray,
    out: AcSeriesArrays,
    *,
    tol: float = 1e-8,
    chunk: int | None = None,
    engine: str = "numba",
    nr_iter: int = 20,
) -> None:
    """Solve ``n_t`` snapshots chunk by chunk into ``out``.

    ``s_bus_of(sl)`` gives the (n, len) per-unit injections of the snapshots ``sl``;
    ``v_start`` (n,) is every snapshot's fallback start. Voltages, flows and loadings
    are written by the compiled result kernel, straight into ``out``.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    # the compiled kernels work snapshot by snapshot, so only memory bounds their chunks;
    # the numpy engine wants cache-sized chunks
    if engine == "numpy":
        size = chunk_size(c.n_bus, c.n_branch, n_t, chunk, target_bytes=CHUNK_BYTES)
    else:
        size = kernel_chunk(c.n_bus, c.n_branch, n_t, chunk)
    fd = FastDecoupled(c, ybus, "xb") if engine != "numba" else None
    pattern = JacobianPattern(ybus, c.pv, c.pq)
    branch = branch_kernel_args(c, yf, yt)
    # The products here are small (n x n by n x chunk): one BLAS thread avoids the
    # synchronisation cost that dominates when threads contend for few cores.
    with _blas_controller().limit(limits=1, user_api="blas"):
        for start in range(0, n_t, size):
            sl = slice(start, min(n_t, start + size))
            s_chunk = s_bus_of(sl)
            v0 = np.broadcast_to(v_start[:, None], s_chunk.shape)
            if engine == "numba":
                st, v_tn = _nr_compiled(ybus, s_chunk, v0, pattern, tol, nr_iter, None)
            else:
                st = solve_ac_batch(
                    c, ybus, s_chunk, v_start, tol=tol, fd=fd, pattern=pattern, engine=engine
                )
                v_tn = np.ascontiguousarray(st.v.T)
            _retry_failed(c, ybus, s_chunk, v0, v_tn, st, pattern, tol, nr_iter)
            ac_results_into(*(v_tn, *branch, sl.start, *_result_arrays(out)))
            out.converged[sl] = st.converged
            out.iterations[sl] = st.iterations
            out.max_mismatch_pu[sl] = st.max_mismatch_pu
            out.worst_bus[sl] = st.worst_bus


_CONTROLLER: list[ThreadpoolController] = []


def _blas_controller() -> ThreadpoolController:
    """The thread pools of the loaded libraries, found once (finding them costs ms)."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def _result_arrays(out: AcSeriesArrays) -> tuple[np.ndarray, ...]:
    """The arrays :func:`ac_results_into` writes, in its argument order."""
    return (
        out.vm_pu,
        out.va_degree,
        out.p_from_mw,
        out.q_from_mvar,
        out.p_to_mw,
        out.q_to_mvar,
        out.loading_percent,
    )


def solve_nr_compiled(
    ybus: sp.csr_matrix,
    s_bus: np.ndarray,
    v0: np.ndarray,
    pattern: JacobianPattern,
    *,
    tol: float = 1e-8,
    max_iter: int = 20,
    chord_rate: float | None = None,
    kernel: str = "auto",
) -> BatchStatus:
    """Newton-Raphson for snapshots ``s_bus`` (n, T) from ``v0`` (n, T), compiled.

    Snapshots the kernel leaves unconverged (or whose fixed pivots fail) are returned
    as they are; :func:`solve_ac_batch` retries them one by one. ``kernel``: ``"chord"``
    (:func:`~gridsim.powerflow.nr_kernel.newton_batch`, one snapshot at a time),
    ``"lanes"`` (:func:`~gridsim.powerflow.nr_lanes.newton_lanes_batch`, several at a
    time) or ``"auto"`` (lanes for at least ``LANES`` snapshots whose lane arrays fit
    in :data:`LANES_MAX_BYTES`, see :func:`lanes_fit`).
    ``chord_rate``: see :data:`CHORD_RATE` (the default); 0 refactorises at every
    iteration.
    """
    st, v_tn = _nr_compiled(ybus, s_bus, v0, pattern, tol, max_iter, chord_rate, kernel)
    st.v = np.ascontiguousarray(v_tn.T)
    return st


def lanes_fit(pattern: JacobianPattern, n_t: int) -> bool:
    """Whether ``"auto"`` picks the lanes kernel for ``n_t`` snapshots of ``pattern``:
    at least :data:`~gridsim.powerflow.nr_lanes.LANES` of them (fewer would leave lanes
    idle) and lane arrays within :data:`LANES_MAX_BYTES`."""
    per_lane = pattern.lu().nnz + len(pattern.jacobian_map.indices) + 8 * pattern.size
    return n_t >= LANES and 8 * LANES * per_lane <= LANES_MAX_BYTES


def _nr_compiled(
    ybus: sp.csr_matrix,
    s_bus: np.ndarray,
    v0: np.ndarray,
    pattern: JacobianPattern,
    tol: float,
    max_iter: int,
    chord_rate: float | None,
    kernel: str = "auto",
) -> tuple[BatchStatus, np.ndarray]:
    """:func:`solve_nr_compiled` returning the voltages snapshot-major (T, n) beside a
    status whose ``v`` is that array's transpose (a view)."""
    rate = CHORD_RATE if chord_rate is None else chord_rate
    settings = NewtonSettings(float(rate), float(tol), int(max_iter), PIVOT_TOL)
    if kernel not in ("auto", "chord", "lanes"):
        raise ValueError(f"kernel must be 'auto', 'chord' or 'lanes', got {kernel!r}")
    lanes = kernel == "lanes" or (kernel == "auto" and lanes_fit(pattern, s_bus.shape[1]))
    v, status, iters, _, norm, worst = (newton_lanes_batch if lanes else newton_batch)(
        pattern.ybus_arrays(ybus),
        np.ascontiguousarray(s_bus.T, dtype=np.complex128),
        np.ascontiguousarray(v0.T, dtype=np.complex128),
        pattern.unknowns,
        pattern.jacobian_map,
        pattern.lu(),
        settings,
    )
    st = BatchStatus(
        v=v.T,
        converged=status == STATUS_OK,
        iterations=iters,
        max_mismatch_pu=norm,
        worst_bus=worst,
    )
    return st, v
