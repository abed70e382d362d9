"""Report figures and the HTML report, checked against the run they draw.

One real two-week run of ningxia_2025 on the PTDF network model (so it has line
flows) across a month boundary is made per module; variants are copies of it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from gridsim.cli.report import register
from gridsim.errors import InputError
from gridsim.report import plots
from gridsim.report.html import write_report
from gridsim.report.numbers import TZ_LABEL, time_text
from gridsim.results import Run, load_run
from gridsim.results.integrity import reseal
from gridsim.studies.balance import run_balance

SCENARIO = """
base = "ningxia_2025"
[scenario]
name = "report_test"
[study]
whole_year = false
start = "2025-01-27"
end = "2025-02-10"
network_model = "ptdf"
curtailment_by_cause = false
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("report")
    (d / "sc.toml").write_text(SCENARIO)
    res = run_balance(d / "sc.toml")
    assert res.ok
    return res.write(d / "run")


@pytest.fixture()
def run(run_dir: Path) -> Run:
    return load_run(run_dir)


# --------------------------------------------------------------- the data
def test_hourly_balance_closes_and_matches_summary(run: Run) -> None:
    bal = plots.hourly_balance(run)
    supply = bal[plots.supply_columns(bal)].sum(axis=1)
    uses = bal[list(plots.USES)].sum(axis=1)
    np.testing.assert_allclose(supply, uses, atol=1e-6)
    assert (bal.drop(columns=["consumption"]) >= -1e-9).all().all()
    s = run.summary
    assert bal["dc_exports"].sum() == pytest.approx(s["export_mwh"]["dc_total"], rel=1e-9)
    assert bal["ac_exports"].sum() == pytest.approx(s["export_mwh"]["ac_block"] + s["exchange_mwh"]["export"], rel=1e-9)  # fmt: skip
    assert bal["curtailment"].sum() == pytest.approx(s["curtailed_mwh"]["total"], rel=1e-9)


def test_monthly_balance_bars_sum_to_generation_by_type(run: Run) -> None:
    mb = plots.monthly_balance(run)
    assert [f"{m:%Y-%m}" for m in mb.index] == ["2025-01", "2025-02"]
    gen = run.summary["generation_mwh"]
    for fuel, mwh in gen.items():
        if fuel != "total":
            assert mb[fuel].sum() == pytest.approx(mwh, rel=1e-9), fuel
    sup = mb[plots.supply_columns(mb)].sum(axis=1)
    np.testing.assert_allclose(sup, mb[list(plots.USES)].sum(axis=1), rtol=1e-9)
    assert mb["storage_discharge"].sum() == pytest.approx(run.summary["storage_mwh"]["battery"]["discharge"], rel=1e-9)  # fmt: skip
    fig = plots.plot_monthly_balance(run)
    ax = fig.axes[0]
    bars = {c.get_label(): c for c in ax.containers}
    for fuel in ("coal", "wind", "solar"):  # drawn in TWh
        drawn = sum(p.get_height() for p in bars[fuel]) * 1e6
        assert drawn == pytest.approx(gen[fuel], rel=1e-9)
    assert "energy (TWh)" == ax.get_ylabel()


def test_monthly_bars_stay_inside_the_axes(run: Run) -> None:
    """No bar reaches the top of the axes (the tallest month was clipped there)."""
    fig = plots.plot_monthly_balance(run)
    ax = fig.axes[0]
    bottom, top = ax.get_ylim()
    bars = [p for c in ax.containers for p in c]
    highest = max(p.get_y() + p.get_height() for p in bars)
    assert bottom <= 0.0 and highest <= top / 1.02, (highest, top)
    fig.draw_without_rendering()
    frame = ax.get_window_extent()
    for p in bars:
        box = p.get_window_extent()
        assert frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 - 2.0, (box, frame)


def test_tallest_month_is_not_clipped_by_an_empty_segment(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A month without AC exports still draws a zero-height segment on top of its uses
    bar; when that month is the tallest, its edge must not set the top of the axes."""
    months = pd.date_range("2025-01-01", periods=3, freq="MS")
    mb = pd.DataFrame(0.0, index=months, columns=[*plots.supply_columns(plots.monthly_balance(run)), *plots.USES])  # fmt: skip
    mb["coal"] = [10e6, 12e6, 21e6]
    mb["consumption"] = [8e6, 10e6, 21e6]
    mb["ac_exports"] = [2e6, 2e6, 0.0]
    monkeypatch.setattr(plots, "monthly_balance", lambda r: mb)
    ax = plots.plot_monthly_balance(run).axes[0]
    highest = max(p.get_y() + p.get_height() for c in ax.containers for p in c)
    assert highest == pytest.approx(21.0) and ax.get_ylim()[1] >= 1.02 * highest


def test_interactive_dispatch_draws_every_hour_of_the_balance(run: Run) -> None:
    from gridsim.report.interactive import dispatch_figure

    fig = dispatch_figure(run)
    bal = plots.hourly_balance(run) / 1e3  # GW
    by = {t.name: np.asarray(t.y, float) for t in fig.data}
    n = len(run.snapshots)
    assert all(len(t.x) == n for t in fig.data)  # the whole run, not one week
    np.testing.assert_allclose(by["coal"], bal["coal"], atol=1e-4)
    np.testing.assert_allclose(by["demand"], bal["demand"], atol=1e-4)
    np.testing.assert_allclose(by["DC exports"], -bal["dc_exports"], atol=1e-4)
    np.testing.assert_allclose(by["curtailed wind + solar"], bal["curtailment"], atol=1e-4)
    up = sum(by[t.name] for t in fig.data if t.stackgroup == "up" and t.name != "curtailed wind + solar")  # fmt: skip
    down = sum(by[t.name] for t in fig.data if t.stackgroup == "down")
    uses = bal[["consumption", "losses"]].sum(axis=1).to_numpy()
    np.testing.assert_allclose(up + down, uses, atol=2e-3)  # supply − charging − exports
    xa = fig.layout.xaxis
    assert xa.rangeslider.visible
    assert [b.label for b in xa.rangeselector.buttons] == ["day", "week", "month", "all"]
    first = pd.Timestamp(fig.data[0].x[0])
    assert pd.Timestamp(xa.range[1]) - first == pd.Timedelta(hours=7 * 24 - 1)  # opens on a week


def test_duration_curve_is_the_sorted_load(run: Run) -> None:
    d = plots.duration_curves(run)
    load = run.frame("load_mw").sum(axis=1).to_numpy()
    np.testing.assert_allclose(d["load"], np.sort(load)[::-1])
    assert (np.diff(d.to_numpy(), axis=0) <= 1e-9).all()
    assert d["net_load"].min() < d["load"].min()
    fig = plots.plot_duration(run)
    line = fig.axes[0].lines[0]
    np.testing.assert_allclose(np.asarray(line.get_ydata()) * 1e3, d["load"])  # GW


def test_heat_map_cells_sum_to_curtailed_energy(run: Run) -> None:
    cur = run.summary["curtailed_mwh"]["total"]
    assert cur > 0
    mat = plots.curtailment_matrix(run)
    assert mat.shape == (24, 14)
    assert np.nansum(mat.to_numpy()) * run.dt_h == pytest.approx(cur, rel=1e-9)
    share = plots.curtailment_matrix(run, share=True)
    assert np.nanmax(share.to_numpy()) <= 1.0 + 1e-9
    fig = plots.plot_curtailment_heatmap(run)
    mesh = fig.axes[0].collections[0]
    assert float(np.ma.sum(mesh.get_array())) == pytest.approx(cur, rel=1e-9)


def test_storage_and_dr_data(run: Run) -> None:
    soc = plots.soc_daily(run)
    assert list(dict.fromkeys(soc.columns.get_level_values(0))) == ["battery"]
    b = soc["battery"]
    assert (b["min"] <= b["mean"] + 1e-9).all() and (b["mean"] <= b["max"] + 1e-9).all()
    assert b["max"].max() == pytest.approx(run.frame("storage_soc_mwh").sum(axis=1).max())
    dr = plots.dr_hourly(run)
    used = run.summary["dr_used_mwh"]
    assert dr["curtailed"].sum() * run.dt_h == pytest.approx(used["curtailed"], abs=1e-6)
    assert dr["shifted_down"].sum() * run.dt_h == pytest.approx(used["shifted"], rel=1e-9)
    # shifts are within the day: what moves out of a day moves into it
    day = dr.resample("D").sum()
    np.testing.assert_allclose(day["shifted_down"], day["shifted_up"], atol=1e-6)


def test_line_loading_from_flows(run: Run) -> None:
    ld = plots.line_loading(run)
    assert ld is not None and len(ld) > 10
    assert (ld["mean_percent"] <= ld["max_percent"] + 1e-9).all()
    assert ld["max_percent"].max() <= 100.0 + 1e-6  # the dispatch respects line ratings
    assert ld["max_percent"].max() > 10.0
    net = run.network()
    assert set(ld.index) <= set(net.line.index)
    br = plots.branch_loading(run)
    assert br is not None and set(br.index) - set(ld.index) <= set(net.trafo.index)
    trafos = br.index.intersection(net.trafo.index)
    assert len(trafos) > 0 and br.loc[trafos, "max_percent"].notna().all()
    pd.testing.assert_frame_equal(br.loc[ld.index], ld)
    fig = plots.plot_network_loading(run)  # the maps colour transformers too
    drawn = [c for c in fig.axes[0].collections if getattr(c, "get_array", lambda: None)() is not None and len(c.get_array()) == len(br)]  # fmt: skip
    assert drawn and np.allclose(np.sort(drawn[0].get_array()), np.sort(br["mean_percent"].dropna()))  # fmt: skip


# ----------------------------------------------------------------- figures
def test_every_plot_returns_a_figure_and_draws_into_a_given_axes(run: Run) -> None:
    for f in (plots.plot_monthly_balance, plots.plot_duration, plots.plot_curtailment_heatmap,
              plots.plot_storage_soc, plots.plot_dr, plots.plot_network_loading):  # fmt: skip
        fig = f(run)
        assert isinstance(fig, Figure) and fig.axes[0].get_title(), f.__name__
        host = Figure()
        ax = host.add_subplot()
        assert f(run, ax=ax) is host and ax.has_data(), f.__name__
    dr = plots.plot_dr(run)
    assert len(dr.axes) == 2 and "per day" in dr.axes[1].get_ylabel()
    net = plots.plot_network_loading(run)
    titles = [a.get_title() for a in net.axes if a.get_title()]
    assert len(titles) == 2 and "mean line loading" in titles[0] and "peak" in titles[1]


def test_dispatch_week_selection(run: Run) -> None:
    week = plots.default_week(run)
    assert week in (5, 6)
    fig = plots.plot_dispatch(run, week=6)
    ax = fig.axes[0]
    assert "ISO week 6 (03 Feb – 09 Feb 2025)" in ax.get_title()
    demand = next(line for line in ax.lines if line.get_label() == "demand")
    assert len(demand.get_xdata()) == 7 * 24
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"coal", "wind", "solar", "DC exports", "curtailed wind + solar", "demand"} <= labels
    fig = plots.plot_dispatch(run, start="2025-02-01", days=2)
    assert len(next(iter(fig.axes[0].lines)).get_xdata()) == 48
    with pytest.raises(
        InputError,
        match=r"week selects no hour of the run \(weeks 5..6, 2025-01-27 .. 2025-02-09\), got 30",
    ):
        plots.plot_dispatch(run, week=30)


def test_plain_map_without_flows_and_failed_hours(run_dir: Path, tmp_path: Path) -> None:
    """A run without flow_mw draws a plain map; NaN hours (a failed window) still plot."""
    other = Path(shutil.copytree(run_dir, tmp_path / "copy"))
    (other / "hourly" / "flow_mw.parquet").unlink()
    for f in (other / "hourly").glob("*.parquet"):
        df = pd.read_parquet(f)
        df.iloc[-30:] = np.nan
        df.to_parquet(f)
    reseal(other)  # edits on purpose, recorded in the manifest
    r = load_run(other)
    assert plots.line_loading(r) is None
    fig = plots.plot_network_loading(r)
    assert "no line flows" in fig.axes[0].get_title()
    figs = plots.all_figures(r)
    assert len(figs) == 7
    assert len(plots.duration_curves(r)) == 14 * 24 - 30


# -------------------------------------------------------------------- HTML
def test_html_report_is_self_contained(run: Run, tmp_path: Path) -> None:
    out = write_report(run.path, out=tmp_path / "r" / "report.html", week=6, dpi=50)
    text = out.read_text(encoding="utf-8")
    assert out == tmp_path / "r" / "report.html"
    page = re.sub(r"<script[^>]*>.*?</script>", "<script></script>", text, flags=re.S)
    assert page.count('src="data:image/png;base64,') == 7
    words = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)  # the page's text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page
    assert "<script" in text and not re.search(r"<script[^>]*\bsrc\s*=", text)
    assert "Plotly.newPlot" in text and "cdn.plot.ly/plotly" not in page  # plotly.js inlined
    card = run.scorecard
    for target in card["target"]:
        assert target in text
    assert text.count('<tr class="met">') == int(card["met"].sum())
    assert text.count('<tr class="missed">') == int((~card["met"].astype(bool)).sum())
    assert "report_test" in text and "Hourly dispatch of week 6" in text
    assert "renewable_utilisation" in text  # the folded table of every KPI
    assert text.count(TZ_LABEL) >= 3 and "CST" not in words  # written, period, report time
    assert not re.search(r"\d\d:\d\d (UTC|GMT)\b", words)  # one zone, Asia/Shanghai
    assert "<td>" + time_text(run.created) + "</td>" in text


def test_report_cli_and_bad_path(run_dir: Path, tmp_path: Path) -> None:
    p = argparse.ArgumentParser(prog="gridsim")
    register(p.add_subparsers(dest="command", required=True))
    out = tmp_path / "x.html"
    args = p.parse_args(["report", str(run_dir), "--out", str(out), "--dpi", "40"])
    assert args.func(args) == 0 and out.stat().st_size > 10_000
    with pytest.raises(InputError, match=f"{tmp_path / 'nope'}: no such run folder"):
        write_report(tmp_path / "nope")
    m = json.loads((run_dir / "manifest.json").read_text())
    assert m["status"] == "optimal"
