"""Calibration against published statistics (``gridsim calibrate``, gridsim.studies.calibrate).

The reference is independent of the code under test: the expected model values are
summed here with numpy straight from the run's Parquet files (units grouped by their
names, capacities read from the network file), and the statistics file is made from
them with known offsets, so each error and relative error is known in advance. The
run is five weeks of the 2025 scenario (29 Jan .. 2 Mar): February complete, January
and March in part.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.cli import main
from gridsim.errors import InputError
from gridsim.network.io import load_network
from gridsim.studies.calibrate import fit_report, load_stats, model_quantities
from gridsim.studies.calibrate.fit import FitReport

HEADER = "year,month,quantity,value,unit,source,note\n"
TZ = "Asia/Shanghai"
#: published = model × (1 + OFFSET[quantity]) for energies and hours; model + OFFSET pp for %.
OFFSET = {
    "wind_twh": 0.10,
    "solar_twh": -0.04,
    "new_energy_twh": 0.02,
    "thermal_twh": -0.03,
    "hydro_twh": 0.5,
    "generation_twh": 0.01,
    "curtailment_twh": 0.25,
    "consumption_twh": -0.02,
    "exports_twh": 0.03,
    "dc_exports_twh": 0.04,
    "export_lingshao_twh": -0.06,
    "wind_flh_h": 0.08,
    "solar_flh_h": -0.05,
    "new_energy_utilisation_pct": 0.7,
    "wind_utilisation_pct": -1.5,
    "solar_utilisation_pct": 2.0,
    "new_energy_share_pct": -3.0,
}


# ----------------------------------------------------------------- the run
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gridsim.studies.balance import run_balance

    d = tmp_path_factory.mktemp("calib")
    sc = d / "feb.toml"
    sc.write_text('base = "ningxia_2025"\n[scenario]\nname = "feb"\n[study]\nwhole_year = false\nstart = "2025-01-29"\nend = "2025-03-03"\ncurtailment_by_cause = false\n')  # fmt: skip
    res = run_balance(sc)
    assert res.ok, res.status
    return res.write(d / "run")


def _hourly(run_dir: Path, name: str) -> pd.DataFrame:
    df = pd.read_parquet(run_dir / "hourly" / f"{name}.parquet")
    df.index = pd.DatetimeIndex(df.index).tz_convert(TZ)
    return df


def _sum_twh(run_dir: Path, name: str, mask: np.ndarray, prefix: str | tuple[str, ...] = "") -> float:  # fmt: skip
    df = _hourly(run_dir, name)
    cols = [c for c in df.columns if c.startswith(prefix)]
    return float(np.nansum(df[cols].to_numpy()[mask])) / 1e6


def expected(run_dir: Path, year: int, month: int | None) -> dict[str, float]:
    """The quantities of one period, with numpy on the Parquet files."""
    idx = _hourly(run_dir, "load_mw").index
    mask = np.asarray(idx.year == year) & (np.asarray(idx.month == month) if month else True)
    s = lambda name, prefix="": _sum_twh(run_dir, name, mask, prefix)  # noqa: E731
    wind, solar = s("renewable_p_mw", "wind"), s("renewable_p_mw", "pv")
    wind_c, solar_c = s("renewable_curtail_mw", "wind"), s("renewable_curtail_mw", "pv")
    thermal, hydro, biomass = s("thermal_p_mw"), s("hydro_p_mw", "hydro"), s("hydro_p_mw", "biomass")  # fmt: skip
    gen = wind + solar + thermal + hydro + biomass
    cons = s("load_mw") - s("dr_curtail_mw") - s("unserved_mw") - s("shift_down_mw") + s("shift_up_mw")  # fmt: skip
    net = load_network("ningxia_2025")
    g = net.gen[net.gen.in_service.astype(bool)]
    assert not g.commission_date[g.fuel.isin(["wind", "solar"])].any()  # constant capacity
    cap_w, cap_s = (float(g.max_p_mw[g.fuel == f].sum()) for f in ("wind", "solar"))
    dc = tuple(net.dcline.index[net.dcline.in_service.astype(bool)])
    return {
        "wind_twh": wind,
        "solar_twh": solar,
        "new_energy_twh": wind + solar,
        "thermal_twh": thermal,
        "hydro_twh": hydro,
        "generation_twh": gen,
        "curtailment_twh": wind_c + solar_c,
        "consumption_twh": cons,
        "exports_twh": s("link_p_mw") + s("export_mw"),
        "dc_exports_twh": s("link_p_mw", dc),
        "export_lingshao_twh": s("link_p_mw", "lingshao"),
        "wind_flh_h": wind * 1e6 / cap_w,
        "solar_flh_h": solar * 1e6 / cap_s,
        "new_energy_utilisation_pct": 100 * (wind + solar) / (wind + solar + wind_c + solar_c),
        "wind_utilisation_pct": 100 * wind / (wind + wind_c),
        "solar_utilisation_pct": 100 * solar / (solar + solar_c),
        "new_energy_share_pct": 100 * (wind + solar) / gen,
    }


def _published(q: str, model: float) -> float:
    return model + OFFSET[q] if q.endswith("_pct") else model * (1 + OFFSET[q])


def _stats_file(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def feb_stats(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:  # fmt: skip
    exp = expected(run_dir, 2025, 2)
    rows = [f"2025,2,{q},{_published(q, v)!r},,test,offset" for q, v in exp.items()]
    rows += ["2025,2,biomass_twh,not found,TWh,test,searched", "2025,2,hydro_twh,,,,", "2025,,wind_twh,60,TWh,plan,annual"]  # fmt: skip
    # a documentation row may repeat a figure; hydro_twh above has a value once only
    return _stats_file(tmp_path_factory.mktemp("st") / "stats.csv", rows), exp


# ------------------------------------------------------- the model side
def test_model_energies_equal_the_summary_over_the_run(run_dir: Path) -> None:
    """Summed over the run, the quantities are the KPIs of summary.json."""
    from gridsim.results import load_run

    run = load_run(run_dir)
    m = model_quantities(run)
    s = run.summary
    months = m[m.month.notna()].groupby("quantity").model.sum()
    assert months["wind_twh"] == pytest.approx(s["generation_mwh"]["wind"] / 1e6, rel=1e-9)
    assert months["generation_twh"] == pytest.approx(s["generation_mwh"]["total"] / 1e6, rel=1e-9)  # fmt: skip
    assert months["thermal_twh"] == pytest.approx(s["thermal_mwh"] / 1e6, rel=1e-9)
    assert months["consumption_twh"] == pytest.approx(s["consumption_mwh"] / 1e6, rel=1e-6)
    exports = s["export_mwh"]["total"] + s["exchange_mwh"]["export"]
    assert months["exports_twh"] == pytest.approx(exports / 1e6, rel=1e-9)
    assert months["dc_exports_twh"] == pytest.approx(s["export_mwh"]["dc_total"] / 1e6, rel=1e-9)  # fmt: skip
    assert months["curtailment_twh"] == pytest.approx(s["curtailed_mwh"]["total"] / 1e6, rel=1e-9)  # fmt: skip
    annual = m[m.month.isna()].set_index("quantity").model
    assert annual["new_energy_utilisation_pct"] == pytest.approx(100 * s["renewable_utilisation"], rel=1e-9)  # fmt: skip
    assert annual["new_energy_share_pct"] == pytest.approx(100 * s["new_energy_share_of_generation"], rel=1e-9)  # fmt: skip
    cov = m[m.quantity == "wind_twh"].set_index(m.month.fillna(0).astype(int)[m.quantity == "wind_twh"]).coverage  # fmt: skip
    assert cov[2] == pytest.approx(1.0) and cov[1] == pytest.approx(3 / 31)
    assert cov[3] == pytest.approx(2 / 31) and cov[0] == pytest.approx(33 / 365)


# ------------------------------------------------------------------ the fit
def test_errors_against_numpy(feb_stats: tuple[Path, dict[str, float]], run_dir: Path) -> None:
    path, exp = feb_stats
    rep = fit_report(path, run_dir)
    t = rep.table.set_index("quantity")
    assert set(t.index) == set(exp) and (t.period == "2025-02").all()
    for q, model in exp.items():
        pub = _published(q, model)
        assert t.model[q] == pytest.approx(model, rel=1e-9), q
        assert t.published[q] == pytest.approx(pub, rel=1e-12), q
        assert t.error[q] == pytest.approx(model - pub, rel=1e-6, abs=1e-9), q
        assert t.rel_error[q] == pytest.approx((model - pub) / pub, rel=1e-6), q
    assert t.error["wind_utilisation_pct"] == pytest.approx(1.5)  # percentage points
    assert t.rel_error["wind_twh"] == pytest.approx(1 / 1.1 - 1)
    # documentation rows and the partly covered year are skipped, with the reason
    why = rep.skipped.set_index("quantity").reason
    assert why["biomass_twh"] == why["hydro_twh"] == "no published value"
    assert why["wind_twh"].startswith("the run covers 9.0 %")
    mape = np.mean([abs((m - _published(q, m)) / _published(q, m)) for q, m in exp.items()])
    assert rep.summary["years"][2025]["mape_pct"] == pytest.approx(100 * mape, rel=1e-6)


def test_monthly_correlation_against_numpy(run_dir: Path, tmp_path: Path) -> None:
    """Three months (January and March in part, with ``partial``) against np.corrcoef."""
    published = {1: 1.9, 2: 8.4, 3: 0.2}
    rows = [f"2025,{m},new_energy_twh,{v},TWh,test," for m, v in published.items()]
    rep = fit_report(_stats_file(tmp_path / "s.csv", rows), run_dir, partial=True)
    model = [expected(run_dir, 2025, m)["new_energy_twh"] for m in published]
    want = np.corrcoef(list(published.values()), model)[0, 1]
    s = rep.summary["years"][2025]
    assert s["months_correlated"] == 3
    assert s["monthly_correlation"] == pytest.approx(want, rel=1e-9)
    # without ``partial`` only February is compared: too few months to correlate
    rep = fit_report(tmp_path / "s.csv", run_dir)
    assert rep.summary["years"][2025]["monthly_correlation"] is None
    assert rep.failures(min_monthly_correlation=0.5)


def test_failures(feb_stats: tuple[Path, dict[str, float]], run_dir: Path, tmp_path: Path) -> None:  # fmt: skip
    rep: FitReport = fit_report(feb_stats[0], run_dir)
    assert rep.failures() == []
    # only annual rows are checked; February is monthly
    assert rep.failures(max_utilisation_error_pp=0.1, max_generation_error=0.001) == []
    # the same offsets on annual figures (2025 = the run's hours in 2025, with ``partial``)
    rows = [f"2025,,{q},{_published(q, v)!r},,test," for q, v in expected(run_dir, 2025, None).items()]  # fmt: skip
    rep = fit_report(_stats_file(tmp_path / "annual.csv", rows), run_dir, partial=True)
    fails = rep.failures(max_utilisation_error_pp=1.0, max_generation_error=0.05)
    text = "\n".join(fails)
    assert "wind_utilisation_pct" in text and "solar_utilisation_pct" in text
    assert "new_energy_utilisation_pct" not in text  # 0.7 pp
    assert "wind_twh" in text and "hydro_twh" in text and "generation_twh" not in text
    assert rep.failures(max_mape_pct=1.0) and not rep.failures(max_mape_pct=99.0)
    nothing = fit_report(_stats_file(tmp_path / "none.csv", ["2024,,wind_twh,1,TWh,,"]), run_dir)
    assert nothing.failures() == [] and len(nothing.failures(max_mape_pct=99.0)) == 1


def test_two_runs_of_one_year_are_refused(run_dir: Path, feb_stats: tuple[Path, dict[str, float]]) -> None:  # fmt: skip
    with pytest.raises(InputError, match="covers year 2025"):
        fit_report(feb_stats[0], [run_dir, run_dir])


# ------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("row", "field", "value"),
    [
        ("2025,2,wind_gwh,1,TWh,,", "quantity", "wind_gwh"),
        ("2025,13,wind_twh,1,TWh,,", "month", "13"),
        ("2025,0,wind_twh,1,TWh,,", "month", "0"),
        ("2025,2.5,wind_twh,1,TWh,,", "month", "2.5"),
        ("2025,2,wind_twh,1.2.3,TWh,,", "value", "1.2.3"),
        ("2025,2,wind_twh,n/a,TWh,,", "value", "n/a"),
        ("2025,2,wind_twh,-1,TWh,,", "value", "-1"),
        ("2025,2,wind_utilisation_pct,101,%,,", "value", "101"),
        ("2025,2,wind_twh,1,GWh,,", "unit", "GWh"),
        ("twenty,2,wind_twh,1,TWh,,", "year", "twenty"),
        ("2025,2,export__twh,1,TWh,,", "quantity", "export__twh"),
    ],
)
def test_bad_rows(tmp_path: Path, row: str, field: str, value: str) -> None:
    f = _stats_file(tmp_path / "bad.csv", ["2025,1,wind_twh,1,TWh,ok,", row])
    with pytest.raises(InputError) as err:
        load_stats(f)
    msg = str(err.value)
    assert msg.startswith(f"{f}: row 3: {field} ") and msg.endswith(f", got {value!r}"), msg


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such statistics file"):
        load_stats(tmp_path / "none.csv")
    f = tmp_path / "h.csv"
    f.write_text("year,month,quantity,vaule,unit,source,note\n")
    with pytest.raises(InputError, match="has no column value"):
        load_stats(f)
    twice = _stats_file(tmp_path / "t.csv", ["2025,,wind_twh,1,TWh,a,", "2025,,wind_twh,2,TWh,b,"])
    with pytest.raises(InputError, match="row 3: quantity gives the same figure as row 2"):
        load_stats(twice)


def test_documentation_rows_are_kept(tmp_path: Path) -> None:
    f = _stats_file(tmp_path / "d.csv", ["2025,,wind_twh,Not Found,TWh,x,searched", "2025,,wind_twh,,,y,", "2025,3,export_yindong_twh,2.5,twh,z,"])  # fmt: skip
    st = load_stats(f)
    assert list(st.line) == [2, 3, 4] and st.value.isna().sum() == 2
    assert st.unit.tolist() == ["TWh", "TWh", "TWh"] and st.month.tolist()[2] == 3


# --------------------------------------------------------------------- CLI
def test_cli_writes_the_report(feb_stats: tuple[Path, dict[str, float]], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    out = tmp_path / "rep"
    rc = main(["calibrate", str(feb_stats[0]), str(run_dir), "--out", str(out), "--format", "html", "--format", "json", "--dpi", "40"])  # fmt: skip
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "wind_utilisation_pct" in cap.out and "2025-02" in cap.out
    assert "written to" in cap.err and "written to" not in cap.out
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"report.md", "report.html", "report.json", "fit.csv", "manifest.json", "figures/monthly_2025.png"} <= names  # fmt: skip
    fit = pd.read_csv(out / "fit.csv")
    assert len(fit) == len(OFFSET) and set(fit.quantity) == set(OFFSET)
    doc = json.loads((out / "report.json").read_text())
    assert doc["failures"] is None and len(doc["table"]) == len(OFFSET)
    assert json.loads((out / "manifest.json").read_text())["kind"] == "calibration"
    assert "| wind_twh | 2025-02 |" in (out / "report.md").read_text()
    # a second report over it needs --overwrite; --json prints JSON
    assert main(["calibrate", str(feb_stats[0]), str(run_dir), "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["calibrate", str(feb_stats[0]), str(run_dir), "--out", str(out), "--overwrite", "--json", "--dpi", "40"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["summary"]["years"]["2025"]["rows"] == len(OFFSET)


def test_cli_never_replaces_a_users_folder(feb_stats: tuple[Path, dict[str, float]], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.md").write_text("keep")
    for extra in ([], ["--overwrite"]):
        assert main(["calibrate", str(feb_stats[0]), str(run_dir), "--out", str(mine), *extra]) == 2  # fmt: skip
        assert "did not write" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["notes.md"]
    user_file = tmp_path / "report"
    user_file.write_text("a file")
    assert main(["calibrate", str(feb_stats[0]), str(run_dir), "--out", str(user_file), "--overwrite"]) == 2  # fmt: skip
    assert user_file.read_text() == "a file"


def test_cli_check_fails(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    f = _stats_file(tmp_path / "s.csv", [f"2025,,{q},{v},,x," for q, v in (("wind_utilisation_pct", 80), ("new_energy_twh", 0.1))])  # fmt: skip
    args = ["calibrate", str(f), str(run_dir), "--out", str(tmp_path / "r"), "--partial"]
    rc = main([*args, "--max-utilisation-error-pp", "1", "--max-generation-error", "0.05"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "2 check(s) failed" in err and "wind_utilisation_pct 2025" in err and "new_energy_twh 2025" in err  # fmt: skip
    args = ["calibrate", str(f), str(run_dir), "--out", str(tmp_path / "r2"), "--partial"]
    rc = main([*args, "--max-utilisation-error-pp", "50", "--max-generation-error", "100"])
    assert rc == 0, capsys.readouterr().err


def test_cli_bad_input_exit_2(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    f = _stats_file(tmp_path / "s.csv", ["2025,14,wind_twh,1,TWh,,"])
    assert main(["calibrate", str(f), str(run_dir), "--out", str(tmp_path / "r")]) == 2
    assert f"{f}: row 2: month must be empty (annual) or a month 1-12, got '14'" in capsys.readouterr().err  # fmt: skip
    assert not (tmp_path / "r").exists()
    assert main(["calibrate", str(f), str(tmp_path / "nowhere"), "--out", str(tmp_path / "r")]) == 2  # fmt: skip
    with pytest.raises(SystemExit) as ex:
        main(["calibrate", str(f), str(run_dir), "--out", "x", "--min-monthly-correlation", "2"])
    assert ex.value.code == 2
