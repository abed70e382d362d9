"""A corpus of bad input: each case is a shipped scenario, sweep or profile set with one
thing broken. Loading it must raise gridsim's InputError (no other exception class)
whose message names the file and the field or value; the CLI turns it into exit code 2
and one line on stderr.

Each case checks first that the edit applied to the shipped file (so a change of the
shipped files shows up here instead of silently testing nothing), and the unbroken
copy of each source is loaded once to show that the copy itself is valid.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.batch import check_sweep, load_sweep
from gridsim.cli import main
from gridsim.errors import InputError
from gridsim.profiles import ProfileSet, read_profile, snapshots
from gridsim.scenario import SCENARIOS_DIR, load_scenario
from gridsim.studies.balance import prepare_profiles

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "profiles"
SWEEP = ROOT / "sweeps" / "storage_dr.toml"
SET_2025 = PROFILES / "ningxia_2025_seed1"


@pytest.fixture()
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (messages name files relative to it)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _edit(text: str, old: str | None, new: str) -> str:
    """Replace the first ``old`` by ``new`` (append ``new`` when ``old`` is None)."""
    if old is None:
        return text.rstrip("\n") + "\n" + new + "\n"
    assert old in text, f"the shipped file no longer contains {old!r}"
    return text.replace(old, new, 1)


def shipped_scenario(name: str) -> str:
    """A shipped scenario's text, its profile directory made absolute (so a copy works)."""
    text = (SCENARIOS_DIR / f"{name}.toml").read_text(encoding="utf-8")
    return text.replace('dir = "../profiles/', f'dir = "{PROFILES.as_posix()}/')


# ------------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class S:
    """A scenario case: ``base`` (a shipped scenario) with ``edits`` applied."""

    base: str
    edits: tuple[tuple[str | None, str], ...]
    needles: tuple[str, ...]
    file: str = "bad.toml"
    raw: bytes | None = None  # written as is instead of the edited text


def s(base: str, old: str | None, new: str, *needles: str, file: str = "bad.toml") -> S:
    return S(base, ((old, new),), needles, file)


N25, N20, HIGH, NOSTOR = "ningxia_2025", "ningxia_2020", "ningxia_2025_high_demand", "ningxia_2025_no_new_storage"  # fmt: skip
PERIOD = "[study]\nhorizon_h = 168"
SHIPPED_DIR = f'dir = "{PROFILES.as_posix()}/ningxia_2025_seed1"'

SCENARIO_CASES = {
    # numbers that are not finite (TOML's inf and nan literals)
    "voll_inf": s(N25, "voll_per_mwh = 30000.0", "voll_per_mwh = inf", "prices.voll_per_mwh", "inf"),
    "voll_nan": s(N25, "voll_per_mwh = 30000.0", "voll_per_mwh = nan", "prices.voll_per_mwh", "nan"),
    "battery_scale_inf": s(NOSTOR, "battery = false", "battery = true\nbattery_scale = inf", "storage.battery_scale", "inf"),
    "battery_scale_minus_inf": s(NOSTOR, "battery = false", "battery_scale = -inf", "storage.battery_scale", "-inf"),
    "min_twh_nan": s(N25, "zhaoyi_min_twh = 1.4", "zhaoyi_min_twh = nan", "exports.zhaoyi_min_twh", "nan"),
    "ac_export_inf": s(N20, "ac_export_twh = 4.98", "ac_export_twh = inf", "exports.ac_export_twh", "inf"),
    "demand_inf": s(HIGH, "demand_twh = 144.0", "demand_twh = inf", "profiles.generate.demand_twh", "inf"),
    "export_price_nan": s(N25, "voll_per_mwh = 30000.0", "voll_per_mwh = 30000.0\nac_export_per_mwh = nan", "prices.ac_export_per_mwh", "nan"),
    # ranges and types
    "horizon_negative": s(N25, "horizon_h = 168", "horizon_h = -168", "study.horizon_h", "-168"),
    "horizon_400_digits": s(N25, "horizon_h = 168", "horizon_h = " + "9" * 400, "study.horizon_h", "64-bit integer range"),
    "toml_5000_digit_number": s(N25, "horizon_h = 168", "horizon_h = " + "9" * 5000, "not valid TOML", "too long"),
    "horizon_float": s(N25, "horizon_h = 168", "horizon_h = 16.8", "study.horizon_h", "16.8"),
    "time_limit_zero": s(N25, "horizon_h = 168", "horizon_h = 168\ntime_limit_s = 0", "study.time_limit_s", "0"),
    "shiftable_share_above_1": s(N25, "shiftable_share = 0.02", "shiftable_share = 1.5", "demand_response.shiftable_share", "1.5"),
    "loss_factor_negative": s(N25, "horizon_h = 168", "horizon_h = 168\nloss_factor = -0.1", "study.loss_factor", "-0.1"),
    "ac_import_negative": s(N25, "ac_import_max_mw = 8000.0", "ac_import_max_mw = -8000.0", "exports.ac_import_max_mw", "-8000"),
    "min_load_share_above_1": s(N25, "min_load_share = { hydro = 0.3 }", "min_load_share = { hydro = 1.3 }", "network.overrides.min_load_share.hydro", "1.3"),
    "chp_min_share_above_1": s(N25, "min_load_share = { hydro = 0.3 }", "chp_min_share = 1.2\nmin_load_share = { hydro = 0.3 }", "network.overrides.chp_min_share", "1.2"),
    "wind_mw_negative": s(N25, "min_load_share", "wind_mw = { central = -6000 }\nmin_load_share", "network.overrides.wind_mw.central", "-6000"),
    "seed_negative": s(HIGH, "seed = 1", "seed = -1", "profiles.generate.seed", "-1"),
    "battery_mw_text": s(NOSTOR, "battery = false", 'battery_mw = "big"', "storage.battery_mw", "'big'"),
    "cyclic_text": s(NOSTOR, "battery = false", 'cyclic = "yes"', "storage.cyclic", "'yes'"),
    "network_model_unknown": s(N25, 'network_model = "copperplate"', 'network_model = "dc"', "study.network_model", "'dc'"),
    "unknown_field": s(N25, "horizon_h = 168", "horizon = 168", "study.horizon", "horizon_h"),
    "unknown_table": s(N25, "[prices]", "[price]", "price", "not a known table"),
    # cross-field rules
    "dr_shares_above_1": S(N25, (("curtailable_share = 0.03", "curtailable_share = 0.8"), ("shiftable_share = 0.02", "shiftable_share = 0.3")), ("demand_response.shiftable_share", "1.1")),  # fmt: skip
    "hydro_flh_above_year": s(N25, "hydro_flh = { hydro = 4789 }", "hydro_flh = { hydro = 9000 }", "study.hydro_flh.hydro", "9000"),
    "curtailable_hours_above_year": s(N25, "curtailable_hours = 100", "curtailable_hours = 10000", "demand_response.curtailable_hours", "10000"),
    "weather_years_twice": s(HIGH, "seed = 1", "seed = 1\nweather_years = [2, 2]", "profiles.generate.weather_years", "2"),
    "year_out_of_range": s(HIGH, "year = 2025", "year = 1800", "profiles.generate.year", "1800"),
    "demand_unset_for_2030": S(HIGH, (("year = 2025", "year = 2030"), ("demand_twh = 144.0", "")), ("profiles.generate.demand_twh", "2030")),  # fmt: skip
    "start_before_profile_year": s(N25, PERIOD, PERIOD + '\nwhole_year = false\nstart = "2024-06-01"\nend = "2024-06-08"', "study.start", "2024-06-01"),  # fmt: skip
    "end_after_profile_year": s(N25, PERIOD, PERIOD + '\nwhole_year = false\nstart = "2025-12-01"\nend = "2026-02-01"', "study.end", "2026-02-01"),  # fmt: skip
    "start_not_a_day": s(N25, PERIOD, PERIOD + '\nwhole_year = false\nstart = "2025-02-30"\nend = "2025-03-08"', "study.start", "2025-02-30"),  # fmt: skip
    "start_not_a_date": s(N25, PERIOD, PERIOD + '\nwhole_year = false\nstart = "next tuesday"\nend = "2025-03-08"', "study.start", "next tuesday"),  # fmt: skip
    "end_before_start": s(N25, PERIOD, PERIOD + '\nwhole_year = false\nstart = "2025-03-08"\nend = "2025-03-01"', "study.end", "2025-03-01"),  # fmt: skip
    "commission_date_bad": s(N25, "min_load_share", 'commission_date = { coal_east_1 = "2025-13-01" }\nmin_load_share', "network.overrides.commission_date.coal_east_1", "2025-13-01"),  # fmt: skip
    # names that become paths
    "name_parent_dir": s(N25, 'name = "ningxia_2025"', 'name = "../victim"', "scenario.name", "'../victim'"),
    "name_absolute": s(N25, 'name = "ningxia_2025"', 'name = "/tmp/victim"', "scenario.name", "'/tmp/victim'"),
    "name_empty": s(N25, 'name = "ningxia_2025"', 'name = ""', "scenario.name", "''"),
    "name_hidden": s(N25, 'name = "ningxia_2025"', 'name = ".hidden"', "scenario.name", "'.hidden'"),
    "name_too_long": s(N25, 'name = "ningxia_2025"', f'name = "{"x" * 81}"', "scenario.name", "x" * 81),
    "name_from_file_name": s(HIGH, "[scenario]", "[scenario]", "scenario.name", "'my scenario'", file="my scenario.toml"),  # fmt: skip
    "network_name_path": s(N25, '[network]\nname = "ningxia_2025"', '[network]\nname = "../networks/ningxia_2025"', "network.name", "../networks/ningxia_2025"),  # fmt: skip
    "network_name_not_shipped": s(N25, '[network]\nname = "ningxia_2025"', '[network]\nname = "ningxia_2030"', "network.name", "'ningxia_2030'"),  # fmt: skip
    "network_file_missing": s(N25, '[network]\nname = "ningxia_2025"', '[network]\nfile = "grid.toml"', "network.file", "'grid.toml'"),  # fmt: skip
    "output_dir_empty": s(N25, 'layout = "wide"', 'layout = "wide"\ndir = ""', "output.dir", "''"),
    "output_dir_blank": s(N25, 'layout = "wide"', 'layout = "wide"\ndir = "   "', "output.dir", "'   '"),
    "profiles_dir_nul": s(N25, SHIPPED_DIR, 'dir = "a\\u0000b"', "profiles.dir", "\\x00"),
    "profiles_dir_missing": s(N25, SHIPPED_DIR, 'dir = "nowhere"', "profiles.dir", "'nowhere'"),
    "profiles_dir_is_a_file": s(N25, SHIPPED_DIR, 'dir = "bad.toml"', "profiles.dir", "no meta.json"),
    # inheritance
    "base_missing": s(HIGH, 'base = "ningxia_2025"', 'base = "ningxia_2099"', "base", "ningxia_2099"),
    "base_is_itself": s(HIGH, 'base = "ningxia_2025"', 'base = "bad"', "base", "inherits from itself"),
    # not TOML, not UTF-8
    "toml_unclosed_string": s(N25, 'layout = "wide"', 'layout = "wide', "not valid TOML", "line"),
    "toml_duplicate_key": s(N25, "horizon_h = 168", "horizon_h = 168\nhorizon_h = 24", "not valid TOML", "line"),
    "toml_bare_word": s(N25, "battery = true", "battery = yes", "not valid TOML", "line"),
    "not_utf8": S(N25, (), ("not UTF-8", "line 7"), raw=b"# a comment\n" * 6 + "x = '\xe9'\n".encode("latin-1")),  # fmt: skip
    "binary_garbage": S(N25, (), ("not UTF-8", "line 1"), raw=bytes(range(128, 256))),
}  # fmt: skip


def write_scenario(work: Path, case: S) -> Path:
    path = work / case.file
    if case.raw is not None:
        path.write_bytes(case.raw)
        return path
    text = shipped_scenario(case.base)
    for old, new in case.edits:
        text = _edit(text, old, new)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(SCENARIO_CASES.values()), ids=list(SCENARIO_CASES))
def test_bad_scenario_raises_input_error(work: Path, case: S) -> None:
    path = write_scenario(work, case)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert type(info.value) is InputError
    assert case.file in msg, msg
    for needle in case.needles:
        assert needle in msg, (needle, msg)
    assert "\n" not in msg


@pytest.mark.parametrize("name", [N25, N20, HIGH, NOSTOR])
def test_unbroken_copies_load(work: Path, name: str) -> None:
    """The corpus starts from valid files: the unedited copy loads."""
    path = work / "good.toml"
    path.write_text(shipped_scenario(name), encoding="utf-8")
    assert load_scenario(path).name in (name, "good")


def test_scenario_with_a_broken_profile_set_names_the_table_file(work: Path) -> None:
    """A check that fires when the profiles are read: the cheapest call that reads them."""
    broken = copy_set(work)
    frame = pd.read_parquet(broken / "load_mw.parquet").drop(columns="south")
    frame.to_parquet(broken / "load_mw.parquet", index=False)
    path = work / "bad.toml"
    path.write_text(
        _edit(
            shipped_scenario(N25), f"{PROFILES.as_posix()}/ningxia_2025_seed1", broken.as_posix()
        ),
        encoding="utf-8",
    )
    sc = load_scenario(path)  # the set's meta.json is fine; its tables are read later
    with pytest.raises(InputError) as info:
        prepare_profiles(sc)
    assert "load_mw.parquet" in str(info.value) and "'south'" in str(info.value)


def test_scenario_with_a_corrupt_meta_json_fails_at_load(work: Path) -> None:
    broken = copy_set(work)
    (broken / "meta.json").write_text('{"year": 2025,', encoding="utf-8")
    path = work / "bad.toml"
    path.write_text(
        _edit(
            shipped_scenario(N25), f"{PROFILES.as_posix()}/ningxia_2025_seed1", broken.as_posix()
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "bad.toml" in msg and "profiles.dir" in msg and "meta.json" in msg and "line 1" in msg


# ---------------------------------------------------------------------- sweeps
def sweep_text() -> str:
    return SWEEP.read_text(encoding="utf-8")


SWEEP_CASES: dict[str, tuple[Callable[[str], str | bytes], tuple[str, ...]]] = {
    "name_parent_dir": (lambda t: _edit(t, 'name = "storage_dr"', 'name = "../evil"'), ("sweep.name", "'../evil'")),
    "name_absolute": (lambda t: _edit(t, 'name = "storage_dr"', 'name = "/evil"'), ("sweep.name", "'/evil'")),
    "name_from_file_name": (lambda t: _edit(t, 'name = "storage_dr"\n', ""), ("sweep.name", "'bad sweep'")),
    "case_id_parent_dir": (lambda t: t + '\n[[sweep.cases]]\nid = "../../x"\nchanges = { "storage.battery" = false }\n', ("sweep.cases[0].id", "'../../x'")),  # fmt: skip
    "case_id_too_long": (lambda t: t + f'\n[[sweep.cases]]\nid = "{"c" * 81}"\n', ("sweep.cases[0].id", "c" * 81)),
    "grid_inf": (lambda t: _edit(t, "[1.0, 2.0, 4.0]", "[1.0, inf]"), ("sweep.grid.storage.battery_scale", "inf")),
    "grid_nan": (lambda t: _edit(t, "[0.02, 0.06]", "[0.02, nan]"), ("sweep.grid.demand_response.shiftable_share", "nan")),
    "grid_negative": (lambda t: _edit(t, "[1.0, 1.5]", "[1.0, -1.5]"), ("sweep.grid.network.overrides.scale.solar", "-1.5")),
    "grid_unknown_field": (lambda t: _edit(t, '"storage.battery_scale"', '"storage.battery_scal"'), ("storage.battery_scal", "not a known field")),
    "grid_empty_list": (lambda t: _edit(t, "[1.0, 2.0, 4.0]", "[]"), ("sweep.grid.storage.battery_scale", "non-empty list")),
    "grid_start_outside_year": (lambda t: t + '\n[sweep.set]\n"study.whole_year" = false\n"study.start" = "2030-01-01"\n"study.end" = "2030-01-08"\n', ("study.start", "2030-01-01")),  # fmt: skip
    "set_scenario_name": (lambda t: t + '\n[sweep.set]\n"scenario.name" = "../x"\n', ("sweep.set.scenario.name", "'../x'")),
    "base_missing": (lambda t: _edit(t, 'base = "ningxia_2025"', 'base = "ningxia_2099"'), ("sweep.base", "ningxia_2099")),
    "out_empty": (lambda t: _edit(t, 'out = "results/sweeps/storage_dr"', 'out = ""'), ("sweep.out", "''")),
    "unknown_key": (lambda t: _edit(t, "[sweep.grid]", 'workers = 4\n[sweep.grid]'), ("sweep.workers", "not a known field")),
    "toml_syntax": (lambda t: _edit(t, "[sweep.grid]", "[sweep.grid"), ("not valid TOML", "line")),
    "not_utf8": (lambda t: _edit(t, "battery size x", "battery size \xd7").encode("cp1252"), ("not UTF-8", "line")),
}  # fmt: skip


@pytest.mark.parametrize("key", list(SWEEP_CASES))
def test_bad_sweep_raises_input_error(work: Path, key: str) -> None:
    make, needles = SWEEP_CASES[key]
    out = make(sweep_text())
    path = work / ("bad sweep.toml" if key == "name_from_file_name" else "bad.toml")
    if isinstance(out, bytes):
        path.write_bytes(out)
    else:
        path.write_text(out, encoding="utf-8")
    with pytest.raises(InputError) as info:
        check_sweep(load_sweep(path))  # what `gridsim sweep --list` does: no case runs
    msg = str(info.value)
    assert type(info.value) is InputError
    assert path.name in msg, msg
    for needle in needles:
        assert needle in msg, (needle, msg)


def test_unbroken_sweep_copy_loads(work: Path) -> None:
    path = work / "good.toml"
    path.write_text(sweep_text(), encoding="utf-8")
    assert len(check_sweep(load_sweep(path))) == 12


# ---------------------------------------------------------------- profile sets
def copy_set(work: Path, name: str = "set") -> Path:
    out = work / name
    shutil.copytree(SET_2025, out)
    return out


def _rewrite(kind: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        frame = pd.read_parquet(d / f"{kind}.parquet")
        change(frame).to_parquet(d / f"{kind}.parquet", index=False)

    return apply


def _set_value(kind: str, row: int, col: str, value: object) -> Callable[[Path], None]:
    def change(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[row, col] = value
        return f

    return _rewrite(kind, change)


def _meta(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
        (d / "meta.json").write_text(json.dumps(change(meta)), encoding="utf-8")

    return apply


def _write(name: str, blob: bytes) -> Callable[[Path], None]:
    return lambda d: (d / name).write_bytes(blob)


def _truncate(name: str, keep: float) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        blob = (d / name).read_bytes()
        (d / name).write_bytes(blob[: int(len(blob) * keep)])

    return apply


def _updated(meta: dict, **kv: object) -> dict:
    return {**meta, **kv}


PROFILE_CASES: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "load_without_south": (_rewrite("load_mw", lambda f: f.drop(columns="south")), ("load_mw.parquet", "load_mw 'south'", "missing")),
    "wind_without_north": (_rewrite("wind_cf", lambda f: f.drop(columns="north")), ("wind_cf.parquet", "wind_cf 'north'", "missing")),
    "heating_without_east": (_rewrite("heating", lambda f: f.drop(columns="east")), ("heating.parquet", "heating 'east'")),
    "export_without_link": (_rewrite("export_pu", lambda f: f.drop(columns="ningxiang")), ("export_pu.parquet", "export_pu 'ningxiang'", "missing")),
    "solar_extra_zone": (_rewrite("solar_cf", lambda f: f.assign(west=0.1)), ("solar_cf.parquet", "solar_cf 'west'", "not a zone")),
    "wind_short": (_rewrite("wind_cf", lambda f: f.iloc[:-24]), ("wind_cf.parquet", "8760", "8736")),
    "load_short": (_rewrite("load_mw", lambda f: f.iloc[:-1]), ("load_mw.parquet", "load_mw", "8759")),
    "export_long": (_rewrite("export_pu", lambda f: pd.concat([f, f.iloc[-1:]])), ("export_pu.parquet", "8761")),
    "heating_hour_twice": (_rewrite("heating", lambda f: pd.concat([f.iloc[:5], f.iloc[4:-1]])), ("heating.parquet", "row 6", "2025-01-01 04:00")),
    "solar_no_snapshot": (_rewrite("solar_cf", lambda f: f.drop(columns="snapshot")), ("solar_cf.parquet", "snapshot", "missing")),
    "wind_snapshot_text": (_rewrite("wind_cf", lambda f: f.assign(snapshot=f.snapshot.astype(str))), ("wind_cf.parquet", "snapshot", "date-times")),
    "load_nan": (_set_value("load_mw", 100, "central", np.nan), ("load_mw.parquet", "load_mw 'central'", "2025-01-05 04:00", "NaN")),
    "wind_inf": (_set_value("wind_cf", 7, "east", np.inf), ("wind_cf.parquet", "wind_cf 'east'", "2025-01-01 07:00", "inf")),
    "load_negative": (_set_value("load_mw", 30, "north", -5.0), ("load_mw.parquet", "load_mw 'north'", "2025-01-02 06:00", "-5.0")),
    "solar_above_1": (_set_value("solar_cf", 4000, "south", 1.5), ("solar_cf.parquet", "solar_cf 'south'", "<= 1", "1.5")),
    "export_negative": (_set_value("export_pu", 0, "yindong", -0.5), ("export_pu.parquet", "export_pu 'yindong'", "-0.5")),
    "load_text": (_rewrite("load_mw", lambda f: f.assign(east=f.east.astype(str))), ("load_mw.parquet", "load_mw 'east'", "numbers")),
    "heating_numbers": (_rewrite("heating", lambda f: f.astype({"north": float})), ("heating.parquet", "heating 'north'", "boolean")),
    "value_changed_after_hashing": (_set_value("load_mw", 0, "north", 1.0), ("load_mw.parquet", "hash recorded in meta.json")),
    "parquet_garbage": (_write("heating.parquet", b"not parquet at all"), ("heating.parquet", "not a readable Parquet file")),
    "parquet_truncated": (_truncate("solar_cf.parquet", 0.5), ("solar_cf.parquet", "not a readable Parquet file")),
    "parquet_empty": (_write("wind_cf.parquet", b""), ("wind_cf.parquet", "not a readable Parquet file")),
    "parquet_missing": (lambda d: (d / "export_pu.parquet").unlink(), ("export_pu.parquet", "missing")),
    "meta_truncated": (_truncate("meta.json", 0.5), ("meta.json", "not valid JSON", "line")),
    "meta_not_utf8": (_write("meta.json", '{"load_source": "Ningxia \u5b81\u590f"}'.encode("gb18030")), ("meta.json", "not UTF-8")),
    "meta_a_list": (_write("meta.json", b"[1, 2, 3]"), ("meta.json", "JSON object", "list")),
    "meta_year_text": (_meta(lambda m: _updated(m, year="2025")), ("meta.json", "year", "'2025'")),
    "meta_zones_not_list": (_meta(lambda m: _updated(m, zones="north")), ("meta.json", "zones", "str")),
    "meta_zone_without_name": (_meta(lambda m: _updated(m, zones=[{"lat_deg": 38.7}])), ("meta.json", "zones[0].name", "must be a name")),
    "meta_hashes_not_object": (_meta(lambda m: _updated(m, hashes=["x"])), ("meta.json", "hashes", "['x']")),
    "meta_5000_digit_year": (lambda d: (d / "meta.json").write_text(_edit((SET_2025 / "meta.json").read_text(encoding="utf-8"), '"year": 2025', '"year": ' + "9" * 5000)), ("meta.json", "not valid JSON", "too long")),
    "meta_missing": (lambda d: (d / "meta.json").unlink(), ("meta.json", "missing")),
    "meta_names_a_fifth_zone": (_meta(lambda m: _updated(m, zones=[*m["zones"], {"name": "west"}])), ("wind_cf.parquet", "wind_cf 'west'", "meta.json")),
}  # fmt: skip


@pytest.mark.parametrize("key", list(PROFILE_CASES))
def test_bad_profile_set_raises_input_error(work: Path, key: str) -> None:
    broken, needles = PROFILE_CASES[key]
    d = copy_set(work)
    broken(d)
    with pytest.raises(InputError) as info:
        ProfileSet.from_dir(d)
    msg = str(info.value)
    assert type(info.value) is InputError
    for needle in needles:
        assert needle in msg, (needle, msg)
    assert "\n" not in msg


def test_unbroken_profile_set_copy_loads(work: Path) -> None:
    d = copy_set(work)
    _rewrite("load_mw", lambda f: f)(d)  # rewriting unchanged values keeps the hashes
    assert ProfileSet.from_dir(d).load_mw.shape == (8760, 4)


# ------------------------------------------------------------ users' own files
def _user_csv(path: Path, columns: list[str], encoding: str = "utf-8") -> None:
    snaps = snapshots(2025)
    frame = pd.DataFrame({c: np.full(len(snaps), 0.5) for c in columns})
    frame.insert(0, "timestamp", snaps.tz_localize(None).strftime("%Y-%m-%d %H:%M"))
    path.write_bytes(frame.to_csv(index=False).encode(encoding))


READER_CASES: dict[str, tuple[str, Callable[[Path], Path], tuple[str, ...]]] = {
    "csv_without_south": ("wind_cf", lambda w: _csv(w, ["north", "east", "central"]), ("wind_cf 'south'", "missing")),
    "csv_gbk_header": ("load_mw", lambda w: _csv(w, ["north", "east", "central", "south", "\u5b81\u590f"], "gb18030"), ("not UTF-8", "line 1")),  # fmt: skip
    "csv_empty": ("load_mw", lambda w: _raw(w, "empty.csv", b""), ("empty.csv", "empty")),
    "csv_export_without_ningxiang": ("export_pu", lambda w: _csv(w, ["yindong", "lingshao", "zhaoyi"]), ("export_pu 'ningxiang'", "2025")),  # fmt: skip
    "parquet_garbage": ("load_mw", lambda w: _raw(w, "load.parquet", b"PAR1garbagePAR1"), ("load.parquet", "not a readable Parquet file")),  # fmt: skip
}  # fmt: skip


def _csv(work: Path, columns: list[str], encoding: str = "utf-8") -> Path:
    path = work / "user.csv"
    _user_csv(path, columns, encoding)
    return path


def _raw(work: Path, name: str, blob: bytes) -> Path:
    path = work / name
    path.write_bytes(blob)
    return path


@pytest.mark.parametrize("key", list(READER_CASES))
def test_bad_user_profile_raises_input_error(work: Path, key: str) -> None:
    kind, make, needles = READER_CASES[key]
    path = make(work)
    with pytest.raises(InputError) as info:
        read_profile(path, kind)
    msg = str(info.value)
    assert type(info.value) is InputError and path.name in msg
    for needle in needles:
        assert needle in msg, (needle, msg)


def test_unbroken_user_csv_loads(work: Path) -> None:
    assert read_profile(_csv(work, ["north", "east", "central", "south"]), "wind_cf").shape == (8760, 4)  # fmt: skip


# ------------------------------------------------------------------------- CLI
CLI_RUN = ["voll_inf", "name_parent_dir", "toml_unclosed_string", "not_utf8", "start_before_profile_year"]  # fmt: skip
CLI_SWEEP = ["grid_inf", "case_id_parent_dir", "toml_syntax", "not_utf8"]


@pytest.mark.parametrize("key", CLI_RUN)
def test_cli_run_bad_scenario_exits_2_with_one_line(work: Path, key: str, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    path = write_scenario(work, SCENARIO_CASES[key])
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gridsim: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and path.name in err


@pytest.mark.parametrize("key", CLI_SWEEP)
def test_cli_sweep_list_bad_sweep_exits_2_with_one_line(work: Path, key: str, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    make, _ = SWEEP_CASES[key]
    out = make(sweep_text())
    path = work / "bad.toml"
    if isinstance(out, bytes):
        path.write_bytes(out)
    else:
        path.write_text(out, encoding="utf-8")
    assert main(["sweep", str(path), "--list"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("gridsim: error: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err and "bad.toml" in captured.err
    assert captured.out == ""  # no case listed
