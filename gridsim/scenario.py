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
rules listed in :func:`scenario_from_dict`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gridsim.cases import DEFAULT_TARGETS
from gridsim.dispatch.declarations import GROUP_ARRAYS
from gridsim.dispatch.problem import NETWORK_MODELS
from gridsim.errors import InputError
from gridsim.paths import check_path_name

SCENARIOS_DIR = Path(__file__).resolve().parents[1] / "scenarios"
"""Where the shipped scenarios live (bare names resolve to ``<SCENARIOS_DIR>/<name>.toml``)."""

OUTPUT_GROUPS = tuple(GROUP_ARRAYS)
"""The hourly results groups (``output.what``), as the dispatch declares them."""


@dataclass(frozen=True)
class F:
    """One scenario field: ``kind``, default, check, unit and meaning (drives everything)."""

    kind: str  # str, bool, int, float, date, str_list, int_list, map_float, map_date
    default: Any = None
    doc: str = ""
    check: str = ""  # "> 0", ">= 0", "0..1", "choice"
    choices: tuple[str, ...] = ()
    unit: str = ""
    optional: bool = True  # None allowed (= "not set")


#: The scenario schema: table path -> field -> spec. Pattern keys are in PATTERNS.
# fmt: off
SCHEMA: dict[str, dict[str, F]] = {
    "scenario": {
        "name": F("str", None, "scenario name (default: the file name without .toml)"),
        "description": F("str", "", "free text"),
        "base": F("str", None, "scenario to inherit from: a shipped name or a path (also allowed as a top-level key)"),
        "targets": F("str", DEFAULT_TARGETS, "targets of the scorecard: a shipped target set (gridsim/cases/) or a TOML file relative to the scenario file (gridsim.targets)"),
    },
    "network": {
        "name": F("str", None, "shipped network name (networks/NAME.toml)"),
        "file": F("str", None, "network file (.toml, .json, .m), relative to the scenario file"),
    },
    "network.overrides": {
        "scale": F("map_float", {}, "multiply every unit of a fuel (MW and minimum output): {solar = 1.2}", ">= 0"),
        "min_load_share": F("map_float", {}, "minimum stable output of a fuel's units, share of capacity: {coal = 0.3}", "0..1"),
        "chp_min_share": F("float", None, "heat-driven floor of CHP units in heating hours, share of capacity", "0..1"),
        "always_committed": F("str_list", [], "units (or fuels) kept committed all year: output >= their minimum stable output"),
        "must_run": F("map_float", {}, "unit (or fuel) -> output floor in every hour, share of capacity", "0..1"),
        "heating_must_run": F("map_float", {}, "unit (or fuel) -> output floor in its zone's heating hours, share of capacity", "0..1"),
        "commission_date": F("map_date", {}, "unit -> ISO date from which it is available"),
    },
    "storage": {
        "pumped_hydro": F("bool", None, "switch the pumped-hydro units on (true) or off (false); unset: as in the network"),
        "battery": F("bool", True, "false takes every battery out of service ('without new storage')"),
        "battery_mw": F("float", None, "total battery power; units scaled pro rata", ">= 0", unit="MW"),
        "battery_mwh": F("float", None, "total battery energy; units scaled pro rata", ">= 0", unit="MWh"),
        "battery_scale": F("float", None, "multiply every battery's MW and MWh", ">= 0"),
        "cyclic": F("bool", True, "storage returns to its initial state of charge at the end of each window"),
    },
    "profiles": {
        "dir": F("str", None, "profile set directory (ProfileSet.from_dir), relative to the scenario file"),
    },
    "profiles.generate": {
        "year": F("int", None, "calendar year to generate", "> 0", optional=False),
        "seed": F("int", 1, "weather seed (one synthetic weather year)", ">= 0"),
        "demand_twh": F("float", None, "annual demand (unset: the plan's figure for the year)", "> 0", unit="TWh"),
        "weather_years": F("int_list", [], "further weather seeds, each run in full for statistics"),
        "tracking": F("bool", False, "single-axis tracking PV"),
        "solar_bump": F("bool", False, "midday renewable bump in the export schedules"),
    },
    "study": {
        "horizon_h": F("int", 168, "rolling window kept per solve (>= the period: one perfect-foresight solve)", "> 0", unit="h"),
        "lookahead_h": F("int", 24, "look-ahead solved and discarded with each window", ">= 0", unit="h"),
        "whole_year": F("bool", True, "simulate the whole profile year; false: the sub-period start..end"),
        "start": F("date", None, "first hour of the sub-period, local time, inclusive"),
        "end": F("date", None, "end of the sub-period, local time, exclusive"),
        "network_model": F("str", "copperplate", "balance nodes: one, zones (transport) or buses (ptdf)", "choice", NETWORK_MODELS),
        "loss_factor": F("float", 0.0, "network losses added to the load, share of load", "0..1"),
        "transport_loss_share": F("float", 0.0, "losses on zone-to-zone transfers (transport model), share", "0..1"),
        "commitment": F("str", "linear", "thermal commitment: linearised clustered or none", "choice", ("linear", "none")),
        "hydro_flh": F("map_float", {}, "energy budget per fuel of the hydro group in full-load hours per year: {hydro = 4000}", ">= 0", unit="h"),
        "curtailment_by_cause": F("bool", True, "copper-plate re-run to split curtailment by cause (network models only)"),
        "on_failure": F("str", "stop", "an infeasible window stops the run or continues with the elastic dispatch", "choice", ("stop", "continue")),
        "time_limit_s": F("float", None, "solver time limit per window", "> 0", unit="s"),
    },
    "demand_response": {
        "curtailable_share": F("float", 0.0, "curtailable load, share of each node's peak load", "0..1"),
        "curtailable_hours": F("float", None, "curtailment budget, hours at full curtailable power per year (unset: none)", ">= 0", unit="h"),
        "curtailable_cost": F("float", 1000.0, "cost of curtailed energy", ">= 0", unit="CNY/MWh"),
        "shiftable_share": F("float", 0.0, "load shiftable within each day, share of peak load", "0..1"),
        "shift_cost": F("float", 0.0, "cost per MWh moved", ">= 0", unit="CNY/MWh"),
    },
    "reserves": {
        "up_mw": F("float", 0.0, "upward spinning reserve, fixed part (e.g. the largest unit)", ">= 0", unit="MW"),
        "up_load_share": F("float", 0.0, "upward spinning reserve per MW of load", "0..1"),
        "up_renewable_share": F("float", 0.0, "upward spinning reserve per MW of wind and solar output", "0..1"),
    },
    "exports": {
        "band_pu": F("float", 0.0, "band around each DC schedule, pu of the link's rating", "0..1"),
        "ramp_pu_per_h": F("float", None, "DC ramp limit, pu of rating per hour (unset: none)", "> 0"),
        "value_per_mwh": F("float", 0.0, "value of delivered DC energy", unit="CNY/MWh"),
        "schedule_scale": F("map_float", {}, "link -> factor on its export schedule (pu profile)", ">= 0"),
        "ac_export_twh": F("float", None, "flat AC export block to the Northwest grid per year", ">= 0", unit="TWh"),
        "ac_export_max_mw": F("float", None, "AC export room for surplus energy (unset: the network's ext limits)", ">= 0", unit="MW"),
        "ac_import_max_mw": F("float", None, "AC import limit (unset: the network's ext limits)", ">= 0", unit="MW"),
    },
    "prices": {
        "coal_cny_per_tce": F("float", None, "standard-coal price; re-prices coal units at coal rate x price", "> 0", unit="CNY/tce"),
        "voll_per_mwh": F("float", 30_000.0, "value of lost load", "> 0", unit="CNY/MWh"),
        "ac_import_per_mwh": F("float", None, "AC import price (unset: the ext units' cost_per_mwh)", unit="CNY/MWh"),
        "ac_export_per_mwh": F("float", 0.0, "price earned by surplus AC exports (negative: a wheeling cost)", unit="CNY/MWh"),
    },
    "output": {
        "dir": F("str", None, "results directory, relative to the working directory (unset: results/NAME)"),
        "parquet": F("bool", True, "hourly files as Parquet (false: CSV)"),
        "layout": F("str", "wide", "hourly files wide (one column per element) or tidy (long)", "choice", ("wide", "tidy")),
        "what": F("str_list", list(OUTPUT_GROUPS), "hourly groups to write ([] = none)"),
    },
}

#: Keys matched by pattern: table -> [(regex, spec)]; the regex group names the element.
PATTERNS: dict[str, list[tuple[str, F]]] = {
    "network.overrides": [
        (r"^([a-z][a-z0-9]*)_mw$", F("map_float", {}, "<fuel>_mw: set a fuel's MW per zone, units scaled pro rata ('all' = every zone): wind_mw = {central = 6000}", ">= 0", unit="MW")),
    ],
    "exports": [
        (r"^([a-z][a-z0-9_]*)_min_twh$", F("float", None, "<link>_min_twh: energy a DC link must send per year (pro rata for a sub-period)", ">= 0", unit="TWh")),
    ],
}
# fmt: on
TABLES = tuple(SCHEMA)

#: Pairs of alternatives: a file that sets one drops the other inherited from its base.
EXCLUSIVE = (("profiles.dir", "profiles.generate"), ("network.name", "network.file"))


# ----------------------------------------------------------------- dataclasses
@dataclass
class Overrides:
    """``[network.overrides]``: capacity and operating changes to the network."""

    capacity_mw: dict[str, dict[str, float]] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    min_load_share: dict[str, float] = field(default_factory=dict)
    chp_min_share: float | None = None
    always_committed: list[str] = field(default_factory=list)
    must_run: dict[str, float] = field(default_factory=dict)
    heating_must_run: dict[str, float] = field(default_factory=dict)
    commission_date: dict[str, str] = field(default_factory=dict)


@dataclass
class NetworkSpec:
    """``[network]``; units and meaning of each field in ``SCHEMA["network"]``."""

    name: str | None = None
    file: Path | None = None
    overrides: Overrides = field(default_factory=Overrides)


@dataclass
class StorageSpec:
    """``[storage]``; units and meaning of each field in ``SCHEMA["storage"]``."""

    pumped_hydro: bool | None = None
    battery: bool = True
    battery_mw: float | None = None
    battery_mwh: float | None = None
    battery_scale: float | None = None
    cyclic: bool = True


@dataclass
class ProfilesSpec:
    """``[profiles]``; units and meaning of each field in ``SCHEMA["profiles"]``."""

    dir: Path | None = None
    generate: dict[str, Any] | None = None

    @property
    def seed(self) -> int | None:
        """The weather seed of generated profiles (None for a profile directory)."""
        return int(self.generate["seed"]) if self.generate else None


@dataclass
class StudySpec:
    """``[study]``; units and meaning of each field in ``SCHEMA["study"]``."""

    horizon_h: int = 168
    lookahead_h: int = 24
    whole_year: bool = True
    start: str | None = None
    end: str | None = None
    network_model: str = "copperplate"
    loss_factor: float = 0.0
    transport_loss_share: float = 0.0
    commitment: str = "linear"
    hydro_flh: dict[str, float] = field(default_factory=dict)
    curtailment_by_cause: bool = True
    on_failure: str = "stop"
    time_limit_s: float | None = None


@dataclass
class DemandResponseSpec:
    """``[demand_response]``; units and meaning of each field in ``SCHEMA["demand_response"]``."""

    curtailable_share: float = 0.0
    curtailable_hours: float | None = None
    curtailable_cost: float = 1000.0
    shiftable_share: float = 0.0
    shift_cost: float = 0.0


@dataclass
class ReservesSpec:
    """``[reserves]``; units and meaning of each field in ``SCHEMA["reserves"]``: a
    system-wide upward reserve met by committed thermal, hydro and storage headroom."""

    up_mw: float = 0.0
    up_load_share: float = 0.0
    up_renewable_share: float = 0.0


@dataclass
class ExportsSpec:
    """``[exports]``; units and meaning of each field in ``SCHEMA["exports"]``."""

    band_pu: float = 0.0
    ramp_pu_per_h: float | None = None
    value_per_mwh: float = 0.0
    schedule_scale: dict[str, float] = field(default_factory=dict)
    min_twh: dict[str, float] = field(default_factory=dict)
    ac_export_twh: float | None = None
    ac_export_max_mw: float | None = None
    ac_import_max_mw: float | None = None


@dataclass
class PricesSpec:
    """``[prices]``; units and meaning of each field in ``SCHEMA["prices"]``."""

    coal_cny_per_tce: float | None = None
    voll_per_mwh: float = 30_000.0
    ac_import_per_mwh: float | None = None
    ac_export_per_mwh: float = 0.0


@dataclass
class OutputSpec:
    """``[output]``; units and meaning of each field in ``SCHEMA["output"]``."""

    dir: str | None = None
    parquet: bool = True
    layout: str = "wide"
    what: list[str] = field(default_factory=lambda: list(OUTPUT_GROUPS))


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
    reserves: ReservesSpec = field(default_factory=ReservesSpec)
    targets: str = DEFAULT_TARGETS
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
        return _err(origin_of(self.origin, dotted, self.source), dotted, problem, *value)

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


ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$")  # fmt: skip
"""ISO 8601 dates and date-times: ``2025-07-01``, ``2025-07-01T06:00``, ``2025-07-01 06:00+08:00``."""


def _timestamp(text: str) -> pd.Timestamp | None:
    """``text`` as a Timestamp if it is an ISO date or date-time of a real day, else None."""
    if not ISO_DATE_RE.match(text.strip()):
        return None
    try:
        ts = pd.Timestamp(text)
    except (ValueError, OverflowError):  # 2025-02-30, 25:00, outside pandas' range
        return None
    return None if pd.isna(ts) else ts


def _local(text: str) -> pd.Timestamp:
    """An ISO date-time as naive local (Asia/Shanghai) time."""
    ts = pd.Timestamp(text)
    return ts.tz_convert("Asia/Shanghai").tz_localize(None) if ts.tz is not None else ts


def _err(source: str, dotted: str, problem: str, *value: Any) -> InputError:
    """``<source>: <dotted> <problem>[, got <value>]``."""
    return InputError(
        problem,
        source=source,
        field=dotted,
        value=value[0] if value else None,
        show_value=bool(value),
    )


# --------------------------------------------------------------------- loading
def display_path(p: Path | str) -> str:
    """``p`` relative to the working directory when it lies below it."""
    path = Path(p).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def resolve_scenario_path(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """A scenario file from a path (also relative to ``relative_to``) or a shipped name."""
    p = Path(name_or_path)
    candidates = [p] if p.is_absolute() or relative_to is None else [relative_to / p, p]
    if p.suffix == "":  # a bare name: a sibling of the inheriting file, then a shipped one
        candidates += [*([relative_to / f"{p}.toml"] if relative_to else []), SCENARIOS_DIR / f"{p.name}.toml"]  # fmt: skip
    for c in candidates:
        if is_file(c):
            return c.resolve()
    shipped = sorted(x.stem for x in SCENARIOS_DIR.glob("*.toml")) if SCENARIOS_DIR.is_dir() else []
    msg = f"no such file or shipped scenario (shipped: {', '.join(shipped)})"
    raise InputError(msg, field="scenario", value=str(name_or_path))


def is_file(p: Path) -> bool:
    """``p.is_file()``, False for names the OS refuses (too long, a NUL byte)."""
    try:
        return p.is_file()
    except (OSError, ValueError):
        return False


def read_toml(path: Path, source: str | None = None) -> dict[str, Any]:
    """A TOML file as a dict; InputError naming the file (and the line) if it cannot
    be read, is not UTF-8 text or is not valid TOML."""
    src = source or display_path(path)
    try:
        blob = path.read_bytes()
    except (OSError, ValueError) as err:
        why = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise InputError(f"cannot be read ({why})", source=src) from None
    try:
        text = blob.decode("utf-8-sig")  # a byte-order mark from Windows editors is fine
    except UnicodeDecodeError as err:
        line = blob[: err.start].count(b"\n") + 1
        raise InputError(
            f"is not UTF-8 text (line {line}: byte 0x{blob[err.start]:02x}); save it as UTF-8",
            source=src,
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"is not valid TOML: {err}", source=src) from None
    except ValueError:  # an integer of more than 4300 digits (Python's limit)
        raise InputError("is not valid TOML: a number is too long", source=src) from None
    except RecursionError:
        raise InputError("is not valid TOML: nested too deeply", source=src) from None


def _merge(base: dict[str, Any], child: dict[str, Any], origin: dict[str, str], src: str, prefix: str = "") -> dict[str, Any]:  # fmt: skip
    """Deep-merge ``child`` into a copy of ``base`` (tables key by key, other values
    replaced); record in ``origin`` which file set each leaf."""
    out = dict(base)
    for k, v in child.items():
        path = f"{prefix}{k}"
        for pair in EXCLUSIVE:
            if path in pair:
                other = pair[1 - pair.index(path)]
                out.pop(other.rsplit(".", 1)[1], None)
                _forget(origin, other)
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v, origin, src, path + ".")
            continue
        out[k] = v
        _forget(origin, path)
        if not isinstance(v, dict):  # tables are not recorded, only their leaves
            origin[path] = src
        stack = [(path, v)]
        while stack:
            pre, d = stack.pop()
            if isinstance(d, dict):
                for kk, vv in d.items():
                    if not isinstance(vv, dict):
                        origin[f"{pre}.{kk}"] = src
                    stack.append((f"{pre}.{kk}", vv))
    return out


def _forget(origin: dict[str, str], path: str) -> None:
    for key in [o for o in origin if o == path or o.startswith(path + ".")]:
        del origin[key]


def origin_of(origin: dict[str, str], dotted: str, default: str) -> str:
    """The file that set ``dotted``: its own entry, a leaf below it, or the nearest parent."""
    if dotted in origin:
        return origin[dotted]
    below = sorted(o for o in origin if o.startswith(dotted + "."))
    if below:
        return origin[below[0]]
    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:i]) in origin:
            return origin[".".join(parts[:i])]
    return default


def _load_chain(path: Path, seen: tuple[Path, ...]) -> tuple[dict[str, Any], dict[str, str], list[Path]]:  # fmt: skip
    src = display_path(path)
    if path in seen:
        chain = " -> ".join(display_path(p) for p in (*seen, path))
        raise _err(src, "base", f"inherits from itself ({chain})")
    raw = read_toml(path, src)
    base_name = raw.pop("base", None)
    if isinstance(raw.get("scenario"), dict) and "base" in raw["scenario"]:
        base_name = raw["scenario"].pop("base")
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    files: list[Path] = []
    if base_name is not None:
        if not isinstance(base_name, str):
            raise _err(src, "base", "must be a scenario name or path", base_name)
        try:
            base_path = resolve_scenario_path(base_name, path.parent)
        except InputError as err:
            raise _err(src, "base", "is no such file or shipped scenario", base_name) from err
        data, origin, files = _load_chain(base_path, (*seen, path))
        if isinstance(data.get("scenario"), dict):  # a variant is not named after its base
            data["scenario"].pop("name", None)
        origin.pop("scenario.name", None)
    return _merge(data, raw, origin, src), origin, [*files, path]


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Read, merge (inheritance) and validate a scenario; see the module docstring."""
    path = resolve_scenario_path(name_or_path)
    data, origin, files = _load_chain(path, ())
    return scenario_from_dict(data, path=path, origin=origin, files=files)


def scenario_from_dict(
    data: dict[str, Any],
    path: Path | None = None,
    origin: dict[str, str] | None = None,
    files: list[Path] | None = None,
) -> Scenario:
    """Validate a merged scenario dict and build the :class:`Scenario` (paths resolved
    against the file that set them)."""
    origin = dict(origin or {})
    default_src = display_path(path) if path else "<scenario>"

    def src(dotted: str) -> str:
        return origin_of(origin, dotted, default_src)

    def fail(dotted: str, problem: str, *value: Any) -> InputError:
        return _err(src(dotted), dotted, problem, *value)

    values = _validate(data, src)
    net, prof, study = values["network"], values["profiles"], values["study"]
    gen = values.get("profiles.generate")
    if (net["name"] is None) == (net["file"] is None):
        raise fail("network", "needs exactly one of network.name and network.file")
    if (prof["dir"] is None) == (gen is None):
        raise fail("profiles", "needs exactly one of profiles.dir and [profiles.generate]")
    if study["whole_year"] and (study["start"] or study["end"]):
        key = "study.start" if study["start"] else "study.end"
        raise fail(key, "needs whole_year = false (a sub-period)", study["start"] or study["end"])
    if not study["whole_year"]:
        for key in ("study.start", "study.end"):
            if study[key[6:]] is None:
                raise _err(
                    src("study.whole_year"), key, "must be given when study.whole_year = false"
                )
        if _local(study["end"]) <= _local(study["start"]):
            raise fail("study.end", f"must be after study.start ({study['start']})", study["end"])
    unknown = sorted(set(values["output"]["what"]) - set(OUTPUT_GROUPS))
    if unknown:
        raise fail(
            "output.what", f"has unknown groups (known: {', '.join(OUTPUT_GROUPS)})", unknown
        )
    for dotted in ("profiles.dir", "network.file", "output.dir"):
        table, key = dotted.split(".")
        _check_plain_path(values[table][key], dotted, fail)
    name = _check_names(values, path, src, fail)
    _check_rules(values, fail)

    def rel(dotted: str, value: str | None) -> Path | None:
        if value is None:
            return None
        p = Path(value)
        return (p if p.is_absolute() else Path(src(dotted)).parent / p).resolve()

    ov = values["network.overrides"]
    overrides = Overrides(capacity_mw=dict(values.get("network.overrides*", {})), **ov)
    profiles = ProfilesSpec(rel("profiles.dir", prof["dir"]), gen)
    network_file = rel("network.file", net["file"])
    if network_file is not None and not is_file(network_file):
        raise fail("network.file", f"is no such file ({network_file})", net["file"])
    targets = _targets(values["scenario"]["targets"], Path(src("scenario.targets")).parent, fail)
    year = gen["year"] if gen is not None else _profile_dir_year(profiles.dir, prof["dir"], fail)
    if year is not None and not study["whole_year"]:
        _check_period(study["start"], study["end"], year, fail)
    return Scenario(
        name=name,
        description=values["scenario"]["description"],
        network=NetworkSpec(net["name"], network_file, overrides),
        storage=StorageSpec(**values["storage"]),
        profiles=profiles,
        study=StudySpec(**study),
        demand_response=DemandResponseSpec(**values["demand_response"]),
        exports=ExportsSpec(min_twh=dict(values.get("exports*", {})), **values["exports"]),
        prices=PricesSpec(**values["prices"]),
        output=OutputSpec(**values["output"]),
        reserves=ReservesSpec(**values["reserves"]),
        targets=targets,
        path=path,
        files=list(files or ([path] if path else [])),
        origin=origin,
        data=data,
    )


# -------------------------------------------------------- checks across fields
HOURS_PER_YEAR_MAX = 8784
"""Hours of a leap year: the most that a per-year hour budget can use."""

Fail = Callable[..., InputError]


def _check_plain_path(value: str | None, dotted: str, fail: Fail) -> None:
    """A path field is not blank and has no control characters (a NUL byte, a newline)."""
    if value is not None and (not value.strip() or any(ord(c) < 32 for c in value)):
        raise fail(dotted, "must be a path (not blank, no control characters)", value)


def _check_names(values: dict[str, dict[str, Any]], path: Path | None, src: Callable[[str], str], fail: Fail) -> str:  # fmt: skip
    """The scenario's name (``scenario.name`` or the file name) and ``network.name``
    are plain names; the network is a shipped one. Returns the scenario's name."""
    name = values["scenario"]["name"]
    if name is not None:
        check_path_name(name, source=src("scenario.name"), field="scenario.name")
    else:
        name = path.stem if path else "scenario"
        try:
            check_path_name(name, field="scenario.name")
        except InputError as err:
            problem = f"(unset: the file name) {err.problem}; set [scenario] name"
            raise fail("scenario.name", problem, name) from None
    net_name = values["network"]["name"]
    if net_name is not None:
        from gridsim.network.io import NETWORKS_DIR

        check_path_name(net_name, source=src("network.name"), field="network.name")
        if not is_file(NETWORKS_DIR / f"{net_name}.toml"):
            shipped = sorted(x.stem for x in NETWORKS_DIR.glob("*.toml"))
            problem = f"is not a shipped network (shipped: {', '.join(shipped)}; a file goes in network.file)"  # fmt: skip
            raise fail("network.name", problem, net_name)
    return str(name)


def _check_rules(values: dict[str, dict[str, Any]], fail: Fail) -> None:
    """Rules between fields: demand-response shares, per-year hour budgets, the
    profile year and its plan demand, weather seeds."""
    dr = values["demand_response"]
    if dr["curtailable_share"] + dr["shiftable_share"] > 1.0:
        total = dr["curtailable_share"] + dr["shiftable_share"]
        raise fail(
            "demand_response.shiftable_share",
            f"+ curtailable_share ({dr['curtailable_share']:g}) must be <= 1 (share of peak load)",
            total,
        )
    budgets = {f"study.hydro_flh.{k}": v for k, v in values["study"]["hydro_flh"].items()}
    budgets["demand_response.curtailable_hours"] = dr["curtailable_hours"]
    for dotted, hours in budgets.items():
        if hours is not None and hours > HOURS_PER_YEAR_MAX:
            raise fail(dotted, f"must be <= {HOURS_PER_YEAR_MAX} (hours in a year)", hours)
    gen = values.get("profiles.generate")
    if gen is None:
        return
    from gridsim.profiles.calendar import FIRST_YEAR, LAST_YEAR
    from gridsim.profiles.load import DEMAND_TWH

    year = gen["year"]
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise fail("profiles.generate.year", f"must be a calendar year {FIRST_YEAR}..{LAST_YEAR}", year)  # fmt: skip
    if gen["demand_twh"] is None and (year, "base") not in DEMAND_TWH:
        known = ", ".join(str(y) for y, case in DEMAND_TWH if case == "base")
        problem = f"must be given: the plan has no demand figure for {year} (it has {known})"
        raise fail("profiles.generate.demand_twh", problem)
    seeds = gen["weather_years"]
    twice = [x for i, x in enumerate(seeds) if x in seeds[:i]]
    if twice:
        raise fail("profiles.generate.weather_years", "names a weather seed twice", twice[0])


def _targets(value: str, directory: Path, fail: Fail) -> str:
    """``scenario.targets``: a shipped target set's name, or its file resolved against
    ``directory`` (the scenario file's); the file's rows are checked now."""
    from gridsim.cases import targets_file
    from gridsim.targets import load_targets, resolve_targets

    try:
        path = resolve_targets(value, directory)
    except InputError as err:
        raise fail("scenario.targets", err.problem, value) from None
    load_targets(path)  # a bad row names the targets file, the row's field and value
    return value if targets_file(value) is not None else str(path)


def _profile_dir_year(directory: Path | None, given: str | None, fail: Fail) -> int | None:
    """The year of the profile set in ``directory`` (its meta.json), checked readable."""
    if directory is None:
        return None
    meta_path = directory / "meta.json"
    if not is_file(meta_path):
        raise fail("profiles.dir", "is not a profile set directory (no meta.json)", given)
    from gridsim.profiles.profileset import read_meta

    try:
        year = read_meta(meta_path).get("year")
    except InputError as err:
        raise fail("profiles.dir", f"has a bad meta.json ({err})", given) from None
    return int(year) if year is not None else None


def _check_period(start: str, end: str, year: int, fail: Fail) -> None:
    """``study.start`` .. ``study.end`` lies in the profile year (local time)."""
    first, after = pd.Timestamp(year=year, month=1, day=1), pd.Timestamp(year=year + 1, month=1, day=1)  # fmt: skip
    if not first <= _local(start) < after:
        raise fail("study.start", f"must lie in the profile year {year}", start)
    if _local(end) > after:
        raise fail("study.end", f"must not run past the profile year {year} (at most {year + 1}-01-01)", end)  # fmt: skip


# ------------------------------------------------------------------ validation
def _validate(data: dict[str, Any], src: Callable[[str], str]) -> dict[str, dict[str, Any]]:
    """Check every key and value against SCHEMA; return the values (defaults filled in)
    per table. Pattern keys come back under ``<table>*``, keyed by the element named."""
    top = [t for t in TABLES if "." not in t]
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        prefix, d = stack.pop()
        if not isinstance(d, dict):
            raise _err(src(prefix), prefix, "must be a table", d)
        for k, v in d.items():
            path = f"{prefix}.{k}" if prefix else k
            if path in SCHEMA:
                stack.append((path, v))
            elif not prefix:
                raise _err(src(path), path, f"is not a known table (known: {', '.join(top)})")
            elif k not in SCHEMA.get(prefix, {}) and not _pattern(prefix, k):
                known = [*SCHEMA.get(prefix, {}), *(p[1].doc.split(":")[0] for p in PATTERNS.get(prefix, []))]  # fmt: skip
                raise _err(src(path), path, f"is not a known field (known in [{prefix}]: {', '.join(known)})")  # fmt: skip
    out: dict[str, dict[str, Any]] = {}
    for table, fields in SCHEMA.items():
        node: Any = data
        for part in table.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None and table == "profiles.generate":
            continue
        node = node or {}
        vals: dict[str, Any] = {}
        for name, spec in fields.items():
            dotted = f"{table}.{name}"
            if name in node:
                vals[name] = _check(node[name], spec, dotted, src)
            elif not spec.optional:
                raise _err(src(table), dotted, "must be given")
            else:
                vals[name] = deepcopy(spec.default)
        out[table] = vals
        extra = {}
        for k, v in node.items():
            m = _pattern(table, k)
            if m is not None:
                extra[m[0]] = _check(v, m[1], f"{table}.{k}", src)
        if extra:
            out[table + "*"] = extra
    return out


def _pattern(table: str, key: str) -> tuple[str, F] | None:
    for rx, spec in PATTERNS.get(table, []):
        m = re.match(rx, key)
        if m:
            return m.group(1), spec
    return None


def _check(v: Any, spec: F, dotted: str, src: Callable[[str], str]) -> Any:
    """Type and range check of one value; returns it converted (float, str, ...)."""
    k, source = spec.kind, src(dotted)
    if k in ("int", "float"):
        integer = k == "int"
        if isinstance(v, bool) or not isinstance(v, int | float) or (integer and not isinstance(v, int)):  # fmt: skip
            raise _err(source, dotted, f"must be {'an integer' if integer else 'a number'}", v)
        if isinstance(v, int) and not -(2**63) <= v < 2**63:  # TOML integers are 64-bit
            raise _err(source, dotted, "must be a number within the 64-bit integer range", v)
        x = float(v)
        if not math.isfinite(x):
            raise _err(source, dotted, "must be a finite number", v)
        bad = {"> 0": not x > 0, ">= 0": not x >= 0, "0..1": not 0.0 <= x <= 1.0}.get(spec.check)
        if bad:
            rule = "be within 0..1" if spec.check == "0..1" else f"be {spec.check or 'a number'}"
            raise _err(source, dotted, f"must {rule}", v)
        return int(v) if integer else x
    if k == "bool":
        if not isinstance(v, bool):
            raise _err(source, dotted, "must be true or false", v)
        return v
    if k in ("str", "date"):
        if not isinstance(v, str) or not v:
            raise _err(source, dotted, "must be a non-empty string", v)
        if spec.check == "choice" and v not in spec.choices:
            raise _err(source, dotted, f"must be one of {', '.join(spec.choices)}", v)
        if k == "date" and _timestamp(v) is None:
            raise _err(source, dotted, "must be an ISO date or date-time (2025-07-01)", v)
        return v
    if k in ("str_list", "int_list"):
        if not isinstance(v, list):
            raise _err(source, dotted, "must be a list", v)
        item = F("str") if k == "str_list" else F("int", check=">= 0")
        return [_check(x, item, f"{dotted}[{i}]", src) for i, x in enumerate(v)]
    if k.startswith("map_"):
        if not isinstance(v, dict):
            raise _err(source, dotted, "must be a table such as {key = value}", v)
        inner = F(k[4:], check=spec.check)
        return {str(key): _check(x, inner, f"{dotted}.{key}", src) for key, x in v.items()}
    raise AssertionError(f"unknown field kind {k}")  # pragma: no cover


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
            default = "(required)" if not spec.optional else _toml(spec.default)
            doc = spec.doc.split(": ", 1)[1] if label.startswith("`<") else spec.doc
            lines.append(f"| {label} | {spec.kind} | {default} | {spec.unit} | {check} | {doc} |")
        lines.append("")
    return "\n".join(lines)
