"""Calibration: the ``ningxia_2020`` scenario reproduces the plan's 2020 figures.

Plan (宁夏"十四五"能源规划, reference section 0): generation 188.2 TWh, exports
79.4 TWh, new-energy share of generation 17.7 %, new-energy utilisation 97.6 %.
The knobs and why they are plausible are in scenarios/README.md. A full year
(8,784 h, leap year) takes about 10-20 s, so this runs by default; the 2025
full year is marked slow.
"""

from __future__ import annotations

import pytest

from gridsim.studies.balance import BalanceResult, run_balance

PLAN_2020 = {
    "generation_twh": 188.2,
    "exports_twh": 79.4,
    "new_energy_share": 0.177,
    "utilisation": 0.976,
}


@pytest.fixture(scope="module")
def year_2020() -> BalanceResult:
    res = run_balance("ningxia_2020")
    assert res.ok, res.dispatch.diagnosis
    return res


def test_full_leap_year(year_2020: BalanceResult) -> None:
    assert year_2020.dispatch.problem.T == 8784
    assert year_2020.kpis["solver"]["solved_hours"] == 8784
    assert year_2020.kpis["unserved_mwh"] == 0.0


def test_generation(year_2020: BalanceResult) -> None:
    twh = year_2020.kpis["generation_mwh"]["total"] / 1e6
    assert twh == pytest.approx(PLAN_2020["generation_twh"], rel=0.03)


def test_exports(year_2020: BalanceResult) -> None:
    ex = year_2020.kpis["export_mwh"]
    assert ex["dc_total"] / 1e6 == pytest.approx(PLAN_2020["exports_twh"], rel=0.03)
    # the reference's per-link estimates (section 5): Yindong 29-32, Lingshao 46-49 TWh
    assert 29.0 <= ex["yindong"] / 1e6 <= 32.0
    assert 46.0 <= ex["lingshao"] / 1e6 <= 49.0


def test_new_energy_share_of_generation(year_2020: BalanceResult) -> None:
    share = year_2020.kpis["new_energy_share_of_generation"]
    assert share == pytest.approx(PLAN_2020["new_energy_share"], abs=0.015)


def test_new_energy_utilisation(year_2020: BalanceResult) -> None:
    k = year_2020.kpis
    assert k["renewable_utilisation"] == pytest.approx(PLAN_2020["utilisation"], abs=0.01)
    # H1 2020: wind 97.05 %, PV 97.39 % [S43]; neither fuel is spared or sacrificed
    assert 0.95 < k["wind_utilisation"] < 0.995
    assert 0.95 < k["solar_utilisation"] < 0.995


def test_consumption_and_split(year_2020: BalanceResult) -> None:
    k = year_2020.kpis
    assert k["consumption_mwh"] / 1e6 == pytest.approx(103.82, rel=1e-6)
    gen = k["generation_mwh"]
    # reference split (section 5, est.): wind ~20-21, PV ~12-13, hydro 1.5-2 TWh
    assert 19.5 <= gen["wind"] / 1e6 <= 22.0
    assert 12.0 <= gen["solar"] / 1e6 <= 14.0
    assert 1.5 <= gen["hydro"] / 1e6 <= 2.0


@pytest.mark.slow
def test_ningxia_2025_full_year_meets_the_plan(request: pytest.FixtureRequest) -> None:
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long: run with -m slow")
    res = run_balance("ningxia_2025")
    assert res.ok
    assert res.kpis["solver"]["solved_hours"] == 8760
    card = res.scorecard.set_index("kpi")
    assert card.met.all(), card[["value", "met"]]
    assert res.kpis["export_mwh"]["ningxiang"] / 1e6 == pytest.approx(36.0, rel=1e-6)
