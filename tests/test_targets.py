"""Target sets as data: the shipped plan targets, the loader's errors (file, row, field,
value), the scorecard against a set, and a scenario naming its set."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridsim import kpi
from gridsim.cases import DEFAULT_TARGETS, TARGET_SETS, targets_file
from gridsim.errors import InputError
from gridsim.scenario import SCENARIOS_DIR, load_scenario
from gridsim.targets import Target, load_targets

#: The plan's rows as they were declared in code before they became data.
PLAN_ROWS = [
    ("new-energy utilisation", "renewable_utilisation", ">=", 0.95, "share"),
    (
        "demand-response capability, share of peak load",
        "dr_capacity_share_of_peak",
        ">=",
        0.05,
        "share",
    ),  # fmt: skip
    ("renewable share of consumption", "renewable_share_of_consumption", ">=", 0.30, "share"),
    (
        "non-hydro renewable share of consumption",
        "non_hydro_renewable_share_of_consumption",
        ">=",
        0.28,
        "share",
    ),  # fmt: skip
    ("thermal average coal rate", "coal_rate_gce_per_kwh", "<", 300.0, "gce/kWh"),
    ("DC export capability", "dc_export_capability_mw", ">=", 22_000.0, "MW"),
    ("all demand served (unserved energy)", "unserved_mwh", "<", 1.0, "MWh"),
]

GOOD_ROW = '[[target]]\nlabel = "utilisation"\nkpi = "renewable_utilisation"\nop = ">="\nvalue = 0.9\nunit = "share"\n'  # fmt: skip


def write(tmp_path: Path, text: str, name: str = "t.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_plan_targets_are_the_plan_rows() -> None:
    rows = load_targets(DEFAULT_TARGETS)
    assert [(t.label, t.kpi, t.op, t.value, t.unit) for t in rows] == PLAN_ROWS
    assert rows[-1].value == kpi.UNSERVED_TOLERANCE_MWH  # the supply check's one constant
    assert load_targets(targets_file(DEFAULT_TARGETS)) == rows  # by name or by path
    for name in TARGET_SETS:
        assert load_targets(name)


def test_met_at_the_boundary() -> None:
    assert Target("a", "k", ">=", 0.05).met(0.05 - 1e-12)
    assert not Target("a", "k", ">=", 0.05).met(0.049)
    assert not Target("a", "k", "<", 300.0).met(300.0)
    assert Target("a", "k", "<=", 300.0).met(300.0) and not Target("a", "k", ">", 1.0).met(1.0)
    assert not Target("a", "k", ">=", 0.0).met(float("nan"))


def test_scorecard_takes_a_target_set(tmp_path: Path) -> None:
    kpis = {"renewable_utilisation": 0.93, "coal_rate_gce_per_kwh": 290.0}
    card = kpi.scorecard(kpis)  # the default set
    assert list(card.columns) == ["target", "kpi", "op", "target_value", "value", "unit", "met"]
    assert list(card.kpi) == [r[1] for r in PLAN_ROWS]
    other = write(tmp_path, GOOD_ROW)
    card = kpi.scorecard(kpis, targets=other)
    assert card.to_dict("records") == [
        {"target": "utilisation", "kpi": "renewable_utilisation", "op": ">=",
         "target_value": 0.9, "value": 0.93, "unit": "share", "met": True}
    ]  # fmt: skip
    assert kpi.scorecard(kpis, targets=load_targets(other)).equals(card)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "t.toml: target must hold at least one [[target]] table"),
        ('title = "x"\n' + GOOD_ROW, "t.toml: title is not a known key"),
        (
            GOOD_ROW.replace('op = ">="', 'op = "=>"'),
            "t.toml: target[0].op must be one of >=, >, <=, <, got '=>'",
        ),  # fmt: skip
        (
            GOOD_ROW.replace("value = 0.9", 'value = "high"'),
            "t.toml: target[0].value must be a finite number, got 'high'",
        ),  # fmt: skip
        (
            GOOD_ROW.replace("value = 0.9", "value = nan"),
            "t.toml: target[0].value must be a finite number, got nan",
        ),  # fmt: skip
        (
            GOOD_ROW.replace("value = 0.9", "value = true"),
            "t.toml: target[0].value must be a finite number, got True",
        ),  # fmt: skip
        (
            GOOD_ROW.replace('kpi = "renewable_utilisation"\n', ""),
            "t.toml: target[0].kpi must be given",
        ),  # fmt: skip
        (
            GOOD_ROW.replace('label = "utilisation"', 'label = ""'),
            "t.toml: target[0].label must be a non-empty string, got ''",
        ),  # fmt: skip
        (GOOD_ROW + GOOD_ROW + "year = 2025\n", "t.toml: target[1].year is not a known field"),
        (
            GOOD_ROW.replace('unit = "share"', "unit = 1"),
            "t.toml: target[0].unit must be a string, got 1",
        ),  # fmt: skip
        ("target = 3\n", "t.toml: target must hold at least one [[target]] table"),
        ("[[target\n", "t.toml: is not valid TOML"),
    ],
)
def test_bad_rows_name_file_field_and_value(tmp_path: Path, text: str, message: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(InputError) as e:
        load_targets(p)
    assert str(e.value).startswith(str(p.parent) + "/" + message), str(e.value)


def test_unknown_set_names_the_shipped_ones() -> None:
    with pytest.raises(InputError, match="targets is no such file or shipped target set .*ningxia_14th_plan"):  # fmt: skip
        load_targets("no_such_plan")


def test_scenario_names_its_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_scenario("ningxia_2025").targets == DEFAULT_TARGETS
    monkeypatch.chdir(tmp_path)
    d = tmp_path / "scenarios"
    d.mkdir()
    write(d, GOOD_ROW, "my_plan.toml")
    base = f'base = "{SCENARIOS_DIR / "ningxia_2025.toml"}"\n'
    sc = load_scenario(write(d, base + '[scenario]\ntargets = "my_plan.toml"\n', "x.toml"))
    assert sc.targets == str(d / "my_plan.toml")  # relative to the scenario file
    assert [t.kpi for t in load_targets(sc.targets)] == ["renewable_utilisation"]
    bad = write(d, base + '[scenario]\ntargets = "nope"\n', "y.toml")
    with pytest.raises(InputError) as e:
        load_scenario(bad)
    assert str(e.value).startswith("scenarios/y.toml: scenario.targets is no such file or shipped target set")  # fmt: skip
    write(d, GOOD_ROW.replace('op = ">="', 'op = "=="'), "broken.toml")
    with pytest.raises(InputError, match=r"broken.toml: target\[0\].op must be one of"):
        load_scenario(write(d, base + '[scenario]\ntargets = "broken.toml"\n', "z.toml"))
