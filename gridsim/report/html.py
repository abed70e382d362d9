"""A self-contained HTML report of one run: ``write_report(run_dir) -> report.html``.

The file holds everything inline (CSS, figures as base64 PNG, plotly.js for the
interactive view; no external links), so it can be mailed or archived as one file and
opened without a network: the scenario and the facts of its manifest, the plan
scorecard (met in green, missed in red), the KPI table, the interactive dispatch of the
whole run (:mod:`gridsim.report.interactive`: zoom to any week or day), every figure of
:mod:`gridsim.report.plots` and, folded, every entry of ``summary.json``. Times are in
Asia/Shanghai and labelled so.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from gridsim import __version__
from gridsim.report.numbers import compact, fixed, now_text, period_text, time_text
from gridsim.report.plots import all_figures, default_week
from gridsim.results.key_kpis import flatten, unit_of
from gridsim.results.publish import (
    GENERATOR,
    check_file_destination,
    output_lock,
    write_file_atomic,
    written_by_gridsim,
)
from gridsim.results.store import Run, load_run

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1250px; padding: 0 1.5em; color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.1em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em;
       margin-top: 1.8em; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { padding: 0.28em 0.8em; border-bottom: 1px solid #e4e4e4; text-align: left; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.met td { background: #e3f4e1; } tr.missed td { background: #fbe1df; }
tr.met td.flag { color: #1a7f37; font-weight: bold; }
tr.missed td.flag { color: #b42318; font-weight: bold; }
tr.section th { background: #e9eef5; }
.status-ok { color: #1a7f37; font-weight: bold; } .status-bad { color: #b42318; font-weight: bold; }
.cols { display: flex; gap: 1.5em; flex-wrap: wrap; align-items: flex-start; }
table.kpi { min-width: 360px; }
figure { margin: 1.2em 0 2em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; margin-top: 0.3em; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; }
details summary { cursor: pointer; color: #2166ac; }
"""

#: KPI table rows: (section, label, dotted key, dict key ending in ".*" or
#: ``dict.*.leaf`` for a dict of dicts, unit).
KPI_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("Energy", "generation: {}", "generation_mwh.*", "MWh"),
    ("Energy", "demand", "demand_mwh", "MWh"),
    ("Energy", "consumption served", "consumption_mwh", "MWh"),
    ("Energy", "network losses", "network_loss_mwh", "MWh"),
    ("Energy", "peak load", "peak_load_mw", "MW"),
    ("Energy", "exports: {}", "export_mwh.*", "MWh"),
    ("Energy", "AC exchange: {}", "exchange_mwh.*", "MWh"),
    ("Renewables", "available: {}", "available_mwh.*", "MWh"),
    ("Renewables", "curtailed: {}", "curtailed_mwh.*", "MWh"),
    ("Renewables", "new-energy utilisation", "renewable_utilisation", "share"),
    ("Renewables", "wind utilisation", "wind_utilisation", "share"),
    ("Renewables", "solar utilisation", "solar_utilisation", "share"),
    ("Renewables", "curtailment caused by the network", "curtailment_by_cause.network", "MWh"),
    ("Renewables", "curtailment caused by N-1 security", "curtailment_by_cause.security", "MWh"),
    ("Renewables", "curtailment caused by the balance", "curtailment_by_cause.balance", "MWh"),
    ("Shares", "new-energy share of generation", "new_energy_share_of_generation", "share"),
    ("Shares", "renewable share of consumption", "renewable_share_of_consumption", "share"),
    (
        "Shares",
        "non-hydro renewable share of consumption",
        "non_hydro_renewable_share_of_consumption",
        "share",
    ),  # fmt: skip
    (
        "Shares",
        "renewable share, local use first (upper bound)",
        "renewable_share_of_consumption_local_first",
        "share",
    ),  # fmt: skip
    ("Peak shaving", "daily net-load swing, mean", "peak_shaving.net_load_swing_mw.mean", "MW"),
    ("Peak shaving", "daily net-load swing, max", "peak_shaving.net_load_swing_mw.max", "MW"),
    ("Peak shaving", "swing met by {}", "peak_shaving.met_by.*", "share"),
    (
        "Peak shaving",
        "deepest thermal output / committed",
        "peak_shaving.thermal_min_share_of_committed",
        "share",
    ),  # fmt: skip
    (
        "Peak shaving",
        "deepest thermal output / installed",
        "peak_shaving.thermal_min_share_of_installed",
        "share",
    ),  # fmt: skip
    ("Operating rules", "deep peak regulation energy", "operating_rules.deep_peak_mwh", "MWh"),
    ("Operating rules", "deep peak regulation cost", "operating_rules.deep_peak_cost_cny", "CNY"),
    ("Operating rules", "hours in deep peak regulation", "operating_rules.deep_peak_hours", "h"),
    (
        "Operating rules",
        "thermal must-run floor (CHP heat, units kept committed)",
        "operating_rules.must_run_floor_mwh",
        "MWh",
    ),
    (
        "Operating rules",
        "thermal capacity out of service, mean",
        "operating_rules.thermal_out_of_service_mw_mean",
        "MW",
    ),  # fmt: skip
    (
        "Weather years",
        "new-energy utilisation, P10",
        "weather_years.p10.renewable_utilisation",
        "share",
    ),  # fmt: skip
    (
        "Weather years",
        "new-energy utilisation, P50",
        "weather_years.p50.renewable_utilisation",
        "share",
    ),  # fmt: skip
    (
        "Weather years",
        "new-energy utilisation, P90",
        "weather_years.p90.renewable_utilisation",
        "share",
    ),  # fmt: skip
    ("Weather years", "curtailed energy, P50", "weather_years.p50.curtailed_mwh", "MWh"),
    ("Weather years", "years meeting: {}", "weather_years.share_meeting_target.*", "share"),
    ("Storage", "{}", "storage_mwh.*", "MWh"),
    ("Demand response", "capability / peak load", "dr_capacity_share_of_peak", "share"),
    ("Demand response", "used: {}", "dr_used_mwh.*", "MWh"),
    ("Demand response", "unserved energy", "unserved_mwh", "MWh"),
    ("Coal and CO2", "standard coal", "coal_t", "t"),
    ("Coal and CO2", "CO2", "co2_t", "t"),
    ("Coal and CO2", "average coal rate", "coal_rate_gce_per_kwh", "gce/kWh"),
    ("Coal and CO2", "DC export capability", "dc_export_capability_mw", "MW"),
    ("Cost", "cost: {}", "total_cost.*", "CNY"),
    ("Reserves", "hours binding: {}", "reserves.*.hours_binding", "h"),
    ("Reserves", "cost of the requirement: {}", "reserves.*.cost_cny", "CNY"),
)


def fmt(x: Any, unit: str = "") -> str:
    """A value for reading: shares in %, energies in MWh/GWh/TWh, masses in t/kt/Mt,
    money in CNY/m/bn CNY; ``n/a`` for None and NaN. Rounded to the digits shown, so a
    value shown as zero has no sign."""
    if x is None or isinstance(x, str | bool | list):
        return "n/a" if x is None else html.escape(str(x))
    v = float(x)
    if not math.isfinite(v):
        return "n/a"
    if unit == "share":
        return f"{fixed(100 * v, 2)} %"
    steps = {"MWh": ((1e6, "TWh"), (1e3, "GWh")), "t": ((1e6, "Mt"), (1e3, "kt")),
             "CNY": ((1e9, "bn CNY"), (1e6, "m CNY"))}  # fmt: skip
    for div, u in steps.get(unit, ()):
        if abs(v) >= div:
            return f"{fixed(v / div, 2)} {u}"
    if unit in ("MW", "MWh", "t", "CNY") or abs(v) >= 1000:
        return f"{fixed(v, 0)} {unit}".strip()
    return f"{compact(v)} {unit}".strip()


def png_base64(fig: Figure, dpi: int) -> str:
    """``fig`` as a PNG image, base64 text (for a ``data:`` URL)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _table(rows: list[tuple[str, str]], cls: str = "") -> str:
    body = "".join(f"<tr><th>{html.escape(a)}</th><td>{b}</td></tr>" for a, b in rows)
    return f'<table class="{cls}">{body}</table>'


def facts(run: Run) -> list[tuple[str, str]]:
    """Manifest facts as (label, HTML value) rows."""
    m = run.manifest
    sc = m.get("scenario") or {}
    inp = m.get("inputs") or {}
    net = inp.get("network") or {}
    prof = inp.get("profiles") or {}
    ok = run.ok
    status = f'<span class="{"status-ok" if ok else "status-bad"}">{html.escape(run.status)}</span>'
    period = m.get("period") or []
    gen = prof.get("generated")
    rows = [
        ("scenario", html.escape(run.name)),
        ("scenario file", html.escape(str(sc.get("path", "n/a")))),
        ("status", status),
        ("period", html.escape(period_text(period))),
        (
            "hours solved",
            f"{m.get('solved_hours', 'n/a')} of {m.get('hours', 'n/a')} in {m.get('windows', 'n/a')} windows",
        ),  # fmt: skip
        (
            "network",
            html.escape(f"{net.get('file', 'n/a')} (sha256 {str(net.get('sha256', ''))[:12]})"),
        ),  # fmt: skip
        ("profiles", html.escape(str(prof.get("dir") or (f"generated {gen}" if gen else "n/a")))),
        ("weather seed", html.escape(str(m.get("seed")))),
        ("scenario sha256", html.escape(str(sc.get("sha256", ""))[:16])),
        ("problem sha256", html.escape(str(inp.get("problem_sha256", ""))[:16])),
        ("gridsim version", html.escape(str(m.get("gridsim_version", "n/a")))),
        ("run time", fmt((m.get("timings_s") or {}).get("total"), "s")),
        ("written", html.escape(time_text(run.created))),
        ("folder", html.escape(str(run.path))),
    ]
    weather = prof.get("weather") or {}
    if weather:  # capacity factors read from weather files ([profiles.weather])
        text = "; ".join(f"{kind}: {w.get('format')} ({', '.join(Path(str(f)).name for f in (w.get('files') or {}).values())})" for kind, w in weather.items())  # fmt: skip
        rows.insert(
            [r[0] for r in rows].index("profiles") + 1, ("weather files", html.escape(text))
        )
    if m.get("diagnosis"):
        rows.append(("diagnosis", f"<pre>{html.escape(str(m['diagnosis']))}</pre>"))
    return rows


def scorecard_html(card: pd.DataFrame) -> str:
    """The plan scorecard as a table, rows green (met) or red (not met)."""
    if card.empty:
        return "<p>No scorecard in this run.</p>"
    head = "<tr><th>target</th><th>KPI</th><th>target value</th><th>value</th><th>met</th></tr>"
    rows = []
    for r in card.itertuples(index=False):
        met = str(getattr(r, "met", False)).lower() == "true"
        op = "≥" if r.op == ">=" else html.escape(str(r.op))
        rows.append(
            f'<tr class="{"met" if met else "missed"}"><td>{html.escape(str(r.target))}</td>'
            f"<td><code>{html.escape(str(r.kpi))}</code></td>"
            f'<td class="num">{op} {fmt(r.target_value, str(r.unit))}</td>'
            f'<td class="num">{fmt(r.value, str(r.unit))}</td>'
            f'<td class="flag">{"met" if met else "NOT met"}</td></tr>'
        )
    return f'<table class="scorecard">{head}{"".join(rows)}</table>'


def kpi_rows(run: Run) -> list[tuple[str, str, str]]:
    """(section, label, formatted value) of the KPI table; absent KPIs are left out."""
    out: list[tuple[str, str, str]] = []
    for section, label, key, unit in KPI_ROWS:
        if ".*." in key:  # one entry per element of a dict of dicts
            head, leaf = key.split(".*.")
            d = run.kpi(head)
            for k, sub in d.items() if isinstance(d, dict) else ():
                v = sub.get(leaf) if isinstance(sub, dict) else None
                if isinstance(v, int | float):
                    out.append((section, label.format(k), fmt(v, unit)))
            continue
        if key.endswith(".*"):
            d = run.kpi(key[:-2])
            if not isinstance(d, dict):
                continue
            for k, v in flatten(d).items():
                if isinstance(v, int | float):
                    out.append((section, label.format(k.replace(".", " ")), fmt(v, unit)))
            continue
        if key in flatten(run.summary):
            out.append((section, label, fmt(run.kpi(key), unit)))
    return out


def kpi_html(run: Run) -> str:
    """The KPI tables, one per section, laid side by side."""
    sections: dict[str, list[str]] = {}
    for section, label, value in kpi_rows(run):
        sections.setdefault(section, []).append(
            f'<tr><td>{html.escape(label)}</td><td class="num">{value}</td></tr>'
        )
    tables = [
        f'<table class="kpi"><tr class="section"><th colspan="2">{html.escape(sec)}</th></tr>{"".join(rows)}</table>'
        for sec, rows in sections.items()
    ]
    return f'<div class="cols">{"".join(tables)}</div>'


def binding_html(run: Run) -> str:
    """The branches at their limits (KPI ``binding_branches`` of a network run): hours at
    the rating in the base case and at the post-contingency limit, with the outage that
    puts each there most often; empty for a copper-plate run."""
    d = run.kpi("binding_branches")
    rows = d.get("branches") if isinstance(d, dict) else None
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{html.escape(str(r.get('branch', '')))}</td><td class='num'>{fmt(r.get('base_hours'), 'h')}</td>"
        f"<td class='num'>{fmt(r.get('n1_hours'), 'h')}</td><td>{html.escape(str(r.get('n1_outage') or '-'))}</td></tr>"
        for r in rows
    )
    skipped = d.get("islanding_outages") or []
    note = f"<p>Outages that split the network, skipped: {html.escape(', '.join(skipped))}.</p>" if skipped else ""  # fmt: skip
    return (
        "<h2>Binding branches</h2><table><tr><th>branch</th><th>hours at rating</th>"
        f"<th>hours at N-1 limit</th><th>outage binding most</th></tr>{body}</table>{note}"
    )


def all_kpis_html(run: Run) -> str:
    """Every entry of summary.json (dotted keys), folded."""
    rows = "".join(
        f"<tr><td><code>{html.escape(k)}</code></td><td class='num'>{fmt(v, unit_of(k))}</td>"
        f"<td class='num'>{html.escape(repr(v)) if isinstance(v, float) else ''}</td></tr>"
        for k, v in flatten(run.summary).items()
    )
    return (
        "<details><summary>every entry of summary.json</summary>"
        f"<table><tr><th>key</th><th>value</th><th>raw</th></tr>{rows}</table></details>"
    )


CAPTIONS = {
    "dispatch": "Hourly dispatch of week {week}: generation by source above zero, curtailed "
    "wind and solar hatched on top; storage charging and exports below zero; demand as a line.",
    "monthly balance": "Energy per month: supply by source (left bar) against consumption, "
    "losses, storage charging and exports (right bar).",
    "duration curves": "Hours sorted from highest to lowest: demand, net load (demand minus "
    "available wind and solar) and thermal output.",
    "curtailment": "Curtailed wind and solar by hour of day and day.",
    "storage": "Energy stored per storage kind: daily minimum to maximum and daily mean.",
    "demand response": "Demand response: load shed and load shifted (MW), and the daily energy.",
    "interactive": "Every hour of the run: drag the slider below the plot or pick day, week "
    "or month to zoom; hover for the values of the hour. Generation by source above zero, "
    "curtailed wind and solar hatched; storage charging and exports below zero; demand as "
    "a line.",
    "network": "Network map; with branch flows, lines are coloured by their mean and peak "
    "loading over the run.",
}


def write_report(
    run_dir: str | Path | Run,
    out: str | Path | None = None,
    week: int | None = None,
    dpi: int = 90,
    overwrite: bool = False,
    interactive: bool = True,
) -> Path:
    """Write the HTML report of a run folder; returns its path.

    ``out``: the file (default ``<run_dir>/report.html``, which is replaced when gridsim
    wrote it); ``week``: ISO week of the dispatch plot (default: the week with the most
    curtailment, else of peak demand); ``dpi``: resolution of the embedded figures.
    An existing ``out`` is replaced only with ``overwrite`` and only when it is a
    report gridsim wrote (see :mod:`gridsim.results.publish`). ``interactive``: include
    the zoomable dispatch of the whole run (plotly.js inlined, about 5 MB).
    """
    run = run_dir if isinstance(run_dir, Run) else load_run(run_dir)
    path = Path(out) if out is not None else run.path / "report.html"
    check_file_destination(path, overwrite or out is None, written_by_gridsim)
    wk = default_week(run) if week is None else int(week)
    figures = []
    for key, fig in all_figures(run, wk).items():
        cap = CAPTIONS.get(key, "").format(week=wk)
        figures.append(
            f'<figure><img alt="{html.escape(key)}" src="data:image/png;base64,{png_base64(fig, dpi)}">'
            f"<figcaption>{html.escape(cap)}</figcaption></figure>"
        )
    title = f"gridsim report: {run.name}"
    zoom = ""
    if interactive:
        from gridsim.report.interactive import dispatch_html

        zoom = f"""<h2>Dispatch, hour by hour</h2>
<p>{html.escape(CAPTIONS["interactive"])}</p>
{dispatch_html(run)}"""
    from gridsim.report.ac_check import ac_check_section  # shown when the run has ac_check/

    ac_section = ac_check_section(run.path, lambda f: f'<figure><img alt="AC check" src="data:image/png;base64,{png_base64(f, dpi)}"></figure>')  # fmt: skip
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="{GENERATOR} {__version__}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{CSS}</style></head>
<body>
<h1>{html.escape(run.name)}</h1>
<p class="sub">Power-balance run report, written {html.escape(now_text())} by gridsim.</p>
<h2>Run</h2>
{_table(facts(run))}
<h2>Plan scorecard</h2>
{scorecard_html(run.scorecard)}
<h2>Key performance indicators</h2>
{kpi_html(run)}
{all_kpis_html(run)}
{binding_html(run)}
{zoom}
{ac_section}
<h2>Figures</h2>
{"".join(figures)}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(path):
        check_file_destination(path, overwrite or out is None, written_by_gridsim)
        write_file_atomic(path, lambda tmp: tmp.write_text(doc, encoding="utf-8"))
    return path


__all__ = ["fmt", "kpi_rows", "png_base64", "scorecard_html", "write_report"]
