"""Readers for users' own profiles: resampling, time zones, and error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridsim.cases.ningxia.zones import ZONES as NINGXIA_ZONES
from gridsim.errors import InputError
from gridsim.profiles import read_profile, snapshots
from gridsim.profiles.calendar import TZ

ZONES = [z.name for z in NINGXIA_ZONES]


def _hourly_frame(year: int = 2025, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    snaps = snapshots(year)
    values = rng.uniform(100.0, 900.0, size=(len(snaps), len(ZONES)))
    return pd.DataFrame(values, index=snaps, columns=ZONES)


def _write_csv(path, frame: pd.DataFrame, naive: bool = True, columns=None) -> None:
    out = frame.copy()
    if columns is not None:
        out.columns = columns
    if naive:
        text = out.index.tz_localize(None).strftime("%Y-%m-%d %H:%M")
    else:
        text = out.index.strftime("%Y-%m-%dT%H:%M:%S%z")  # e.g. +0000
    out.insert(0, "timestamp", text)
    out.to_csv(path, index=False)


def test_hourly_csv_with_naive_timestamps_is_shanghai_time(tmp_path):
    frame = _hourly_frame()
    path = tmp_path / "load.csv"
    _write_csv(path, frame)
    got = read_profile(path, "load_mw")
    assert got.index.equals(snapshots(2025))
    assert str(got.index.tz) == TZ
    np.testing.assert_allclose(got.to_numpy(), frame.to_numpy(), rtol=1e-12)


def test_aware_timestamps_are_converted(tmp_path):
    frame = _hourly_frame(seed=1)
    utc = frame.copy()
    utc.index = frame.index.tz_convert("UTC")
    path = tmp_path / "load_utc.csv"
    _write_csv(path, utc, naive=False)
    got = read_profile(path, "load_mw")
    np.testing.assert_allclose(got.to_numpy(), frame.to_numpy(), rtol=1e-12)
    # and naive UTC timestamps when told so
    path2 = tmp_path / "load_naive_utc.csv"
    _write_csv(path2, utc, naive=True)
    got2 = read_profile(path2, "load_mw", naive_tz="UTC")
    np.testing.assert_allclose(got2.to_numpy(), frame.to_numpy(), rtol=1e-12)


def test_quarter_hour_data_average_to_hourly_means(tmp_path):
    rng = np.random.default_rng(5)
    quarters = pd.date_range("2025-01-01", "2026-01-01", freq="15min", tz=TZ, inclusive="left")
    values = rng.uniform(0.0, 1.0, size=(len(quarters), 2))
    frame = pd.DataFrame(values, index=quarters, columns=["north", "south_cf"])
    path = tmp_path / "wind_15min.csv"
    _write_csv(path, frame)
    got = read_profile(path, "wind_cf", zones=["north", "south"])
    expected = values.reshape(-1, 4, 2).mean(axis=1)
    assert list(got.columns) == ["north", "south"]
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12)
    # back to quarter-hours: each hour is held, so its mean is unchanged
    fine = read_profile(path, "wind_cf", zones=["north", "south"], step="15min")
    assert len(fine) == len(quarters)
    np.testing.assert_allclose(fine.to_numpy().reshape(-1, 4, 2).mean(axis=1), expected)


def test_parquet_with_index_and_units(tmp_path):
    frame = _hourly_frame(seed=2) / 1000.0  # in GW
    frame.columns = [f"{z}_gw" for z in ZONES]
    path = tmp_path / "load.parquet"
    frame.to_parquet(path)
    got = read_profile(path, "load_mw")
    np.testing.assert_allclose(got.to_numpy(), frame.to_numpy() * 1000.0, rtol=1e-12)
    assert list(got.columns) == ZONES


def test_province_wide_load_is_split_by_zone_shares(tmp_path):
    snaps = snapshots(2020)
    total = np.linspace(9000.0, 14000.0, len(snaps))
    path = tmp_path / "province.csv"
    _write_csv(path, pd.DataFrame({"load_mw": total}, index=snaps))
    got = read_profile(path, "load_mw")
    assert got.shape == (8784, 4)
    np.testing.assert_allclose(got.sum(axis=1).to_numpy(), total, rtol=1e-12)
    shares = got.sum() / got.to_numpy().sum()
    for zone in NINGXIA_ZONES:
        assert shares[zone.name] == pytest.approx(zone.load_share)


def test_heating_flags_from_zero_one(tmp_path):
    snaps = snapshots(2025)
    flags = (snaps.month <= 3).astype(int)
    path = tmp_path / "heating.csv"
    _write_csv(path, pd.DataFrame({"north": flags, "south": flags}, index=snaps))
    got = read_profile(path, "heating", zones=["north", "south"])
    assert got.dtypes.eq(bool).all()
    assert got["north"].sum() == flags.sum()


# --- errors name file, element, field and value -------------------------------------


def _error(path, kind: str = "load_mw", **kwargs) -> str:
    with pytest.raises(InputError) as info:
        read_profile(path, kind, **kwargs)
    return str(info.value)


def test_gap_is_reported_with_its_time(tmp_path):
    frame = _hourly_frame().drop(pd.Timestamp("2025-03-01 05:00", tz=TZ))
    path = tmp_path / "gappy.csv"
    _write_csv(path, frame)
    msg = _error(path)
    assert str(path) in msg and "timestamp" in msg and "gap" in msg
    assert "2025-03-01 04:00" in msg and "2025-03-01 06:00" in msg


def test_nan_is_reported_with_column_and_time(tmp_path):
    frame = _hourly_frame()
    frame.iloc[100, 2] = np.nan
    path = tmp_path / "nan.csv"
    _write_csv(path, frame)
    msg = _error(path)
    assert str(path) in msg and "load_mw 'central'" in msg and "NaN" in msg
    assert "2025-01-05 04:00" in msg


def test_negative_value_is_reported(tmp_path):
    frame = _hourly_frame()
    frame.iloc[10, 0] = -3.25
    path = tmp_path / "neg.csv"
    _write_csv(path, frame)
    msg = _error(path)
    assert "load_mw 'north'" in msg and ">= 0" in msg and "-3.25" in msg


def test_capacity_factor_above_one_is_reported(tmp_path):
    frame = _hourly_frame() / 1000.0
    frame.iloc[7, 1] = 1.5
    path = tmp_path / "cf.csv"
    _write_csv(path, frame)
    msg = _error(path, "solar_cf")
    assert "solar_cf 'east'" in msg and "<= 1" in msg and "1.5" in msg


def test_wrong_length_is_reported(tmp_path):
    frame = _hourly_frame().iloc[:-24]
    path = tmp_path / "short.csv"
    _write_csv(path, frame)
    msg = _error(path)
    assert "length" in msg and "8760" in msg and "8736" in msg
    frame_2020 = _hourly_frame(2025)
    path2 = tmp_path / "year.csv"
    _write_csv(path2, frame_2020)
    assert "8784" in _error(path2, year=2020)


def test_unknown_zone_and_unit_are_named(tmp_path):
    frame = _hourly_frame()
    path = tmp_path / "typo.csv"
    _write_csv(path, frame, columns=["north", "nroth", "central", "south"])
    msg = _error(path)
    assert "'nroth'" in msg and "north, east, central, south" in msg
    path2 = tmp_path / "unit.csv"
    _write_csv(path2, frame, columns=["north_mw", "east_tw", "central_mw", "south_mw"])
    msg2 = _error(path2)
    assert "'east_tw'" in msg2 and "unit 'tw'" in msg2 and "mw, kw, gw" in msg2


def test_missing_timestamp_column_and_bad_dates(tmp_path):
    path = tmp_path / "no_time.csv"
    pd.DataFrame({"when": ["2025-01-01 00:00"], "north": [1.0]}).to_csv(path, index=False)
    msg = _error(path)
    assert "timestamp column" in msg and "when" in msg
    frame = _hourly_frame()
    path2 = tmp_path / "bad_date.csv"
    _write_csv(path2, frame)
    text = path2.read_text().splitlines()
    text[3] = "yesterday" + text[3][text[3].index(",") :]
    path2.write_text("\n".join(text) + "\n")
    msg2 = _error(path2)
    assert "is not a date-time" in msg2 and "'yesterday'" in msg2


def test_incomplete_quarter_hours_are_reported(tmp_path):
    quarters = pd.date_range(
        "2025-01-01 00:15", "2026-01-01", freq="15min", tz=TZ, inclusive="left"
    )
    frame = pd.DataFrame({"north": np.ones(len(quarters))}, index=quarters)
    path = tmp_path / "partial.csv"
    _write_csv(path, frame)
    msg = _error(path, "wind_cf", zones=["north"])
    assert "2025-01-01 00:00" in msg and "3 of 4 quarter-hours" in msg


def test_unknown_kind_is_named(tmp_path):
    path = tmp_path / "x.csv"
    _write_csv(path, _hourly_frame())
    assert "'hydro_cf'" in _error(path, "hydro_cf")


def test_hour_ending_labels_get_a_hint(tmp_path):
    frame = _hourly_frame()
    frame.index = frame.index + pd.Timedelta(hours=1)
    path = tmp_path / "hour_ending.csv"
    _write_csv(path, frame)
    msg = _error(path)
    assert "hour-ending" in msg and "2026-01-01 00:00" in msg
