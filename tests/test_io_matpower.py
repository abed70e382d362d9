"""MATPOWER case files: parser, reader, writer; checked against pandapower and MATPOWER's model."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

pp = pytest.importorskip("pandapower")
from test_io_pandapower import _mixed_net  # noqa: E402

from conftest import fresh_pandapower_case, three_bus  # noqa: E402
from gridsim.errors import InputError  # noqa: E402
from gridsim.network.io import load_network  # noqa: E402
from gridsim.network.io_matpower import parse_matpower, read_matpower, write_matpower  # noqa: E402
from gridsim.network.io_pandapower import from_pandapower, to_pandapower  # noqa: E402

warnings.filterwarnings("ignore", module="pandapower")
DATA = Path(__file__).parent / "data"
FIXTURES = ["case9.m", "case14.m", "case5_dcline.m"]


def _runpp(net, **kw):
    pp.runpp(net, tolerance_mva=1e-10, **kw)
    assert net.converged
    return net


def _matpower_mismatch(path: Path, ppn) -> tuple[float, float]:
    """Largest P and Q mismatch (MW, Mvar) of pandapower's solution in MATPOWER's model.

    The bus admittance matrix is built here from the raw branch table with MATPOWER's
    formulas (series 1/(r+jx), charging b/2 at both ends, complex ratio at the from bus),
    independently of the gridsim conversion. P is checked at all non-slack buses, Q at PQ
    buses; dcline ends are voltage-controlled (as in pandapower).
    """
    mpc = parse_matpower(path.read_text())
    bus, br, base = mpc["bus"].data.copy(), mpc["branch"].data, mpc["baseMVA"]
    idx = {int(b): i for i, b in enumerate(bus[:, 0])}
    n = len(bus)
    Y = np.zeros((n, n), complex)
    for row in br[br[:, 10] > 0]:
        f, t = idx[int(row[0])], idx[int(row[1])]
        ys, bc = 1 / complex(row[2], row[3]), row[4]
        tap = (row[8] or 1.0) * np.exp(1j * np.deg2rad(row[9]))
        Y[f, f] += (ys + 0.5j * bc) / abs(tap) ** 2
        Y[t, t] += ys + 0.5j * bc
        Y[f, t] -= ys / np.conj(tap)
        Y[t, f] -= ys / tap
    Y += np.diag(bus[:, 4] + 1j * bus[:, 5]) / base
    inj = -(bus[:, 2] + 1j * bus[:, 3])
    for g in mpc["gen"].data[mpc["gen"].data[:, 7] > 0]:
        i = idx[int(g[0])]
        inj[i] += g[1] + (1j * g[2] if bus[i, 1] == 1 else 0)
    if "dcline" in mpc:
        for d in mpc["dcline"].data:
            f, t = idx[int(d[0])], idx[int(d[1])]
            inj[f] -= d[3]
            inj[t] += d[3] - d[15] - d[16] * d[3]
            bus[[f, t], 1] = 2
    v = ppn.res_bus.vm_pu.to_numpy() * np.exp(1j * np.deg2rad(ppn.res_bus.va_degree.to_numpy()))
    mis = v * np.conj(Y @ v) * base - inj
    return np.abs(mis.real[bus[:, 1] != 3]).max(), np.abs(mis.imag[bus[:, 1] == 1]).max()


# ------------------------------------------------------------------------ reading
@pytest.mark.parametrize("case", ["case9", "case14"])
def test_fixture_matches_pandapower_case(case):
    ours = _runpp(to_pandapower(read_matpower(DATA / f"{case}.m")))
    ref = _runpp(fresh_pandapower_case(case))
    np.testing.assert_allclose(ours.res_bus.vm_pu, ref.res_bus.vm_pu, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.res_bus.va_degree, ref.res_bus.va_degree, rtol=0, atol=1e-8)
    flows = ["p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar"]
    np.testing.assert_allclose(ours.res_line[flows], ref.res_line[flows], rtol=0, atol=1e-6)
    flows = ["p_hv_mw", "q_hv_mvar", "p_lv_mw", "q_lv_mvar"]
    np.testing.assert_allclose(ours.res_trafo[flows], ref.res_trafo[flows], rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", FIXTURES)
def test_solution_satisfies_matpower_model(name):
    ppn = _runpp(to_pandapower(read_matpower(DATA / name)))
    dp, dq = _matpower_mismatch(DATA / name, ppn)
    assert dp < 1e-6 and dq < 1e-6


def test_case5_dcline_fields():
    net = read_matpower(DATA / "case5_dcline.m")
    net.validate()
    assert net.name == "case5_dcline" and net.meta["trafo_model"] == "pi"
    assert net.meta["matpower_bus_name"][3] == "Mine's 115"
    assert list(net.line.index) == ["branch_1", "branch_2", "branch_3", "branch_6", "branch_7"]
    assert np.isnan(net.line.max_i_ka["branch_2"]) and not net.line.in_service["branch_7"]
    assert net.line.max_i_ka["branch_1"] == pytest.approx(250 / (3**0.5 * 230))
    t = net.trafo.loc["branch_4"]  # 4 (115 kV) -> 1 (230 kV), ratio 0.97 at the LV bus
    assert (t.hv_bus, t.lv_bus, t.tap_side, t.tap_pos) == ("1", "4", "lv", -1.0)
    assert t.tap_step_percent == pytest.approx(3.0) and t.shift_degree == -3.0
    assert t.i0_percent == pytest.approx(-1.2) and t.sn_mva == 100.0
    assert t.vk_percent == pytest.approx(100 * np.hypot(0.0021, 0.0512))
    assert t.max_loading_percent == 120.0
    t = net.trafo.loc["branch_5"]
    assert (t.hv_bus, t.tap_side, t.tap_pos, t.i0_percent) == ("3", "hv", 1.0, pytest.approx(0.2))
    g = net.gen
    assert list(g.slack) == [True, False, False, False] and g.va_degree.iloc[0] == 2.5
    assert list(g.controllable) == [True, True, False, True]
    assert g.q_mvar["gen_3"] == 5.0 and not g.in_service["gen_4"]
    assert g.vm_pu["gen_4"] == 1.01  # MATPOWER uses the in-service gen's VG at bus 2
    assert np.isinf(g.max_q_mvar["gen_2"]) and list(g.cost_per_mwh) == [12.5, 31.0, 20.0, 0.0]
    assert net.shunt.loc["shunt_3", "q_mvar"] == -12.5 and net.load.loc["load_5", "q_mvar"] == -5
    dc = net.dcline.loc["dcline_1"]
    assert (dc.from_bus, dc.to_bus, dc.p_mw, dc.loss_mw) == ("2", "5", 40.0, 1.0)
    assert dc.loss_percent == pytest.approx(1.0) and dc.max_p_mw == 50.0
    assert (dc.vm_from_pu, dc.vm_to_pu, dc.min_q_to_mvar) == (1.01, 0.99, -40.0)
    named = read_matpower(DATA / "case5_dcline.m", use_bus_name=True)
    assert list(named.bus.index)[:2] == ["North 230", "West 230"]
    assert named.dcline.to_bus.item() == "Town 115"


DC3 = """function mpc = dc3
mpc.version = '2';
mpc.baseMVA = 100;
mpc.bus = [
 1 3 0 0 0 0 1 1 0 220 1 1.1 0.9;
 2 1 50 10 0 0 1 1 0 220 1 1.1 0.9;
 3 1 80 20 0 0 1 1 0 220 1 1.1 0.9;
];
mpc.gen = [1 0 0 999 -999 1.03 100 1 999 0];
mpc.branch = [
 1 2 0.002 0.02 0.03 0 0 0 0 0 1 -360 360;
 2 3 0.004 0.04 0.06 0 0 0 0 0 1 -360 360;
];
mpc.dcline = [1 3 1 60 58.4 0 0 1.03 1.01 0 100 -50 50 -40 40 1 0.01];
"""


def test_dcline_against_hand_built_pandapower(tmp_path):
    path = tmp_path / "dc3.m"
    path.write_text(DC3)
    ours = _runpp(to_pandapower(read_matpower(path)))
    ref = pp.create_empty_network(sn_mva=100.0, f_hz=50.0)
    b = pp.create_buses(ref, 3, vn_kv=220.0)
    pp.create_ext_grid(ref, b[0], vm_pu=1.03)
    zb = 220.0**2 / 100
    for f, t, r, x, bc in ((0, 1, 0.002, 0.02, 0.03), (1, 2, 0.004, 0.04, 0.06)):
        pp.create_line_from_parameters(
            ref, b[f], b[t], 1.0, r * zb, x * zb, bc / zb / (2 * np.pi * 50) * 1e9, 1.0
        )
    pp.create_load(ref, b[1], p_mw=50, q_mvar=10)
    pp.create_load(ref, b[2], p_mw=80, q_mvar=20)
    pp.create_dcline(
        ref,
        b[0],
        b[2],
        p_mw=60,
        loss_percent=1.0,
        loss_mw=1.0,
        vm_from_pu=1.03,
        vm_to_pu=1.01,
        max_p_mw=100,
    )
    _runpp(ref)
    np.testing.assert_allclose(ours.res_bus.vm_pu, ref.res_bus.vm_pu, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.res_bus.va_degree, ref.res_bus.va_degree, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.res_dcline.p_to_mw, -58.4, rtol=0, atol=1e-9)  # load sign


# ------------------------------------------------------------------ writing / round trip
def _assert_same_tables(a, b, rtol=1e-12):
    assert a.sn_mva == b.sn_mva
    for table in a.tables():
        x, y = a.table(table), b.table(table)
        assert list(x.index) == list(y.index), table
        for col in x.columns:
            u, v = x[col].to_numpy(), y[col].to_numpy()
            if u.dtype.kind == "f":
                np.testing.assert_allclose(
                    v, u, rtol=rtol, atol=0, equal_nan=True, err_msg=f"{table}.{col}"
                )
            else:
                assert list(u) == list(v), f"{table}.{col}"


@pytest.mark.parametrize("name", FIXTURES)
def test_read_write_read_round_trip(name, tmp_path):
    first = read_matpower(DATA / name)
    write_matpower(first, tmp_path / name)
    second = read_matpower(tmp_path / name)
    _assert_same_tables(first, second)
    assert second.meta == first.meta


def test_written_pandapower_case_solves_the_same(tmp_path):
    orig = fresh_pandapower_case("case300")
    write_matpower(from_pandapower(orig), tmp_path / "c300.m")
    back = _runpp(to_pandapower(read_matpower(tmp_path / "c300.m")))
    _runpp(orig, trafo_model="pi")  # MATPOWER branches are pi models
    np.testing.assert_allclose(back.res_bus.vm_pu, orig.res_bus.vm_pu, rtol=0, atol=1e-9)
    np.testing.assert_allclose(back.res_bus.va_degree, orig.res_bus.va_degree, rtol=0, atol=1e-9)


def test_written_mixed_network_solves_the_same(tmp_path):
    """Taps on either side, ideal and asymmetric shifters, parallel units, g, storage, ward."""
    orig = _mixed_net()
    with pytest.warns(UserWarning, match="GS|PD"):
        write_matpower(from_pandapower(orig), tmp_path / "mixed.m")
    net = read_matpower(tmp_path / "mixed.m")
    assert list(net.bus.index) == [str(k) for k in range(1, 9)]
    assert net.meta["matpower_bus_name"] == list("abcdefgh")
    back = _runpp(to_pandapower(net))
    _runpp(orig, trafo_model="pi")
    np.testing.assert_allclose(back.res_bus.vm_pu, orig.res_bus.vm_pu, rtol=0, atol=1e-9)
    np.testing.assert_allclose(back.res_bus.va_degree, orig.res_bus.va_degree, rtol=0, atol=1e-9)


def test_write_names_and_load_network(tmp_path):
    net = three_bus()
    path = tmp_path / "three.m"
    write_matpower(net, path)
    text = path.read_text()
    assert "mpc.bus_name = {" in text and "'a';" in text and "mpc.branch_name" in text
    back = load_network(path)  # dispatch by suffix
    assert list(back.bus.index) == ["1", "2", "3"]
    named = read_matpower(path, use_bus_name=True)
    assert list(named.bus.index) == ["a", "b", "c"]
    assert list(named.gen.index) == list(net.gen.index)
    assert list(named.line.index) == list(net.line.index)
    a, b = _runpp(to_pandapower(net)), _runpp(to_pandapower(named))
    np.testing.assert_allclose(a.res_bus.vm_pu, b.res_bus.vm_pu, rtol=0, atol=1e-9)
    np.testing.assert_allclose(a.res_bus.va_degree, b.res_bus.va_degree, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------- parser
def test_parser_syntax(tmp_path):
    text = """function mpc = syntax % a comment
% mpc.bus = [ this is commented out ];
mpc.version = '2';
mpc.baseMVA = 1e2;
mpc.bus = [
  1, 3, 0, 0, 0, 0, 1, 1, 0, 110, 1, 1.1, 0.9
  2  1  5.5e1  -1.25E+1  0  0  1  1  0  110  1  1.1  0.9  % trailing comment
  3  1  10  2  0  0  1  1  0 ...  continuation, this part is a comment
     110  1  1.1  0.9;;
];
mpc.gen = [1 0 0 Inf -Inf 1.0 100 1 Inf 0];
mpc.branch = [1 2 0.01 0.1 0 0 0 0 0 0 1 -360 360; 2 3 0.01 0.1 0 0 0 0 0 0 1 -360 360];
mpc.bus_name = { 'one % not a comment'; 'it''s two'; "three" };
"""
    f = parse_matpower(text)
    assert f["version"] == "2" and f["baseMVA"] == 100.0
    bus = f["bus"]
    assert bus.data.shape == (3, 13) and bus.lines == [6, 7, 8]
    assert bus.data[1, 2] == 55.0 and bus.data[1, 3] == -12.5 and bus.data[2, 9] == 110
    assert np.isinf(f["gen"].data[0, 3]) and f["gen"].data[0, 4] < 0
    assert f["branch"].data.shape == (2, 13)
    assert f["bus_name"] == ["one % not a comment", "it's two", "three"]
    path = tmp_path / "syntax.m"
    path.write_text(text)
    assert len(read_matpower(path).line) == 2


GOOD_BUS = "1 3 0 0 0 0 1 1 0 110 1 1.1 0.9;\n 2 1 5 1 0 0 1 1 0 110 1 1.1 0.9;"


def _case(
    bus=GOOD_BUS,
    gen="1 0 0 99 -99 1 100 1 99 0",
    branch="1 2 0.01 0.1 0 0 0 0 0 0 1 -360 360",
    head="mpc.version = '2';\nmpc.baseMVA = 100;",
):
    return (
        f"function mpc = bad\n{head}\nmpc.bus = [\n {bus}\n];\nmpc.gen = [\n {gen}\n];\n"
        f"mpc.branch = [\n {branch}\n];\n"
    )


@pytest.mark.parametrize(
    "text, pattern",
    [
        (
            _case(bus=GOOD_BUS + "\n 3 1 x 0 0 0 1 1 0 110 1 1.1 0.9;"),
            r"bad\.m: bus 'row 3 \(line 7\)': PD must be a number, got 'x'",
        ),
        (
            _case(bus=GOOD_BUS + "\n 3 1 0 0 0 0 1 1 0 110 1 1.1;"),
            r"bad\.m: bus 'row 3 \(line 7\)': has 12 columns, expected 13",
        ),
        (
            _case(gen="1 0 0 99 -99 1 100 1 99 0;\n 7 0 0 99 -99 1 100 1 99 0"),
            r"bad\.m: gen 'row 2 \(line 10\)': GEN_BUS refers to an unknown bus, got 7",
        ),
        (
            _case(
                branch="1 2 0.01 0.1 0 0 0 0 0 0 1 -360 360;\n 1 2 0.01 0.1 0 0 0 0 abc 0 1 -360 360"
            ),
            r"bad\.m: branch 'row 2 \(line 13\)': TAP must be a number, got 'abc'",
        ),
        (
            _case(branch="1 2 0.01 0.1 0 0 0"),
            r"bad\.m: branch 'row 1 \(line 12\)': has 7 columns, a MATPOWER branch table needs at least 11",
        ),
        (
            _case(bus=GOOD_BUS.replace("2 1 5", "1 1 5")),
            r"bad\.m: bus 'row 2 \(line 6\)': BUS_I duplicate bus number, got 1",
        ),
        (
            _case(bus=GOOD_BUS.replace("2 1 5", "2 7 5")),
            r"bus 'row 2 \(line 6\)': BUS_TYPE must be",
        ),
        (
            _case(branch="1 2 NaN 0.1 0 0 0 0 0 0 1 -360 360"),
            r"branch 'row 1 \(line 12\)': BR_R must be a finite number",
        ),
        (_case(head="mpc.version = '1';\nmpc.baseMVA = 100;"), r"mpc.version must be '2'"),
        (_case(head="mpc.version = '2';"), r"mpc.baseMVA must be a positive number"),
        (_case().replace("mpc.branch", "branch"), r"bad\.m: branch: is missing"),
        (
            _case().replace("];\nmpc.branch", "\nmpc.branch"),
            r"bad\.m: gen: matrix starting on line 8 is not closed with '\]' before line 11",
        ),
    ],
)
def test_malformed_input_names_file_table_row(tmp_path, text, pattern):
    path = tmp_path / "bad.m"
    path.write_text(text)
    with pytest.raises(InputError, match=pattern):
        read_matpower(path)


def test_missing_file():
    with pytest.raises(InputError, match="nope.m: cannot be read"):
        read_matpower("nope.m")


def test_zero_base_kv_warns_and_keeps_per_unit(tmp_path):
    path = tmp_path / "pu.m"
    path.write_text(_case(bus=GOOD_BUS.replace(" 110 ", " 0 ")))
    with pytest.warns(UserWarning, match="2 bus"):
        net = read_matpower(path)
    assert list(net.bus.vn_kv) == [1.0, 1.0]
    assert net.line.x_ohm_per_km.item() == pytest.approx(0.1 * 1.0**2 / 100)


@pytest.mark.parametrize(
    "name",
    [
        "case9.m",
        "case14.m",
        "case5_dcline.m",
    ],
)
def test_gridsim_power_flow_satisfies_matpower_model(name):
    """gridsim's own solver on a MATPOWER file (pi model, as the file's meta asks)."""
    from gridsim.studies.powerflow import run_pf

    net = read_matpower(DATA / name)
    res = run_pf(net, tol_mva=1e-10)  # the pi model, from the file's meta
    assert res.converged

    class Solved:  # the two result columns _matpower_mismatch reads
        res_bus = res.bus

    dp, dq = _matpower_mismatch(DATA / name, Solved)
    assert dp < 1e-6 and dq < 1e-6
