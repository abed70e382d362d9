"""Hourly profiles for Ningxia: weather -> capacity factors, load, heating, exports.

Public API:

- :func:`generate_profiles` / :func:`write_profiles`: one weather year per seed.
- :class:`ProfileSet`: the tables (T x zone / T x link) and their Parquet files.
- :func:`read_profile`: users' own CSV/Parquet profiles, validated and resampled.
- The model knobs :class:`PVSystem`, :class:`WindFarm`, :class:`WindSpeedParams`,
  :class:`CloudinessParams`, and the zone/link tables.
"""

from gridsim.profiles.calendar import snapshots
from gridsim.profiles.cloudiness import CloudinessParams
from gridsim.profiles.generate import generate_profiles, write_profiles
from gridsim.profiles.load import DEMAND_TWH
from gridsim.profiles.profileset import KINDS, ProfileSet
from gridsim.profiles.readers import read_profile
from gridsim.profiles.solar import PVSystem
from gridsim.profiles.wind import WindFarm
from gridsim.profiles.windspeed import WindSpeedParams
from gridsim.profiles.zones import NINGXIA_LINKS, NINGXIA_ZONES, Link, Zone

__all__ = [
    "DEMAND_TWH",
    "KINDS",
    "NINGXIA_LINKS",
    "NINGXIA_ZONES",
    "CloudinessParams",
    "Link",
    "PVSystem",
    "ProfileSet",
    "WindFarm",
    "WindSpeedParams",
    "Zone",
    "generate_profiles",
    "read_profile",
    "snapshots",
    "write_profiles",
]
