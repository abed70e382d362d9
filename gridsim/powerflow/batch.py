"""Batched AC and DC power flow over many snapshots (pure numerics).

AC: every snapshot starts from a common solved operating point; a batched
fast-decoupled solve (constant ``B'``/``B''`` factors, matrix right-hand side,
converged snapshots leave the active set) brings most snapshots to tolerance, and
Newton-Raphson, reusing one Jacobian sparsity map, polishes the rest. Snapshots are
processed in chunks so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from gridsim.powerflow.compile import CompiledNetwork
from gridsim.powerflow.fdpf import BatchStatus, FastDecoupled
from gridsim.powerflow.flows import BranchFlows, branch_flows
from gridsim.powerflow.newton import JacobianPattern, newton_pf

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


@dataclass
class AcBatchResult:
    """Voltages and flows of a batch; arrays are (n, T) / (m, T)."""

    status: BatchStatus
    flows: BranchFlows | None
    newton_polished: np.ndarray  # (T,) bool: snapshot finished by Newton-Raphson


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
    fd = fd or FastDecoupled(c, ybus, variant)
    if engine == "numba":
        st = fd.solve_compiled(s_bus, v0, tol=tol, max_iter=fd_iter)
    elif engine == "numpy":
        st = fd.solve(s_bus, v0, tol=tol, max_iter=fd_iter)
    else:
        raise ValueError(f"engine must be 'numba' or 'numpy', got {engine!r}")
    todo = np.flatnonzero(~st.converged)
    if len(todo):
        pattern = pattern or JacobianPattern(ybus, c.pv, c.pq)
        for k in todo:
            start = st.v[:, k] if np.all(np.isfinite(st.v[:, k])) else v0[:, k]
            nr = newton_pf(
                ybus, s_bus[:, k], start, c.pv, c.pq, tol=tol, max_iter=nr_iter, pattern=pattern
            )
            if not nr.converged and not np.array_equal(start, v0[:, k]):
                nr = newton_pf(
                    ybus,
                    s_bus[:, k],
                    v0[:, k],
                    c.pv,
                    c.pq,
                    tol=tol,
                    max_iter=nr_iter,
                    pattern=pattern,
                )
            st.v[:, k] = nr.v
            st.converged[k] = nr.converged
            st.iterations[k] += nr.iterations
            st.max_mismatch_pu[k] = nr.max_mismatch_pu
            st.worst_bus[k] = nr.worst_bus
    assert st.v.shape[1] == n_t
    return st


def run_ac_chunks(
    c: CompiledNetwork,
    ybus: sp.csr_matrix,
    yf: sp.csr_matrix,
    yt: sp.csr_matrix,
    s_bus_of: Callable[[slice], np.ndarray],
    n_t: int,
    v_start: np.ndarray,
    *,
    tol: float = 1e-8,
    chunk: int | None = None,
    with_flows: bool = True,
    engine: str = "numba",
    on_chunk: Callable[[slice, BatchStatus, BranchFlows | None], None],
) -> None:
    """Solve ``n_t`` snapshots chunk by chunk; ``s_bus_of(sl)`` gives the (n, len) injections
    of a chunk and ``on_chunk`` receives each chunk's status and flows."""
    # the compiled kernel works snapshot by snapshot, so only memory bounds its chunks;
    # the numpy engine wants cache-sized chunks
    size = chunk_size(
        c.n_bus,
        c.n_branch,
        n_t,
        chunk,
        target_bytes=KERNEL_CHUNK_BYTES if engine == "numba" else CHUNK_BYTES,
    )
    fd = FastDecoupled(c, ybus, "xb")
    pattern = JacobianPattern(ybus, c.pv, c.pq)
    # The products here are small (n x n by n x chunk): one BLAS thread avoids the
    # synchronisation cost that dominates when threads contend for few cores.
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, n_t, size):
            sl = slice(start, min(n_t, start + size))
            st = solve_ac_batch(
                c, ybus, s_bus_of(sl), v_start, tol=tol, fd=fd, pattern=pattern, engine=engine
            )
            flows = branch_flows(c, yf, yt, st.v) if with_flows else None
            on_chunk(sl, st, flows)
