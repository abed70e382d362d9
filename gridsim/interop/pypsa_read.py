"""Reading a ``pypsa.Network`` for :func:`gridsim.interop.pypsa_import.from_pypsa`: its
snapshots, the values of its components' attributes (static, or a time series) and the
features gridsim does not model, each refused with a ``NotImplementedError`` that names
the component, the element and the attribute.

:data:`UNSUPPORTED` declares, per component, the attributes whose value must stay at
PyPSA's default (the value that leaves the feature off), and what the feature is; a
feature with a model of its own (a time-varying cost, a line type) is checked where the
element is mapped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.profiles.calendar import TZ

Arr = np.ndarray

MAPPED = ("Bus", "Carrier", "Generator", "Load", "StorageUnit", "Line", "Link", "Transformer", "ShuntImpedance")  # fmt: skip
"""The PyPSA components that gridsim imports."""
IGNORED = ("LineType", "TransformerType", "SubNetwork", "Shape")
"""Components that carry nothing for gridsim: the standard-type libraries (an element
that uses a type is refused), the topology PyPSA derives and geometries."""
REFUSED = {
    "Store": "stores (energy carriers with a state of charge and no power rating)",
    "GlobalConstraint": "global constraints (emission caps, expansion limits)",
    "Process": "processes (multi-port conversion)",
}
"""Components gridsim does not model, with what they are (any other unknown component is
refused too)."""


def _is(value: Any) -> Callable[[Any], bool]:
    """A test that a value equals ``value`` (NaN equals NaN)."""
    if isinstance(value, float) and np.isnan(value):
        return lambda v: bool(pd.isna(v))
    return lambda v: bool(v == value)


def _nan_or_one(v: Any) -> bool:
    return bool(pd.isna(v) or v == 1.0)


_OFF = {
    "extendable": (_is(False), "capacity expansion (extendable capacity)"),
    "mod": (_is(0.0), "modular capacity (integer units)"),
    "quadratic": (_is(0.0), "quadratic costs"),
    "stand_by": (_is(0.0), "stand-by costs"),
    "set": (_is(np.nan), "fixed set-points"),
}

#: component -> attribute -> (accepted value test, the feature gridsim does not model).
#: Generator attributes of the commitment are checked only for committable units.
UNSUPPORTED: dict[str, dict[str, tuple[Callable[[Any], bool], str]]] = {
    "Generator": {
        "p_nom_extendable": _OFF["extendable"],
        "p_nom_mod": _OFF["mod"],
        "marginal_cost_quadratic": _OFF["quadratic"],
        "stand_by_cost": _OFF["stand_by"],
        "p_set": _OFF["set"],
        "e_sum_min": (_is(-np.inf), "an energy floor per unit over the horizon"),
        "e_sum_max": (_is(np.inf), "an energy budget per unit over the horizon"),
        "sign": (_is(1.0), "generators with sign -1"),
    },
    "Generator (committable)": {
        "min_up_time": (_is(0), "minimum up times"),
        "min_down_time": (_is(0), "minimum down times"),
        "shut_down_cost": (_is(0.0), "shut-down costs"),
        "up_time_before": (lambda v: bool(v > 0), "units off before the first snapshot"),
        "down_time_before": (_is(0), "units off before the first snapshot"),
        "ramp_limit_start_up": (_nan_or_one, "start-up ramp limits"),
        "ramp_limit_shut_down": (_nan_or_one, "shut-down ramp limits"),
    },
    "StorageUnit": {
        "p_nom_extendable": _OFF["extendable"],
        "p_nom_mod": _OFF["mod"],
        "marginal_cost": (_is(0.0), "costs of storage operation"),
        "marginal_cost_quadratic": _OFF["quadratic"],
        "marginal_cost_storage": (_is(0.0), "costs of stored energy"),
        "standing_loss": (_is(0.0), "standing losses of stored energy"),
        "inflow": (_is(0.0), "inflow to storage (hydro reservoirs)"),
        "state_of_charge_set": (_is(np.nan), "state-of-charge set-points"),
        "p_set": _OFF["set"],
        "p_dispatch_set": _OFF["set"],
        "p_store_set": _OFF["set"],
        "sign": (_is(1.0), "storage units with sign -1"),
    },
    "Link": {
        "p_nom_extendable": _OFF["extendable"],
        "p_nom_mod": _OFF["mod"],
        "marginal_cost": (_is(0.0), "costs on links"),
        "marginal_cost_quadratic": _OFF["quadratic"],
        "stand_by_cost": _OFF["stand_by"],
        "committable": (_is(False), "commitment of links"),
        "p_set": _OFF["set"],
        "delay": (_is(0), "delayed delivery"),
        "ramp_limit_up": (_is(np.nan), "ramp limits on links"),
        "ramp_limit_down": (_is(np.nan), "ramp limits on links"),
    },
    "Line": {
        "s_nom_extendable": _OFF["extendable"],
        "s_nom_mod": _OFF["mod"],
        "type": (lambda v: v == "" or pd.isna(v), "line types (give x, r and s_nom)"),
    },
    "Transformer": {
        "s_nom_extendable": _OFF["extendable"],
        "s_nom_mod": _OFF["mod"],
        "type": (lambda v: v == "" or pd.isna(v), "transformer types (give x, r and s_nom)"),
        "tap_ratio": (_is(1.0), "off-nominal tap ratios"),
        "phase_shift": (_is(0.0), "phase-shifting transformers"),
    },
    "Load": {"sign": (_is(-1.0), "loads with sign +1")},
    "ShuntImpedance": {"sign": (_is(-1.0), "shunts with sign +1")},
}


def refuse(component: str, element: Any, attribute: str, why: str, value: Any = None) -> NotImplementedError:  # fmt: skip
    """The error for a feature gridsim does not model: ``<component> '<element>':
    <attribute> <why>, got <value>``."""
    got = "" if value is None else f", got {value!r}"
    return NotImplementedError(f"PyPSA {component} '{element}': {attribute} {why}{got}")


class PypsaView:
    """Read access to the active elements of a ``pypsa.Network`` over ``T`` snapshots."""

    def __init__(self, n: Any) -> None:
        self.n = n
        self.name = str(getattr(n, "name", "") or "pypsa")
        self.source = f"PyPSA network '{self.name}'"
        self.T = len(n.snapshots)
        self._static: dict[str, pd.DataFrame] = {}

    def static(self, component: str) -> pd.DataFrame:
        """The active elements of ``component`` (all buses), read once."""
        if component not in self._static:
            df: pd.DataFrame = self.n.c[component].static
            if "active" in df.columns:
                df = df[df["active"].astype(bool)]
            self._static[component] = df
        return self._static[component]

    def dynamic(self, component: str, attr: str) -> pd.DataFrame:
        """The time series of ``attr`` given per element (may have no columns)."""
        dyn = self.n.c[component].dynamic
        return dyn[attr] if attr in dyn else pd.DataFrame()

    def series(self, component: str, attr: str, name: str) -> Arr:
        """``attr`` of element ``name`` in every snapshot (T,)."""
        dyn = self.dynamic(component, attr)
        if name in dyn.columns:
            return np.asarray(dyn[name].to_numpy(float))
        return np.full(self.T, float(self.static(component).at[name, attr]))

    def constant(self, component: str, attr: str, name: str, why: str) -> float:
        """``attr`` of ``name``, which must not vary in time (``why``: what gridsim has)."""
        x = self.series(component, attr, name)
        if x.size and not np.all((x == x[0]) | (np.isnan(x) & np.isnan(x[0]))):
            raise refuse(component, name, attr, f"varies in time ({why})")
        return float(x[0]) if x.size else float(self.static(component).at[name, attr])

    def check_components(self) -> None:
        """Refuse components gridsim does not model, and multi-period investment."""
        for c in self.n.components:
            if c.static.empty or c.name in MAPPED or c.name in IGNORED:
                continue
            what = REFUSED.get(c.name, f"{c.name} components")
            first = c.static.index[0]
            raise refuse(c.name, first, "component", f"is not modelled by gridsim: {what}")
        if len(getattr(self.n, "investment_periods", [])) or isinstance(self.n.snapshots, pd.MultiIndex):  # fmt: skip
            raise refuse("Network", self.name, "investment_periods", "multi-period investment is not modelled by gridsim")  # fmt: skip

    def check_unsupported(self, component: str, names: Any = None, table: str = "") -> None:
        """Refuse the elements (``names``, default all active ones) whose attributes of
        :data:`UNSUPPORTED` leave their default, static or in any snapshot."""
        df = self.static(component)
        names = df.index if names is None else names
        for attr, (ok, what) in UNSUPPORTED[table or component].items():
            if attr in df.columns:
                for name in names:
                    value = df.at[name, attr]
                    if not ok(value):
                        raise refuse(component, name, attr, f"is not modelled by gridsim: {what}", value)  # fmt: skip
            dyn = self.dynamic(component, attr)
            for name in dyn.columns.intersection(pd.Index(names)):
                bad = [v for v in dyn[name].to_numpy() if not ok(v)]
                if bad:
                    raise refuse(component, name, attr, f"is not modelled by gridsim: {what}", bad[0])  # fmt: skip

    def snapshots(self, tz: str, start: str | None) -> pd.DatetimeIndex:
        """The snapshots as consecutive hours in Asia/Shanghai: a naive DatetimeIndex is
        local time in ``tz``; snapshots that are not times are hours from ``start``
        (default 2025-01-01 00:00). Every snapshot weighting must be 1 h."""
        sns = self.n.snapshots
        if len(sns) == 0:
            raise InputError("has no snapshots", source=self.source, show_value=False)
        if isinstance(sns, pd.DatetimeIndex):
            try:
                idx = sns.tz_localize(tz) if sns.tz is None else sns
            except (ValueError, TypeError) as err:  # a time skipped or repeated by DST
                raise InputError(f"snapshots are not unique times in {tz} ({err})", source=self.source, show_value=False) from None  # fmt: skip
        else:
            first = pd.Timestamp(start or "2025-01-01")
            first = first.tz_localize(tz) if first.tz is None else first
            idx = pd.date_range(first, periods=len(sns), freq="h")
        idx = pd.DatetimeIndex(idx.tz_convert(TZ), name="snapshot")
        step = np.diff(idx.asi8)
        if len(step) and not (step == 3_600 * 10**9).all():
            k = int(np.flatnonzero(step != 3_600 * 10**9)[0])
            raise refuse("Network", self.name, "snapshots", f"must be consecutive hours (gridsim's profiles are hourly; step {pd.Timedelta(int(step[k]), 'ns')} after {sns[k]})")  # fmt: skip
        w = self.n.snapshot_weightings
        for col in w.columns:
            if not np.allclose(w[col].to_numpy(float), 1.0, rtol=0, atol=1e-12):
                raise refuse("Network", self.name, f"snapshot_weightings.{col}", "must be 1 (one hour per snapshot)", float(w[col].iloc[0]))  # fmt: skip
        return idx


__all__ = ["IGNORED", "MAPPED", "REFUSED", "UNSUPPORTED", "PypsaView", "refuse"]
