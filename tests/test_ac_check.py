"""The AC check of a dispatch: hour by hour against pandapower's runpp on the same
injections, violations on a hand-made case, hours that do not converge, the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import three_bus
from gridsim.cli import main
from gridsim.errors import InputError
from gridsim.network.io_pandapower_write import to_pandapower
from gridsim.studies.ac_check import AcCheckSettings, run_ac_check
from gridsim.studies.ac_check_inputs import CONVERTER, ac_inputs, ac_network, bus_shape_mw
from gridsim.studies.ac_check_runs import ac_check_run, scenario_of_run
from gridsim.studies.ac_check_write import read_ac_check

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def week_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Ningxia week run with ``[study] ac_check = true`` (gridsim run)."""
    d = tmp_path_factory.mktemp("acweek")
    sc = d / "week_ac.toml"
    out = d / "week"
    base = (ROOT / "scenarios" / "ningxia_2025_week.toml").as_posix()
    sc.write_text(f'base = "{base}"\n[scenario]\nname = "week_ac"\n[study]\nac_check = true\n[output]\ndir = "{out.as_posix()}"\n')  # fmt: skip
    assert main(["run", str(sc), "--quiet"]) == 0
    return out


def _pandapower_hour(net_ac, inputs, k: int, committed_mw: pd.DataFrame | None = None):
    """pandapower's runpp of hour ``k`` of ``inputs`` on ``net_ac``; with
    ``committed_mw``, the units committed for none of it out of service, the others'
    reactive limits scaled by their committed share, and the limits enforced."""
    import pandapower as pp

    n = net_ac.copy()
    for key, df in inputs.items():
        table, col = key.split(".")
        getattr(n, table).loc[df.columns, col] = df.iloc[k].to_numpy(float)
    if committed_mw is not None:
        u = committed_mw.iloc[k]
        share = (u / n.gen.max_p_mw.reindex(u.index)).clip(0.0, 1.0)
        n.gen.loc[u.index, "min_q_mvar"] *= share
        n.gen.loc[u.index, "max_q_mvar"] *= share
        n.gen.loc[u.index[u <= 1e-6], "in_service"] = False
    ppn = to_pandapower(n)
    pp.runpp(ppn, tolerance_mva=1e-9, init="dc", calculate_voltage_angles=True, enforce_q_lims=committed_mw is not None)  # fmt: skip
    return ppn


def test_hours_match_pandapower(week_run: Path) -> None:
    """Voltages, flows, loadings, losses, slack power and generators' reactive power of a
    sample of hours equal pandapower's runpp on the same injections, with the units the
    dispatch decommits out of service and the reactive limits enforced."""
    from gridsim.results.store import load_run
    from gridsim.studies.ac_check_inputs import run_frames
    from gridsim.studies.balance import prepare_network, prepare_profiles

    sc = scenario_of_run(week_run)
    net = prepare_network(sc)
    prof, _ = prepare_profiles(sc, net=net)
    frames = run_frames(load_run(week_run))
    s = AcCheckSettings(enforce_q_limits=True)
    chk = run_ac_check(net, frames, s, prof.load_mw)
    net_ac = ac_network(net)
    inputs = ac_inputs(net_ac, frames, s, bus_shape_mw(net, prof.load_mw, chk.hourly.index))
    # the dispatch's energy arrives: loads sum to the dispatch's net demand
    assert np.allclose(chk.hourly.load_mw, frames("load_mw").sum(axis=1) - frames("dr_curtail_mw").sum(axis=1) - frames("unserved_mw").sum(axis=1) + frames("shift_up_mw").sum(axis=1) - frames("shift_down_mw").sum(axis=1))  # fmt: skip
    assert chk.hourly.converged.all()
    hours = np.argsort(chk.hourly.load_mw.to_numpy())[[0, 60, 167]].tolist() + [int(np.argmax(chk.hourly.loading_max_percent)), int(np.argmax(chk.hourly.units_at_q_limit))]  # fmt: skip
    u = frames("thermal_u_mw")
    # the sample has decommitted units and units held at a reactive limit
    assert (u.iloc[hours] <= 1e-6).any().any() and chk.hourly.units_at_q_limit.iloc[hours].max() > 0
    for k in hours:
        ppn = _pandapower_hour(net_ac, inputs, k, u)
        vm = chk.vm_pu.iloc[k]  # buses with branches (the DC far ends are not checked)
        vm_pp = pd.Series(ppn.res_bus.vm_pu.to_numpy(), index=ppn.bus.name).reindex(vm.index)
        assert len(vm) == 27 and vm_pp.notna().all()
        assert np.max(np.abs(vm.to_numpy() - vm_pp.to_numpy())) < 1e-6
        line = chk.loading_percent.iloc[k].reindex(ppn.line.name).to_numpy()
        assert np.max(np.abs(line - ppn.res_line.loading_percent.to_numpy())) < 1e-4
        trafo = chk.loading_percent.iloc[k].reindex(ppn.trafo.name).to_numpy()
        assert np.max(np.abs(trafo - ppn.res_trafo.loading_percent.to_numpy())) < 1e-4
        pf = chk.series.p_from_mw[k, : len(ppn.line)]
        assert np.max(np.abs(pf - ppn.res_line.p_from_mw.to_numpy())) < 1e-4
        loss_pp = ppn.res_line.pl_mw.sum() + ppn.res_trafo.pl_mw.sum()
        assert abs(chk.hourly.ac_loss_mw.iloc[k] - loss_pp) < 1e-4
        assert abs(chk.hourly.slack_p_mw.iloc[k] - ppn.res_ext_grid.p_mw.sum()) < 1e-4
        q_pp = pd.Series(ppn.res_gen.q_mvar.to_numpy(), index=ppn.gen.name).fillna(0.0)
        q = chk.gen_q_mvar.iloc[k]
        assert np.max(np.abs(q.to_numpy() - q_pp.reindex(q.index).to_numpy())) < 1e-4


def test_written_check_and_cli(week_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``gridsim run`` wrote the check; ``gridsim check`` refuses to replace it without
    --overwrite, replaces it with, and prints the summary."""
    summary, tables = read_ac_check(week_run)
    assert summary["hours"] == 168 == len(tables["hourly"])
    assert (week_run / "ac_check" / "manifest.json").is_file()
    capsys.readouterr()
    assert main(["check", str(week_run)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["check", str(week_run), "--overwrite", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hours"] == 168 and out["failed_hours"] == 0
    # the same figures as the check written by gridsim run
    assert out["losses"]["ac_mwh"] == pytest.approx(summary["losses"]["ac_mwh"], rel=1e-9)
    again = ac_check_run(week_run)
    assert again.summary["overload"]["pairs"] == summary["overload"]["pairs"]


def _frames(load_mw: np.ndarray, gen_mw: np.ndarray) -> dict[str, pd.DataFrame]:
    idx = pd.date_range("2025-01-01", periods=len(load_mw), freq="h", tz="Asia/Shanghai")
    return {
        "load_mw": pd.DataFrame({"system": load_mw}, index=idx),
        "thermal_p_mw": pd.DataFrame({"g_b": gen_mw}, index=idx),
    }


def test_violations_on_a_hand_made_case() -> None:
    """Low voltage at the load bus and an overloaded line are reported exactly where
    pandapower's solution of the same hour puts them beyond the limits."""
    import pandapower as pp

    net = three_bus()
    net.bus["vm_min_pu"] = 0.97
    net.bus["vm_max_pu"] = 1.05
    load = np.array([200.0, 450.0, 900.0, 1300.0])
    fr = _frames(load, np.full(4, 200.0))
    # limits reported, not enforced: pandapower's runpp default
    s = AcCheckSettings(load_power_factor=0.9, max_loading_percent=60.0, enforce_q_limits=False)
    chk = run_ac_check(net, fr.get, s)
    assert chk.hourly.converged.all()
    viol = chk.violations
    for k in range(4):
        n = net.copy()
        n.load.loc["load_c", ["p_mw", "q_mvar"]] = [load[k], load[k] * np.tan(np.arccos(0.9))]
        ppn = to_pandapower(n)
        pp.runpp(ppn, tolerance_mva=1e-9)
        t = chk.hourly.index[k]
        low_pp = set(ppn.bus.name[ppn.res_bus.vm_pu < 0.97])
        over_pp = set(ppn.line.name[ppn.res_line.loading_percent > 60.0])
        got = viol[viol.snapshot == t]
        assert set(got.element[got.kind == "vm_low"]) == low_pp
        assert set(got.element[got.kind == "overload"]) == over_pp
    assert (viol.kind == "vm_low").any() and (viol.kind == "overload").any()  # the case has both
    # reactive limits of g_b (+-100 Mvar) exceeded at the heavy hours
    q = chk.gen_q_mvar["g_b"]
    assert set(viol.snapshot[viol.kind == "q_max"]) == set(q.index[q > 100])


def test_hour_that_does_not_converge_is_reported() -> None:
    net = three_bus()
    load = np.array([300.0, 30000.0, 400.0])
    chk = run_ac_check(net, _frames(load, np.full(3, 200.0)).get)
    assert chk.hourly.converged.tolist() == [True, False, True]
    assert len(chk.failed) == 1 and chk.failed.snapshot.iloc[0] == chk.hourly.index[1]
    assert "no convergence" in chk.failed.diagnosis.iloc[0]
    assert chk.summary["failed_hours"] == 1 and chk.summary["converged_hours"] == 2
    assert np.isnan(chk.vm_pu.iloc[1]).all() and np.isfinite(chk.vm_pu.iloc[[0, 2]]).all().all()


def test_converter_reactive_power() -> None:
    """A DC link becomes a load of its sent power with the net reactive share."""
    net = three_bus()
    net.add_bus("r", vn_kv=500.0, zone="ext")
    net.add_gen("slack_r", "r", slack=True)
    net.add_dcline("dc", "c", "r", p_mw=100.0, loss_percent=2.0, max_p_mw=1000.0)
    fr = _frames(np.full(2, 300.0), np.full(2, 200.0))
    fr["link_p_mw"] = pd.DataFrame({"dc": [0.0, 500.0]}, index=fr["load_mw"].index)
    s = AcCheckSettings(converter_q_share=0.6, filter_q_share=0.45)
    net_ac = ac_network(net)
    assert not net_ac.dcline.in_service["dc"]
    inputs = ac_inputs(net_ac, fr.get, s, bus_shape_mw(net, None, fr["load_mw"].index))
    assert inputs["load.p_mw"][f"dc{CONVERTER}"].tolist() == [0.0, 500.0]
    assert inputs["load.q_mvar"][f"dc{CONVERTER}"].tolist() == pytest.approx([0.0, 75.0])
    chk = run_ac_check(net, fr.get, s)
    assert chk.hourly.converged.all()
    # the converter's 500 MW more load shows up at the slack (plus the extra losses)
    d = chk.hourly.slack_p_mw.iloc[1] - chk.hourly.slack_p_mw.iloc[0]
    dl = chk.hourly.ac_loss_mw.iloc[1] - chk.hourly.ac_loss_mw.iloc[0]
    assert d == pytest.approx(500.0 + dl, abs=1e-6)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("load_power_factor", 1.2),
        ("load_power_factor", 0.0),
        ("filter_q_share", -1.0),
        ("max_loading_percent", 0.0),
        ("vm_max_pu", 0.9),
    ],  # fmt: skip
)
def test_bad_settings(field: str, value: float) -> None:
    kw = {field: value}
    if field == "vm_max_pu":
        kw["vm_min_pu"] = 0.95
    with pytest.raises(InputError, match=f"ac_check.{field}"):
        run_ac_check(three_bus(), _frames(np.ones(2), np.ones(2)).get, AcCheckSettings(**kw))


def test_bad_dispatch_input() -> None:
    fr = _frames(np.array([300.0, np.nan]), np.full(2, 200.0))
    with pytest.raises(InputError, match="not finite"):
        run_ac_check(three_bus(), fr.get)
    with pytest.raises(InputError, match="load_mw"):
        run_ac_check(three_bus(), {"thermal_p_mw": fr["thermal_p_mw"]}.get)
    fr = _frames(np.full(2, 300.0), np.full(2, 200.0))
    fr["load_mw"].columns = ["nowhere"]
    fr["load_mw"]["other"] = 1.0
    with pytest.raises(InputError, match="nowhere"):
        run_ac_check(three_bus(), fr.get)


def test_bad_scenario_and_run_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gridsim.scenario import load_scenario

    f = tmp_path / "bad.toml"
    base = (ROOT / "scenarios" / "ningxia_2025_week.toml").as_posix()
    f.write_text(f'base = "{base}"\n[ac_check]\nload_power_factor = 1.5\n')
    with pytest.raises(InputError, match="load_power_factor"):
        load_scenario(f)
    (tmp_path / "notarun").mkdir()
    assert main(["check", str(tmp_path / "notarun")]) == 2
    assert "gridsim: error" in capsys.readouterr().err


def test_check_never_replaces_a_foreign_folder(week_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(week_run, run, ignore=shutil.ignore_patterns("ac_check"))
    (run / "ac_check").mkdir()
    (run / "ac_check" / "mine.txt").write_text("not gridsim's")
    assert main(["check", str(run), "--overwrite"]) == 2
    assert (run / "ac_check" / "mine.txt").read_text() == "not gridsim's"


def test_report_shows_the_check(week_run: Path, tmp_path: Path) -> None:
    from gridsim.report.ac_check import monthly_vm
    from gridsim.report.html import write_report

    out = write_report(week_run, out=tmp_path / "r.html", interactive=False, dpi=40)
    text = out.read_text()
    assert "AC check of every dispatched hour" in text and "Violations" in text
    _, t = read_ac_check(week_run)
    vmin, vmax = monthly_vm(t["vm_pu"])
    assert np.allclose(vmin[3].to_numpy(), t["vm_pu"].min().reindex(vmin.index).to_numpy())
    assert (vmax >= vmin).all().all()
    v = t["violations"]
    for el in set(v.element[v.kind == "overload"]):
        assert f"<td>{el}</td>" in text


def test_marginal_loss_factors_match_pandapower() -> None:
    """MLFs (dLoss/dP, the slack taking the change) equal pandapower's losses at the
    dispatched and at the raised injection; more injection at the load bus cuts losses."""
    import pandapower as pp

    from gridsim.studies.loss_feedback import marginal_loss_factors, penalty_factors

    net = three_bus()
    net.add_gen("g_c", "c", p_mw=0.0, vm_pu=1.0, min_q_mvar=-50, max_q_mvar=50)
    load = np.array([300.0, 600.0])
    fr = _frames(load, np.full(2, 200.0))
    fr["thermal_p_mw"]["g_c"] = [50.0, 100.0]
    s = AcCheckSettings(load_power_factor=0.95)
    mlf = marginal_loss_factors(net, fr.get, s, n_hours=2, dp_mw=1.0)
    assert list(mlf.columns) == ["b", "c"]

    def losses(k: int, bus: str | None) -> float:
        n = net.copy()
        n.load.loc["load_c", ["p_mw", "q_mvar"]] = [load[k], load[k] * np.tan(np.arccos(0.95))]
        n.gen.loc["g_b", "p_mw"] = 200.0
        n.gen.loc["g_c", "p_mw"] = fr["thermal_p_mw"]["g_c"].iloc[k]
        if bus is not None:
            n.add_load("probe", bus, p_mw=-1.0, q_mvar=0.0)
        ppn = to_pandapower(n)
        pp.runpp(ppn, tolerance_mva=1e-10)
        return float(ppn.res_line.pl_mw.sum())

    for k in range(2):
        for bus in ("b", "c"):
            assert mlf[bus].iloc[k] == pytest.approx(losses(k, bus) - losses(k, None), abs=1e-6)
        assert mlf["c"].iloc[k] < 0 < 1.0 / (1.0 - mlf["c"].iloc[k]) < 1.0
    pf = penalty_factors(net, mlf, fr.get)
    assert pf["g_c"] < 1.0 and pf["g_c"] == pytest.approx(1.0 / (1.0 - np.average(mlf["c"], weights=[50.0, 100.0])))  # fmt: skip


def test_loss_feedback_moves_the_dispatch(tmp_path: Path) -> None:
    """On a Ningxia day, the second pass uses the first pass's AC loss share as the LP's
    loss factor: its demand for losses matches the AC losses it was fed."""
    from gridsim.studies.loss_feedback import run_loss_feedback

    sc = tmp_path / "day.toml"
    base = (ROOT / "scenarios" / "ningxia_2025_week.toml").as_posix()
    sc.write_text(f'base = "{base}"\n[scenario]\nname = "day"\n[study]\nstart = "2025-03-17"\nend = "2025-03-19"\nhorizon_h = 48\nlookahead_h = 0\n')  # fmt: skip
    fb = run_loss_feedback(sc, iterations=1, n_hours=6)
    t = fb.table
    assert list(t.index) == [0, 1] and t.loss_factor.iloc[0] == 0.0
    share = t.ac_loss_mwh.iloc[0] / t.ac_load_mwh.iloc[0]
    assert t.loss_factor.iloc[1] == pytest.approx(share, rel=1e-12) and 0 < share < 0.05
    assert t.lp_loss_mwh.iloc[1] > 0  # the LP now carries losses
    assert t.objective_cny.iloc[1] > t.objective_cny.iloc[0]  # more energy to buy
    assert (fb.penalty.iloc[:, 0] > 0).all()


def test_run_json_carries_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``gridsim run --json`` of a scenario with ``ac_check = true``: the document holds
    the AC check's summary, the one written to ``RUN/ac_check``."""
    sc = tmp_path / "day_ac.toml"
    base = (ROOT / "scenarios" / "ningxia_2025_week.toml").as_posix()
    sc.write_text(f'base = "{base}"\n[scenario]\nname = "day_ac"\n[study]\nac_check = true\nend = "2025-03-18"\n')  # fmt: skip
    out = tmp_path / "day"
    capsys.readouterr()
    assert main(["run", str(sc), "--quiet", "--json", "--out", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    written, _ = read_ac_check(out)
    assert doc["ac_check"]["hours"] == 24 == written["hours"]
    assert doc["ac_check"]["losses"]["ac_mwh"] == pytest.approx(
        written["losses"]["ac_mwh"], rel=1e-12
    )
    assert doc["kpis"]["renewable_utilisation"] > 0


def test_run_balance_runs_the_check(tmp_path: Path) -> None:
    """``run_balance`` of a scenario with ``ac_check = true`` checks its own dispatch: the
    result carries the check, its KPIs go to summary.json and its tables to ``ac_check/``
    inside the results folder, and they equal the check of the written folder made from
    the files alone (``ac_check_run``)."""
    from gridsim.results.store import load_run
    from gridsim.studies.ac_check import ac_kpis
    from gridsim.studies.balance import run_balance

    sc = tmp_path / "day_ac.toml"
    base = (ROOT / "scenarios" / "ningxia_2025_week.toml").as_posix()
    sc.write_text(f'base = "{base}"\n[scenario]\nname = "day_ac"\n[study]\nac_check = true\nend = "2025-03-18"\n')  # fmt: skip
    res = run_balance(sc)
    assert res.ok and res.ac_check is not None and res.timings_s["ac_check"] > 0
    assert res.kpis["ac_check"]["hours"] == 24
    out = res.write(tmp_path / "day")
    written, tables = read_ac_check(out)
    assert written["hours"] == 24 and len(tables["hourly"]) == 24
    assert load_run(out).summary["ac_check"]["hours"] == 24
    again = ac_kpis(ac_check_run(out).summary)
    for key, value in res.kpis["ac_check"].items():
        assert again[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
    plain = tmp_path / "plain.toml"  # without the flag: no check, no KPI, no folder
    plain.write_text(f'base = "{base}"\n[scenario]\nname = "day"\n[study]\nend = "2025-03-18"\n')  # fmt: skip
    res0 = run_balance(plain)
    assert res0.ac_check is None and "ac_check" not in res0.kpis
    assert not (res0.write(tmp_path / "plain") / "ac_check").exists()
