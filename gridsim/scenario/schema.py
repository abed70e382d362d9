"""The scenario schema, declared once as data: every table's fields (:data:`SCHEMA`),
the keys matched by pattern (:data:`PATTERNS`) and the field reference rendered from
them (:func:`schema_markdown`, the reference part of ``scenarios/README.md``).

Each field is a :class:`~gridsim.fields.Field`: kind, default (:data:`~gridsim.fields.REQUIRED`
for one that must be given), meaning, unit and check (``> 0``, ``>= 0``, ``0..1`` or
``choice``). Defaults that the dispatch also uses are taken from it.
"""

from __future__ import annotations

from typing import Any

from gridsim.cases import DEFAULT_TARGETS
from gridsim.dispatch.build_options import DR_CURTAILABLE_COST_PER_MWH
from gridsim.dispatch.declarations import GROUP_ARRAYS
from gridsim.dispatch.lazy import FLOW_LIMITS
from gridsim.dispatch.parallel import EXECUTORS
from gridsim.dispatch.problem import NETWORK_MODELS, VOLL_PER_MWH
from gridsim.dispatch.security import SECURITY
from gridsim.dispatch.windows import METHODS, DispatchOptions
from gridsim.fields import REQUIRED, Field
from gridsim.profiles.weather_files import FORMATS, QUANTITIES

OUTPUT_GROUPS = tuple(GROUP_ARRAYS)
"""The hourly results groups (``output.what``), as the dispatch declares them."""

_SOLVE = DispatchOptions()
"""The solve's defaults (window, look-ahead, commitment, failure policy)."""

# fmt: off
#: The fields of ``[profiles.weather.wind]`` and ``[profiles.weather.solar]``: real weather
#: files whose capacity factors replace the profile set's (gridsim.profiles.weather_files).
_WEATHER_SOURCE: dict[str, Field] = {
    "format": Field("str", REQUIRED, "ninja (renewables.ninja CSV), atlite (netCDF over time and zone) or pvgis (PVGIS TMY CSV)", check="choice", choices=FORMATS),
    "file": Field("str", None, "atlite: the one file for every zone; ninja, pvgis: a name with {zone}, one file per zone (\"w_{zone}.csv\"); relative to the scenario file"),
    "files": Field("map_str", {}, "ninja, pvgis: zone -> file, every zone, relative to the scenario file: {north = \"w_north.csv\"}"),
    "quantity": Field("str", None, "cf: capacity factors as in the file; weather: weather variables through gridsim's wind and PV models (unset: weather for pvgis, else cf)", check="choice", choices=QUANTITIES),
    "variable": Field("str", None, "the capacity-factor column or variable (unset: electricity for ninja; for atlite specific generation, profile or the file's one time x zone variable)"),
    "zone_dim": Field("str", None, "atlite: the zone dimension (unset: the variable's dimension besides time)"),
    "names": Field("map_str", {}, "atlite: the file's zone name -> gridsim zone, where they differ"),
    "time_label": Field("str", None, "a time stamp labels the start or the end of its hour (unset: end for atlite, as ERA5's hourly means; start for ninja and pvgis)", check="choice", choices=("start", "end")),
    "hub_height_m": Field("float", None, "wind from weather: hub height the wind speed is scaled to (unset: the wind fleet's, 70 m)", unit="m", check="> 0"),
}

#: The scenario schema: table path -> field name -> Field. Pattern keys are in PATTERNS.
SCHEMA: dict[str, dict[str, Field]] = {
    "scenario": {
        "name": Field("str", None, "scenario name (default: the file name without .toml)"),
        "description": Field("str", "", "free text"),
        "base": Field("str", None, "scenario to inherit from: a shipped name or a path (also allowed as a top-level key)"),
        "targets": Field("str", DEFAULT_TARGETS, "targets of the scorecard: a shipped target set (gridsim/cases/) or a TOML file relative to the scenario file (gridsim.targets)"),
    },
    "network": {
        "name": Field("str", None, "shipped network name (networks/NAME.toml)"),
        "file": Field("str", None, "network file (.toml, .json, .m), relative to the scenario file"),
    },
    "network.overrides": {
        "scale": Field("map_float", {}, "multiply the MW and minimum output of every unit of a fuel, or of one unit: {solar = 1.2, coal_east_1 = 0.5}", check=">= 0"),
        "min_load_share": Field("map_float", {}, "minimum stable output of a fuel's units, share of capacity: {coal = 0.3}", check="0..1"),
        "chp_min_share": Field("float", None, "heat-driven floor of CHP units in heating hours, share of capacity", check="0..1"),
        "always_committed": Field("str_list", [], "units (or fuels) kept committed all year: output >= their minimum stable output"),
        "must_run": Field("map_float", {}, "unit (or fuel) -> output floor in every hour, share of capacity", check="0..1"),
        "heating_must_run": Field("map_float", {}, "unit (or fuel) -> output floor in its zone's heating hours, share of capacity", check="0..1"),
        "commission_date": Field("map_date", {}, "element -> ISO date from which it is in service: a generator, storage unit, DC link, line or trafo"),
        "decommission_date": Field("map_date", {}, "element -> ISO date from which it is out of service: a generator, storage unit, DC link, line or trafo"),
        "unit_mw": Field("map_float", {}, "unit -> its capacity; its minimum output keeps its share: {coal_east_1 = 1200}", unit="MW", check=">= 0"),
        "unit_size_mw": Field("map_float", {}, "unit (or fuel) -> size of one unit of its thermal clusters (the MILP commits whole units; largest-unit reserves)", unit="MW", check="> 0"),
        "min_up_time_h": Field("map_float", {}, "unit (or fuel) -> minimum up time of started thermal capacity", unit="h", check=">= 0"),
        "min_down_time_h": Field("map_float", {}, "unit (or fuel) -> minimum down time of shut-down thermal capacity", unit="h", check=">= 0"),
    },
    "storage": {
        "pumped_hydro": Field("bool", None, "switch the pumped-hydro units on (true) or off (false); unset: as in the network"),
        "battery": Field("bool", True, "false takes every battery out of service ('without new storage')"),
        "battery_mw": Field("float", None, "total battery power; units scaled pro rata, each keeping its duration (MWh/MW) unless battery_mwh is also set", unit="MW", check=">= 0"),
        "battery_mwh": Field("float", None, "total battery energy; units scaled pro rata (power unchanged unless battery_mw is also set)", unit="MWh", check=">= 0"),
        "battery_scale": Field("float", None, "multiply every battery's MW and MWh", check=">= 0"),
        "cyclic": Field("bool", True, "storage returns to its initial state of charge at the end of each window", option="storage_cyclic"),
        "round_trip_efficiency": Field("float", None, "round-trip efficiency of every storage unit: charging and discharging efficiency sqrt(value) each", check="0..1"),
        "battery_round_trip_efficiency": Field("float", None, "round-trip efficiency of the batteries (over round_trip_efficiency)", check="0..1"),
        "pumped_hydro_round_trip_efficiency": Field("float", None, "round-trip efficiency of the pumped-hydro units (over round_trip_efficiency)", check="0..1"),
    },
    "profiles": {
        "dir": Field("str", None, "profile set directory (ProfileSet.from_dir), relative to the scenario file"),
        "wind_monthly_flh": Field("float_list", [], "rescale wind capacity factors month by month to these available full-load hours, Jan..Dec (a past year from statistics; unset: as generated or read)", unit="h", check=">= 0"),
        "solar_monthly_flh": Field("float_list", [], "the same for PV capacity factors", unit="h", check=">= 0"),
    },
    "profiles.generate": {
        "year": Field("int", REQUIRED, "calendar year to generate", check="> 0"),
        "seed": Field("int", 1, "weather seed (one synthetic weather year)", check=">= 0"),
        "demand_twh": Field("float", None, "annual demand (unset: the plan's figure for the year)", unit="TWh", check="> 0"),
        "weather_years": Field("int_list", [], "further weather seeds, each run in full for statistics"),
        "tracking": Field("bool", False, "single-axis tracking PV"),
        "solar_bump": Field("bool", False, "midday renewable bump in the export schedules"),
    },
    "profiles.weather": {
        "weather_year": Field("int", None, "year of the weather files to use (unset: the study year where the files have it, else their only year); another year is mapped onto the study year by month, day and hour", check="> 0"),
    },
    "profiles.weather.wind": _WEATHER_SOURCE,
    "profiles.weather.solar": _WEATHER_SOURCE,
    "study": {
        "horizon_h": Field("int", _SOLVE.window_h, "rolling window kept per solve (>= the period: one perfect-foresight solve)", unit="h", check="> 0"),
        "lookahead_h": Field("int", _SOLVE.lookahead_h, "look-ahead solved and discarded with each window", unit="h", check=">= 0"),
        "whole_year": Field("bool", True, "simulate the whole profile year; false: the sub-period start..end"),
        "start": Field("date", None, "first hour of the sub-period, local time, inclusive"),
        "end": Field("date", None, "end of the sub-period, local time, exclusive"),
        "network_model": Field("str", "copperplate", "balance nodes: one, zones (transport) or buses (ptdf)", check="choice", choices=NETWORK_MODELS),
        "loss_factor": Field("float", 0.0, "network losses added to the load, share of load", check="0..1", option="loss_factor"),
        "transport_loss_share": Field("float", 0.0, "losses on zone-to-zone transfers (transport model), share", check="0..1", option="transport_loss_share"),
        "commitment": Field("str", _SOLVE.commitment, "thermal commitment: clustered LP relaxation (linear), integer units solved as a MIP (milp) or none", check="choice", choices=("linear", "milp", "none")),
        "mip_gap": Field("float", _SOLVE.solver.mip_gap, "relative optimality gap at which each MILP window stops (commitment = milp)", check="0..1"),
        "hydro_flh": Field("map_float", {}, "energy budget per fuel of the hydro group in full-load hours per year: {hydro = 4000}", unit="h", check=">= 0"),
        "curtailment_by_cause": Field("bool", True, "copper-plate re-run to split curtailment by cause (network models only)"),
        "on_failure": Field("str", _SOLVE.on_failure, "an infeasible window stops the run or continues with the elastic dispatch", check="choice", choices=("stop", "continue")),
        "time_limit_s": Field("float", None, "solver time limit per window", unit="s", check="> 0"),
        "flow_limits": Field("str", _SOLVE.flow_limits, "branch-flow limits of the ptdf model: added only where the solution violates them, then re-solved (lazy), or every one up front (full); the same optimum", check="choice", choices=FLOW_LIMITS),
        "security": Field("str", _SOLVE.security, "N-1 security of the ptdf model: post-contingency branch limits (LODF) for each outage of security_contingencies (n-1), added lazily like the base-case limits; outages that split the network are skipped and listed", check="choice", choices=SECURITY),
        "security_contingencies": Field("str_list", [], "lines and transformers whose outage is secured ([] = every 750 kV line)"),
        "security_monitored": Field("str_list", [], "branches limited after an outage ([] = every 750 and 330 kV branch with a rating)"),
        "post_contingency_rating_share": Field("float", _SOLVE.post_contingency_rating_share, "post-contingency limit, share of each branch's rating (1.0: the continuous rating; a short-time emergency rating above 1)", check="> 0"),
        "security_per_circuit": Field("bool", _SOLVE.security_per_circuit, "an outage takes out one circuit of a multi-circuit line (false: the whole branch)"),
        "method": Field("str", _SOLVE.method, "rolling: windows one after another, each handing its state to the next; parallel: a coarse pass over the whole period (coarse_h per snapshot) sets the state at every window boundary, then the windows are solved side by side on workers", check="choice", choices=METHODS),
        "coarse_h": Field("int", _SOLVE.coarse_h, "hours per snapshot of the parallel method's coarse pass", unit="h", check="> 0"),
        "workers": Field("int", None, "processes that solve the parallel method's windows (unset: one per core)", check="> 0"),
        "executor": Field("str", _SOLVE.executor, "where the parallel method's windows run: local processes, a Dask cluster (scheduler_address or scheduler_file, or a local cluster when neither is set) or this process (serial)", check="choice", choices=EXECUTORS),
        "scheduler_address": Field("str", None, "address of a running Dask scheduler for executor = dask (tcp://host:8786)"),
        "scheduler_file": Field("str", None, "scheduler file of a running Dask scheduler (dask scheduler --scheduler-file FILE) for executor = dask, instead of scheduler_address"),
        "ac_check": Field("bool", False, "after the dispatch, solve every dispatched hour as an AC power flow and report violations, losses and reactive reserve (settings: [ac_check]; results: <output>/ac_check)"),
    },
    "demand_response": {
        "curtailable_share": Field("float", 0.0, "curtailable load, share of each node's peak load", check="0..1", option="dr_curtailable_share"),
        "curtailable_hours": Field("float", None, "curtailment budget, hours at full curtailable power per year (unset: none)", unit="h", check=">= 0"),
        "curtailable_cost": Field("float", DR_CURTAILABLE_COST_PER_MWH, "cost of curtailed energy", unit="CNY/MWh", check=">= 0", option="dr_curtailable_cost_per_mwh"),
        "shiftable_share": Field("float", 0.0, "load shiftable within each day, share of peak load", check="0..1", option="dr_shiftable_share"),
        "shift_cost": Field("float", 0.0, "cost per MWh moved", unit="CNY/MWh", check=">= 0", option="dr_shift_cost_per_mwh"),
    },
    "reserves": {
        "up_mw": Field("float", 0.0, "upward spinning reserve, fixed part (e.g. the largest unit)", unit="MW", check=">= 0", option="reserve_up_mw"),
        "up_load_share": Field("float", 0.0, "upward spinning reserve per MW of load", check="0..1", option="reserve_up_load_share"),
        "up_renewable_share": Field("float", 0.0, "upward spinning reserve per MW of wind and solar output", check="0..1", option="reserve_up_renewable_share"),
        "up_largest_unit": Field("bool", False, "the fixed upward part is at least the largest thermal unit in service (hourly)", option="reserve_up_largest_unit"),
        "down_mw": Field("float", 0.0, "downward reserve, fixed part", unit="MW", check=">= 0", option="reserve_down_mw"),
        "down_load_share": Field("float", 0.0, "downward reserve per MW of load", check="0..1", option="reserve_down_load_share"),
        "down_renewable_share": Field("float", 0.0, "downward reserve per MW of wind and solar output", check="0..1", option="reserve_down_renewable_share"),
        "down_largest_unit": Field("bool", False, "the fixed downward part is at least the largest thermal unit in service (hourly)", option="reserve_down_largest_unit"),
    },
    "thermal": {
        "peak_regulation": Field("str_list", [], "fuels or units in deep peak regulation (深度调峰): below normal_min_share their output is paid by tier"),
        "normal_min_share": Field("float", 0.5, "output below which deep peak regulation is paid (基本调峰 threshold), share of committed capacity", check="0..1"),
        "tier_min_share": Field("float_list", [], "bottom of each deep peak regulation tier, share of committed capacity, shallowest first (cut at each unit's minimum stable output)", check="0..1"),
        "tier_price": Field("float_list", [], "price of output reduced in each tier", unit="CNY/MWh", check=">= 0"),
        "chp_heat_load": Field("bool", True, "CHP units' electric range follows the hourly heat load (false: the heating flag, a flat floor)", option="chp_heat_load"),
        "chp_power_loss_share": Field("float", None, "electric capacity a CHP unit loses at its design heat load, share (unset: the network's, else 0)", check="0..1", option="chp_power_loss_share"),
        "forced_outage_rate": Field("map_float", {}, "fuel or unit -> forced-outage derating, share of capacity", check="0..1"),
        "maintenance_weeks": Field("map_float", {}, "fuel or unit -> planned maintenance per year, weeks of full capacity, placed where the reserve is largest outside the heating season and maintenance_months_excluded", unit="weeks", check=">= 0"),
        "maintenance_months_excluded": Field("int_list", [1, 7, 8, 12], "months without planned maintenance (peak months), besides the heating season"),
        "maintenance": Field("map_str", {}, "unit -> a given outage 'START/END' (ISO dates, local time, end exclusive), instead of its scheduled maintenance"),
    },
    "hydro": {
        "monthly_shape": Field("float_list", [], "relative monthly energy of the hydro group, Jan..Dec, following the river's flow (unset: flat)", check=">= 0"),
    },
    "exports": {
        "band_pu": Field("float", 0.0, "band around each DC schedule, pu of the link's rating", check="0..1", option="export_band_pu"),
        "ramp_pu_per_h": Field("float", None, "DC ramp limit, pu of rating per hour (unset: none)", check="> 0"),
        "value_per_mwh": Field("float", 0.0, "value of delivered DC energy", unit="CNY/MWh", option="export_value_per_mwh"),
        "schedule_scale": Field("map_float", {}, "link -> factor on its export schedule (pu profile)", check=">= 0"),
        "ac_export_twh": Field("float", None, "flat AC export block to the Northwest grid per year", unit="TWh", check=">= 0"),
        "ac_export_max_mw": Field("float", None, "AC export room for surplus energy (unset: the network's ext limits)", unit="MW", check=">= 0", option="exchange_export_max_mw"),
        "ac_import_max_mw": Field("float", None, "AC import limit (unset: the network's ext limits)", unit="MW", check=">= 0", option="exchange_import_max_mw"),
        "energy_twh": Field("map_float", {}, "link -> energy it sends per year: its schedule is scaled to it (in service hours only; over schedule_scale) and the dispatch holds it over the period (it replaces the link's <link>_min_twh): {lingshao = 45.0}", unit="TWh", check=">= 0"),
        "energy_band_share": Field("float", 0.0, "the dispatch keeps each energy_twh link's energy within (1 -/+ this share) of its scheduled energy", check="0..1"),
        "monthly_shape": Field("map_float_list", {}, "link -> 12 relative monthly energies (January first); the schedule is scaled month by month: {lingshao = [1.2, 1.1, ...]}", check=">= 0"),
    },
    "prices": {
        "coal_cny_per_tce": Field("float", None, "standard-coal price; re-prices coal units at coal rate x price", unit="CNY/tce", check="> 0"),
        "voll_per_mwh": Field("float", VOLL_PER_MWH, "value of lost load", unit="CNY/MWh", check="> 0", option="voll_per_mwh"),
        "ac_import_per_mwh": Field("float", None, "AC import price (unset: the ext units' cost_per_mwh)", unit="CNY/MWh", option="exchange_import_price_override_per_mwh"),
        "ac_export_per_mwh": Field("float", 0.0, "price earned by surplus AC exports (negative: a wheeling cost)", unit="CNY/MWh", option="exchange_export_price_per_mwh"),
    },
    "output": {
        "dir": Field("str", None, "results directory, relative to the working directory (unset: results/NAME)"),
        "parquet": Field("bool", True, "hourly files as Parquet (false: CSV)"),
        "layout": Field("str", "wide", "hourly files wide (one column per element) or tidy (long)", check="choice", choices=("wide", "tidy")),
        "what": Field("str_list", list(OUTPUT_GROUPS), "hourly groups to write ([] = none)"),
    },
    "ac_check": {
        "load_power_factor": Field("float", 0.95, "loads' power factor (lagging) in the AC check; 0.95: the least high-side power factor of a 35-220 kV substation at maximum load in the Chinese reactive-compensation rules (SD 325-89; State Grid's reactive compensation principles), the loads being whole substations", check="0..1"),
        "converter_q_share": Field("float", 0.55, "reactive power an LCC DC converter consumes per MW sent (0.5-0.6, Kundur 1994 sect. 10.2)", check=">= 0"),
        "filter_q_share": Field("float", 0.5, "reactive power its AC filters and switched capacitor banks supply per MW sent (the station draws the difference)", check=">= 0"),
        "vm_min_pu": Field("float", None, "lower voltage limit of every bus (unset: each bus's vm_min_pu)", unit="pu", check="> 0"),
        "vm_max_pu": Field("float", None, "upper voltage limit of every bus (unset: each bus's vm_max_pu)", unit="pu", check="> 0"),
        "max_loading_percent": Field("float", 100.0, "branch loading above which a branch is overloaded", unit="%", check="> 0"),
        "engine": Field("str", "numba", "AC time-series engine", check="choice", choices=("numba", "numba-fd", "numpy")),
        "enforce_q_limits": Field("bool", False, "regulating units hold their bus at their reactive limit (PV->PQ switching, as pandapower's enforce_q_lims) instead of being reported beyond it (false: the check reports the reactive power the dispatch needs; true: the voltages without it); units the dispatch decommits never regulate"),
    },
    "dc_stability": {
        "near_units": Field("map_str_list", {}, "DC link -> the thermal units (or fuels) near its converter: a link listed must keep short-circuit MVA >= scr_min x its power, from background_mva, condenser_mva and 1/xd_pu MVA per MW committed of these units (gridsim.dispatch.stability): {lingshao = [\"coal_east_1\"]}"),
        "scr_min": Field("float", 2.0, "least short-circuit ratio at each listed converter: short-circuit MVA per MW of DC power", check="> 0"),
        "scr_min_by_link": Field("map_float", {}, "link -> its own least short-circuit ratio, over scr_min", check="> 0"),
        "background_mva": Field("map_float", {}, "link -> short-circuit MVA at its converter from the rest of the network, without the listed units (unset: 0)", unit="MVA", check=">= 0"),
        "condenser_mva": Field("map_float", {}, "link -> short-circuit MVA of synchronous condensers at its converter, always on", unit="MVA", check=">= 0"),
        "xd_pu": Field("float", 0.3, "reactance from the listed units to the converter bus, pu on their MW rating (subtransient x''d plus step-up transformer): each MW committed adds 1 / xd_pu MVA", check="> 0"),
    },
    "demand": {
        "monthly_twh": Field("float_list", None, "12 monthly energies (January first): the hourly load is scaled month by month to them; the year's demand is their sum", unit="TWh", check=">= 0"),
        "monthly_share": Field("float_list", None, "12 relative monthly energies (January first): the profile year's demand is spread over the months in proportion", check=">= 0"),
    },
}


#: Keys matched by pattern: table -> [(regex, Field)]; the regex group names the element.
#: Each Field is named after the attribute of the table's spec that collects the elements.
PATTERNS: dict[str, list[tuple[str, Field]]] = {
    "network.overrides": [
        (r"^([a-z][a-z0-9]*)_mw$", Field("map_float", {}, "<fuel>_mw: set a fuel's MW per zone, units scaled pro rata ('all' = every zone): wind_mw = {central = 6000}", unit="MW", check=">= 0", name="capacity_mw")),
        (r"^([a-z][a-z0-9]*)_monthly_mw$", Field("float_list", [], "<fuel>_monthly_mw: a fuel's capacity in service in each month, Jan..Dec (e.g. the mean of published month-end capacities); its units scaled pro rata, their commission dates replaced: wind_monthly_mw = [11260, ...]", unit="MW", check=">= 0", name="monthly_mw")),
    ],
    "exports": [
        (r"^([a-z][a-z0-9_]*)_min_twh$", Field("float", None, "<link>_min_twh: energy a DC link must send per year (pro rata for a sub-period)", unit="TWh", check=">= 0", name="min_twh")),
    ],
}
# fmt: on
TABLES = tuple(SCHEMA)

#: Pairs of alternatives: a file that sets one drops the other inherited from its base.
EXCLUSIVE = (
    ("profiles.dir", "profiles.generate"),
    ("network.name", "network.file"),
    ("profiles.weather.wind.file", "profiles.weather.wind.files"),
    ("profiles.weather.solar.file", "profiles.weather.solar.files"),
)

OPTIONAL_TABLES = ("profiles.generate", "profiles.weather", "profiles.weather.wind", "profiles.weather.solar")  # fmt: skip
"""Sub-tables that may be left out: their required fields are required only when they are given."""


# ------------------------------------------------------------------------ docs
def _toml(v: Any) -> str:
    """A default as it would be written in TOML (``unset`` for None)."""
    if v is None:
        return "unset"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{}" if not v else "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + "}"
    return f"{v:g}" if isinstance(v, float) else str(v)


def schema_markdown() -> str:
    """The field reference as Markdown tables (the reference part of scenarios/README.md)."""
    lines: list[str] = []
    for table, fields in SCHEMA.items():
        lines += [f"### `[{table}]`", "", "| field | type | default | unit | check | meaning |"]
        lines.append("|---|---|---|---|---|---|")
        rows = [(f"`{n}`", s) for n, s in fields.items()]
        rows += [(f"`{s.doc.split(':')[0]}`", s) for _, s in PATTERNS.get(table, [])]
        for label, spec in rows:
            check = " / ".join(spec.choices) if spec.check == "choice" else spec.check
            default = "(required)" if spec.required else _toml(spec.default)
            doc = spec.doc.split(": ", 1)[1] if label.startswith("`<") else spec.doc
            lines.append(f"| {label} | {spec.kind} | {default} | {spec.unit} | {check} | {doc} |")
        lines.append("")
    return "\n".join(lines)
