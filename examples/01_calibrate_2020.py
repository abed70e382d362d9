"""Example 1: does the model reproduce Ningxia's 2020, the plan's baseline year?

The plain-script twin of ``01_calibrate_2020.ipynb``: it runs the calibrated
``ningxia_2020`` scenario, compares it with the plan's published 2020 figures
(generation 188.2 TWh, exports 79.4 TWh, new-energy share of generation 17.7 %,
new-energy utilisation 97.6 %), lists the calibration knobs, re-runs the year with
each knob undone, and prints the tables. Figures go to ``<out>/figures``.

    python examples/01_calibrate_2020.py                              # the whole year (8,784 h)
    GRIDSIM_EXAMPLE_HOURS=336 python examples/01_calibrate_2020.py    # two weeks from START

Environment: ``GRIDSIM_EXAMPLE_HOURS`` (hours to simulate; unset or 0 = the whole
year), ``GRIDSIM_EXAMPLE_START`` (first hour of a short run, default 2020-04-06),
``GRIDSIM_EXAMPLE_OUT`` (results folder, default ``results/examples``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from gridsim.batch import apply_changes
from gridsim.network import load_network
from gridsim.report import plots
from gridsim.results import load_run
from gridsim.scenario import Scenario, load_scenario
from gridsim.studies.balance import run_balance

# ------------------------------------------------------------------ settings
HOURS = int(os.environ.get("GRIDSIM_EXAMPLE_HOURS") or 0)  # 0: the whole year
START = os.environ.get("GRIDSIM_EXAMPLE_START", "2020-04-06")
ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("GRIDSIM_EXAMPLE_OUT") or ROOT / "results" / "examples") / "01_calibrate_2020"  # fmt: skip
YEAR_HOURS = 8784  # 2020 is a leap year

# The plan's 2020 figures (reference section 0) and the tolerances of
# tests/test_calibration_2020.py: relative for energies, absolute (pp) for shares.
PUBLISHED = [
    # figure, KPI (dotted path in summary.json), published, unit, tolerance, kind
    ("generation", "generation_mwh.total", 188.2, "TWh", 0.03, "rel"),
    ("exports (DC links, sending end)", "export_mwh.dc_total", 79.4, "TWh", 0.03, "rel"),
    ("new-energy share of generation", "new_energy_share_of_generation", 17.7, "%", 1.5, "pp"),
    ("new-energy utilisation", "renewable_utilisation", 97.6, "%", 1.0, "pp"),
]
# The reference's estimated 2020 split (section 5): TWh, low..high.
REFERENCE_SPLIT = {
    "wind": (20.0, 21.0),
    "solar": (12.0, 13.0),
    "hydro": (1.5, 2.0),
    "biomass": (0.5, 0.7),
    "coal": (150.0, 154.0),
    "yindong": (29.0, 32.0),
    "lingshao": (46.0, 49.0),
}
# Each knob undone, one at a time: what the calibration would give without it.
KNOBS_UNDONE = {
    "weather year: shipped seed 1 instead of 4": {"profiles.generate.seed": 1},
    "CHP floor 50 % (the network's) instead of 60 %": {"network.overrides.chp_min_share": 0.5},
    "no always-committed coal units": {"network.overrides.always_committed": []},
    "no flat AC export block (5 TWh)": {"exports.ac_export_twh": 0.0},
}


def with_horizon(sc: Scenario) -> Scenario:
    """The scenario cut to ``HOURS`` hours from ``START`` (unchanged when HOURS is 0)."""
    if not HOURS:
        return sc
    end = pd.Timestamp(START) + pd.Timedelta(hours=HOURS)
    changes = {"study.whole_year": False, "study.start": START, "study.end": end.isoformat()}
    return apply_changes(sc, changes)


def kpi(k: dict, path: str) -> float:
    for part in path.split("."):
        k = k[part]
    return float(k)  # type: ignore[arg-type]


def calibration_table(k: dict, annualise: float) -> pd.DataFrame:
    """Model vs published, with the tolerance and whether the model is inside it."""
    rows = []
    for figure, path, published, unit, tol, kind in PUBLISHED:
        value = kpi(k, path)
        model = value / 1e6 * annualise if unit == "TWh" else 100 * value
        diff = model - published
        inside = abs(diff) <= (tol * published if kind == "rel" else tol)
        shown_tol = f"± {100 * tol:g} %" if kind == "rel" else f"± {tol:g} pp"
        rows.append((figure, unit, published, round(model, 2), round(diff, 2), shown_tol, inside))
    cols = ["figure", "unit", "published", "model", "difference", "tolerance", "within"]
    return pd.DataFrame(rows, columns=cols).set_index("figure")


def split_table(k: dict, annualise: float) -> pd.DataFrame:
    """Generation by fuel and exports by link against the reference's estimates (TWh)."""
    rows = []
    for name, (low, high) in REFERENCE_SPLIT.items():
        group = "export_mwh" if name in k["export_mwh"] else "generation_mwh"
        twh = k[group][name] / 1e6 * annualise
        rows.append((name, group.split("_")[0], round(twh, 2), low, high, low <= twh <= high))
    cols = ["item", "kind", "model TWh", "reference low", "reference high", "inside"]
    return pd.DataFrame(rows, columns=cols).set_index("item")


def knob_table(sc: Scenario) -> pd.DataFrame:
    """The calibration knobs, read from the scenario itself."""
    ov, ex = sc.network.overrides, sc.exports
    rows = [
        ("weather year (profiles.generate.seed)", sc.profiles.seed),
        ("always-committed coal units", ", ".join(ov.always_committed)),
        ("CHP floor in the heating season (chp_min_share)", ov.chp_min_share),
        ("hydro minimum output (min_load_share)", ov.min_load_share.get("hydro")),
        ("hydro energy budget, full-load hours", sc.study.hydro_flh.get("hydro")),
        ("DC export schedule scale per link", ex.schedule_scale),
        ("flat AC export block, TWh/yr", ex.ac_export_twh),
        ("AC sales of surplus energy, MW", ex.ac_export_max_mw),
        ("AC import limit, MW", ex.ac_import_max_mw),
    ]
    return pd.DataFrame(rows, columns=["knob", "value"]).set_index("knob")


def in_service_capacity(snapshots: pd.DatetimeIndex) -> pd.DataFrame:
    """Wind and PV capacity at year end and on average over the run (commission dates), GW."""
    gen = load_network("ningxia_2020").gen
    rows = {}
    for fuel in ("wind", "solar"):
        g = gen[gen.fuel == fuel]
        avg = 0.0
        for mw, date in zip(g.max_p_mw, g.commission_date):
            since = pd.Timestamp(date, tz=snapshots.tz) if date else snapshots[0]
            avg += mw * float((snapshots >= since).mean())
        rows[fuel] = {"year end GW": g.max_p_mw.sum() / 1e3, "average in service GW": avg / 1e3}
    return pd.DataFrame(rows).T.round(2)


def sensitivity(sc: Scenario, base_kpis: dict, annualise: float) -> pd.DataFrame:
    """Re-run with each knob undone; generation, new-energy share and utilisation."""
    rows = {"calibrated": base_kpis}
    for what, changes in KNOBS_UNDONE.items():
        res = run_balance(apply_changes(sc, changes))
        rows[what] = res.kpis
    out = pd.DataFrame(
        {
            what: {
                "generation TWh": k["generation_mwh"]["total"] / 1e6 * annualise,
                "available wind TWh": k["available_mwh"]["wind"] / 1e6 * annualise,
                "available PV TWh": k["available_mwh"]["solar"] / 1e6 * annualise,
                "new-energy share %": 100 * k["new_energy_share_of_generation"],
                "utilisation %": 100 * k["renewable_utilisation"],
            }
            for what, k in rows.items()
        }
    ).T.round(2)
    out.insert(0, "status", [k["solver"]["status"] for k in rows.values()])
    return out


def main() -> None:
    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", 80)
    sc = with_horizon(load_scenario("ningxia_2020"))
    res = run_balance(sc)
    print(f"ningxia_2020: {res.status}, {res.kpis['solver']['solved_hours']} h solved in {res.timings_s['total']:.1f} s")  # fmt: skip
    if not res.ok:
        raise SystemExit(f"the run failed:\n{res.dispatch.diagnosis}")
    k = res.kpis
    annualise = YEAR_HOURS / k["solver"]["solved_hours"]
    if HOURS:
        print(f"short horizon ({HOURS} h from {START}): energies are annualised ×{annualise:.1f}, so this is no calibration check")  # fmt: skip
    run = load_run(res.write(OUT / "run"))

    print("\nThe calibration knobs (scenarios/ningxia_2020.toml):")
    print(knob_table(sc).to_string())
    print("\nWind and PV capacity (commission dates of the late-2020 units):")
    print(in_service_capacity(run.snapshots).to_string())
    print("\nWhat each knob does (the year re-run with the knob undone):")
    print(sensitivity(sc, k, annualise).to_string())
    print("\nGeneration and exports against the reference's estimated split:")
    print(split_table(k, annualise).to_string())

    figs = OUT / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    plots.plot_monthly_balance(run).savefig(figs / "monthly_balance.png", dpi=110)
    plots.plot_dispatch(run).savefig(figs / "dispatch_week.png", dpi=110)
    monthly = plots.monthly_balance(run)
    gen = monthly[
        [c for c in plots.supply_columns(monthly) if c not in ("storage_discharge", "imports")]
    ]
    share = 100 * (gen.get("wind", 0) + gen.get("solar", 0)) / gen.sum(axis=1)
    print("\nNew-energy share of generation by month, %:")
    print(share.round(1).rename(lambda t: t.strftime("%b %Y")).to_string())
    august = [t for t in gen.index if t.month == 8]
    if august:
        to_date = gen.index <= august[0]
        ne = gen.get("wind", 0) + gen.get("solar", 0)
        print(f"August 2020: model {share[august[0]]:.1f} % (month), {100 * ne[to_date].sum() / gen[to_date].sum().sum():.1f} % (from the run's start to August); published 22.7 % [S43]")  # fmt: skip
    print(f"\nfigures: {figs}")

    print("\nModel vs the plan's 2020 figures:")
    table = calibration_table(k, annualise)
    print(table.to_string())
    print(f"\n{int(table.within.sum())} of {len(table)} published figures within tolerance")


if __name__ == "__main__":
    main()
