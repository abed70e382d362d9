"""Real weather from users' files: hourly wind and PV capacity factors per zone.

Synthetic weather (:func:`gridsim.profiles.generate_profiles`) stays the default; these
readers take renewables.ninja CSV, atlite / ERA5 netCDF or PVGIS TMY CSV files instead,
and return tz-aware (Asia/Shanghai) hourly tables on a study's snapshots, one column per
zone.

>>> src = WeatherSource("ninja", files={"north": "w_north.csv", "east": "w_east.csv"})
>>> wind = read_weather_cf(src, "wind_cf", snapshots(2025), zones=["north", "east"])
>>> profiles = apply_weather(generate_profiles(2025, 1), wind=src, solar=WeatherSource("atlite", file="pv.nc"))

What is read (``quantity``):

- ``"cf"``: capacity factors as they are: ninja's ``electricity`` (per kW of the request's
  capacity), atlite's per-unit series (``specific generation``, ``profile``, or the file's
  one time x zone variable, or ``variable``).
- ``"weather"``: weather variables turned into capacity factors by gridsim's own wind
  and PV models (:mod:`gridsim.profiles.weather_convert`): PVGIS ``G(h)``, ``Gb(n)``,
  ``Gd(h)``, ``T2m``, ``WS10m`` (and ``SP`` for wind, from ``WS10m`` at 10 m); atlite / ERA5
  ``influx_direct``, ``influx_diffuse``, ``temperature`` (K), ``wnd100m``. PVGIS files are
  always read this way; ninja files always as capacity factors.

Times: ninja and PVGIS label the start of each hour; atlite files from ERA5 label its end
(``time_label``). PV from PVGIS uses the sun at the file's irradiance time offset, otherwise
the sun at the middle of each hour. How a file is put on the study's hours (same hours, or
another year mapped by month, day and hour; leap days) is in
:mod:`gridsim.profiles.weather_align`.

Errors name the file, the zone, the field and the bad value: a missing file, zone, time
column or variable, a gap, a NaN, a capacity factor outside 0..1. Nothing is filled in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.profiles.calendar import TZ, fmt_time
from gridsim.profiles.files import file_sha256
from gridsim.profiles.profileset import ProfileSet
from gridsim.profiles.solar import PVSystem
from gridsim.profiles.weather_align import align_to_snapshots
from gridsim.profiles.weather_convert import (
    hub_speed_m_s,
    pv_cf_from_irradiance,
    wind_cf_from_speed,
)
from gridsim.profiles.weather_formats import (
    NINJA_CF,
    ZoneSeries,
    read_atlite_file,
    read_ninja_file,
    read_pvgis_tmy,
)
from gridsim.profiles.wind import WindFarm
from gridsim.profiles.windspeed import WindSpeedParams
from gridsim.profiles.zones import Zone, resolve_zones

FORMATS = ("ninja", "atlite", "pvgis")
"""The file formats: renewables.ninja CSV, atlite netCDF, PVGIS TMY CSV."""

QUANTITIES = ("cf", "weather")
"""Capacity factors read as they are, or weather variables converted by gridsim's models."""

WEATHER_KINDS = ("wind_cf", "solar_cf")
"""The profile kinds weather files can give."""

_VARIABLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("pvgis", "wind_cf"): ("WS10m", "T2m", "SP"),
    ("pvgis", "solar_cf"): ("G(h)", "Gb(n)", "Gd(h)", "T2m", "WS10m"),
    ("atlite", "wind_cf"): ("wnd100m", "temperature"),
    ("atlite", "solar_cf"): ("influx_direct", "influx_diffuse", "temperature", "wnd100m"),
}
"""The weather variables each format needs for each kind (``quantity = "weather"``)."""

ZONE_FIELD = "{zone}"
"""In ``file`` of a one-file-per-zone format: replaced by each zone's name (``w_{zone}.csv``)."""

ERA5_WIND_HEIGHT_M = 100.0
"""Height of ERA5's ``wnd100m``, m."""


@dataclass(frozen=True)
class WeatherSource:
    """Where one technology's weather comes from.

    Attributes:
        format: one of :data:`FORMATS`.
        file: one file for every zone (atlite); ninja, pvgis: a name with ``{zone}`` in it,
            one file per zone (``"weather/w_{zone}.csv"``).
        files: zone -> file, one per zone (ninja, pvgis).
        quantity: ``"cf"`` or ``"weather"`` (None: ``"weather"`` for pvgis, else ``"cf"``).
        variable: the capacity-factor column or variable (None: ninja ``electricity``;
            atlite ``specific generation`` / ``profile`` / the file's one time x zone variable).
        zone_dim: atlite: the zone dimension (None: the variable's dimension besides time).
        names: atlite: the file's zone name -> gridsim zone, where they differ.
        time_label: ``"start"`` or ``"end"``: what a time stamp labels (None: ``"end"`` for
            atlite, as ERA5's hourly means; ``"start"`` for ninja and PVGIS).
        hub_height_m: wind from weather: hub height, m (None: the wind fleet's, 70 m).
    """

    format: str
    file: str | Path | None = None
    files: Mapping[str, str | Path] = field(default_factory=dict)
    quantity: str | None = None
    variable: str | None = None
    zone_dim: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    time_label: str | None = None
    hub_height_m: float | None = None

    @property
    def reads(self) -> str:
        """The quantity read: ``"cf"`` or ``"weather"``."""
        return self.quantity or ("weather" if self.format == "pvgis" else "cf")

    def check(self, kind: str) -> None:
        """InputError if the fields do not fit together (format, file/files, quantity)."""
        if kind not in WEATHER_KINDS:
            raise InputError(f"must be one of {', '.join(WEATHER_KINDS)}", field="kind", value=kind)  # fmt: skip
        if self.format not in FORMATS:
            raise InputError(f"must be one of {', '.join(FORMATS)}", table=kind, field="format", value=self.format)  # fmt: skip
        if self.reads not in QUANTITIES:
            raise InputError(f"must be one of {', '.join(QUANTITIES)}", table=kind, field="quantity", value=self.quantity)  # fmt: skip
        if self.time_label not in (None, "start", "end"):
            raise InputError("must be start or end", table=kind, field="time_label", value=self.time_label)  # fmt: skip
        one = self.format == "atlite"
        if one and (self.file is None or self.files):
            raise InputError("atlite reads one file for all zones: give file (not files)", table=kind, field="file", show_value=False)  # fmt: skip
        pattern = self.file is not None and ZONE_FIELD in str(self.file)
        if not one and (bool(self.files) == pattern or (self.file is not None and not pattern)):
            raise InputError(f"{self.format} reads one file per zone: give files = {{zone = file}}, or file with {ZONE_FIELD} in its name (not both)", table=kind, field="files", show_value=False)  # fmt: skip
        if self.format == "ninja" and self.reads != "cf":
            raise InputError("ninja files are read as capacity factors (electricity)", table=kind, field="quantity", value=self.quantity)  # fmt: skip
        if self.format == "pvgis" and self.reads != "weather":
            raise InputError("PVGIS TMY files hold weather, not capacity factors", table=kind, field="quantity", value=self.quantity)  # fmt: skip
        if self.format != "atlite" and (self.zone_dim or self.names):
            raise InputError("applies to atlite files only", table=kind, field="zone_dim" if self.zone_dim else "names", show_value=False)  # fmt: skip
        if self.hub_height_m is not None and (kind != "wind_cf" or self.reads != "weather"):
            raise InputError("applies to wind from weather only", table=kind, field="hub_height_m", value=self.hub_height_m)  # fmt: skip
        if self.hub_height_m is not None and not self.hub_height_m > 0:
            raise InputError("must be > 0", table=kind, field="hub_height_m", value=self.hub_height_m)  # fmt: skip

    def paths(self, zones: Sequence[str] = ()) -> dict[str, Path]:
        """Zone -> file: ``files``, or ``file`` with :data:`ZONE_FIELD` filled in for each of
        ``zones``; ``{"*": file}`` for atlite's one file."""
        if self.file is None:
            return {str(z): Path(p) for z, p in self.files.items()}
        if self.format == "atlite" or ZONE_FIELD not in str(self.file):
            return {"*": Path(self.file)}
        return {z: Path(str(self.file).replace(ZONE_FIELD, z)) for z in zones}


def _series(source: WeatherSource, kind: str, zones: Sequence[Zone]) -> dict[str, ZoneSeries]:
    """Each zone's raw series from the source's files (the variables it needs)."""
    names = [z.name for z in zones]
    weather = source.reads == "weather"
    variables = list(_VARIABLES[(source.format, kind)]) if weather else None
    if source.format == "atlite":
        if not weather and source.variable:
            variables = [source.variable]
        return read_atlite_file(Path(str(source.file)), names, kind, variables, source.zone_dim, source.names)  # fmt: skip
    files = source.paths(names)
    for zone in files:
        if zone not in names:
            raise InputError(f"is not a zone of the study ({', '.join(names)})", source=str(files[zone]), table=kind, element=zone, field="files", show_value=False)  # fmt: skip
    out = {}
    for zone in names:
        if zone not in files:
            raise InputError(f"has no file (files must name every zone: {', '.join(names)})", table=kind, element=zone, field="files", show_value=False)  # fmt: skip
        if source.format == "ninja":
            out[zone] = read_ninja_file(files[zone], zone, kind, [source.variable or NINJA_CF])
        else:
            out[zone] = read_pvgis_tmy(files[zone], zone, kind, list(variables or ()))
    return out


def _check_values(s: ZoneSeries, kind: str, cf: bool) -> None:
    """No NaN or infinity in any variable; capacity factors within 0..1."""
    for col in s.values.columns:
        x = s.values[col].to_numpy(dtype=float)
        bad = ~np.isfinite(x)
        problem = "is missing (NaN)"
        if not bad.any() and cf:
            bad = (x < 0.0) | (x > 1.0 + 1e-9)
            problem = "must be a capacity factor within 0..1"
        if bad.any():
            i = int(np.argmax(bad))
            when = fmt_time(s.values.index[i].tz_convert(TZ))
            if np.isinf(x[i]):
                problem = "must be finite"
            raise InputError(f"at {when} {problem}", source=s.source, table=kind, element=s.zone, field=str(col), value=None if np.isnan(x[i]) else float(x[i]))  # fmt: skip


def _to_cf(s: ZoneSeries, source: WeatherSource, kind: str, zone: Zone, pv_system: PVSystem, wind_farm: WindFarm, wind_params: WindSpeedParams) -> pd.Series:  # fmt: skip
    """One zone's capacity factor on the file's (hour-start) UTC times."""
    v, times = s.values, pd.DatetimeIndex(s.values.index)
    if source.reads == "cf":
        return v.iloc[:, 0]
    if source.format == "pvgis":
        site = s.site or (zone.lat_deg, zone.lon_deg, zone.altitude_m)
        if kind == "wind_cf":
            cf = wind_cf_from_speed(v["WS10m"].to_numpy(), 10.0, times, v["T2m"].to_numpy(), site[2], wind_farm, wind_params, hub_height_m=source.hub_height_m, pressure_pa=v["SP"].to_numpy())  # fmt: skip
        else:
            offset = pd.Timedelta(hours=s.irradiance_offset_h if s.irradiance_offset_h is not None else 0.5)  # fmt: skip
            cf = pv_cf_from_irradiance(times + offset, site, v["G(h)"].to_numpy(), v["Gd(h)"].to_numpy(), v["T2m"].to_numpy(), v["WS10m"].to_numpy(), pv_system, dni_w_m2=v["Gb(n)"].to_numpy())  # fmt: skip
        return pd.Series(cf, index=times)
    temp_k = v["temperature"].to_numpy()
    if temp_k.min() < 150.0:  # ERA5 gives kelvin; degrees Celsius would be far too cold
        i = int(np.argmin(temp_k))
        raise InputError(f"must be in kelvin, as ERA5's (at {fmt_time(times[i].tz_convert(TZ))})", source=s.source, table=kind, element=zone.name, field="temperature", value=float(temp_k[i]))  # fmt: skip
    temp_c = temp_k - 273.15
    if kind == "wind_cf":
        cf = wind_cf_from_speed(v["wnd100m"].to_numpy(), ERA5_WIND_HEIGHT_M, times, temp_c, zone.altitude_m, wind_farm, wind_params, hub_height_m=source.hub_height_m)  # fmt: skip
    else:
        v10 = hub_speed_m_s(v["wnd100m"].to_numpy(), ERA5_WIND_HEIGHT_M, 10.0, times, wind_params)
        ghi = v["influx_direct"].to_numpy() + v["influx_diffuse"].to_numpy()
        site = (zone.lat_deg, zone.lon_deg, zone.altitude_m)
        cf = pv_cf_from_irradiance(times + pd.Timedelta(minutes=30), site, ghi, v["influx_diffuse"].to_numpy(), temp_c, v10, pv_system)  # fmt: skip
    return pd.Series(cf, index=times)


def read_weather_cf(
    source: WeatherSource,
    kind: str,
    snaps: pd.DatetimeIndex,
    zones: Sequence[str | Zone] | None = None,
    *,
    weather_year: int | None = None,
    pv_system: PVSystem | None = None,
    wind_farm: WindFarm | None = None,
    wind_params: WindSpeedParams | None = None,
) -> pd.DataFrame:
    """Hourly capacity factors of ``kind`` from ``source``'s files on ``snaps``.

    Args:
        source: the files and how to read them.
        kind: ``"wind_cf"`` or ``"solar_cf"``.
        snaps: the study's hourly snapshots (Asia/Shanghai).
        zones: the zones (names or Zone objects; default the default case's); every one
            needs a series.
        weather_year: the year of the files to use (None: the study year where the files
            have it, else their only year; see :mod:`gridsim.profiles.weather_align`).
        pv_system, wind_farm, wind_params: model knobs for ``quantity = "weather"``
            (defaults: the calibrated ones of the synthetic profiles).

    Returns:
        A DataFrame indexed by ``snaps``, one column per zone, capacity factors 0..1.
    """
    source.check(kind)
    the_zones = resolve_zones(zones)
    series = _series(source, kind, the_zones)
    label_shift = pd.Timedelta(hours=1) if (source.time_label or ("end" if source.format == "atlite" else "start")) == "end" else pd.Timedelta(0)  # fmt: skip
    out: dict[str, np.ndarray] = {}
    for zone in the_zones:
        s = series[zone.name]
        s.values.index = pd.DatetimeIndex(s.values.index) - label_shift
        _check_values(s, kind, source.reads == "cf")
        cf = _to_cf(s, source, kind, zone, pv_system or PVSystem(), wind_farm or WindFarm(), wind_params or WindSpeedParams())  # fmt: skip
        out[zone.name] = align_to_snapshots(cf, snaps, source=s.source, kind=kind, zone=zone.name, weather_year=weather_year, typical_year=s.typical_year, label_shift=label_shift)  # fmt: skip
    frame = pd.DataFrame(out, index=snaps)
    frame.index.name = "snapshot"
    return frame


def read_ninja(files: Mapping[str, str | Path], kind: str, snaps: pd.DatetimeIndex, **kw: Any) -> pd.DataFrame:  # fmt: skip
    """Capacity factors from renewables.ninja CSV files (zone -> file); ``kw`` as in
    :func:`read_weather_cf` (``zones``, ``weather_year``)."""
    return read_weather_cf(WeatherSource("ninja", files=files), kind, snaps, **kw)


def read_atlite(file: str | Path, kind: str, snaps: pd.DatetimeIndex, *, quantity: str = "cf", **kw: Any) -> pd.DataFrame:  # fmt: skip
    """Capacity factors from an atlite netCDF file (per-unit series, or ERA5 variables with
    ``quantity="weather"``); ``kw`` as in :func:`read_weather_cf`."""
    return read_weather_cf(WeatherSource("atlite", file=file, quantity=quantity), kind, snaps, **kw)  # fmt: skip


def read_pvgis(files: Mapping[str, str | Path], kind: str, snaps: pd.DatetimeIndex, **kw: Any) -> pd.DataFrame:  # fmt: skip
    """Capacity factors from PVGIS TMY CSV files (zone -> file) through gridsim's models;
    ``kw`` as in :func:`read_weather_cf`."""
    return read_weather_cf(WeatherSource("pvgis", files=files), kind, snaps, **kw)


def apply_weather(
    profiles: ProfileSet,
    wind: WeatherSource | None = None,
    solar: WeatherSource | None = None,
    *,
    zones: Sequence[str | Zone] | None = None,
    weather_year: int | None = None,
    pv_system: PVSystem | None = None,
    wind_farm: WindFarm | None = None,
) -> ProfileSet:
    """``profiles`` with its ``wind_cf`` and/or ``solar_cf`` tables read from weather files.

    The read table replaces the whole table (also columns named after generators); load,
    heating and exports stay as they are. ``zones`` default to the zone columns of the
    set's ``load_mw`` (or the default case's). ``meta["weather"]`` records each source,
    its files and their SHA-256.
    """
    if zones is None:
        own = set(profiles.elements.get("load_mw", []))
        cols = [str(c) for c in profiles.load_mw.columns if str(c) not in own]
        zones = cols or None
    meta = dict(profiles.meta)
    record: dict[str, Any] = dict(meta.get("weather", {}))
    tables: dict[str, pd.DataFrame] = {}
    for kind, source in (("wind_cf", wind), ("solar_cf", solar)):
        if source is None:
            continue
        tables[kind] = read_weather_cf(source, kind, profiles.snapshots, zones, weather_year=weather_year, pv_system=pv_system, wind_farm=wind_farm)  # fmt: skip
        record[kind] = {
            "format": source.format,
            "quantity": source.reads,
            "weather_year": weather_year,
            "files": {z: str(p) for z, p in source.paths(list(tables[kind].columns)).items()},
            "sha256": {
                z: file_sha256(p) for z, p in source.paths(list(tables[kind].columns)).items()
            },
        }
    if not tables:
        return profiles
    meta["weather"] = record
    elements = {k: v for k, v in profiles.elements.items() if k not in tables}
    if "elements" in meta:
        meta["elements"] = elements
    return replace(profiles, meta=meta, **tables)


__all__ = [
    "FORMATS",
    "QUANTITIES",
    "WEATHER_KINDS",
    "WeatherSource",
    "apply_weather",
    "read_atlite",
    "read_ninja",
    "read_pvgis",
    "read_weather_cf",
]
