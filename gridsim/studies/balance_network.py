"""The scenario's changes to single network elements (``[network.overrides]`` and
``[storage]``): element dates, per-unit capacities, battery power and energy, storage
on/off and round-trip efficiencies; names are checked with close matches in the errors."""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from gridsim.network.network import Network
from gridsim.scenario import Scenario


def close_matches(key: str, names: Any) -> str:
    """``; close: a, b`` naming up to three of ``names`` that resemble ``key``, or ''."""
    near = difflib.get_close_matches(str(key), [str(n) for n in names], n=3, cutoff=0.6)
    return f"; close: {', '.join(near)}" if near else ""


#: Element tables that ``commission_date`` / ``decommission_date`` overrides may name.
DATED_TABLES = ("gen", "storage", "dcline", "line", "trafo")


def set_dates(net: Network, sc: Scenario) -> None:
    """``network.overrides.commission_date`` / ``decommission_date`` onto the element
    tables; each name must be one element of :data:`DATED_TABLES`."""
    ov = sc.network.overrides
    for column in ("commission_date", "decommission_date"):
        for name, date in getattr(ov, column).items():
            dotted = f"network.overrides.{column}.{name}"
            tables = [t for t in DATED_TABLES if name in getattr(net, t).index]
            if not tables:
                every = [n for t in DATED_TABLES for n in getattr(net, t).index]
                what = "generator, storage unit, DC link, line or trafo"
                raise sc.error(dotted, f"is not a {what} of the network{close_matches(name, every)}", name)  # fmt: skip
            if len(tables) > 1:
                raise sc.error(dotted, f"names elements of several tables ({', '.join(tables)}); rename one", name)  # fmt: skip
            getattr(net, tables[0]).loc[name, column] = date


def set_unit_mw(net: Network, sc: Scenario) -> None:
    """``network.overrides.unit_mw``: each unit's capacity; its minimum output keeps its
    share of capacity."""
    gen = net.gen
    for unit, mw in sc.network.overrides.unit_mw.items():
        dotted = f"network.overrides.unit_mw.{unit}"
        if unit not in gen.index:
            raise sc.error(dotted, f"is not a generator of the network{close_matches(unit, gen.index)}", unit)  # fmt: skip
        now = float(gen.max_p_mw[unit])
        share = float(gen.min_p_mw[unit]) / now if np.isfinite(now) and now > 0 else 0.0
        gen.loc[unit, "max_p_mw"] = mw
        gen.loc[unit, "min_p_mw"] = share * mw


def set_storage(net: Network, sc: Scenario) -> None:
    """``[storage]``: units on or off, battery power and energy, round-trip efficiencies.

    ``battery_mw`` alone scales each battery's power and energy (its duration is kept),
    ``battery_mwh`` alone its energy, both set both; ``battery_scale`` multiplies both.
    A round-trip efficiency ``r`` sets the charging and discharging efficiency to ``sqrt(r)``.
    """
    st, s = net.storage, sc.storage
    if s.pumped_hydro is not None:
        st.loc[st.kind == "pumped_hydro", "in_service"] = s.pumped_hydro
    bat = (st.kind == "battery") & st.in_service.astype(bool)
    if not s.battery:
        st.loc[bat, "in_service"] = False
    else:
        factors = {}
        for col, want, dotted in (
            ("max_p_mw", s.battery_mw, "storage.battery_mw"),
            ("max_e_mwh", s.battery_mwh, "storage.battery_mwh"),
        ):
            if want is not None:
                now = float(st.loc[bat, col].sum())
                if now <= 0:
                    raise sc.error(dotted, "has no in-service battery to scale", want)
                factors[col] = want / now
        if "max_p_mw" in factors and "max_e_mwh" not in factors:
            factors["max_e_mwh"] = factors["max_p_mw"]  # the same duration
        for col, f in factors.items():
            st.loc[bat, col] = st.loc[bat, col] * f
        if s.battery_scale is not None:
            st.loc[bat, ["max_p_mw", "max_e_mwh"]] *= s.battery_scale
    for kind, rte, dotted in (
        (None, s.round_trip_efficiency, "storage.round_trip_efficiency"),
        ("battery", s.battery_round_trip_efficiency, "storage.battery_round_trip_efficiency"),
        ("pumped_hydro", s.pumped_hydro_round_trip_efficiency, "storage.pumped_hydro_round_trip_efficiency"),
    ):  # fmt: skip
        if rte is None:
            continue
        if rte <= 0:
            raise sc.error(dotted, "must be > 0 (a share of the energy stored that comes back)", rte)  # fmt: skip
        rows = st.index if kind is None else st.index[st.kind == kind]
        st.loc[rows, ["eff_charge", "eff_discharge"]] = float(np.sqrt(rte))


__all__ = ["DATED_TABLES", "close_matches", "set_dates", "set_storage", "set_unit_mw"]
