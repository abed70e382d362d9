"""The one field type (gridsim.fields.Field) and the constants declared once: the network
schema, the scenario schema and the dispatch problem's arrays all use it, with one
vocabulary of checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gridsim.dispatch import problem
from gridsim.dispatch.build_options import DR_CURTAILABLE_COST_PER_MWH, BuildOptions
from gridsim.dispatch.rolling import DispatchOptions
from gridsim.fields import CHECKS, REQUIRED, Field, breaks
from gridsim.network import schema as network_schema
from gridsim.scenario import PATTERNS, SCHEMA

EMPTY = problem.DispatchProblem.make(np.zeros(1, dtype=np.int64), ["n"], 1.0)
GROUPS = [problem.Group, *(type(g) for g in EMPTY.groups().values())]


def test_network_columns_scenario_fields_and_problem_arrays_are_fields() -> None:
    for cols in network_schema.TABLES.values():
        assert all(isinstance(c, Field) and c.name for c in cols)
        assert all(c.kind in ("float", "int", "bool", "str") and not c.shape for c in cols)
    for fields in SCHEMA.values():
        assert all(isinstance(f, Field) and not f.shape for f in fields.values())
    for pats in PATTERNS.values():
        assert all(isinstance(f, Field) and f.name for _, f in pats)
    for group in GROUPS:
        for f in dataclasses.fields(group):
            fld = problem.array_field(f)
            assert fld.shape in ("n", "tn", "n_str")
            assert (fld.kind == "str") == (fld.shape == "n_str")
            # integer arrays are indices: into the nodes (``*node``), the thermal group (a
            # peak-regulation tier's or a DC support pair's ``unit``), the links (a DC
            # stability rule's ``link``) or the rules (a support pair's ``rule``); all
            # range-checked by DispatchProblem.check
            assert (fld.kind == "int") == (
                f.name.endswith("node") or f.name in ("unit", "link", "rule")
            )


def test_one_vocabulary_of_checks() -> None:
    used = {c.check for cols in network_schema.TABLES.values() for c in cols}
    used |= {f.check for fields in SCHEMA.values() for f in fields.values()}
    assert used <= set(CHECKS)
    with pytest.raises(ValueError, match="unknown field check"):
        Field("float", 0.0, check="positive")
    with pytest.raises(ValueError, match="unknown field kind"):
        Field("double")
    with pytest.raises(ValueError, match="choices"):
        Field("str", "a", check="choice")
    assert Field("int", REQUIRED).required and not Field("int", 0).required


@pytest.mark.parametrize(
    ("check", "bad"),
    [
        ("> 0", [True, True, False]),
        (">= 0", [True, False, False]),
        ("!= 0", [False, True, False]),
        ("0..1", [True, False, True]),
        ("finite", [False, False, False]),
        ("", [False, False, False]),
    ],
)
def test_breaks(check: str, bad: list[bool]) -> None:
    assert breaks(check, [-1.0, 0.0, 2.0]).tolist() == bad


def test_value_of_lost_load_is_one_constant() -> None:
    assert SCHEMA["prices"]["voll_per_mwh"].default == problem.VOLL_PER_MWH == 30_000.0
    assert BuildOptions().voll_per_mwh == problem.VOLL_PER_MWH
    assert EMPTY.nodes.voll_per_mwh.tolist() == [problem.VOLL_PER_MWH]


def test_scenario_defaults_are_the_dispatch_defaults() -> None:
    solve, study = DispatchOptions(), SCHEMA["study"]
    assert study["horizon_h"].default == solve.window_h
    assert study["lookahead_h"].default == solve.lookahead_h
    assert study["commitment"].default == solve.commitment
    assert study["on_failure"].default == solve.on_failure
    assert study["network_model"].choices == problem.NETWORK_MODELS
    dr = SCHEMA["demand_response"]["curtailable_cost"]
    assert dr.default == BuildOptions().dr_curtailable_cost_per_mwh == DR_CURTAILABLE_COST_PER_MWH
    eff = {c.name: c.default for c in network_schema.columns("storage")}
    storage = problem.Storage.make(1, ["s"], p_max_mw=1.0, e_max_mwh=1.0)
    assert eff["eff_charge"] == eff["eff_discharge"] == storage.eff_charge[0]
