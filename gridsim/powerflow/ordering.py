"""Fill-reducing order and LU patterns of the Newton Jacobian, from the bus graph (numba).

The Jacobian has one angle unknown per pv/pq bus and one magnitude unknown per pq
bus, coupled exactly where ``Ybus`` couples the buses. Ordering and symbolic
factorisation therefore work on the bus graph, which is two to four times smaller:

1. minimum degree on the graph of ``Ybus + Ybus^T`` restricted to buses with unknowns
   (explicit elimination graph, degree buckets; the order is deterministic); eliminating a bus gives at once the pattern of its column of ``L``;
2. each bus's unknowns take consecutive positions (angle first), and the bus-level
   patterns expand to the patterns of ``L`` and ``U = L^T`` (plus the diagonal) of the
   permuted Jacobian. Treating every bus block as dense can only add entries, never
   miss one, so the fixed patterns hold any values of the Jacobian.

The pivots of this order are the Jacobian's diagonal blocks; they are checked at each
refactorisation (:func:`gridsim.powerflow.factors.refactor`).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _bus_graph(y_indptr, y_indices, active):
    """Adjacency (CSR, no diagonal, no duplicates) of ``Y + Y^T`` among active buses."""
    n = y_indptr.shape[0] - 1
    deg = np.zeros(n, dtype=np.int64)
    for r in range(n):
        if not active[r]:
            continue
        for e in range(y_indptr[r], y_indptr[r + 1]):
            c = y_indices[e]
            if c != r and active[c]:
                deg[r] += 1
                deg[c] += 1
    ptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        ptr[i + 1] = ptr[i] + deg[i]
    idx = np.empty(ptr[n], dtype=np.int64)
    fill = ptr[:n].copy()
    for r in range(n):
        if not active[r]:
            continue
        for e in range(y_indptr[r], y_indptr[r + 1]):
            c = y_indices[e]
            if c != r and active[c]:
                idx[fill[r]] = c
                fill[r] += 1
                idx[fill[c]] = r
                fill[c] += 1
    # drop duplicates (an entry present in both Y and Y^T)
    marker = np.full(n, -1, dtype=np.int64)
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    k = 0
    for i in range(n):
        for p in range(ptr[i], ptr[i + 1]):
            j = idx[p]
            if marker[j] != i:
                marker[j] = i
                idx[k] = j
                k += 1
        out_ptr[i + 1] = k
    return out_ptr, idx[:k].copy()


@njit(cache=True, nogil=True, inline="always")
def _bucket_push(head, nxt, prv, deg, i):
    """Put node ``i`` at the front of degree bucket ``deg``."""
    first = head[deg]
    nxt[i] = first
    prv[i] = -1
    if first >= 0:
        prv[first] = i
    head[deg] = i


@njit(cache=True, nogil=True, inline="always")
def _bucket_remove(head, nxt, prv, deg, i):
    """Take node ``i`` out of degree bucket ``deg``."""
    if prv[i] >= 0:
        nxt[prv[i]] = nxt[i]
    else:
        head[deg] = nxt[i]
    if nxt[i] >= 0:
        prv[nxt[i]] = prv[i]


@njit(cache=True, nogil=True)
def minimum_degree(g_ptr, g_idx, active):
    """Minimum-degree elimination of the active nodes of a symmetric graph.

    Returns ``(order, col_ptr, col_idx)``: ``order[k]`` is the k-th eliminated node and
    ``col_idx[col_ptr[k]:col_ptr[k + 1]]`` its neighbours still present at that moment
    (the pattern of its column of the Cholesky-like factor, as node ids).
    """
    n = g_ptr.shape[0] - 1
    n_active = 0
    for i in range(n):
        if active[i]:
            n_active += 1
    pool = np.empty(2 * g_idx.shape[0] + 4 * n + 16, dtype=np.int64)
    start = np.zeros(n, dtype=np.int64)
    length = np.zeros(n, dtype=np.int64)
    room = np.zeros(n, dtype=np.int64)
    top = 0
    for i in range(n):
        start[i] = top
        for p in range(g_ptr[i], g_ptr[i + 1]):
            pool[top] = g_idx[p]
            top += 1
        length[i] = top - start[i]
        room[i] = length[i]
    gone = np.empty(n, dtype=np.bool_)
    for i in range(n):
        gone[i] = not active[i]
    # degree buckets: doubly linked lists, the lowest node index first when built
    head = np.full(n + 1, -1, dtype=np.int64)
    nxt = np.full(n, -1, dtype=np.int64)
    prv = np.full(n, -1, dtype=np.int64)
    for i in range(n - 1, -1, -1):
        if active[i]:
            _bucket_push(head, nxt, prv, length[i], i)
    min_deg = 0
    order = np.empty(n_active, dtype=np.int64)
    col_ptr = np.zeros(n_active + 1, dtype=np.int64)
    col_idx = np.empty(g_idx.shape[0] + n, dtype=np.int64)
    marker = np.zeros(n, dtype=np.int64)
    stamp = 0
    nbr = np.empty(n, dtype=np.int64)
    tmp = np.empty(n, dtype=np.int64)
    for k in range(n_active):
        while head[min_deg] == -1:
            min_deg += 1
        node = head[min_deg]
        _bucket_remove(head, nxt, prv, length[node], node)
        cnt = 0
        for p in range(start[node], start[node] + length[node]):
            u = pool[p]
            if not gone[u]:
                nbr[cnt] = u
                cnt += 1
        gone[node] = True
        order[k] = node
        if col_ptr[k] + cnt > col_idx.shape[0]:
            grown = np.empty(2 * col_idx.shape[0] + cnt, dtype=np.int64)
            grown[: col_ptr[k]] = col_idx[: col_ptr[k]]
            col_idx = grown
        for a in range(cnt):
            col_idx[col_ptr[k] + a] = nbr[a]
        col_ptr[k + 1] = col_ptr[k] + cnt
        # the neighbours become a clique: merge the eliminated node's list into theirs
        for a in range(cnt):
            u = nbr[a]
            stamp += 1
            marker[u] = stamp
            c = 0
            for p in range(start[u], start[u] + length[u]):
                w = pool[p]
                if not gone[w] and marker[w] != stamp:
                    marker[w] = stamp
                    tmp[c] = w
                    c += 1
            for b in range(cnt):
                w = nbr[b]
                if marker[w] != stamp:
                    marker[w] = stamp
                    tmp[c] = w
                    c += 1
            if c > room[u]:
                need = top + 2 * c
                if need > pool.shape[0]:
                    grown = np.empty(2 * need, dtype=np.int64)
                    grown[:top] = pool[:top]
                    pool = grown
                start[u] = top
                room[u] = 2 * c
                top += 2 * c
            for b in range(c):
                pool[start[u] + b] = tmp[b]
            _bucket_remove(head, nxt, prv, length[u], u)
            length[u] = c
            _bucket_push(head, nxt, prv, c, u)
            if c < min_deg:
                min_deg = c
    return order, col_ptr, col_idx


@njit(cache=True, nogil=True)
def jacobian_lu_patterns(y_indptr, y_indices, ang, mag, n_unknown):
    """Permutation of the Jacobian's unknowns and the patterns of its LU factors.

    ``ang[i]``/``mag[i]``: index of bus ``i``'s angle/magnitude among the unknowns
    (-1: none). Returns ``(perm, l_indptr, l_indices, u_indptr, u_indices)`` in the
    layout of :class:`gridsim.powerflow.factors.LUFactors` (``perm`` serves rows and
    columns: unknown ``x`` goes to position ``perm[x]``).
    """
    n = y_indptr.shape[0] - 1
    active = ang >= 0
    g_ptr, g_idx = _bus_graph(y_indptr, y_indices, active)
    order, col_ptr, col_idx = minimum_degree(g_ptr, g_idx, active)
    # scalar position of each bus's first unknown (its angle; the magnitude follows)
    first = np.full(n, -1, dtype=np.int64)
    pos = 0
    for k in range(order.shape[0]):
        b = order[k]
        first[b] = pos
        pos += 2 if mag[b] >= 0 else 1
    perm = np.empty(n_unknown, dtype=np.int64)
    for b in range(n):
        if ang[b] >= 0:
            perm[ang[b]] = first[b]
        if mag[b] >= 0:
            perm[mag[b]] = first[b] + 1
    # L, column by column in position order
    l_indptr = np.zeros(n_unknown + 1, dtype=np.int64)
    l_indices = np.empty(4 * col_ptr[order.shape[0]] + n_unknown + 16, dtype=np.int64)
    nbr = np.empty(n, dtype=np.int64)
    rows = np.empty(2 * n, dtype=np.int64)
    nl = 0
    j = 0
    for k in range(order.shape[0]):
        b = order[k]
        cnt = col_ptr[k + 1] - col_ptr[k]
        for a in range(cnt):
            nbr[a] = col_idx[col_ptr[k] + a]
        # neighbours by position (insertion sort; columns are short)
        for a in range(1, cnt):
            w = nbr[a]
            c = a - 1
            while c >= 0 and first[nbr[c]] > first[w]:
                nbr[c + 1] = nbr[c]
                c -= 1
            nbr[c + 1] = w
        n_rows = 0
        for a in range(cnt):
            w = nbr[a]
            rows[n_rows] = first[w]
            n_rows += 1
            if mag[w] >= 0:
                rows[n_rows] = first[w] + 1
                n_rows += 1
        two = mag[b] >= 0
        if nl + 2 * n_rows + 1 > l_indices.shape[0]:
            grown = np.empty(2 * l_indices.shape[0] + 2 * n_rows + 1, dtype=np.int64)
            grown[:nl] = l_indices[:nl]
            l_indices = grown
        # the angle's column: the bus's own magnitude, then the neighbours' unknowns
        if two:
            l_indices[nl] = j + 1
            nl += 1
        for a in range(n_rows):
            l_indices[nl] = rows[a]
            nl += 1
        j += 1
        l_indptr[j] = nl
        if two:  # the magnitude's column: the neighbours' unknowns
            for a in range(n_rows):
                l_indices[nl] = rows[a]
                nl += 1
            j += 1
            l_indptr[j] = nl
    l_indices = l_indices[:nl].copy()
    # U = pattern of L^T, rows ascending, then the diagonal last in each column
    u_count = np.ones(n_unknown, dtype=np.int64)
    for q in range(nl):
        u_count[l_indices[q]] += 1
    u_indptr = np.zeros(n_unknown + 1, dtype=np.int64)
    for c in range(n_unknown):
        u_indptr[c + 1] = u_indptr[c] + u_count[c]
    u_indices = np.empty(u_indptr[n_unknown], dtype=np.int64)
    fill = u_indptr[:n_unknown].copy()
    for c in range(n_unknown):  # columns of L in increasing order: rows of U ascend
        for q in range(l_indptr[c], l_indptr[c + 1]):
            r = l_indices[q]
            u_indices[fill[r]] = c
            fill[r] += 1
    for c in range(n_unknown):
        u_indices[fill[c]] = c
    return perm, l_indptr, l_indices, u_indptr, u_indices
