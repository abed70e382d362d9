"""Sweeps (gridsim.batch): the sweep file, local processes and Dask, resume, failures.

The sweeps are tiny: ningxia_2025 cut to four July days (one perfect-foresight
solve per case, about a second each), two workers at most.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.batch import apply_changes, load_sweep, run_sweep, sweep_from_dict
from gridsim.errors import InputError
from gridsim.scenario import load_scenario, scenario_from_dict
from gridsim.studies.balance import run_balance

ROOT = Path(__file__).resolve().parents[1]
PERIOD = {"study.whole_year": False, "study.start": "2025-07-01", "study.end": "2025-07-05"}
KPIS = ["renewable_utilisation", "curtailed_gwh", "coal_mt", "co2_mt", "dr_shifted_gwh",
        "dr_curtailed_gwh", "unserved_mwh", "cost_bn_cny", "battery_gw", "solar_gw"]  # fmt: skip


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml_value(x)}' for k, x in v.items()) + " }"
    return repr(v)


def write_sweep(path: Path, name: str, grid: dict, cases: list[dict] | None = None, **set_: object) -> Path:  # fmt: skip
    """A sweep file on ningxia_2025's four-day period with ``grid``, ``cases`` and ``set_``."""
    lines = ["[sweep]", f'name = "{name}"', 'base = "ningxia_2025"', "", "[sweep.set]"]
    lines += [f'"{k}" = {_toml_value(v)}' for k, v in {**PERIOD, **set_}.items()]
    if grid:
        lines += ["", "[sweep.grid]"] + [f'"{k}" = {_toml_value(v)}' for k, v in grid.items()]
    for c in cases or []:
        lines += ["", "[[sweep.cases]]", f'id = "{c["id"]}"', f"changes = {_toml_value(c['changes'])}"]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def reference_kpis(changes: dict[str, object]) -> dict[str, float]:
    """A direct run_balance of ningxia_2025 changed by hand (not via gridsim.batch)."""
    sc = load_scenario("ningxia_2025")
    data = copy.deepcopy(sc.data)
    data["study"].update(whole_year=False, start=PERIOD["study.start"], end=PERIOD["study.end"])
    for path, value in changes.items():
        node = data
        *parents, leaf = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    res = run_balance(scenario_from_dict(data, path=sc.path, origin=sc.origin, files=sc.files))
    k = res.kpis
    return {
        "renewable_utilisation": k["renewable_utilisation"],
        "curtailed_gwh": k["curtailed_mwh"]["total"] / 1e3,
        "coal_mt": k["coal_t"] / 1e6,
        "co2_mt": k["co2_t"] / 1e6,
        "cost_bn_cny": k["total_cost"]["total"] / 1e9,
        "dr_shifted_gwh": k["dr_used_mwh"]["shifted"] / 1e3,
    }


MAIN_GRID = {"storage.battery_scale": [0.5, 2.0], "network.overrides.scale.solar": [1.5]}
MAIN_CASES = [
    {"id": "more_dr", "changes": {"demand_response.shiftable_share": 0.08}},
    {"id": "infeasible", "changes": {"exports.yindong_min_twh": 200.0}},
    {"id": "bad_fuel", "changes": {"network.overrides.scale.nuclear": 1.0}},
]


@pytest.fixture(scope="module")
def main_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The 5-case sweep (3 good, 1 infeasible, 1 failing) run on 2 local processes."""
    d = tmp_path_factory.mktemp("sweep")
    f = write_sweep(d / "main.toml", "main", MAIN_GRID, MAIN_CASES)
    res = run_sweep(f, workers=2, progress=False, out=d / "out")
    return d, res


# ---------------------------------------------------------------- sweep file
def test_sweep_file_expands_grid_and_cases(tmp_path: Path) -> None:
    f = write_sweep(tmp_path / "s.toml", "s", {"storage.battery_scale": [0.5, 1, 2], "storage.pumped_hydro": [True, False]}, [{"id": "x", "changes": {"demand_response": {"shiftable_share": 0.1}}}])  # fmt: skip
    sw = load_sweep(f)
    assert len(sw.cases) == 7 and sw.out == Path("results/sweeps/s")
    assert sw.cases[0].slug == "battery_scale-0.5_pumped_hydro-on"
    assert sw.cases[-1].changes == {"demand_response.shiftable_share": 0.1}  # nested tables flatten
    assert sw.params == ["storage.battery_scale", "storage.pumped_hydro", "demand_response.shiftable_share"]  # fmt: skip
    again = load_sweep(f)
    assert [c.id for c in again.cases] == [c.id for c in sw.cases]  # stable ids
    assert len({c.id for c in sw.cases}) == 7
    sc = sw.scenario(sw.cases[0])
    assert sc.storage.battery_scale == 0.5 and sc.storage.pumped_hydro is True
    assert sc.study.whole_year is False and sc.profiles.dir is not None


@pytest.mark.parametrize(
    ("sweep", "message"),
    [
        ({"name": "a", "base": "ningxia_2025", "grid": {"storage.battery_scale": 2}},
         "sweep.grid.storage.battery_scale must be a non-empty list of values, got 2"),
        ({"name": "a", "base": "ningxia_2025", "grid": {"storage.battery_scale": [1, -1]}},
         "sweep.grid.storage.battery_scale must be >= 0, got -1"),
        ({"name": "a", "base": "ningxia_2025", "grid": {"storage.battery_scal": [1]}},
         "sweep.grid.storage.battery_scal is not a known field"),
        ({"name": "a", "base": "ningxia_2025", "cases": [{"id": "c", "changes": {"demand_response.shiftable_share": 2}}]},
         "sweep.cases[0].changes.demand_response.shiftable_share must be within 0..1, got 2"),
        ({"name": "a", "base": "ningxia_2025", "grid": {"study.network_model": ["copper"]}},
         "sweep.grid.study.network_model must be one of copperplate, transport, ptdf, got 'copper'"),
        ({"name": "a", "base": "nowhere", "grid": {"storage.battery_scale": [1]}},
         "sweep.base is no such file or shipped scenario"),
        ({"name": "a", "base": "ningxia_2025", "workers": 2, "grid": {}},
         "sweep.workers is not a known field"),
        ({"name": "a", "base": "ningxia_2025"}, "needs [sweep.grid] or [[sweep.cases]]"),
        ({"name": "a b", "base": "ningxia_2025", "grid": {"storage.battery_scale": [1]}},
         "sweep.name must be a name of letters"),
        ({"name": "a", "base": "ningxia_2025", "grid": {"storage.battery_scale": [1]},
          "cases": [{"id": "dup", "changes": {"storage.battery_scale": 1}}]},
         "sweep.cases[0] repeats case battery_scale-1-"),
    ],
)  # fmt: skip
def test_sweep_file_errors_name_field_and_value(sweep: dict, message: str) -> None:
    with pytest.raises(InputError) as err:
        sw = sweep_from_dict({"sweep": sweep}, Path("sweeps/bad.toml").resolve())
        for c in sw.cases:
            sw.scenario(c)
    assert message in str(err.value)
    assert "sweeps/bad.toml" in str(err.value)


def test_apply_changes_merges_and_swaps_alternatives() -> None:
    base = load_scenario("ningxia_2025")
    sc = apply_changes(base, {"profiles.generate": {"year": 2025, "seed": 3}, "network.overrides.scale": {"solar": 1.2}}, "sweeps/x.toml")  # fmt: skip
    assert sc.profiles.dir is None and sc.profiles.seed == 3  # profiles.dir dropped
    assert sc.network.overrides.scale == {"solar": 1.2}
    assert sc.network.overrides.min_load_share == {"hydro": 0.3}  # the rest is inherited
    assert base.profiles.dir is not None and base.network.overrides.scale == {}  # untouched
    with pytest.raises(InputError, match=r"sweeps/x.toml: storage.battery_mw must be >= 0, got -5"):  # fmt: skip
        apply_changes(base, {"storage.battery_mw": -5}, "sweeps/x.toml")


# ------------------------------------------------------------------ running
def test_local_processes_one_row_per_case_equal_to_direct_runs(main_sweep) -> None:
    d, res = main_sweep
    out = d / "out"
    s = res.summary
    assert len(s) == 5 and list(s.label) == ["battery_scale-0.5_solar-1.5", "battery_scale-2_solar-1.5", "more_dr", "infeasible", "bad_fuel"]  # fmt: skip
    assert list(s.status) == ["optimal", "optimal", "optimal", "infeasible", "error"]
    assert (out / "sweep.toml").read_text() == (d / "main.toml").read_text()
    for p in ("summary.parquet", "summary.csv"):
        back = pd.read_parquet(out / p) if p.endswith("parquet") else pd.read_csv(out / p, index_col=0)  # fmt: skip
        assert list(back.index) == list(s.index)
        np.testing.assert_allclose(back.renewable_utilisation, s.renewable_utilisation, rtol=1e-12)  # fmt: skip
    for case_id in s.index[:3]:
        run = out / "runs" / case_id
        for f in ("manifest.json", "summary.json", "scorecard.csv", "case.json"):
            assert (run / f).is_file()
        assert json.loads((run / "manifest.json").read_text())["status"] == "optimal"
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]  # no temporaries
    # KPIs equal a direct run_balance of the same case (built without gridsim.batch)
    for label, changes in [("battery_scale-2_solar-1.5", {"storage.battery_scale": 2.0, "network.overrides.scale": {"solar": 1.5}}), ("more_dr", {"demand_response.shiftable_share": 0.08})]:  # fmt: skip
        row, ref = s[s.label == label].iloc[0], reference_kpis(changes)
        for k, v in ref.items():
            assert row[k] == pytest.approx(v, rel=1e-9, abs=1e-12), (label, k)
    s_ok = s[s.ok]
    assert s_ok.loc[s_ok.label.str.startswith("battery_scale-2"), "battery_gw"].item() == pytest.approx(10.2)  # fmt: skip
    assert s_ok.solar_gw.iloc[0] == pytest.approx(1.5 * 32.5)


def test_failures_stay_local_with_error_and_diagnosis(main_sweep) -> None:
    d, res = main_sweep
    f = res.failures
    assert list(f.label) == ["infeasible", "bad_fuel"] and not res.ok
    inf = json.loads((d / "out" / "runs" / f.index[0] / "error.json").read_text())
    assert inf["kind"] == "status" and inf["status"] == "infeasible"
    assert inf["diagnosis"]["violations"][0]["family"] == "link_energy"
    assert "yindong" in inf["diagnosis_text"]
    assert (d / "out" / "runs" / f.index[0] / "diagnosis.txt").is_file()
    bad = json.loads((d / "out" / "runs" / f.index[1] / "error.json").read_text())
    assert bad["kind"] == "exception" and bad["type"] == "InputError"
    assert "network.overrides.scale.nuclear names no in-service unit or fuel" in bad["message"]
    assert "network.overrides.scale.nuclear" in f.error.iloc[1]
    assert f.renewable_utilisation.isna().all()  # no KPI for a run that solved nothing


def test_dask_local_cluster_gives_the_same_summary(main_sweep, tmp_path: Path) -> None:
    d, res = main_sweep
    dres = run_sweep(d / "main.toml", executor="dask", address="local", workers=2, progress=False, out=tmp_path / "dask")  # fmt: skip
    a, b = res.summary, dres.summary
    assert list(a.index) == list(b.index) and list(a.status) == list(b.status)
    pd.testing.assert_frame_equal(a[KPIS], b[KPIS], rtol=1e-9)
    assert len(dres.ran) == 5 and not dres.skipped


# ------------------------------------------------------------------- resume
def _mtimes(run: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns for p in run.iterdir()}


def test_resume_after_a_limited_run_skips_finished_cases(tmp_path: Path) -> None:
    f = write_sweep(tmp_path / "r.toml", "r", {"storage.battery_scale": [0.5, 1.0, 2.0]}, **{"output.what": []})  # fmt: skip
    first = run_sweep(f, workers=2, progress=False, out=tmp_path / "out", limit=1)
    assert len(first.ran) == 1 and len(first.pending) == 2
    assert list(first.summary.status).count("pending") == 2
    done = tmp_path / "out" / "runs" / first.ran[0]
    before = _mtimes(done)
    second = run_sweep(f, workers=2, progress=False, out=tmp_path / "out")
    assert second.skipped == first.ran and sorted(second.ran) == sorted(first.pending)
    assert _mtimes(done) == before
    assert second.ok and list(second.summary.status) == ["optimal"] * 3


def test_resume_after_killing_the_command(tmp_path: Path) -> None:
    f = write_sweep(tmp_path / "k.toml", "k", {"storage.battery_scale": [0.5, 1.0, 2.0]}, **{"output.what": []})  # fmt: skip
    out, runs = tmp_path / "out", tmp_path / "out" / "runs"
    cmd = [sys.executable, "-m", "gridsim.batch", str(f), "--workers", "1", "--quiet", "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            # a published case folder (not the hidden staging folder it is written in)
            if runs.is_dir() and any((p / "case.json").is_file() for p in runs.iterdir() if not p.name.startswith(".")):  # fmt: skip
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker process
        proc.wait()
    done = sorted(p for p in runs.iterdir() if not p.name.startswith("."))
    assert 1 <= len(done) < 3
    assert all((p / "case.json").is_file() for p in done)  # no partial case folder
    before = {p.name: _mtimes(p) for p in done}
    res = run_sweep(f, workers=2, progress=False, out=out)
    assert sorted(res.skipped) == sorted(before) and len(res.ran) == 3 - len(before)
    assert res.ok and all(_mtimes(runs / n) == m for n, m in before.items())
    assert not [p for p in runs.iterdir() if p.name.startswith(".")]  # stale temporaries gone
    assert not (out / ".lock").exists()  # the killed command's lock was taken over, then freed


def test_one_sweep_at_a_time_per_output_folder(tmp_path: Path) -> None:
    import socket

    f = write_sweep(tmp_path / "l.toml", "l", {"storage.battery_scale": [1.0]})
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".lock").write_text(f"{socket.gethostname()} {os.getpid()}")
    with pytest.raises(InputError, match="is being written by another gridsim process"):
        run_sweep(f, progress=False, out=tmp_path / "out")
    assert not (tmp_path / "out" / "summary.csv").exists()


# ------------------------------------------------------------ plots and CLI
def test_sweep_response_plot(tmp_path: Path) -> None:
    from gridsim.report.sweep_plots import plot_sweep_response

    rows = []
    for b in (0.5, 1.0, 2.0):
        for dr in (0.02, 0.06):
            for pv in (1.0, 1.5):
                u = 0.99 - 0.06 * (pv - 1) * 2 + 0.01 * b + 0.1 * dr
                rows.append({"case": len(rows), "storage.battery_scale": b, "demand_response.shiftable_share": dr, "network.overrides.scale.solar": pv, "status": "optimal", "ok": True, "renewable_utilisation": min(u, 1.0), "battery_gw": 5.1 * b})  # fmt: skip
    df = pd.DataFrame(rows)
    df.loc[0, "status"] = "infeasible"
    fig = plot_sweep_response(df, x="battery_gw", hue="network.overrides.scale.solar", style="demand_response.shiftable_share")  # fmt: skip
    ax = fig.axes[0]
    assert ax.get_xlabel() == "battery power (GW)" and ax.get_ylabel() == "new-energy utilisation"
    assert len(ax.lines) == 5  # 2 PV x 2 DR lines + the 95 % target
    assert "1 failed case not shown" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "plan target ≥ 95 %" in labels and "PV capacity 1.5 ×, shiftable demand 6 %" in labels
    fig.savefig(tmp_path / "p.png")
    fig2 = plot_sweep_response(df, x="storage.battery_scale", hue="network.overrides.scale.solar")  # fmt: skip
    assert "mean and range over shiftable demand" in fig2.axes[0].get_title()
    with pytest.raises(KeyError):
        plot_sweep_response(df, x="nope")


def test_cli_register_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from gridsim.cli.sweep import main, register

    parser = argparse.ArgumentParser(prog="gridsim")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sweep", "x.toml", "--workers", "2", "--dask", "local", "--out", "o"])  # fmt: skip
    assert (args.sweep, args.workers, args.dask, args.out) == ("x.toml", 2, "local", "o")
    f = write_sweep(tmp_path / "l.toml", "l", {"storage.battery_scale": [1.0, 2.0]})
    assert main(["sweep", str(f), "--list"]) == 0
    assert "2 cases" in capsys.readouterr().out
    bad = write_sweep(tmp_path / "b.toml", "b", {"storage.battery_scale": [-1.0]})
    assert main([str(bad), "--list"]) == 2
    assert "sweep.grid.storage.battery_scale must be >= 0, got -1.0" in capsys.readouterr().err


def crash_or_pass(task):  # runs in a spawned worker process
    """Kill the worker process for the case labelled "crash"; return a row otherwise."""
    time.sleep(0.3)
    if task.case.slug == "crash":
        os._exit(3)
    return {"case_id": task.case.id, "status": "optimal", "ok": True}


@pytest.mark.slow  # four process start-ups: 20-60 s on a busy 2-core machine
def test_a_dead_worker_costs_only_its_own_case(tmp_path: Path) -> None:
    from concurrent.futures.process import BrokenProcessPool

    from gridsim.batch.runner import CaseTask, _run_processes
    from gridsim.batch.spec import Case

    tasks = [
        CaseTask(Case(i, f"{s}-0", s, "b", {}, "sweep.cases"), None, str(tmp_path / s), {})  # type: ignore[arg-type]
        for i, s in enumerate(["crash", "a", "b"])
    ]
    out = {t.case.slug: r for t, r in _run_processes(tasks, 2, fn=crash_or_pass)}
    assert sorted(out) == ["a", "b", "crash"]
    assert isinstance(out["crash"], BrokenProcessPool)
    assert out["a"]["ok"] and out["b"]["ok"]
