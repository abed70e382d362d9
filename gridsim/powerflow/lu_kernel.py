"""Sparse LU with a fixed pivot sequence, refactorised in compiled code (numba).

Newton-Raphson factorises a Jacobian whose sparsity pattern never changes and whose
values change little between iterations (and between neighbouring snapshots of a time
series). :class:`StaticLU` therefore splits the work like KLU's ``klu_refactor``:

1. **ordering** (rare): SuperLU factorises the matrix once with threshold partial
   pivoting on a fill-reducing column order; only its row and column permutations
   are kept;
2. **symbolic** (once per ordering): the patterns of ``L`` and ``U`` of the permuted
   matrix, by depth-first reach (Gilbert-Peierls);
3. **numeric refactorisation** (every Newton step): left-looking LU on those fixed
   patterns, no searching, no allocation. Each pivot is checked against the largest
   entry of its column; a pivot that has become too small reports failure and the
   caller orders again (step 1) at the current point.

Factors are plain CSC arrays: ``Pr A Pc = L U`` with ``L`` unit lower triangular
(diagonal not stored) and ``U`` upper triangular with the diagonal stored last in
each column. ``perm_r[i]`` / ``perm_c[i]`` give the permuted position of row / column
``i`` of ``A`` (SuperLU's convention).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numba import njit

PIVOT_TOL = 1e-3
"""A refactorised pivot smaller than this fraction of the largest entry of its column
(in the permuted matrix) is rejected, as in threshold partial pivoting (KLU's default)."""


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
        rows = found
        n_upper = 0
        for k in range(n_found):
            if rows[k] < j:
                n_upper += 1
        if n_u + n_upper + 1 > u_indices.shape[0]:
            u_indices = _grow(u_indices, n_u + n_upper + 1)
        if n_l + n_found > l_indices.shape[0]:
            l_indices = _grow(l_indices, n_l + n_found)
        for k in range(n_found):
            r = rows[k]
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
def refactor(
    a_indptr,
    a_indices,
    a_data,
    perm_r,
    iperm_c,
    l_indptr,
    l_indices,
    l_data,
    u_indptr,
    u_indices,
    u_data,
    work,
    pivot_tol,
):
    """Numeric LU of ``Pr A Pc`` on the fixed patterns, in place in ``l_data``/``u_data``.

    ``work`` is a zeroed scratch vector of length n and is left zeroed. Returns the
    first column whose pivot fails the threshold test, or -1 when all pivots pass.
    """
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
def lu_solve(
    l_indptr, l_indices, l_data, u_indptr, u_indices, u_data, perm_r, perm_c, b, work, out
):
    """Solve ``A x = b`` with the factors of ``Pr A Pc = L U``; ``x`` in ``out``."""
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


@dataclass
class StaticLU:
    """Row/column order and L/U patterns of a square sparse matrix, plus factor values.

    Build with :meth:`analyse` on a representative matrix; refactorise new values of
    the same pattern with :meth:`refactor` (or the compiled :func:`refactor`).
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
    def analyse(cls, mat: sp.csc_matrix) -> StaticLU:
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
    ) -> StaticLU:
        """Patterns for a given pivot order of the CSC pattern ``(indptr, indices)``; the
        pivots are checked at each :meth:`refactor`."""
        perm_r = np.asarray(perm_r, dtype=np.int64)
        perm_c = np.asarray(perm_c, dtype=np.int64)
        iperm_c = np.empty_like(perm_c)
        iperm_c[perm_c] = np.arange(len(perm_c))
        lp, li, up, ui = symbolic_lu(
            np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int64), perm_r, perm_c
        )
        return cls(perm_r, perm_c, iperm_c, lp, li, np.zeros(len(li)), up, ui, np.zeros(len(ui)))

    @property
    def nnz(self) -> int:
        """Stored entries of ``L`` and ``U``."""
        return len(self.l_indices) + len(self.u_indices)

    def refactor(self, mat: sp.csc_matrix, pivot_tol: float = PIVOT_TOL) -> int:
        """Refactorise values of the analysed pattern; the failing column or -1."""
        work = np.zeros(len(self.perm_r))
        return int(
            refactor(
                mat.indptr.astype(np.int64),
                mat.indices.astype(np.int64),
                np.ascontiguousarray(mat.data, dtype=np.float64),
                self.perm_r,
                self.iperm_c,
                self.l_indptr,
                self.l_indices,
                self.l_data,
                self.u_indptr,
                self.u_indices,
                self.u_data,
                work,
                pivot_tol,
            )
        )

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """``A^-1 rhs`` for a vector ``rhs`` with the current factors."""
        n = len(self.perm_r)
        out = np.empty(n)
        lu_solve(
            self.l_indptr,
            self.l_indices,
            self.l_data,
            self.u_indptr,
            self.u_indices,
            self.u_data,
            self.perm_r,
            self.perm_c,
            np.ascontiguousarray(rhs, dtype=np.float64),
            np.empty(n),
            out,
        )
        return out
