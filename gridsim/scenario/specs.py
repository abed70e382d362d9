"""The typed view of a validated scenario: one dataclass per table (:data:`SPECS`) and
:class:`Scenario`.

The dataclasses have no defaults: every instance is built from the values that
:func:`~gridsim.scenario.values.validate_values` filled in from
:data:`~gridsim.scenario.schema.SCHEMA`, where each default, unit and meaning is declared
once. Their fields are the table's fields in schema order, then the pattern keys
(:data:`~gridsim.scenario.schema.PATTERNS`, by the name of their Field) and the sub-tables;
a test keeps them in step.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridsim.errors import InputError
from gridsim.scenario.sources import display_path, field_error, origin_of


@dataclass
class Overrides:
    """``[network.overrides]``: capacity and operating changes to the network."""

    scale: dict[str, float]
    min_load_share: dict[str, float]
    chp_min_share: float | None
    always_committed: list[str]
    must_run: dict[str, float]
    heating_must_run: dict[str, float]
    commission_date: dict[str, str]
    decommission_date: dict[str, str]
    unit_mw: dict[str, float]
    unit_size_mw: dict[str, float]
    min_up_time_h: dict[str, float]
    min_down_time_h: dict[str, float]
    capacity_mw: dict[str, dict[str, float]]
    monthly_mw: dict[str, list[float]]


@dataclass
class NetworkSpec:
    """``[network]``; units and meaning of each field in ``SCHEMA["network"]``."""

    name: str | None
    file: Path | None
    overrides: Overrides


@dataclass
class StorageSpec:
    """``[storage]``; units and meaning of each field in ``SCHEMA["storage"]``."""

    pumped_hydro: bool | None
    battery: bool
    battery_mw: float | None
    battery_mwh: float | None
    battery_scale: float | None
    cyclic: bool
    round_trip_efficiency: float | None
    battery_round_trip_efficiency: float | None
    pumped_hydro_round_trip_efficiency: float | None


@dataclass
class WeatherSourceSpec:
    """``[profiles.weather.wind]`` / ``[profiles.weather.solar]``; units and meaning of each
    field in ``SCHEMA["profiles.weather.wind"]`` (paths resolved)."""

    format: str
    file: Path | None
    files: dict[str, Path]
    quantity: str | None
    variable: str | None
    zone_dim: str | None
    names: dict[str, str]
    time_label: str | None
    hub_height_m: float | None


@dataclass
class WeatherSpec:
    """``[profiles.weather]``: weather files whose capacity factors replace the profile
    set's (see :mod:`gridsim.profiles.weather_files`)."""

    weather_year: int | None
    wind: WeatherSourceSpec | None
    solar: WeatherSourceSpec | None


@dataclass
class ProfilesSpec:
    """``[profiles]``; units and meaning of each field in ``SCHEMA["profiles"]``."""

    dir: Path | None
    wind_monthly_flh: list[float]
    solar_monthly_flh: list[float]
    generate: dict[str, Any] | None
    weather: WeatherSpec | None

    @property
    def seed(self) -> int | None:
        """The weather seed of generated profiles (None for a profile directory)."""
        return int(self.generate["seed"]) if self.generate else None


@dataclass
class StudySpec:
    """``[study]``; units and meaning of each field in ``SCHEMA["study"]``."""

    horizon_h: int
    lookahead_h: int
    whole_year: bool
    start: str | None
    end: str | None
    network_model: str
    loss_factor: float
    transport_loss_share: float
    commitment: str
    mip_gap: float
    hydro_flh: dict[str, float]
    curtailment_by_cause: bool
    on_failure: str
    time_limit_s: float | None
    flow_limits: str
    security: str
    security_contingencies: list[str]
    security_monitored: list[str]
    post_contingency_rating_share: float
    security_per_circuit: bool
    method: str
    coarse_h: int
    workers: int | None
    executor: str
    scheduler_address: str | None
    scheduler_file: str | None
    ac_check: bool


@dataclass
class DemandResponseSpec:
    """``[demand_response]``; units and meaning of each field in ``SCHEMA["demand_response"]``."""

    curtailable_share: float
    curtailable_hours: float | None
    curtailable_cost: float
    shiftable_share: float
    shift_cost: float


@dataclass
class ReservesSpec:
    """``[reserves]``; units and meaning of each field in ``SCHEMA["reserves"]``: a
    system-wide upward (downward) reserve met by committed thermal, hydro and storage
    headroom (footroom)."""

    up_mw: float
    up_load_share: float
    up_renewable_share: float
    up_largest_unit: bool
    down_mw: float
    down_load_share: float
    down_renewable_share: float
    down_largest_unit: bool


@dataclass
class ThermalSpec:
    """``[thermal]``; units and meaning of each field in ``SCHEMA["thermal"]``: deep peak
    regulation, the CHP range, forced outages and planned maintenance."""

    peak_regulation: list[str]
    normal_min_share: float
    tier_min_share: list[float]
    tier_price: list[float]
    chp_heat_load: bool
    chp_power_loss_share: float | None
    forced_outage_rate: dict[str, float]
    maintenance_weeks: dict[str, float]
    maintenance_months_excluded: list[int]
    maintenance: dict[str, str]


@dataclass
class HydroSpec:
    """``[hydro]``; units and meaning of each field in ``SCHEMA["hydro"]``."""

    monthly_shape: list[float]


@dataclass
class ExportsSpec:
    """``[exports]``; units and meaning of each field in ``SCHEMA["exports"]``."""

    band_pu: float
    ramp_pu_per_h: float | None
    value_per_mwh: float
    schedule_scale: dict[str, float]
    ac_export_twh: float | None
    ac_export_max_mw: float | None
    ac_import_max_mw: float | None
    energy_twh: dict[str, float]
    energy_band_share: float
    monthly_shape: dict[str, list[float]]
    min_twh: dict[str, float]


@dataclass
class PricesSpec:
    """``[prices]``; units and meaning of each field in ``SCHEMA["prices"]``."""

    coal_cny_per_tce: float | None
    voll_per_mwh: float
    ac_import_per_mwh: float | None
    ac_export_per_mwh: float


@dataclass
class OutputSpec:
    """``[output]``; units and meaning of each field in ``SCHEMA["output"]``."""

    dir: str | None
    parquet: bool
    layout: str
    what: list[str]


@dataclass
class DemandSpec:
    """``[demand]``; units and meaning of each field in ``SCHEMA["demand"]``: the monthly
    energies of the hourly load."""

    monthly_twh: list[float] | None
    monthly_share: list[float] | None


@dataclass
class AcCheckSpec:
    """``[ac_check]``; units and meaning of each field in ``SCHEMA["ac_check"]``."""

    load_power_factor: float
    converter_q_share: float
    filter_q_share: float
    vm_min_pu: float | None
    vm_max_pu: float | None
    max_loading_percent: float
    engine: str
    enforce_q_limits: bool


@dataclass
class DcStabilitySpec:
    """``[dc_stability]``; units and meaning of each field in ``SCHEMA["dc_stability"]``: the
    DC sending-end stability rule (:mod:`gridsim.dispatch.stability`)."""

    near_units: dict[str, list[str]]
    scr_min: float
    scr_min_by_link: dict[str, float]
    background_mva: dict[str, float]
    condenser_mva: dict[str, float]
    xd_pu: float


SPECS: dict[str, type] = {
    "network": NetworkSpec,
    "network.overrides": Overrides,
    "storage": StorageSpec,
    "profiles": ProfilesSpec,
    "profiles.weather": WeatherSpec,
    "profiles.weather.wind": WeatherSourceSpec,
    "profiles.weather.solar": WeatherSourceSpec,
    "study": StudySpec,
    "demand_response": DemandResponseSpec,
    "reserves": ReservesSpec,
    "thermal": ThermalSpec,
    "hydro": HydroSpec,
    "exports": ExportsSpec,
    "prices": PricesSpec,
    "output": OutputSpec,
    "demand": DemandSpec,
    "ac_check": AcCheckSpec,
    "dc_stability": DcStabilitySpec,
}
"""The dataclass of each scenario table (``[scenario]`` itself is :class:`Scenario`)."""


@dataclass
class Scenario:
    """A validated scenario (paths resolved). ``files`` is the inheritance chain (base
    first); ``origin`` maps dotted field paths to the file that set them."""

    name: str
    description: str
    network: NetworkSpec
    storage: StorageSpec
    profiles: ProfilesSpec
    study: StudySpec
    demand_response: DemandResponseSpec
    exports: ExportsSpec
    prices: PricesSpec
    output: OutputSpec
    reserves: ReservesSpec
    thermal: ThermalSpec
    hydro: HydroSpec
    demand: DemandSpec
    ac_check: AcCheckSpec
    targets: str
    dc_stability: DcStabilitySpec | None = None
    path: Path | None = None
    files: list[Path] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The scenario file as shown in messages."""
        return display_path(self.path) if self.path else self.name

    def error(self, dotted: str, problem: str, *value: Any) -> InputError:
        """An InputError about field ``dotted``, naming the file that set it."""
        return field_error(origin_of(self.origin, dotted, self.source), dotted, problem, *value)

    def sha256(self) -> str:
        """SHA-256 of the merged content (independent of formatting, comments and order)."""
        blob = json.dumps(self.data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()

    def files_sha256(self) -> dict[str, str]:
        """SHA-256 of every file of the inheritance chain."""
        return {display_path(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in self.files}

    @property
    def output_dir(self) -> Path:
        """Where results go: ``output.dir`` or ``results/<name>``."""
        return Path(self.output.dir) if self.output.dir else Path("results") / self.name
