"""A past year's published inputs: capacity factors rescaled to monthly full-load hours,
and a fuel's fleet in service at its monthly capacity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.errors import InputError
from gridsim.profiles.monthly import scale_to_monthly_flh
from gridsim.scenario import load_scenario
from gridsim.studies.balance import prepare_network, prepare_problem, prepare_profiles

FLH = [150.0, 140.0, 180.0, 200.0, 190.0, 150.0, 160.0, 150.0, 130.0, 120.0, 140.0, 90.0]


def _cf(seed: int = 0) -> pd.DataFrame:
    idx = pd.date_range("2021-01-01", "2022-01-01", freq="h", inclusive="left", tz="Asia/Shanghai")  # fmt: skip
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.beta(0.8, 3.0, (len(idx), 3)), index=idx, columns=["a", "b", "c"])


def test_monthly_hours_are_met_and_factors_stay_within_one() -> None:
    cf = _cf()
    flh = [*FLH[:3], 620.0, *FLH[4:]]  # April needs factors clipped at 1 (620 of 720 h)
    out = scale_to_monthly_flh(cf, flh)
    monthly = out.groupby(out.index.month).sum().mean(axis=1)
    np.testing.assert_allclose(monthly.to_numpy(), flh, rtol=1e-9)
    assert out.to_numpy().max() <= 1.0 and out.to_numpy().min() >= 0.0
    assert (out.loc["2021-04"].to_numpy() == 1.0).any()
    # a month's hourly shape is kept where nothing is clipped
    may = (out.loc["2021-05"] / cf.loc["2021-05"]).to_numpy()
    assert np.ptp(may[out.loc["2021-05"].to_numpy() < 1.0]) < 1e-12


def test_partial_month_aims_pro_rata() -> None:
    cf = _cf().loc["2021-03-01":"2021-03-10"]  # 10 of 31 days
    out = scale_to_monthly_flh(cf, FLH)
    assert out.sum().mean() == pytest.approx(FLH[2] * 10 / 31, rel=1e-9)


@pytest.mark.parametrize("flh", [FLH[:11], [*FLH[:11], -1.0], [*FLH[:3], 800.0, *FLH[4:]]])
def test_bad_monthly_hours_raise(flh: list[float]) -> None:
    with pytest.raises(InputError, match="monthly_flh"):
        scale_to_monthly_flh(_cf(), flh)


def _week(tmp_path: Path, body: str) -> Path:
    f = tmp_path / "s.toml"
    f.write_text('base = "ningxia_2025_week"\n' + body)
    return f


def test_scenario_rescales_profiles_and_fleets(tmp_path: Path) -> None:
    monthly_mw = [20000.0 + 500.0 * m for m in range(12)]
    sc = load_scenario(
        _week(
            tmp_path,
            f"""
[profiles]
wind_monthly_flh = {FLH}
[network.overrides]
wind_monthly_mw = {monthly_mw}
""",
        )
    )
    prof, hours = prepare_profiles(sc)
    base_prof, _ = prepare_profiles(load_scenario("ningxia_2025_week"))
    # the week (17-24 March) is cut from the year rescaled month by month
    full = load_scenario("ningxia_2025")
    raw, _ = prepare_profiles(full)
    march = raw.wind_cf.loc["2025-03"]
    factor = FLH[2] / march.sum().mean()
    np.testing.assert_allclose(prof.wind_cf.to_numpy(), np.clip(base_prof.wind_cf.to_numpy() * factor, 0, 1), rtol=1e-9)  # fmt: skip
    net = prepare_network(sc)
    p = prepare_problem(sc, net, prof, hours)
    wind = p.renewable.fuel == "wind"
    total = float(net.gen.max_p_mw[net.gen.fuel == "wind"].sum())
    cap = p.renewable.capacity_mw[wind]
    # every wind unit is in service at March's share of the fleet: 21,000 MW in all
    avail = p.renewable.available_mw[:, wind]
    cf_unit = avail / cap
    np.testing.assert_allclose(avail.sum(axis=1), (cf_unit * cap * 1.0).sum(axis=1))
    assert (avail / (cap * monthly_mw[2] / total)).max() <= 1.0 + 1e-12
    np.testing.assert_allclose((cap * monthly_mw[2] / total).sum(), monthly_mw[2])


def test_bad_fleet_months_name_the_field(tmp_path: Path) -> None:
    sc = load_scenario(_week(tmp_path, "[network.overrides]\nwind_monthly_mw = [1.0, 2.0]\n"))
    with pytest.raises(InputError, match=r"network.overrides.wind_monthly_mw must have 12 values"):
        prepare_network(sc)
