"""Sparse LU factors and triangular solves: the one sparse layer of the compiled kernels.

Every compiled solver (Newton-Raphson, fast-decoupled, DC, N-1 outages) keeps its
factors in one container, :class:`LUFactors`, as plain arrays that numba takes as one
argument::

    Pr A Pc = L U

``L`` is unit lower triangular in CSC (diagonal not stored), ``U`` upper triangular in
CSC with the diagonal stored last in each column. ``perm_r[i]`` / ``perm_c[i]`` give
the permuted position of row / column ``i`` of ``A`` (SuperLU's convention) and
``iperm_c`` inverts ``perm_c``: ``A x = b`` is ``w[perm_r] = b``, ``L U w' = w``,
``x = w'[perm_c]`` (:func:`gridsim.powerflow.reference.lu_solve_reference` spells it out
with scipy).

Two ways to get factors:

- **constant matrices** (``B'``, ``B''``, the reduced ``Bbus``): :meth:`LUFactors.factorise`
  keeps SuperLU's factors (partial pivoting on a fill-reducing column order);
- **matrices refactorised often** (the Newton Jacobian), split like KLU's
  ``klu_refactor``: an order (:meth:`LUFactors.analyse`: SuperLU with threshold
  pivoting, only its permutations kept; or the bus-graph order of
  :mod:`gridsim.powerflow.ordering`), the patterns of ``L`` and ``U`` for it
  (:func:`symbolic_lu`, Gilbert-Peierls reach), then a numeric :func:`refactor` on those
  fixed patterns at every step: no searching, no allocation. Each pivot is checked
  against the largest entry of its column; one that has become too small reports
  failure and the caller orders again.

Solves: :func:`lu_solve` (one right-hand side) and :func:`lu_solve_lanes` (:data:`LANES`
right-hand sides side by side, one SIMD lane each).

Named tuples cross from Python into compiled code as plain tuples: numba types plain
tuples of arrays in C, but takes a slower Python path for named ones (about 5 µs per
call, 30 µs and more when the caches are cold). Kernels called once per solve from
Python therefore have a small entry (``*_entry``) that gives the tuples their names back.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numba import njit

PIVOT_TOL = 1e-3
"""A refactorised pivot smaller than this fraction of the largest entry of its column
(in the permuted matrix) is rejected, as in threshold partial pivoting (KLU's default)."""

LANES = 8
"""Right-hand sides solved side by side by :func:`lu_solve_lanes` (one per SIMD lane
of a 512-bit vector)."""


class LUFactors(NamedTuple):
    """``Pr A Pc = L U`` of a square sparse matrix as CSC arrays (see the module notes).

    Build with :meth:`factorise` (values included) or with :meth:`analyse` /
    :meth:`from_order` / :meth:`from_patterns` (patterns only; values by :meth:`refactor`).
    """

    perm_r: np.ndarray
    perm_c: np.ndarray
    iperm_c: np.ndarray
    l_indptr: np.ndarray
    l_indices: np.ndarray
    l_data: np.ndarray
    u_indptr: np.ndarray
    u_indices: np.ndarray
    u_data: np.ndarray

    @classmethod
    def factorise(cls, mat: sp.spmatrix) -> LUFactors:
        """SuperLU's factors of ``mat`` (partial pivoting, ``MMD_AT_PLUS_A`` order).

        Raises ``ArithmeticError`` for a singular matrix.
        """
        try:
            lu = spla.splu(sp.csc_matrix(mat), permc_spec="MMD_AT_PLUS_A")
        except RuntimeError as err:  # "Factor is exactly singular"
            raise ArithmeticError(str(err)) from err
        diag = lu.U.diagonal()
        if np.any(diag == 0.0) or not np.all(np.isfinite(diag)):
            raise ArithmeticError("singular matrix")
        low = sp.csc_matrix(sp.tril(lu.L, k=-1))
        low.sort_indices()
        up = sp.csc_matrix(sp.triu(lu.U, k=1))
        up.sort_indices()
        n = len(diag)
        # U with the diagonal appended to each column
        u_indptr = np.zeros(n + 1, dtype=np.int64)
        u_indptr[1:] = np.cumsum(np.diff(up.indptr) + 1)
        at_diag = u_indptr[1:] - 1
        off = np.ones(u_indptr[n], dtype=bool)
        off[at_diag] = False
        u_indices = np.empty(u_indptr[n], dtype=np.int64)
        u_data = np.empty(u_indptr[n])
        u_indices[off], u_data[off] = up.indices, up.data
        u_indices[at_diag], u_data[at_diag] = np.arange(n), diag
        perm_c = lu.perm_c.astype(np.int64)
        return cls(
            lu.perm_r.astype(np.int64),
            perm_c,
            _inverse(perm_c),
            low.indptr.astype(np.int64),
            low.indices.astype(np.int64),
            low.data.astype(float),
            u_indptr,
            u_indices,
            u_data,
        )

    @classmethod
    def analyse(cls, mat: sp.csc_matrix) -> LUFactors:
        """Order ``mat`` (SuperLU, threshold partial pivoting) and build the patterns.

        Raises ``ArithmeticError`` for a singular matrix.
        """
        csc = sp.csc_matrix(mat)
        try:
            lu = spla.splu(
                csc,
                permc_spec="MMD_AT_PLUS_A",
                diag_pivot_thresh=PIVOT_TOL,
                options={"SymmetricMode": True},
            )
        except RuntimeError as err:  # "Factor is exactly singular"
            raise ArithmeticError(str(err)) from err
        return cls.from_order(csc.indptr, csc.indices, lu.perm_r, lu.perm_c)

    @classmethod
    def from_order(
        cls, indptr: np.ndarray, indices: np.ndarray, perm_r: np.ndarray, perm_c: np.ndarray
    ) -> LUFactors:
        """Patterns for a given pivot order of the CSC pattern ``(indptr, indices)``; the
        pivots are checked at each :meth:`refactor`."""
        perm_r = np.asarray(perm_r, dtype=np.int64)
        perm_c = np.asarray(perm_c, dtype=np.int64)
        lp, li, up, ui = symbolic_lu(
            np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int64), perm_r, perm_c
        )
        return cls.from_patterns(perm_r, perm_c, lp, li, up, ui)

    @classmethod
    def from_patterns(
        cls,
        perm_r: np.ndarray,
        perm_c: np.ndarray,
        l_indptr: np.ndarray,
        l_indices: np.ndarray,
        u_indptr: np.ndarray,
        u_indices: np.ndarray,
    ) -> LUFactors:
        """Factors with the given order and patterns and zero values."""
        return cls(
            perm_r,
            perm_c,
            _inverse(perm_c),
            l_indptr,
            l_indices,
            np.zeros(len(l_indices)),
            u_indptr,
            u_indices,
            np.zeros(len(u_indices)),
        )

    @property
    def nnz(self) -> int:
        """Stored entries of ``L`` and ``U``."""
        return len(self.l_indices) + len(self.u_indices)

    def refactor(self, mat: sp.csc_matrix, pivot_tol: float = PIVOT_TOL) -> int:
        """Refactorise values of the analysed pattern in place; the failing column or -1."""
        return int(
            _refactor_entry(
                mat.indptr.astype(np.int64),
                mat.indices.astype(np.int64),
                np.ascontiguousarray(mat.data, dtype=np.float64),
                tuple(self),
                np.zeros(len(self.perm_r)),
                pivot_tol,
            )
        )

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """``A^-1 rhs`` for a vector ``rhs`` with the current factors."""
        n = len(self.perm_r)
        out = np.empty(n)
        _solve_entry(tuple(self), np.ascontiguousarray(rhs, dtype=np.float64), np.empty(n), out)
        return out


def _inverse(perm: np.ndarray) -> np.ndarray:
    inv = np.empty_like(perm)
    inv[perm] = np.arange(len(perm))
    return inv


@njit(cache=True, nogil=True)
def with_values(lu, l_data, u_data):
    """``lu``'s order and patterns with the values ``l_data``/``u_data`` (for factors
    private to one thread)."""
    return LUFactors(
        lu.perm_r,
        lu.perm_c,
        lu.iperm_c,
        lu.l_indptr,
        lu.l_indices,
        l_data,
        lu.u_indptr,
        lu.u_indices,
        u_data,
    )


@njit(cache=True, nogil=True)
def _grow(arr: np.ndarray, need: int) -> np.ndarray:
    """``arr`` copied into a buffer of at least ``need`` entries (doubling)."""
    size = max(need, 2 * arr.shape[0])
    out = np.empty(size, dtype=arr.dtype)
    out[: arr.shape[0]] = arr
    return out


@njit(cache=True, nogil=True)
def symbolic_lu(a_indptr, a_indices, perm_r, perm_c):
    """Patterns of ``L`` (strictly lower) and ``U`` (diagonal last) of ``Pr A Pc``.

    ``A`` is CSC; no pivoting beyond ``perm_r``/``perm_c`` is assumed. Returns
    ``(l_indptr, l_indices, u_indptr, u_indices)`` with ascending row indices within
    each column (U's diagonal after its other rows).
    """
    n = a_indptr.shape[0] - 1
    iperm_c = np.empty(n, dtype=np.int64)
    for i in range(n):
        iperm_c[perm_c[i]] = i
    l_indptr = np.zeros(n + 1, dtype=np.int64)
    u_indptr = np.zeros(n + 1, dtype=np.int64)
    l_indices = np.empty(4 * a_indices.shape[0] + n, dtype=np.int64)
    u_indices = np.empty(4 * a_indices.shape[0] + n, dtype=np.int64)
    marked = np.full(n, -1, dtype=np.int64)  # column stamp of the last visit
    stack = np.empty(n, dtype=np.int64)
    pstack = np.empty(n, dtype=np.int64)
    found = np.empty(n, dtype=np.int64)
    n_l = 0
    n_u = 0
    for j in range(n):
        col = iperm_c[j]
        n_found = 0
        for p in range(a_indptr[col], a_indptr[col + 1]):
            root = perm_r[a_indices[p]]
            if marked[root] == j:
                continue
            # iterative depth-first search over the graph of L(:, :j)
            head = 0
            stack[0] = root
            marked[root] = j
            pstack[0] = l_indptr[root] if root < j else -1
            while head >= 0:
                node = stack[head]
                descended = False
                if node < j:
                    q = pstack[head]
                    end = l_indptr[node + 1]
                    while q < end:
                        child = l_indices[q]
                        q += 1
                        if marked[child] != j:
                            pstack[head] = q
                            marked[child] = j
                            head += 1
                            stack[head] = child
                            pstack[head] = l_indptr[child] if child < j else -1
                            descended = True
                            break
                    if not descended:
                        pstack[head] = end
                if not descended:
                    found[n_found] = node
                    n_found += 1
                    head -= 1
        # insertion sort: columns are short, and this avoids an allocation per column
        for a in range(1, n_found):
            key = found[a]
            b = a - 1
            while b >= 0 and found[b] > key:
                found[b + 1] = found[b]
                b -= 1
            found[b + 1] = key
        n_upper = 0
        for k in range(n_found):
            if found[k] < j:
                n_upper += 1
        if n_u + n_upper + 1 > u_indices.shape[0]:
            u_indices = _grow(u_indices, n_u + n_upper + 1)
        if n_l + n_found > l_indices.shape[0]:
            l_indices = _grow(l_indices, n_l + n_found)
        for k in range(n_found):
            r = found[k]
            if r < j:
                u_indices[n_u] = r
                n_u += 1
            elif r > j:
                l_indices[n_l] = r
                n_l += 1
        u_indices[n_u] = j  # the diagonal, stored last (structurally present)
        n_u += 1
        u_indptr[j + 1] = n_u
        l_indptr[j + 1] = n_l
    return l_indptr, l_indices[:n_l].copy(), u_indptr, u_indices[:n_u].copy()


@njit(cache=True, nogil=True)
def refactor(a_indptr, a_indices, a_data, lu, work, pivot_tol):
    """Numeric LU of ``Pr A Pc`` (``A`` in CSC) on ``lu``'s fixed patterns, in place in
    ``lu.l_data``/``lu.u_data`` (left-looking).

    ``work`` is a zeroed scratch vector of length n and is left zeroed. Returns the
    first column whose pivot fails the threshold test, or -1 when all pivots pass.
    """
    perm_r, iperm_c = lu.perm_r, lu.iperm_c
    l_indptr, l_indices, l_data = lu.l_indptr, lu.l_indices, lu.l_data
    u_indptr, u_indices, u_data = lu.u_indptr, lu.u_indices, lu.u_data
    n = a_indptr.shape[0] - 1
    for j in range(n):
        col = iperm_c[j]
        for p in range(a_indptr[col], a_indptr[col + 1]):
            work[perm_r[a_indices[p]]] = a_data[p]
        u_end = u_indptr[j + 1] - 1  # the diagonal's slot
        for p in range(u_indptr[j], u_end):
            k = u_indices[p]
            xk = work[k]
            u_data[p] = xk
            work[k] = 0.0
            if xk != 0.0:
                for q in range(l_indptr[k], l_indptr[k + 1]):
                    work[l_indices[q]] -= l_data[q] * xk
        pivot = work[j]
        work[j] = 0.0
        u_data[u_end] = pivot
        col_max = abs(pivot)
        for q in range(l_indptr[j], l_indptr[j + 1]):
            a = abs(work[l_indices[q]])
            if a > col_max:
                col_max = a
        if not abs(pivot) >= pivot_tol * col_max or pivot == 0.0:
            for q in range(l_indptr[j], l_indptr[j + 1]):
                work[l_indices[q]] = 0.0
            return j
        inv = 1.0 / pivot
        for q in range(l_indptr[j], l_indptr[j + 1]):
            r = l_indices[q]
            l_data[q] = work[r] * inv
            work[r] = 0.0
    return -1


@njit(cache=True, nogil=True)
def lu_solve(lu, b, work, out):
    """Solve ``A x = b`` with ``lu``; ``x`` in ``out`` (``work``: scratch of length n)."""
    perm_r, perm_c = lu.perm_r, lu.perm_c
    l_indptr, l_indices, l_data = lu.l_indptr, lu.l_indices, lu.l_data
    u_indptr, u_indices, u_data = lu.u_indptr, lu.u_indices, lu.u_data
    n = b.shape[0]
    for i in range(n):
        work[perm_r[i]] = b[i]
    for j in range(n):
        xj = work[j]
        if xj != 0.0:
            for q in range(l_indptr[j], l_indptr[j + 1]):
                work[l_indices[q]] -= l_data[q] * xj
    for j in range(n - 1, -1, -1):
        d = u_indptr[j + 1] - 1
        xj = work[j] / u_data[d]
        work[j] = xj
        if xj != 0.0:
            for q in range(u_indptr[j], d):
                work[u_indices[q]] -= u_data[q] * xj
    for i in range(n):
        out[i] = work[perm_c[i]]


@njit(cache=True, nogil=True)
def _refactor_entry(a_indptr, a_indices, a_data, lu, work, pivot_tol):
    """:func:`refactor` called from Python, ``lu`` as a plain tuple."""
    return refactor(a_indptr, a_indices, a_data, LUFactors(*lu), work, pivot_tol)


@njit(cache=True, nogil=True)
def _solve_entry(lu, b, work, out):
    """:func:`lu_solve` called from Python, ``lu`` as a plain tuple."""
    lu_solve(LUFactors(*lu), b, work, out)


@njit(cache=True, nogil=True)
def lu_solve_lanes(lu, w):
    """``w <- (L U)^-1 w`` for :data:`LANES` right-hand sides side by side, in place.

    ``w`` is (n, LANES) and already in the permuted row order (row ``perm_r[i]`` holds
    row ``i`` of the right-hand sides); on return row ``perm_c[i]`` holds unknown ``i``.
    """
    l_indptr, l_indices, l_data = lu.l_indptr, lu.l_indices, lu.l_data
    u_indptr, u_indices, u_data = lu.u_indptr, lu.u_indices, lu.u_data
    n = w.shape[0]
    for j in range(n):
        for k in range(l_indptr[j], l_indptr[j + 1]):
            a = l_data[k]
            i = l_indices[k]
            for q in range(LANES):
                w[i, q] -= a * w[j, q]
    for j in range(n - 1, -1, -1):
        d = u_indptr[j + 1] - 1
        inv = 1.0 / u_data[d]
        for q in range(LANES):
            w[j, q] *= inv
        for k in range(u_indptr[j], d):
            a = u_data[k]
            i = u_indices[k]
            for q in range(LANES):
                w[i, q] -= a * w[j, q]
