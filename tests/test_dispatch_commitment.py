"""Unit commitment (gridsim.dispatch.commitment): minimum up/down times, the MILP mode
and the rolling-horizon history, against PyPSA's committable generators and hand-solved
optima."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest

from gridsim.dispatch import (
    DispatchOptions,
    DispatchProblem,
    Renewable,
    SolverOptions,
    Thermal,
    solve_dispatch,
)


def _snaps(T: int) -> pd.DatetimeIndex:
    return pd.date_range("2025-03-03", periods=T, freq="h", tz="Asia/Shanghai")


def _crosscheck_problem() -> DispatchProblem:
    """Three single-unit coal clusters and wind over 48 h: a daily load swing that makes
    the mid-merit and peaking units start and stop, with minimum up/down times that
    bind, start-up costs and minimum stable outputs."""
    T = 48
    h = np.arange(T) % 24
    load = 260.0 + 140.0 * ((h >= 8) & (h < 12)) + 200.0 * ((h >= 17) & (h < 21))
    wind = 60.0 + 50.0 * np.cos(2 * np.pi * (np.arange(T) - 3) / 24.0)
    th = Thermal.make(
        T,
        ["base", "mid", "peak"],
        p_max_mw=[250.0, 150.0, 120.0],
        cost_per_mwh=[200.0, 260.0, 420.0],
        p_min_share=[0.4, 0.5, 0.3],
        startup_cost_per_mw=[300.0, 150.0, 40.0],
        min_up_time_h=[8.0, 6.0, 6.0],
        min_down_time_h=[8.0, 10.0, 4.0],
    )
    return DispatchProblem.make(
        _snaps(T),
        ["n"],
        load,
        thermal=th,
        renewable=Renewable.make(T, ["wind"], available_mw=wind),
        voll_per_mwh=3000.0,
    )


def _pypsa(p: DispatchProblem, commitment: str, **opts):  # type: ignore[no-untyped-def]
    pytest.importorskip("pypsa")
    from gridsim.interop import optimize_pypsa

    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n, cond = optimize_pypsa(p, commitment, output_flag=False, **opts)
    finally:
        logging.disable(logging.NOTSET)
    assert cond == "optimal"
    return n


def test_milp_matches_pypsa_committable_generators() -> None:
    p = _crosscheck_problem()
    opts = DispatchOptions(window_h=None, commitment="milp", solver=SolverOptions(mip_gap=0.0))
    res = solve_dispatch(p, opts)
    assert res.status == "optimal"
    w = res.windows[0]
    assert w.mip_status == "optimal" and w.mip_gap <= 1e-9
    n = _pypsa(p, "milp", mip_rel_gap=0.0)
    assert abs(n.objective - w.objective) / abs(w.objective) < 1e-6
    assert res.objective == pytest.approx(w.objective, rel=1e-9)
    # whole units, and the minimum up/down times bind: some unit cycles
    u = res.arrays["thermal_u_mw"]
    np.testing.assert_allclose(u / p.thermal.p_max_mw, np.round(u / p.thermal.p_max_mw), atol=1e-8)
    assert res.arrays["thermal_su_mw"].sum() > 0
    # minimum stable output honoured
    assert (res.arrays["thermal_p_mw"] >= p.thermal.p_min_share * u - 1e-6).all()


def test_min_times_bind_in_the_milp() -> None:
    """The same problem without minimum up/down times is cheaper: they matter."""
    import dataclasses

    p = _crosscheck_problem()
    opts = DispatchOptions(window_h=None, commitment="milp", solver=SolverOptions(mip_gap=0.0))
    free = dataclasses.replace(p, thermal=dataclasses.replace(p.thermal, min_up_time_h=np.zeros(3), min_down_time_h=np.zeros(3)))  # fmt: skip
    assert solve_dispatch(free, opts).objective < solve_dispatch(p, opts).objective - 1.0


def test_linear_matches_pypsa_linearized_unit_commitment() -> None:
    """PyPSA's linearised commitment is the same relaxation when start-up and shut-down
    costs differ (no tightening rows): status x p_nom = u, the same rolling sums."""
    p = _crosscheck_problem()
    res = solve_dispatch(p, DispatchOptions(window_h=None, commitment="linear"))
    assert res.status == "optimal"
    ours = res.windows[0].objective
    n = _pypsa(p, "linear")
    assert abs(n.objective - ours) / abs(ours) < 1e-6
    milp = solve_dispatch(p, DispatchOptions(window_h=None, commitment="milp", solver=SolverOptions(mip_gap=0.0)))  # fmt: skip
    assert ours <= milp.objective + 1e-6  # a relaxation


def _one_cluster(T: int, load: np.ndarray, wind: np.ndarray, **thermal) -> DispatchProblem:  # type: ignore[no-untyped-def]
    th = Thermal.make(T, ["coal"], **thermal)
    return DispatchProblem.make(
        _snaps(T), ["n"], load, thermal=th, renewable=Renewable.make(T, ["wind"], available_mw=wind)
    )


@pytest.mark.parametrize("commitment", ["linear", "milp"])
def test_min_up_time_carries_across_windows(commitment: str) -> None:
    """Started at hour 0 (from off), a 100 MW cluster with a 5 h minimum up time
    must stay committed, at >= 50 % output, until hour 4 although free wind covers
    the load from hour 2: 100 + 100 + 3 x 50 MWh at 100 CNY/MWh + 100 MW started at
    20 CNY/MW. Windows of 2 h without look-ahead see the start only through the
    carried history."""
    T = 8
    wind = np.where(np.arange(T) < 2, 0.0, 200.0)
    p = _one_cluster(T, np.full(T, 100.0), wind, p_max_mw=100.0, p_min_share=0.5, cost_per_mwh=100.0, startup_cost_per_mw=20.0, min_up_time_h=5.0, u0_mw=0.0)  # fmt: skip
    want = (100 + 100 + 3 * 50) * 100.0 + 100 * 20.0
    for opts in (DispatchOptions(window_h=None, commitment=commitment), DispatchOptions(window_h=2, lookahead_h=0, commitment=commitment)):  # fmt: skip
        res = solve_dispatch(p, opts)
        assert res.status == "optimal"
        assert res.objective == pytest.approx(want, rel=1e-9)
        np.testing.assert_allclose(res.arrays["thermal_p_mw"][:, 0], [100, 100, 50, 50, 50, 0, 0, 0], atol=1e-6)  # fmt: skip


@pytest.mark.parametrize("commitment", ["linear", "milp"])
def test_min_down_time_carries_across_windows(commitment: str) -> None:
    """A cheap 100 MW cluster (50 % minimum output) must shut down in the hour of zero
    net load (hour 1); with a 4 h minimum down time it stays off in hours 1-4, so the
    load of hours 3 and 4 is unserved (VOLL) and it returns in hour 5."""
    T = 6
    load = np.array([100.0, 0.0, 0.0, 100.0, 100.0, 100.0])
    p = _one_cluster(T, load, np.zeros(T), p_max_mw=100.0, p_min_share=0.5, cost_per_mwh=10.0, min_down_time_h=4.0)  # fmt: skip
    voll = float(p.nodes.voll_per_mwh[0])
    want = 2 * 100 * 10.0 + 2 * 100 * voll
    for opts in (DispatchOptions(window_h=None, commitment=commitment), DispatchOptions(window_h=2, lookahead_h=0, commitment=commitment)):  # fmt: skip
        res = solve_dispatch(p, opts)
        assert res.status == "optimal"
        assert res.objective == pytest.approx(want, rel=1e-9)
        np.testing.assert_allclose(res.arrays["unserved_mw"][:, 0], [0, 0, 0, 100, 100, 0], atol=1e-6)  # fmt: skip


def test_history_is_the_recent_part_of_the_output() -> None:
    """The carried history is the started capacity within the minimum up time."""
    from gridsim.dispatch.declarations import Carry
    from gridsim.dispatch.rolling import _recent

    p = _one_cluster(6, np.full(6, 1.0), np.zeros(6), p_max_mw=100.0, min_up_time_h=3.0)
    done = np.array([[5.0], [7.0], [11.0], [0.0], [0.0], [0.0]])
    got = _recent(p, Carry("thermal", "su_before_mw", "recent", span="min_up_time_h"), done, 3, 6)
    np.testing.assert_allclose(got[:, 0], [7.0 + 11.0, 11.0, 0.0])


def test_milp_commits_whole_units() -> None:
    """Three 100 MW units: a load of 150 MW with 60 % minimum output commits two units
    (200 MW), never 150 MW as the relaxation may."""
    T = 3
    p = _one_cluster(T, np.full(T, 150.0), np.zeros(T), p_max_mw=300.0, unit_size_mw=100.0, p_min_share=0.6, cost_per_mwh=100.0, startup_cost_per_mw=10.0, u0_mw=0.0)  # fmt: skip
    res = solve_dispatch(p, DispatchOptions(window_h=None, commitment="milp"))
    np.testing.assert_allclose(res.arrays["thermal_u_mw"][:, 0], 200.0, atol=1e-6)
    assert res.objective == pytest.approx(150 * 100.0 * T + 200 * 10.0, rel=1e-9)
    lin = solve_dispatch(p, DispatchOptions(window_h=None, commitment="linear"))
    assert lin.objective == pytest.approx(150 * 100.0 * T + 150 * 10.0, rel=1e-9)
    # prices from the LP with the commitment fixed: the marginal unit's cost
    np.testing.assert_allclose(res.arrays["price_per_mwh"][:, 0], 100.0, atol=1e-6)


def test_scenario_keys_reach_the_dispatch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``[study] commitment = "milp"`` and ``mip_gap``, ``[network.overrides]`` unit sizes
    and minimum times, ``[reserves]`` down and largest-unit fields, on two Ningxia days:
    whole units committed, the gap within the one asked for, every hour's footroom and
    headroom (from the written arrays) covering the requirement."""
    from gridsim.scenario import SCENARIOS_DIR
    from gridsim.studies.balance import run_balance

    text = (
        f'base = "{SCENARIOS_DIR / "ningxia_2025.toml"}"\n[scenario]\nname = "uc"\n'
        '[study]\nwhole_year = false\nstart = "2025-04-07"\nend = "2025-04-09"\n'
        'commitment = "milp"\nmip_gap = 0.005\ncurtailment_by_cause = false\n'
        "[network.overrides]\nunit_size_mw = {coal = 660.0, coal_east_1 = 1000.0}\n"
        "min_up_time_h = {coal = 6.0}\nmin_down_time_h = {coal = 4.0}\n"
        "[reserves]\nup_largest_unit = true\nup_load_share = 0.03\ndown_mw = 300.0\n"
        "down_load_share = 0.02\n"
    )
    (tmp_path / "uc.toml").write_text(text)
    res = run_balance(tmp_path / "uc.toml")
    assert res.ok
    d = res.dispatch
    p, a = d.problem, d.arrays
    coal = p.thermal.fuel == "coal"
    size = np.where(p.thermal.names == "coal_east_1", 1000.0, 660.0)[coal]
    assert (p.thermal.min_up_time_h[coal] == 6.0).all() and (p.thermal.min_down_time_h[coal] == 4.0).all()  # fmt: skip
    from gridsim.dispatch.problem import unit_counts

    _, eff = unit_counts(p.thermal)
    n_on = a["thermal_u_mw"][:, coal] / eff[coal]
    np.testing.assert_allclose(n_on, np.round(n_on), atol=1e-6)
    assert np.all(np.abs(eff[coal] - size) <= size / 2)  # round(capacity / size) units
    assert all(w.mip_gap <= 0.005 + 1e-12 and w.mip_status == "optimal" for w in d.windows)
    assert res.kpis["solver"]["mip_gap_max"] <= 0.005 + 1e-12
    assert list(p.reserves.direction) == ["up", "down"]
    # largest unit: coal_east_1, 6120 MW in round(6120 / 1000) = 6 units of 1020 MW
    np.testing.assert_allclose(a["reserve_requirement_mw"][:, 0], 1020.0 + 0.03 * a["load_mw"].sum(axis=1))  # fmt: skip
    footroom = (
        (a["thermal_p_mw"] - p.thermal.p_min_share * a["thermal_u_mw"]).sum(axis=1)
        + (a["hydro_p_mw"] - np.minimum(p.hydro.p_min_mw, p.hydro.p_max_mw)).sum(axis=1)
        + (p.storage.p_max_mw - a["storage_charge_mw"] + a["storage_discharge_mw"]).sum(axis=1)
    )
    assert (footroom >= 300.0 + 0.02 * a["load_mw"].sum(axis=1) - 1e-4).all()
    assert set(res.kpis["reserves"]) == {"system", "system_down"}
    from gridsim.cli.run import summary_table

    table = summary_table(res.kpis)
    assert "reserve system_down: binding / cost" in table and "MIP gap <=" in table
