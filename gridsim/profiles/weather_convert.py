"""Weather variables from files -> capacity factors, through gridsim's own models.

- **Wind**: a measured or reanalysed speed at ``height_m`` is scaled to the hub height by
  the power law with the diurnal shear exponent of :mod:`gridsim.profiles.windspeed`
  (by local clock hour), then turned into a capacity factor by the fleet's power curve,
  wake, density correction and losses (:func:`gridsim.profiles.wind.wind_capacity_factor`).
  Air density at hub height comes from the surface pressure when the file has it
  (isothermal barometric step to the hub), else from the site's altitude
  (:func:`gridsim.profiles.climate.air_density_kg_m3`).
- **PV**: global, direct and diffuse irradiance with air temperature and wind speed go
  through the plane-of-array, incidence-angle, cell-temperature, DC and inverter chain of
  :func:`gridsim.profiles.solar.ac_capacity_factor`. A direct *normal* irradiance missing
  from the file is derived from global and diffuse horizontal with
  :func:`pvlib.irradiance.dni` (zero below 2° sun elevation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib

from gridsim.profiles.calendar import TZ
from gridsim.profiles.climate import R_DRY_AIR_J_KG_K, air_density_kg_m3
from gridsim.profiles.solar import PVSystem, ac_capacity_factor
from gridsim.profiles.wind import WindFarm, wind_capacity_factor
from gridsim.profiles.windspeed import WindSpeedParams, shear_exponent

G_M_S2 = 9.80665
"""Standard gravity, m/s²."""


def hub_speed_m_s(
    speed_m_s: np.ndarray,
    height_m: float,
    hub_height_m: float,
    times: pd.DatetimeIndex,
    params: WindSpeedParams,
) -> np.ndarray:
    """Speed at ``hub_height_m`` from speed at ``height_m`` (m/s, shape (T,)) by the power
    law with gridsim's diurnal shear exponent at the local hour of ``times``."""
    alpha = shear_exponent(times.tz_convert(TZ), params)
    return np.asarray(speed_m_s, dtype=float) * (hub_height_m / height_m) ** alpha


def hub_density_kg_m3(
    temp_c: np.ndarray,
    hub_height_m: float,
    altitude_m: float,
    pressure_pa: np.ndarray | None = None,
) -> np.ndarray:
    """Air density at hub height, kg/m³: from the surface pressure (Pa) and temperature
    (°C) with an isothermal step of ``hub_height_m``, or without pressure from the
    standard atmosphere at ``altitude_m + hub_height_m``."""
    temp_k = np.asarray(temp_c, dtype=float) + 273.15
    if pressure_pa is None:
        return np.asarray(air_density_kg_m3(altitude_m + hub_height_m, np.asarray(temp_c)))
    p_hub = np.asarray(pressure_pa, dtype=float) * np.exp(
        -G_M_S2 * hub_height_m / (R_DRY_AIR_J_KG_K * temp_k)
    )
    return p_hub / (R_DRY_AIR_J_KG_K * temp_k)


def wind_cf_from_speed(
    speed_m_s: np.ndarray,
    height_m: float,
    times: pd.DatetimeIndex,
    temp_c: np.ndarray,
    altitude_m: float,
    farm: WindFarm,
    params: WindSpeedParams,
    *,
    hub_height_m: float | None = None,
    pressure_pa: np.ndarray | None = None,
) -> np.ndarray:
    """Wind capacity factor, shape (T,), 0..1, from hourly speed at ``height_m`` (m/s).

    Args:
        speed_m_s: wind speed at ``height_m``, m/s, shape (T,).
        height_m: measurement height, m (10 for WS10m, 100 for ERA5's wnd100m).
        times: the hours (tz-aware), for the diurnal shear exponent.
        temp_c: air temperature, °C, shape (T,).
        altitude_m: ground altitude of the site, m.
        farm: the wind fleet (power curve, losses; its hub height by default).
        params: the shear-exponent knobs.
        hub_height_m: hub height, m (None: ``farm.hub_height_m``).
        pressure_pa: surface pressure, Pa, shape (T,), or None.
    """
    hub = farm.hub_height_m if hub_height_m is None else float(hub_height_m)
    v_hub = hub_speed_m_s(speed_m_s, height_m, hub, times, params)
    rho = hub_density_kg_m3(temp_c, hub, altitude_m, pressure_pa)
    return wind_capacity_factor(v_hub[:, None], rho[:, None], farm)[:, 0]


def pv_cf_from_irradiance(
    sun_times: pd.DatetimeIndex,
    site: tuple[float, float, float],
    ghi_w_m2: np.ndarray,
    dhi_w_m2: np.ndarray,
    temp_c: np.ndarray,
    wind_10m_m_s: np.ndarray,
    system: PVSystem,
    *,
    dni_w_m2: np.ndarray | None = None,
) -> np.ndarray:
    """PV AC capacity factor, shape (T,), 0..1, from hourly irradiance (W/m²).

    Args:
        sun_times: the instants the irradiance stands for (hour midpoints, or the file's
            irradiance times), tz-aware; the sun's position is computed there.
        site: (latitude °N, longitude °E, elevation m) of the plant.
        ghi_w_m2, dhi_w_m2: global and diffuse horizontal irradiance, shape (T,).
        temp_c: air temperature, °C; wind_10m_m_s: wind speed at 10 m, m/s.
        system: the PV plant (tilt from the site's latitude).
        dni_w_m2: direct normal irradiance, or None to derive it from GHI and DHI.
    """
    lat, lon, alt = site
    location = pvlib.location.Location(lat, lon, tz=TZ, altitude=alt)
    solpos = location.get_solarposition(sun_times)
    ghi = np.maximum(np.asarray(ghi_w_m2, dtype=float), 0.0)
    dhi = np.maximum(np.asarray(dhi_w_m2, dtype=float), 0.0)
    if dni_w_m2 is None:
        dni = np.nan_to_num(
            np.asarray(pvlib.irradiance.dni(ghi, dhi, solpos["zenith"].to_numpy())), nan=0.0
        )
    else:
        dni = np.asarray(dni_w_m2, dtype=float)
    dni = np.maximum(dni, 0.0)
    return ac_capacity_factor(solpos, ghi, dni, dhi, temp_c, wind_10m_m_s, lat, system)


__all__ = ["hub_density_kg_m3", "hub_speed_m_s", "pv_cf_from_irradiance", "wind_cf_from_speed"]
