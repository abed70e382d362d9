"""The data model: schema defaults, validation errors, native format round trip."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import three_bus
from gridsim.errors import InputError
from gridsim.network import Network, load_network, save_network, schema


def test_schema_drives_defaults() -> None:
    net = three_bus()
    for table, cols in schema.TABLES.items():
        assert list(net.table(table).columns) == [c.name for c in cols]
    assert net.line.loc["ab", "parallel"] == 1
    assert net.gen.loc["g_b", "in_service"]
    assert math.isnan(net.bus.loc["a", "geo_lat"])


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (
            lambda n: n.add_line("x", "a", "nowhere", r_ohm_per_km=0.1, x_ohm_per_km=0.3),
            r"line 'x': to_bus refers to an unknown bus, got 'nowhere'",
        ),
        (lambda n: n.add_bus("d", vn_kv=0.0), r"bus 'd': vn_kv must be > 0, got 0.0"),
        (lambda n: n.add_bus("d", vn_kv=-330.0), r"bus 'd': vn_kv must be > 0, got -330.0"),
        (
            lambda n: n.add_line("z", "a", "b", r_ohm_per_km=0.0, x_ohm_per_km=0.0),
            r"line 'z': x_ohm_per_km series impedance must be non-zero",
        ),
        (
            lambda n: n.add_line("neg", "a", "b", r_ohm_per_km=0.01, x_ohm_per_km=-0.27),
            r"line 'neg': x_ohm_per_km must be > 0, got -0.27",
        ),
        (
            lambda n: n.add_load("nan", "c", p_mw=float("nan")),
            r"load 'nan': p_mw must be a number, got nan",
        ),
        (lambda n: n.add_load("load_c", "c", p_mw=1.0), r"load 'load_c': name duplicate name"),
        (
            lambda n: (
                n.add_bus("i1", vn_kv=110.0),
                n.add_bus("i2", vn_kv=110.0),
                n.add_line("i", "i1", "i2", r_ohm_per_km=0.1, x_ohm_per_km=0.4),
            ),
            r"bus 'i1': is in an island of 2 bus\(es\) without a slack generator; a power "
            r"flow needs one per island",
        ),
        (
            lambda n: (
                n.add_bus("lv", vn_kv=110.0),
                n.add_trafo(
                    "t", "a", "lv", sn_mva=100, vn_hv_kv=750.0, vn_lv_kv=110.0, vk_percent=12.0
                ),
            ),
            r"trafo 't': vn_hv_kv does not match its HV bus 'a' at 330 kV, got 750.0",
        ),
    ],
)
def test_bad_input_gets_its_specific_error(mutate, pattern: str) -> None:
    net = three_bus()
    mutate(net)
    with pytest.raises(InputError, match=pattern):
        net.validate()


def test_negative_resistance_and_capacitance_warn_once_naming_the_branches() -> None:
    """Network equivalents (MATPOWER's PEGASE cases) have negative r and c: accepted, with
    one warning per column that names the branches (at most ten, then a count)."""
    net = three_bus()
    for k in range(12):
        net.add_line(f"eq{k}", "a", "b", r_ohm_per_km=-0.01, x_ohm_per_km=0.3)
    net.add_line("negc", "b", "c", r_ohm_per_km=0.01, x_ohm_per_km=0.3, c_nf_per_km=-5.0)
    net.add_bus("d", vn_kv=110.0)
    net.add_trafo(
        "t", "c", "d", sn_mva=100, vn_hv_kv=330, vn_lv_kv=110, vk_percent=12, vkr_percent=-0.2
    )
    with pytest.warns(UserWarning) as record:
        net.validate()
    messages = [str(w.message) for w in record]
    assert len(messages) == 3, messages
    r_msg = next(m for m in messages if "r_ohm_per_km" in m)
    assert r_msg.startswith("12 line(s)") and "'eq0'" in r_msg and "'eq9'" in r_msg
    assert "'eq10'" not in r_msg and "and 2 more" in r_msg
    assert any("c_nf_per_km" in m and "'negc'" in m for m in messages)
    assert any("vkr_percent" in m and "'t'" in m for m in messages)


def test_unknown_and_missing_fields_are_named() -> None:
    net = Network()
    with pytest.raises(InputError, match=r"bus 'a': vn_k is not a column"):
        net.add_bus("a", vn_kv=1.0, vn_k=3)
    with pytest.raises(InputError, match=r"line 'l': x_ohm_per_km is required"):
        net.add("line", "l", from_bus="a", to_bus="b", r_ohm_per_km=0.1)
    with pytest.raises(InputError, match=r"line 'l': parallel must be int, got 'two'"):
        net.add_line("l", "a", "a", r_ohm_per_km=0.1, x_ohm_per_km=0.2, parallel="two")
        net.validate()


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_native_format_round_trips_losslessly(tmp_path, suffix: str) -> None:
    net = three_bus()
    net.add_bus("d", vn_kv=110.0, geo_lat=38.1234567890123, geo_lon=106.1)
    net.add_trafo(
        "t",
        "c",
        "d",
        sn_mva=240.0,
        vn_hv_kv=330.0,
        vn_lv_kv=110.0,
        vk_percent=13.0,
        vkr_percent=0.31,
        tap_pos=2.0,
        tap_step_percent=1.25,
        shift_degree=30.0,
    )
    net.add_shunt("sh", "d", q_mvar=-30.0)
    net.add_storage("bat", "d", max_p_mw=50.0, max_e_mwh=100.0)
    net.add_dcline("dc", "a", "d", p_mw=0.1 + 0.2, loss_percent=1.5, max_p_mw=1e3)
    net.meta = {"source": "test", "sections": {"x": {"limit_mw": 7000}}}
    path = tmp_path / f"net{suffix}"
    save_network(net, path)
    back = load_network(path)
    assert back.meta == net.meta and back.sn_mva == net.sn_mva
    for table, df in net.tables().items():
        other = back.table(table)
        pd.testing.assert_frame_equal(df, other, check_exact=True, check_index_type=False)


def test_errors_name_the_file(tmp_path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[network]\nname = "x"\n[[bus]]\nname = "a"\nvn_kv = 330.0\n'
        '[[line]]\nname = "helanshan-shahu"\nfrom_bus = "a"\nto_bus = "a"\n'
        "r_ohm_per_km = 0.01\nx_ohm_per_km = -0.27\n"
    )
    net = load_network(path)
    with pytest.raises(
        InputError, match=rf"{path}: line 'helanshan-shahu': x_ohm_per_km must be > 0, got -0.27"
    ):
        net.validate()
    path.write_text("[network\n")
    with pytest.raises(InputError, match=rf"{path}: is not valid TOML"):
        load_network(path)
    with pytest.raises(InputError, match="no such file or shipped network"):
        load_network(tmp_path / "missing.toml")


def test_series_capacitor_may_have_negative_reactance() -> None:
    net = three_bus()
    net.add_line("sc", "a", "b", r_ohm_per_km=0.0, x_ohm_per_km=-0.05, kind="series_capacitor")
    net.validate()
    assert np.isclose(net.line.loc["sc", "x_ohm_per_km"], -0.05)


def _one_of_each() -> Network:
    """three_bus plus one element of every other table, so every column is checked."""
    net = three_bus()
    net.add_bus("d", vn_kv=110.0)
    net.add_trafo("t", "c", "d", sn_mva=240.0, vn_hv_kv=330.0, vn_lv_kv=110.0, vk_percent=13.0)
    net.add_shunt("sh", "d", q_mvar=-30.0)
    net.add_storage("bat", "d", max_p_mw=50.0, max_e_mwh=100.0)
    net.add_dcline("dc", "a", "d", p_mw=10.0)
    return net


_RULE_CASES = [
    (table, col.name, value, problem)
    for table, cols in schema.TABLES.items()
    for col in cols
    if col.kind in ("float", "int") and col.check
    for value, problem in [
        (float("nan"), "must be a number"),
        (float("inf"), "must be finite"),
        (-float("inf"), "must be finite"),
        *{
            "> 0": [(0.0, "must be > 0"), (-1.0, "must be > 0")],
            ">= 0": [(-1.0, "must be >= 0")],
            "!= 0": [(0.0, "must not be 0")],
            "finite": [],
        }[col.check],
    ]
]


@pytest.mark.parametrize(("table", "field", "value", "problem"), _RULE_CASES)
def test_every_schema_rule_names_the_last_element(table, field, value, problem) -> None:
    """The rule of each checked column (its Field.check) holds for every element: a bad
    value in the last row of a table is found and named."""
    net = _one_of_each()
    df = net.table(table).copy()
    last = f"{table}_last"
    df.loc[last] = df.iloc[-1]
    values = df[field].to_numpy(float).copy()
    values[-1] = value
    df[field] = values
    if table == "bus":  # keep the new bus connected to a slack
        net.add_line("to_last", "a", last, r_ohm_per_km=0.01, x_ohm_per_km=0.1)
    setattr(net, table, df)
    with pytest.raises(InputError, match=rf"{table} '{last}': {field} {problem}, got "):
        net.validate()


def test_bus_positions_are_the_positions_of_the_named_buses() -> None:
    from gridsim.network.validation import bus_islands, bus_positions, validated_bus_positions

    net = _one_of_each()
    where = {name: i for i, name in enumerate(net.bus.index)}
    positions = validated_bus_positions(net)
    for table, fields in schema.BUS_REF_FIELDS.items():
        for f in fields:
            want = [where[b] for b in net.table(table)[f]]
            assert positions[(table, f)].tolist() == want
            assert bus_positions(net)[(table, f)].tolist() == want
    n, labels = bus_islands(net)
    n2, labels2 = bus_islands(net, positions)
    assert n == n2 == 1 and np.array_equal(labels, labels2)


def test_a_dispatch_network_needs_no_slack() -> None:
    """Without a slack the power-flow check names the island once (no "island island"),
    and ``require_slack=False`` accepts the network for the dispatch."""
    net = Network("dispatch-only")
    net.add_bus("a", vn_kv=330.0)
    net.add_bus("b", vn_kv=330.0)
    net.add_line("ab", "a", "b", r_ohm_per_km=0.04, x_ohm_per_km=0.32, max_s_mva=500.0)
    net.add_gen("g", "a", max_p_mw=100.0)
    net.add_load("l", "b", p_mw=50.0)
    with pytest.raises(InputError) as info:
        net.validate()
    msg = str(info.value)
    assert msg.startswith("bus 'a': is in an island of 2 bus(es) without a slack generator")
    assert "island island" not in msg and "require_slack=False" in msg
    net.validate(require_slack=False)
    from gridsim.studies import run_pf

    with pytest.raises(InputError, match=r"bus 'a': is in an island .* a power flow needs one"):
        run_pf(net)  # the power flow still needs its slack
    net.add_gen("g2", "b", role="storage")  # still every other check
    with pytest.raises(InputError, match=r"gen 'g2': role must be one of '', 'thermal'"):
        net.validate(require_slack=False)


def test_line_rating_in_mva_or_ka_is_one_column() -> None:
    """``max_s_mva`` is stored as the current at the from bus's voltage; the dispatch's
    rating (sqrt(3) vn I) gives the MVA back, and both ways give the same line."""
    from gridsim.dispatch.build_grid import _rating_mw

    net = three_bus()
    net.add_line("s", "a", "b", r_ohm_per_km=0.04, x_ohm_per_km=0.32, max_s_mva=800.0)
    ka = 800.0 / (np.sqrt(3.0) * 330.0)
    net.add_line("i", "a", "b", r_ohm_per_km=0.04, x_ohm_per_km=0.32, max_i_ka=ka)
    assert "max_s_mva" not in net.line.columns
    assert net.line.at["s", "max_i_ka"] == pytest.approx(ka, rel=1e-15)
    rating = _rating_mw(net, "line", net.line.loc[["s", "i", "ab"]])
    np.testing.assert_allclose(rating[:2], [800.0, 800.0], rtol=1e-14)
    assert rating[2] == pytest.approx(np.sqrt(3.0) * 330.0 * 1.7)
    net.add_line_pu("pu", "a", "b", r_pu=0.001, x_pu=0.01, rate_mva=800.0)
    assert net.line.at["pu", "max_i_ka"] == net.line.at["s", "max_i_ka"]
    with pytest.raises(InputError, match=r"line 'twice': max_s_mva give the rating once"):
        net.add_line("twice", "a", "b", r_ohm_per_km=0.1, x_ohm_per_km=0.3, max_s_mva=1.0, max_i_ka=1.0)  # fmt: skip
    with pytest.raises(InputError, match=r"line 'far': from_bus must be an existing bus"):
        net.add_line("far", "nowhere", "b", r_ohm_per_km=0.1, x_ohm_per_km=0.3, max_s_mva=1.0)


def test_generator_role_defaults_to_empty_and_round_trips(tmp_path) -> None:
    net = three_bus()
    assert (net.gen.role == "").all()
    net.add_gen("shed_c", "c", fuel="shed", role="shedding", max_p_mw=100.0)
    net.validate()
    path = tmp_path / "roles.toml"
    save_network(net, path)
    back = load_network(path)
    assert back.gen.at["shed_c", "role"] == "shedding" and back.gen.at["g_b", "role"] == ""
