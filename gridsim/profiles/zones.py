"""Zones and HVDC export links: the types the profiles are built for.

A :class:`Zone` is a load/generation zone with a representative site and its local
climate; a :class:`Link` an HVDC export link with its schedule shape. The data of a
grid (its zones and links) belongs to its case (:mod:`gridsim.cases`, e.g.
``gridsim/cases/ningxia/zones.py``); where no zones or links are given, the functions
here use the default case's, through the :mod:`gridsim.cases` registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gridsim.cases import get_case
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


@dataclass(frozen=True)
class Link:
    """One HVDC export link (the rectifier end is in the case's grid).

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


def default_zones() -> tuple[Zone, ...]:
    """The zones of the default case (:data:`gridsim.cases.DEFAULT_CASE`)."""
    zones: tuple[Zone, ...] = get_case().ZONES
    return zones


def default_links() -> tuple[Link, ...]:
    """The export links of the default case (:data:`gridsim.cases.DEFAULT_CASE`)."""
    links: tuple[Link, ...] = get_case().LINKS
    return links


def zone_by_name(name: str, zones: Sequence[Zone] | None = None) -> Zone:
    """Return the zone called ``name`` among ``zones`` (default: the default case's);
    raise InputError naming it if unknown."""
    candidates = default_zones() if zones is None else tuple(zones)
    for zone in candidates:
        if zone.name == name:
            return zone
    known = ", ".join(z.name for z in candidates)
    raise InputError(f"is not a known zone (known: {known})", field="zone", value=name)


def resolve_zones(zones: Sequence[str | Zone] | None) -> tuple[Zone, ...]:
    """Turn zone names or Zone objects into a tuple of Zones (None = all the default
    case's zones; names are looked up among them)."""
    if zones is None:
        return default_zones()
    out = tuple(z if isinstance(z, Zone) else zone_by_name(z) for z in zones)
    names = [z.name for z in out]
    if not out:
        raise InputError("must name at least one zone", field="zones", value=list(zones))
    if len(set(names)) != len(names):
        raise InputError("names a zone twice", field="zones", value=names)
    return out


def links_in_service(year: int, links: Sequence[Link] | None = None) -> tuple[Link, ...]:
    """Return the export links (default: the default case's) modelled in service in ``year``."""
    return tuple(
        link for link in (default_links() if links is None else links) if link.first_year <= year
    )
