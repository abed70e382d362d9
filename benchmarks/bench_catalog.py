"""Results catalog (gridsim.results.catalog) over thousands of run folders.

Makes ``--runs`` synthetic run folders (default 5000) in a temporary folder: 80 % plain
runs in 50 sub-folders, 20 % cases of 10 sweeps (``sweep.json``, ``runs/<case>/`` with
``case.json``). Each holds what the catalog reads, in the format of
``gridsim.results.write``: ``summary.json`` (the key KPIs, about 1 kB), ``scorecard.csv``
(seven targets), and ``manifest.json`` with gridsim's marker, the scenario's 47
parameters (those of ``scenarios/ningxia_2025.toml``, two of them varied), timings and
the files' sizes and SHA-256; no hourly files.

Rows (medians over repeats, wall time):

- *full build*: ``catalog.build(root)`` (``gridsim results index``): scan, open every
  run (manifest, hashes of summary.json and scorecard.csv), write the Parquet file;
- *incremental update, per run*: ``catalog.record_run(run_dir)`` after one more run
  folder was written (untimed): find the catalog above it, read the run, add its row,
  write the catalog to a temporary file and rename it over (goal <= 50 ms);
- *query*: ``catalog.query(root, expr)`` (pandas) and ``catalog.query(root, sql=...)``
  (DuckDB), each reading the catalog from disk (goal <= 1 s); and DuckDB straight on
  the Parquet file, for comparison.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import header, markdown_table, parser, time_it  # noqa: E402

from gridsim.results import catalog  # noqa: E402
from gridsim.results.integrity import file_records  # noqa: E402
from gridsim.results.key_kpis import flatten  # noqa: E402
from gridsim.results.publish import marker  # noqa: E402
from gridsim.scenario import load_scenario  # noqa: E402

TARGETS = ["renewable_utilisation", "dr_capacity_share_of_peak", "renewable_share_of_consumption",
           "non_hydro_renewable_share_of_consumption", "coal_rate_gce_per_kwh", "unserved_mwh", "co2_t"]  # fmt: skip
PANDAS_QUERY = "renewable_utilisation < 0.95 and `param.storage.battery_scale` >= 1"
SQL_QUERY = (
    'SELECT "param.storage.battery_scale" AS battery, "param.network.overrides.scale.solar" AS solar, '
    'count(*) AS runs, avg(renewable_utilisation) AS utilisation, min("total_cost.total") AS cost '
    "FROM runs WHERE problem IS NULL GROUP BY 1, 2 ORDER BY 1, 2"
)


def write_run(d: Path, params: dict, rng: np.random.Generator) -> None:
    """A run folder with summary.json, scorecard.csv and manifest.json (see the docstring)."""
    d.mkdir(parents=True)
    u = float(rng.uniform(0.85, 1.0))
    summary = {
        "renewable_utilisation": u, "wind_utilisation": u, "solar_utilisation": u,
        "curtailed_mwh": {"wind": 1e6 * (1 - u), "solar": 2e6 * (1 - u), "total": 3e6 * (1 - u)},
        "generation_mwh": {"coal": 9e7, "wind": 3e7, "solar": 2e7, "total": 1.4e8},
        "thermal_mwh": 9e7, "demand_mwh": 1.25e8, "export_mwh": {"total": 1.2e8}, "peak_load_mw": 1.7e4,
        "new_energy_share_of_generation": 0.36, "renewable_share_of_consumption": 0.35,
        "non_hydro_renewable_share_of_consumption": 0.34, "dr_capacity_share_of_peak": 0.05,
        "coal_rate_gce_per_kwh": 290.0, "coal_t": 2.6e7, "co2_t": 7e7, "unserved_mwh": 0.0,
        "total_cost": {"total": float(rng.uniform(3e10, 4e10)), "fuel": 3e10},
        "dr_used_mwh": {"curtailed": 0.0, "shifted": 1e5},
        "solver": {"status": "optimal", "hours": 8760, "solved_hours": 8760},
    }  # fmt: skip
    (d / "summary.json").write_text(json.dumps(summary, indent=2))
    card = pd.DataFrame({"target": TARGETS, "kpi": TARGETS, "op": ">=", "target_value": 0.9, "value": u, "unit": "share", "met": [u >= 0.95] + [True] * 6})  # fmt: skip
    card.to_csv(d / "scorecard.csv", index=False)
    manifest = {
        **marker(),
        "scenario": {"name": "ningxia_2025", "path": "scenarios/ningxia_2025.toml", "sha256": "0" * 64, "parameters": params},  # fmt: skip
        "status": "optimal", "hours": 8760, "solved_hours": 8760, "seed": 1,
        "period": ["2025-01-01 00:00:00+08:00", "2025-12-31 23:00:00+08:00"],
        "timings_s": {"inputs": 0.5, "build": 0.2, "dispatch": 240.0, "kpi": 0.2, "total": 241.0, "write": 1.1},
    }  # fmt: skip
    manifest["files"] = file_records(d, ["summary.json", "scorecard.csv"])
    (d / "manifest.json").write_text(json.dumps(manifest, indent=2))


def make_tree(root: Path, n: int, seed: int = 1) -> list[Path]:
    """``n`` run folders below ``root`` (see the docstring); returns them."""
    rng = np.random.default_rng(seed)
    base = {k: (json.dumps(v) if isinstance(v, list) else v) for k, v in flatten(load_scenario("ningxia_2025").data).items()}  # fmt: skip
    base = {k: json.loads(v) if isinstance(v, str) and v.startswith("[") else v for k, v in base.items()}  # fmt: skip
    dirs = []
    n_cases = n // 5
    for i in range(n):
        params = dict(base)
        params["storage.battery_scale"] = [0.5, 1.0, 2.0, 3.0][i % 4]
        params["network.overrides.scale.solar"] = [1.0, 1.25, 1.5][i % 3]
        if i < n_cases:
            sweep = root / "sweeps" / f"s{i % 10}"
            if not (sweep / "sweep.json").exists():
                (sweep / "runs").mkdir(parents=True)
                (sweep / "sweep.json").write_text(
                    json.dumps({**marker("sweep"), "name": sweep.name})
                )
                pd.DataFrame({"case_id": ["x"]}).to_parquet(sweep / "summary.parquet")
            d = sweep / "runs" / f"case{i:05d}"
            write_run(d, params, rng)
            changes = {
                k: params[k] for k in ("storage.battery_scale", "network.overrides.scale.solar")
            }
            (d / "case.json").write_text(json.dumps({**marker("sweep-case"), "case_id": d.name, "label": d.name, "base": "ningxia_2025", "changes": changes, "row": {"status": "optimal"}}))  # fmt: skip
        else:
            d = root / f"group{i % 50:02d}" / f"run{i:05d}"
            write_run(d, params, rng)
        dirs.append(d)
    return dirs


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5000, help="run folders (default 5000)")
    args = p.parse_args()
    n = 300 if args.quick else args.runs
    builds, updates, queries = (1, 5, 3) if args.quick else (3, 50, 20)
    header(f"Results catalog: {n} run folders", args)
    try:
        import duckdb
    except ImportError:
        duckdb = None
    with tempfile.TemporaryDirectory(prefix="gridsim-catalog-bench-") as tmp:
        root = Path(tmp) / "results"
        make_tree(root, n)
        full = time_it("full build", lambda: catalog.build(root), builds, warmup=0)
        df = full.value
        size_kib = (root / "catalog.parquet").stat().st_size / 1024
        rng = np.random.default_rng(7)
        counter = iter(range(10**6))
        params = dict(zip(["storage.battery_scale", "network.overrides.scale.solar"], [2.0, 1.5]))

        def new_run() -> Path:
            d = root / "late" / f"r{next(counter):05d}"
            write_run(d, params, rng)
            return d

        upd = time_it("incremental update", lambda d: catalog.record_run(d), updates, warmup=1, setup=new_run)  # fmt: skip
        assert len(catalog.load(root)) == len(df) + updates + 1
        rows = [["full build", len(df), full.median, full.spread, "—"]]
        rows.append(["incremental update, per run", len(df) + updates, upd.median, upd.spread, "≤ 0.050 s"])  # fmt: skip
        q = time_it("pandas query", lambda: catalog.query(root, PANDAS_QUERY), queries)
        rows.append([f"query, pandas: `{PANDAS_QUERY}`", len(q.value), q.median, q.spread, "≤ 1 s"])
        if duckdb is not None:
            s = time_it("sql query", lambda: catalog.query(root, sql=SQL_QUERY), queries)
            rows.append(["query, DuckDB SQL (GROUP BY battery, solar) via `catalog.query`", len(s.value), s.median, s.spread, "≤ 1 s"])  # fmt: skip
            f = str(root / "catalog.parquet")
            direct = time_it("duckdb direct", lambda: duckdb.sql(SQL_QUERY.replace("FROM runs", f"FROM read_parquet('{f}')")).df(), queries)  # fmt: skip
            rows.append(["same SQL, DuckDB straight on the Parquet file", len(direct.value), direct.median, direct.spread, "—"])  # fmt: skip
        else:
            rows.append(["query, DuckDB SQL", "—", float("nan"), "DuckDB not installed", "≤ 1 s"])
        print(f"catalog: {len(df)} rows x {df.shape[1]} columns, {size_kib:.0f} KiB on disk")
        print()
        print(markdown_table(["what", "rows", "median (s)", "min-max (s)", "goal"], rows))


if __name__ == "__main__":
    main()
