"""Scenario fields that declare a BuildOptions ``option`` set it as they are."""

from __future__ import annotations

import dataclasses

import pytest

from gridsim.dispatch.build import BuildOptions
from gridsim.scenario import SCHEMA, load_scenario
from gridsim.studies.balance import build_options

DECLARED = [(t, k, f.option) for t, fields in SCHEMA.items() for k, f in fields.items() if f.option]


def test_every_declared_option_is_a_build_option() -> None:
    names = {f.name for f in dataclasses.fields(BuildOptions)}
    assert len(DECLARED) >= 17
    assert {o for _, _, o in DECLARED} <= names
    assert len({o for _, _, o in DECLARED}) == len(DECLARED)  # one scenario field per option


@pytest.mark.parametrize("name", ["ningxia_2020", "ningxia_2025", "ningxia_2025_high_demand"])
def test_declared_fields_reach_the_build_options(name: str) -> None:
    sc = load_scenario(name)
    o = build_options(sc, "copperplate", 1.0)
    for table, key, option in DECLARED:
        assert getattr(o, option) == getattr(getattr(sc, table), key), f"{table}.{key}"


def test_a_set_reserve_reaches_the_build_options(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gridsim.scenario import SCENARIOS_DIR

    f = tmp_path / "r.toml"
    f.write_text(f'base = "{SCENARIOS_DIR / "ningxia_2025.toml"}"\n[scenario]\nname = "r"\n[reserves]\nup_mw = 1200.0\nup_load_share = 0.03\n')  # fmt: skip
    o = build_options(load_scenario(f), "copperplate", 1.0)
    assert (o.reserve_up_mw, o.reserve_up_load_share, o.reserve_up_renewable_share) == (1200.0, 0.03, 0.0)  # fmt: skip
