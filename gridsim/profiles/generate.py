"""Generate a weather year of Ningxia profiles, and the command that writes them.

    python -m gridsim.profiles --year 2025 --seed 1 --out profiles/ningxia_2025_seed1

The weather seed fixes every random draw (wind speed, cloudiness) through
independent named streams, so the same seed, year and options give
bit-identical arrays; different seeds give different weather years (Monte
Carlo). Load, heating flags and export shapes do not depend on the seed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.profiles.calendar import TZ, snapshots
from gridsim.profiles.climate import air_density_kg_m3, ambient_temperature_c
from gridsim.profiles.cloudiness import CloudinessParams, clear_sky_index
from gridsim.profiles.exports import export_schedule_pu
from gridsim.profiles.heating import heating_flags
from gridsim.profiles.load import default_demand_twh, zone_load_mw
from gridsim.profiles.profileset import ProfileSet
from gridsim.profiles.solar import PVSystem, global_horizontal_w_m2, solar_capacity_factor
from gridsim.profiles.stochastic import component_rng
from gridsim.profiles.wind import WindFarm, wind_capacity_factor
from gridsim.profiles.windspeed import WindSpeedParams, speed_at_height, wind_speed_10m
from gridsim.profiles.zones import Zone, links_in_service, resolve_zones

GENERATOR = "gridsim.profiles.generate/1"
"""Name and version of the generating recipe, recorded in the metadata."""

LOAD_SOURCE = (
    "PyPSA-China-PIK (Potsdam Institute for Climate Impact Research), "
    "resources/data/load/Hourly_demand_of_31_province_China_modified_V2.1.csv, column NX "
    "(modelled data), scaled to the annual demand"
)


def _versions() -> dict[str, str]:
    """Versions of gridsim and of the libraries that shape the numbers."""
    out: dict[str, str] = {}
    for name in ("gridsim", "numpy", "scipy", "pandas", "pvlib", "windpowerlib"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            if name == "gridsim":
                import gridsim

                out[name] = gridsim.__version__
    return out


def _frame(values: np.ndarray, snaps: pd.DatetimeIndex, names: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(values, index=snaps, columns=list(names))


def generate_profiles(
    year: int,
    seed: int,
    *,
    demand_twh: float | None = None,
    zones: Sequence[str | Zone] | None = None,
    tracking: bool = False,
    solar_bump: bool = False,
    pv_system: PVSystem | None = None,
    wind_farm: WindFarm | None = None,
    wind_params: WindSpeedParams | None = None,
    cloud_params: CloudinessParams | None = None,
) -> ProfileSet:
    """Hourly profiles of ``year`` for weather ``seed``.

    Args:
        year: calendar year (8760 h, or 8784 h in a leap year).
        seed: weather seed (non-negative integer); recorded in ``meta``.
        demand_twh: annual provincial demand, TWh; default: the plan's figure
            for the year (2020: 103.82, 2025: 125 base; pass 144 for the high case).
        zones: zone names or Zone objects; default the default case's zones (:mod:`gridsim.cases`).
        tracking: single-axis trackers instead of fixed tilt (overrides pv_system).
        solar_bump: add the midday renewable bump to the export schedules.
        pv_system, wind_farm, wind_params, cloud_params: model knobs; defaults
            are the calibrated values documented in profiles/README.md.

    Returns:
        A ProfileSet; capacity factors 0..1, load in MW, export in pu of rating.
    """
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    the_zones = resolve_zones(zones)
    names = [z.name for z in the_zones]
    demand = default_demand_twh(year) if demand_twh is None else float(demand_twh)
    system = pv_system or PVSystem()
    if tracking:
        system = replace(system, tracking=True)
    farm = wind_farm or WindFarm()
    wparams = wind_params or WindSpeedParams()
    cparams = cloud_params or CloudinessParams()
    snaps = snapshots(year)

    v10 = wind_speed_10m(snaps, the_zones, wparams, component_rng(seed, "wind"))
    k_day, k_hour = clear_sky_index(snaps, the_zones, cparams, component_rng(seed, "cloudiness"))
    temp_c = ambient_temperature_c(snaps, the_zones, k_day)

    altitude_hub = np.array([z.altitude_m for z in the_zones]) + farm.hub_height_m
    v_hub = speed_at_height(v10, farm.hub_height_m, snaps, wparams)
    wind = wind_capacity_factor(v_hub, air_density_kg_m3(altitude_hub, temp_c), farm)
    solar = solar_capacity_factor(snaps, the_zones, k_hour, temp_c, v10, system)
    load = zone_load_mw(snaps, the_zones, demand)
    ghi = global_horizontal_w_m2(snaps, the_zones, k_hour)
    links = links_in_service(year)

    meta: dict[str, Any] = {
        "generator": GENERATOR,
        "year": year,
        "seed": int(seed),
        "timezone": TZ,
        "hours": len(snaps),
        "energy_twh": demand,
        "zones": [asdict(z) for z in the_zones],
        "links": [asdict(link) for link in links],
        "options": {"tracking": system.tracking, "solar_bump": solar_bump},
        "pv_system": asdict(system),
        "wind_farm": asdict(farm),
        "wind_speed": asdict(wparams),
        "cloudiness": asdict(cparams),
        "load_source": LOAD_SOURCE,
        "versions": _versions(),
        "summary": {
            "wind_flh_h": dict(zip(names, np.round(wind.sum(axis=0), 1).tolist())),
            "solar_flh_h": dict(zip(names, np.round(solar.sum(axis=0), 1).tolist())),
            "ghi_kwh_m2": dict(zip(names, np.round(ghi.sum(axis=0) / 1000, 1).tolist())),
            "wind_speed_10m_m_s": dict(zip(names, np.round(v10.mean(axis=0), 3).tolist())),
            "wind_speed_hub_m_s": dict(zip(names, np.round(v_hub.mean(axis=0), 3).tolist())),
            "load_factor": round(float(load.sum(axis=1).mean() / load.sum(axis=1).max()), 4),
            "load_peak_mw": round(float(load.sum(axis=1).max()), 1),
        },
    }
    return ProfileSet(
        snapshots=snaps,
        wind_cf=_frame(wind, snaps, names),
        solar_cf=_frame(solar, snaps, names),
        load_mw=_frame(load, snaps, names),
        heating=_frame(heating_flags(snaps, the_zones), snaps, names),
        export_pu=_frame(
            export_schedule_pu(snaps, links, solar_bump), snaps, [x.name for x in links]
        ),
        meta=meta,
    )


def write_profiles(year: int, seed: int, out_dir: str | Path, **opts: Any) -> ProfileSet:
    """Generate profiles (options as in :func:`generate_profiles`) and write them to ``out_dir``.

    Writes one Parquet file per kind plus meta.json; returns the ProfileSet.
    """
    profiles = generate_profiles(year, seed, **opts)
    profiles.to_dir(out_dir)
    return profiles


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate one year of profiles into a directory."""
    parser = argparse.ArgumentParser(
        prog="python -m gridsim.profiles", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--year", type=int, required=True, help="calendar year, e.g. 2025")
    parser.add_argument("--seed", type=int, required=True, help="weather seed (>= 0)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--demand-twh", type=float, default=None, help="annual demand, TWh")
    parser.add_argument("--tracking", action="store_true", help="single-axis PV trackers")
    parser.add_argument("--solar-bump", action="store_true", help="midday export bump")
    args = parser.parse_args(argv)
    profiles = write_profiles(
        args.year,
        args.seed,
        args.out,
        demand_twh=args.demand_twh,
        tracking=args.tracking,
        solar_bump=args.solar_bump,
    )
    summary = profiles.meta["summary"]
    print(f"wrote {args.out}: {len(profiles.snapshots)} h, seed {args.seed}")
    print(f"  wind FLH  {summary['wind_flh_h']}")
    print(f"  solar FLH {summary['solar_flh_h']}")
    print(f"  load factor {summary['load_factor']}, peak {summary['load_peak_mw']} MW")
    return 0
