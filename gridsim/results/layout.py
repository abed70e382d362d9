"""The hourly layout of a run folder: which arrays each group holds, and how an array
becomes a table.

``output.what`` in a scenario names groups; each group holds the arrays of
:data:`GROUP_ARRAYS` and names its elements as :data:`ELEMENT` says (the column of the
element in the tidy layout). The writer (:mod:`gridsim.results.write`) and the store
(:mod:`gridsim.results.store`) both read these declarations, so a new array is added here
once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from gridsim.dispatch import DispatchResult

#: Hourly groups of ``output.what`` and the arrays each holds (``renewable_available_mw``
#: comes from the problem, the rest from the solution).
GROUP_ARRAYS: dict[str, tuple[str, ...]] = {
    "thermal": ("thermal_p_mw", "thermal_u_mw", "thermal_su_mw"),
    "renewable": ("renewable_p_mw", "renewable_curtail_mw", "renewable_available_mw"),
    "hydro": ("hydro_p_mw",),
    "storage": ("storage_charge_mw", "storage_discharge_mw", "storage_soc_mwh"),
    "demand_response": ("dr_curtail_mw", "shift_up_mw", "shift_down_mw"),
    "links": ("link_p_mw", "link_loss_mw"),
    "exchange": ("import_mw", "export_mw"),
    "nodes": ("load_mw", "unserved_mw", "network_loss_mw", "price_per_mwh"),
    "branches": ("flow_mw", "branch_loss_mw"),
}
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
