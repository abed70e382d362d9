"""Hourly profiles: weather -> capacity factors, load, heating, exports.

Public API:

- :func:`generate_profiles` / :func:`write_profiles`: one weather year per seed.
- :class:`ProfileSet`: the tables (T x zone / T x link) and their Parquet files.
- :func:`read_profile`: users' own CSV/Parquet profiles, validated and resampled.
- :func:`read_weather_cf` / :func:`apply_weather` with a :class:`WeatherSource`: wind and PV
  capacity factors from real weather files (renewables.ninja CSV, atlite / ERA5 netCDF,
  PVGIS TMY CSV) in place of the synthetic ones; :func:`read_ninja`, :func:`read_atlite`,
  :func:`read_pvgis` for one format each.
- The model knobs :class:`PVSystem`, :class:`WindFarm`, :class:`WindSpeedParams`,
  :class:`CloudinessParams`, and the zone/link types (a case's zones and links are in
  its package, e.g. :mod:`gridsim.cases.ningxia.zones`).
"""

from gridsim.profiles.calendar import snapshots
from gridsim.profiles.cloudiness import CloudinessParams
from gridsim.profiles.generate import generate_profiles, write_profiles
from gridsim.profiles.load import DEMAND_TWH
from gridsim.profiles.profileset import KINDS, ProfileSet
from gridsim.profiles.readers import read_profile
from gridsim.profiles.solar import PVSystem
from gridsim.profiles.weather_files import (
    WeatherSource,
    apply_weather,
    read_atlite,
    read_ninja,
    read_pvgis,
    read_weather_cf,
)
from gridsim.profiles.wind import WindFarm
from gridsim.profiles.windspeed import WindSpeedParams
from gridsim.profiles.zones import Link, Zone

__all__ = [
    "DEMAND_TWH",
    "KINDS",
    "CloudinessParams",
    "Link",
    "PVSystem",
    "ProfileSet",
    "WindFarm",
    "WeatherSource",
    "WindSpeedParams",
    "Zone",
    "apply_weather",
    "generate_profiles",
    "read_atlite",
    "read_ninja",
    "read_profile",
    "read_pvgis",
    "read_weather_cf",
    "snapshots",
    "write_profiles",
]
