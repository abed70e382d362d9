"""The rolling-horizon driver: equivalence, gap, carried state, failures, determinism."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from gridsim.dispatch import (
    DispatchOptions,
    DispatchProblem,
    Links,
    Thermal,
    solve_dispatch,
)
from gridsim.dispatch.synthetic import toy_problem

TWO_WEEKS = 336


@pytest.fixture(scope="module")
def two_weeks() -> DispatchProblem:
    return toy_problem(
        TWO_WEEKS,
        "transport",
        export_band_pu=0.2,
        export_value_per_mwh=300.0,
        export_energy_mwh={"dc_export": TWO_WEEKS * 1500.0 * 0.72},
        dr_shiftable_share=0.03,
    )


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)


def test_window_covering_everything_equals_single_solve(two_weeks: DispatchProblem) -> None:
    single = solve_dispatch(two_weeks, DispatchOptions(window_h=None))
    rolled = solve_dispatch(two_weeks, DispatchOptions(window_h=TWO_WEEKS, lookahead_h=24))
    assert single.status == rolled.status == "optimal"
    assert len(rolled.windows) == 1
    assert _same(single.arrays, rolled.arrays)
    assert rolled.objective == single.objective


def test_rolling_gap_and_carried_state(two_weeks: DispatchProblem) -> None:
    full = solve_dispatch(two_weeks, DispatchOptions(window_h=None))
    seen: list[int] = []
    rolled = solve_dispatch(
        two_weeks,
        DispatchOptions(window_h=168, lookahead_h=24),
        progress=lambda rep, n: seen.append(rep.index),
    )
    assert rolled.status == "optimal" and seen == [0, 1]
    assert [w.t0 for w in rolled.windows] == [0, 168]
    gap = (rolled.objective - full.objective) / full.objective
    assert -1e-9 <= gap < 0.01
    # energy target of the DC link is met over the whole horizon
    target = float(two_weeks.links.energy_min_mwh[0])
    assert rolled.arrays["link_p_mw"][:, 0].sum() >= target - 1e-6
    # the state of charge is continuous across the window boundary
    st = two_weeks.storage
    soc = rolled.arrays["storage_soc_mwh"]
    t = 168
    expect = (
        soc[t - 1]
        + st.eff_charge * rolled.arrays["storage_charge_mw"][t]
        - rolled.arrays["storage_discharge_mw"][t] / st.eff_discharge
    )
    np.testing.assert_allclose(soc[t], expect, atol=1e-6)
    # cyclic units end each window at (or above) their initial state
    assert np.all(soc[-1] >= st.soc0_mwh - 1e-6)
    # nothing unserved, no NaN left
    assert not any(np.isnan(a).any() for a in rolled.arrays.values())


def test_determinism_bit_identical(two_weeks: DispatchProblem) -> None:
    opts = DispatchOptions(window_h=168, lookahead_h=24)
    a = solve_dispatch(two_weeks, opts)
    b = solve_dispatch(two_weeks, opts)
    assert _same(a.arrays, b.arrays)
    assert a.objective == b.objective
    assert (
        two_weeks.digest()
        == toy_problem(
            TWO_WEEKS,
            "transport",
            export_band_pu=0.2,
            export_value_per_mwh=300.0,
            export_energy_mwh={"dc_export": TWO_WEEKS * 1500.0 * 0.72},
            dr_shiftable_share=0.03,
        ).digest()
    )


def _overheated(hours: int = TWO_WEEKS, from_hour: int = 200) -> DispatchProblem:
    """Must-run heat floor above the load from ``from_hour`` on, nowhere to put the surplus."""
    snaps = pd.date_range("2025-10-13", periods=hours, freq="h", tz="Asia/Shanghai")
    floor = np.where(np.arange(hours) >= from_hour, 400.0, 0.0)
    th = Thermal.make(
        hours,
        ["chp", "peaker"],
        p_max_mw=[500.0, 300.0],
        cost_per_mwh=[200.0, 400.0],
        must_run_mw=np.column_stack([floor, 0 * floor]),
    )
    return DispatchProblem.make(snaps, ["sys"], 300.0, thermal=th)


def test_infeasible_window_is_named_and_earlier_results_kept() -> None:
    p = _overheated()
    res = solve_dispatch(p, DispatchOptions(window_h=168, lookahead_h=24))
    assert res.status == "infeasible"
    assert [w.status for w in res.windows] == ["optimal", "infeasible"]
    bad = res.windows[1]
    assert bad.start == "2025-10-20 00:00"
    d = res.diagnosis
    assert d is not None and d.window == 1
    fam = {(v.family, v.direction) for v in d.violations}
    assert ("balance", "surplus") in fam
    v = next(v for v in d.violations if v.family == "balance")
    assert v.hours[0] == "2025-10-21 08:00"  # hour 200
    assert v.max_abs == pytest.approx(100.0, rel=1e-6)
    assert "CHP" in d.suggestion or "must-run" in d.suggestion
    pt = res.arrays["thermal_p_mw"]
    assert np.isfinite(pt[:168]).all() and np.isnan(pt[168:]).all()
    assert res.solved_hours == 168
    assert "window 1" in str(d)


def test_continue_on_failure_keeps_going_with_elastic_dispatch() -> None:
    p = _overheated()
    res = solve_dispatch(p, DispatchOptions(window_h=168, lookahead_h=24, on_failure="continue"))
    assert res.status == "infeasible"
    assert np.isfinite(res.arrays["thermal_p_mw"]).all()
    assert res.windows[1].diagnosis is not None


def test_unreachable_dc_target_is_diagnosed() -> None:
    T = 48
    snaps = pd.date_range("2025-06-02", periods=T, freq="h", tz="Asia/Shanghai")
    th = Thermal.make(T, ["coal"], p_max_mw=1000.0, cost_per_mwh=250.0)
    lk = Links.make(T, ["dc"], p_max_mw=100.0, rating_mw=100.0, energy_min_mwh=6000.0)
    p = DispatchProblem.make(snaps, ["sys"], 200.0, thermal=th, links=lk)
    res = solve_dispatch(p, DispatchOptions(window_h=None))
    assert res.status == "infeasible"
    fams = [v.family for v in res.diagnosis.violations]  # type: ignore[union-attr]
    assert fams == ["link_energy"]
    assert res.diagnosis.violations[0].total == pytest.approx(1200.0)  # type: ignore[union-attr]


def test_cancel_from_progress_and_parquet(tmp_path, two_weeks: DispatchProblem) -> None:
    res = solve_dispatch(two_weeks, DispatchOptions(window_h=168), progress=lambda r, n: False)
    assert res.status == "cancelled" and len(res.windows) == 1
    out = res.to_parquet(tmp_path / "run")
    df = pd.read_parquet(out / "thermal_p_mw.parquet")
    assert list(df.columns) == list(two_weeks.thermal.names)
    assert df.index.tz is not None and len(df) == TWO_WEEKS
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "cancelled" and man["inputs_sha256"] == two_weeks.digest()
    assert (out / "windows.parquet").exists()


def test_energy_balance_closes_every_hour(two_weeks: DispatchProblem) -> None:
    res = solve_dispatch(two_weeks, DispatchOptions(window_h=168, lookahead_h=24))
    a = res.arrays

    def s(name: str) -> np.ndarray:
        return a[name].sum(axis=1)

    export = two_weeks.links.to_node < 0
    supply = (
        s("thermal_p_mw")
        + s("renewable_p_mw")
        + s("hydro_p_mw")
        + s("storage_discharge_mw")
        + s("dr_curtail_mw")
        + s("shift_down_mw")
        + s("unserved_mw")
        + s("import_mw")
    )
    use = (
        s("storage_charge_mw")
        + s("shift_up_mw")
        + s("export_mw")
        + a["link_p_mw"][:, export].sum(axis=1)
        + s("branch_loss_mw")
        + s("load_mw")
        + s("network_loss_mw")
    )
    np.testing.assert_allclose(supply, use, atol=1e-5)
    assert s("branch_loss_mw").sum() == 0.0  # lossless transport by default


@pytest.mark.slow
def test_ningxia_2025_year_rolls(request: pytest.FixtureRequest) -> None:
    """The shipped Ningxia 2025 network over a generated weather year (about 30 s CPU)."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long: run with -m slow")
    ningxia = pytest.importorskip("gridsim.cases.ningxia.network")
    generate = pytest.importorskip("gridsim.profiles.generate")
    from gridsim.dispatch import BuildOptions, build_problem

    prof = generate.generate_profiles(2025, 1)
    p = build_problem(
        ningxia.build_ningxia(2025), prof, BuildOptions(network="copperplate", export_band_pu=0.1)
    )
    res = solve_dispatch(p, DispatchOptions(window_h=168, lookahead_h=24))
    assert res.status == "optimal" and len(res.windows) == 53
    s = res.summary()
    assert s["unserved_mwh"] < 1e-3 * s["demand_mwh"]
    assert 0.8 < s["renewable_utilisation"] <= 1.0
