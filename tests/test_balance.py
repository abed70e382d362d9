"""The balance study end to end on two weeks of Ningxia 2025: files, summary, scorecard,
manifest, copper-plate re-run, an infeasible variant, determinism and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.cli import main
from gridsim.cli.run import run_scenario_cli
from gridsim.results.publish import OutputError
from gridsim.scenario import SCENARIOS_DIR, load_scenario
from gridsim.studies.balance import AC_BLOCK, BalanceResult, run_balance

BASE = f'base = "{SCENARIOS_DIR / "ningxia_2025.toml"}"\n'
TWO_WEEKS = '[study]\nwhole_year = false\nstart = "2025-03-03"\nend = "2025-03-17"\n'
# heat-driven floor of every coal unit at full capacity from the heating season's start
# (20 October): the second window cannot place the surplus anywhere
OVERHEATED = (
    '[study]\nwhole_year = false\nstart = "2025-10-10"\nend = "2025-10-24"\n'
    "[network.overrides]\nheating_must_run = { coal = 1.0 }\n"
)


def scenario(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / f"{name}.toml"
    p.write_text(BASE + f'[scenario]\nname = "{name}"\n' + text)
    return p


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory: pytest.TempPathFactory) -> BalanceResult:
    d = tmp_path_factory.mktemp("balance")
    seen: list[tuple[str, int, int]] = []
    res = run_balance(
        scenario(d, "two_weeks", TWO_WEEKS), progress=lambda s, r, n: seen.append((s, r.index, n))
    )
    assert seen == [("dispatch", 0, 2), ("dispatch", 1, 2)]
    return res


def test_two_weeks_solves_and_adds_up(two_weeks: BalanceResult) -> None:
    res = two_weeks
    assert res.ok and res.status == "optimal"
    assert res.dispatch.problem.T == 336
    assert str(res.dispatch.problem.snapshots[0]) == "2025-03-03 00:00:00+08:00"
    k = res.kpis
    gen, ex = k["generation_mwh"], k["export_mwh"]
    # pro-rated annual targets over 336 of 8760 h
    share = 336 / 8760
    for link, twh in (("yindong", 30.5), ("lingshao", 47.5), ("ningxiang", 36.0), ("zhaoyi", 1.4)):
        assert ex[link] >= twh * 1e6 * share * (1 - 1e-6)
    assert ex[AC_BLOCK] == pytest.approx(5e6 / 8760 * 336)
    # energy balance: generation + storage = consumption + exports + losses
    st = sum(v["discharge"] - v["charge"] for v in k["storage_mwh"].values())
    supply = gen["total"] + st + k["exchange_mwh"]["net_export"] * -1
    assert supply == pytest.approx(k["demand_mwh"] + ex["total"] + k["network_loss_mwh"], rel=1e-6)
    assert 0.9 < k["renewable_utilisation"] <= 1.0
    assert k["available_mwh"]["total"] == pytest.approx(
        gen["wind"] + gen["solar"] + k["curtailed_mwh"]["total"]
    )
    assert k["curtailment_by_cause"]["network"] == 0.0  # copper plate
    assert k["solver"]["windows"] == 2 and k["solver"]["solved_hours"] == 336
    assert 280 < k["coal_rate_gce_per_kwh"] < 310
    assert set(res.scorecard.kpi) >= {
        "renewable_utilisation",
        "dr_capacity_share_of_peak",
        "renewable_share_of_consumption",
        "coal_rate_gce_per_kwh",
        "dc_export_capability_mw",
    }
    card = res.scorecard.set_index("kpi")
    assert card.loc["dc_export_capability_mw", "value"] == 22_000.0
    assert card.loc["dr_capacity_share_of_peak", "met"]


def test_write_files_and_manifest(two_weeks: BalanceResult, tmp_path: Path) -> None:
    out = two_weeks.write(tmp_path / "out")
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "scorecard.csv", "manifest.json", "windows.csv", "hourly"} <= names
    assert not any(n.startswith(".") for n in names)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # temp dir renamed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["renewable_utilisation"] == pytest.approx(
        two_weeks.kpis["renewable_utilisation"]
    )
    card = pd.read_csv(out / "scorecard.csv")
    assert list(card.columns) == ["target", "kpi", "op", "target_value", "value", "unit", "met"]
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "optimal" and m["gridsim_version"]
    assert len(m["scenario"]["sha256"]) == 64 and m["scenario"]["path"].endswith("two_weeks.toml")
    assert len(m["scenario"]["files_sha256"]) == 3  # the variant, its base and the rules
    assert m["inputs"]["network"]["file"].endswith("ningxia_2025.toml")
    assert len(m["inputs"]["network"]["sha256"]) == 64
    assert set(m["inputs"]["profiles"]["tables_sha256"]) == {
        "wind_cf", "solar_cf", "load_mw", "heating", "export_pu"
    }  # fmt: skip
    assert m["seed"] == 1 and {"dispatch", "total", "write"} <= set(m["timings_s"])
    assert "hourly/thermal_p_mw.parquet" in m["files"]
    th = pd.read_parquet(out / "hourly" / "thermal_p_mw.parquet")
    assert str(th.index.tz) == "Asia/Shanghai" and th.shape == (336, 15)
    ren = pd.read_parquet(out / "hourly" / "renewable_curtail_mw.parquet")
    assert ren.to_numpy().sum() == pytest.approx(two_weeks.kpis["curtailed_mwh"]["total"])
    # writing again replaces the directory atomically, but only when asked to
    with pytest.raises(OutputError, match="holds an earlier gridsim result"):
        two_weeks.write(tmp_path / "out")
    assert two_weeks.write(tmp_path / "out", overwrite=True) == out


def test_tidy_csv_layout(two_weeks: BalanceResult, tmp_path: Path) -> None:
    from gridsim.results.write import write_hourly

    files = write_hourly(two_weeks.dispatch, tmp_path, ["storage", "links"], "tidy", parquet=False)
    assert files == ["storage.csv", "links.csv"]
    st = pd.read_csv(tmp_path / "storage.csv")
    assert list(st.columns) == [
        "snapshot", "storage", "storage_charge_mw", "storage_discharge_mw", "storage_soc_mwh"
    ]  # fmt: skip
    assert len(st) == 336 * 4


def test_determinism(two_weeks: BalanceResult) -> None:
    again = run_balance(two_weeks.scenario)

    def strip(k: dict) -> str:  # type: ignore[type-arg]
        k = json.loads(json.dumps(k, default=str))
        k["solver"].pop("time_s")
        return json.dumps(k, sort_keys=True)

    assert strip(again.kpis) == strip(two_weeks.kpis)
    for name, a in two_weeks.dispatch.arrays.items():
        assert np.array_equal(a, again.dispatch.arrays[name], equal_nan=True), name
    assert (
        again.manifest["inputs"]["problem_sha256"] == two_weeks.manifest["inputs"]["problem_sha256"]
    )


def test_transport_model_reruns_on_the_copper_plate(tmp_path: Path) -> None:
    text = TWO_WEEKS.replace("2025-03-17", "2025-03-10") + 'network_model = "transport"\n'
    res = run_balance(scenario(tmp_path, "zones", text))
    assert res.ok and res.copperplate is not None and res.copperplate.ok
    assert res.copperplate.problem.network == "copperplate"
    cause = res.kpis["curtailment_by_cause"]
    assert cause["method"] == "difference against a copper-plate re-run"
    assert cause["network"] + cause["balance"] == pytest.approx(cause["total"])
    assert res.manifest["copperplate_status"] == "optimal"


def test_infeasible_variant_keeps_earlier_windows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    path = scenario(tmp_path, "overheated", OVERHEATED)
    res = run_balance(path)
    assert res.status == "infeasible" and not res.ok
    assert [w.status for w in res.dispatch.windows] == ["optimal", "infeasible"]
    d = res.dispatch.diagnosis
    assert d is not None and d.window == 1 and d.start == "2025-10-17 00:00"
    assert ("balance", "surplus") in {(v.family, v.direction) for v in d.violations}
    assert d.suggestion
    pt = res.dispatch.arrays["thermal_p_mw"]
    assert np.isfinite(pt[:168]).all() and np.isnan(pt[168:]).all()
    assert res.kpis["solver"]["solved_hours"] == 168
    assert res.kpis["generation_mwh"]["total"] > 0  # KPIs of the solved week
    # the CLI: exit code 1, diagnosis on stderr, results of the first window written
    out = tmp_path / "res"
    assert run_scenario_cli(str(path), out=str(out), quiet=True) == 1
    err = capsys.readouterr().err
    assert "infeasible" in err and "window 1" in err and "suggestion" in err
    assert (out / "diagnosis.txt").read_text().startswith("window 1")
    th = pd.read_parquet(out / "hourly" / "thermal_p_mw.parquet")
    assert th.iloc[:168].notna().all().all() and th.iloc[168:].isna().all().all()
    assert json.loads((out / "manifest.json").read_text())["status"] == "infeasible"


def test_cli_prints_progress_tables_and_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    path = scenario(tmp_path, "cli", TWO_WEEKS.replace("2025-03-17", "2025-03-05") + "[output]\nwhat = []\n")  # fmt: skip
    out = tmp_path / "cli_out"
    assert main(["run", str(path), "--out", str(out)]) == 0
    text, err = capsys.readouterr()
    assert text.startswith("KPI summary")  # stdout: results only
    assert "KPI summary" in text and "new-energy utilisation" in text
    assert "Plan scorecard" in text and "DC export capability" in text
    assert "dispatch: 100%" in err and "1/1" in err  # the progress bar, on stderr
    assert f"results written to {out}/" in err and "results written" not in text
    assert (out / "summary.json").is_file() and not (out / "hourly").exists()
    assert main(["run", str(path), "--out", str(out), "--quiet", "--overwrite", "--json"]) == 0
    text, err = capsys.readouterr()
    doc = json.loads(text)  # stdout is one JSON document
    assert doc["status"] == "optimal" and doc["results_dir"] == str(out)
    assert doc["kpis"]["renewable_utilisation"] == pytest.approx(json.loads((out / "summary.json").read_text())["renewable_utilisation"])  # fmt: skip
    assert [r["kpi"] for r in doc["scorecard"]] == list(pd.read_csv(out / "scorecard.csv")["kpi"])
    assert "dispatch:" not in err  # --quiet: no bar


def test_cli_stdout_carries_results_only(tmp_path: Path) -> None:
    """In a fresh process: no solver banner or progress on stdout; the solver's log only
    with --verbose, and then on stderr."""
    import subprocess
    import sys

    path = scenario(tmp_path, "fresh", TWO_WEEKS.replace("2025-03-17", "2025-03-04") + "[output]\nwhat = []\n")  # fmt: skip
    cmd = [sys.executable, "-m", "gridsim", "run", str(path), "--out", str(tmp_path / "o")]
    quiet = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.startswith("KPI summary") and "HiGHS" not in quiet.stdout + quiet.stderr
    loud = subprocess.run([*cmd, "--overwrite", "--verbose"], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert loud.returncode == 0, loud.stderr
    assert loud.stdout.startswith("KPI summary") and "HiGHS" not in loud.stdout
    assert "HiGHS" in loud.stderr


def test_cli_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(tmp_path, "bad", "[study]\nhorizon_h = -3\n")
    assert main(["run", str(path)]) == 2
    assert "study.horizon_h must be > 0, got -3" in capsys.readouterr().err


def test_output_dir_default() -> None:
    sc = load_scenario("ningxia_2025")
    assert sc.output_dir == Path("results") / "ningxia_2025"


def test_weather_years_run_each_seed(tmp_path: Path) -> None:
    text = (
        "[profiles.generate]\nyear = 2025\nseed = 1\nweather_years = [1, 2]\n"
        '[study]\nwhole_year = false\nstart = "2025-04-07"\nend = "2025-04-10"\n'
        "[output]\nwhat = []\n"
    )
    stages: set[str] = set()
    res = run_balance(scenario(tmp_path, "weather", text), progress=lambda s, r, n: stages.add(s))
    assert stages == {"dispatch", "weather year 2"}
    wy = res.weather_years
    assert wy is not None and list(wy.index) == [1, 2]
    assert wy.loc[1, "renewable_utilisation"] == pytest.approx(res.kpis["renewable_utilisation"])
    assert wy.loc[1, "generation_mwh"] != wy.loc[2, "generation_mwh"] or (
        wy.loc[1, "curtailed_mwh"] != wy.loc[2, "curtailed_mwh"]
    )
    stats = res.kpis["weather_years"]
    assert stats["seeds"] == [1, 2]
    assert stats["min"]["renewable_utilisation"] <= stats["mean"]["renewable_utilisation"]
    out = res.write(tmp_path / "wy")
    assert pd.read_csv(out / "weather_years.csv").seed.tolist() == [1, 2]


def test_weather_year_percentiles_and_target_shares() -> None:
    from gridsim.studies.balance import _weather_stats
    from gridsim.targets import Target

    values = np.array([0.93, 0.97, 0.95, 0.99, 0.96, 0.94, 0.98, 0.955, 0.965, 0.945])
    wy = pd.DataFrame(
        {
            "status": "optimal",
            "renewable_utilisation": values,
            "curtailed_mwh": 1e6 * (1 - values),
        },  # fmt: skip
        index=pd.Index(range(1, 11), name="seed"),
    )
    target = Target("new-energy utilisation", "renewable_utilisation", ">=", 0.95)
    stats = _weather_stats(wy, [target])
    for q in (10, 50, 90):
        assert stats[f"p{q}"]["renewable_utilisation"] == pytest.approx(np.percentile(values, q))
    # 0.95, 0.955, 0.96, 0.965, 0.97, 0.98, 0.99 meet >= 0.95: 7 of 10 years
    assert stats["share_meeting_target"] == {"new-energy utilisation": pytest.approx(0.7)}
