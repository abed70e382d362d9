"""How data maps to the dispatch problem: :class:`BuildOptions` and the shared
:class:`BuildContext` of one build (see :mod:`gridsim.dispatch.build`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gridsim.dispatch.problem import VOLL_PER_MWH

Arr = np.ndarray

DR_CURTAILABLE_COST_PER_MWH = 1_000.0
"""Default cost of curtailed demand-response energy (CNY/MWh), of the build options and of
the scenario field ``demand_response.curtailable_cost``."""


@dataclass(frozen=True)
class ThermalFloor:
    """A minimum output for thermal unit ``unit``: ``share`` of its available capacity
    (None: its minimum stable share, i.e. always committed), in every hour or, with
    ``heated``, times the heating-season indicator of its zone."""

    unit: str
    share: float | None = None
    heated: bool = False


@dataclass(frozen=True)
class BuildOptions:
    """How to map data to the dispatch problem (units in the names).

    ``renewable_priority_per_mwh`` lowers the cost of wind and solar energy (a
    small value, e.g. 1 CNY/MWh, breaks ties between curtailment and other
    zero-value outlets such as an AC export at price 0). ``voll_per_mwh`` prices
    unserved energy; ``loss_factor`` scales the load for network losses.
    ``energy_budget_flh`` maps a hydro/biomass fuel to full-load hours per year;
    ``export_energy_mwh`` gives DC energy targets over the study horizon (floors) and
    ``export_energy_max_mwh`` caps on it (both equal: an exact energy; a rolling window
    then takes its share of them in proportion to the link's schedule);
    ``dr_*_share`` sizes demand response as a share of each node's peak load.
    ``thermal_floors`` raise units' minimum output (:class:`ThermalFloor`);
    ``exchange_export_max_mw`` / ``exchange_import_max_mw`` cap the AC exchange in
    total (split in proportion to each element's capacity) and
    ``exchange_import_price_override_per_mwh`` prices every import;
    ``flat_exports_mw`` adds flat, lossless export blocks (name -> MW) at the
    exchange's node; ``reserve_up_*`` / ``reserve_down_*`` set a system-wide upward /
    downward reserve requirement (fixed MW, share of load, share of wind and solar
    output; ``*_largest_unit``: the fixed part is at least the largest thermal unit in
    service, hour by hour). ``dc_support``: DC sending-end stability rules
    (:class:`~gridsim.dispatch.build_stability.DcSupportRule`, one per DC link).

    Operating rules (:mod:`gridsim.dispatch.build_operating`), units by name:
    ``peak_normal_min_share`` (unit -> share of committed capacity below which deep peak
    regulation is paid) with the tiers ``peak_tier_min_share`` (bottom of each tier,
    shallowest first) and ``peak_tier_price_per_mwh``; ``chp_heat_load`` makes the CHP
    range follow the profiles' ``heat_load_pu`` (else the heating flags, a flat floor),
    ``chp_power_loss_share`` the electric capacity lost at the design heat load (None: the
    network's column, else 0); ``forced_outage_rate`` (unit -> derating share),
    ``maintenance_weeks`` (unit -> weeks a year, placed outside the heating season and
    ``maintenance_months_excluded``) and ``maintenance_periods`` (unit -> (start, end),
    ISO, end exclusive: out of service); ``hydro_monthly_shape`` (12 values) shares the
    hydro energy budget over the months. ``fleet_monthly_mw`` (fuel -> 12 values) sets
    the capacity of a fuel's units in service in each month, pro rata to their capacity
    (their commission dates are replaced).
    """

    network: str = "copperplate"
    loss_factor: float = 0.0
    transport_loss_share: float = 0.0
    voll_per_mwh: float = VOLL_PER_MWH
    storage_cyclic: bool = True
    hydro_fuels: tuple[str, ...] = ("hydro", "biomass")
    exchange_fuels: tuple[str, ...] = ("ext",)
    energy_budget_flh: Mapping[str, float] = field(default_factory=dict)
    chp_floor: bool = True
    renewable_priority_per_mwh: float = 0.0
    export_band_pu: float = 0.0
    export_energy_mwh: Mapping[str, float] = field(default_factory=dict)
    export_value_per_mwh: float | Mapping[str, float] = 0.0
    export_ramp_pu_per_h: float = float("nan")
    external_zones: tuple[str, ...] = ()
    exchange_import_price_per_mwh: float = float("nan")
    exchange_export_price_per_mwh: float = 0.0
    dr_curtailable_share: float = 0.0
    dr_curtailable_hours: float = float("nan")
    dr_curtailable_cost_per_mwh: float = DR_CURTAILABLE_COST_PER_MWH
    dr_shiftable_share: float = 0.0
    dr_shift_cost_per_mwh: float = 0.0
    ptdf: Any = None
    thermal_floors: tuple[ThermalFloor, ...] = ()
    exchange_export_max_mw: float | None = None
    exchange_import_max_mw: float | None = None
    exchange_import_price_override_per_mwh: float | None = None
    flat_exports_mw: Mapping[str, float] = field(default_factory=dict)
    reserve_up_mw: float = 0.0
    reserve_up_load_share: float = 0.0
    reserve_up_renewable_share: float = 0.0
    peak_normal_min_share: Mapping[str, float] = field(default_factory=dict)
    peak_tier_min_share: tuple[float, ...] = ()
    peak_tier_price_per_mwh: tuple[float, ...] = ()
    chp_heat_load: bool = True
    chp_power_loss_share: float | None = None
    forced_outage_rate: Mapping[str, float] = field(default_factory=dict)
    maintenance_weeks: Mapping[str, float] = field(default_factory=dict)
    maintenance_months_excluded: tuple[int, ...] = (1, 7, 8, 12)
    maintenance_periods: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    hydro_monthly_shape: tuple[float, ...] = ()
    fleet_monthly_mw: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    export_energy_max_mwh: Mapping[str, float] = field(default_factory=dict)
    reserve_up_largest_unit: bool = False
    reserve_down_mw: float = 0.0
    reserve_down_load_share: float = 0.0
    reserve_down_renewable_share: float = 0.0
    reserve_down_largest_unit: bool = False
    dc_support: tuple[Any, ...] = ()  # DcSupportRule per DC link (gridsim.dispatch.build_stability)


@dataclass
class BuildContext:
    """What every group builder of one :func:`~gridsim.dispatch.build.build_problem`
    call shares: snapshots, nodes and the in-service generators of the model."""

    snaps: pd.DatetimeIndex
    T: int
    dt_h: float
    src: str | None
    internal: list[str]
    zone_of: dict[str, str]
    node_names: list[str]
    node_of: dict[str, int]
    gen: pd.DataFrame
    fuel: pd.Series
    gzone: list[str]
    gnode: Arr
    online: Arr
    kinds: Arr

    def pick(self, kind: str) -> Arr:
        """Positions in :attr:`gen` of the units of ``kind`` (thermal, ren, hydro, ext, shed)."""
        return np.flatnonzero(self.kinds == kind)

    def col(self, name: str, idx: Arr) -> Arr:
        """Column ``name`` of the generator table at positions ``idx``."""
        return self.gen[name].to_numpy()[idx]


__all__ = ["DR_CURTAILABLE_COST_PER_MWH", "BuildContext", "BuildOptions", "ThermalFloor"]
