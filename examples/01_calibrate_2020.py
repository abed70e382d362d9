"""Example 1: back-tests 2020-2022. Does the model reproduce the published years, and
which rules matter?

The plain-script twin of ``01_calibrate_2020.ipynb``. Each back-test year
(``scenarios/ningxia_2020.toml``, ``ningxia_2021``, ``ningxia_2022``) is built only from
that year's published inputs (written by ``docs/calibration/derive.py``) on the shared
operating rules of ``scenarios/ningxia_rules.toml``. The script runs each year, compares
it with the year's published figures (``docs/calibration/ningxia_2020_2022.csv``) through
:func:`gridsim.studies.calibrate.fit_report`, checks the acceptance (new-energy
utilisation within 1 pp, wind and PV generation each within 5 %, monthly new-energy
generation correlated at >= 0.8 with the published months), then re-runs the year with
each operating rule undone, one at a time. Figures go to ``<out>/figures``.

    python examples/01_calibrate_2020.py                                    # 2020, whole year
    GRIDSIM_EXAMPLE_YEARS=2020,2021,2022 python examples/01_calibrate_2020.py  # all three
    GRIDSIM_EXAMPLE_HOURS=720 python examples/01_calibrate_2020.py          # April only

Environment: ``GRIDSIM_EXAMPLE_YEARS`` (comma-separated back-test years, default
``2020``), ``GRIDSIM_EXAMPLE_HOURS`` (hours to simulate; unset or 0 = the whole year),
``GRIDSIM_EXAMPLE_START`` (first hour of a short run, default 2020-04-01; its month and
day are used in each year), ``GRIDSIM_EXAMPLE_OUT`` (results folder, default
``results/examples``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from gridsim.batch import apply_changes
from gridsim.report import plots
from gridsim.results import Run, load_run
from gridsim.scenario import Scenario, load_scenario
from gridsim.studies.balance import run_balance
from gridsim.studies.calibrate import FitReport, fit_report, load_stats
from gridsim.studies.calibrate.figures import monthly_lines

# ------------------------------------------------------------------ settings
YEARS = [int(y) for y in os.environ.get("GRIDSIM_EXAMPLE_YEARS", "2020").split(",")]
HOURS = int(os.environ.get("GRIDSIM_EXAMPLE_HOURS") or 0)  # 0: the whole year
START = os.environ.get("GRIDSIM_EXAMPLE_START", "2020-04-01")
ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("GRIDSIM_EXAMPLE_OUT") or ROOT / "results" / "examples") / "01_calibrate_2020"  # fmt: skip
TARGETS = ROOT / "docs" / "calibration" / "ningxia_2020_2022.csv"
# Acceptance: utilisation within 1 pp, wind and PV within 5 %, monthly correlation >= 0.8.
MAX_UTILISATION_PP, MAX_GENERATION_REL, MIN_CORRELATION = 1.0, 0.05, 0.8
# The rules undone in a short run (the others only in a whole-year run).
SHORT_RULES = ("down reserve", "deep peak regulation", "maintenance")
NA = "n/a (short run)"


def with_horizon(sc: Scenario, year: int) -> Scenario:
    """The scenario cut to ``HOURS`` hours from START's month and day in ``year``."""
    if not HOURS:
        return sc
    start = pd.Timestamp(START).replace(year=year)
    end = start + pd.Timedelta(hours=HOURS)
    changes = {"study.whole_year": False, "study.start": start.isoformat(), "study.end": end.isoformat()}  # fmt: skip
    return apply_changes(sc, changes)


def rules_table(sc: Scenario) -> pd.DataFrame:
    """The operating rules as the scenario sets them (inherited from ningxia_rules)."""
    ov, th, rs = sc.network.overrides, sc.thermal, sc.reserves
    largest = " + the largest unit" if rs.up_largest_unit else ""
    tiers = ", ".join(f"{100 * s:g} %" for s in th.tier_min_share)
    peak = f"{', '.join(th.peak_regulation) or 'off'}: paid below {100 * th.normal_min_share:g} %, tiers down to {tiers}"  # fmt: skip
    rows = [
        ("down reserve", f"{100 * rs.down_load_share:g} % of load + {rs.down_mw:,.0f} MW"),
        ("up reserve", f"{100 * rs.up_load_share:g} % of load" + largest),
        ("DC band around the schedules, pu", sc.exports.band_pu),
        ("deep peak regulation", peak),
        ("CHP range follows the hourly heat load", th.chp_heat_load),
        ("unit size, MW", ov.unit_size_mw),
        ("minimum up / down time, h", f"{ov.min_up_time_h} / {ov.min_down_time_h}"),
        ("always committed", ", ".join(ov.always_committed)),
        ("DC sending-end stability", _dc_rule(sc)),
        ("maintenance, weeks per year", th.maintenance_weeks),
    ]
    return pd.DataFrame(rows, columns=["rule", "value"]).set_index("rule")


def _dc_rule(sc: Scenario) -> str:
    """The DC sending-end stability rule in a line: SCR floor and the units per link."""
    ds = sc.dc_stability
    if ds is None or not ds.near_units:
        return "off"
    links = "; ".join(f"{k}: {', '.join(v)}" for k, v in ds.near_units.items())
    return f"SCR >= {ds.scr_min:g} ({links})"


def rule_changes(sc: Scenario) -> dict[str, dict[str, Any]]:
    """Each operating rule that ``sc`` sets, and the changes that undo it."""
    ov, th = sc.network.overrides, sc.thermal
    undo = {  # rule: (is it set?, the changes that undo it)
        "down reserve": (sc.reserves.down_mw > 0, {"reserves.down_mw": 0.0}),
        "DC band": (sc.exports.band_pu > 0, {"exports.band_pu": 0.0}),
        "deep peak regulation": (bool(th.peak_regulation), {"thermal.peak_regulation": []}),
        "CHP heat load (flat floor instead)": (th.chp_heat_load, {"thermal.chp_heat_load": False}),
        "min up/down times": (
            bool(ov.min_up_time_h or ov.min_down_time_h),
            {
                "network.overrides.min_up_time_h": dict.fromkeys(ov.min_up_time_h, 0.0),
                "network.overrides.min_down_time_h": dict.fromkeys(ov.min_down_time_h, 0.0),
            },
        ),
        "always committed": (bool(ov.always_committed), {"network.overrides.always_committed": []}),
        "DC stability": (
            bool(sc.dc_stability and sc.dc_stability.near_units),
            {
                f"dc_stability.{t}": {}
                for t in ("near_units", "background_mva", "condenser_mva", "scr_min_by_link")
            },
        ),  # fmt: skip
        "maintenance": (
            bool(th.maintenance_weeks),
            {"thermal.maintenance_weeks": dict.fromkeys(th.maintenance_weeks, 0.0)},
        ),
    }
    return {r: ch for r, (on, ch) in undo.items() if on and (not HOURS or r in SHORT_RULES)}


def rule_effects(sc: Scenario, base: dict) -> pd.DataFrame:
    """Re-run ``sc`` with each rule undone: utilisation, curtailment and thermal output
    (TWh over the run) and their change from the run with every rule."""
    rows = {"every rule (the back-test)": base}
    for rule, changes in rule_changes(sc).items():
        rows[f"without {rule}"] = run_balance(apply_changes(sc, changes)).kpis
    t = pd.DataFrame(
        {
            what: {
                "utilisation %": 100 * k["renewable_utilisation"],
                "curtailment TWh": k["curtailed_mwh"]["total"] / 1e6,
                "thermal TWh": k["thermal_mwh"] / 1e6,
            }
            for what, k in rows.items()
        }
    ).T
    for col, delta in (("utilisation %", "Δ pp"), ("curtailment TWh", "Δ curt. TWh"), ("thermal TWh", "Δ thermal TWh")):  # fmt: skip
        t.insert(t.columns.get_loc(col) + 1, delta, t[col] - t[col].iloc[0])
    t.insert(0, "status", [k["solver"]["status"] for k in rows.values()])
    return t.round(3)


def acceptance(rep: FitReport, stats: pd.DataFrame, year: int) -> pd.DataFrame:
    """The acceptance checks of ``year``: published, model, error, tolerance, result
    (``n/a (short run)`` where the run does not cover the whole year)."""
    t = rep.table[(rep.table.year == year) & rep.table.month.isna()].set_index("quantity")
    pub = stats[(stats.year == year) & stats.month.isna()].set_index("quantity").value
    rows = []
    for q, name, tol in (
        ("new_energy_utilisation_pct", "new-energy utilisation, %", MAX_UTILISATION_PP),
        ("wind_twh", "wind generation, TWh", MAX_GENERATION_REL),
        ("solar_twh", "PV generation, TWh", MAX_GENERATION_REL),
    ):
        pp = q.endswith("_pct")
        shown = f"± {tol:g} pp" if pp else f"± {100 * tol:g} %"
        if q in t.index and pd.notna(t.model[q]):
            err = t.error[q] if pp else 100 * t.rel_error[q]
            ok = abs(err) <= (tol if pp else 100 * tol)
            rows.append((name, pub[q], round(t.model[q], 3), f"{err:+.2f} {'pp' if pp else '%'}", shown, "pass" if ok else "FAIL"))  # fmt: skip
        else:
            rows.append((name, pub[q], NA, NA, shown, NA))
    corr = rep.summary["years"].get(year, {}).get("monthly_correlation")
    if corr is None:
        rows.append(("monthly new-energy correlation", "", NA, "", f"≥ {MIN_CORRELATION:g}", NA))
    else:
        ok = corr >= MIN_CORRELATION
        rows.append(("monthly new-energy correlation", "", round(corr, 3), "", f"≥ {MIN_CORRELATION:g}", "pass" if ok else "FAIL"))  # fmt: skip
    cols = ["check", "published", "model", "error", "tolerance", "result"]
    return pd.DataFrame(rows, columns=cols).set_index("check")


def verdict(acc: pd.DataFrame, rep: FitReport, year: int) -> str:
    """One line: how many acceptance checks pass, and how many published figures were compared."""
    s = rep.summary["years"].get(year, {"rows": 0, "mape_pct": None})
    mape = "" if s["mape_pct"] is None else f", MAPE {s['mape_pct']:.2f} %"
    done = acc[acc.result != NA]
    if done.empty:
        head = f"{year}: acceptance {NA}: {HOURS} h from {pd.Timestamp(START).replace(year=year):%Y-%m-%d}"  # fmt: skip
    else:
        head = f"{year}: {int((done.result == 'pass').sum())} of {len(done)} acceptance checks pass"
    return f"{head}; {s['rows']} published figures compared{mape}"


def save_figures(runs: dict[int, Run], rep: FitReport, figs: Path) -> list[Path]:
    """Monthly balance, dispatch week and monthly model-vs-published figures per year."""
    figs.mkdir(parents=True, exist_ok=True)
    out = []
    for year, run in runs.items():
        title = f"ningxia_{year}: monthly figures, published and model"
        drawn = {
            f"monthly_balance_{year}.png": plots.plot_monthly_balance(run),
            f"dispatch_week_{year}.png": plots.plot_dispatch(run),
            f"monthly_vs_published_{year}.png": monthly_lines(rep.table, year, title),
        }
        for name, fig in drawn.items():
            if fig is not None:
                fig.savefig(figs / name, dpi=110)
                out.append(figs / name)
    return out


def main() -> None:
    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", 100)
    period = "whole year" if not HOURS else f"{HOURS} h from {START[5:10]} (short run)"
    print(f"Back-tests {', '.join(map(str, YEARS))} ({period}) against {TARGETS.relative_to(ROOT)}")  # fmt: skip
    scenarios = {year: with_horizon(load_scenario(f"ningxia_{year}"), year) for year in YEARS}
    print(f"\nThe operating rules (scenarios/ningxia_rules.toml, as ningxia_{YEARS[0]} inherits them):")  # fmt: skip
    band = {year: s.exports.band_pu for year, s in scenarios.items()}
    print(f"band_pu by year: {band}")
    print(rules_table(scenarios[YEARS[0]]).to_string())

    print()
    results, runs = {}, {}
    for year, sc in scenarios.items():
        res = run_balance(sc)
        print(f"ningxia_{year}: {res.status}, {res.kpis['solver']['solved_hours']} h solved in {res.timings_s['total']:.1f} s")  # fmt: skip
        if not res.ok:
            raise SystemExit(f"the run failed:\n{res.dispatch.diagnosis}")
        results[year] = res
        runs[year] = load_run(res.write(OUT / f"ningxia_{year}"))

    stats = load_stats(TARGETS)
    rep = fit_report(stats, list(runs.values()))
    t = rep.table
    print("\nThe fit (gridsim.studies.calibrate.fit_report):")
    print(f"{len(t)} published figures compared; {len(rep.skipped)} not (no value, or a period the runs do not cover entirely)")  # fmt: skip
    print(t[["period", "quantity", "published", "model", "error", "rel_error", "source"]].round(4).to_string(index=False))  # fmt: skip
    checks = rep.failures(max_utilisation_error_pp=MAX_UTILISATION_PP, max_generation_error=MAX_GENERATION_REL, min_monthly_correlation=MIN_CORRELATION)  # fmt: skip
    print("\nThe acceptance tolerances on every annual figure (gridsim calibrate's checks):")
    if t.month.isna().any():
        print("\n".join(checks) or "every annual figure within the tolerances")
    else:
        print(f"no annual figure compared: {NA}")

    figs = save_figures(runs, rep, OUT / "figures")
    print(f"\nfigures: {', '.join(p.name for p in figs)} in {OUT / 'figures'}")

    for year in YEARS:
        print(f"\nWhat each rule does, ningxia_{year} (the run re-done with one rule undone):")
        print(rule_effects(scenarios[year], results[year].kpis).to_string())

    print("\nBack-test acceptance (utilisation ± 1 pp, wind and PV ± 5 %, monthly correlation ≥ 0.8):")  # fmt: skip
    accs = {year: acceptance(rep, stats, year) for year in YEARS}
    for year in YEARS:
        print(verdict(accs[year], rep, year))
    print(pd.concat(accs, names=["year"]).to_string())


if __name__ == "__main__":
    main()
