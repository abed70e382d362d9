"""Graph topology of the compiled branches (numba): bridges of the bus graph."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def bridges(n_bus: int, f: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Which branches are bridges: removing branch ``k`` alone splits its island.

    Parallel branches between the same buses are never bridges (each is the other's
    backup). Iterative Tarjan lowlink search, O(n + m).
    """
    m = f.shape[0]
    deg = np.zeros(n_bus + 1, dtype=np.int64)
    for k in range(m):
        deg[f[k] + 1] += 1
        deg[t[k] + 1] += 1
    ptr = np.cumsum(deg)
    nbr = np.empty(2 * m, dtype=np.int64)
    eid = np.empty(2 * m, dtype=np.int64)
    fill = ptr[:n_bus].copy()
    for k in range(m):
        nbr[fill[f[k]]] = t[k]
        eid[fill[f[k]]] = k
        fill[f[k]] += 1
        nbr[fill[t[k]]] = f[k]
        eid[fill[t[k]]] = k
        fill[t[k]] += 1
    disc = np.full(n_bus, -1, dtype=np.int64)
    low = np.zeros(n_bus, dtype=np.int64)
    out = np.zeros(m, dtype=np.bool_)
    stack = np.empty(n_bus, dtype=np.int64)
    via = np.empty(n_bus, dtype=np.int64)  # the branch that led to the stacked bus
    pos = np.empty(n_bus, dtype=np.int64)  # next adjacency entry to look at
    clock = 0
    for root in range(n_bus):
        if disc[root] >= 0:
            continue
        top = 0
        stack[0] = root
        via[0] = -1
        pos[0] = ptr[root]
        disc[root] = clock
        low[root] = clock
        clock += 1
        while top >= 0:
            u = stack[top]
            p = pos[top]
            if p < ptr[u + 1]:
                pos[top] = p + 1
                v = nbr[p]
                e = eid[p]
                if e == via[top]:
                    continue
                if disc[v] < 0:
                    disc[v] = clock
                    low[v] = clock
                    clock += 1
                    top += 1
                    stack[top] = v
                    via[top] = e
                    pos[top] = ptr[v]
                elif disc[v] < low[u]:
                    low[u] = disc[v]
            else:
                e = via[top]
                top -= 1
                if top >= 0:
                    parent = stack[top]
                    if low[u] < low[parent]:
                        low[parent] = low[u]
                    if low[u] > disc[parent]:
                        out[e] = True
    return out
