"""The results catalog (gridsim.results.catalog): build, incremental and atomic update,
damaged runs, queries (pandas and DuckDB), sweep analysis, the CLI and the hooks.

Most run folders here are synthetic, so that the suite stays fast: :func:`write_run`
writes what :func:`gridsim.results.write.write_results` writes for the catalog
(``summary.json``, ``scorecard.csv``, a ``manifest.json`` with gridsim's marker, the
scenario's parameters and the files' sizes and SHA-256) in its format and with its own
helpers (staging folder, ``file_records``, ``publish_dir``), without the hourly files.
Sweep cases get the ``case.json`` of :func:`gridsim.batch.run_case`. The expected
values are the numbers written into those files; two tests end with a real ``gridsim
run`` and a real sweep case of four days.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from gridsim.cli import main
from gridsim.errors import InputError
from gridsim.results import catalog, list_runs
from gridsim.results.catalog_analysis import cheapest, response_surface
from gridsim.results.integrity import file_records
from gridsim.results.publish import OutputError, marker, publish_dir, staging_dir
from gridsim.results.write import jsonable

ROOT = Path(__file__).resolve().parents[1]


def write_run(
    dest: Path,
    params: dict[str, Any],
    util: float,
    cost: float,
    met: list[bool],
    name: str = "syn",
    status: str = "optimal",
) -> Path:
    """A run folder in the format of write_results (no hourly files): the KPIs
    ``renewable_utilisation`` = ``util``, ``total_cost.total`` = ``cost`` CNY and
    ``co2_t`` = 1e6 · util; one scorecard target per entry of ``met``."""
    tmp = staging_dir(dest)
    summary = {"renewable_utilisation": util, "total_cost": {"total": cost}, "co2_t": 1e6 * util}  # fmt: skip
    (tmp / "summary.json").write_text(json.dumps(jsonable(summary), indent=2) + "\n")
    kpis = ["renewable_utilisation", "co2_t", "unserved_mwh"][: len(met)]
    card = pd.DataFrame({"target": [f"t_{k}" for k in kpis], "kpi": kpis, "op": ">=", "target_value": 0.9, "value": util, "unit": "share", "met": met})  # fmt: skip
    card.to_csv(tmp / "scorecard.csv", index=False)
    manifest = {
        **marker(),
        "scenario": {
            "name": name,
            "path": f"scenarios/{name}.toml",
            "sha256": "0" * 64,
            "parameters": params,
        },  # fmt: skip
        "status": status,
        "hours": 96,
        "solved_hours": 96,
        "period": ["2025-07-01 00:00:00+08:00", "2025-07-04 23:00:00+08:00"],
        "timings_s": {"dispatch": 1.25, "total": 2.5},
    }
    manifest["files"] = file_records(tmp, ["summary.json", "scorecard.csv"])
    (tmp / "manifest.json").write_text(json.dumps(jsonable(manifest), indent=2) + "\n")
    return publish_dir(tmp, dest, overwrite=True)


def write_case(sweep: Path, case_id: str, changes: dict[str, Any], util: float, cost: float, met: list[bool]) -> Path:  # fmt: skip
    """A sweep case folder: a run plus the case.json of gridsim.batch."""
    if not (sweep / "sweep.json").exists():
        (sweep / "runs").mkdir(parents=True)
        (sweep / "sweep.json").write_text(json.dumps({**marker("sweep"), "name": sweep.name}))
        pd.DataFrame({"case_id": [case_id]}).to_parquet(sweep / "summary.parquet")
    d = write_run(sweep / "runs" / case_id, {"study.horizon_h": 96, **changes}, util, cost, met)
    info = {**marker("sweep-case"), "case_id": case_id, "label": case_id, "base": "syn", "changes": changes, "row": {"status": "optimal"}}  # fmt: skip
    (d / "case.json").write_text(json.dumps(info))
    return d


#: The sweep of :func:`tree`: case id -> (battery scale, solar scale, utilisation, cost CNY, targets met).
CASES = {
    f"b{b}_s{s}": (
        b,
        s,
        0.90 + 0.02 * b + 0.01 * s,
        1e9 * (1 + b + 0.5 * s),
        [0.90 + 0.02 * b + 0.01 * s >= 0.95, True],
    )  # fmt: skip
    for b in (0.5, 1.0, 2.0)
    for s in (1.0, 1.5)
}


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """root/a, root/deep/x/b, a sweep of six cases and one failed case, damaged runs
    (bad JSON, a summary that fails its hash, a file cut short, a listed file missing),
    a staging folder (skipped) and a power-flow result (not a run)."""
    root = tmp_path / "root"
    write_run(root / "a", {"storage.battery_scale": 1.0, "thermal.tier_price": [200.0, 400.0]}, 0.97, 5e9, [True, True])  # fmt: skip
    write_run(root / "deep" / "x" / "b", {"storage.battery_scale": 0.5}, 0.93, 3e9, [False, True])  # fmt: skip
    sweep = root / "sweeps" / "grid"
    for cid, (b, s, u, c, met) in CASES.items():
        write_case(sweep, cid, {"storage.battery_scale": b, "network.overrides.scale.solar": s}, u, c, met)  # fmt: skip
    failed = sweep / "runs" / "boom"
    failed.mkdir()
    (failed / "error.json").write_text(json.dumps({"case_id": "boom", "message": "solver exploded"}))  # fmt: skip
    (failed / "case.json").write_text(json.dumps({**marker("sweep-case"), "case_id": "boom", "base": "syn", "changes": {"storage.battery_scale": 9.0}, "row": {"status": "error"}}))  # fmt: skip
    bad = write_run(root / "bad_json", {}, 0.5, 1.0, [True])
    (bad / "manifest.json").write_text('{"written_by": "gridsim", "scenario": ')  # cut short
    edited = write_run(root / "edited", {}, 0.5, 1.0, [True])
    text = (edited / "summary.json").read_text()
    (edited / "summary.json").write_text(text.replace("0.5", "0.9"))  # same size, other bytes
    cut = write_run(root / "cut", {}, 0.5, 1.0, [True])  # a file half-written
    (cut / "scorecard.csv").write_bytes((cut / "scorecard.csv").read_bytes()[:20])
    gone = write_run(root / "gone", {}, 0.5, 1.0, [True])  # a listed file missing
    (gone / "summary.json").unlink()
    write_run(root / ".half.tmp-1-abc", {}, 0.5, 1.0, [True])  # a staging folder
    pf = root / "pf"
    pf.mkdir()
    (pf / "manifest.json").write_text(json.dumps({**marker("power-flow")}))
    return root


# ------------------------------------------------------------------- build
def test_build_has_one_row_per_run_with_its_values(tree: Path) -> None:
    df = catalog.build(tree)
    cases = sorted(f"sweeps/grid/runs/{c}" for c in [*CASES, "boom"])
    assert sorted(df["path"]) == sorted(["a", "deep/x/b", "bad_json", "edited", "cut", "gone", *cases])  # fmt: skip
    assert sorted(df["path"]) == sorted(Path(p).relative_to(tree).as_posix() for p in list_runs(tree)["path"])  # fmt: skip
    row = df.set_index("path").loc["a"]
    assert row["renewable_utilisation"] == 0.97 and row["total_cost.total"] == 5e9
    assert row["co2_t"] == pytest.approx(0.97e6) and np.isnan(row["coal_t"])
    assert row["param.storage.battery_scale"] == 1.0
    assert json.loads(row["param.thermal.tier_price"]) == [200.0, 400.0]
    assert row["scenario"] == "syn" and row["scenario_file"] == "scenarios/syn.toml"
    assert row["scenario_sha256"] == "0" * 64 and row["status"] == "optimal"
    assert row["timings_s.total"] == 2.5 and row["hours"] == 96
    assert bool(row["all_targets_met"]) and row["targets_met"] == 2
    assert row["start"] == pd.Timestamp("2025-07-01 00:00", tz="Asia/Shanghai")
    b = df.set_index("path").loc["deep/x/b"]
    assert not b["met.renewable_utilisation"] and b["met.co2_t"] and not b["all_targets_met"]
    case = df.set_index("path").loc["sweeps/grid/runs/b2.0_s1.5"]
    assert case["sweep"] == "sweeps/grid" and case["case_id"] == "b2.0_s1.5"
    assert case["param.network.overrides.scale.solar"] == 1.5
    assert case["changed"] == "network.overrides.scale.solar,storage.battery_scale"
    assert pd.isna(df.set_index("path").loc["a", "problem"])
    assert df["problem"].notna().sum() == 5  # bad JSON, failed hash, cut, missing, failed case


def test_damaged_runs_are_flagged_and_the_rest_kept(tree: Path) -> None:
    df = catalog.build(tree).set_index("path")
    assert "not valid JSON" in df.loc["bad_json", "problem"] and "manifest.json" in df.loc["bad_json", "problem"]  # fmt: skip
    assert "SHA-256" in df.loc["edited", "problem"] and "summary.json" in df.loc["edited", "problem"]  # fmt: skip
    assert "solver exploded" in df.loc["sweeps/grid/runs/boom", "problem"]
    assert df.loc["sweeps/grid/runs/boom", "param.storage.battery_scale"] == 9.0
    assert "has 20 bytes" in df.loc["cut", "problem"] and "scorecard.csv" in df.loc["cut", "problem"]  # fmt: skip
    assert "summary.json" in df.loc["gone", "problem"] and "missing" in df.loc["gone", "problem"]
    for p in ("bad_json", "edited", "cut", "gone"):
        assert df.loc[p, "status"] == "damaged" and np.isnan(df.loc[p, "renewable_utilisation"])
    ok = df[df["problem"].isna()]
    assert len(ok) == 2 + len(CASES) and ok["renewable_utilisation"].notna().all()


def test_incremental_update_equals_a_full_rebuild(tree: Path) -> None:
    catalog.build(tree)
    # new runs, a new parameter column, a replaced run and a removed one, one at a time
    new = write_run(tree / "later" / "c", {"storage.battery_scale": 3.0, "demand_response.shiftable_share": 0.08}, 0.99, 9e9, [True, True])  # fmt: skip
    assert catalog.record_run(new) == [(tree / "catalog.parquet").resolve()]
    write_run(tree / "a", {"storage.battery_scale": 1.0, "thermal.tier_price": [1.0]}, 0.5, 4e9, [False, True])  # fmt: skip
    catalog.record_run(tree / "a")
    d = write_case(tree / "sweeps" / "grid", "b4.0_s1.0", {"storage.battery_scale": 4.0, "network.overrides.scale.solar": 1.0}, 0.99, 8e9, [True, True])  # fmt: skip
    catalog.record_run(d)
    text = write_run(tree / "later" / "t", {"storage.battery_scale": "auto"}, 0.9, 1e9, [True])
    catalog.record_run(text)  # the column now mixes numbers and text: text throughout
    shutil.rmtree(tree / "deep")
    catalog.update(tree, [tree / "deep" / "x" / "b"])
    incremental = catalog.load(tree)
    full = catalog.build(tree)
    pd.testing.assert_frame_equal(incremental, full)
    assert incremental.set_index("path").loc["a", "renewable_utilisation"] == 0.5
    assert "deep/x/b" not in set(incremental["path"])
    assert incremental.set_index("path").loc["later/c", "param.demand_response.shiftable_share"] == 0.08  # fmt: skip
    assert incremental.set_index("path").loc["later/c", "timings_s.total"] == 2.5
    assert incremental.set_index("path")["param.storage.battery_scale"].loc[["a", "later/t"]].tolist() == ["1.0", "auto"]  # fmt: skip


def test_a_sweep_catalog_and_the_root_catalog_both_follow(tree: Path) -> None:
    catalog.build(tree)
    catalog.build(tree / "sweeps" / "grid")
    d = write_case(tree / "sweeps" / "grid", "b8.0_s1.0", {"storage.battery_scale": 8.0}, 0.9, 1e9, [True])  # fmt: skip
    done = catalog.record_run(d)
    assert done == [(tree / "sweeps" / "grid" / "catalog.parquet").resolve(), (tree / "catalog.parquet").resolve()]  # fmt: skip
    assert "runs/b8.0_s1.0" in set(catalog.load(tree / "sweeps" / "grid")["path"])
    assert "sweeps/grid/runs/b8.0_s1.0" in set(catalog.load(tree)["path"])


# ----------------------------------------------------------------- atomicity
def test_update_replaces_the_file_by_rename_and_a_failed_write_leaves_it_whole(tree: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    import pyarrow.parquet as pq

    path = tree / "catalog.parquet"
    catalog.build(tree)
    before, inode = path.read_bytes(), path.stat().st_ino
    new = write_run(tree / "n1", {}, 0.9, 1e9, [True])
    catalog.record_run(new)
    assert path.stat().st_ino != inode  # a new file renamed over, never written in place
    before = path.read_bytes()

    def crash(table: Any, where: Any, **kw: Any) -> None:
        Path(where).write_bytes(b"PAR1 half a catalog")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", crash)
    new2 = write_run(tree / "n2", {}, 0.9, 1e9, [True])
    assert catalog.record_run(new2) == []  # never fatal for the run
    assert "catalog not updated" in caplog.text and "gridsim results index" in caplog.text
    assert path.read_bytes() == before
    assert not [p.name for p in tree.iterdir() if p.name.startswith(".catalog")]  # no temp, no lock
    monkeypatch.undo()
    catalog.update(tree, [new2])
    assert "n2" in set(catalog.load(tree)["path"])


def test_a_writer_killed_mid_write_leaves_the_old_catalog(tree: Path) -> None:
    path = tree / "catalog.parquet"
    catalog.build(tree)
    before = path.read_bytes()
    new = write_run(tree / "n1", {}, 0.9, 1e9, [True])
    code = (
        "import os, pathlib, sys, pyarrow.parquet as pq\n"
        "from gridsim.results import catalog\n"
        "def die(table, where, **kw):\n"
        "    pathlib.Path(where).write_bytes(b'PAR1 half')\n"
        "    os._exit(9)\n"
        "pq.write_table = die\n"
        "catalog.update(sys.argv[1], [sys.argv[2]])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code, str(tree), str(new)], env=env, timeout=120)  # fmt: skip
    assert proc.returncode == 9
    assert path.read_bytes() == before  # readers still see the whole old catalog
    assert (tree / ".catalog.parquet.lock").exists()  # left by the dead writer
    assert "n1" not in set(catalog.load(tree)["path"])
    catalog.update(tree, [new])  # the dead writer's lock is taken over
    assert "n1" in set(catalog.load(tree)["path"]) and not (tree / ".catalog.parquet.lock").exists()


def test_concurrent_writers_wait_for_each_other(tree: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    catalog.build(tree)
    runs = [write_run(tree / "many" / f"r{i}", {}, 0.9, 1e9, [True]) for i in range(6)]
    with ThreadPoolExecutor(6) as pool:  # each thread takes the catalog's lock in turn
        done = list(pool.map(catalog.record_run, runs))
    assert all(len(d) == 1 for d in done)
    assert {f"many/r{i}" for i in range(6)} <= set(catalog.load(tree)["path"])


def test_a_users_file_at_the_catalog_path_is_never_replaced(tree: Path) -> None:
    path = tree / "catalog.parquet"
    pd.DataFrame({"mine": [1, 2]}).to_parquet(path)
    mine = path.read_bytes()
    with pytest.raises(OutputError, match="was not written by gridsim"):
        catalog.build(tree)
    assert catalog.record_run(tree / "a") == []
    with pytest.raises(OutputError, match="not a catalog that gridsim wrote"):
        catalog.load(tree)
    assert path.read_bytes() == mine and not catalog.is_catalog(path)


# ------------------------------------------------------------------- queries
def test_query_matches_pandas_filtering_of_the_written_values(tree: Path) -> None:
    got = catalog.query(tree, "renewable_utilisation < 0.95 and `param.storage.battery_scale` >= 1")  # fmt: skip
    want = sorted(f"sweeps/grid/runs/{c}" for c, (b, _, u, _, _) in CASES.items() if u < 0.95 and b >= 1)  # fmt: skip
    assert sorted(got["path"]) == want and len(want) > 0
    full = catalog.load(tree)
    mask = (full["renewable_utilisation"] < 0.95) & (full["param.storage.battery_scale"] >= 1)
    pd.testing.assert_frame_equal(got, full[mask].reset_index(drop=True))
    with pytest.raises(InputError, match="is not a query over the catalog's columns"):
        catalog.query(tree, "no_such_kpi > 1")
    with pytest.raises(InputError, match="exactly one"):
        catalog.query(tree)


def test_sql_matches_duckdb_on_the_file_and_pandas(tree: Path) -> None:
    duckdb = pytest.importorskip("duckdb", reason="DuckDB is the optional extra gridsim[catalog]")  # fmt: skip
    catalog.build(tree)
    sql = 'SELECT path, "total_cost.total" AS cost FROM runs WHERE all_targets_met AND problem IS NULL ORDER BY cost, path'  # fmt: skip
    got = catalog.query(tree, sql=sql)
    f = str(tree / "catalog.parquet")
    direct = duckdb.sql(sql.replace("FROM runs", f"FROM read_parquet('{f}')")).df()
    pd.testing.assert_frame_equal(got, direct)
    want = sorted([(c, f"sweeps/grid/runs/{k}") for k, (_, _, _, c, m) in CASES.items() if all(m)] + [(5e9, "a")])  # fmt: skip
    assert list(zip(got["cost"], got["path"])) == want
    agg = catalog.query(tree, sql='SELECT "param.storage.battery_scale" AS b, avg(renewable_utilisation) AS u FROM runs WHERE sweep IS NOT NULL AND problem IS NULL GROUP BY 1 ORDER BY 1')  # fmt: skip
    for b, u in zip(agg["b"], agg["u"]):
        assert u == pytest.approx(np.mean([v[2] for v in CASES.values() if v[0] == b]))
    with pytest.raises(InputError, match="failed in DuckDB"):
        catalog.query(tree, sql="SELECT nope FROM runs")


def test_sql_without_duckdb_says_so(tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb now fails
    with pytest.raises(InputError, match=r"needs DuckDB, which is not installed: pip install 'gridsim\[catalog\]'"):  # fmt: skip
        catalog.query(tree, sql="SELECT * FROM runs")
    assert main(["results", "query", "--root", str(tree), "--sql", "SELECT * FROM runs"]) == 2
    assert "needs DuckDB" in capsys.readouterr().err


# ------------------------------------------------------------------ analysis
def test_cheapest_variant_and_response_surface(tree: Path) -> None:
    cat = catalog.load(tree / "sweeps" / "grid")
    best = cheapest(cat)
    ok = {k: v for k, v in CASES.items() if all(v[4])}
    want = min(ok, key=lambda k: ok[k][3])
    assert list(best["case_id"]) == [want]
    by_co2 = cheapest(cat, by="co2_t", n=2)
    assert list(by_co2["case_id"]) == sorted(ok, key=lambda k: ok[k][2])[:2]
    table = response_surface(cat, "renewable_utilisation", "storage.battery_scale", "network.overrides.scale.solar")  # fmt: skip
    assert list(table.columns) == [0.5, 1.0, 2.0] and list(table.index) == [1.0, 1.5]
    for b, s, u, _, _ in CASES.values():
        assert table.loc[s, b] == pytest.approx(u)
    with pytest.raises(InputError, match="is no column of the catalog"):
        response_surface(cat, "renewable_utilisation", "storage.batery_scale", "x")
    assert cheapest(cat[cat["case_id"] == "b0.5_s1.0"]).empty  # meets no target set


# ----------------------------------------------------------------------- CLI
def test_cli_index_query_and_exit_codes(tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert main(["results", "query", "renewable_utilisation > 0.96", "--root", str(tree)]) == 0
    cap = capsys.readouterr()
    assert "building it" in cap.err and "a " in cap.out and "deep/x/b" not in cap.out
    assert main(["results", "index", str(tree)]) == 0
    cap = capsys.readouterr()
    assert f"catalog of {6 + 7} runs" in cap.out and "5 runs could not be read" in cap.err
    assert main(["results", "query", "`total_cost.total` < 3e9", "--root", str(tree), "--json"]) == 0  # fmt: skip
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["path"] for r in rows) == sorted(f"sweeps/grid/runs/{k}" for k, v in CASES.items() if v[3] < 3e9)  # fmt: skip
    out_csv = tmp_path / "q.csv"
    assert main(["results", "query", "status == 'damaged'", "--root", str(tree), "--csv", str(out_csv)]) == 0  # fmt: skip
    assert sorted(pd.read_csv(out_csv)["path"]) == ["bad_json", "cut", "edited", "gone"]
    assert main(["results", "query", "status == 'damaged'", "--root", str(tree), "--csv", str(out_csv)]) == 2  # fmt: skip
    assert main(["results", "query", "renewable_utilisation >", "--root", str(tree)]) == 2
    assert main(["results", "query", "--root", str(tree)]) == 2  # neither EXPR nor --sql
    assert main(["results", "query", "x > 1", "--root", str(tmp_path / "nope")]) == 2
    capsys.readouterr()
    assert main(["results", "cheapest", "--root", str(tree), "--where", "sweep == 'sweeps/grid'"]) == 0  # fmt: skip
    ok = {k: v for k, v in CASES.items() if all(v[4])}
    assert min(ok, key=lambda k: ok[k][3]) in capsys.readouterr().out.split("\n")[1]
    assert main(["results", "surface", "renewable_utilisation", "storage.battery_scale", "network.overrides.scale.solar", "--root", str(tree)]) == 0  # fmt: skip
    assert "0.955" in capsys.readouterr().out.splitlines()[-1]  # b = 2, s = 1.5
    user = tmp_path / "mine"
    user.mkdir()
    (user / "catalog.parquet").write_text("my notes")
    capsys.readouterr()
    assert main(["results", "index", str(user)]) == 2
    assert "never replaces it" in capsys.readouterr().err
    assert (user / "catalog.parquet").read_text() == "my notes"


# ---------------------------------------------------------------------- hooks
SCENARIO = """
base = "ningxia_2025"
[scenario]
name = "catalog_hook"
[study]
whole_year = false
start = "2025-07-01"
end = "2025-07-05"
"""


def test_gridsim_run_and_a_sweep_case_update_the_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    import gridsim.batch.runner as runner
    from gridsim.batch import run_sweep
    from gridsim.results import load_run

    root = tmp_path / "results"
    root.mkdir()
    catalog.build(root)
    (tmp_path / "sc.toml").write_text(SCENARIO)
    assert main(["run", str(tmp_path / "sc.toml"), "--out", str(root / "hook"), "--quiet"]) == 0
    capsys.readouterr()
    row = catalog.load(root).set_index("path").loc["hook"]
    run = load_run(root / "hook")
    assert row["renewable_utilisation"] == run.summary["renewable_utilisation"]
    assert row["param.study.start"] == "2025-07-01" and row["param.scenario.name"] == "catalog_hook"  # fmt: skip
    assert row["targets"] == len(run.scorecard)
    # a sweep case, run in this process instead of a worker process (same run_case)
    monkeypatch.setattr(runner, "_run_processes", lambda tasks, n: ((t, runner.run_case(t)) for t in tasks))  # fmt: skip
    sweep = tmp_path / "sw.toml"
    sweep.write_text(
        '[sweep]\nname = "hook"\nbase = "ningxia_2025"\n[sweep.set]\n"study.whole_year" = false\n'
        '"study.start" = "2025-07-01"\n"study.end" = "2025-07-05"\n'
        '[sweep.grid]\n"storage.battery_scale" = [2.0]\n'
    )
    res = run_sweep(sweep, workers=1, progress=False, out=root / "sweeps" / "hook")
    case = catalog.load(root).set_index("case_id").loc[res.ran[0]]
    assert case["param.storage.battery_scale"] == 2.0 and case["changed"] == "storage.battery_scale"
    assert case["renewable_utilisation"] == pytest.approx(res.summary["renewable_utilisation"].iloc[0])  # fmt: skip
