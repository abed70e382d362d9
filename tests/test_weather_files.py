"""Readers of real weather files (gridsim.profiles.weather_files) against independent references.

Every file is written here in the exact layout of its format (renewables.ninja point CSV,
PVGIS TMY CSV, an atlite netCDF written with xarray). References: the capacity factors
written into the files (ninja, atlite pass through unchanged, only moved from UTC to
Asia/Shanghai), pvlib's own functions applied to the same columns (PVGIS, ERA5 PV), and
the documented shear and density formulas (wind from weather). Bad files give errors
naming the file, the zone, the field and the value.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest

from gridsim.errors import InputError
from gridsim.profiles import (
    ProfileSet,
    PVSystem,
    WeatherSource,
    WindFarm,
    Zone,
    apply_weather,
    read_weather_cf,
    snapshots,
)
from gridsim.profiles.climate import air_density_kg_m3
from gridsim.profiles.weather_convert import hub_density_kg_m3
from gridsim.profiles.weather_formats import PVGIS_COLUMNS, read_pvgis_tmy
from gridsim.profiles.wind import wind_capacity_factor

xr = pytest.importorskip("xarray")

ZONES = ("north", "east", "central", "south")
TZ = "Asia/Shanghai"
PVGIS_YEARS = (2018, 2012, 2009, 2013, 2008, 2006, 2011, 2010, 2020, 2006, 2007, 2016)
"""The year PVGIS picked for each month (a leap February, 2012, among them)."""
SITE = (38.0, 106.3, 1100.0)
"""A PVGIS site whose fixed tilt (latitude - 3 = 35 degrees) lies on the diffuse-IAM grid."""


def utc_year(year: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="h", inclusive="left", tz="UTC")


# ------------------------------------------------------------------ file writers
def write_ninja(path: Path, times: pd.DatetimeIndex, kw: np.ndarray, capacity: float = 1.0, drop: int | None = None, blank: int | None = None) -> Path:  # fmt: skip
    """A renewables.ninja wind point download: three comment lines, header, rows."""
    meta = {
        "units": {"time": "UTC", "local_time": TZ, "electricity": "kW", "wind_speed": "m/s"},
        "params": {
            "lat": "38.7",
            "lon": "106.3",
            "date_from": f"{times[0]:%Y-%m-%d}",
            "dataset": "merra2",
            "capacity": f"{capacity:g}",
            "height": "80",
            "turbine": "Vestas V90 2000",
            "raw": True,
        },  # fmt: skip
    }
    lines = [
        "# Renewables.ninja Wind (Point API) - 38.7, 106.3 - Version: 1.3 - License: https://creativecommons.org/licenses/by-nc/4.0/",
        f"# Units: time in UTC, local_time in {TZ}, electricity in kW, wind_speed in m/s",
        "# " + json.dumps(meta),
        "time,local_time,electricity,wind_speed",
    ]
    for i, (t, x) in enumerate(zip(times, kw)):
        if i == drop:
            continue
        value = "" if i == blank else repr(float(x))
        lines.append(f"{t:%Y-%m-%d %H:%M},{t.tz_convert(TZ):%Y-%m-%d %H:%M},{value},7.25")
    path.write_text("\n".join(lines) + "\n")
    return path


def pvgis_rows(seed: int = 0) -> pd.DataFrame:
    """A typical year in PVGIS's layout: each month from its own year (UTC), 8760 rows,
    irradiance from pvlib's clear sky at the site scaled by a random clearness."""
    rng = np.random.default_rng(seed)
    parts = []
    for month, year in enumerate(PVGIS_YEARS, start=1):
        t = utc_year(year)
        t = t[(t.month == month) & ~((t.month == 2) & (t.day == 29))]
        parts.append(t)
    times = parts[0].append(parts[1:])
    loc = pvlib.location.Location(SITE[0], SITE[1], altitude=SITE[2])
    cs = loc.get_clearsky(times + pd.Timedelta(hours=0.1761))
    k = rng.uniform(0.3, 1.0, len(times))
    return pd.DataFrame(
        {
            "T2m": np.round(rng.uniform(-15, 35, len(times)), 2),
            "RH": np.round(rng.uniform(10, 90, len(times)), 2),
            "G(h)": np.round(cs["ghi"].to_numpy() * k, 2),
            "Gb(n)": np.round(cs["dni"].to_numpy() * k**2, 2),
            "Gd(h)": np.round(cs["dhi"].to_numpy() * (2 - k), 2),
            "IR(h)": np.round(rng.uniform(200, 350, len(times)), 2),
            "WS10m": np.round(rng.uniform(0, 14, len(times)), 2),
            "WD10m": np.round(rng.uniform(0, 360, len(times))),
            "SP": np.round(rng.uniform(87000, 90000, len(times))),
        },
        index=times,
    )


def write_pvgis(path: Path, rows: pd.DataFrame, drop_column: str | None = None, drop_row: int | None = None) -> Path:  # fmt: skip
    """A PVGIS TMY CSV download: header block, month/year table, rows, legend."""
    lines = [
        f"Latitude (decimal degrees): {SITE[0]:.3f}",
        f"Longitude (decimal degrees): {SITE[1]:.3f}",
        f"Elevation (m): {SITE[2]:.1f}",
        "Irradiance Time Offset (h): 0.1761",
        "month,year",
        *(f"{m},{y}" for m, y in enumerate(PVGIS_YEARS, start=1)),
    ]
    cols = [c for c in rows.columns if c != drop_column]
    lines.append(",".join(["time(UTC)", *cols]))
    for i, (t, row) in enumerate(rows[cols].iterrows()):
        if i != drop_row:
            lines.append(f"{t:%Y%m%d:%H%M}," + ",".join(repr(float(x)) for x in row))
    lines += [
        "",
        "T2m: 2-m air temperature (degree Celsius)",
        "RH: relative humidity (%)",
        "G(h): Global irradiance on the horizontal plane (W/m2)",
        "Gb(n): Beam/direct irradiance on a plane always normal to sun rays (W/m2)",
        "Gd(h): Diffuse irradiance on the horizontal plane (W/m2)",
        "IR(h): Surface infrared (thermal) irradiance on a horizontal plane (W/m2)",
        "WS10m: 10-m total wind speed (m/s)",
        "WD10m: 10-m wind direction (0 = N, 90 = E) (degree)",
        "SP: Surface (air) pressure (Pa)",
        "",
        "PVGIS (c) European Union, 2001-2025",
    ]
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def write_atlite(path: Path, labels: pd.DatetimeIndex, data: dict[str, np.ndarray], names: list[str], dim: str = "bus") -> Path:  # fmt: skip
    """An atlite-style netCDF: variables over (time, <zone dim>), naive UTC times."""
    ds = xr.Dataset(
        {v: (("time", dim), x) for v, x in data.items()},
        coords={"time": labels.tz_convert("UTC").tz_localize(None), dim: names},
    )
    ds.to_netcdf(path)
    return path


# ------------------------------------------------------------------ references
def alpha(local_hour: np.ndarray) -> np.ndarray:
    """gridsim's documented diurnal shear exponent: 0.17 + 0.10 cos(2 pi (h - 3) / 24)."""
    return 0.17 + 0.10 * np.cos(2 * np.pi * (local_hour - 3.0) / 24.0)


def pvlib_cf(times: pd.DatetimeIndex, site: tuple[float, float, float], ghi: np.ndarray, dni: np.ndarray, dhi: np.ndarray, temp_c: np.ndarray, wind: np.ndarray) -> np.ndarray:  # fmt: skip
    """AC capacity factor computed with pvlib's functions: sun at ``times``, Perez on a
    south-facing plane tilted latitude - 3, physical IAM (Marion diffuse), SAPM open-rack
    cell temperature, PVWatts DC, PVWatts losses and inverter (AC rating 1)."""
    sys = PVSystem()
    loc = pvlib.location.Location(site[0], site[1], tz=TZ, altitude=site[2])
    sp = loc.get_solarposition(times)
    up = sp["apparent_elevation"].to_numpy() > 0
    ghi, dni, dhi = (np.where(up, np.maximum(x, 0.0), 0.0) for x in (ghi, dni, dhi))
    tilt = site[0] - sys.tilt_below_latitude_deg
    am = np.nan_to_num(pvlib.atmosphere.get_relative_airmass(sp["apparent_zenith"].to_numpy()), nan=40.0)  # fmt: skip
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, 180.0, sp["apparent_zenith"].to_numpy(), sp["azimuth"].to_numpy(), dni, ghi, dhi,
        dni_extra=pvlib.irradiance.get_extra_radiation(times).to_numpy(), airmass=am,
        albedo=sys.albedo, model="perez",
    )  # fmt: skip
    iam = pvlib.iam.physical(pvlib.irradiance.aoi(tilt, 180.0, sp["zenith"].to_numpy(), sp["azimuth"].to_numpy()))  # fmt: skip
    diffuse = pvlib.iam.marion_diffuse("physical", tilt)
    eff = (
        np.nan_to_num(np.asarray(poa["poa_direct"])) * np.asarray(iam)
        + np.nan_to_num(np.asarray(poa["poa_sky_diffuse"])) * float(diffuse["sky"])
        + np.nan_to_num(np.asarray(poa["poa_ground_diffuse"])) * float(diffuse["ground"])
    )
    eff = np.where(up, np.maximum(eff, 0.0), 0.0)
    glob = np.where(up, np.maximum(np.nan_to_num(np.asarray(poa["poa_global"])), 0.0), 0.0)
    cell = pvlib.temperature.sapm_cell(glob, temp_c, wind, **pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"])  # fmt: skip
    losses = pvlib.pvsystem.pvwatts_losses(soiling=4.0, shading=2.0, snow=0.5, mismatch=2.0, wiring=2.0, connections=0.5, lid=1.5, nameplate_rating=1.0, age=1.0, availability=2.0)  # fmt: skip
    pdc = np.asarray(pvlib.pvsystem.pvwatts_dc(eff, np.asarray(cell), 1.0, -0.0037)) * (1 - losses / 100)  # fmt: skip
    pac = np.asarray(pvlib.inverter.pvwatts(pdc, 1 / 0.97, eta_inv_nom=0.97))
    return np.where(up, np.clip(np.nan_to_num(pac), 0.0, 1.0), 0.0)


# ------------------------------------------------------------------ renewables.ninja
def test_ninja_cf_passes_through_shifted_to_shanghai(tmp_path: Path) -> None:
    """A file of the study's hours: each snapshot takes the row of the same instant
    (local 00:00 = 16:00 UTC the day before), the value unchanged; kW over the request's
    capacity is the capacity factor."""
    snaps = snapshots(2025)
    utc = snaps.tz_convert("UTC")
    rng = np.random.default_rng(3)
    cf = {z: rng.uniform(0, 1, len(utc)) for z in ZONES}
    files = {z: write_ninja(tmp_path / f"w_{z}.csv", utc, cf[z]) for z in ZONES[:3]}
    files["south"] = write_ninja(tmp_path / "w_south.csv", utc, cf["south"] * 2000.0, capacity=2000.0)  # fmt: skip
    out = read_weather_cf(WeatherSource("ninja", files=files), "wind_cf", snaps)
    assert out.index.equals(snaps) and str(out.index.tz) == TZ and list(out.columns) == list(ZONES)
    for z in ZONES[:3]:
        assert np.array_equal(out[z].to_numpy(), cf[z])  # exactly the written numbers
    np.testing.assert_allclose(out["south"].to_numpy(), cf["south"], rtol=1e-15)
    first = pd.read_csv(files["north"], comment="#", float_precision="round_trip").iloc[0]
    assert first["time"] == "2024-12-31 16:00" and out["north"].iloc[0] == first["electricity"]


def test_ninja_other_year_mapped_by_local_calendar_with_leap_day(tmp_path: Path) -> None:
    """A 2019 download (one UTC year) for the leap study year 2024: each snapshot takes the
    2019 value at the same local month, day and hour; 29 February repeats 28 February; the
    first 8 local hours of 1 January come from the last 8 UTC hours of 2019."""
    utc = utc_year(2019)
    kw = np.random.default_rng(4).uniform(0, 1, len(utc))
    files = {z: write_ninja(tmp_path / f"w_{z}.csv", utc, kw) for z in ZONES}
    snaps = snapshots(2024)
    out = read_weather_cf(WeatherSource("ninja", files=files), "wind_cf", snaps)["east"]
    by_local = pd.Series(kw, index=utc.tz_convert(TZ))
    for ts in ("2024-03-01 00:00", "2024-07-15 13:00", "2024-12-31 23:00", "2024-01-01 08:00"):
        s = pd.Timestamp(ts, tz=TZ)
        assert out[s] == by_local[s.replace(year=2019)], ts
    for h in range(24):  # leap day = 28 February, hour by hour
        assert out[pd.Timestamp(2024, 2, 29, h, tz=TZ)] == by_local[pd.Timestamp(2019, 2, 28, h, tz=TZ)]  # fmt: skip
    for h in range(8):  # wrap: 2024-01-01 0..7 local <- 2019-12-31 16..23 UTC
        assert out[pd.Timestamp(2024, 1, 1, h, tz=TZ)] == kw[len(utc) - 8 + h]
    assert len(out) == 8784 and out.notna().all()


def test_ninja_missing_hour_nan_zone_and_bad_cf(tmp_path: Path) -> None:
    snaps = snapshots(2025)
    utc = snaps.tz_convert("UTC")
    kw = np.full(len(utc), 0.5)
    files = {z: write_ninja(tmp_path / f"w_{z}.csv", utc, kw) for z in ZONES}
    gap = dict(files, north=write_ninja(tmp_path / "gap.csv", utc, kw, drop=3601))
    with pytest.raises(InputError) as e:
        read_weather_cf(WeatherSource("ninja", files=gap), "wind_cf", snaps)
    missing = utc[3601]
    msg = str(e.value)
    assert "gap.csv" in msg and "wind_cf 'north'" in msg and "time" in msg
    local = missing.tz_convert(TZ)
    assert f"has no value for {missing:%Y-%m-%d %H:%M} UTC, which the study hour {local:%Y-%m-%d %H:%M}+08:00 takes: a gap in the file" in msg  # fmt: skip
    nan = dict(files, east=write_ninja(tmp_path / "nan.csv", utc, kw, blank=10))
    with pytest.raises(InputError, match=r"nan.csv: wind_cf 'east': electricity at 2025-01-01 10:00\+08:00 is missing \(NaN\)"):  # fmt: skip
        read_weather_cf(WeatherSource("ninja", files=nan), "wind_cf", snaps)
    big = dict(files, central=write_ninja(tmp_path / "big.csv", utc, np.where(np.arange(len(utc)) == 5, 1.2, kw)))  # fmt: skip
    with pytest.raises(InputError, match=r"big.csv: wind_cf 'central': electricity at 2025-01-01 05:00\+08:00 must be a capacity factor within 0..1, got 1.2"):  # fmt: skip
        read_weather_cf(WeatherSource("ninja", files=big), "wind_cf", snaps)
    partial = {z: files[z] for z in ZONES[:3]}
    with pytest.raises(InputError, match=r"wind_cf 'south': files has no file \(files must name every zone"):  # fmt: skip
        read_weather_cf(WeatherSource("ninja", files=partial), "wind_cf", snaps)


# ---------------------------------------------------------------------- atlite
def test_atlite_cf_hour_ending_labels_and_names(tmp_path: Path) -> None:
    """``specific generation`` over (time, name) with ERA5's hour-ending UTC labels of 2025:
    the snapshot starting at local t holds the value labelled t - 8 h + 1 h (UTC); names
    map the file's zones to gridsim's."""
    labels = utc_year(2025)
    rng = np.random.default_rng(5)
    cf = rng.uniform(0, 1, (len(labels), 4))
    names = ["NX north", "NX east", "NX central", "NX south"]
    f = write_atlite(tmp_path / "pv.nc", labels, {"specific generation": cf}, names, dim="name")
    snaps = snapshots(2025)
    src = WeatherSource("atlite", file=f, names={n: z for n, z in zip(names, ZONES)})
    out = read_weather_cf(src, "solar_cf", snaps)
    label_of = pd.Series(np.arange(len(labels)), index=labels)
    for t in snaps[10:8760:997]:  # away from the year's wrap
        row = label_of[t.tz_convert("UTC") + pd.Timedelta(hours=1)]
        np.testing.assert_array_equal(out.loc[t].to_numpy(), cf[row], err_msg=str(t))
    # the first 7 local hours of the year come from the end of the weather year (wrap)
    np.testing.assert_array_equal(out.iloc[0].to_numpy(), cf[len(labels) - 7])
    with pytest.raises(InputError) as e:
        read_weather_cf(WeatherSource("atlite", file=f), "solar_cf", snaps)
    assert "pv.nc: solar_cf 'north': name has no entry along the file's dimension 'name'" in str(e.value)  # fmt: skip


def test_atlite_era5_weather_through_gridsim_models(tmp_path: Path) -> None:
    """Raw ERA5 variables per zone: PV equals pvlib's computation from the same variables
    (GHI = direct + diffuse, DNI by pvlib.irradiance.dni, sun at the hour's middle, module
    cooling by wnd100m scaled to 10 m); wind is the fleet power curve at the hub speed
    v100 (70/100)^alpha(local hour) and the density at the site's altitude + hub height."""
    zone = Zone("north", SITE[0], SITE[1], SITE[2], 1.0, (10, 20), (4, 10), 9.0, 15.0)
    labels = pd.date_range("2025-06-01 01:00", periods=24 * 5, freq="h", tz="UTC")
    start = labels - pd.Timedelta(hours=1)
    loc = pvlib.location.Location(SITE[0], SITE[1], altitude=SITE[2])
    cs = loc.get_clearsky(start + pd.Timedelta(minutes=30))
    sp = loc.get_solarposition(start + pd.Timedelta(minutes=30))
    rng = np.random.default_rng(6)
    direct_h = (cs["dni"] * np.cos(np.radians(sp["zenith"]))).clip(lower=0).to_numpy() * 0.8
    diffuse = cs["dhi"].to_numpy() * 1.1
    temp_k = rng.uniform(285, 305, len(labels))
    v100 = rng.uniform(2, 18, len(labels))
    data = {k: x[:, None] for k, x in {"influx_direct": direct_h, "influx_diffuse": diffuse, "temperature": temp_k, "wnd100m": v100}.items()}  # fmt: skip
    f = write_atlite(tmp_path / "era5.nc", labels, data, ["north"])
    snaps = pd.date_range(start[0].tz_convert(TZ), periods=len(labels), freq="h", name="snapshot")  # fmt: skip
    src = WeatherSource("atlite", file=f, quantity="weather")
    pv = read_weather_cf(src, "solar_cf", snaps, zones=[zone])["north"].to_numpy()
    hour = np.asarray(start.tz_convert(TZ).hour, dtype=float)
    v10 = v100 * (10 / 100) ** alpha(hour)
    ghi = direct_h + diffuse
    dni = np.nan_to_num(np.asarray(pvlib.irradiance.dni(ghi, diffuse, sp["zenith"].to_numpy())))
    ref = pvlib_cf(start + pd.Timedelta(minutes=30), SITE, ghi, dni, diffuse, temp_k - 273.15, v10)  # fmt: skip
    np.testing.assert_allclose(pv, ref, rtol=1e-9, atol=1e-12)
    assert pv.max() > 0.5 and (pv[hour < 5] == 0).all()
    wind = read_weather_cf(src, "wind_cf", snaps, zones=[zone])["north"].to_numpy()
    farm = WindFarm()
    v_hub = v100 * (70 / 100) ** alpha(hour)
    rho = 101325 * (1 - 2.25577e-5 * (SITE[2] + 70)) ** 5.25588 / (287.05 * temp_k)
    ref_w = wind_capacity_factor(v_hub[:, None], rho[:, None], farm)[:, 0]
    np.testing.assert_allclose(wind, ref_w, rtol=1e-12)
    no_temp = write_atlite(tmp_path / "no_t.nc", labels, {k: v for k, v in data.items() if k != "temperature"}, ["north"])  # fmt: skip
    with pytest.raises(InputError) as e:
        read_weather_cf(WeatherSource("atlite", file=no_temp, quantity="weather"), "wind_cf", snaps, zones=[zone])  # fmt: skip
    assert "no_t.nc: wind_cf 'north': temperature variable is missing" in str(e.value)
    celsius = write_atlite(tmp_path / "celsius.nc", labels, dict(data, temperature=data["temperature"] - 273.15), ["north"])  # fmt: skip
    with pytest.raises(InputError, match=r"celsius.nc: solar_cf 'north': temperature must be in kelvin"):  # fmt: skip
        read_weather_cf(WeatherSource("atlite", file=celsius, quantity="weather"), "solar_cf", snaps, zones=[zone])  # fmt: skip


# ----------------------------------------------------------------------- PVGIS
def test_pvgis_tmy_pv_equals_pvlib_on_the_same_columns(tmp_path: Path) -> None:
    """PV from a PVGIS TMY equals pvlib's chain on the file's G(h), Gb(n), Gd(h), T2m and
    WS10m with the sun at the irradiance time (label + offset); each TMY row lands on the
    study hour of its local month, day and hour; the leap day repeats 28 February."""
    rows = pvgis_rows()
    f = write_pvgis(tmp_path / "tmy_north.csv", rows)
    # the file is what pvlib's own PVGIS reader reads, and gridsim's parser agrees with it
    data, meta = pvlib.iotools.read_pvgis_tmy(f, map_variables=False)
    assert (meta["inputs"]["latitude"], meta["inputs"]["longitude"], meta["inputs"]["elevation"]) == SITE  # fmt: skip
    parsed = read_pvgis_tmy(f, "north", "solar_cf", PVGIS_COLUMNS)
    assert parsed.values.index.equals(data.index) and parsed.site == SITE
    assert parsed.irradiance_offset_h == meta["inputs"]["irradiance time offset"] == 0.1761
    pd.testing.assert_frame_equal(parsed.values, data[list(PVGIS_COLUMNS)], check_exact=True, check_freq=False)  # fmt: skip
    ref = pvlib_cf(rows.index + pd.Timedelta(hours=0.1761), SITE, rows["G(h)"].to_numpy(), rows["Gb(n)"].to_numpy(), rows["Gd(h)"].to_numpy(), rows["T2m"].to_numpy(), rows["WS10m"].to_numpy())  # fmt: skip
    # the rows on one non-leap year, then 8 hours on: local (month, day, hour) of each row
    placed = pd.DatetimeIndex(pd.to_datetime({"year": 2001, "month": rows.index.month, "day": rows.index.day, "hour": rows.index.hour}))  # fmt: skip
    local = placed.tz_localize("UTC").tz_convert(TZ)
    key = dict(zip(zip(local.month, local.day, local.hour), ref))
    assert len(key) == 8760
    snaps = snapshots(2024)
    out = read_weather_cf(WeatherSource("pvgis", files={"north": f}), "solar_cf", snaps, zones=["north"])["north"]  # fmt: skip
    want = np.array([key[(t.month, 28 if (t.month, t.day) == (2, 29) else t.day, t.hour)] for t in snaps])  # fmt: skip
    np.testing.assert_allclose(out.to_numpy(), want, rtol=1e-9, atol=1e-12)
    assert 0.1 < out.mean() < 0.3  # the file's sky: clearness 0.3..1, overcast to clear
    gap = write_pvgis(tmp_path / "tmy_gap.csv", rows, drop_row=1500)
    with pytest.raises(InputError) as e:
        read_weather_cf(WeatherSource("pvgis", files={"north": gap}), "solar_cf", snaps, zones=["north"])  # fmt: skip
    assert "tmy_gap.csv: solar_cf 'north': time has no value for " + f"{rows.index[1500]:%m-%d %H:%M} UTC" in str(e.value)  # fmt: skip
    nodni = write_pvgis(tmp_path / "tmy_nodni.csv", rows, drop_column="Gb(n)")
    with pytest.raises(InputError) as e:
        read_weather_cf(WeatherSource("pvgis", files={"north": nodni}), "solar_cf", snaps, zones=["north"])  # fmt: skip
    assert "tmy_nodni.csv: solar_cf 'north': Gb(n) column is missing (the file has: time(UTC), T2m" in str(e.value)  # fmt: skip


def test_pvgis_wind_from_ws10m_at_hub_height(tmp_path: Path) -> None:
    """Wind from WS10m: the power curve at WS10m (70/10)^alpha(local hour) with the density
    from SP and T2m one isothermal step up to the hub."""
    rows = pvgis_rows(seed=2)
    f = write_pvgis(tmp_path / "tmy.csv", rows)
    snaps = pd.date_range("2025-07-01", periods=48, freq="h", tz=TZ, name="snapshot")
    out = read_weather_cf(WeatherSource("pvgis", files={"east": f}), "wind_cf", snaps, zones=["east"])["east"]  # fmt: skip
    utc = rows.index[(rows.index.month == 6) & (rows.index.day == 30) & (rows.index.hour >= 16)]
    utc = utc.append(rows.index[(rows.index.month == 7) & (rows.index.day <= 2)])[:48]
    r = rows.loc[utc]
    hour = np.asarray(utc.tz_convert(TZ).hour, dtype=float)
    v_hub = r["WS10m"].to_numpy() * 7.0 ** alpha(hour)
    t_k = r["T2m"].to_numpy() + 273.15
    rho = r["SP"].to_numpy() * np.exp(-9.80665 * 70 / (287.05 * t_k)) / (287.05 * t_k)
    ref = wind_capacity_factor(v_hub[:, None], rho[:, None], WindFarm())[:, 0]
    np.testing.assert_allclose(out.to_numpy(), ref, rtol=1e-12)
    assert out.max() > 0.3


def test_hub_density_from_pressure_matches_the_standard_atmosphere() -> None:
    """With the standard atmosphere's pressure at the site and 15 °C, the density one
    isothermal step up agrees with the standard atmosphere at the hub within 0.1 %."""
    alt, hub = 1250.0, 70.0
    p = 101325.0 * (1 - 2.25577e-5 * alt) ** 5.25588
    got = hub_density_kg_m3(np.array([15.0]), hub, alt, np.array([p]))
    np.testing.assert_allclose(got, air_density_kg_m3(alt + hub, np.array([15.0])), rtol=1e-3)


def small_set(snaps: pd.DatetimeIndex) -> ProfileSet:
    """A set of a few hours: synthetic-looking tables, one DC link."""
    frame = pd.DataFrame(0.3, index=snaps, columns=list(ZONES))
    return ProfileSet(
        snapshots=snaps,
        wind_cf=frame,
        solar_cf=frame * 0.5,
        load_mw=frame * 1000,
        heating=frame > 1,
        export_pu=pd.DataFrame({"yindong": 0.8}, index=snaps),
        meta={"year": 2025},
    )


def test_apply_weather_replaces_only_the_renewable_tables(tmp_path: Path) -> None:
    snaps = pd.date_range("2025-05-01", periods=72, freq="h", tz=TZ, name="snapshot")
    gen = small_set(snaps)
    labels = utc_year(2025)
    cf = np.random.default_rng(8).uniform(0, 1, (len(labels), 4))
    f = write_atlite(tmp_path / "wind.nc", labels, {"profile": cf}, list(ZONES))
    out = apply_weather(gen, wind=WeatherSource("atlite", file=f))
    assert out.solar_cf is gen.solar_cf
    for kind in ("load_mw", "heating", "export_pu"):
        assert out.table(kind) is gen.table(kind)
    rows = labels.get_indexer(snaps.tz_convert("UTC") + pd.Timedelta(hours=1))
    np.testing.assert_array_equal(out.wind_cf.to_numpy(), cf[rows])
    out.validate()
    assert out.meta["weather"]["wind_cf"]["format"] == "atlite"
    assert len(out.meta["weather"]["wind_cf"]["sha256"]["*"]) == 64


def test_scenario_with_weather_files(tmp_path: Path) -> None:
    """A two-day study with [profiles.weather]: wind from ninja files (``file = "w_{zone}.csv"``), PV from an atlite file
    of just the study hours; each renewable unit's availability is the file's capacity
    factor of its zone x its capacity."""
    from gridsim.scenario import SCENARIOS_DIR
    from gridsim.studies.balance import run_balance

    snaps = pd.date_range("2025-04-07", "2025-04-09", freq="h", tz=TZ, inclusive="left")
    rng = np.random.default_rng(9)
    utc = utc_year(2025)
    wind = {z: rng.uniform(0, 1, len(utc)) for z in ZONES}
    for z in ZONES:
        write_ninja(tmp_path / f"w_{z}.csv", utc, wind[z])
    labels = snaps.tz_convert("UTC") + pd.Timedelta(hours=1)
    pv = rng.uniform(0, 1, (len(labels), 4))
    write_atlite(tmp_path / "pv.nc", labels, {"specific generation": pv}, list(ZONES))
    (tmp_path / "real.toml").write_text(
        f'base = "{SCENARIOS_DIR / "ningxia_2025.toml"}"\n[scenario]\nname = "real"\n'
        '[study]\nwhole_year = false\nstart = "2025-04-07"\nend = "2025-04-09"\ncurtailment_by_cause = false\n'
        '[profiles.weather.wind]\nformat = "ninja"\nfile = "w_{zone}.csv"\n'
        '[profiles.weather.solar]\nformat = "atlite"\nfile = "pv.nc"\n'
    )
    res = run_balance(tmp_path / "real.toml")
    assert res.ok
    ren, gen, bus = res.dispatch.problem.renewable, res.network.gen, res.network.bus
    rows = utc.get_indexer(snaps.tz_convert("UTC"))
    assert res.dispatch.problem.snapshots.equals(snaps) and len(ren.names) >= 8
    for j, name in enumerate(ren.names):
        zone = gen.zone[name] or bus.zone[gen.bus[name]]
        cf = pv[:, ZONES.index(zone)] if ren.fuel[j] == "solar" else wind[zone][rows]
        np.testing.assert_allclose(ren.available_mw[:, j], cf * ren.capacity_mw[j], rtol=1e-12, err_msg=name)  # fmt: skip
    assert set(res.manifest["inputs"]["profiles"]["weather"]) == {"wind_cf", "solar_cf"}
    from gridsim.report.html import facts
    from gridsim.results.store import load_run

    rows = dict(facts(load_run(res.write(tmp_path / "out"))))
    assert rows["weather files"] == "wind_cf: ninja (w_north.csv, w_east.csv, w_central.csv, w_south.csv); solar_cf: atlite (pv.nc)"  # fmt: skip
    gap = utc.get_loc(pd.Timestamp("2025-04-07 20:00", tz="UTC"))
    write_ninja(tmp_path / "w_south.csv", utc, wind["south"], drop=gap)
    with pytest.raises(InputError, match=r"w_south.csv: wind_cf 'south': time has no value for 2025-04-07 20:00 UTC, which the study hour 2025-04-08 04:00\+08:00 takes: a gap in the file"):  # fmt: skip
        run_balance(tmp_path / "real.toml")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('format = "ninja"\nfile = "w.csv"', "profiles.weather.wind.files ninja reads one file per zone: give files = {zone = file}, or file with {zone} in its name (not both)"),
        ('format = "atlite"\nfile = "nowhere.nc"', "profiles.weather.wind.file is no such file"),
        ('format = "ninja"\nfiles = { north = "w.csv" }\nquantity = "weather"', "profiles.weather.wind.quantity ninja files are read as capacity factors (electricity), got 'weather'"),
        ('format = "era5"', "profiles.weather.wind.format must be one of ninja, atlite, pvgis, got 'era5'"),
        ('file = "w.csv"', "profiles.weather.wind.format must be given"),
        ('format = "ninja"\nfiles = { north = "w.csv" }\n[profiles.weather.solar]\nformat = "atlite"\nfile = "w.csv"\n[profiles.generate]\nyear = 2025\nweather_years = [2]', "profiles.generate.weather_years varies the synthetic weather only"),
    ],
)  # fmt: skip
def test_scenario_weather_table_errors(tmp_path: Path, table: str, message: str) -> None:
    from gridsim.scenario import SCENARIOS_DIR, load_scenario

    (tmp_path / "w.csv").write_text("time,electricity\n")
    f = tmp_path / "x.toml"
    f.write_text(f'base = "{SCENARIOS_DIR / "ningxia_2025_week.toml"}"\n[profiles.weather.wind]\n{table}\n')  # fmt: skip
    with pytest.raises(InputError) as e:
        load_scenario(f)
    assert message in str(e.value), str(e.value)
    assert "x.toml" in str(e.value)


def test_part_of_another_year_by_weather_year(tmp_path: Path) -> None:
    """A file of March 2019 only, mapped with weather_year = 2019 onto a March 2025 week:
    each study hour takes 2019's value at its local month, day and hour; a June week is
    refused, naming the 2019 hour it would need and the file's span."""
    utc = pd.date_range("2019-03-01", "2019-04-01", freq="h", inclusive="left", tz="UTC")
    kw = np.random.default_rng(10).uniform(0, 1, len(utc))
    files = {z: write_ninja(tmp_path / f"m_{z}.csv", utc, kw) for z in ZONES}
    src = WeatherSource("ninja", files=files)
    week = pd.date_range("2025-03-17", "2025-03-24", freq="h", tz=TZ, inclusive="left")
    out = read_weather_cf(src, "wind_cf", week, weather_year=2019)["south"]
    by_local = pd.Series(kw, index=utc.tz_convert(TZ))
    np.testing.assert_array_equal(out.to_numpy(), by_local[[t.replace(year=2019) for t in week]].to_numpy())  # fmt: skip
    june = pd.date_range("2025-06-02", periods=24, freq="h", tz=TZ)
    with pytest.raises(InputError) as e:
        read_weather_cf(src, "wind_cf", june, weather_year=2019)
    assert (
        "m_north.csv: wind_cf 'north': time has no value for 2019-06-01 16:00 UTC (the weather "
        "year 2019), which the study hour 2025-06-02 00:00+08:00 takes: the file runs "
        "2019-03-01 00:00 UTC to 2019-03-31 23:00 UTC"
    ) in str(e.value)
