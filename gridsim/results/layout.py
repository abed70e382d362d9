"""The hourly layout of a run folder: which arrays each group holds, and how an array
becomes a table.

``output.what`` in a scenario names groups; each group holds the arrays of
:data:`GROUP_ARRAYS` and names its elements as :data:`ELEMENT` says (the column of the
element in the tidy layout). The groups and their arrays derive from the dispatch's
output declarations (:mod:`gridsim.dispatch.declarations`); the writer
(:mod:`gridsim.results.write`) and the store (:mod:`gridsim.results.store`) both read
them, so a new array is declared once, with its variable block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from gridsim.dispatch.declarations import GROUP_ARRAYS as DECLARED_GROUP_ARRAYS

if TYPE_CHECKING:
    from gridsim.dispatch import DispatchResult

#: Hourly groups of ``output.what`` and the arrays each holds, as the dispatch declares
#: its outputs (:data:`gridsim.dispatch.declarations.OUTPUTS`; ``renewable_available_mw``
#: comes from the problem, the rest from the solution).
GROUP_ARRAYS: dict[str, tuple[str, ...]] = DECLARED_GROUP_ARRAYS
#: Group -> name of its element column in the tidy layout.
ELEMENT = {
    "thermal": "unit",
    "renewable": "unit",
    "hydro": "unit",
    "storage": "storage",
    "demand_response": "element",
    "links": "link",
    "exchange": "exchange",
    "nodes": "node",
    "branches": "branch",
    "reserves": "reserve",
    "peak_regulation": "tier",
}
#: Array -> its group (derived from :data:`GROUP_ARRAYS`).
ARRAY_GROUP = {name: group for group, names in GROUP_ARRAYS.items() for name in names}

#: Arrays computed from the problem and the solution rather than read from the solution.
_SPLIT = {"renewable_p_mw": 0, "renewable_curtail_mw": 1}
_DERIVED = ("renewable_available_mw", *_SPLIT)


def hourly_frame(res: DispatchResult, name: str) -> pd.DataFrame:
    """Array ``name`` as a DataFrame: index ``snapshot`` (Asia/Shanghai), element columns.

    Wind/solar output and curtailment are the pro-rata split of
    :func:`gridsim.kpi.renewable_split` (the numbers the KPIs are computed from).
    """
    p = res.problem
    if name in _DERIVED:
        from gridsim.kpi import renewable_split

        values = p.renewable.available_mw if name not in _SPLIT else renewable_split(res)[_SPLIT[name]]  # fmt: skip
        cols = pd.Index([str(c) for c in p.renewable.names], name="renewable")
        return pd.DataFrame(values, index=p.snapshots, columns=cols)
    return res.frame(name)


def arrays_of(res: DispatchResult, group: str) -> list[str]:
    """The arrays of ``group`` that ``res`` holds (in the declared order)."""
    return [n for n in GROUP_ARRAYS[group] if n == "renewable_available_mw" or n in res.arrays]


__all__ = ["ARRAY_GROUP", "ELEMENT", "GROUP_ARRAYS", "arrays_of", "hourly_frame"]
