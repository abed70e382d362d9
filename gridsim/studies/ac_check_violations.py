"""The AC check's violations table, built once from (T, k) masks, and its counts.

One row per (hour, element) outside its limit, ordered by snapshot, kind and element.
The rows are gathered and sorted on one integer key (positions of the hours, kinds
and element names) and the table is made in one step; the counts of the summary come from
the same codes, without grouping the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

Arr = np.ndarray
VIOLATION_COLUMNS = ["snapshot", "element", "kind", "value", "limit"]


@dataclass
class ViolationPart:
    """One kind of violation: ``mask`` (T, k) True where ``values`` (T, k) break
    ``limits`` (broadcast to (T, k)); ``names`` (k,) the elements."""

    kind: str
    mask: Arr
    values: Arr
    limits: Arr
    names: Arr


@dataclass
class Violations:
    """The violations table and, per row, the codes its counts use: ``hour`` (position
    of the snapshot among the distinct snapshots), ``kind`` (in ``kinds``), ``element``
    (in ``elements``, sorted names)."""

    table: pd.DataFrame
    hour: Arr
    kind: Arr
    kinds: list[str]
    element: Arr
    elements: Arr

    def count(self, kinds: tuple[str, ...]) -> dict[str, Any]:
        """Rows of ``kinds``, distinct hours and the ten elements with most rows."""
        codes = [i for i, k in enumerate(self.kinds) if k in kinds]
        sel = np.isin(self.kind, codes)
        per = np.bincount(self.element[sel], minlength=len(self.elements))
        have = np.flatnonzero(per)  # groupby order: by element name
        size = pd.Series(per[have].astype(np.int64), index=pd.Index(self.elements[have], name="element"))  # fmt: skip
        worst = size.sort_values(ascending=False).head(10)
        hours = int(np.count_nonzero(np.bincount(self.hour[sel]))) if sel.any() else 0
        return {"pairs": int(sel.sum()), "hours": hours, "elements": {str(k): int(n) for k, n in worst.items()}}  # fmt: skip

    def pairs(self, kind: str) -> int:
        """Rows of one kind."""
        return int((self.kind == self.kinds.index(kind)).sum()) if kind in self.kinds else 0


def _at(a: Arr, flat: Arr, r: Arr, k: Arr) -> Arr:
    """``a[r, k]``, by the flat positions where ``a`` is one C-ordered block."""
    return a.reshape(-1)[flat] if a.flags.c_contiguous else a[r, k]


def violations(parts: list[ViolationPart], index: pd.Index) -> Violations:
    """The rows of every part, ordered by snapshot, kind, element (see the module)."""
    rows, cols, vals, lims, kcode, names_of = [], [], [], [], [], []
    offset = 0
    kinds = sorted({p.kind for p in parts})
    for p in parts:
        flat = np.flatnonzero(p.mask)  # row-major, as np.nonzero (and faster)
        r, k = np.divmod(flat, p.mask.shape[1]) if p.mask.shape[1] else (flat, flat)
        rows.append(r)
        cols.append(k + offset)
        vals.append(_at(p.values, flat, r, k))
        lim = np.asarray(p.limits)
        lims.append(np.broadcast_to(lim, r.shape).copy() if lim.ndim == 0 else lim[k] if lim.ndim == 1 else _at(lim, flat, r, k))  # fmt: skip
        kcode.append(np.full(len(r), kinds.index(p.kind), np.int64))
        names_of.append(np.asarray(p.names).astype(str))
        offset += p.mask.shape[1]
    all_names = np.concatenate(names_of) if names_of else np.zeros(0, str)
    elements, name_code = np.unique(all_names, return_inverse=True)
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    kind = np.concatenate(kcode) if kcode else np.zeros(0, np.int64)
    element = name_code.reshape(-1)[col]
    if index.is_monotonic_increasing and index.is_unique:
        hour = r
    else:  # equal snapshots share a code, in sorted order
        hour = np.asarray(pd.factorize(index, sort=True)[0], np.int64)[r]
    # one int64 key (hour, kind, element): a stable argsort of it is lexsort's order, faster
    n_k, n_e = max(len(kinds), 1), max(len(elements), 1)
    order = np.argsort((hour * n_k + kind) * n_e + element, kind="stable")
    r, hour, kind, element = r[order], hour[order], kind[order], element[order]
    kind_names = np.array(kinds, dtype=object)
    table = pd.DataFrame(
        {
            "snapshot": index[r],
            "element": elements.astype(object)[element],
            "kind": kind_names[kind] if len(kinds) else np.zeros(0, object),
            "value": np.concatenate(vals)[order] if vals else np.zeros(0),
            "limit": np.concatenate(lims)[order] if lims else np.zeros(0),
        }
    )
    return Violations(table, hour, kind, kinds, element, elements)


__all__ = ["VIOLATION_COLUMNS", "ViolationPart", "Violations", "violations"]
