"""Scenario files: shipped scenarios, validation errors (file, path, value), inheritance,
overrides of the network."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from gridsim.errors import InputError
from gridsim.scenario import (
    PATTERNS,
    SCENARIOS_DIR,
    SCHEMA,
    SPECS,
    Scenario,
    load_scenario,
    schema_markdown,
)
from gridsim.studies.balance import prepare_network

SHIPPED = [
    "ningxia_2020",
    "ningxia_2025",
    "ningxia_2025_high_demand",
    "ningxia_2025_pumped_hydro",
    "ningxia_2025_no_new_storage",
    "ningxia_2025_week",
]


@pytest.fixture()
def scen_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``<tmp>/scenarios/`` with the working directory at ``<tmp>`` (messages say scenarios/x.toml)."""
    d = tmp_path / "scenarios"
    d.mkdir()
    monkeypatch.chdir(tmp_path)
    return d


def write(d: Path, name: str, text: str) -> Path:
    p = d / f"{name}.toml"
    p.write_text(text)
    return p


BASE = f'base = "{SCENARIOS_DIR / "ningxia_2025.toml"}"\n'


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_load(name: str) -> None:
    sc = load_scenario(name)
    assert sc.name == name
    assert sc.path == SCENARIOS_DIR / f"{name}.toml"
    assert len(sc.sha256()) == 64


def test_inheritance_keeps_variants_short() -> None:
    base, high = load_scenario("ningxia_2025"), load_scenario("ningxia_2025_high_demand")
    assert [p.name for p in high.files] == [
        "ningxia_rules.toml",
        "ningxia_2025.toml",
        "ningxia_2025_high_demand.toml",
    ]
    assert high.profiles.dir is None and high.profiles.generate is not None
    assert high.profiles.generate["demand_twh"] == 144.0 and high.profiles.generate["year"] == 2025
    assert high.exports == base.exports and high.study == base.study
    assert high.network.overrides == base.network.overrides
    assert high.description != base.description
    ph = load_scenario("ningxia_2025_pumped_hydro")
    assert ph.storage.pumped_hydro is True and base.storage.pumped_hydro is False
    assert ph.sha256() != base.sha256()
    nn = load_scenario("ningxia_2025_no_new_storage")
    assert nn.storage.battery is False


def test_error_names_file_field_and_value(scen_dir: Path) -> None:
    write(scen_dir, "x", BASE + "[study]\nhorizon_h = -3\n")
    with pytest.raises(InputError) as e:
        load_scenario("scenarios/x.toml")
    assert str(e.value) == "scenarios/x.toml: study.horizon_h must be > 0, got -3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[study]\nhorizon = 5\n", "study.horizon is not a known field (known in [study]: horizon_h"),
        ("[studies]\nx = 1\n", "studies is not a known table"),
        ('[storage]\nbattery_mw = "big"\n', "storage.battery_mw must be a number, got 'big'"),
        ("[storage]\nbattery_mw = true\n", "storage.battery_mw must be a number, got True"),
        ("[storage]\nbattery = 1\n", "storage.battery must be true or false, got 1"),
        ('[study]\nnetwork_model = "dc"\n', "study.network_model must be one of copperplate, transport, ptdf, got 'dc'"),
        ("[study]\nloss_factor = 1.5\n", "study.loss_factor must be within 0..1, got 1.5"),
        ("[exports]\nningxiang_min_twh = -1\n", "exports.ningxiang_min_twh must be >= 0, got -1"),
        ("[exports.schedule_scale]\nlingshao = -0.5\n", "exports.schedule_scale.lingshao must be >= 0, got -0.5"),
        ("[network.overrides]\nwind_mw = { central = -6 }\n", "network.overrides.wind_mw.central must be >= 0, got -6"),
        ("[network.overrides]\nwind_mw = 6000\n", "network.overrides.wind_mw must be a table such as {key = value}, got 6000"),
        ('[network.overrides]\ncommission_date = { coal_east_1 = "soon" }\n', "network.overrides.commission_date.coal_east_1 must be an ISO date"),
        ('[study]\nstart = "2025-03-01"\n', "study.start needs whole_year = false (a sub-period), got '2025-03-01'"),
        ('[study]\nwhole_year = false\nstart = "2025-03-01"\n', "study.end must be given when study.whole_year = false"),
        ('[study]\nwhole_year = false\nstart = "2025-03-05"\nend = "2025-03-01"\n', "study.end must be after study.start (2025-03-05), got '2025-03-01'"),
        ('[output]\nwhat = ["thermal", "weather"]\n', "output.what has unknown groups"),
        ('[profiles.generate]\nseed = 3\n', "profiles.generate.year must be given"),
        ('[profiles]\ndir = "nowhere"\n', "profiles.dir is not a profile set directory (no meta.json), got 'nowhere'"),
        ('[network]\nfile = "grid.toml"\n', None),  # network.file replaces the base's name
    ],
)  # fmt: skip
def test_validation_errors(scen_dir: Path, text: str, message: str | None) -> None:
    write(scen_dir, "x", BASE + text)
    (scen_dir / "grid.toml").write_text("")  # network.file must exist (it is read later)
    if message is None:
        assert load_scenario("scenarios/x.toml").network.name is None
        return
    with pytest.raises(InputError) as e:
        load_scenario("scenarios/x.toml")
    assert str(e.value).startswith("scenarios/x.toml: ")
    assert message in str(e.value)


def test_inherited_bad_value_names_the_base_file(scen_dir: Path) -> None:
    write(scen_dir, "mid", BASE + "[demand_response]\ncurtailable_share = 2.0\n")
    write(scen_dir, "leaf", 'base = "mid"\n[scenario]\ndescription = "leaf"\n')
    with pytest.raises(InputError, match=r"^scenarios/mid.toml: demand_response.curtailable_share"):
        load_scenario("scenarios/leaf.toml")
    # the leaf fixes it: the leaf's value wins
    write(scen_dir, "leaf", 'base = "mid"\n[demand_response]\ncurtailable_share = 0.02\n')
    sc = load_scenario("scenarios/leaf.toml")
    assert sc.demand_response.curtailable_share == 0.02
    assert sc.origin["demand_response.curtailable_share"] == "scenarios/leaf.toml"
    assert sc.name == "leaf"  # not named after its base


def test_inheritance_cycle_and_missing_base(scen_dir: Path) -> None:
    write(scen_dir, "a", 'base = "b"\n')
    write(scen_dir, "b", 'base = "a"\n')
    with pytest.raises(InputError, match="inherits from itself"):
        load_scenario("scenarios/a.toml")
    write(scen_dir, "c", 'base = "no_such_scenario"\n')
    with pytest.raises(InputError, match=r"scenarios/c.toml: base is no such file"):
        load_scenario("scenarios/c.toml")


def test_missing_network_and_profiles(scen_dir: Path) -> None:
    write(scen_dir, "n", "[profiles.generate]\nyear = 2025\n")
    with pytest.raises(InputError, match="needs exactly one of network.name and network.file"):
        load_scenario("scenarios/n.toml")
    write(scen_dir, "p", '[network]\nname = "ningxia_2025"\n')
    with pytest.raises(InputError, match=r"needs exactly one of profiles.dir"):
        load_scenario("scenarios/p.toml")
    with pytest.raises(InputError, match="no such file or shipped scenario"):
        load_scenario("nothing_like_this")


def test_unknown_pattern_key_lists_known_fields(scen_dir: Path) -> None:
    write(scen_dir, "x", BASE + "[exports]\nningxiang_twh = 3\n")
    with pytest.raises(
        InputError, match=r"exports.ningxiang_twh is not a known field .*<link>_min_twh"
    ):
        load_scenario("scenarios/x.toml")


# ----------------------------------------------------------------- overrides
def _fuel_zone(net, fuel: str, zone: str | None = None) -> float:  # type: ignore[no-untyped-def]
    g = net.gen[net.gen.in_service & (net.gen.fuel == fuel)]
    if zone is not None:
        g = g[g.zone == zone]
    return float(g.max_p_mw.sum())


def test_overrides_change_capacities_as_asked(scen_dir: Path) -> None:
    ref = prepare_network(load_scenario("ningxia_2025"))
    write(
        scen_dir,
        "ov",
        BASE
        + "[network.overrides]\nwind_mw = { central = 6000, south = 1500 }\nsolar_mw = { all = 40000 }\n"
        + "scale = { coal = 0.5 }\nmin_load_share = { coal = 0.25 }\nchp_min_share = 0.7\n"
        + "[storage]\npumped_hydro = true\nbattery_mw = 6000\nbattery_mwh = 18000\n"
        + "[prices]\ncoal_cny_per_tce = 1000\n",
    )
    net = prepare_network(load_scenario("scenarios/ov.toml"))
    assert _fuel_zone(net, "wind", "central") == pytest.approx(6000.0)
    assert _fuel_zone(net, "wind", "south") == pytest.approx(1500.0)
    assert _fuel_zone(net, "wind", "east") == _fuel_zone(ref, "wind", "east")
    # units of a zone keep their proportions
    c_ref = ref.gen[(ref.gen.fuel == "wind") & (ref.gen.zone == "central")].max_p_mw
    c_new = net.gen.max_p_mw[c_ref.index]
    assert (c_new / c_ref).round(9).nunique() == 1
    assert _fuel_zone(net, "solar") == pytest.approx(40000.0)
    assert _fuel_zone(net, "coal") == pytest.approx(0.5 * _fuel_zone(ref, "coal"))
    coal = net.gen[net.gen.fuel == "coal"]
    assert (coal.min_p_mw / coal.max_p_mw).round(9).eq(0.25).all()
    assert coal[coal.chp.astype(bool)].chp_min_share.eq(0.7).all()
    assert coal.cost_per_mwh.equals(coal.coal_gce_per_kwh.astype(float))  # 1000 CNY/tce
    st = net.storage[net.storage.in_service.astype(bool)]
    assert st[st.kind == "pumped_hydro"].max_p_mw.sum() == pytest.approx(3400.0)
    assert st[st.kind == "battery"].max_p_mw.sum() == pytest.approx(6000.0)
    assert st[st.kind == "battery"].max_e_mwh.sum() == pytest.approx(18000.0)


def test_storage_switches() -> None:
    nn = prepare_network(load_scenario("ningxia_2025_no_new_storage"))
    assert not nn.storage.in_service.astype(bool).any()
    base = prepare_network(load_scenario("ningxia_2025"))
    st = base.storage[base.storage.in_service.astype(bool)]
    assert set(st.kind) == {"battery"} and st.max_p_mw.sum() == pytest.approx(5100.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[network.overrides]\nnuclear_mw = { east = 1000 }\n", "network.overrides.nuclear_mw.east names no in-service unit or fuel"),
        ("[network.overrides]\nhydro_mw = { north = 100 }\n", "network.overrides.hydro_mw.north has no hydro capacity in zone 'north'"),
        ('[network.overrides]\nalways_committed = ["coal_mars"]\n', "network.overrides.always_committed names no in-service unit or fuel (fuels: biomass, coal, ext, hydro, solar, wind; close: coal_east_3, coal_east_2, coal_east_1), got 'coal_mars'"),
        ("[network.overrides]\nscale = { gas = 2 }\n", "network.overrides.scale.gas names no"),
        ('[network.overrides]\ncommission_date = { coal_x = "2025-01-01" }\n', "network.overrides.commission_date.coal_x is not a generator, storage unit, DC link, line or trafo of the network, got 'coal_x'"),
        ("[storage]\nbattery = true\nbattery_mw = 10\n[network]\nname = \"ningxia_2020\"\n[dc_stability]\nnear_units = { ningxiang = [] }\n", None),
    ],
)  # fmt: skip
def test_override_errors_name_the_field(scen_dir: Path, text: str, message: str | None) -> None:
    write(scen_dir, "x", BASE + text)
    sc = load_scenario("scenarios/x.toml")
    if message is None:
        net = prepare_network(sc)
        bat = net.storage[(net.storage.kind == "battery") & net.storage.in_service.astype(bool)]
        assert bat.max_p_mw.sum() == pytest.approx(10.0)
        return
    with pytest.raises(InputError) as e:
        prepare_network(sc)
    assert str(e.value).startswith("scenarios/x.toml: " + message)


def test_readme_documents_every_field() -> None:
    readme = (SCENARIOS_DIR / "README.md").read_text()
    for table, fields in SCHEMA.items():
        assert f"`[{table}]`" in readme, table
        for name in fields:
            assert re.search(rf"`{name}`", readme), f"{table}.{name}"
    for pats in PATTERNS.values():
        for _, spec in pats:
            assert spec.doc.split(":")[0] in readme
    assert schema_markdown() in readme  # the reference tables are the generated ones


@pytest.mark.parametrize("table", list(SPECS))
def test_spec_fields_are_the_schema_fields(table: str) -> None:
    """Each table's dataclass has the table's fields in schema order, then its pattern keys
    (named by their Field) and its sub-tables, and no defaults: every default lives in SCHEMA."""
    subtables = [t.rsplit(".", 1)[1] for t in SCHEMA if t.rpartition(".")[0] == table]
    want = [*SCHEMA[table], *(f.name for _, f in PATTERNS.get(table, [])), *subtables]
    fields = dataclasses.fields(SPECS[table])
    assert [f.name for f in fields] == want
    assert all(f.default is dataclasses.MISSING for f in fields)
    assert all(f.default_factory is dataclasses.MISSING for f in fields)


def test_every_schema_table_has_a_spec() -> None:
    """``[scenario]`` is the Scenario itself, ``[profiles.generate]`` stays a dict."""
    assert set(SCHEMA) == {*SPECS, "scenario", "profiles.generate"}
    scenario_fields = {f.name for f in dataclasses.fields(Scenario)}
    assert {t for t in SPECS if "." not in t} <= scenario_fields
    assert {"name", "description", "targets"} <= scenario_fields
