"""The results store: load_run, list_runs (sweeps included), compare_runs, the CLI.

One real two-week run of ningxia_2025 (copper plate) is made per module; the other
layouts (sweep folders, tidy CSV files, edited summaries) are copies of it.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.cli.report import register
from gridsim.errors import InputError
from gridsim.results import (
    KEY_KPIS,
    compare_runs,
    flatten,
    list_runs,
    load_run,
    load_sweep,
    unit_of,
)
from gridsim.results.integrity import file_records, reseal
from gridsim.results.write import write_hourly
from gridsim.studies.balance import BalanceResult, run_balance

SCENARIO = """
base = "ningxia_2025"
[scenario]
name = "store_test"
[study]
whole_year = false
start = "2025-01-27"
end = "2025-02-10"
network_model = "copperplate"
"""


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[BalanceResult, Path]:
    d = tmp_path_factory.mktemp("store")
    (d / "sc.toml").write_text(SCENARIO)
    res = run_balance(d / "sc.toml")
    assert res.ok
    return res, res.write(d / "results" / "base")


@pytest.fixture(scope="module")
def run_dir(made: tuple[BalanceResult, Path]) -> Path:
    return made[1]


def _copy(src: Path, dst: Path, **summary_changes: float) -> Path:
    shutil.copytree(src, dst)
    if summary_changes:
        s = json.loads((dst / "summary.json").read_text())
        s.update(summary_changes)
        (dst / "summary.json").write_text(json.dumps(s))
        reseal(dst)  # an edit on purpose, recorded in the manifest
    return dst


# ------------------------------------------------------------------ load_run
def test_load_run_reads_the_files(run_dir: Path) -> None:
    run = load_run(run_dir)
    assert run.name == "store_test" and run.status == "optimal" and run.ok
    assert run.summary == json.loads((run_dir / "summary.json").read_text())
    assert run.manifest["hours"] == 14 * 24
    assert list(run.scorecard["kpi"]) == list(pd.read_csv(run_dir / "scorecard.csv")["kpi"])
    assert load_run(run_dir / "manifest.json").path == run_dir  # the manifest works too
    assert len(run.windows) == run.manifest["windows"]


def test_frame_is_lazy_local_time_and_cached(run_dir: Path) -> None:
    run = load_run(run_dir)
    assert run._frames == {}
    load = run.frame("load_mw")
    assert str(load.index.tz) == "Asia/Shanghai" and load.index.name == "snapshot"
    assert load.shape == (14 * 24, 1) and load.index[0] == pd.Timestamp("2025-01-27", tz="Asia/Shanghai")  # fmt: skip
    assert run.frame("load_mw") is load
    pd.testing.assert_frame_equal(
        run.frame("thermal_p_mw"),
        pd.read_parquet(run_dir / "hourly/thermal_p_mw.parquet"),
        check_freq=False,
        check_names=False,  # fmt: skip
    )
    assert run.dt_h == 1.0
    assert "flow_mw" not in run.frames()  # copper plate: no branch flows written
    kwh = run.total("load_mw").sum() * run.dt_h
    assert kwh == pytest.approx(run.summary["demand_mwh"], rel=1e-9)


def test_unknown_frame_names_the_run_and_what_exists(run_dir: Path) -> None:
    with pytest.raises(InputError, match=r"has no hourly series 'nope_mw' \(available: .*load_mw"):
        load_run(run_dir).frame("nope_mw")
    with pytest.raises(InputError, match=str(run_dir)):
        load_run(run_dir).frame("nope_mw")


def test_elements_carry_the_network_fuels(run_dir: Path, tmp_path: Path) -> None:
    run = load_run(run_dir)
    el = run.elements()
    assert {"coal", "wind", "solar", "hydro", "biomass", "battery", "dc_export", "ac_export"} <= set(el.carrier)  # fmt: skip
    for fuel, mwh in run.summary["generation_mwh"].items():
        if fuel == "total":
            continue
        arrays = {"thermal": "thermal_p_mw", "renewable": "renewable_p_mw", "hydro": "hydro_p_mw"}
        got = sum(run.total(arr, run.of_carrier(g, fuel)).sum() for g, arr in arrays.items())
        assert got == pytest.approx(mwh, rel=1e-9), fuel
    # without the network file: carriers from the name prefixes, same result here
    other = _copy(run_dir, tmp_path / "nonet")
    m = json.loads((other / "manifest.json").read_text())
    m["inputs"]["network"]["file"] = "gone/nowhere.toml"
    (other / "manifest.json").write_text(json.dumps(m))
    lone = load_run(other)
    assert lone.network() is None
    same = lone.elements().drop(index=lone.elements().index[lone.elements().group == "links"])
    pd.testing.assert_frame_equal(same, el.loc[same.index])


def test_tidy_csv_layout_reads_like_wide_parquet(made: tuple[BalanceResult, Path], tmp_path: Path) -> None:  # fmt: skip
    res, run_dir = made
    tidy = _copy(run_dir, tmp_path / "tidy")
    shutil.rmtree(tidy / "hourly")
    files = write_hourly(res.dispatch, tidy / "hourly", ["thermal", "nodes", "storage"], "tidy", parquet=False)  # fmt: skip
    manifest = json.loads((tidy / "manifest.json").read_text())  # record the new layout
    manifest["files"] = file_records(tidy, [f"hourly/{f}" for f in files])
    (tidy / "manifest.json").write_text(json.dumps(manifest))
    wide, long = load_run(run_dir), load_run(tidy)
    assert set(long.frames()) >= {"thermal_p_mw", "load_mw", "storage_soc_mwh"}
    for name in ("thermal_p_mw", "load_mw", "storage_soc_mwh"):
        a, b = wide.frame(name), long.frame(name)
        assert str(b.index.tz) == "Asia/Shanghai"
        np.testing.assert_allclose(b[a.columns].to_numpy(), a.to_numpy(), rtol=1e-12)
        assert (b.index == a.index).all()


def test_bad_paths_are_input_errors_naming_the_path(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=f"{tmp_path / 'missing'}: no such run folder"):
        load_run(tmp_path / "missing")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(InputError, match="file.txt: is not a folder"):
        load_run(tmp_path / "file.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty: is not a run folder \\(no manifest.json\\)"):
        load_run(tmp_path / "empty")
    bad = _copy(run_dir, tmp_path / "bad")
    (bad / "summary.json").write_text("{not json")
    with pytest.raises(InputError, match="summary.json: has 9 bytes, manifest.json records .*: the results are damaged"):  # fmt: skip
        load_run(bad)
    with pytest.raises(InputError, match="no such results folder"):
        list_runs(tmp_path / "nothing")
    with pytest.raises(InputError, match="not a sweep folder"):
        load_sweep(run_dir)


# ---------------------------------------------------------- list and sweeps
@pytest.fixture()
def tree(run_dir: Path, tmp_path: Path) -> Path:
    """root/a, root/b (utilisation edited), root/sweep/runs/{c1,c2} + summary, a hidden tmp."""
    root = tmp_path / "root"
    _copy(run_dir, root / "a")
    _copy(run_dir, root / "b", renewable_utilisation=0.5)
    sweep = root / "sweep"
    _copy(run_dir, sweep / "runs" / "c1")
    _copy(run_dir, sweep / "runs" / "c2", coal_t=1.0)
    (sweep / "runs" / "c1" / "case.json").write_text(json.dumps({"case_id": "c1", "label": "bat-1"}))  # fmt: skip
    failed = sweep / "runs" / "c3"  # a case that raised: gridsim.batch writes only these two
    failed.mkdir()
    (failed / "error.json").write_text(json.dumps({"case_id": "c3", "message": "boom"}))
    (failed / "case.json").write_text(json.dumps({"case_id": "c3", "label": "bat-3", "base": "ningxia_2025", "row": {"status": "error"}}))  # fmt: skip
    table = pd.DataFrame({"case_id": ["c1", "c2"], "battery_scale": [1.0, 2.0]})
    table.to_parquet(sweep / "summary.parquet")
    table.to_csv(sweep / "summary.csv", index=False)
    _copy(run_dir, root / ".a.tmp-123")  # half-written: skipped
    return root


def test_list_runs_finds_runs_and_sweep_cases(tree: Path) -> None:
    df = list_runs(tree)
    assert sorted(Path(p).relative_to(tree).as_posix() for p in df["path"]) == [
        "a", "b", "sweep/runs/c1", "sweep/runs/c2", "sweep/runs/c3"
    ]  # fmt: skip
    c3 = df.set_index("case_id").loc["c3"]
    assert c3["status"] == "error" and c3["error"] == "boom" and c3["label"] == "bat-3"
    assert np.isnan(c3["renewable_utilisation"])
    assert df.set_index("case_id").loc["c1", "label"] == "bat-1"
    with pytest.raises(InputError, match="c3: is a sweep case that wrote no results: boom"):
        load_run(tree / "sweep" / "runs" / "c3")
    df = df[df["status"] != "error"]
    assert set(df.scenario) == {"store_test"} and set(df.status) == {"optimal"}
    row = df.set_index("path").loc[str(tree / "b")]
    assert row["renewable_utilisation"] == 0.5
    c2 = df.set_index("case_id").loc["c2"]
    assert c2["sweep"] == str(tree / "sweep") and c2["coal_t"] == 1.0
    assert df.set_index("path").loc[str(tree / "a"), "sweep"] is None
    a = load_run(tree / "a")
    for key in KEY_KPIS:
        want = a.kpi(key)
        assert df.set_index("path").loc[str(tree / "a"), key] == pytest.approx(want, nan_ok=True)
    assert (df["targets"] == len(a.scorecard)).all()
    assert df["created"].is_monotonic_increasing
    assert list_runs(tree / "sweep")["case_id"].tolist() == ["c1", "c2", "c3"]
    assert load_sweep(tree / "sweep")["battery_scale"].tolist() == [1.0, 2.0]
    with pytest.raises(InputError, match="is a sweep folder, not a run"):
        load_run(tree / "sweep")


def test_list_runs_of_an_empty_folder(tmp_path: Path) -> None:
    df = list_runs(tmp_path)
    assert df.empty and {"path", "scenario", "status", "created"} <= set(df.columns)


# ------------------------------------------------------------------ compare
def test_compare_runs_side_by_side_with_differences(tree: Path) -> None:
    df = compare_runs([tree / "a", tree / "b"])
    a, b = load_run(tree / "a"), load_run(tree / "b")
    assert list(df.index) == [*KEY_KPIS, "targets_met"]
    assert list(df.columns) == ["unit", "store_test (a)", "store_test (b)", "Δ store_test (b)", "Δ% store_test (b)"]  # fmt: skip
    u = "renewable_utilisation"
    assert df.loc[u, "store_test (a)"] == a.summary[u]
    assert df.loc[u, "Δ store_test (b)"] == pytest.approx(0.5 - a.summary[u])
    assert df.loc[u, "Δ% store_test (b)"] == pytest.approx(100 * (0.5 - a.summary[u]) / a.summary[u])  # fmt: skip
    assert df.loc[u, "unit"] == "share" and df.loc["coal_t", "unit"] == "t"
    assert df.loc["coal_t", "Δ store_test (b)"] == 0.0
    assert df.loc["targets_met", "store_test (a)"] == a.scorecard["met"].sum()
    full = compare_runs([a, b], all_kpis=True, labels=["x", "y"])
    assert "generation_mwh.coal" in full.index and "solver.windows" in full.index
    assert "curtailment_by_cause.method" not in full.index  # text is left out
    assert full.loc["generation_mwh.coal", "x"] == b.summary["generation_mwh"]["coal"]
    some = compare_runs([a], kpis=["peak_load_mw"])
    assert list(some.index) == ["peak_load_mw", "targets_met"] and list(some.columns) == ["unit", "store_test"]  # fmt: skip
    with pytest.raises(InputError, match="one label per run"):
        compare_runs([a, b], labels=["x"])
    with pytest.raises(InputError, match="no such run folder"):
        compare_runs([tree / "a", tree / "zzz"])


def test_units_and_flatten() -> None:
    assert flatten({"a": {"b": 1, "c": {"d": 2}}, "e": 3}) == {"a.b": 1, "a.c.d": 2, "e": 3}
    assert unit_of("curtailed_mwh.wind") == "MWh" and unit_of("peak_shaving.met_by.thermal") == "share"  # fmt: skip
    assert unit_of("peak_shaving.net_load_swing_mw.max") == "MW"
    assert unit_of("total_cost.thermal_energy") == "CNY"


# ---------------------------------------------------------------------- CLI
def _cli(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="gridsim")
    register(p.add_subparsers(dest="command", required=True))
    args = p.parse_args(argv)
    return int(args.func(args))


def test_cli_ls_show_compare(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(["results", "ls", str(tree)]) == 0
    out = capsys.readouterr().out
    assert out.count("store_test") == 4 and "c2" in out and "50.00 %" in out
    assert "c3: boom" in out
    assert _cli(["results", "show", str(tree / "a")]) == 0
    out = capsys.readouterr().out
    assert "Plan scorecard" in out and "new-energy utilisation" in out and "load_mw" in out
    assert _cli(["results", "compare", str(tree / "a"), str(tree / "b")]) == 0
    out = capsys.readouterr().out
    assert "renewable_utilisation" in out and " pp" in out
    csv = tmp_path / "cmp.csv"
    assert _cli(["results", "compare", str(tree / "a"), str(tree / "b"), "--all", "--csv", str(csv)]) == 0  # fmt: skip
    assert "generation_mwh.coal" in pd.read_csv(csv, index_col=0).index
    with pytest.raises(InputError, match="no such run folder"):
        _cli(["results", "show", str(tmp_path / "nope")])


# --------------------------------------------------------------------- docs
DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_docs_cover_every_kpi_and_hourly_array(run_dir: Path) -> None:
    """docs/kpi.md names every key of summary.json, docs/results.md every hourly array."""
    from gridsim.results.layout import GROUP_ARRAYS

    kpi_doc = (DOCS / "kpi.md").read_text()
    for key in load_run(run_dir).summary:
        assert f"`{key}" in kpi_doc, key
    results_doc = (DOCS / "results.md").read_text()
    for names in GROUP_ARRAYS.values():
        for name in names:
            assert f"`{name}`" in results_doc, name
