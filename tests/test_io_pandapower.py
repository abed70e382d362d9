"""pandapower <-> gridsim conversion, checked against pandapower's own power flow."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

pp = pytest.importorskip("pandapower")
from conftest import fresh_pandapower_case  # noqa: E402
from gridsim.errors import InputError  # noqa: E402
from gridsim.network.io_pandapower import from_pandapower, to_pandapower  # noqa: E402

warnings.filterwarnings("ignore", module="pandapower")

LINE_FLOWS = ["p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar"]
TRAFO_FLOWS = ["p_hv_mw", "q_hv_mvar", "p_lv_mw", "q_lv_mvar"]


def _runpp(net, **kw):
    pp.runpp(net, tolerance_mva=1e-10, **kw)
    return net


def _compare(orig, back, *, n_lines=None, n_trafos=None):
    """Max differences (vm pu, va degree, line MW/Mvar, trafo MW/Mvar) of two solved nets."""
    assert orig.converged and back.converged
    dvm = np.abs(orig.res_bus.vm_pu.to_numpy() - back.res_bus.vm_pu.to_numpy()).max()
    dva = np.abs(orig.res_bus.va_degree.to_numpy() - back.res_bus.va_degree.to_numpy()).max()
    nl = len(orig.line) if n_lines is None else n_lines
    nt = len(orig.trafo) if n_trafos is None else n_trafos
    dl = np.abs(
        orig.res_line[LINE_FLOWS].to_numpy()[:nl] - back.res_line[LINE_FLOWS].to_numpy()[:nl]
    ).max(initial=0.0)
    dt = np.abs(
        orig.res_trafo[TRAFO_FLOWS].to_numpy()[:nt] - back.res_trafo[TRAFO_FLOWS].to_numpy()[:nt]
    ).max(initial=0.0)
    return dvm, dva, dl, dt


def _round_trip(case: str) -> None:
    orig = fresh_pandapower_case(case)
    net = from_pandapower(orig)
    net.validate()
    names = [str(int(x)) for x in orig.bus.name]  # the MATPOWER bus numbers
    assert list(net.bus.index) == names
    back = to_pandapower(net)
    dvm, dva, dl, dt = _compare(_runpp(orig), _runpp(back))
    assert dvm < 1e-9 and dva < 1e-9
    assert dl < 1e-7 and dt < 1e-7


@pytest.mark.parametrize("case", ["case9", "case14", "case30", "case57", "case118", "case300"])
def test_round_trip_matpower_cases(case):
    _round_trip(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["case1354pegase", "case2869pegase"])
def test_round_trip_pegase(case):
    _round_trip(case)


def test_case300_fields_are_carried():
    orig = fresh_pandapower_case("case300")
    net = from_pandapower(orig)
    # series capacitor (negative reactance) is labelled so validation accepts it
    neg = net.line[net.line.x_ohm_per_km < 0]
    assert len(neg) == 1 and (neg.kind == "series_capacitor").all()
    # pandapower treats i0 as inductive whatever its sign: stored as |i0|
    assert (orig.trafo.i0_percent < 0).sum() == 12
    np.testing.assert_array_equal(net.trafo.i0_percent, orig.trafo.i0_percent.abs())
    # ratio taps: one step of |ratio - 1|; untapped trafos get zero steps
    ratio = orig.trafo.tap_changer_type == "Ratio"
    np.testing.assert_array_equal(
        net.trafo.tap_step_percent[ratio.to_numpy()], orig.trafo.tap_step_percent[ratio]
    )
    assert (net.trafo.tap_step_percent[~ratio.to_numpy()] == 0).all()
    gen = net.gen
    assert gen.slack.sum() == 1 and (~gen.controllable).sum() == len(orig.sgen)
    pq = gen[~gen.controllable]
    np.testing.assert_array_equal(pq.q_mvar, orig.sgen.q_mvar)
    np.testing.assert_array_equal(
        gen.max_q_mvar[gen.controllable & ~gen.slack], orig.gen.max_q_mvar
    )
    assert gen.loc[gen.slack, "fuel"].item() == "ext"


def test_case118_slack_angle_and_geo():
    orig = fresh_pandapower_case("case118")
    net = from_pandapower(orig)
    slack = net.gen[net.gen.slack]
    assert slack.bus.item() == "69" and slack.va_degree.item() == 30.0
    x, y = json.loads(orig.bus.geo.iloc[5])["coordinates"]
    assert net.bus.geo_lon.iloc[5] == x and net.bus.geo_lat.iloc[5] == y
    back = to_pandapower(net)
    assert json.loads(back.bus.geo.iloc[5])["coordinates"] == [x, y]
    assert list(back.bus.name[:3]) == ["1", "2", "3"]


def _mixed_net():
    net = pp.create_empty_network(sn_mva=50.0, f_hz=50.0, name="mixed")
    b = {
        n: pp.create_bus(net, vn, name=n, geodata=(106.0 + k, 38.0))
        for k, (n, vn) in enumerate(
            [
                ("a", 110),
                ("b", 110),
                ("c", 110),
                ("d", 20),
                ("e", 20),
                ("f", 110),
                ("g", 20),
                ("h", 110),
            ]
        )
    }
    pp.create_gen(net, b["a"], p_mw=0.0, vm_pu=1.02, slack=True, name="slack gen")
    pp.create_gen(net, b["f"], p_mw=30.0, vm_pu=1.01, min_q_mvar=-20, max_q_mvar=20, scaling=0.9)
    for f, t, km in (("a", "b", 20), ("b", "c", 15), ("c", "f", 10), ("a", "h", 5)):
        pp.create_line_from_parameters(
            net,
            b[f],
            b[t],
            km,
            r_ohm_per_km=0.12,
            x_ohm_per_km=0.39,
            c_nf_per_km=9.5,
            max_i_ka=0.6,
            g_us_per_km=0.2,
        )
    pp.create_line_from_parameters(net, b["b"], b["f"], 12, 0.12, 0.39, 9.5, 0.6, in_service=False)
    pp.create_line_from_parameters(net, b["d"], b["e"], 3, 0.2, 0.35, 250, 0.4, parallel=2)
    pp.create_transformer_from_parameters(
        net,
        b["b"],
        b["d"],
        sn_mva=40,
        vn_hv_kv=110,
        vn_lv_kv=20,
        vkr_percent=0.3,
        vk_percent=10,
        pfe_kw=20,
        i0_percent=0.1,
        tap_side="hv",
        tap_neutral=0,
        tap_pos=2,
        tap_step_percent=1.25,
        tap_changer_type="Ratio",
        tap_min=-9,
        tap_max=9,
    )
    pp.create_transformer_from_parameters(
        net,
        b["c"],
        b["e"],
        sn_mva=25,
        vn_hv_kv=115,
        vn_lv_kv=20.5,
        vkr_percent=0.4,
        vk_percent=12,
        pfe_kw=10,
        i0_percent=-0.2,
        shift_degree=30,
        tap_side="lv",
        tap_neutral=0,
        tap_pos=-3,
        tap_step_degree=1.5,
        tap_changer_type="Ideal",
    )
    pp.create_transformer_from_parameters(
        net,
        b["f"],
        b["g"],
        sn_mva=25,
        vn_hv_kv=110,
        vn_lv_kv=20,
        vkr_percent=0.4,
        vk_percent=11,
        pfe_kw=0,
        i0_percent=0,
        tap_side="lv",
        tap_neutral=0,
        tap_pos=2,
        tap_step_percent=1.5,
        tap_step_degree=30,
        tap_changer_type="Ratio",
        parallel=2,
    )
    pp.create_line_from_parameters(net, b["e"], b["g"], 2, 0.2, 0.35, 250, 0.4)
    pp.create_load(net, b["d"], p_mw=12, q_mvar=4, scaling=0.8, name="L1")
    pp.create_load(net, b["g"], p_mw=9, q_mvar=3, name="L2")
    pp.create_load(net, b["e"], p_mw=50, q_mvar=3, in_service=False, name="L3")
    pp.create_sgen(net, b["e"], p_mw=6, q_mvar=-1, scaling=0.5, type="PV")
    pp.create_shunt(net, b["d"], q_mvar=-2.0, p_mw=0.05, vn_kv=21.0, step=2, max_step=3)
    pp.create_storage(
        net, b["e"], p_mw=3.0, max_e_mwh=12.0, soc_percent=40, max_p_mw=5, min_p_mw=-5
    )
    pp.create_ward(net, b["c"], ps_mw=4, qs_mvar=1, pz_mw=0.5, qz_mvar=-1.5, name="W1")
    pp.create_impedance(
        net, b["c"], b["h"], rft_pu=0.01, xft_pu=0.05, rtf_pu=0.01, xtf_pu=0.05, sn_mva=100
    )
    pp.create_dcline(
        net, b["h"], b["d"], p_mw=8, loss_percent=1.2, loss_mw=0.3, vm_from_pu=1.0, vm_to_pu=1.0
    )
    return net


def test_mixed_elements_round_trip():
    orig = _mixed_net()
    net = from_pandapower(orig)
    net.validate()
    assert list(net.bus.index) == list("abcdefgh")
    assert net.summary() == {
        "bus": 8,
        "line": 8,
        "trafo": 3,
        "gen": 3,
        "load": 4,
        "shunt": 2,
        "dcline": 1,
        "storage": 1,
    }
    t = net.trafo
    assert list(t.tap_changer_type) == ["ratio", "ideal", "ratio"]
    assert list(t.tap_side) == ["hv", "lv", "lv"] and t.i0_percent.iloc[1] == 0.2
    sh = net.shunt.iloc[0]  # 2 steps of 2 Mvar at 21 kV on a 20 kV bus
    assert sh.q_mvar == pytest.approx(-4.0 * (20 / 21) ** 2, rel=1e-14)
    assert net.load.loc["L1", "p_mw"] == pytest.approx(9.6)
    assert not net.load.loc["L3", "in_service"] and not net.line.in_service.iloc[4]
    pq = net.gen[~net.gen.controllable]
    assert pq.p_mw.item() == 3.0 and pq.q_mvar.item() == -0.5 and pq.fuel.item() == "PV"
    assert net.gen.p_mw.iloc[1] == pytest.approx(27.0)
    assert net.storage.p_mw.item() == 3.0 and net.storage.soc_init.item() == 0.4
    assert net.line.kind.iloc[-1] == "impedance"
    assert net.bus.geo_lon.iloc[2] == 108.0
    back = to_pandapower(net)
    dvm, dva, dl, dt = _compare(_runpp(orig), _runpp(back), n_lines=len(orig.line))
    assert dvm < 1e-9 and dva < 1e-9 and dl < 1e-7 and dt < 1e-7
    np.testing.assert_allclose(back.res_dcline.p_to_mw, orig.res_dcline.p_to_mw, atol=1e-9)
    np.testing.assert_allclose(back.res_storage.p_mw, orig.res_storage.p_mw, atol=1e-12)


def test_dcline_round_trip():
    orig = pp.create_empty_network(sn_mva=100.0)
    b = pp.create_buses(orig, 4, vn_kv=220.0)
    pp.create_ext_grid(orig, b[0], vm_pu=1.03)
    pp.create_line_from_parameters(orig, b[0], b[1], 40, 0.05, 0.4, 10, 1.0)
    pp.create_line_from_parameters(orig, b[2], b[3], 30, 0.05, 0.4, 10, 1.0)
    pp.create_line_from_parameters(orig, b[1], b[3], 120, 0.05, 0.4, 10, 1.0)
    pp.create_load(orig, b[3], p_mw=150, q_mvar=30)
    pp.create_dcline(
        orig,
        b[1],
        b[2],
        p_mw=100,
        loss_percent=1.5,
        loss_mw=2.0,
        vm_from_pu=1.01,
        vm_to_pu=1.02,
        max_p_mw=300,
        min_q_from_mvar=-50,
        max_q_from_mvar=50,
        min_q_to_mvar=-60,
        max_q_to_mvar=60,
        name="hvdc",
    )
    net = from_pandapower(orig)
    dc = net.dcline.loc["hvdc"]
    assert (dc.p_mw, dc.loss_percent, dc.loss_mw, dc.max_p_mw) == (100, 1.5, 2.0, 300)
    assert (dc.min_q_to_mvar, dc.max_q_from_mvar) == (-60, 50)
    back = to_pandapower(net)
    dvm, dva, dl, _ = _compare(_runpp(orig), _runpp(back))
    assert dvm < 1e-9 and dva < 1e-9 and dl < 1e-7
    for col in ("p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar"):
        np.testing.assert_allclose(back.res_dcline[col], orig.res_dcline[col], atol=1e-7)


def test_switches_fuse_buses_and_open_branches():
    orig = pp.create_empty_network()
    b = pp.create_buses(orig, 4, vn_kv=110.0, name=["s", "m", "m2", "end"])
    pp.create_ext_grid(orig, b[0])
    pp.create_line_from_parameters(orig, b[0], b[1], 10, 0.1, 0.4, 9, 0.5)
    pp.create_switch(orig, b[1], b[2], et="b", closed=True)
    pp.create_line_from_parameters(orig, b[2], b[3], 10, 0.1, 0.4, 9, 0.5)
    lossless = pp.create_line_from_parameters(orig, b[0], b[3], 10, 0.1, 0.4, 0, 0.5)
    pp.create_switch(orig, b[3], lossless, et="l", closed=False)
    pp.create_load(orig, b[2], p_mw=20, q_mvar=5)
    pp.create_load(orig, b[3], p_mw=10, q_mvar=2)
    net = from_pandapower(orig)
    assert list(net.bus.index) == ["s", "m", "end"]
    assert list(net.load.bus) == ["m", "end"] and net.line.to_bus.iloc[1] == "end"
    assert net.line.from_bus.iloc[1] == "m" and not net.line.in_service.iloc[2]
    back = _runpp(to_pandapower(net))
    _runpp(orig)
    for name in ("s", "m", "end"):
        a = orig.res_bus.vm_pu[orig.bus.name == name].item()
        assert back.res_bus.vm_pu[back.bus.name == name].item() == pytest.approx(a, abs=1e-9)
    # open at one end of a line with charging: cannot be represented
    pp.create_switch(orig, b[3], 1, et="l", closed=False)
    with pytest.raises(InputError, match="open at one end"):
        from_pandapower(orig)


def test_names_rule():
    net = pp.create_empty_network()
    b = pp.create_buses(net, 2, vn_kv=20.0, name=["x", "x"])  # duplicate: use indices
    pp.create_ext_grid(net, b[0], name="grid")
    pp.create_sgen(net, b[1], p_mw=1.0, name="pv")
    pp.create_loads(net, [b[1], b[1]], p_mw=[1.0, 2.0], name=["L", "M"])
    pp.create_line_from_parameters(net, b[0], b[1], 1, 0.1, 0.1, 0, 1)
    g = from_pandapower(net)
    assert list(g.bus.index) == ["0", "1"] and list(g.gen.index) == ["grid", "pv"]
    assert list(g.load.index) == ["L", "M"] and list(g.line.index) == ["line_0"]
    pp.create_gen(net, b[1], p_mw=1.0, name="pv")  # clashes with the sgen's name
    assert list(from_pandapower(net).gen.index) == ["ext_grid_0", "gen_0", "sgen_0"]


def _small_net():
    net = pp.create_empty_network()
    b = pp.create_buses(net, 3, vn_kv=[110.0, 20.0, 10.0])
    pp.create_ext_grid(net, b[0])
    pp.create_load(net, b[1], p_mw=1.0)
    return net, b


@pytest.mark.parametrize("what", ["trafo3w", "xward", "tabular", "zip", "storage_q"])
def test_unsupported_elements_raise(what):
    net, b = _small_net()
    if what == "trafo3w":
        for _ in range(2):
            pp.create_transformer3w_from_parameters(
                net,
                b[0],
                b[1],
                b[2],
                vn_hv_kv=110,
                vn_mv_kv=20,
                vn_lv_kv=10,
                sn_hv_mva=40,
                sn_mv_mva=20,
                sn_lv_mva=20,
                vk_hv_percent=10,
                vk_mv_percent=10,
                vk_lv_percent=10,
                vkr_hv_percent=0.3,
                vkr_mv_percent=0.3,
                vkr_lv_percent=0.3,
                pfe_kw=10,
                i0_percent=0.1,
            )
        match = r"trafo3w: has 2 in-service"
    elif what == "xward":
        pp.create_xward(net, b[1], 1, 1, 0, 0, 0.1, 1.0, 1.0)
        match = "xward"
    elif what == "tabular":
        pp.create_transformer_from_parameters(
            net,
            b[0],
            b[1],
            40,
            110,
            20,
            0.3,
            10,
            0,
            0,
            tap_pos=1,
            tap_neutral=0,
            tap_side="hv",
            tap_changer_type="Tabular",
        )
        match = r"trafo '0': tap_changer_type is not supported"
    elif what == "zip":
        net.load.loc[0, "const_z_p_percent"] = 30.0
        match = r"load '.*': const_z_p_percent .* ZIP"
    else:
        pp.create_storage(net, b[1], p_mw=1.0, max_e_mwh=2.0, q_mvar=0.5)
        match = r"storage '.*': q_mvar"
    with pytest.raises(InputError, match=match) as err:
        from_pandapower(net)
    assert "pandapower net" in str(err.value)


def test_out_of_service_unsupported_elements_are_ignored():
    net, b = _small_net()
    pp.create_xward(net, b[1], 1, 1, 0, 0, 0.1, 1.0, 1.0, in_service=False)
    assert len(from_pandapower(net).bus) == 3


def test_trafo_model_option_is_carried():
    orig = fresh_pandapower_case("case9")
    pp.set_user_pf_options(orig, trafo_model="pi")
    net = from_pandapower(orig)
    assert net.meta["trafo_model"] == "pi"
    assert to_pandapower(net).user_pf_options["trafo_model"] == "pi"


def test_negative_resistance_matches_pandapower_and_warns_once():
    """Network equivalents (MATPOWER's PEGASE cases) have negative branch resistance:
    gridsim accepts it with one warning per column naming the branches, and its power
    flow agrees with pandapower's."""
    from gridsim.studies.powerflow import run_pf

    orig = fresh_pandapower_case("case14")
    orig.line.loc[[2, 7], "r_ohm_per_km"] *= -0.5
    orig.trafo.loc[0, "vkr_percent"] = -0.4
    net = from_pandapower(orig)
    with pytest.warns(UserWarning) as record:
        res = run_pf(net, "nr", tol_mva=1e-9)
    messages = [str(w.message) for w in record if "negative" in str(w.message)]
    assert len(messages) == 2, messages
    r_msg = next(m for m in messages if "r_ohm_per_km" in m)
    assert r_msg.startswith("pandapower net 'case14': 2 line(s)")
    assert "'line_2', 'line_7'" in r_msg
    assert any("vkr_percent" in m and "'trafo_0'" in m for m in messages)
    _runpp(orig)
    assert res.converged and orig.converged
    assert np.abs(res.bus["vm_pu"].to_numpy() - orig.res_bus.vm_pu.to_numpy()).max() < 1e-6
    assert np.abs(res.bus["va_degree"].to_numpy() - orig.res_bus.va_degree.to_numpy()).max() < 1e-5
    np.testing.assert_allclose(
        res.line["p_from_mw"].to_numpy(), orig.res_line.p_from_mw.to_numpy(), atol=1e-4
    )
    assert (orig.res_line.pl_mw.to_numpy()[[2, 7]] < 0).all()  # the equivalent "generates"
    np.testing.assert_allclose(
        res.trafo["p_from_mw"].to_numpy(), orig.res_trafo.p_hv_mw.to_numpy(), atol=1e-4
    )


def _as_2x_file(orig, path) -> None:
    """``orig`` written in the pandapower 2.x layout: format_version 2.13.1 and the
    trafo tap type as the 2.x ``tap_phase_shifter`` flag instead of ``tap_changer_type``."""
    outer = json.loads(pp.to_json(orig))
    obj = outer["_object"]
    obj["format_version"] = obj["version"] = "2.13.1"
    meta = obj["trafo"]
    body = json.loads(meta["_object"])
    j = body["columns"].index("tap_changer_type")
    body["columns"][j] = "tap_phase_shifter"
    for row in body["data"]:
        row[j] = False
    meta["dtype"].pop("tap_changer_type")
    meta["dtype"]["tap_phase_shifter"] = "bool"
    meta["_object"] = json.dumps(body)
    path.write_text(json.dumps(outer))


def test_pandapower_2x_files_get_the_tap_changer_type_pandapower_converts_to(tmp_path):
    from gridsim.network import load_network

    path = tmp_path / "old.json"
    _as_2x_file(fresh_pandapower_case("case14"), path)
    ours = load_network(path)
    ref = from_pandapower(pp.from_json(str(path)))  # pandapower's convert_format
    assert (ours.trafo.tap_step_percent > 0).sum() == 3  # the three tapped trafos keep taps
    for table, df in ref.tables().items():
        assert df.equals(ours.table(table)), table
