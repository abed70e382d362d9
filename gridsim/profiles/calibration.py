"""Calibration figures of generated profiles against the reference (Markdown report).

    python -m gridsim.profiles.calibration --year 2025 --seeds 1-10

prints the tables of the calibration section of profiles/README.md: full-load
hours per zone over several weather seeds, load factor and shapes, monthly and
diurnal wind/solar shapes, zone correlations, export equivalent hours.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import pandas as pd

from gridsim.profiles.generate import generate_profiles
from gridsim.profiles.profileset import ProfileSet


def full_load_hours(cf: pd.DataFrame) -> pd.Series:
    """Full-load hours per column, h: the sum of hourly capacity factors."""
    return cf.sum()


def load_figures(load_mw: pd.DataFrame) -> dict[str, float]:
    """Load factor, min/max, monthly ratios (Jan, Dec), peak month, evening peak of the total."""
    total = load_mw.sum(axis=1)
    monthly = total.groupby(total.index.month).mean()
    hourly = total.groupby(total.index.hour).mean()
    return {
        "energy_twh": float(total.sum() / 1e6),
        "peak_mw": float(total.max()),
        "load_factor": float(total.mean() / total.max()),
        "min_over_max": float(total.min() / total.max()),
        "jan_ratio": float(monthly[1] / monthly.mean()),
        "dec_ratio": float(monthly[12] / monthly.mean()),
        "peak_month": int(monthly.idxmax()),
        "peak_hour": int(hourly.idxmax()),
        "peak_hour_ratio": float(hourly.max() / hourly.mean()),
    }


def _table(frame: pd.DataFrame, fmt: str = "{:.0f}") -> str:
    cols = [str(c) for c in frame.columns]
    lines = ["| | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for idx, row in frame.iterrows():
        lines.append(f"| {idx} | " + " | ".join(fmt.format(v) for v in row) + " |")
    return "\n".join(lines)


def report(year: int, seeds: Sequence[int]) -> str:
    """Markdown calibration report of ``year`` over weather ``seeds``."""
    sets: list[ProfileSet] = [generate_profiles(year, s) for s in seeds]
    tracking = generate_profiles(year, seeds[0], tracking=True)
    wind = pd.DataFrame([full_load_hours(p.wind_cf) for p in sets], index=list(seeds))
    pv = pd.DataFrame([full_load_hours(p.solar_cf) for p in sets], index=list(seeds))
    ghi = pd.DataFrame([p.meta["summary"]["ghi_kwh_m2"] for p in sets], index=list(seeds))
    v_hub = pd.DataFrame([p.meta["summary"]["wind_speed_hub_m_s"] for p in sets])
    v10 = pd.DataFrame([p.meta["summary"]["wind_speed_10m_m_s"] for p in sets])
    stats = pd.DataFrame(
        {
            f"wind FLH, seed {seeds[0]}": wind.iloc[0],
            "wind FLH, mean": wind.mean(),
            "wind FLH, sd": wind.std(),
            "v10 mean m/s": v10.mean(),
            "v hub mean m/s": v_hub.mean(),
            f"PV FLH, seed {seeds[0]}": pv.iloc[0],
            "PV FLH, mean": pv.mean(),
            "PV FLH, sd": pv.std(),
            f"PV FLH tracking, seed {seeds[0]}": full_load_hours(tracking.solar_cf),
            "GHI kWh/m², mean": ghi.mean(),
        }
    ).T
    month_w = sum(p.wind_cf.groupby(p.snapshots.month).mean().mean(axis=1) for p in sets)
    month_s = sum(p.solar_cf.groupby(p.snapshots.month).mean().mean(axis=1) for p in sets)
    hour_w = sum(p.wind_cf.groupby(p.snapshots.hour).mean().mean(axis=1) for p in sets)
    shapes_m = pd.DataFrame({"wind CF": month_w / len(sets), "PV CF": month_s / len(sets)}).T
    corr = sum(p.wind_cf.corr() for p in sets) / len(sets)
    corr_s = sum(p.solar_cf.resample("D").mean().corr() for p in sets) / len(sets)
    loads = load_figures(sets[0].load_mw)
    hours = sets[0].export_pu.mean() * len(sets[0].snapshots)
    n = len(seeds)
    out = [
        f"### {year}: seeds {seeds[0]}-{seeds[-1]} ({n} weather years), fixed tilt unless noted",
        "",
        _table(stats.astype(float), "{:.4g}"),
        "",
        f"Provincial mean over zones and seeds: wind FLH {wind.to_numpy().mean():.0f} h "
        f"(CF {wind.to_numpy().mean() / len(sets[0].snapshots):.3f}); plains PV FLH "
        f"{pv[['north', 'east', 'central']].to_numpy().mean():.0f} h.",
        "",
        "Monthly mean capacity factor (mean of zones and seeds):",
        "",
        _table(shapes_m.rename(columns=str), "{:.3f}"),
        "",
        "Wind CF by clock hour (mean of zones and seeds): "
        + ", ".join(f"{h}h {v / n:.3f}" for h, v in hour_w.items() if h % 3 == 0),
        "",
        "Hourly wind CF correlation between zones (mean over seeds):",
        "",
        _table(corr, "{:.2f}"),
        "",
        "Daily PV CF correlation between zones (mean over seeds):",
        "",
        _table(corr_s, "{:.2f}"),
        "",
        "Load: "
        + ", ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in loads.items()
        ),
        "",
        "Export schedule, equivalent full-load hours: "
        + ", ".join(f"{k} {v:.0f} h" for k, v in hours.items()),
    ]
    return "\n".join(out) + "\n"


def _parse_seeds(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-", 1)
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the calibration report."""
    parser = argparse.ArgumentParser(prog="python -m gridsim.profiles.calibration")
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--seeds", default="1-10", help="e.g. 1-10 or 1,2,5")
    args = parser.parse_args(argv)
    print(report(args.year, _parse_seeds(args.seeds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
