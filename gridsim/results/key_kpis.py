"""The key KPIs of a run: one declaration of their names, units and the views that
show them.

Each :class:`KeyKpi` is a dotted path into ``summary.json`` with its unit there. The
results store lists and compares the ones marked ``listed``
(:func:`gridsim.results.listing.list_runs`, ``compare_runs``, in the order of
:data:`SHORTLIST`); a sweep summary has a column for the ones with a ``column``
(:func:`gridsim.batch.summary_frame`, in the order of :data:`SWEEP_ORDER`), the value
divided by ``per`` (the unit is in the column's name: ``curtailed_gwh`` =
``curtailed_mwh.total`` / 1e3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KeyKpi:
    """A key KPI: ``key`` (dotted path into summary.json) in ``unit``; ``listed`` by the
    store; ``column`` (value / ``per``) in a sweep summary, or None."""

    key: str
    unit: str
    listed: bool = True
    column: str | None = None
    per: float = 1.0


# fmt: off
#: The key KPIs, in the order of the store's listing and comparison.
SHORTLIST: tuple[KeyKpi, ...] = (
    KeyKpi("renewable_utilisation", "share", column="renewable_utilisation"),  # wind + solar used / available, 0..1
    KeyKpi("wind_utilisation", "share", column="wind_utilisation"),
    KeyKpi("solar_utilisation", "share", column="solar_utilisation"),
    KeyKpi("curtailed_mwh.total", "MWh", column="curtailed_gwh", per=1e3),  # wind + solar curtailment
    KeyKpi("generation_mwh.total", "MWh"),
    KeyKpi("thermal_mwh", "MWh"),
    KeyKpi("demand_mwh", "MWh"),
    KeyKpi("export_mwh.total", "MWh"),
    KeyKpi("peak_load_mw", "MW"),
    KeyKpi("new_energy_share_of_generation", "share", column="new_energy_share_of_generation"),
    KeyKpi("renewable_share_of_consumption", "share"),
    KeyKpi("non_hydro_renewable_share_of_consumption", "share"),
    KeyKpi("dr_capacity_share_of_peak", "share"),
    KeyKpi("coal_rate_gce_per_kwh", "gce/kWh", column="coal_rate_gce_per_kwh"),
    KeyKpi("coal_t", "t", column="coal_mt", per=1e6),  # standard coal burnt (tce)
    KeyKpi("co2_t", "t", column="co2_mt", per=1e6),
    KeyKpi("unserved_mwh", "MWh", column="unserved_mwh"),
    KeyKpi("total_cost.total", "CNY", column="cost_bn_cny", per=1e9),  # total system cost of the period
    KeyKpi("dr_used_mwh.curtailed", "MWh", listed=False, column="dr_curtailed_gwh", per=1e3),  # demand response: load curtailed
    KeyKpi("dr_used_mwh.shifted", "MWh", listed=False, column="dr_shifted_gwh", per=1e3),  # load moved within the day
)
# fmt: on

#: The sweep summary's KPI columns, in their order.
SWEEP_ORDER: tuple[str, ...] = (
    "renewable_utilisation",
    "wind_utilisation",
    "solar_utilisation",
    "curtailed_gwh",
    "coal_mt",
    "co2_mt",
    "coal_rate_gce_per_kwh",
    "dr_curtailed_gwh",
    "dr_shifted_gwh",
    "unserved_mwh",
    "cost_bn_cny",
    "new_energy_share_of_generation",
)

#: Key KPIs listed and compared by the store: dotted key -> unit.
KEY_KPIS: dict[str, str] = {k.key: k.unit for k in SHORTLIST if k.listed}
#: Key KPIs with a sweep summary column, in :data:`SWEEP_ORDER`.
SWEEP_KPIS: tuple[KeyKpi, ...] = tuple(
    next(k for k in SHORTLIST if k.column == col) for col in SWEEP_ORDER
)
assert {k.column for k in SHORTLIST if k.column} == set(SWEEP_ORDER), "SWEEP_ORDER vs SHORTLIST"


def kpi_value(summary: dict[str, Any], key: str) -> Any:
    """The value at dotted path ``key`` of a summary dict (``"curtailed_mwh.wind"``);
    NaN when absent."""
    x: Any = summary
    for part in key.split("."):
        if not isinstance(x, dict) or part not in x:
            return float("nan")
        x = x[part]
    return x


def sweep_values(summary: dict[str, Any]) -> dict[str, Any]:
    """The sweep summary's KPI columns (:data:`SWEEP_ORDER`) from a summary dict."""
    out = {}
    for k in SWEEP_KPIS:
        v = kpi_value(summary, k.key)
        out[str(k.column)] = v if k.per == 1.0 else v / k.per
    return out


def unit_of(key: str) -> str:
    """Unit of a dotted KPI key: from :data:`KEY_KPIS`, else from the name's suffix."""
    if key in KEY_KPIS:
        return KEY_KPIS[key]
    if ".met_by." in key:
        return "share"
    for part in reversed(key.split(".")):
        for suffix, unit in (("_mwh", "MWh"), ("_mw", "MW"), ("_t", "t"), ("_s", "s")):
            if part.endswith(suffix):
                return unit
        if part.endswith(("utilisation", "share")) or "_share_" in part:
            return "share"
        if part.endswith("gce_per_kwh"):
            return "gce/kWh"
    return "CNY" if key.startswith("total_cost") else ""


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> ``{"a.b.c": leaf}`` (lists are kept as leaves)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


__all__ = [
    "KEY_KPIS",
    "SHORTLIST",
    "SWEEP_KPIS",
    "SWEEP_ORDER",
    "KeyKpi",
    "flatten",
    "kpi_value",
    "sweep_values",
    "unit_of",
]
