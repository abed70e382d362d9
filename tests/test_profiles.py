"""Hourly profiles: physics checks, calibration against the reference, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
from scipy import special, stats

from gridsim.cases.ningxia.zones import ZONES as NINGXIA_ZONES
from gridsim.profiles import (
    DEMAND_TWH,
    ProfileSet,
    PVSystem,
    WindSpeedParams,
    climate,
    generate_profiles,
    snapshots,
    solar,
    stochastic,
    windspeed,
    write_profiles,
)
from gridsim.profiles.calendar import TZ
from gridsim.profiles.exports import export_schedule_pu
from gridsim.profiles.load import PIK_SHAPE_FILE, zone_load_mw
from gridsim.profiles.wind import WindFarm, wind_capacity_factor
from gridsim.profiles.zones import links_in_service, zone_by_name

PLAINS = ["north", "east", "central"]


@pytest.fixture(scope="module")
def p2025() -> ProfileSet:
    return generate_profiles(2025, 1)


@pytest.fixture(scope="module")
def p2020() -> ProfileSet:
    return generate_profiles(2020, 1)


# --- calendar -------------------------------------------------------------------


def test_snapshots_follow_the_calendar_in_shanghai_time():
    s2020, s2025 = snapshots(2020), snapshots(2025)
    assert len(s2020) == 366 * 24 == 8784
    assert len(s2025) == 365 * 24 == 8760
    assert str(s2025.tz) == TZ
    assert s2025[0] == pd.Timestamp("2025-01-01 00:00", tz=TZ)
    assert s2025[-1] == pd.Timestamp("2025-12-31 23:00", tz=TZ)
    assert (np.diff(s2020.asi8) == 3600 * 10**9).all()
    assert (s2025.tz_convert("UTC")[0]) == pd.Timestamp("2024-12-31 16:00", tz="UTC")


def test_profile_tables_share_the_snapshots(p2020):
    for kind in ("wind_cf", "solar_cf", "load_mw", "heating"):
        table = getattr(p2020, kind)
        assert table.index.equals(p2020.snapshots)
        assert list(table.columns) == ["north", "east", "central", "south"]
    assert p2020.export_pu.shape == (8784, 3)


# --- solar ----------------------------------------------------------------------


@pytest.mark.parametrize("zone_name", ["north", "south"])
def test_clear_sky_peak_within_analytical_bounds(zone_name):
    zone = zone_by_name(zone_name)
    snaps = snapshots(2025)
    solpos, cs = solar.clear_sky(snaps, zone)
    cos_z = np.cos(np.radians(solpos["apparent_zenith"].to_numpy()))
    # Bound 1: below the extraterrestrial irradiance on the horizontal plane.
    e0 = 1361.0 * (1 + 0.034 * np.cos(2 * np.pi * solpos.index.dayofyear / 365.25))
    assert (cs["ghi"].to_numpy() <= e0 * np.clip(cos_z, 0, None) + 1e-6).all()
    # Bound 2: the annual peak of Haurwitz's cloudless-sky formula, +-15 %.
    haurwitz = 1098.0 * cos_z * np.exp(-0.057 / np.clip(cos_z, 1e-3, None))
    peak, peak_h = cs["ghi"].max(), haurwitz[cos_z > 0].max()
    assert 0.85 * peak_h < peak < 1.15 * peak_h
    # Summer-solstice noon sun: zenith = latitude - 23.44 deg; hour midpoints
    # fall up to ~35 min from solar noon at 106 E, so the sampled minimum is a bit higher.
    noon_zenith = zone.lat_deg - 23.44
    assert noon_zenith - 0.1 < solpos["zenith"].min() < noon_zenith + 2.0


def test_solar_zero_when_sun_below_horizon_all_hour(p2025):
    for name in p2025.solar_cf.columns:
        zone = zone_by_name(name)
        # independent ephemeris: sun elevation at the start and end of each hour
        start = pvlib.solarposition.get_solarposition(
            p2025.snapshots, zone.lat_deg, zone.lon_deg, method="ephemeris"
        )["elevation"].to_numpy()
        end = np.roll(start, -1)
        night = (start < 0) & (end < 0)
        cf = p2025.solar_cf[name].to_numpy()
        assert night.sum() > 3000
        assert (cf[night] == 0).all()
        high_sun = (start > 20) & (end > 20)
        assert (cf[high_sun] > 0).mean() > 0.99


def test_pv_inverter_clips_at_ac_rating_and_tracking_gains():
    snaps = snapshots(2025)
    zones = [zone_by_name("east")]
    kc = np.full((len(snaps), 1), 0.95)
    temp = climate.ambient_temperature_c(snaps, zones)
    wind = np.full((len(snaps), 1), 3.0)
    base = solar.solar_capacity_factor(snaps, zones, kc, temp, wind, PVSystem())
    over = solar.solar_capacity_factor(snaps, zones, kc, temp, wind, PVSystem(dc_ac_ratio=1.4))
    track = solar.solar_capacity_factor(snaps, zones, kc, temp, wind, PVSystem(tracking=True))
    assert over.max() == 1.0
    assert (over >= base - 1e-12).all()
    clipped = over == 1.0
    assert clipped.sum() > 100
    assert over.sum() < 1.4 * base.sum()  # clipping lost energy
    assert 1.08 < track.sum() / base.sum() < 1.30  # single-axis gain at 38 N, clear sky


def test_pv_full_load_hours_in_calibrated_range(p2025, p2020):
    for p in (p2025, p2020):
        flh = p.solar_cf.sum()
        for zone in PLAINS:
            assert 1450 <= flh[zone] <= 1600, (p.meta["year"], zone, flh[zone])
        # the Guyuan mountains are cloudier (2,400-2,500 sunshine hours vs ~2,900)
        assert 1200 <= flh["south"] < flh[PLAINS].min()
    cf = p2025.solar_cf[PLAINS].to_numpy().mean()
    assert 0.165 <= cf <= 0.18


# --- wind -----------------------------------------------------------------------


def _ten_year_speeds(params: WindSpeedParams, seed: int = 7):
    snaps = pd.date_range("2030-01-01", "2040-01-01", freq="h", tz=TZ, inclusive="left")
    rng = stochastic.component_rng(seed, "wind")
    return snaps, windspeed.wind_speed_10m(snaps, NINGXIA_ZONES, params, rng)


def test_wind_speed_weibull_fit_and_mean():
    params = WindSpeedParams()
    snaps, v10 = _ten_year_speeds(params)
    scale = windspeed.weibull_scale_10m(snaps, params) * windspeed.speed_modulation(snaps, params)
    standardised = (v10 / scale[:, None]).ravel()
    k_fit, _, c_fit = stats.weibull_min.fit(standardised, floc=0)
    assert k_fit == pytest.approx(params.weibull_k, rel=0.05)
    assert c_fit == pytest.approx(1.0, rel=0.03)
    v70 = windspeed.speed_at_height(v10, 70.0, snaps, params)
    assert v70.mean() == pytest.approx(5.65, rel=0.03)
    # spring (Mar-May) windier than late summer (Aug-Sep) at 10 m
    month = snaps.month
    spring = v10[np.isin(month, [3, 4, 5])].mean()
    late_summer = v10[np.isin(month, [8, 9])].mean()
    assert spring > 1.2 * late_summer


def test_wind_spatial_correlation_matches_design():
    params = WindSpeedParams()
    snaps, v10 = _ten_year_speeds(params, seed=11)
    scale = windspeed.weibull_scale_10m(snaps, params) * windspeed.speed_modulation(snaps, params)
    x = v10 / scale[:, None]
    latent = special.ndtri(1.0 - np.exp(-(x**params.weibull_k)))
    target = windspeed.spatial_correlation(NINGXIA_ZONES, params)
    assert np.abs(np.corrcoef(latent.T) - target).max() < 0.06
    # the design itself: neighbours (~95 km) strongly, far zones (~280 km) weakly correlated
    names = [z.name for z in NINGXIA_ZONES]
    ne = target[names.index("north"), names.index("east")]
    ns = target[names.index("north"), names.index("south")]
    assert 0.6 < ne < 0.8 and 0.3 < ns < 0.55
    # hourly lag-1 autocorrelation of a zone aggregate
    assert 0.9 < np.corrcoef(latent[1:, 0], latent[:-1, 0])[0, 1] < 0.97


def test_wind_cf_correlation_decreases_with_distance(p2025):
    corr = p2025.wind_cf.corr()
    assert 0.5 < corr.loc["north", "east"] < 0.85
    assert 0.25 < corr.loc["north", "south"] < 0.6
    assert corr.loc["north", "south"] < corr.loc["north", "east"]


def test_wind_power_curve_and_density():
    speeds = np.array([[0.0], [2.0], [8.0], [13.0], [22.0], [45.0]])
    farm = WindFarm()
    sea = wind_capacity_factor(speeds, np.full(speeds.shape, 1.225), farm)[:, 0]
    high = wind_capacity_factor(speeds, np.full(speeds.shape, 1.00), farm)[:, 0]
    assert sea[0] < 1e-6 and sea[-1] == 0  # calm; beyond storm cut-out
    assert sea[1] < 0.02 and 0.3 < sea[2] < 0.7 and sea[3] > 0.8
    assert (np.diff(sea[:4]) > 0).all()
    assert high[2] < sea[2]  # thinner air, less power below rated
    assert sea.max() <= farm.availability * farm.electrical_efficiency * farm.performance_factor


def test_wind_full_load_hours_in_calibrated_range(p2025):
    flh = p2025.wind_cf.sum()
    assert 1700 <= flh.mean() <= 2000, flh.to_dict()
    assert ((flh > 1550) & (flh < 2150)).all(), flh.to_dict()
    # Monte Carlo over weather seeds, wind only (cheap): the centre is in range
    snaps = snapshots(2025)
    params, farm = WindSpeedParams(), WindFarm()
    temp = climate.ambient_temperature_c(snaps, NINGXIA_ZONES)
    alt = np.array([z.altitude_m for z in NINGXIA_ZONES]) + farm.hub_height_m
    rho = climate.air_density_kg_m3(alt, temp)
    means = []
    for seed in range(2, 8):
        v10 = windspeed.wind_speed_10m(
            snaps, NINGXIA_ZONES, params, stochastic.component_rng(seed, "wind")
        )
        v_hub = windspeed.speed_at_height(v10, farm.hub_height_m, snaps, params)
        means.append(wind_capacity_factor(v_hub, rho, farm).sum(axis=0).mean())
    assert 1750 <= np.mean(means) <= 1950
    assert np.std(means) > 20  # weather years differ


def test_wind_night_maximum_at_hub_height(p2025):
    by_hour = p2025.wind_cf.mean(axis=1).groupby(p2025.snapshots.hour).mean()
    assert by_hour[[0, 1, 2, 3, 4]].mean() > by_hour[[12, 13, 14, 15, 16]].mean()


# --- load -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "demand_twh"), [(2020, 103.82), (2025, 125.0), (2025, 144.0), (2024, 120.5)]
)
def test_load_annual_energy_equals_target(year, demand_twh):
    load = zone_load_mw(snapshots(year), NINGXIA_ZONES, demand_twh)
    assert load.shape == (len(snapshots(year)), 4)
    assert load.sum() / 1e6 == pytest.approx(demand_twh, rel=1e-12)


def test_generated_load_uses_the_plan_demand(p2020, p2025):
    assert p2020.load_mw.to_numpy().sum() / 1e6 == pytest.approx(103.82, rel=1e-12)
    assert p2025.load_mw.to_numpy().sum() / 1e6 == pytest.approx(125.0, rel=1e-12)
    assert (p2020.meta["energy_twh"], p2025.meta["energy_twh"]) == (103.82, 125.0)
    assert DEMAND_TWH[(2025, "high")] == 144.0


def test_load_shape_matches_reference(p2025, p2020):
    pik = pd.read_csv(PIK_SHAPE_FILE)["load_mw"].to_numpy()
    for p in (p2025, p2020):
        total = p.load_mw.sum(axis=1)
        assert total.mean() / total.max() == pytest.approx(0.83, abs=0.02)
        monthly = total.groupby(total.index.month).mean()
        ratio = monthly / monthly.mean()
        assert ratio.idxmax() == 12
        assert ratio[1] == pytest.approx(0.93, abs=0.02)
        assert ratio[12] == pytest.approx(1.10, abs=0.02)
        hourly = total.groupby(total.index.hour).mean()
        assert 17 <= hourly.idxmax() <= 22
        assert 1.04 <= hourly.max() / hourly.mean() <= 1.08
    # 2025 is the reference shape scaled; the leap day of 2020 repeats 28 February
    total25 = p2025.load_mw.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total25 / total25.sum(), pik / pik.sum(), rtol=1e-12)
    total20 = p2020.load_mw.sum(axis=1)
    np.testing.assert_array_equal(
        total20["2020-02-29"].to_numpy(), total20["2020-02-28"].to_numpy()
    )
    feb28 = slice(58 * 24, 59 * 24)
    leap_shape = np.concatenate([pik[: 59 * 24], pik[feb28], pik[59 * 24 :]])
    np.testing.assert_allclose(
        total20.to_numpy() / total20.sum(), leap_shape / leap_shape.sum(), rtol=1e-12
    )


def test_load_zone_shares_north_east_heavy(p2025):
    energy = p2025.load_mw.sum()
    share = energy / energy.sum()
    assert share.sum() == pytest.approx(1.0)
    assert share["north"] + share["east"] > 0.5
    assert share["south"] < 0.1
    peak = p2025.load_mw.sum(axis=1).max()
    assert 16_500 < peak < 18_500  # 2025: ~17-18 GW at load factor 0.82-0.83


# --- heating and exports -----------------------------------------------------------


def test_heating_season_dates(p2025):
    h = p2025.heating

    def day(d: str) -> pd.Series:
        return h.loc[d].all()

    assert day("2025-10-20")[PLAINS].all() and not day("2025-10-19")[PLAINS].any()
    assert day("2025-04-10")[PLAINS].all() and not h.loc["2025-04-11"][PLAINS].any().any()
    assert day("2025-10-15")["south"] and day("2025-04-15")["south"]
    assert not h.loc["2025-10-14", "south"].any() and not h.loc["2025-04-16", "south"].any()
    assert not h.loc["2025-05-01":"2025-09-30"].any().any()
    assert h.dtypes.eq(bool).all()
    assert h["south"].sum() > h["north"].sum()


def test_export_shapes(p2025, p2020):
    e = p2025.export_pu
    assert list(e.columns) == ["yindong", "lingshao", "ningxiang", "zhaoyi"]
    assert "ningxiang" not in p2020.export_pu.columns
    assert 0.85 <= e["yindong"].min() and e["yindong"].max() <= 1.0
    assert e["yindong"].mean() > 0.85
    for link in ("lingshao", "ningxiang", "zhaoyi"):
        by_hour = e[link].groupby(e.index.hour).mean()
        assert by_hour.max() == 1.0 and 17 <= by_hour.idxmax() <= 22
        assert 0.6 <= by_hour[[1, 2, 3, 4]].max() <= 0.7
    links = links_in_service(2025)
    bump = pd.DataFrame(
        export_schedule_pu(e.index, links, solar_bump=True),
        index=e.index,
        columns=[x.name for x in links],
    )
    assert (bump["yindong"] == e["yindong"]).all()
    noon = e.index.hour == 13
    assert (bump.loc[noon, "lingshao"] > e.loc[noon, "lingshao"] + 0.1).all()
    assert bump.to_numpy().max() <= 1.0


# --- reproducibility and files -----------------------------------------------------


def test_same_seed_bit_identical_different_seed_differs(p2025):
    again = generate_profiles(2025, 1)
    for kind in ("wind_cf", "solar_cf", "load_mw", "heating", "export_pu"):
        assert np.array_equal(getattr(again, kind).to_numpy(), getattr(p2025, kind).to_numpy())
    assert again.hashes() == p2025.hashes()
    other = generate_profiles(2025, 2)
    assert not np.array_equal(other.wind_cf.to_numpy(), p2025.wind_cf.to_numpy())
    assert not np.array_equal(other.solar_cf.to_numpy(), p2025.solar_cf.to_numpy())
    assert np.abs(other.wind_cf.to_numpy() - p2025.wind_cf.to_numpy()).mean() > 0.05
    assert other.meta["seed"] == 2 and p2025.meta["seed"] == 1


def test_write_and_read_back_bit_identical(tmp_path, p2020):
    out = p2020.to_dir(tmp_path / "set")
    back = ProfileSet.from_dir(out)
    assert back.meta["seed"] == 1 and back.meta["year"] == 2020 and back.meta["hours"] == 8784
    assert back.meta["versions"]["pvlib"] == pvlib.__version__
    for kind in ("wind_cf", "solar_cf", "load_mw", "heating", "export_pu"):
        pd.testing.assert_frame_equal(
            getattr(back, kind), getattr(p2020, kind), check_freq=False, check_names=False
        )
    assert {f.name for f in out.iterdir()} == {
        "wind_cf.parquet", "solar_cf.parquet", "load_mw.parquet", "heating.parquet",
        "export_pu.parquet", "meta.json",
    }  # fmt: skip


def test_write_profiles_for_the_cli(tmp_path, p2025):
    written = write_profiles(2025, 1, tmp_path / "north_only", zones=["north"], demand_twh=50.0)
    back = ProfileSet.from_dir(tmp_path / "north_only")
    assert back.hashes() == written.hashes()
    assert list(back.wind_cf.columns) == ["north"]
    assert back.load_mw.to_numpy().sum() == pytest.approx(50.0e6 * 0.34, rel=1e-12)
    assert back.meta["energy_twh"] == 50.0 and back.meta["seed"] == 1
    # load, heating and exports do not depend on the weather draws or the zone set
    np.testing.assert_array_equal(back.export_pu.to_numpy(), p2025.export_pu.to_numpy())


def test_shipped_load_shape_is_the_pik_file():
    shipped = Path(__file__).resolve().parents[1] / "profiles" / "ningxia_hourly_load_pik.csv"
    assert shipped.read_bytes() == PIK_SHAPE_FILE.read_bytes()


def test_shipped_profiles_regenerate(p2025, p2020):
    root = Path(__file__).resolve().parents[1] / "profiles"
    for p, name in ((p2025, "ningxia_2025_seed1"), (p2020, "ningxia_2020_seed1")):
        shipped = ProfileSet.from_dir(root / name)
        assert shipped.meta["seed"] == 1 and shipped.meta["year"] == p.meta["year"]
        for kind in ("wind_cf", "solar_cf", "load_mw", "heating", "export_pu"):
            # bit-identical with the recorded library versions; close across versions
            np.testing.assert_allclose(
                getattr(shipped, kind).to_numpy(dtype=float),
                getattr(p, kind).to_numpy(dtype=float),
                rtol=1e-9,
                atol=1e-12,
            )


def test_zone_load_shares_match_the_network():
    tomllib = pytest.importorskip("tomllib")
    path = Path(__file__).resolve().parents[1] / "networks" / "ningxia_2025.toml"
    if not path.is_file():
        pytest.skip("network file not present")
    zones = tomllib.loads(path.read_text())["network"]["meta"]["zones"]
    for zone in NINGXIA_ZONES:
        assert zones[zone.name]["load_share"] == pytest.approx(zone.load_share)


def test_rows_cuts_every_table_and_the_heat_load() -> None:
    from gridsim.profiles.heating import heat_load_table

    p = generate_profiles(2025, 1, demand_twh=125.0)
    p.heat_load_pu = heat_load_table(p.heating)
    keep = (p.snapshots.month == 3) & (p.snapshots.day < 8)
    cut = p.rows(keep)
    assert len(cut.snapshots) == 7 * 24
    for kind in ("wind_cf", "solar_cf", "load_mw", "heating", "export_pu"):
        pd.testing.assert_frame_equal(cut.table(kind), p.table(kind)[keep])
    assert cut.heat_load_pu is not None
    pd.testing.assert_frame_equal(cut.heat_load_pu, p.heat_load_pu[keep])
