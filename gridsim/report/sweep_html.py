"""A self-contained HTML report of a sweep folder: ``gridsim report SWEEP_DIR``.

The file (default ``<sweep>/report.html``) holds the sweep's facts (name, base, cases
by status, parameters), its summary table (one row per case: parameters, status, key
KPIs, errors) and the KPI response plots of :mod:`gridsim.report.sweep_plots` (each
key KPI against the first varied parameter, one line per value of the second), as
inline PNG figures. Like the run report it needs no network and no other file.
"""

from __future__ import annotations

import html
import math
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from gridsim import __version__
from gridsim.errors import InputError
from gridsim.report.html import CSS, png_base64
from gridsim.report.numbers import now_text
from gridsim.results.publish import (
    GENERATOR,
    check_file_destination,
    output_lock,
    write_file_atomic,
    written_by_gridsim,
)
from gridsim.results.store import is_sweep, load_sweep

#: KPIs drawn against the sweep's parameters, in report order.
RESPONSE_KPIS = ("renewable_utilisation", "curtailed_gwh", "unserved_mwh", "coal_mt", "cost_bn_cny")


def sweep_facts(path: str | Path, summary: pd.DataFrame) -> dict[str, str]:
    """Name, base, description, cases by status and parameters of a sweep folder (from
    its copy of the sweep file, ``sweep.toml``, and its summary)."""
    from gridsim.report.sweep_plots import sweep_params

    info: dict[str, Any] = {}
    f = Path(path) / "sweep.toml"
    if f.is_file():
        try:
            info = tomllib.loads(f.read_text(encoding="utf-8")).get("sweep") or {}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            info = {}
    status = summary["status"].astype(str).value_counts() if "status" in summary else pd.Series(dtype=int)  # fmt: skip
    counts = ", ".join(f"{n} {s}" for s, n in status.items())
    facts = {
        "name": str(info.get("name") or Path(path).name),
        "base": str(info.get("base", "n/a")),
        "cases": f"{len(summary)}" + (f" ({counts})" if counts else ""),
        "parameters": ", ".join(sweep_params(summary)) or "none",
    }
    if info.get("description"):
        facts["description"] = str(info["description"])
    return facts


def varied(summary: pd.DataFrame) -> list[str]:
    """The swept parameters that take more than one value, numeric ones first."""
    from gridsim.report.sweep_plots import sweep_params

    ps = [p for p in sweep_params(summary) if summary[p].nunique(dropna=True) > 1]
    numeric = [p for p in ps if pd.api.types.is_numeric_dtype(summary[p]) and not pd.api.types.is_bool_dtype(summary[p])]  # fmt: skip
    return numeric + [p for p in ps if p not in numeric]


def response_figures(summary: pd.DataFrame) -> dict[str, Any]:
    """The response plots of the report, by KPI column: each KPI of
    :data:`RESPONSE_KPIS` with a value in an optimal case against the first varied
    parameter, coloured by the second and styled by the third."""
    from gridsim.report.sweep_plots import plot_sweep_response

    ps = varied(summary)
    if not ps:
        return {}
    ok = summary[summary["status"].eq("optimal")] if "status" in summary else summary
    figs = {}
    for y in RESPONSE_KPIS:
        if y not in summary or not pd.to_numeric(ok[y], errors="coerce").notna().any():
            continue
        hue = ps[1] if len(ps) > 1 else None
        style = ps[2] if len(ps) > 2 else None
        figs[y] = plot_sweep_response(summary, x=ps[0], y=y, hue=hue, style=style)
    return figs


def summary_html(summary: pd.DataFrame) -> str:
    """The summary table: case, label, parameters, status, key KPIs; failed rows red."""
    from gridsim.cli.sweep import TABLE
    from gridsim.report.sweep_plots import sweep_params

    params = sweep_params(summary)
    heads = ["case", "label", *params, "status"] + [h for c, (h, _, _) in TABLE.items() if c in summary]  # fmt: skip
    rows = []
    for case_id, r in summary.iterrows():
        cells = [str(r.get("case", "")), str(r.get("label") or case_id)]
        cells += ["" if _missing(r[p]) else str(r[p]) for p in params]
        cells.append(str(r.get("status", "n/a")))
        for col, (_, scale, fmt) in TABLE.items():
            if col in summary:
                v = pd.to_numeric(pd.Series([r[col]]), errors="coerce").iloc[0]
                cells.append("–" if _missing(v) else fmt.format(float(v) * scale + 0.0))
        cls = "met" if r.get("status") == "optimal" else "missed"
        tds = "".join(f'<td class="num">{html.escape(c)}</td>' for c in cells)
        rows.append(f'<tr class="{cls}">{tds}</tr>')
        err = r.get("error")
        if isinstance(err, str) and err:
            rows.append(f'<tr class="missed"><td colspan="{len(heads)}"><pre>{html.escape(err)}</pre></td></tr>')  # fmt: skip
    head = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    return f'<table class="sweep"><tr>{head}</tr>{"".join(rows)}</table>'


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and not math.isfinite(v))


def write_sweep_report(
    sweep_dir: str | Path, out: str | Path | None = None, dpi: int = 90, overwrite: bool = False
) -> Path:
    """Write the HTML report of a sweep folder; returns its path.

    ``out``: the file (default ``<sweep_dir>/report.html``, replaced when gridsim wrote
    it); ``dpi``: resolution of the figures. An existing ``out`` is replaced only with
    ``overwrite`` and only when it is a report gridsim wrote."""
    p = Path(sweep_dir)
    if not is_sweep(p):
        raise InputError("is not a sweep folder (runs/ next to summary.parquet)", source=str(p))
    summary = load_sweep(p)
    path = Path(out) if out is not None else p / "report.html"
    check_file_destination(path, overwrite or out is None, written_by_gridsim)
    facts = sweep_facts(p, summary)
    figures = []
    for y, fig in response_figures(summary).items():
        figures.append(
            f'<figure><img alt="{html.escape(y)}" src="data:image/png;base64,{png_base64(fig, dpi)}">'
            f"<figcaption>{html.escape(fig.axes[0].get_title())}: optimal cases; "
            "a band spans the other parameters' range when they vary too.</figcaption></figure>"
        )
    if not figures:
        figures.append("<p>No parameter takes more than one value: no response to draw.</p>")
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts.items())  # fmt: skip
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="{GENERATOR} {__version__}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape("gridsim sweep report: " + facts["name"])}</title><style>{CSS}</style></head>
<body>
<h1>{html.escape(facts["name"])}</h1>
<p class="sub">Sweep report, written {html.escape(now_text())} by gridsim.</p>
<h2>Sweep</h2>
<table>{rows}<tr><th>folder</th><td>{html.escape(str(p))}</td></tr></table>
<h2>Cases</h2>
{summary_html(summary)}
<h2>Responses</h2>
{"".join(figures)}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(path):
        check_file_destination(path, overwrite or out is None, written_by_gridsim)
        write_file_atomic(path, lambda tmp: tmp.write_text(doc, encoding="utf-8"))
    return path


__all__ = ["response_figures", "summary_html", "sweep_facts", "varied", "write_sweep_report"]
