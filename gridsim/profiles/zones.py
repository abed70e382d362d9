"""The Ningxia zones and HVDC export links that the profiles are built for.

The zone names and link names are fixed project-wide: the network module builds
its buses and links with the same names. Everything here is data; the numbers
marked *est.* are modelling assumptions (see ``profiles/README.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gridsim.errors import InputError


@dataclass(frozen=True)
class Zone:
    """One load/generation zone: a representative site and its local climate.

    Attributes:
        name: zone name, as used by the network (``north``, ``east``, ...).
        lat_deg, lon_deg: representative coordinates, degrees north / east.
        altitude_m: representative ground altitude of the zone's plants, m (est.).
        load_share: share of the provincial demand served in the zone, 0..1 (est.).
        heating_start, heating_end: (month, day) of the first and last day of the
            district-heating season (CHP must-run), inclusive.
        temp_mean_c: annual mean air temperature, °C.
        temp_season_amp_k: half the July-minus-January mean temperature swing, K.
        clear_sky_index_shift: additive shift of the mean daily clear-sky index
            relative to the Yellow River plain (negative = cloudier).
    """

    name: str
    lat_deg: float
    lon_deg: float
    altitude_m: float
    load_share: float
    heating_start: tuple[int, int]
    heating_end: tuple[int, int]
    temp_mean_c: float
    temp_season_amp_k: float
    clear_sky_index_shift: float = 0.0


PLAINS_HEATING = ((10, 20), (4, 10))
"""Heating season on the plains (川区): 20 Oct - 10 Apr, in force since 2013."""

MOUNTAIN_HEATING = ((10, 15), (4, 15))
"""Heating season in the southern mountains (山区): 15 Oct - 15 Apr (est., longer)."""

NINGXIA_ZONES: tuple[Zone, ...] = (
    Zone("north", 38.70, 106.30, 1110.0, 0.34, *PLAINS_HEATING, 9.0, 15.5),
    Zone("east", 37.90, 106.70, 1250.0, 0.30, *PLAINS_HEATING, 8.8, 15.0),
    Zone("central", 37.40, 105.70, 1250.0, 0.28, *PLAINS_HEATING, 9.5, 14.8, -0.02),
    Zone("south", 36.20, 106.30, 1750.0, 0.08, *MOUNTAIN_HEATING, 6.6, 13.5, -0.15),
)
"""The four 330 kV partitions around the 750 kV hubs.

north: Yinchuan/Shizuishan plain (贺兰山, 沙湖, 烽燧); east: Ningdong base (银川东, 灵州,
太阳山, 青山); central: Wuzhong/Zhongning/Zhongwei (黄河, 杞乡, 妙岭, 沙坡头, 天都山, 中宁);
south: Guyuan mountains (六盘山). Climate numbers follow the city normals of Yinchuan,
Yanchi, Zhongning and Guyuan (rounded). The load shares (est.) are the ones the
network uses (networks/ningxia_*.toml, ``meta.zones.<zone>.load_share``).
"""


@dataclass(frozen=True)
class Link:
    """One HVDC export link (the rectifier end is in Ningxia).

    Attributes:
        name: link name, as used by the network.
        rating_mw: rated transfer, MW.
        first_year: first calendar year the link is modelled in service.
        peak_pu: schedule at the evening peak, per unit of rating.
        trough_pu: schedule at the night trough, per unit of rating.
        solar_bump: whether the optional midday renewable bump applies to it.
    """

    name: str
    rating_mw: float
    first_year: int
    peak_pu: float
    trough_pu: float
    solar_bump: bool


NINGXIA_LINKS: tuple[Link, ...] = (
    Link("yindong", 4000.0, 2011, 0.95, 0.85, False),
    Link("lingshao", 8000.0, 2016, 1.00, 0.65, True),
    Link("ningxiang", 8000.0, 2025, 1.00, 0.60, True),
    Link("zhaoyi", 2000.0, 2018, 1.00, 0.70, True),
)
"""银东 ±660 kV, 灵绍 ±800 kV, 宁湘 ±800 kV (2025 on), and Ningxia's share of 昭沂 (est.)."""


def zone_by_name(name: str) -> Zone:
    """Return the Ningxia zone called ``name``; raise InputError naming it if unknown."""
    for zone in NINGXIA_ZONES:
        if zone.name == name:
            return zone
    known = ", ".join(z.name for z in NINGXIA_ZONES)
    raise InputError(f"is not a known zone (known: {known})", field="zone", value=name)


def resolve_zones(zones: Sequence[str | Zone] | None) -> tuple[Zone, ...]:
    """Turn zone names or Zone objects into a tuple of Zones (None = all four)."""
    if zones is None:
        return NINGXIA_ZONES
    out = tuple(z if isinstance(z, Zone) else zone_by_name(z) for z in zones)
    names = [z.name for z in out]
    if not out:
        raise InputError("must name at least one zone", field="zones", value=list(zones))
    if len(set(names)) != len(names):
        raise InputError("names a zone twice", field="zones", value=names)
    return out


def links_in_service(year: int) -> tuple[Link, ...]:
    """Return the export links modelled in service in ``year``."""
    return tuple(link for link in NINGXIA_LINKS if link.first_year <= year)
