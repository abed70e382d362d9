"""Sweep analysis over the results catalog: the cheapest variant that meets the plan, and
a KPI's response surface over two parameters.

Both take a catalog (:func:`gridsim.results.catalog.load`, or a slice of it) and name
columns as the catalog does: KPIs by their dotted key (``total_cost.total``, CNY),
parameters by their dotted scenario key with or without the ``param.`` prefix
(``storage.battery_scale``). Only runs that solved (status ``optimal``) and that the
catalog could read (no ``problem``) count.

>>> cat = catalog.load("results/sweeps/storage_dr")
>>> cheapest(cat)                                        # lowest total cost, every target met
>>> response_surface(cat, "renewable_utilisation", "storage.battery_scale",
...                  "network.overrides.scale.solar")
"""

from __future__ import annotations

import difflib

import pandas as pd

from gridsim.errors import InputError
from gridsim.results.catalog_rows import PARAM

#: The default cost KPI of :func:`cheapest` (CNY, the period's total system cost).
COST = "total_cost.total"


def column(catalog: pd.DataFrame, name: str) -> str:
    """The catalog column of ``name``: the column itself, else the parameter
    ``param.<name>``; an :class:`~gridsim.errors.InputError` naming close columns."""
    if name in catalog.columns:
        return name
    if PARAM + name in catalog.columns:
        return PARAM + name
    near = difflib.get_close_matches(name, [str(c) for c in catalog.columns], n=3)
    hint = f" (close: {', '.join(near)})" if near else ""
    raise InputError(f"is no column of the catalog{hint}", field="column", value=name)


def solved(catalog: pd.DataFrame) -> pd.DataFrame:
    """The rows of runs that were read and solved: ``status`` optimal, no ``problem``."""
    ok = catalog["status"].astype(str).eq("optimal")
    if "problem" in catalog.columns:
        ok &= catalog["problem"].isna()
    return catalog[ok]


def cheapest(catalog: pd.DataFrame, by: str = COST, n: int = 1) -> pd.DataFrame:
    """The ``n`` solved runs with the lowest ``by`` (default the total cost, CNY) among
    those that meet every plan target of their scorecard (``all_targets_met``), lowest
    first. Empty when no run meets every target."""
    key = column(catalog, by)
    if "all_targets_met" not in catalog.columns:
        return catalog.iloc[0:0]
    rows = solved(catalog)
    rows = rows[rows["all_targets_met"].fillna(False).astype(bool) & rows[key].notna()]
    return rows.sort_values([key, "path"], kind="stable").head(n)


def response_surface(
    catalog: pd.DataFrame, kpi: str, x: str, y: str, agg: str = "mean"
) -> pd.DataFrame:
    """KPI ``kpi`` of the solved runs over the parameters ``x`` (columns) and ``y``
    (rows): one cell per pair of values, the ``agg`` (``mean``, ``min``, ``max``,
    ``median`` or ``count``) over runs that differ in other parameters; NaN where no
    run has the pair. In the KPI's unit."""
    if agg not in ("mean", "min", "max", "median", "count"):
        raise InputError("must be mean, min, max, median or count", field="agg", value=agg)
    k, cx, cy = column(catalog, kpi), column(catalog, x), column(catalog, y)
    rows = solved(catalog)[[cx, cy, k]].dropna(subset=[cx, cy])
    table = rows.pivot_table(index=cy, columns=cx, values=k, aggfunc=agg, dropna=False)
    table.index.name, table.columns.name = y, x
    return table.sort_index().sort_index(axis=1)


__all__ = ["COST", "cheapest", "column", "response_surface", "solved"]
