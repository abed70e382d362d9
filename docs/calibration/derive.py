"""Derive the back-test inputs and the fit targets of 2020-2022 from the published statistics.

    python docs/calibration/derive.py            # print both
    python docs/calibration/derive.py --write    # also write ningxia_2020_2022.csv and
                                                 # the year inputs scenarios/ningxia_20XX.toml

Reads ``published_2016_2022.csv`` (figures up to 2022 only, sources in SOURCES.md) and
derives, with the arithmetic in each row's note:

- the inputs of each year's scenario: monthly wind and PV capacity in service (the mean
  of the month-end capacities around each month), monthly *available* full-load hours
  (published hours over the month's utilisation rate), monthly consumption, the hydro
  energy and its monthly shape, exports in total and per DC link;
- the fit targets in the format of ``gridsim calibrate``: annual and monthly wind and PV
  generation (hours x capacity in service), new-energy generation, utilisation rates,
  thermal and hydro generation, consumption, exports.

Where a figure is published for January and February together, the two months share
it by their days. Assumptions beyond the published figures are listed in ``ASSUMED``.
"""

from __future__ import annotations

import argparse
import calendar
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
YEARS = (2020, 2021, 2022)

ASSUMED = {
    "pv_dec_ratio": "PV hours of December 2021 and 2022 (not found): November's hours x the 2020 December/November ratio (76/96)",  # fmt: skip
    "util_2020": "2020 monthly utilisation (not found): wind 97.05 % and PV 97.39 % in January-June [O10]; July-December both at the rate that gives the year's 97.6 % [R1]",  # fmt: skip
    "util_2021": "January-April 2021 utilisation: from January-May (wind 96.7 %, PV 96.9 %) and May (97.6 %, 98.3 %) [P5]",  # fmt: skip
    "exports_2021_2022": "exports 2021 and 2022 (not found): published thermal + hydro + wind + PV generation minus consumption; 5 TWh of it as the AC block to the Northwest grid, as in 2020",  # fmt: skip
    "check_pairs": "wind hours of May/June 2021 and April/May 2022 (flagged inconsistent): the pair's total hours split by the pair's published energies",  # fmt: skip
    "links": "per-link energy (not found): Yindong and Zhaoyi as in the 2020 scenario (30.5 and 1.36 TWh), Lingshao the rest of the DC exports",  # fmt: skip
}


def published(path: Path = HERE / "published_2016_2022.csv") -> pd.DataFrame:
    """The published rows that carry a number (month 0: annual)."""
    d = pd.read_csv(path, dtype={"value": str})
    d["month"] = d["month"].fillna(0).astype(int)
    d["number"] = pd.to_numeric(d["value"], errors="coerce")
    return d[d["number"].notna()]


def get(d: pd.DataFrame, q: str, year: int, month: int = 0) -> float:
    """One published value (NaN if absent)."""
    x = d[(d.quantity == q) & (d.year == year) & (d.month == month)]
    return float(x.number.iloc[0]) if len(x) else float("nan")


def months_of(d: pd.DataFrame, q: str, year: int) -> np.ndarray:
    """12 monthly values Jan..Dec; a January+February figure (published as month 2
    without a month 1) is shared by days."""
    out = np.array([get(d, q, year, m) for m in range(1, 13)])
    if np.isnan(out[0]) and np.isfinite(out[1]):
        days = np.array([31, 29 if calendar.isleap(year) else 28], float)
        out[:2] = out[1] * days / days.sum()
    return out


def capacity_in_service(d: pd.DataFrame, fuel: str, year: int) -> np.ndarray:
    """Monthly capacity in service (MW): the mean of the month-ends around each month
    (January: the previous year-end and the end of February)."""
    ends = months_of(d, f"{fuel}_capacity_mw", year)
    ends[0] = np.nan  # month-end January is not published (month 2 is Jan+Feb)
    ends[1] = get(d, f"{fuel}_capacity_mw", year, 2)
    prev = get(d, f"{fuel}_capacity_mw", year - 1)
    start = np.concatenate([[prev], ends[:-1]])
    start[1] = prev  # January and February both run from the previous year-end
    ends[0] = ends[1]
    return (start + ends) / 2.0


#: Month pairs whose published wind hours and wind energy disagree (SOURCES.md, CHECK rows):
#: the pair's hours are kept and split by the pair's published energies.
CHECK_PAIRS = {2021: (5, 6), 2022: (4, 5)}


def generation_hours(d: pd.DataFrame, fuel: str, year: int) -> np.ndarray:
    """Published monthly full-load hours (h), December of PV estimated where absent."""
    h = months_of(d, f"{fuel}_flh_h", year)
    if np.isnan(h[11]):
        h[11] = h[10] * 76.0 / 96.0  # ASSUMED["pv_dec_ratio"]
    if fuel == "wind" and year in CHECK_PAIRS:
        a, b = (m - 1 for m in CHECK_PAIRS[year])
        energy = months_of(d, "wind_twh", year)[[a, b]]
        h[[a, b]] = h[[a, b]].sum() * energy / energy.sum()
    return h


def utilisation(d: pd.DataFrame, fuel: str, year: int, gen_mwh: dict[str, np.ndarray]) -> np.ndarray:  # fmt: skip
    """Monthly utilisation rate (share) of ``fuel``."""
    pub = months_of(d, f"{fuel}_utilisation_pct", year) / 100.0
    if year == 2021:
        jan_may = {"wind": 0.967, "solar": 0.969}[fuel]
        w = gen_mwh[fuel][:5]
        pub[:4] = (jan_may * w.sum() - pub[4] * w[4]) / w[:4].sum()
    if year == 2020:
        h1 = {"wind": 0.9705, "solar": 0.9739}
        g = gen_mwh["wind"] + gen_mwh["solar"]
        curt_h1 = sum(gen_mwh[f][:6].sum() * (1 / h1[f] - 1) for f in h1)
        curt = g.sum() * (1 / 0.976 - 1)
        u_h2 = g[6:].sum() / (g[6:].sum() + curt - curt_h1)
        pub[:6], pub[6:] = h1[fuel], u_h2
    return pub


def year_inputs(d: pd.DataFrame, year: int) -> dict[str, object]:
    """The scenario inputs of ``year`` and the figures behind them."""
    cap = {f: capacity_in_service(d, f, year) for f in ("wind", "solar")}
    hours = {f: generation_hours(d, f, year) for f in ("wind", "solar")}
    gen = {f: hours[f] * cap[f] for f in hours}  # MWh
    util = {f: utilisation(d, f, year, gen) for f in hours}
    hydro = months_of(d, "hydro_twh", year)
    consumption = months_of(d, "consumption_twh", year)
    thermal = get(d, "thermal_twh", year)
    renewables = sum(g.sum() for g in gen.values()) / 1e6 + hydro.sum()
    exports = get(d, "exports_twh", year)
    if not np.isfinite(exports):  # ASSUMED["exports_2021_2022"]
        exports = thermal + renewables - consumption.sum()
    ac = 5.0
    yindong, zhaoyi = 30.5, 1.36  # ASSUMED["links"]
    if year == 2020:
        ac = 188.2 - 103.82 - 79.4  # the 2020 scenario's AC block
    dc = exports - ac if year != 2020 else 79.36
    return {
        "cap": cap,
        "hours": hours,
        "util": util,
        "available_flh": {f: hours[f] / util[f] for f in hours},
        "gen_twh": {f: gen[f] / 1e6 for f in gen},
        "hydro_twh": hydro,
        "consumption_twh": consumption,
        "thermal_twh": thermal,
        "exports_twh": exports,
        "dc_twh": dc,
        "ac_twh": ac,
        "links_twh": {"yindong": yindong, "lingshao": dc - yindong - zhaoyi, "zhaoyi": zhaoyi},
    }


def _row(year: int, month: int | str, q: str, v: float, unit: str, src: str, note: str) -> dict[str, object]:  # fmt: skip
    return {"year": year, "month": month, "quantity": q, "value": round(float(v), 4), "unit": unit, "source": src, "note": note}  # fmt: skip


def fit_targets(d: pd.DataFrame) -> pd.DataFrame:
    """The fit targets of 2020-2022 in the ``gridsim calibrate`` format."""
    rows = []
    for y in YEARS:
        x = year_inputs(d, y)
        gen, util = x["gen_twh"], x["util"]
        for f in ("wind", "solar"):
            rows.append(_row(y, "", f"{f}_twh", gen[f].sum(), "TWh", "[P1]", f"derived: monthly published hours x capacity in service (mean of month-ends){'; December hours estimated' if f == 'solar' and y > 2020 else ''}"))  # fmt: skip
        ne = gen["wind"] + gen["solar"]
        curt = gen["wind"] * (1 / util["wind"] - 1) + gen["solar"] * (1 / util["solar"] - 1)
        if y == 2020:
            rows.append(_row(y, "", "new_energy_utilisation_pct", 97.6, "%", "[R1]", "the plan's 2020 figure"))  # fmt: skip
        else:
            rows.append(_row(y, "", "new_energy_utilisation_pct", 100 * ne.sum() / (ne + curt).sum(), "%", "[P3], [P5]", "derived: monthly utilisation weighted by monthly generation (published: '>97 %' [P12])"))  # fmt: skip
            for f in ("wind", "solar"):
                g = gen[f]
                rows.append(_row(y, "", f"{f}_utilisation_pct", 100 * g.sum() / (g / util[f]).sum(), "%", "[P3], [P5]", "derived: monthly utilisation weighted by monthly generation"))  # fmt: skip
        rows.append(_row(y, "", "consumption_twh", x["consumption_twh"].sum(), "TWh", "[P2]", "published monthly consumption, summed"))  # fmt: skip
        rows.append(_row(y, "", "thermal_twh", x["thermal_twh"], "TWh", "[P2]", "published" + ("" if y == 2020 else "; not independent: the year's exports are derived from it")))  # fmt: skip
        rows.append(_row(y, "", "hydro_twh", x["hydro_twh"].sum(), "TWh", "[P2]", "published (an input of the scenario)"))  # fmt: skip
        rows.append(_row(y, "", "dc_exports_twh", x["dc_twh"], "TWh", "[P7]" if y == 2020 else "derived", "published" if y == 2020 else "derived: " + ASSUMED["exports_2021_2022"]))  # fmt: skip
        for m in range(12):
            note = "derived: wind and PV hours x capacity in service" + ("; Jan+Feb shared by days" if m < 2 else "")  # fmt: skip
            rows.append(_row(y, m + 1, "new_energy_twh", ne[m], "TWh", "[P1], [P2]", note))
            rows.append(_row(y, m + 1, "consumption_twh", x["consumption_twh"][m], "TWh", "[P2]", "published (an input of the scenario)"))  # fmt: skip
            th = months_of(d, "thermal_twh", y)[m]
            rows.append(_row(y, m + 1, "thermal_twh", th, "TWh", "[P2]", "published" + ("; Jan+Feb shared by days" if m < 2 else "")))  # fmt: skip
            if y > 2020 and m >= (4 if y == 2021 else 0):
                for f in ("wind", "solar"):
                    rows.append(_row(y, m + 1, f"{f}_utilisation_pct", 100 * util[f][m], "%", "[P3]", "published"))  # fmt: skip
    out = pd.DataFrame(rows)
    return out[out["value"].notna()]


def scenario_text(d: pd.DataFrame, year: int) -> str:
    """The year's inputs as a scenario inheriting the shared operating rules."""
    x = year_inputs(d, year)

    def arr(a: np.ndarray, fmt: str = "{:.1f}") -> str:
        return "[" + ", ".join(fmt.format(v) for v in a) + "]"

    cap, flh = x["cap"], x["available_flh"]
    hydro = x["hydro_twh"]
    links = x["links_twh"]
    return f"""# Ningxia {year}: a back-test year built only from the year's published inputs
# (docs/calibration/derive.py writes this file from docs/calibration/published_2016_2022.csv;
# sources in docs/calibration/SOURCES.md). The operating rules are those of ningxia_rules.

base = "ningxia_rules"

[scenario]
name = "ningxia_{year}"
description = "Ningxia {year} back-test: published capacities, weather by month, consumption, hydro and exports"

[profiles.generate]
year = {year}
seed = 1                      # the hourly pattern; the monthly energy comes from the statistics
demand_twh = {x["consumption_twh"].sum():.2f}          # published consumption [P2]

[profiles]
# available hours = published monthly hours [P1] / the month's utilisation rate
wind_monthly_flh = {arr(flh["wind"])}
solar_monthly_flh = {arr(flh["solar"])}

[network.overrides]
# capacity in service: mean of the published month-end capacities around each month [P1]
wind_monthly_mw = {arr(cap["wind"], "{:.0f}")}
solar_monthly_mw = {arr(cap["solar"], "{:.0f}")}

[demand]
monthly_twh = {arr(x["consumption_twh"], "{:.2f}")}   # published [P2]

[study]
hydro_flh = {{ hydro = {hydro.sum() * 1e6 / 426.0:.0f} }}     # published hydro {hydro.sum():.2f} TWh [P2] on 426 MW

[hydro]
monthly_shape = {arr(hydro / hydro.sum() * 12, "{:.3f}")}   # published monthly hydro [P2]

[exports]
# DC {x["dc_twh"]:.2f} TWh ({"published [P7]" if year == 2020 else "derived: published generation - consumption - AC block"})
energy_twh = {{ yindong = {links["yindong"]:.2f}, lingshao = {links["lingshao"]:.2f}, zhaoyi = {links["zhaoyi"]:.2f} }}
ac_export_twh = {x["ac_twh"]:.2f}
{BAND if year >= 2021 else ""}"""


BAND = """# From 2021 the DC schedules take in new energy: by November 2021 the new energy exported
# was more than 40 % of new-energy generation [O19], [O20], [P9], against 17-26 % of the line's
# energy on 2020 data [O29]; the schedules follow renewables within +-0.1 pu of rating.
band_pu = 0.1
"""


def main() -> None:
    """Print (and with --write, write) the fit targets and the year scenarios."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    d = published()
    targets = fit_targets(d)
    print(targets[targets.month == ""].to_string(index=False))
    for y in YEARS:
        text = scenario_text(d, y)
        print(text)
        if args.write:
            (ROOT / "scenarios" / f"ningxia_{y}.toml").write_text(text, encoding="utf-8")
    if args.write:
        targets.to_csv(HERE / "ningxia_2020_2022.csv", index=False)


if __name__ == "__main__":
    main()
