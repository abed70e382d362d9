"""Solar PV capacity factors from physical modelling with pvlib.

Chain, per zone (vectorised over the year):

1. Sun position (NREL SPA) and clear-sky irradiance (Ineichen/Perez with the
   Linke turbidity climatology that ships with pvlib, so it works offline) at
   the hour midpoints.
2. GHI = clear-sky index (cloudiness.py) x clear-sky GHI.
3. Decomposition GHI -> DNI + DHI with the Erbs correlation.
4. Plane-of-array irradiance (Perez transposition, ground albedo) on a fixed
   south-facing tilt or a horizontal single-axis N-S tracker with backtracking.
5. Incidence-angle losses (physical IAM on beam, Marion integrals on diffuse).
6. Cell temperature (SAPM, open rack) from POA, air temperature and wind speed.
7. DC power (PVWatts, temperature coefficient), system losses (PVWatts loss
   model: soiling, mismatch, wiring, ...), inverter (PVWatts efficiency curve)
   with clipping at the AC rating (DC/AC ratio).

The capacity factor is AC output divided by the AC rating, in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pvlib

from gridsim.profiles.calendar import TZ, hour_midpoints
from gridsim.profiles.zones import Zone


@dataclass(frozen=True)
class PVSystem:
    """A representative utility-scale PV plant (per unit of AC rating).

    Attributes:
        tracking: False = fixed tilt facing south; True = horizontal single-axis
            tracker, axis north-south, with backtracking.
        tilt_below_latitude_deg: fixed tilt = latitude minus this, degrees
            (Ningxia plants use 33-37 degrees).
        max_rotation_deg: tracker rotation limit, degrees.
        gcr: ground-coverage ratio (module width / row pitch), for backtracking.
        dc_ac_ratio: DC nameplate over AC rating. 1.0 by default: most of the
            fleet was built before 2020 at a 1:1 ratio, and Chinese capacity
            statistics count the DC nameplate (MWp), so the AC-relative capacity
            factor then applies to published capacities. Post-2021 plants use
            1.2-1.4; inverter clipping applies above the AC rating.
        gamma_pdc_per_k: power temperature coefficient, 1/K (mono c-Si).
        albedo: ground reflectance (dry steppe and desert, little snow).
        soiling_pct, shading_pct, snow_pct, mismatch_pct, wiring_pct,
        connections_pct, lid_pct, nameplate_pct, age_pct, availability_pct:
            PVWatts loss categories, percent. Soiling is above the PVWatts
            default because of dust in the Ningxia desert.
        eta_inv_nom: nominal inverter efficiency.
    """

    tracking: bool = False
    tilt_below_latitude_deg: float = 3.0
    max_rotation_deg: float = 55.0
    gcr: float = 0.35
    dc_ac_ratio: float = 1.0
    gamma_pdc_per_k: float = -0.0037
    albedo: float = 0.25
    soiling_pct: float = 4.0
    shading_pct: float = 2.0
    snow_pct: float = 0.5
    mismatch_pct: float = 2.0
    wiring_pct: float = 2.0
    connections_pct: float = 0.5
    lid_pct: float = 1.5
    nameplate_pct: float = 1.0
    age_pct: float = 1.0
    availability_pct: float = 2.0
    eta_inv_nom: float = 0.97

    def losses_pct(self) -> float:
        """Combined DC system losses, percent (PVWatts multiplicative combination)."""
        return float(
            pvlib.pvsystem.pvwatts_losses(
                soiling=self.soiling_pct,
                shading=self.shading_pct,
                snow=self.snow_pct,
                mismatch=self.mismatch_pct,
                wiring=self.wiring_pct,
                connections=self.connections_pct,
                lid=self.lid_pct,
                nameplate_rating=self.nameplate_pct,
                age=self.age_pct,
                availability=self.availability_pct,
            )
        )


SAPM_MOUNT = "open_rack_glass_polymer"
"""SAPM cell-temperature parameters: ground-mounted open rack."""


def zone_location(zone: Zone) -> pvlib.location.Location:
    """pvlib Location of a zone's representative site."""
    return pvlib.location.Location(
        zone.lat_deg, zone.lon_deg, tz=TZ, altitude=zone.altitude_m, name=zone.name
    )


def clear_sky(snaps: pd.DatetimeIndex, zone: Zone) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Solar position and Ineichen clear-sky irradiance (W/m²) at the hour midpoints.

    Returns (solar_position, clearsky); both are indexed by the midpoints.
    """
    loc = zone_location(zone)
    times = hour_midpoints(snaps)
    solpos = loc.get_solarposition(times)
    cs = loc.get_clearsky(times, model="ineichen", solar_position=solpos)
    return solpos, cs


def _surface(
    system: PVSystem, lat_deg: float, solpos: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Surface tilt and azimuth, degrees, per time step, of a plant at latitude ``lat_deg``."""
    n = len(solpos)
    if not system.tracking:
        tilt = max(lat_deg - system.tilt_below_latitude_deg, 0.0)
        return np.full(n, tilt), np.full(n, 180.0)
    track = pvlib.tracking.singleaxis(
        solpos["apparent_zenith"],
        solpos["azimuth"],
        axis_tilt=0.0,
        axis_azimuth=180.0,
        max_angle=system.max_rotation_deg,
        backtrack=True,
        gcr=system.gcr,
    )
    tilt = track["surface_tilt"].fillna(0.0).to_numpy()
    azimuth = track["surface_azimuth"].fillna(180.0).to_numpy()
    return tilt, azimuth


@lru_cache(maxsize=1)
def _diffuse_iam_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marion diffuse IAM integrals of the physical IAM on a 5-degree tilt grid."""
    grid = np.arange(0.0, 91.0, 5.0)
    table = pvlib.iam.marion_diffuse("physical", grid)
    return grid, np.asarray(table["sky"]), np.asarray(table["ground"])


def _diffuse_iam(tilt_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sky and ground diffuse incidence-angle modifiers for each surface tilt.

    Interpolated in a cached table: pvlib's integral allocates (32400 x n)
    arrays, too much for a year of tracker tilts.
    """
    grid, sky, ground = _diffuse_iam_table()
    tilt = np.asarray(tilt_deg, dtype=float)
    return np.interp(tilt, grid, sky), np.interp(tilt, grid, ground)


def zone_capacity_factor(
    snaps: pd.DatetimeIndex,
    zone: Zone,
    clear_sky_index: np.ndarray,
    temp_air_c: np.ndarray,
    wind_speed_m_s: np.ndarray,
    system: PVSystem,
) -> np.ndarray:
    """AC capacity factor of one zone, shape (T,), relative to the AC rating.

    Args:
        snaps: hourly snapshots (hour-beginning labels).
        zone: the zone's site.
        clear_sky_index: GHI / clear-sky GHI, shape (T,).
        temp_air_c: air temperature, °C, shape (T,).
        wind_speed_m_s: wind speed at 10 m for module cooling, m/s, shape (T,).
        system: the PV plant.
    """
    solpos, cs = clear_sky(snaps, zone)
    zenith = solpos["zenith"].to_numpy()
    up = solpos["apparent_elevation"].to_numpy() > 0.0
    ghi = np.where(up, np.asarray(clear_sky_index) * cs["ghi"].to_numpy(), 0.0)
    split = pvlib.irradiance.erbs(ghi, zenith, solpos.index)
    dni = np.where(up, np.nan_to_num(np.asarray(split["dni"])), 0.0)
    dhi = np.where(up, np.nan_to_num(np.asarray(split["dhi"])), 0.0)
    return ac_capacity_factor(
        solpos, ghi, dni, dhi, temp_air_c, wind_speed_m_s, zone.lat_deg, system
    )


def ac_capacity_factor(
    solpos: pd.DataFrame,
    ghi_w_m2: np.ndarray,
    dni_w_m2: np.ndarray,
    dhi_w_m2: np.ndarray,
    temp_air_c: np.ndarray,
    wind_speed_m_s: np.ndarray,
    lat_deg: float,
    system: PVSystem,
) -> np.ndarray:
    """AC capacity factor, shape (T,), from the irradiance components (steps 4-7 above).

    Args:
        solpos: pvlib solar position at the times the irradiance stands for (the hour
            midpoints), indexed by those times.
        ghi_w_m2, dni_w_m2, dhi_w_m2: global horizontal, direct normal and diffuse
            horizontal irradiance, W/m², shape (T,).
        temp_air_c: air temperature, °C, shape (T,).
        wind_speed_m_s: wind speed at 10 m for module cooling, m/s, shape (T,).
        lat_deg: latitude of the plant, degrees north (sets the fixed tilt).
        system: the PV plant.

    Output is 0 while the sun is below the horizon.
    """
    up = solpos["apparent_elevation"].to_numpy() > 0.0
    ghi = np.where(up, np.asarray(ghi_w_m2, dtype=float), 0.0)
    dni = np.where(up, np.asarray(dni_w_m2, dtype=float), 0.0)
    dhi = np.where(up, np.asarray(dhi_w_m2, dtype=float), 0.0)
    dni_extra = np.asarray(pvlib.irradiance.get_extra_radiation(solpos.index))
    airmass = np.asarray(
        pvlib.atmosphere.get_relative_airmass(solpos["apparent_zenith"].to_numpy())
    )
    tilt, azimuth = _surface(system, lat_deg, solpos)
    poa = pvlib.irradiance.get_total_irradiance(
        tilt,
        azimuth,
        solpos["apparent_zenith"].to_numpy(),
        solpos["azimuth"].to_numpy(),
        dni,
        ghi,
        dhi,
        dni_extra=dni_extra,
        airmass=np.nan_to_num(airmass, nan=40.0),
        albedo=system.albedo,
        model="perez",
    )
    aoi = pvlib.irradiance.aoi(tilt, azimuth, solpos["zenith"].to_numpy(), solpos["azimuth"])
    iam_beam = np.asarray(pvlib.iam.physical(np.asarray(aoi)))
    iam_sky, iam_ground = _diffuse_iam(tilt)
    sky = np.nan_to_num(np.asarray(poa["poa_sky_diffuse"]))
    ground = np.nan_to_num(np.asarray(poa["poa_ground_diffuse"]))
    beam = np.nan_to_num(np.asarray(poa["poa_direct"]))
    effective = beam * iam_beam + sky * iam_sky + ground * iam_ground
    effective = np.where(up, np.maximum(effective, 0.0), 0.0)
    poa_global = np.where(up, np.maximum(np.nan_to_num(np.asarray(poa["poa_global"])), 0.0), 0.0)
    mount = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][SAPM_MOUNT]
    temp_cell = pvlib.temperature.sapm_cell(
        poa_global, np.asarray(temp_air_c), np.asarray(wind_speed_m_s), **mount
    )
    pdc = pvlib.pvsystem.pvwatts_dc(
        effective, np.asarray(temp_cell), system.dc_ac_ratio, system.gamma_pdc_per_k
    )
    pdc = np.asarray(pdc) * (1.0 - system.losses_pct() / 100.0)
    pac = pvlib.inverter.pvwatts(pdc, 1.0 / system.eta_inv_nom, eta_inv_nom=system.eta_inv_nom)
    return np.where(up, np.clip(np.nan_to_num(np.asarray(pac)), 0.0, 1.0), 0.0)


def global_horizontal_w_m2(
    snaps: pd.DatetimeIndex, zones: Sequence[Zone], clear_sky_index: np.ndarray
) -> np.ndarray:
    """Hourly mean global horizontal irradiance, W/m², shape (T, n) (a diagnostic)."""
    clear = np.column_stack([clear_sky(snaps, zone)[1]["ghi"].to_numpy() for zone in zones])
    return np.asarray(clear_sky_index) * clear


def solar_capacity_factor(
    snaps: pd.DatetimeIndex,
    zones: Sequence[Zone],
    clear_sky_index: np.ndarray,
    temp_air_c: np.ndarray,
    wind_speed_m_s: np.ndarray,
    system: PVSystem,
) -> np.ndarray:
    """AC capacity factors of all zones, shape (T, n); inputs are (T, n) arrays."""
    columns = [
        zone_capacity_factor(
            snaps, zone, clear_sky_index[:, j], temp_air_c[:, j], wind_speed_m_s[:, j], system
        )
        for j, zone in enumerate(zones)
    ]
    return np.column_stack(columns)
