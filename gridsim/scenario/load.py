"""Reading scenario files: shipped names and paths, TOML, inheritance (``base``) and the
merge of a variant into its base, then :func:`scenario_from_dict`, which validates the
merged dict and builds the :class:`~gridsim.scenario.specs.Scenario`."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gridsim.errors import InputError
from gridsim.scenario.checks import check_fields, check_period, profile_dir_year, targets_field
from gridsim.scenario.schema import EXCLUSIVE
from gridsim.scenario.sources import display_path, field_error, is_file, origin_of
from gridsim.scenario.specs import (
    AcCheckSpec,
    DcStabilitySpec,
    DemandResponseSpec,
    DemandSpec,
    ExportsSpec,
    HydroSpec,
    NetworkSpec,
    OutputSpec,
    Overrides,
    PricesSpec,
    ProfilesSpec,
    ReservesSpec,
    Scenario,
    StorageSpec,
    StudySpec,
    ThermalSpec,
    WeatherSourceSpec,
    WeatherSpec,
)
from gridsim.scenario.values import validate_values
from gridsim.shipped import shipped_dir

SCENARIOS_DIR = shipped_dir("scenarios")
"""Where the shipped scenarios live (bare names resolve to ``<SCENARIOS_DIR>/<name>.toml``)."""


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


def _load_chain(path: Path, seen: tuple[Path, ...]) -> tuple[dict[str, Any], dict[str, str], list[Path]]:  # fmt: skip
    src = display_path(path)
    if path in seen:
        chain = " -> ".join(display_path(p) for p in (*seen, path))
        raise field_error(src, "base", f"inherits from itself ({chain})")
    raw = read_toml(path, src)
    base_name = raw.pop("base", None)
    if isinstance(raw.get("scenario"), dict) and "base" in raw["scenario"]:
        base_name = raw["scenario"].pop("base")
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    files: list[Path] = []
    if base_name is not None:
        if not isinstance(base_name, str):
            raise field_error(src, "base", "must be a scenario name or path", base_name)
        try:
            base_path = resolve_scenario_path(base_name, path.parent)
        except InputError as err:
            raise field_error(
                src, "base", "is no such file or shipped scenario", base_name
            ) from err
        data, origin, files = _load_chain(base_path, (*seen, path))
        if isinstance(data.get("scenario"), dict):  # a variant is not named after its base
            data["scenario"].pop("name", None)
        origin.pop("scenario.name", None)
    return _merge(data, raw, origin, src), origin, [*files, path]


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Read, merge (inheritance) and validate a scenario; see :mod:`gridsim.scenario`."""
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
    against the file that set them): each value against the schema
    (:func:`~gridsim.scenario.values.validate_values`), the checks across fields
    (:func:`~gridsim.scenario.checks.check_fields`), then the files it names: the network
    file, the targets, the profile directory and the study period in its year."""
    origin = dict(origin or {})
    default_src = display_path(path) if path else "<scenario>"

    def src(dotted: str) -> str:
        return origin_of(origin, dotted, default_src)

    def fail(dotted: str, problem: str, *value: Any) -> InputError:
        return field_error(src(dotted), dotted, problem, *value)

    values = validate_values(data, src)
    name = check_fields(values, path, src, fail)
    net, prof, study = values["network"], values["profiles"], values["study"]
    gen = values.get("profiles.generate")

    def rel(dotted: str, value: str | None) -> Path | None:
        if value is None:
            return None
        p = Path(value)
        return (p if p.is_absolute() else Path(src(dotted)).parent / p).resolve()

    ov = values["network.overrides"]
    overrides = Overrides(**ov, **values["network.overrides*"])
    weather = _weather_spec(values, rel, fail)
    profiles = ProfilesSpec(rel("profiles.dir", prof["dir"]), prof["wind_monthly_flh"], prof["solar_monthly_flh"], gen, weather)  # fmt: skip
    network_file = rel("network.file", net["file"])
    if network_file is not None and not is_file(network_file):
        raise fail("network.file", f"is no such file ({network_file})", net["file"])
    targets = targets_field(values["scenario"]["targets"], Path(src("scenario.targets")).parent, fail)  # fmt: skip
    year = gen["year"] if gen is not None else profile_dir_year(profiles.dir, prof["dir"], fail)
    if study["scheduler_file"] is not None:  # like every file it names: relative to the scenario
        study = {**study, "scheduler_file": str(rel("study.scheduler_file", study["scheduler_file"]))}  # fmt: skip
    if year is not None and not study["whole_year"]:
        check_period(study["start"], study["end"], year, fail)
    return Scenario(
        name=name,
        description=values["scenario"]["description"],
        network=NetworkSpec(net["name"], network_file, overrides),
        storage=StorageSpec(**values["storage"]),
        profiles=profiles,
        study=StudySpec(**study),
        demand_response=DemandResponseSpec(**values["demand_response"]),
        exports=ExportsSpec(**values["exports"], **values["exports*"]),
        prices=PricesSpec(**values["prices"]),
        output=OutputSpec(**values["output"]),
        reserves=ReservesSpec(**values["reserves"]),
        thermal=ThermalSpec(**values["thermal"]),
        hydro=HydroSpec(**values["hydro"]),
        demand=DemandSpec(**values["demand"]),
        ac_check=AcCheckSpec(**values["ac_check"]),
        targets=targets,
        dc_stability=DcStabilitySpec(**values["dc_stability"]),
        path=path,
        files=list(files or ([path] if path else [])),
        origin=origin,
        data=data,
    )


def _weather_spec(values: dict[str, dict[str, Any]], rel: Callable[[str, str | None], Path | None], fail: Callable[..., InputError]) -> WeatherSpec | None:  # fmt: skip
    """``[profiles.weather]`` with its files resolved against the file that set them; the
    fields checked together (:meth:`~gridsim.profiles.weather_files.WeatherSource.check`)
    and every file checked to exist."""
    top = values.get("profiles.weather")
    if top is None:
        return None
    from gridsim.profiles.weather_files import WeatherSource

    sources: dict[str, WeatherSourceSpec | None] = {}
    for tech, kind in (("wind", "wind_cf"), ("solar", "solar_cf")):
        v = values.get(f"profiles.weather.{tech}")
        if v is None:
            sources[tech] = None
            continue
        dotted = f"profiles.weather.{tech}"
        file = rel(f"{dotted}.file", v["file"])
        files = {str(z): rel(f"{dotted}.files.{z}", f) or Path(f) for z, f in v["files"].items()}
        spec = WeatherSourceSpec(**{**v, "file": file, "files": files})
        try:
            WeatherSource(**{**v, "file": file, "files": files}).check(kind)
        except InputError as err:
            raise fail(f"{dotted}.{err.field}", err.problem, *([err.value] if err.value is not None else [])) from None  # fmt: skip
        given = {"file": v["file"]} if file is not None else {f"files.{z}": f for z, f in v["files"].items()}  # fmt: skip
        pattern = v["format"] != "atlite" and "{zone}" in str(v["file"] or "")  # checked when read
        for key, path in ({} if pattern else {"file": file} if file is not None else files).items():
            if path is not None and not is_file(path):
                name = "file" if key == "file" else f"files.{key}"
                raise fail(f"{dotted}.{name}", f"is no such file ({path})", given[name])
        sources[tech] = spec
    if sources["wind"] is None and sources["solar"] is None:
        raise fail("profiles.weather", "needs [profiles.weather.wind] or [profiles.weather.solar] (or neither table)")  # fmt: skip
    seeds = (values.get("profiles.generate") or {}).get("weather_years", [])
    if sources["wind"] is not None and sources["solar"] is not None and seeds:
        raise fail("profiles.generate.weather_years", "varies the synthetic weather only: with wind and solar both from [profiles.weather] every seed would give the same run", seeds)  # fmt: skip
    return WeatherSpec(top["weather_year"], sources["wind"], sources["solar"])
