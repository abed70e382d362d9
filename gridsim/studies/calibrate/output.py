"""The report folder of a fit, and its text table.

:func:`write_fit_report` writes ``REPORT_DIR/``:

=======================  ==========================================================
``report.md``            per-year summary, checks, the fit table, skipped rows, figures
``report.html``          the same as a web page (with ``html`` in ``formats``)
``report.json``          summary, checks, table and skipped rows (with ``json``)
``fit.csv``              the fit table (:data:`~.fit.TABLE_COLUMNS`)
``figures/*.png``        ``annual.png`` and ``monthly_<year>.png`` (:mod:`.figures`)
``manifest.json``        gridsim's mark (kind ``calibration``), the statistics file
                         and the runs with their SHA-256, every file's size and hash
=======================  ==========================================================

The folder is staged and published by :mod:`gridsim.results.publish`: a folder gridsim
did not write is never replaced; an earlier report only with ``overwrite``.
"""

from __future__ import annotations

import html
import json
import math
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from gridsim.report.numbers import now_text
from gridsim.results.integrity import file_records, sha256_of
from gridsim.results.publish import (  # fmt: skip
    GENERATOR,
    check_destination,
    marker,
    output_lock,
    publish_dir,
    staging_dir,
)
from gridsim.results.write import jsonable
from gridsim.studies.calibrate.figures import annual_bars, monthly_lines
from gridsim.studies.calibrate.fit import FitReport

FORMATS = ("md", "html", "json")
KIND = "calibration"
#: Columns of the printed and Markdown tables: (header, column).
SHOWN = (("quantity", "quantity"), ("period", "period"), ("published", "published"),
         ("model", "model"), ("error", "error"), ("rel. error", "rel_error"),
         ("unit", "unit"), ("source", "source"))  # fmt: skip


def _num(v: Any, digits: int = 5, pct: bool = False, sign: bool = False) -> str:
    """``v`` with ``digits`` significant digits (a share ``pct`` as ``+1.2 %``); ``n/a``
    for NaN; ``sign``: ``+`` before positive values (a value shown as 0 has none)."""
    if v is None or pd.isna(v) or not math.isfinite(float(v)):
        return "n/a"
    if pct:
        return f"{100 * float(v):+.1f} %"
    text = f"{float(v):.{digits}g}"
    if float(text) == 0:
        return "0"
    return f"+{text}" if sign and float(v) > 0 else text


def table_rows(report: FitReport) -> list[list[str]]:
    """The fit table as text cells (:data:`SHOWN`): published as given (6 digits), model
    and error with 5 and 3 significant digits (the error to at most 4 decimals), relative
    error in %."""
    out = []
    for r in report.table.itertuples():
        out.append([r.quantity, r.period, _num(r.published, 6), _num(r.model), _num(round(r.error, 4), 3, sign=True),
                    _num(r.rel_error, pct=True), r.unit, str(r.source)])  # fmt: skip
    return out


def format_table(report: FitReport) -> str:
    """The fit table as aligned text (what ``gridsim calibrate`` prints)."""
    head = [h for h, _ in SHOWN]
    rows = table_rows(report)
    if not rows:
        return "no published figure was compared (see the skipped rows in the report)"
    width = [max(len(x) for x in col) for col in zip(head, *rows)]
    num = {2, 3, 4, 5}
    lines = []
    for cells in [head, *rows]:
        lines.append("  ".join(c.rjust(w) if i in num else c.ljust(w) for i, (c, w) in enumerate(zip(cells, width))).rstrip())  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in width))
    return "\n".join(lines)


def year_rows(report: FitReport) -> list[list[str]]:
    """Per-year summary cells: year, run, rows, MAPE, annual MAPE, monthly MAPE, monthly
    new-energy correlation (months)."""
    out = []
    for y, s in report.summary["years"].items():
        corr = "n/a" if s["monthly_correlation"] is None else f"{s['monthly_correlation']:.3f}"
        out.append([str(y), s["run"], str(s["rows"]), _mape(s["mape_pct"]), _mape(s["annual_mape_pct"]),
                    _mape(s["monthly_mape_pct"]), f"{corr} ({s['months_correlated']})"])  # fmt: skip
    return out


YEAR_HEAD = ["year", "run", "rows", "MAPE", "annual MAPE", "monthly MAPE", "monthly correlation (months)"]  # fmt: skip


def _mape(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f} %"


def _md_table(head: Sequence[str], rows: list[list[str]]) -> str:
    def esc(c: str) -> str:
        return c.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _skipped_rows(report: FitReport) -> list[list[str]]:
    s = report.skipped
    return [[str(r.line), str(r.year), "" if pd.isna(r.month) else str(int(r.month)), r.quantity, r.reason]  # fmt: skip
            for r in s.itertuples()]  # fmt: skip


def _checks_text(failures: list[str] | None) -> list[str]:
    if failures is None:
        return ["No checks were asked for."]
    if not failures:
        return ["All checks pass."]
    return [f"{len(failures)} check(s) fail:", ""] + [f"- {f}" for f in failures]


def counts_text(report: FitReport) -> str:
    """One sentence: figures compared, not computable, skipped (by reason)."""
    s = report.summary
    why = "; ".join(f"{k}: {n}" for k, n in s["rows_skipped"].items())
    text = f"Compared: {s['rows_compared']} figures; not computable from the run: {s['rows_not_computed']}; "  # fmt: skip
    text += f"skipped: {sum(s['rows_skipped'].values())}" + (f" ({why})" if why else "")
    return text + (", periods the runs cover in part compared too." if s["partial"] else ".")


def markdown(report: FitReport, figures: list[str], failures: list[str] | None = None) -> str:
    """The Markdown report (figures linked relative to the report folder)."""
    s = report.summary
    parts = [
        "# Calibration: model against published statistics",
        "",
        f"Statistics: `{report.stats or '(a table)'}`. Written {now_text()} by gridsim.",
        "Periods are calendar years and months in Asia/Shanghai local time. "
        "`error = model − published` in the quantity's unit (percentage points for %); "
        "`rel. error = error / published`.",
        "",
        counts_text(report),
        "",
        "## Per year",
        "",
        _md_table(YEAR_HEAD, year_rows(report)) if s["years"] else "No year was compared.",
        "",
        "## Checks",
        "",
        *_checks_text(failures),
        "",
        "## Figures",
        "",
        *[f"![{Path(f).stem}]({f})\n" for f in figures],
        "## Fit table",
        "",
        _md_table([h for h, _ in SHOWN], table_rows(report)) if len(report.table) else "No row.",
        "",
        "## Rows not compared",
        "",
        _md_table(["line", "year", "month", "quantity", "reason"], _skipped_rows(report))
        if len(report.skipped)
        else "None.",  # fmt: skip
        "",
    ]
    return "\n".join(parts)


CSS = """body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
max-width: 1250px; padding: 0 1.5em; color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e4e4e4; text-align: left; }
th { background: #f4f4f4; } img { max-width: 100%; border: 1px solid #eee; }
li.fail { color: #b42318; } p.pass { color: #1a7f37; }"""


def _html_table(head: Sequence[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)  # fmt: skip
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def html_page(report: FitReport, figures: list[str], failures: list[str] | None = None) -> str:
    """The report as one HTML page (figures linked relative to the report folder)."""
    from gridsim import __version__

    if failures:
        checks = "<ul>" + "".join(f'<li class="fail">{html.escape(f)}</li>' for f in failures) + "</ul>"  # fmt: skip
    else:
        checks = f'<p class="{"pass" if failures == [] else ""}">{_checks_text(failures)[0]}</p>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="{GENERATOR} {__version__}">
<title>Calibration report</title><style>{CSS}</style></head><body>
<h1>Calibration: model against published statistics</h1>
<p>Statistics: <code>{html.escape(report.stats or "(a table)")}</code>. Written {html.escape(now_text())}.
Periods are calendar years and months in Asia/Shanghai local time; error = model − published
(percentage points for %), rel. error = error / published.
{html.escape(counts_text(report))}</p>
<h2>Per year</h2>{_html_table(YEAR_HEAD, year_rows(report))}
<h2>Checks</h2>{checks}
<h2>Figures</h2>{"".join(f'<figure><img src="{html.escape(f)}" alt="{html.escape(Path(f).stem)}"></figure>' for f in figures)}
<h2>Fit table</h2>{_html_table([h for h, _ in SHOWN], table_rows(report))}
<h2>Rows not compared</h2>{_html_table(["line", "year", "month", "quantity", "reason"], _skipped_rows(report))}
</body></html>
"""


def to_json(report: FitReport, failures: list[str] | None = None) -> dict[str, Any]:
    """Summary, checks (``failures``: None when none was asked), table and skipped rows."""
    return jsonable({
        "summary": report.summary,
        "failures": failures,
        "table": report.table.astype(object).where(report.table.notna(), None).to_dict("records"),
        "skipped": report.skipped.astype(object).where(report.skipped.notna(), None).to_dict("records"),  # fmt: skip
    })  # fmt: skip


def _save_png(fig: Any, path: Path, dpi: int) -> None:
    from gridsim import __version__

    fig.savefig(path, dpi=dpi, format="png", metadata={"Software": f"{GENERATOR} {__version__}"})  # fmt: skip


def write_fit_report(
    report: FitReport,
    out: str | Path,
    formats: Sequence[str] = ("md",),
    failures: list[str] | None = None,
    overwrite: bool = False,
    dpi: int = 100,
) -> Path:
    """Write the report folder ``out`` (see the module docstring); ``formats`` adds
    ``report.html`` (``html``) and ``report.json`` (``json``) to ``report.md``;
    ``failures`` are the checks' results (None: no check asked). Returns ``out``."""
    p = Path(out)
    with output_lock(p):
        check_destination(p, overwrite)
        tmp = staging_dir(p)
        try:
            (tmp / "figures").mkdir()
            figures = []
            fig = annual_bars(report.table)
            if fig is not None:
                _save_png(fig, tmp / "figures" / "annual.png", dpi)
                figures.append("figures/annual.png")
            for year in report.summary["years"]:
                fig = monthly_lines(report.table, int(year))
                if fig is not None:
                    _save_png(fig, tmp / "figures" / f"monthly_{year}.png", dpi)
                    figures.append(f"figures/monthly_{year}.png")
            (tmp / "report.md").write_text(markdown(report, figures, failures), encoding="utf-8")
            report.table.to_csv(tmp / "fit.csv", index=False)
            if "html" in formats:
                (tmp / "report.html").write_text(html_page(report, figures, failures), encoding="utf-8")  # fmt: skip
            if "json" in formats:
                (tmp / "report.json").write_text(json.dumps(to_json(report, failures), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")  # fmt: skip
            names = [f.relative_to(tmp).as_posix() for f in tmp.rglob("*") if f.is_file()]
            manifest = {
                **marker(KIND),
                "stats": {
                    "file": report.stats,
                    "sha256": sha256_of(Path(report.stats))
                    if report.stats and Path(report.stats).is_file()
                    else None,
                },  # fmt: skip
                "runs": {
                    str(y): {"path": r, "manifest_sha256": _manifest_hash(r)}
                    for y, r in report.runs.items()
                },  # fmt: skip
                "files": file_records(tmp, names),
            }
            (tmp / "manifest.json").write_text(json.dumps(jsonable(manifest), indent=2) + "\n")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return publish_dir(tmp, p, overwrite)


def _manifest_hash(run: str) -> str | None:
    f = Path(run) / "manifest.json"
    return sha256_of(f) if f.is_file() else None


__all__ = ["FORMATS", "KIND", "format_table", "html_page", "markdown", "to_json", "write_fit_report"]  # fmt: skip
