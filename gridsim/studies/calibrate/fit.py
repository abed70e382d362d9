"""The fit of runs against published statistics: :func:`fit_report` -> :class:`FitReport`.

Each run is matched to the statistics of the years its snapshots cover (local time); a
published figure is compared with the model's value for the same year or month when the
run solved the whole period (``coverage`` 1; ``partial=True`` compares partly covered
periods too, for a quick look at a short run). Per row: ``error = model − published``
(in the quantity's unit: percentage points for ``%``), ``rel_error = error / published``.
Per year: the mean absolute percentage error (MAPE, over the rows with a published value
> 0) and the correlation over the months of the monthly new-energy generation
(``new_energy_twh``). :meth:`FitReport.failures` checks thresholds.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.results.store import Run, load_run
from gridsim.studies.calibrate.model import model_quantities
from gridsim.studies.calibrate.stats import QUANTITIES, load_stats

log = logging.getLogger(__name__)

#: A period counts as covered when the run solved at least this share of its hours.
COMPLETE = 0.999
#: Quantities that ``max_generation_error`` checks (annual rows).
GENERATION = ("wind_twh", "solar_twh", "new_energy_twh", "hydro_twh", "biomass_twh",
              "thermal_twh", "generation_twh")  # fmt: skip
#: Columns of :attr:`FitReport.table`.
TABLE_COLUMNS = ("quantity", "period", "year", "month", "published", "model", "error",
                 "rel_error", "unit", "coverage", "run", "source", "note")  # fmt: skip
#: Fewest months for a monthly correlation.
MIN_MONTHS = 3


@dataclass
class FitReport:
    """A fit of model runs against published statistics.

    ``table``: one row per compared figure (:data:`TABLE_COLUMNS`; ``model`` NaN where
    the run cannot compute the quantity); ``skipped``: the statistics rows not compared
    and why; ``summary``: per year (``years``) the run, rows, MAPE (%) and monthly
    correlation, and the counts; ``stats``: the statistics file.
    """

    table: pd.DataFrame
    skipped: pd.DataFrame
    summary: dict[str, Any]
    stats: str = ""
    runs: dict[int, str] = field(default_factory=dict)

    def failures(
        self,
        max_utilisation_error_pp: float | None = None,
        max_generation_error: float | None = None,
        min_monthly_correlation: float | None = None,
        max_mape_pct: float | None = None,
    ) -> list[str]:
        """The checks that fail, one line each (empty when all pass or none is asked; a
        check asked of a report that compared nothing fails):

        - ``max_utilisation_error_pp``: ``|error|`` of every annual ``*_utilisation_pct``
          row, percentage points;
        - ``max_generation_error``: ``|rel_error|`` of every annual generation row
          (:data:`GENERATION`), a fraction (0.05 = 5 %);
        - ``min_monthly_correlation``: each year's monthly new-energy correlation (a
          year with published monthly figures but fewer than 3 compared months fails);
        - ``max_mape_pct``: each year's MAPE (%).
        """
        out: list[str] = []
        t = self.table
        asked = (max_utilisation_error_pp, max_generation_error, min_monthly_correlation, max_mape_pct)  # fmt: skip
        if any(x is not None for x in asked) and not t.model.notna().any():
            out.append("no published figure was compared, so no check could pass")
        annual = t[t.month.isna() & t.model.notna()]
        if max_utilisation_error_pp is not None:
            rows = annual[annual.quantity.str.endswith("_utilisation_pct")]
            for r in rows.itertuples():
                if not abs(r.error) <= max_utilisation_error_pp:
                    out.append(f"{r.quantity} {r.period}: error {r.error:+.2f} pp exceeds ±{max_utilisation_error_pp:g} pp (published {r.published:g}, model {r.model:.2f})")  # fmt: skip
        if max_generation_error is not None:
            rows = annual[annual.quantity.isin(GENERATION)]
            for r in rows.itertuples():
                if not abs(r.rel_error) <= max_generation_error:
                    out.append(f"{r.quantity} {r.period}: relative error {r.rel_error:+.1%} exceeds ±{max_generation_error:.1%} (published {r.published:g}, model {r.model:.3f} TWh)")  # fmt: skip
        for year, s in self.summary["years"].items():
            corr = s["monthly_correlation"]
            if min_monthly_correlation is not None and s["monthly_new_energy_rows"] > 0:
                if not (corr is not None and corr >= min_monthly_correlation):
                    got = "not computable (fewer than 3 months)" if corr is None else f"{corr:.3f}"
                    out.append(f"monthly new-energy correlation {year}: {got}, below {min_monthly_correlation:g}")  # fmt: skip
            mape = s["mape_pct"]
            if max_mape_pct is not None and mape is not None and mape > max_mape_pct:
                out.append(f"MAPE {year}: {mape:.2f} % exceeds {max_mape_pct:g} %")
        return out


def _runs(results: Run | str | Path | Sequence[Run | str | Path]) -> list[Run]:
    items = [results] if isinstance(results, Run | str | Path) else list(results)
    if not items:
        raise InputError("no run folder given")
    return [r if isinstance(r, Run) else load_run(r) for r in items]


def _model_table(runs: list[Run]) -> pd.DataFrame:
    """The model quantities of every run, checking that no two runs cover one year."""
    parts: list[pd.DataFrame] = []
    owner: dict[int, str] = {}
    for run in runs:
        if not run.ok:
            log.warning("%s: run status is %s; only its solved hours are compared", run.path, run.status)  # fmt: skip
        m = model_quantities(run)
        m["run"] = str(run.path)
        for year in sorted(set(m.year[m.coverage > 0])):
            if year in owner:
                raise InputError(f"covers year {year} like run {owner[year]}: give one run per year", source=str(run.path))  # fmt: skip
            owner[year] = str(run.path)
        parts.append(m[m.coverage > 0])
    return pd.concat(parts, ignore_index=True)


def _period(year: int, month: Any) -> str:
    return str(year) if pd.isna(month) else f"{year}-{int(month):02d}"


def _mape(rel: pd.Series) -> float | None:
    r = rel[np.isfinite(rel)]
    return float(100 * r.abs().mean()) if len(r) else None


def _year_summary(t: pd.DataFrame, run: str) -> dict[str, Any]:
    ok = t[t.model.notna()]
    mon = ok[ok.month.notna()]
    ne = mon[mon.quantity == "new_energy_twh"].sort_values("month")
    corr = None
    if len(ne) >= MIN_MONTHS:
        c = float(np.corrcoef(ne.published.to_numpy(float), ne.model.to_numpy(float))[0, 1])
        corr = c if math.isfinite(c) else None
    return {
        "run": run,
        "rows": int(len(ok)),
        "mape_pct": _mape(ok.rel_error),
        "annual_mape_pct": _mape(ok.rel_error[ok.month.isna()]),
        "monthly_mape_pct": _mape(mon.rel_error),
        "monthly_correlation": corr,
        "monthly_new_energy_rows": int(
            (t.month.notna() & (t.quantity == "new_energy_twh")).sum()
        ),  # fmt: skip
        "months_correlated": int(len(ne)),
    }


def fit_report(
    stats: str | Path | pd.DataFrame,
    results: Run | str | Path | Sequence[Run | str | Path],
    partial: bool = False,
) -> FitReport:
    """Compare the runs ``results`` (folders or loaded runs, one per year) with the
    published statistics ``stats`` (a file path, or the table of
    :func:`~gridsim.studies.calibrate.stats.load_stats`).

    Rows without a value, of a year no run covers, or of a period the run covers only
    in part (unless ``partial``) go to :attr:`FitReport.skipped` with the reason.
    """
    src = "" if isinstance(stats, pd.DataFrame) else str(stats)
    st = stats if isinstance(stats, pd.DataFrame) else load_stats(stats)
    runs = _runs(results)
    model = _model_table(runs)
    st = st.assign(month0=st.month.fillna(0).astype(int))
    model = model.assign(month0=model.month.fillna(0).astype(int))
    periods = model.drop_duplicates(["year", "month0"])[["year", "month0", "coverage", "run"]]
    df = st.merge(periods, on=["year", "month0"], how="left")
    df = df.merge(model[["year", "month0", "quantity", "model"]], on=["year", "month0", "quantity"], how="left")  # fmt: skip
    reason = pd.Series("", index=df.index)
    reason[df.value.isna()] = "no published value"
    reason[(reason == "") & df.run.isna()] = "no run covers the period"
    short = (reason == "") & ~(df.coverage >= COMPLETE) & (not partial)
    reason[short] = [f"the run covers {100 * c:.1f} % of the period" for c in df.coverage[short]]
    skipped = df[reason != ""].assign(reason=reason[reason != ""])
    skipped = skipped[["line", "year", "month", "quantity", "value", "unit", "source", "reason"]].reset_index(drop=True)  # fmt: skip
    t = df[reason == ""].copy()
    for r in t[t.model.isna()].itertuples():
        log.warning("%s: %s %s cannot be computed from the run", r.run, r.quantity, _period(r.year, r.month))  # fmt: skip
    t["published"] = t.value
    t["error"] = t.model - t.published
    t["rel_error"] = t.error / t.published.where(t.published != 0)
    t["period"] = [_period(y, m) for y, m in zip(t.year, t.month)]
    rank = {q: i for i, q in enumerate(QUANTITIES)}
    t["rank"] = [rank.get(q, len(rank)) for q in t.quantity]
    t = t.sort_values(["year", "month0", "rank", "quantity"])
    table = t[list(TABLE_COLUMNS)].reset_index(drop=True)
    run_of = {int(y): str(r) for y, r in model.groupby("year").run.first().items()}
    per_year = {int(y): _year_summary(table[table.year == y], run_of[int(y)]) for y in sorted(set(table.year))}  # fmt: skip
    summary = {
        "stats": src,
        "runs": run_of,
        "rows_compared": int(table.model.notna().sum()),
        "rows_not_computed": int(table.model.isna().sum()),
        "rows_skipped": {
            str(k): int(v)
            for k, v in skipped.reason.str.replace(r"covers [0-9.]+ %", "covers part", regex=True)
            .value_counts()
            .items()
        },  # fmt: skip
        "partial": bool(partial),
        "years": per_year,
    }
    return FitReport(table, skipped, summary, src, run_of)


__all__ = ["COMPLETE", "GENERATION", "TABLE_COLUMNS", "FitReport", "fit_report"]
