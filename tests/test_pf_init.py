"""The power flow's start point (``init``) and ``gridsim pf``'s exit codes.

``init="case"`` starts from the voltages stored in a MATPOWER case (``VM``/``VA``), as
MATPOWER's ``runpf`` does; ``"auto"`` (the default) uses them when the file has them, else
DC angles, as pandapower's ``init="auto"`` does without results. The solutions are
checked against pandapower's; MATPOWER's own solutions of its shipped cases are in
``test_matpower_cases.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandapower as pp
import pytest

from conftest import fresh_pandapower_case, three_bus
from gridsim.cli import main
from gridsim.errors import InputError
from gridsim.network.io import load_network, save_network
from gridsim.network.io_matpower import read_matpower
from gridsim.powerflow.compile import PQ, REF, compile_network
from gridsim.studies.powerflow import initial_voltage, run_pf, start_point

DATA = Path(__file__).parent / "data"
CASE14 = DATA / "case14.m"


def _case_text(vm: dict[int, float], va: dict[int, float]) -> str:
    """case14.m with the stored VM/VA of some buses replaced."""
    out = []
    in_bus = False
    for line in CASE14.read_text().splitlines():
        if line.startswith("mpc.bus ="):
            in_bus = True
        elif in_bus and line.startswith("];"):
            in_bus = False
        elif in_bus:
            cells = line.split()
            num = int(cells[0])
            if num in vm:
                cells[7], cells[8] = repr(vm[num]), repr(va[num])
                line = "\t" + "\t".join(cells)
        out.append(line)
    return "\n".join(out) + "\n"


def test_reader_keeps_the_stored_voltages_outside_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "c14.m"
    path.write_text(_case_text({14: 1.036}, {14: -16.033}))
    net = read_matpower(path)
    stored = net.meta["case_voltage"]
    assert list(stored["vm_pu"]) == list(net.bus.index) == list(stored["va_degree"])
    assert stored["vm_pu"]["1"] == 1.06 and stored["vm_pu"]["14"] == 1.036
    assert stored["va_degree"]["14"] == -16.033 and stored["va_degree"]["13"] == 0.0
    assert list(net.bus.columns) == list(read_matpower(CASE14).bus.columns)
    assert "vm_pu" not in net.bus.columns and "va_degree" not in net.bus.columns


def test_case_start_is_the_stored_voltage_with_set_points_at_pv_and_slack(tmp_path: Path) -> None:
    # MATPOWER's runpf: V0 = VM e^{j VA}; at voltage-controlled buses |V0| = VG
    path = tmp_path / "c14.m"
    path.write_text(_case_text({1: 0.9, 2: 0.95, 14: 0.97}, {1: 0.0, 2: -3.0, 14: -17.5}))
    net = read_matpower(path)
    c = compile_network(net)
    init, stored = start_point(net, c, "auto")
    assert init == "case" and stored is not None
    v0 = initial_voltage(c, init, stored)
    k = {name: i for i, name in enumerate(c.bus_names)}
    assert c.bus_type[k["14"]] == PQ and c.bus_type[k["2"]] != PQ and c.bus_type[k["1"]] == REF
    assert abs(v0[k["14"]]) == pytest.approx(0.97)
    assert np.rad2deg(np.angle(v0[k["14"]])) == pytest.approx(-17.5)
    assert abs(v0[k["2"]]) == pytest.approx(1.045)  # VG, not the stored 0.95
    assert np.rad2deg(np.angle(v0[k["2"]])) == pytest.approx(-3.0)
    assert v0[k["1"]] == pytest.approx(1.06)  # slack: VG and its VA


def test_every_start_reaches_the_pandapower_solution() -> None:
    net = read_matpower(CASE14)
    ppn = fresh_pandapower_case("case14")  # the source of the case14.m fixture
    pp.runpp(ppn, init="flat", tolerance_mva=1e-9, trafo_model="pi", calculate_voltage_angles=True)  # fmt: skip
    vm_ref = ppn.res_bus.vm_pu.to_numpy()
    va_ref = ppn.res_bus.va_degree.to_numpy()
    for init in ("auto", "case", "dc", "flat"):
        res = run_pf(net, init=init)
        assert res.converged and res.init == (init if init != "auto" else "case")
        np.testing.assert_allclose(res.bus.vm_pu.to_numpy(), vm_ref, atol=1e-6)
        np.testing.assert_allclose(res.bus.va_degree.to_numpy(), va_ref, atol=1e-5)


def test_a_stored_solution_is_recognised_at_once() -> None:
    net = read_matpower(CASE14)
    flat = run_pf(net, init="flat", tol_mva=1e-9)
    net.meta["case_voltage"] = {
        "vm_pu": flat.bus.vm_pu.to_dict(),
        "va_degree": flat.bus.va_degree.to_dict(),
    }
    res = run_pf(net)
    assert res.converged and res.init == "case" and res.iterations <= 1 < flat.iterations


def test_auto_is_dc_without_stored_voltages() -> None:
    net = three_bus()
    res = run_pf(net)
    assert res.converged and res.init == "dc"
    net14 = read_matpower(CASE14)
    del net14.meta["case_voltage"]["vm_pu"]["9"]  # one bus without a stored voltage
    assert run_pf(net14).init == "dc"
    net14 = read_matpower(CASE14)
    net14.meta["case_voltage"]["vm_pu"]["9"] = 0.0  # not a usable start
    assert run_pf(net14).init == "dc"


def test_case_without_stored_voltages_is_an_input_error_naming_init() -> None:
    with pytest.raises(InputError, match=r"init 'case' needs the bus voltages stored"):
        run_pf(three_bus(), init="case")
    net14 = read_matpower(CASE14)
    del net14.meta["case_voltage"]["va_degree"]["9"]
    with pytest.raises(InputError, match=r"case14.m: init .*bus '9' has none"):
        run_pf(net14, init="case")
    with pytest.raises(InputError, match=r"init must be one of"):
        run_pf(three_bus(), init="results")


def test_native_copy_keeps_the_stored_voltages(tmp_path: Path) -> None:
    net = read_matpower(CASE14)
    save_network(net, tmp_path / "c14.toml")
    back = load_network(tmp_path / "c14.toml")
    assert back.meta["case_voltage"] == net.meta["case_voltage"]
    assert run_pf(back).init == "case"


# ------------------------------------------------------------------ gridsim pf
def test_pf_exit_0_when_converged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "res"
    assert main(["pf", str(CASE14), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "algorithm nr (start: case voltages): converged" in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["converged"] is True and manifest["init"] == "case"


@pytest.mark.parametrize("init", ["flat", "dc", "case", "auto"])
def test_pf_init_option(init: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pf", str(CASE14), "--init", init]) == 0
    start = {"flat": "flat", "dc": "DC angles"}.get(init, "case voltages")
    assert f"(start: {start}): converged" in capsys.readouterr().out


def test_pf_help_states_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["pf", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "exit codes: 0 converged; 1 not converged" in text and "2 bad input" in text
    assert "--init {auto,flat,dc,case}" in text


def test_pf_exit_1_when_not_converged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "res"
    code = main(["pf", str(CASE14), "--init", "flat", "--max-iter", "1", "--out", str(out)])
    assert code == 1
    assert "NOT converged in 1 iterations" in capsys.readouterr().out
    assert json.loads((out / "manifest.json").read_text())["converged"] is False


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["pf", "/no/such/case.m"], "no such file"),
        (["pf", str(CASE14), "--init", "results"], "invalid choice: 'results'"),
        (["pf", "ningxia_2025", "--init", "case"], "init 'case' needs the bus voltages"),
    ],
    ids=["missing-file", "unknown-init", "case-without-stored-voltages"],
)
def test_pf_exit_2_on_bad_input(argv: list[str], text: str, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert text in err and "Traceback" not in err
