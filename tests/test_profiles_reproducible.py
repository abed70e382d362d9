"""The reproducibility promise of profiles/README.md: a shipped profile set made again
from its year and seed equals the shipped Parquet files to 1e-12 (capacity factors,
export schedules and heating flags absolute, loads relative), on any machine; on one
machine two generations are bit for bit the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.profiles import generate_profiles

PROFILES = Path(__file__).resolve().parents[1] / "profiles"
TOL = 1e-12
#: Table -> (rtol, atol) of the promise.
PROMISE = {
    "wind_cf": (0.0, TOL),
    "solar_cf": (0.0, TOL),
    "export_pu": (0.0, TOL),
    "heating": (0.0, 0.0),
    "load_mw": (TOL, 0.0),
}


@pytest.mark.parametrize("name", ["ningxia_2020_seed1", "ningxia_2025_seed1"])
def test_regenerated_set_equals_the_shipped_parquet_to_1e_12(name: str) -> None:
    import json

    meta = json.loads((PROFILES / name / "meta.json").read_text(encoding="utf-8"))
    opts = meta.get("options") or {}
    again = generate_profiles(
        int(meta["year"]),
        int(meta["seed"]),
        demand_twh=float(meta["energy_twh"]),
        tracking=bool(opts.get("tracking", False)),
        solar_bump=bool(opts.get("solar_bump", False)),
    )
    for kind, (rtol, atol) in PROMISE.items():
        shipped = pd.read_parquet(PROFILES / name / f"{kind}.parquet").set_index("snapshot")
        mine = again.table(kind)
        assert list(mine.columns) == list(shipped.columns), kind
        assert len(mine) == len(shipped) == meta["hours"], kind
        np.testing.assert_array_equal(mine.index.asi8, pd.DatetimeIndex(shipped.index).asi8)
        np.testing.assert_allclose(mine.to_numpy(float), shipped.to_numpy(float), rtol=rtol, atol=atol, err_msg=f"{name}/{kind}")  # fmt: skip


def test_one_machine_bit_for_bit() -> None:
    a, b = generate_profiles(2025, 7), generate_profiles(2025, 7)
    assert a.hashes() == b.hashes()
    for kind in PROMISE:
        assert np.array_equal(a.table(kind).to_numpy(), b.table(kind).to_numpy()), kind


def test_readme_states_the_promise() -> None:
    text = " ".join((PROFILES / "README.md").read_text(encoding="utf-8").split())
    assert "On one machine, bit for bit." in text
    assert "Across machines, equal to 1e-12." in text
    assert "tests/test_profiles_reproducible.py" in text
