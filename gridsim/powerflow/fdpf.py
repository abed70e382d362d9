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

from gridsim.powerflow.compile import CompiledNetwork
from gridsim.powerflow.factors import LUFactors
from gridsim.powerflow.jacobian import YbusArrays
from gridsim.powerflow.linsolve import factorise
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
    bp, _, _ = assemble_ybus(
        c.n_bus, c.f, c.t, ys_p, zero_m, zero_m, unit_tap, np.zeros(c.n_bus, complex)
    )
    ys_pp = c.y_series if variant == "xb" else x_only
    bpp, _, _ = assemble_ybus(
        c.n_bus,
        c.f,
        c.t,
        ys_pp,
        c.y_shunt_from,
        c.y_shunt_to,
        np.abs(c.tap).astype(complex),
        c.y_bus_shunt,
    )
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
    """Factorised ``B'``/``B''`` of one topology and bus-type split.

    Internally buses are ordered ``[ref, pv, pq]`` so the unknown blocks are
    contiguous slices and every half-iteration works on views, not copies.
    """

    def __init__(
        self,
        c: CompiledNetwork,
        ybus: sp.csr_matrix,
        variant: str = "xb",
        pv: np.ndarray | None = None,
        pq: np.ndarray | None = None,
    ) -> None:
        pv = c.pv if pv is None else pv
        pq = c.pq if pq is None else pq
        ref = np.setdiff1d(np.arange(c.n_bus), np.concatenate([pv, pq]))
        self.perm = np.concatenate([ref, pv, pq])
        self.n_ref, self.n_pv = len(ref), len(pv)
        self.n = c.n_bus
        yp = ybus[self.perm][:, self.perm].tocsr()
        self.ybus = yp
        bp, bpp = b_matrices(c, variant)
        bp = bp[self.perm][:, self.perm]
        bpp = bpp[self.perm][:, self.perm]
        a, q = self.n_ref, self.n_ref + self.n_pv
        self._bp = bp[a:, a:].tocsc()
        self._bpp = bpp[q:, q:].tocsc()
        self._solve_p = _factorise(self._bp)
        self._solve_q = _factorise(self._bpp) if q < self.n else None
        self._ybus_pq = yp[q:]
        self._ybus_rest = yp[a:]
        self._compiled: tuple[LUFactors, LUFactors] | None = None

    def solve_compiled(
        self, s_bus: np.ndarray, v0: np.ndarray, *, tol: float = 1e-8, max_iter: int = 100
    ) -> BatchStatus:
        """As :meth:`solve`, in the compiled kernel (:mod:`gridsim.powerflow.fd_kernel`):
        every snapshot iterates independently, in parallel threads."""
        from gridsim.powerflow.fd_kernel import fd_batch

        if self._compiled is None:
            lp = LUFactors.factorise(self._bp)
            lq = (
                LUFactors.factorise(self._bpp)
                if self._bpp.shape[0]
                else LUFactors.factorise(sp.identity(1, format="csc"))
            )
            self._compiled = (lp, lq)
        lp, lq = self._compiled
        perm = self.perm
        y = self.ybus
        s_tn = np.ascontiguousarray(s_bus[perm].T)
        v_tn = np.ascontiguousarray(np.asarray(v0, dtype=complex)[perm].T)
        v, conv, iters, norm, worst = fd_batch(
            YbusArrays(y.indptr.astype(np.int64), y.indices.astype(np.int64), y.data),
            s_tn,
            v_tn,
            self.n_ref,
            self.n_pv,
            lp,
            lq,
            float(tol),
            int(max_iter),
        )
        v_out = np.empty((self.n, v.shape[0]), dtype=complex)
        v_out[perm] = v.T
        w = np.where(worst >= 0, perm[np.maximum(worst, 0)], -1)
        return BatchStatus(
            v=v_out, converged=conv, iterations=iters, max_mismatch_pu=norm, worst_bus=w
        )

    def solve(
        self, s_bus: np.ndarray, v0: np.ndarray, *, tol: float = 1e-8, max_iter: int = 100
    ) -> BatchStatus:
        """Solve snapshots ``s_bus`` (n, T) from ``v0`` (n, T); per-unit tolerance ``tol``.

        Converged snapshots leave the active set, so the work shrinks as snapshots
        finish. Divergence is reported per snapshot, never raised.
        """
        perm = self.perm
        a, q = self.n_ref, self.n_ref + self.n_pv
        n_t = s_bus.shape[1]
        s_all = s_bus[perm]
        v_all = np.array(v0[perm], dtype=complex)
        vm = np.abs(v_all)
        va = np.angle(v_all)
        s_act = s_all
        iters = np.zeros(n_t, dtype=np.int64)
        active = np.arange(n_t)
        norm = np.full(n_t, np.inf)
        worst = np.full(n_t, -1)
        with np.errstate(all="ignore"):
            for it in range(max_iter + 1):
                v = vm * np.exp(1j * va)
                mis = v[a:] * np.conj(self._ybus_rest @ v) - s_act[a:]
                mis /= vm[a:]
                nrm, wb = _norms(mis, q - a)
                norm[active], worst[active] = nrm, np.where(wb >= 0, wb + a, -1)
                done = (nrm <= tol) | ~np.isfinite(nrm)
                last = it == max_iter
                if done.any() or last:
                    fin = np.ones_like(done) if last else done
                    v_all[:, active[fin]] = v[:, fin]
                    if last:
                        break
                    keep = ~done
                    active, va, vm, mis, s_act = (
                        active[keep],
                        va[:, keep],
                        vm[:, keep],
                        mis[:, keep],
                        s_act[:, keep],
                    )
                    if not len(active):
                        break
                iters[active] += 1
                va[a:] -= self._solve_p(mis.real)
                if self._solve_q is not None:
                    v_q = vm * np.exp(1j * va)
                    mis_q = (v_q[q:] * np.conj(self._ybus_pq @ v_q) - s_act[q:]).imag
                    mis_q /= vm[q:]
                    vm[q:] -= self._solve_q(mis_q)
        v_out = np.empty_like(v_all)
        v_out[perm] = v_all
        w = np.where(worst >= 0, perm[np.maximum(worst, 0)], -1)
        return BatchStatus(
            v=v_out,
            converged=np.isfinite(norm) & (norm <= tol),
            iterations=iters,
            max_mismatch_pu=norm,
            worst_bus=w,
        )


DENSE_INVERSE_MAX = 1200
"""Matrices up to this size are inverted densely: one BLAS product per half-iteration
beats a sparse triangular solve with thousands of right-hand sides."""


def _factorise(mat: sp.csc_matrix):
    """A function solving ``mat @ x = rhs`` for a vector or matrix ``rhs``."""
    if mat.shape[0] <= DENSE_INVERSE_MAX:
        inv = np.linalg.inv(mat.toarray())
        return lambda rhs: inv @ rhs
    lu = factorise(mat)
    return lu.solve


def _norms(mis: np.ndarray, n_pv: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest |P| (pv and pq rows) and |Q| (pq rows) mismatch per column and its row
    (in the ``[pv, pq]`` block, offset by the caller)."""
    if mis.shape[0] == 0:
        return np.zeros(mis.shape[1]), np.full(mis.shape[1], -1)
    p = np.abs(mis.real)
    q = np.abs(mis.imag[n_pv:])
    kp = np.argmax(p, axis=0)
    cols = np.arange(mis.shape[1])
    np_ = p[kp, cols]
    if q.shape[0]:
        kq = np.argmax(q, axis=0)
        nq = q[kq, cols]
        use_q = nq > np_
        nrm = np.where(use_q, nq, np_)
        row = np.where(use_q, kq + n_pv, kp)
    else:
        nrm, row = np_, kp
    bad = ~np.isfinite(nrm) | np.isnan(p).any(axis=0)
    nrm = np.where(bad, np.inf, nrm)
    return nrm, row
