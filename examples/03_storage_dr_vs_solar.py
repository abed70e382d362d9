"""Example 3: how much storage or demand response keeps utilisation ≥ 95 % as solar grows?

The plain-script twin of ``03_storage_dr_vs_solar.ipynb``: a sweep of the
``ningxia_2025`` scenario over battery size × shiftable demand × PV capacity
(``gridsim.batch.run_sweep``, resumable), the new-energy utilisation of every case,
and for each PV size and demand-response share the battery power that brings
utilisation back to the plan's 95 %. Figures go to ``<out>/figures``.

    python examples/03_storage_dr_vs_solar.py          # whole years, 24 cases (~20 min, 2 workers)
    GRIDSIM_EXAMPLE_HOURS=168 GRIDSIM_EXAMPLE_SWEEP=tiny python examples/03_storage_dr_vs_solar.py

Environment: ``GRIDSIM_EXAMPLE_HOURS`` (hours per case; unset or 0 = the whole
year), ``GRIDSIM_EXAMPLE_START`` (first hour of a short run, default 2025-04-07),
``GRIDSIM_EXAMPLE_SWEEP`` (``full``, default, or ``tiny``: 4 cases),
``GRIDSIM_EXAMPLE_WORKERS`` (parallel cases, default 2), ``GRIDSIM_EXAMPLE_OUT``
(results folder, default ``results/examples``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from gridsim.batch import run_sweep, sweep_from_dict
from gridsim.report.sweep_plots import plot_sweep_response
from gridsim.results import load_run

# ------------------------------------------------------------------ settings
HOURS = int(os.environ.get("GRIDSIM_EXAMPLE_HOURS") or 0)  # 0: whole years
START = os.environ.get("GRIDSIM_EXAMPLE_START", "2025-04-07")
SIZE = os.environ.get("GRIDSIM_EXAMPLE_SWEEP", "full")
WORKERS = int(os.environ.get("GRIDSIM_EXAMPLE_WORKERS") or 2)
ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("GRIDSIM_EXAMPLE_OUT") or ROOT / "results" / "examples") / "03_storage_dr_vs_solar"  # fmt: skip
TARGET = 0.95  # the plan's new-energy utilisation target

BATTERY, DR, PV = "storage.battery_scale", "demand_response.shiftable_share", "network.overrides.scale.solar"  # fmt: skip
GRIDS = {
    # battery power and energy × the plan's 5.1 GW / 10.2 GWh (2 h batteries);
    # shiftable load, share of peak (the plan scenario: 2 %, plus 3 % interruptible);
    # PV × the plan's 32.5 GW
    "full": {BATTERY: [0.0, 1.0, 2.0, 4.0], DR: [0.02, 0.06], PV: [1.0, 1.25, 1.5]},
    "tiny": {BATTERY: [0.5, 2.0], PV: [1.0, 1.5]},
}


def sweep_spec(grid: dict) -> dict:
    """The sweep as a parsed sweep file (what sweeps/*.toml hold), with the horizon."""
    period = {}
    if HOURS:
        end = pd.Timestamp(START) + pd.Timedelta(hours=HOURS)
        period = {"study.whole_year": False, "study.start": START, "study.end": end.isoformat()}
    return {
        "sweep": {
            "name": "storage_dr_vs_solar",
            "base": "ningxia_2025",
            "description": "battery size x shiftable demand x PV size vs the 95 % utilisation target",
            "set": period,
            "grid": grid,
        }
    }


def battery_for_target(summary: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group, the battery power (GW) at which utilisation reaches the target,
    interpolated linearly between the swept sizes (NaN: not reached in the sweep)."""
    rows = []
    for key, g in summary[summary.ok].groupby(by):
        g = g.sort_values("battery_gw")
        gw, u = g.battery_gw.to_numpy(float), g.renewable_utilisation.to_numpy(float)
        if u[0] >= TARGET:
            need, how = gw[0], "met at the smallest battery"
        elif u[-1] < TARGET:
            need, how = np.nan, f"not met (best {100 * u[-1]:.2f} % at {gw[-1]:g} GW)"
        else:
            i = int(np.argmax(u >= TARGET))
            need = gw[i - 1] + (TARGET - u[i - 1]) * (gw[i] - gw[i - 1]) / (u[i] - u[i - 1])
            how = "interpolated"
        keys = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, keys)), "solar_gw": g.solar_gw.iloc[0],
                     "utilisation at smallest battery %": 100 * u[0],
                     "battery GW for 95 %": need, "how": how})  # fmt: skip
    return pd.DataFrame(rows).round(2)


def main() -> None:
    pd.set_option("display.width", 180)
    grid = GRIDS[SIZE]
    sweep = sweep_from_dict(sweep_spec(grid), out=OUT / "sweep")
    print(f"sweep: {len(sweep.cases)} cases, {'whole years' if not HOURS else f'{HOURS} h from {START}'}, {WORKERS} workers, out {sweep.out}")  # fmt: skip
    res = run_sweep(sweep, workers=WORKERS, progress=False)
    s = res.summary
    print(f"ran {len(res.ran)}, reused {len(res.skipped)} finished cases, {res.elapsed_s:.0f} s; failures: {len(res.failures)}")  # fmt: skip
    if not res.failures.empty:
        print(res.failures[["status", "error"]].to_string())

    cols = [c for c in (BATTERY, DR, PV) if c in s] + ["battery_gw", "solar_gw", "renewable_utilisation", "solar_utilisation", "curtailed_gwh", "dr_shifted_gwh", "coal_mt", "cost_bn_cny", "status"]  # fmt: skip
    print("\nEvery case:")
    print(s[cols].round(4).to_string(index=False))

    index = [c for c in (PV, DR) if c in s]
    table = s[s.ok].pivot_table(index=index, columns="battery_gw", values="renewable_utilisation")
    print("\nNew-energy utilisation, % (rows: PV scale, shiftable share; columns: battery GW):")
    print((100 * table).round(2).to_string())

    figs = OUT / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    style = DR if DR in s else None
    fig = plot_sweep_response(s, x="battery_gw", y="renewable_utilisation", hue=PV, style=style)
    ax = fig.axes[0]  # keep the plan's 95 % line in the picture
    ax.set_ylim(min(ax.get_ylim()[0], TARGET - 0.005), max(ax.get_ylim()[1], TARGET + 0.005))
    fig.savefig(figs / "utilisation_vs_battery.png", dpi=110, bbox_inches="tight")
    fig = plot_sweep_response(s, x="battery_gw", y="curtailed_gwh", hue=PV, style=style)
    fig.savefig(figs / "curtailment_vs_battery.png", dpi=110, bbox_inches="tight")
    print(f"\nfigures: {figs}")

    need = battery_for_target(s, index)
    print("\nBattery power that keeps new-energy utilisation ≥ 95 %:")
    print(need.to_string(index=False))
    if DR in need:
        wide = need.pivot(index=PV, columns=DR, values="battery GW for 95 %")
        lo, hi = wide.columns.min(), wide.columns.max()
        extra_gw = (hi - lo) * load_run(s.run_dir.iloc[0]).kpi("peak_load_mw") / 1e3
        for pv in wide.index:
            saved = wide.loc[pv, lo] - wide.loc[pv, hi]
            if wide.loc[pv, lo] > 0 and saved == saved:
                print(f"at PV x{pv:g}, {100 * (hi - lo):g} points more shiftable load ({extra_gw:.2f} GW) replace {saved:.1f} GW of batteries ({saved / extra_gw:.1f} GW per GW shifted)")  # fmt: skip


if __name__ == "__main__":
    main()
