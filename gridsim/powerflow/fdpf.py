"""Fast-decoupled AC power flow (XB and BX), for one snapshot or many at once.

The constant matrices ``B'`` and ``B''`` (Stott and Alsac) are factorised once; every
half-iteration solves all snapshots together with a matrix right-hand side::

    B'  dVa = -dP / |V|      (pv and pq buses)
    B'' dVm = -dQ / |V|      (pq buses)

``XB``: ``B'`` ignores resistance; ``BX``: ``B''`` ignores resistance. Both drop line
charging, bus shunts and tap ratios from ``B'`` and phase shifts from ``B''``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from gridsim.powerflow.compile import CompiledNetwork
from gridsim.powerflow.ybus import assemble_ybus


def b_matrices(c: CompiledNetwork, variant: str) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """``B'`` and ``B''`` (n x n, per unit) for ``variant`` ``"xb"`` or ``"bx"``."""
    if variant not in ("xb", "bx"):
        raise ValueError(f"fast-decoupled variant must be 'xb' or 'bx', got {variant!r}")
    z = 1.0 / c.y_series
    x_only = 1.0 / (1j * z.imag)
    zero_m = np.zeros(c.n_branch, complex)
    unit_tap = np.exp(1j * np.angle(c.tap))
    ys_p = x_only if variant == "xb" else c.y_series
    bp, _, _ = assemble_ybus(c.n_bus, c.f, c.t, ys_p, zero_m, zero_m, unit_tap,
                             np.zeros(c.n_bus, complex))
    ys_pp = c.y_series if variant == "xb" else x_only
    bpp, _, _ = assemble_ybus(c.n_bus, c.f, c.t, ys_pp, c.y_shunt_from, c.y_shunt_to,
                              np.abs(c.tap).astype(complex), c.y_bus_shunt)
    return (-bp.imag).tocsr(), (-bpp.imag).tocsr()


@dataclass
class BatchStatus:
    """Per-snapshot outcome of a batched solve."""

    v: np.ndarray  # (n, T) complex
    converged: np.ndarray  # (T,) bool
    iterations: np.ndarray  # (T,) int
    max_mismatch_pu: np.ndarray  # (T,)
    worst_bus: np.ndarray  # (T,) internal bus index


class FastDecoupled:
    """Factorised ``B'``/``B''`` of one topology and bus-type split."""

    def __init__(self, c: CompiledNetwork, ybus: sp.csr_matrix, variant: str = "xb",
                 pv: np.ndarray | None = None, pq: np.ndarray | None = None) -> None:
        self.ybus = ybus
        self.pv = c.pv if pv is None else pv
        self.pq = c.pq if pq is None else pq
        self.pvpq = np.concatenate([self.pv, self.pq])
        bp, bpp = b_matrices(c, variant)
        self._lu_p = spla.splu(bp[self.pvpq][:, self.pvpq].tocsc(), permc_spec="MMD_AT_PLUS_A")
        self._lu_q = spla.splu(bpp[self.pq][:, self.pq].tocsc(), permc_spec="MMD_AT_PLUS_A") \
            if len(self.pq) else None

    def solve(self, s_bus: np.ndarray, v0: np.ndarray, *, tol: float = 1e-8,
              max_iter: int = 100) -> BatchStatus:
        """Solve snapshots ``s_bus`` (n, T) from ``v0`` (n, T); per-unit tolerance ``tol``.

        Converged snapshots leave the active set, so each half-iteration only works on
        those still moving. Divergence is reported per snapshot, never raised.
        """
        pvpq, pq = self.pvpq, self.pq
        n_t = s_bus.shape[1]
        v = v0.astype(complex).copy()
        vm = np.abs(v)
        va = np.angle(v)
        iters = np.zeros(n_t, dtype=np.int64)
        active = np.arange(n_t)
        norm = np.full(n_t, np.inf)
        worst = np.full(n_t, -1)
        with np.errstate(all="ignore"):
            for it in range(max_iter + 1):
                if not len(active):
                    break
                va_a, vm_a = va[:, active], vm[:, active]
                v_a = vm_a * np.exp(1j * va_a)
                mis = (v_a * np.conj(self.ybus @ v_a) - s_bus[:, active]) / vm_a
                nrm, wb = _norms(mis, pvpq, pq)
                norm[active], worst[active] = nrm, wb
                done = (nrm <= tol) | ~np.isfinite(nrm)
                if done.any():
                    v[:, active[done]] = v_a[:, done]
                    keep = ~done
                    active, va_a, vm_a, mis = active[keep], va_a[:, keep], vm_a[:, keep], mis[:, keep]
                if not len(active) or it == max_iter:
                    v[:, active] = vm_a * np.exp(1j * va_a)
                    break
                iters[active] += 1
                # P half-iteration
                dva = self._lu_p.solve(np.asfortranarray(mis[pvpq].real))
                va_a[pvpq] -= dva
                if self._lu_q is not None:
                    v_a = vm_a * np.exp(1j * va_a)
                    mis_q = (v_a[pq] * np.conj(self.ybus[pq] @ v_a) - s_bus[pq][:, active]) / vm_a[pq]
                    dvm = self._lu_q.solve(np.asfortranarray(mis_q.imag))
                    vm_a[pq] -= dvm
                va[:, active], vm[:, active] = va_a, vm_a
        return BatchStatus(v=v, converged=np.isfinite(norm) & (norm <= tol), iterations=iters,
                           max_mismatch_pu=norm, worst_bus=worst)


def _norms(mis: np.ndarray, pvpq: np.ndarray, pq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest |P| (pv, pq) and |Q| (pq) mismatch per column (scaled by |V|) and its bus."""
    p = np.abs(mis[pvpq].real)
    q = np.abs(mis[pq].imag)
    full = np.concatenate([p, q], axis=0)
    if not len(full):
        return np.zeros(mis.shape[1]), np.full(mis.shape[1], -1)
    k = np.argmax(np.nan_to_num(full, nan=np.inf), axis=0)
    nrm = full[k, np.arange(full.shape[1])]
    nrm = np.where(np.isnan(nrm), np.inf, nrm)
    buses = np.concatenate([pvpq, pq])
    return nrm, buses[k]
