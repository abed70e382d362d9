"""Example 2: will Ningxia's 2025 grid meet the 14th Five-Year plan?

The plain-script twin of ``02_will_2025_meet_the_plan.ipynb``: it runs the
``ningxia_2025`` scenario on the bus-level network (PTDF model, so congestion shows
and curtailment splits into network and balance causes), then prints the plan
scorecard, curtailment by cause and by month, how the daily net-load swing is met
(peak shaving), storage and demand-response use, exports per DC link and the most
loaded lines. Figures go to ``<out>/figures``.

    python examples/02_will_2025_meet_the_plan.py                            # the whole year
    GRIDSIM_EXAMPLE_HOURS=336 python examples/02_will_2025_meet_the_plan.py  # two weeks

Environment: ``GRIDSIM_EXAMPLE_HOURS`` (hours to simulate; unset or 0 = the whole
year), ``GRIDSIM_EXAMPLE_START`` (first hour of a short run, default 2025-04-07),
``GRIDSIM_EXAMPLE_NETWORK`` (``ptdf`` default, ``transport`` or ``copperplate``),
``GRIDSIM_EXAMPLE_OUT`` (results folder, default ``results/examples``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from gridsim.batch import apply_changes
from gridsim.report import plots
from gridsim.results import Run, load_run
from gridsim.scenario import Scenario, load_scenario
from gridsim.studies.balance import BalanceResult, run_balance

# ------------------------------------------------------------------ settings
HOURS = int(os.environ.get("GRIDSIM_EXAMPLE_HOURS") or 0)  # 0: the whole year
START = os.environ.get("GRIDSIM_EXAMPLE_START", "2025-04-07")
NETWORK_MODEL = os.environ.get("GRIDSIM_EXAMPLE_NETWORK", "ptdf")
ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("GRIDSIM_EXAMPLE_OUT") or ROOT / "results" / "examples") / "02_will_2025_meet_the_plan"  # fmt: skip
YEAR_HOURS = 8760


def with_horizon(sc: Scenario) -> Scenario:
    """The scenario cut to ``HOURS`` hours from ``START`` (unchanged when HOURS is 0)."""
    if not HOURS:
        return sc
    end = pd.Timestamp(START) + pd.Timedelta(hours=HOURS)
    changes = {"study.whole_year": False, "study.start": START, "study.end": end.isoformat()}
    return apply_changes(sc, changes)


def scorecard(res: BalanceResult) -> pd.DataFrame:
    """The plan scorecard with shares in % and the margin to each target."""
    card = res.scorecard.set_index("target")
    pct = card.unit.eq("share")
    scale = np.where(pct, 100.0, 1.0)
    out = pd.DataFrame(
        {
            "plan": card.op.str.replace(">=", "≥")
            + " "
            + (card.target_value * scale).map("{:,.6g}".format),
            "model": (card.value * scale).round(2),
            "unit": np.where(pct, "%", card.unit),
            "model − plan": ((card.value - card.target_value) * scale).round(2) + 0.0,  # no -0.00
            "met": card.met,
        }
    )
    return out


def energy_table(k: dict) -> pd.DataFrame:
    """Where the energy comes from and goes to (TWh over the run)."""
    gen = {f"generation: {f}": v for f, v in k["generation_mwh"].items() if f != "total" and v}
    rows = {
        **gen,
        "generation: total": k["generation_mwh"]["total"],
        "consumption in the region": k["consumption_mwh"],
        "DC exports (sent)": k["export_mwh"]["dc_total"],
        "AC export block": k["export_mwh"]["ac_block"],
        "storage losses": sum(s["losses"] for s in k["storage_mwh"].values()),
        "wind + solar available": k["available_mwh"]["total"],
        "wind + solar curtailed": k["curtailed_mwh"]["total"],
    }
    return (pd.Series(rows, name="TWh") / 1e6).round(2).to_frame()


def curtailment_by_cause(k: dict) -> pd.DataFrame:
    """Network vs balance curtailment (GWh and % of the available wind + solar energy)."""
    c, avail = k["curtailment_by_cause"], k["available_mwh"]["total"]
    rows = {
        cause: {"GWh": c[cause] / 1e3, "% of available": 100 * c[cause] / avail}
        for cause in ("network", "balance", "total")
        if c.get(cause) is not None
    }
    rows.update(
        {
            f"of which {fuel}": {
                "GWh": k["curtailed_mwh"][fuel] / 1e3,
                "% of available": 100 * (1 - k[f"{fuel}_utilisation"]),
            }
            for fuel in ("wind", "solar")
        }
    )
    out = pd.DataFrame(rows).T.round(2)
    out.attrs["method"] = c["method"]
    return out


def monthly_curtailment(run: Run) -> pd.DataFrame:
    """Curtailed wind and solar per month (GWh) and the month's utilisation (%)."""
    el = run.elements()
    out = {}
    for fuel in ("wind", "solar"):
        units = list(el.index[(el.group == "renewable") & (el.carrier == fuel)])
        out[f"{fuel} curtailed GWh"] = run.total("renewable_curtail_mw", units)
        out[f"{fuel} available GWh"] = run.total("renewable_available_mw", units)
    df = pd.DataFrame(out)
    df.index = df.index.tz_localize(None)
    m = df.resample("MS").sum() * run.dt_h / 1e3
    curtailed = m["wind curtailed GWh"] + m["solar curtailed GWh"]
    available = m["wind available GWh"] + m["solar available GWh"]
    m["utilisation %"] = 100 * (1 - curtailed / available)
    m.index = m.index.strftime("%b %Y").rename(None)
    return m[["wind curtailed GWh", "solar curtailed GWh", "utilisation %"]].round(1)


def peak_shaving(k: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The daily net-load swing (GW) and the share of it each resource meets (%)."""
    ps = k["peak_shaving"]
    swing = (pd.Series(ps["net_load_swing_mw"]) / 1e3).round(2).rename("GW").to_frame()
    met = (100 * pd.Series(ps["met_by"])).round(1).rename("% of the swing")
    met = met[met.abs() > 0.05].sort_values(ascending=False).to_frame()
    return swing, met


def storage_use(res: BalanceResult) -> pd.DataFrame:
    """Battery and pumped-hydro use: energy charged and discharged (GWh), full cycles."""
    st = res.network.storage[res.network.storage.in_service.astype(bool)]
    rows = {}
    for kind, e in res.kpis["storage_mwh"].items():
        units = st[st.kind == kind]
        mwh = float(units.max_e_mwh.sum())
        rows[kind] = {
            "power GW": units.max_p_mw.sum() / 1e3,
            "energy GWh": mwh / 1e3,
            "charged GWh": e["charge"] / 1e3,
            "discharged GWh": e["discharge"] / 1e3,
            "losses GWh": e["losses"] / 1e3,
            "full cycles": e["discharge"] / mwh if mwh else np.nan,
        }
    return pd.DataFrame(rows).T.round(2)


def dr_use(res: BalanceResult, run: Run) -> pd.DataFrame:
    """Demand response: capability (GW, % of peak), energy used (GWh), hours in use."""
    k, dr = res.kpis, plots.dr_hourly(run)
    sc = res.scenario.demand_response
    peak = k["peak_load_mw"]
    rows = {
        "interruptible (curtailed)": (
            sc.curtailable_share,
            k["dr_used_mwh"]["curtailed"],
            dr.curtailed,
        ),
        "shiftable within the day": (
            sc.shiftable_share,
            k["dr_used_mwh"]["shifted"],
            dr.shifted_down,
        ),
    }
    out = pd.DataFrame(
        {
            what: {
                "% of peak": 100 * share,
                "GW": share * peak / 1e3,
                "used GWh": mwh / 1e3,
                "hours used": int((hourly > 1e-6).sum()),
            }
            for what, (share, mwh, hourly) in rows.items()
        }
    ).T
    return out.round(2)


def dc_exports(res: BalanceResult, share_of_year: float) -> pd.DataFrame:
    """Energy sent per DC link against its rating and the scenario's yearly minimum."""
    k, dc = res.kpis, res.network.dcline
    dc = dc[dc.in_service.astype(bool)]
    rows = {}
    for link, rating in dc.max_p_mw.items():
        mwh = k["export_mwh"].get(link, 0.0)
        minimum = res.scenario.exports.min_twh.get(link)
        rows[link] = {
            "rating GW": rating / 1e3,
            "sent TWh": mwh / 1e6,
            "full-load hours": mwh / rating,
            "capacity factor %": 100 * mwh / (rating * k["solver"]["solved_hours"]),
            "minimum TWh": None if minimum is None else minimum * share_of_year,
        }
    out = pd.DataFrame(rows).T
    out.loc["total"] = out.sum(numeric_only=True)
    out.loc["total", "full-load hours"] = np.nan
    out.loc["total", "capacity factor %"] = (
        100
        * out.loc["total", "sent TWh"]
        * 1e6
        / (out.loc["total", "rating GW"] * 1e3 * k["solver"]["solved_hours"])
    )
    return out.astype(float).round(2)


def congested_lines(res: BalanceResult, run: Run, top: int = 6) -> pd.DataFrame | None:
    """The most loaded lines: mean and peak loading (%), hours at ≥ 99 % of the rating."""
    load = plots.line_loading(run)
    if load is None:
        return None
    net = res.network
    flow = run.frame("flow_mw")
    ln = net.line.loc[load.index]
    vn = net.bus.vn_kv.reindex(ln.from_bus).to_numpy(float)
    rating = np.sqrt(3.0) * vn * ln.max_i_ka.to_numpy(float) * ln.parallel.to_numpy(float)
    at_limit = (flow[load.index].abs() >= 0.99 * rating).sum()
    out = load.assign(hours_at_limit=at_limit, rating_mw=rating).round(1)
    return out.sort_values(["hours_at_limit", "max_percent"], ascending=False).head(top)


def conclusion(card: pd.DataFrame) -> str:
    met = int(card.met.sum())
    verdict = "meets every target" if met == len(card) else f"misses {', '.join(card.index[~card.met])}"  # fmt: skip
    return f"2025 ({'whole year' if not HOURS else f'{HOURS} h from {START}'}): {met} of {len(card)} plan targets met; the plan scenario {verdict}."  # fmt: skip


def main() -> None:
    pd.set_option("display.width", 160)
    sc = apply_changes(load_scenario("ningxia_2025"), {"study.network_model": NETWORK_MODEL})
    res = run_balance(with_horizon(sc))
    k = res.kpis
    print(f"ningxia_2025 ({NETWORK_MODEL}): {res.status}, {k['solver']['solved_hours']} h solved in {res.timings_s['total']:.0f} s")  # fmt: skip
    if not res.ok:
        raise SystemExit(f"the run failed:\n{res.dispatch.diagnosis}")
    run = load_run(res.write(OUT / "run"))
    share_of_year = k["solver"]["solved_hours"] / YEAR_HOURS

    print("\nEnergy balance (TWh):")
    print(energy_table(k).to_string())
    cause = curtailment_by_cause(k)
    print(f"\nCurtailment by cause ({cause.attrs['method']}):")
    print(cause.to_string())
    print("\nCurtailment by month:")
    print(monthly_curtailment(run).to_string())
    lines = congested_lines(res, run)
    if lines is not None:
        print("\nMost loaded lines:")
        print(lines.to_string())
    swing, met = peak_shaving(k)
    print("\nDaily net-load swing (GW):")
    print(swing.to_string())
    print("\nWho meets the swing (peak shaving):")
    print(met.to_string())
    ps = k["peak_shaving"]
    print(f"deepest thermal output: {100 * ps['thermal_min_share_of_committed']:.1f} % of committed, {100 * ps['thermal_min_share_of_installed']:.1f} % of installed capacity")  # fmt: skip
    print("\nStorage use:")
    print(storage_use(res).to_string())
    print("\nDemand response:")
    print(dr_use(res, run).to_string())
    print("\nExports per DC link:")
    print(dc_exports(res, share_of_year).to_string())

    figs = OUT / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    week = plots.default_week(run)
    plots.plot_dispatch(run, week).savefig(figs / "dispatch_most_curtailed_week.png", dpi=110)
    plots.plot_curtailment_heatmap(run).savefig(figs / "curtailment_heatmap.png", dpi=110)
    plots.plot_duration(run).savefig(figs / "duration_curves.png", dpi=110)
    plots.plot_storage_soc(run).savefig(figs / "storage_soc.png", dpi=110)
    plots.plot_dr(run).savefig(figs / "demand_response.png", dpi=110)
    plots.plot_network_loading(run).savefig(figs / "network_loading.png", dpi=110)
    print(f"\nfigures (most-curtailed week: ISO week {week}): {figs}")

    card = scorecard(res)
    print("\nThe plan scorecard:")
    print(card.to_string())
    print(conclusion(card))


if __name__ == "__main__":
    main()
