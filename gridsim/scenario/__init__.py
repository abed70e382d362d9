"""Scenario files: the schema (as data), loading with inheritance, validation.

A scenario is a TOML file that says which network and profiles to use, what to
change in them and how to run the power-balance study. Variants inherit from a
base (``base = "ningxia_2025"``) and state only what differs; tables merge key
by key, every other value (lists included) is replaced.

>>> sc = load_scenario("ningxia_2025_high_demand")        # scenarios/<name>.toml
>>> sc.profiles.generate["demand_twh"]
144.0

Every field is declared once in :data:`SCHEMA` (type, default, check, unit and
meaning); that table drives the defaults, the validation and the field list in
``scenarios/README.md``. Bad input raises :class:`~gridsim.errors.InputError`
naming the file the value came from and its dotted path, e.g.
``scenarios/x.toml: study.horizon_h must be > 0, got -3``.

Numbers must be finite: TOML's ``inf`` and ``nan`` are refused in every field (no
field means "unlimited" by infinity; leave an optional field unset instead).
Names that become paths (``scenario.name`` in ``results/<name>``, ``network.name``
in ``networks/<name>.toml``) must be plain names (:func:`gridsim.paths.check_path_name`).
Loading also checks what can be checked without building the study: that the
profile directory, the network and the study period exist, and the cross-field
rules of :mod:`gridsim.scenario.checks`.

The package, one job per module:

- :mod:`~gridsim.scenario.schema`: :data:`SCHEMA`, :data:`PATTERNS` and the docs tables;
- :mod:`~gridsim.scenario.values`: each value against the schema;
- :mod:`~gridsim.scenario.checks`: the checks across fields;
- :mod:`~gridsim.scenario.specs`: the typed dataclasses and :class:`Scenario`;
- :mod:`~gridsim.scenario.load`: reading, inheritance, merging, building;
- :mod:`~gridsim.scenario.sources`: which file set what, and the errors naming it.
"""

from gridsim.scenario.checks import HOURS_PER_YEAR_MAX
from gridsim.scenario.load import (
    SCENARIOS_DIR,
    load_scenario,
    read_toml,
    resolve_scenario_path,
    scenario_from_dict,
)
from gridsim.scenario.schema import (
    EXCLUSIVE,
    OUTPUT_GROUPS,
    PATTERNS,
    SCHEMA,
    TABLES,
    schema_markdown,
)
from gridsim.scenario.sources import display_path, is_file, origin_of
from gridsim.scenario.specs import (
    SPECS,
    DcStabilitySpec,
    DemandResponseSpec,
    DemandSpec,
    ExportsSpec,
    NetworkSpec,
    OutputSpec,
    Overrides,
    PricesSpec,
    ProfilesSpec,
    ReservesSpec,
    Scenario,
    StorageSpec,
    StudySpec,
    WeatherSourceSpec,
    WeatherSpec,
)
from gridsim.scenario.values import ISO_DATE_RE

__all__ = [
    "EXCLUSIVE",
    "HOURS_PER_YEAR_MAX",
    "ISO_DATE_RE",
    "OUTPUT_GROUPS",
    "PATTERNS",
    "SCENARIOS_DIR",
    "SCHEMA",
    "SPECS",
    "TABLES",
    "DcStabilitySpec",
    "DemandResponseSpec",
    "DemandSpec",
    "ExportsSpec",
    "NetworkSpec",
    "OutputSpec",
    "Overrides",
    "PricesSpec",
    "ProfilesSpec",
    "ReservesSpec",
    "Scenario",
    "StorageSpec",
    "StudySpec",
    "WeatherSourceSpec",
    "WeatherSpec",
    "display_path",
    "is_file",
    "load_scenario",
    "origin_of",
    "read_toml",
    "resolve_scenario_path",
    "scenario_from_dict",
    "schema_markdown",
]
