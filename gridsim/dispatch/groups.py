"""The element groups of a dispatch problem (layer 1 of 3: data, no maths).

Each group is a dataclass of named numpy arrays whose fields carry a
:class:`~gridsim.fields.Field` in their metadata (:func:`array_field`): kind, default,
meaning and shape, ``"tn"`` (T x n), ``"n"`` (per element) or ``"n_str"`` (per-element
labels). Groups are built with ``Group.make(T, names=..., node=..., **fields)``: scalars
broadcast, missing fields take their documented default.
:class:`~gridsim.dispatch.problem.DispatchProblem` holds one of each.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np

from gridsim.fields import Field
from gridsim.network.schema import STORAGE_EFFICIENCY

Arr = np.ndarray
G = TypeVar("G", bound="Group")


def _f(shape: str, default: Any = None, doc: str = "", kind: str = "") -> Any:
    """A group's array field: a :class:`~gridsim.fields.Field` of ``shape`` in the
    dataclass field's metadata (kind: ``str`` for labels, else ``float`` unless given)."""
    kind = kind or ("str" if shape == "n_str" else "float")
    fld = Field(kind, default, doc, shape=shape)
    return field(default=None, metadata={"field": fld, "shape": shape})


def array_field(f: dataclasses.Field[Any]) -> Field:
    """The :class:`~gridsim.fields.Field` declared for a group's dataclass field."""
    fld: Field = f.metadata["field"]
    return fld


@dataclass
class Group:
    """Base of the element groups: ``names`` (n,) and ``node`` (n,) index."""

    names: Arr = _f("n_str", doc="element names")
    node: Arr = _f("n", 0, "node index of each element", "int")

    kind: ClassVar[str] = "element"

    @property
    def n(self) -> int:
        """Number of elements."""
        return len(self.names)

    @classmethod
    def make(cls: type[G], T: int, names: Any = (), **values: Any) -> G:
        """Build the group, broadcasting scalars to ``(n,)`` or ``(T, n)``."""
        names_arr = np.asarray([str(x) for x in names], dtype=object)
        n = len(names_arr)
        out: dict[str, Any] = {"names": names_arr}
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise TypeError(f"{cls.__name__}.make: unknown fields {sorted(unknown)}")
        for f in dataclasses.fields(cls):
            if f.name == "names":
                continue
            fld = array_field(f)
            v = values.get(f.name, fld.default)
            if v is None:
                raise TypeError(f"{cls.__name__}.make: field {f.name!r} is required")
            if fld.shape == "n_str":
                arr = np.empty(n, dtype=object)
                arr[:] = [str(x) for x in np.broadcast_to(np.asarray(v, dtype=object), (n,))]
            elif fld.shape == "n":
                dt = np.int64 if fld.kind == "int" else None
                arr = np.array(np.broadcast_to(np.asarray(v, dtype=dt), (n,)))
                if dt is None and arr.dtype != bool:
                    arr = arr.astype(np.float64)
            else:  # "tn"
                a = np.asarray(v, dtype=np.float64)
                if a.ndim == 1 and a.shape[0] == T and n != T:
                    a = a[:, None]
                arr = np.array(np.broadcast_to(a, (T, n)), dtype=np.float64)
            out[f.name] = arr
        return cls(**out)

    def time_slice(self: G, t0: int, t1: int) -> G:
        """The group restricted to snapshots ``t0:t1`` (copies of the time series)."""
        upd = {
            f.name: getattr(self, f.name)[t0:t1].copy()
            for f in dataclasses.fields(self)
            if array_field(f).shape == "tn"
        }
        return dataclasses.replace(self, **upd)

    def check(self, T: int, n_nodes: int) -> None:
        """Raise ``ValueError`` if an array has the wrong shape or a node is out of range."""
        n = self.n
        for f in dataclasses.fields(self):
            a = getattr(self, f.name)
            series = array_field(f).shape == "tn"
            want = (T, n) if series else (n,)
            if np.shape(a) != want:
                raise ValueError(f"{self.kind}.{f.name}: shape {np.shape(a)}, expected {want}")
            optional = isinstance(array_field(f).default, float) and np.isnan(array_field(f).default)  # fmt: skip
            if series and a.size and not optional and not np.isfinite(a).all():
                bad = np.argwhere(~np.isfinite(a))[0]
                raise ValueError(
                    f"{self.kind}.{f.name}: not finite at snapshot {bad[0]}, "
                    f"element {self.names[bad[1]]!r}"
                )
        for f in dataclasses.fields(self):
            if f.name.endswith("node") and n:
                nd = getattr(self, f.name)
                lo = -1 if f.name == "to_node" else 0
                if nd.min() < lo or nd.max() >= n_nodes:
                    raise ValueError(f"{self.kind}.{f.name}: index out of range 0..{n_nodes - 1}")


@dataclass
class Thermal(Group):
    """Thermal clusters (coal, gas ...), clustered unit commitment.

    ``u0_mw`` is the capacity committed in the hour before the first snapshot
    (NaN: all available capacity); ``p0_mw`` the output then (NaN: no ramp limit
    in the first hour). A cluster is ``p_max_mw / unit_size_mw`` identical units
    (rounded, at least one; NaN size: one unit); minimum up and down times apply to
    the capacity started and shut down (:mod:`gridsim.dispatch.commitment`).
    ``su_before_mw[t]`` is the capacity started before the first snapshot that is
    still within its minimum up time at snapshot ``t`` (``sd_before_mw`` likewise for
    shut-downs and the minimum down time): the rolling horizon's history.
    """

    kind: ClassVar[str] = "thermal"
    fuel: Arr = _f("n_str", "coal", "technology label")
    p_max_mw: Arr = _f("n", None, "installed capacity (MW)")
    avail_pu: Arr = _f("tn", 1.0, "share of capacity in service (commissioning, outages)")
    p_min_share: Arr = _f("n", 0.0, "minimum stable output, share of committed capacity")
    ramp_pu_per_h: Arr = _f("n", np.nan, "ramp limit, share of capacity per hour (NaN: none)")
    cost_per_mwh: Arr = _f("n", 0.0, "marginal cost (CNY/MWh)")
    startup_cost_per_mw: Arr = _f("n", 0.0, "start-up cost per MW started (CNY/MW)")
    coal_gce_per_kwh: Arr = _f("n", 0.0, "coal rate (gce/kWh)")
    co2_t_per_mwh: Arr = _f("n", 0.0, "CO2 factor (t/MWh)")
    must_run_mw: Arr = _f("tn", 0.0, "heat-driven (CHP) minimum output (MW)")
    u0_mw: Arr = _f("n", np.nan, "committed capacity before the first snapshot (MW)")
    p0_mw: Arr = _f("n", np.nan, "output before the first snapshot (MW)")
    derate_pu: Arr = _f("tn", 1.0, "output limit of the committed units, share of capacity (CHP extraction, forced-outage derating)")  # fmt: skip
    normal_min_share: Arr = _f("n", np.nan, "output below which deep peak regulation is paid, share of committed capacity (NaN: p_min_share)")  # fmt: skip
    min_up_time_h: Arr = _f("n", 0.0, "minimum up time of started capacity (h, 0: none)")
    min_down_time_h: Arr = _f("n", 0.0, "minimum down time of shut-down capacity (h, 0: none)")
    unit_size_mw: Arr = _f("n", np.nan, "size of one unit of the cluster (MW, NaN: one unit)")
    su_before_mw: Arr = _f(
        "tn", 0.0, "capacity started before t0, still in its minimum up time (MW)"
    )
    sd_before_mw: Arr = _f(
        "tn", 0.0, "capacity shut down before t0, still in its minimum down time (MW)"
    )
    p_next_mw: Arr = _f("n", np.nan, "output in the snapshot after the last, fixed by a later window: the last snapshot ramps into it (MW, NaN: free)")  # fmt: skip
    u_next_mw: Arr = _f("n", np.nan, "committed capacity in the snapshot after the last (MW, NaN: free)")  # fmt: skip
    u_end_min_mw: Arr = _f("n", np.nan, "floor on the committed capacity of the last snapshot (MW, NaN: none)")  # fmt: skip


@dataclass
class Renewable(Group):
    """Variable renewables (wind, solar): dispatch <= available; the rest is curtailed."""

    kind: ClassVar[str] = "renewable"
    fuel: Arr = _f("n_str", "wind", "technology label")
    capacity_mw: Arr = _f("n", 0.0, "installed capacity (MW, for reporting)")
    available_mw: Arr = _f("tn", None, "available power (MW)")
    cost_per_mwh: Arr = _f("n", 0.0, "marginal cost (CNY/MWh)")


@dataclass
class Hydro(Group):
    """Hydro and biomass: bounds per hour and an optional energy budget over the horizon."""

    kind: ClassVar[str] = "hydro"
    fuel: Arr = _f("n_str", "hydro", "technology label")
    p_max_mw: Arr = _f("tn", None, "upper bound (MW)")
    p_min_mw: Arr = _f("tn", 0.0, "lower bound (MW); = p_max_mw for a fixed profile")
    energy_mwh: Arr = _f("n", np.nan, "energy budget over the horizon (MWh, NaN: none)")
    cost_per_mwh: Arr = _f("n", 0.0, "marginal cost (CNY/MWh)")
    inflow_mw: Arr = _f("tn", np.nan, "river flow as power (MW): each day's energy is at most the day's inflow (NaN: none)")  # fmt: skip


@dataclass
class Storage(Group):
    """Batteries and pumped hydro.

    ``soc_{t} = soc_{t-1} + eff_charge*dt*charge - dt/eff_discharge*discharge``;
    ``cyclic`` closes the loop (soc before t0 = soc at T-1), otherwise the
    state before t0 is ``soc0_mwh``. ``soc_end_min_mwh`` (NaN: none) is a floor
    on the last state, used by the rolling horizon. Power and energy limits are
    ``p_max_mw * avail_pu[t]`` and ``e_max_mwh * avail_pu[t]`` (commissioning dates).
    """

    kind: ClassVar[str] = "storage"
    storage_kind: Arr = _f("n_str", "battery", "battery or pumped_hydro")
    p_max_mw: Arr = _f("n", None, "power rating (MW)")
    e_max_mwh: Arr = _f("n", None, "energy capacity (MWh)")
    eff_charge: Arr = _f("n", STORAGE_EFFICIENCY, "charging efficiency")
    eff_discharge: Arr = _f("n", STORAGE_EFFICIENCY, "discharging efficiency")
    soc0_mwh: Arr = _f("n", 0.0, "state of charge before the first snapshot (MWh)")
    cyclic: Arr = _f("n", True, "end state = start state", "bool")
    soc_end_min_mwh: Arr = _f("n", np.nan, "floor on the final state of charge (MWh)")
    soc_end_max_mwh: Arr = _f("n", np.nan, "ceiling on the final state of charge (MWh, NaN: none)")  # fmt: skip
    cost_per_mwh: Arr = _f("n", 0.0, "cost per MWh discharged (CNY/MWh)")
    avail_pu: Arr = _f(
        "tn",
        1.0,
        "1 while in service, 0 before commissioning and after decommissioning: scales power and energy",
    )


@dataclass
class CurtailableLoad(Group):
    """Demand response that sheds load, within an energy budget over the horizon."""

    kind: ClassVar[str] = "curtailable"
    p_max_mw: Arr = _f("tn", None, "curtailable power (MW)")
    energy_mwh: Arr = _f("n", np.nan, "energy budget over the horizon (MWh, NaN: none)")
    cost_per_mwh: Arr = _f("n", 0.0, "cost of curtailed energy (CNY/MWh)")


@dataclass
class ShiftableLoad(Group):
    """Demand response that moves load within each day (energy-neutral per day)."""

    kind: ClassVar[str] = "shiftable"
    p_max_mw: Arr = _f("n", None, "power that can be moved up or down (MW)")
    cost_per_mwh: Arr = _f("n", 0.0, "cost per MWh moved away (CNY/MWh)")


@dataclass
class Links(Group):
    """HVDC links. ``to_node = -1``: an export to outside the model.

    Delivered power is ``(1 - loss_share) * p - loss_fixed_mw``; exports earn
    ``value_per_mwh`` on the delivered energy; ``energy_min_mwh`` and
    ``energy_max_mwh`` bound the energy sent over the horizon (equal: an exact
    energy). A rolling window takes the share of what remains of them in proportion
    to its hours' ``energy_weight`` (1: pro rata by hours; the schedule for a link
    held to its scheduled energy).
    """

    kind: ClassVar[str] = "link"
    to_node: Arr = _f("n", -1, "receiving node (-1: export sink)", "int")
    p_min_mw: Arr = _f("tn", 0.0, "lower bound of sent power (MW)")
    p_max_mw: Arr = _f("tn", None, "upper bound of sent power (MW)")
    rating_mw: Arr = _f("n", None, "rating (MW)")
    ramp_mw_per_h: Arr = _f("n", np.nan, "ramp limit (MW/h, NaN: none)")
    energy_min_mwh: Arr = _f("n", np.nan, "energy to send over the horizon (MWh, NaN: none)")
    loss_share: Arr = _f("n", 0.0, "losses proportional to the flow (share)")
    loss_fixed_mw: Arr = _f("n", 0.0, "fixed losses (MW)")
    value_per_mwh: Arr = _f("n", 0.0, "value of delivered energy (CNY/MWh)")
    p0_mw: Arr = _f("n", np.nan, "sent power before the first snapshot (MW)")
    energy_max_mwh: Arr = _f("n", np.nan, "most energy sent over the horizon (MWh, NaN: none)")
    energy_weight: Arr = _f(
        "tn", 1.0, "weight of each hour when a rolling window takes its share of the energy bounds"
    )
    p_next_mw: Arr = _f("n", np.nan, "sent power in the snapshot after the last, fixed by a later window: the last snapshot ramps into it (MW, NaN: free)")  # fmt: skip


@dataclass
class Exchange(Group):
    """AC exchange with a neighbouring grid (the Northwest grid): import and export."""

    kind: ClassVar[str] = "exchange"
    import_max_mw: Arr = _f("tn", 0.0, "import limit (MW)")
    export_max_mw: Arr = _f("tn", 0.0, "export limit (MW)")
    import_price_per_mwh: Arr = _f("n", 0.0, "price paid for imports (CNY/MWh)")
    export_price_per_mwh: Arr = _f("n", 0.0, "price earned by exports (CNY/MWh)")


@dataclass
class Branches(Group):
    """Transmission branches of the ``transport`` and ``ptdf`` models. The transport
    model's flow limit is ``p_max_mw * avail_pu[t]``."""

    kind: ClassVar[str] = "branch"
    node: Arr = _f("n", 0, "from node", "int")
    to_node: Arr = _f("n", 0, "to node", "int")
    p_max_mw: Arr = _f("n", np.inf, "rating (MW, inf: not monitored)")
    loss_share: Arr = _f("n", 0.0, "transport losses, share of the flow")
    x_pu: Arr = _f("n", np.nan, "series reactance (pu), used by the ptdf model")
    avail_pu: Arr = _f(
        "tn", 1.0, "share of the rating in service (commissioning dates; transport model)"
    )
    circuits: Arr = _f("n", 1.0, "parallel circuits (N-1 outages take out one)")
    vn_kv: Arr = _f("n", np.nan, "nominal voltage of the from end (kV)")
    branch_type: Arr = _f("n_str", "line", "line or trafo")


@dataclass
class Reserves(Group):
    """Spinning-reserve requirements over the whole system (one per element), upward
    or downward (``direction``).

    In every snapshot the headroom (upward) or footroom (downward) of committed
    thermal capacity, hydro and storage must cover ``requirement_mw + load_share *
    Σ load + renewable_share * Σ wind and solar output`` (see
    :mod:`gridsim.dispatch.reserves`). A contingency requirement of the largest unit
    in service is a time series in ``requirement_mw``
    (:func:`largest_unit_mw`). Reserve that cannot be provided is short, at
    ``shortfall_cost_per_mwh``: below the value of lost load, so demand is served first
    and an impossible requirement is a priced shortfall, not an infeasible window.
    """

    kind: ClassVar[str] = "reserve"
    requirement_mw: Arr = _f("tn", 0.0, "fixed requirement, e.g. the largest unit (MW)")
    load_share: Arr = _f("n", 0.0, "requirement per MW of load (share)")
    renewable_share: Arr = _f("n", 0.0, "requirement per MW of wind and solar output (share)")
    direction: Arr = _f("n_str", "up", "up (headroom) or down (footroom)")
    shortfall_cost_per_mwh: Arr = _f("n", np.nan, "price of reserve not provided (CNY per MW and hour; NaN: half the highest value of lost load)")  # fmt: skip


@dataclass
class PeakTiers(Group):
    """Deep peak regulation (深度调峰) tiers of thermal clusters, one element per tier.

    Tier ``k`` of cluster ``unit`` is a band of ``depth_share`` of the committed capacity
    below the cluster's ``normal_min_share`` (tiers of a cluster listed from the shallowest
    down); output in it is paid ``price_per_mwh`` (see
    :func:`gridsim.dispatch.constraints.deep_peak_floor`).
    """

    kind: ClassVar[str] = "peak_tier"
    unit: Arr = _f("n", 0, "thermal cluster of the tier (index into the thermal group)", "int")
    depth_share: Arr = _f("n", 0.0, "width of the tier, share of committed capacity")
    price_per_mwh: Arr = _f("n", 0.0, "price of output reduced in the tier (CNY/MWh)")


@dataclass
class DcSupport(Group):
    """DC sending-end stability rules, one per DC link (named after it): short-circuit MVA
    at the converter ``≥ scr_min · p[link]`` (:mod:`gridsim.dispatch.stability`)."""

    kind: ClassVar[str] = "dc_support"
    link: Arr = _f("n", 0, "DC link of the rule (index into the links group)", "int")
    scr_min: Arr = _f("n", None, "least short-circuit ratio: short-circuit MVA per MW of DC power")
    base_mva: Arr = _f("tn", 0.0, "short-circuit MVA at the converter without the listed units (background network, condensers)")  # fmt: skip
    shortfall_cost_per_mvah: Arr = _f("n", np.nan, "price of short-circuit capacity not provided (CNY per MVA and hour; NaN: half the highest value of lost load)")  # fmt: skip


@dataclass
class DcSupportUnits(Group):
    """Thermal clusters near each rule's converter, one per (rule, cluster) pair."""

    kind: ClassVar[str] = "dc_support_unit"
    rule: Arr = _f("n", 0, "rule (index into the dc_support group)", "int")
    unit: Arr = _f("n", 0, "thermal cluster (index into the thermal group)", "int")
    mva_per_mw: Arr = _f("n", None, "short-circuit MVA per MW committed")
