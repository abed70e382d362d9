"""Checks across the fields of a scenario, made on load once each value has passed
:func:`~gridsim.scenario.values.validate_values`: alternatives given exactly once, the
study period, output groups, plain paths and names, a shipped network, demand-response
shares, per-year hour budgets, the profile year and its plan demand, weather seeds, the
targets file, the profile directory and that the period lies in its year.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from gridsim.errors import InputError
from gridsim.paths import check_path_name
from gridsim.scenario.schema import OUTPUT_GROUPS
from gridsim.scenario.sources import field_error, is_file
from gridsim.scenario.values import local_time

HOURS_PER_YEAR_MAX = 8784
"""Hours of a leap year: the most that a per-year hour budget can use."""

Fail = Callable[..., InputError]
"""``fail(dotted, problem, *value)``: the error about a field, naming the file that set it."""


def check_fields(values: dict[str, dict[str, Any]], path: Path | None, src: Callable[[str], str], fail: Fail) -> str:  # fmt: skip
    """The checks that need no file but the scenario's own, in this order: one of
    ``network.name`` / ``network.file`` and of ``profiles.dir`` / ``[profiles.generate]``;
    ``study.start`` and ``study.end`` given exactly for a sub-period, in order; known
    ``output.what`` groups; plain paths; the names (:func:`_check_names`); the rules
    between fields (:func:`_check_rules`). Returns the scenario's name."""
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
                raise field_error(
                    src("study.whole_year"), key, "must be given when study.whole_year = false"
                )
        if local_time(study["end"]) <= local_time(study["start"]):
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
    return name


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
    _check_monthly(values, fail)
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


MONTHS = 12
"""Values of a monthly list (January first)."""


def _check_monthly(values: dict[str, dict[str, Any]], fail: Fail) -> None:
    """Monthly lists have 12 values and a positive sum; ``demand.monthly_twh`` and
    ``demand.monthly_share`` are alternatives, and ``monthly_twh`` agrees with a
    ``profiles.generate.demand_twh`` that is given."""
    dem = values["demand"]
    lists = {f"demand.{k}": dem[k] for k in ("monthly_twh", "monthly_share")}
    lists.update({f"exports.monthly_shape.{k}": v for k, v in values["exports"]["monthly_shape"].items()})  # fmt: skip
    for dotted, vals in lists.items():
        if vals is None:
            continue
        if len(vals) != MONTHS:
            raise fail(dotted, f"must have {MONTHS} values (January first), got {len(vals)}")
        if sum(vals) <= 0:
            raise fail(dotted, "must have a month with a value > 0", vals)
    if dem["monthly_twh"] is not None and dem["monthly_share"] is not None:
        raise fail("demand.monthly_share", "and demand.monthly_twh are alternatives: give one")
    gen = values.get("profiles.generate")
    if dem["monthly_twh"] is not None and gen is not None and gen["demand_twh"] is not None:
        total = sum(dem["monthly_twh"])
        if abs(total - gen["demand_twh"]) > 1e-6 * gen["demand_twh"]:
            problem = f"sums to {total:g} TWh, but profiles.generate.demand_twh is {gen['demand_twh']:g}; leave demand_twh unset or make them agree"  # fmt: skip
            raise fail("demand.monthly_twh", problem, dem["monthly_twh"])


def targets_field(value: str, directory: Path, fail: Fail) -> str:
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


def profile_dir_year(directory: Path | None, given: str | None, fail: Fail) -> int | None:
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


def check_period(start: str, end: str, year: int, fail: Fail) -> None:
    """``study.start`` .. ``study.end`` lies in the profile year (local time)."""
    first, after = pd.Timestamp(year=year, month=1, day=1), pd.Timestamp(year=year + 1, month=1, day=1)  # fmt: skip
    if not first <= local_time(start) < after:
        raise fail("study.start", f"must lie in the profile year {year}", start)
    if local_time(end) > after:
        raise fail("study.end", f"must not run past the profile year {year} (at most {year + 1}-01-01)", end)  # fmt: skip
