"""The results store as printed: ``results ls`` fits 100 columns and names a sweep case
once, ``results show SWEEP`` prints the sweep's table, ``compare`` rounds differences to
what it shows, times are in one labelled zone, and ``gridsim report SWEEP`` writes a
sweep report.

One real store per module: a two-day run of ningxia_2025 in a long-named folder and a
three-case sweep (two solved cases and one that fails) on the same two days.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from gridsim.batch import run_sweep
from gridsim.cli import main
from gridsim.report.html import fmt
from gridsim.report.numbers import TZ_LABEL, fixed, time_text
from gridsim.report.tables import compare_table, ls_table, num
from gridsim.results import compare_runs, list_runs, load_run
from gridsim.results.integrity import reseal
from gridsim.studies.balance import run_balance

PERIOD = 'whole_year = false\nstart = "2025-07-01"\nend = "2025-07-02"\n'
SWEEP = """
[sweep]
name = "battery_and_solar"
base = "ningxia_2025"

[sweep.set]
"study.whole_year" = false
"study.start" = "2025-07-01"
"study.end" = "2025-07-02"
"study.curtailment_by_cause" = false

[sweep.grid]
"storage.battery_scale" = [0.5, 2.0]

[[sweep.cases]]
id = "bad_fuel"
changes = { "network.overrides.scale.nuclear" = 1.0 }
"""
NEGATIVE_ZERO = re.compile(r"(?<![\w.])-0(\.0+)?(?![\d.])")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store")
    (root / "sc.toml").write_text(f'base = "ningxia_2025"\n[study]\n{PERIOD}curtailment_by_cause = false\n')  # fmt: skip
    res = run_balance(root / "sc.toml")
    assert res.ok
    res.write(root / "results" / "ningxia_2025_high_solar_with_more_batteries_and_demand_response")
    (root / "sweep.toml").write_text(SWEEP)
    sw = run_sweep(root / "sweep.toml", workers=1, progress=False, out=root / "results" / "sweeps" / "battery_and_solar")  # fmt: skip
    assert len(sw.summary) == 3 and len(sw.failures) == 1
    return root / "results"


@pytest.fixture(scope="module")
def sweep_dir(store: Path) -> Path:
    return store / "sweeps" / "battery_and_solar"


# ------------------------------------------------------------------------ ls
def test_ls_fits_100_columns_and_names_each_case_once(store: Path, sweep_dir: Path) -> None:
    df = list_runs(store)
    text = ls_table(df, store)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100, text
    assert len(df) == 4
    for case_id in df["case_id"].dropna():
        label = df.set_index("case_id").at[case_id, "label"]
        shown = [c for c in (case_id, label) if isinstance(c, str) and c in text]
        assert shown, (case_id, text)
        assert text.count(shown[-1]) == 1 or text.count(shown[0]) == 1, text
    assert sum("sweeps/battery_and_solar" in line for line in lines) == 1  # the group line
    assert any(line.startswith("ningxia_2025_h") and "…" in line for line in lines)  # shortened
    assert "error" in text and "bad_fuel" in text and "nuclear" in text  # a failed case's error
    wide = ls_table(df, store, width=200)
    assert "ningxia_2025_high_solar_with_more_batteries_and_demand_response" in wide
    assert f"times in {TZ_LABEL}" in wide.splitlines()[0] and "not shown" not in wide
    for t in df["created"]:
        assert time_text(t, label=False) in wide  # Asia/Shanghai, as the header says
    narrow = ls_table(df, store, width=72)
    assert max(len(line) for line in narrow.splitlines()) <= 72 and "not shown:" in narrow


def test_ls_command_prints_the_fitted_table(store: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert main(["results", "ls", str(store)]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "run" in out.splitlines()[1] and "util" in out


# ---------------------------------------------------------------------- show
def test_show_sweep_prints_its_table(sweep_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["results", "show", str(sweep_dir)]) == 0
    out = capsys.readouterr().out
    summary = pd.read_parquet(sweep_dir / "summary.parquet")
    assert "battery_and_solar" in out and "ningxia_2025" in out and "3 (" in out
    assert "battery_scale" in out and "util %" in out
    for case_id, r in summary.iterrows():
        assert str(case_id) in out
        if r["status"] == "optimal":
            assert f"{100 * r['renewable_utilisation']:.2f}" in out
    assert out.count("optimal") >= 2 and "error" in out


def test_show_run_labels_its_times(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = next(p for p in store.iterdir() if p.name.startswith("ningxia"))
    assert main(["results", "show", str(run)]) == 0
    out = capsys.readouterr().out
    assert f"written {time_text(load_run(run).created)}" in out
    assert f"2025-07-01 00:00 .. 2025-07-01 23:00 ({TZ_LABEL})" in out  # end is exclusive


# ------------------------------------------------------------------- compare
def test_compare_rounds_differences_to_what_it_shows(store: Path, tmp_path: Path) -> None:
    a = next(p for p in store.iterdir() if p.name.startswith("ningxia"))
    b = Path(shutil.copytree(a, tmp_path / "b"))
    s = json.loads((b / "summary.json").read_text())
    s["curtailed_mwh"]["total"] -= 2.98e-08  # solver noise
    s["generation_mwh"]["total"] += 0.4  # less than the whole MWh shown
    s["coal_rate_gce_per_kwh"] -= 0.004  # less than the 0.1 gce/kWh shown
    s["renewable_utilisation"] -= 1e-9
    (b / "summary.json").write_text(json.dumps(s))
    reseal(b)
    df = compare_runs([a, b])
    text = compare_table(df)
    assert "e-0" not in text and not NEGATIVE_ZERO.search(text), text
    delta = next(c for c in df.columns if str(c).startswith("Δ ") and not str(c).startswith("Δ%"))
    rows = {k: line for k, line in zip(df.index, text.splitlines()[2:])}
    zero = re.compile(r"0(\.0+)?( pp)?")  # unsigned: a difference rounded to zero
    for kpi in ("curtailed_mwh.total", "generation_mwh.total", "coal_rate_gce_per_kwh", "renewable_utilisation"):  # fmt: skip
        assert df.at[kpi, delta] != 0, kpi
        cells = re.split(r"\s{2,}", rows[kpi].strip())
        assert zero.fullmatch(cells[-2]), rows[kpi]  # Δ
        assert cells[-1] in ("n/a", "0.00 %"), rows[kpi]  # Δ%
    assert re.split(r"\s{2,}", rows["coal_rate_gce_per_kwh"].strip())[-2] == "0.0"  # 289.x shown


def test_numbers_round_before_they_format() -> None:
    assert fixed(-0.001, 2) == "0.00" and fixed(-0.006, 2) == "-0.01"
    assert fixed(0.004, 2, sign=True) == "0.00" and fixed(0.5, 1, sign=True) == "+0.5"
    assert fmt(-3e-8, "MWh") == "0 MWh" and fmt(-4e-5, "share") == "0.00 %"
    assert fmt(-1e-4, "gce/kWh") == "-0.0001 gce/kWh" and fmt(-2.5e6, "MWh") == "-2.50 TWh"
    assert num(-2.98e-08) == "0" and num(-0.4) == "-0.4" and num(-4e-7, "share") == "0.00 %"


def test_run_summary_prints_no_negative_zero(store: Path) -> None:
    from gridsim.cli.run import summary_table

    run = next(p for p in store.iterdir() if p.name.startswith("ningxia"))
    k = json.loads((run / "summary.json").read_text())
    k["exchange_mwh"]["net_export"] = -2.98e-2  # MWh of solver noise: 0.00 TWh
    k["curtailed_mwh"]["wind"] = -1e-7
    text = summary_table(k)
    assert "AC exchange net export" in text
    assert not NEGATIVE_ZERO.search(text), text


# -------------------------------------------------------------------- report
def test_sweep_report(sweep_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(sweep_dir), "--dpi", "40"]) == 0
    path = sweep_dir / "report.html"
    assert f"sweep report written to {path}" in capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    summary = pd.read_parquet(sweep_dir / "summary.parquet")
    for label in summary["label"]:
        assert label in text
    assert text.count('src="data:image/png;base64,') >= 3  # utilisation, curtailment, coal ...
    assert "new-energy utilisation vs battery power and energy" in text  # a caption
    assert "nuclear" in text  # the failed case's error
    assert TZ_LABEL in text and "<script" not in text
    assert main(["report", str(sweep_dir), "--dpi", "40"]) == 0  # its own report is replaced
    assert main(["report", str(sweep_dir), "--week", "3"]) == 2
    assert "--week applies to a run, not to a sweep folder" in capsys.readouterr().err


def test_every_declared_group_names_its_elements() -> None:
    # the tidy layout needs an element column name for every hourly group the dispatch declares
    from gridsim.results.layout import ELEMENT, GROUP_ARRAYS

    assert set(GROUP_ARRAYS) <= set(ELEMENT)
