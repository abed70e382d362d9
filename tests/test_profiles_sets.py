"""Profile sets with only the tables a scenario uses, series per element and a stretch
of hours instead of a calendar year: written, read back and checked."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.errors import InputError
from gridsim.profiles import ProfileSet

TZ = "Asia/Shanghai"


def _week_set() -> ProfileSet:
    """168 hours from 2025-03-17, load per load and wind per generator, no other table."""
    snaps = pd.date_range("2025-03-17", periods=168, freq="h", tz=TZ, name="snapshot")
    rng = np.random.default_rng(3)
    wind = pd.DataFrame(rng.random((168, 2)), index=snaps, columns=["farm_a", "farm_b"])
    load = pd.DataFrame({"town": 100 + 10 * rng.random(168)}, index=snaps)
    return ProfileSet(
        snaps,
        wind_cf=wind,
        load_mw=load,
        meta={"elements": {"wind_cf": ["farm_a", "farm_b"], "load_mw": ["town"]}},
    )


def test_partial_set_round_trips(tmp_path: Path) -> None:
    ps = _week_set()
    assert ps.kinds == ("wind_cf", "load_mw")
    assert ps.solar_cf.shape == (168, 0) and ps.heating.shape == (168, 0)
    assert ps.year_hours == 8760
    ps.to_dir(tmp_path / "set")
    assert sorted(p.name for p in (tmp_path / "set").iterdir()) == [
        "load_mw.parquet",
        "meta.json",
        "wind_cf.parquet",
    ]
    meta = json.loads((tmp_path / "set" / "meta.json").read_text(encoding="utf-8"))
    assert meta["tables"] == ["wind_cf", "load_mw"] and meta["hours"] == 168
    assert meta["start"] == "2025-03-17T00:00:00+08:00" and meta["year"] == 2025
    back = ProfileSet.from_dir(tmp_path / "set")
    assert back.snapshots.equals(ps.snapshots) and back.kinds == ps.kinds
    pd.testing.assert_frame_equal(back.wind_cf, ps.wind_cf, check_freq=False)
    pd.testing.assert_frame_equal(back.load_mw, ps.load_mw, check_freq=False)
    assert back.hashes() == ps.hashes() and set(back.hashes()) == {"wind_cf", "load_mw"}


def _broken(tmp_path: Path, change) -> Path:
    d = _week_set().to_dir(tmp_path / "set")
    change(d)
    return d


def _meta(update):
    def apply(d: Path) -> None:
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
        update(meta)
        (d / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

    return apply


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        (lambda d: (d / "wind_cf.parquet").unlink(), ("wind_cf.parquet", "missing")),
        (
            _meta(lambda m: m.update(tables=["wind_cf", "solar_cf", "load_mw"])),
            ("solar_cf.parquet", "missing"),
        ),  # fmt: skip
        (_meta(lambda m: m.update(tables=["wind"])), ("meta.json", "tables", "profile kinds")),
        (_meta(lambda m: m.update(tables=[])), ("meta.json", "tables")),
        (_meta(lambda m: m.update(hours=200)), ("wind_cf.parquet", "200 hours", "168 rows")),
        (_meta(lambda m: m.update(hours=0)), ("meta.json", "hours", "> 0")),
        (_meta(lambda m: m.update(start="next monday")), ("meta.json", "start", "ISO")),
        (_meta(lambda m: m.update(year=2024)), ("meta.json", "year", "2024")),
        (
            _meta(lambda m: m.update(elements={"wind_cf": ["farm_a", "farm_c"]})),
            ("wind_cf.parquet", "farm_c", "elements"),
        ),  # fmt: skip
        (_meta(lambda m: m.update(elements=["farm_a"])), ("meta.json", "elements")),
        # a column that is no element of meta.json is a zone, and the zone tables must agree
        (
            _meta(lambda m: m.update(elements={"load_mw": ["town"]})),
            ("load_mw", "farm_a", "missing"),
        ),  # fmt: skip
        (_meta(lambda m: m.update(zones=["north"])), ("wind_cf.parquet", "north", "missing")),
    ],
)
def test_broken_partial_set_names_the_problem(tmp_path: Path, change, needles) -> None:
    d = _broken(tmp_path, change)
    with pytest.raises(InputError) as info:
        ProfileSet.from_dir(d)
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))


def test_hours_that_are_not_consecutive_are_not_written(tmp_path: Path) -> None:
    ps = _week_set()
    keep = np.ones(168, bool)
    keep[5] = False
    gap = ProfileSet(ps.snapshots[keep], wind_cf=ps.wind_cf[keep], load_mw=ps.load_mw[keep])
    with pytest.raises(InputError, match="consecutive hours"):
        gap.to_dir(tmp_path / "gap")


def test_users_files_may_hold_series_per_element(tmp_path: Path) -> None:
    """read_profile keeps columns named after elements beside the zone columns; a file of
    element columns only needs no zone column; without ``elements`` they are unknown."""
    from gridsim.profiles import read_profile, snapshots

    snaps = snapshots(2025)
    rng = np.random.default_rng(5)
    zones = ["north", "east", "central", "south"]
    frame = pd.DataFrame(rng.random((len(snaps), 5)), columns=[*zones, "Farm A"])
    frame.insert(0, "timestamp", snaps.tz_localize(None).strftime("%Y-%m-%d %H:%M"))
    frame.to_csv(tmp_path / "wind.csv", index=False)
    got = read_profile(tmp_path / "wind.csv", "wind_cf", elements=["Farm A", "Farm B"])
    assert list(got.columns) == [*zones, "Farm A"]
    np.testing.assert_allclose(got["Farm A"], frame["Farm A"], rtol=1e-12)
    with pytest.raises(InputError, match=r"wind_cf 'Farm A': column is not a known zone"):
        read_profile(tmp_path / "wind.csv", "wind_cf")
    frame[["timestamp", "Farm A"]].rename(columns={"Farm A": "factory"}).assign(factory=lambda f: 800 * f.factory).to_csv(tmp_path / "load.csv", index=False)  # fmt: skip
    load = read_profile(tmp_path / "load.csv", "load_mw", elements=["factory"])
    assert list(load.columns) == ["factory"]
    frame[["timestamp", "north", "Farm A"]].to_csv(tmp_path / "part.csv", index=False)
    with pytest.raises(InputError, match=r"wind_cf 'east': column is missing"):
        read_profile(tmp_path / "part.csv", "wind_cf", elements=["Farm A"])
