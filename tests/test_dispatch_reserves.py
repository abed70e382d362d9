"""Upward spinning reserve (constraints.reserve_up) against hand-solved optima."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridsim.dispatch import (
    DispatchOptions,
    DispatchProblem,
    Hydro,
    Renewable,
    Reserves,
    Storage,
    Thermal,
    solve_dispatch,
)

T = 4
COST = 300.0  # CNY/MWh of the thermal cluster
LOAD = 80.0


def problem(reserve: dict | None = None, storage_mw: float = 0.0, hydro_mw: float = 0.0) -> DispatchProblem:  # fmt: skip
    """One node: a 100 MW thermal cluster (minimum stable output 50 % of the committed
    capacity), 100 MW of free wind, a flat 80 MW load."""
    idx = pd.date_range("2025-01-06", periods=T, freq="h", tz="Asia/Shanghai")
    groups = {
        "thermal": Thermal.make(T, ["coal"], p_max_mw=100.0, p_min_share=0.5, cost_per_mwh=COST),
        "renewable": Renewable.make(T, ["wind"], available_mw=100.0),
        "storage": Storage.make(
            T, ["bess"] if storage_mw else [], p_max_mw=storage_mw, e_max_mwh=2 * storage_mw
        ),  # fmt: skip
        "hydro": Hydro.make(
            T, ["hydro"] if hydro_mw else [], p_max_mw=hydro_mw, cost_per_mwh=50.0
        ),  # fmt: skip
    }
    if reserve is not None:
        groups["reserves"] = Reserves.make(T, ["system"], **reserve)
    return DispatchProblem.make(idx, ["n"], LOAD, **groups)


def solve(p: DispatchProblem, commitment: str = "linear") -> tuple[float, dict]:
    res = solve_dispatch(p, DispatchOptions(window_h=None, commitment=commitment))
    assert res.status == "optimal"
    return res.objective, res.arrays


def test_no_requirement_leaves_thermal_off() -> None:
    obj, a = solve(problem())
    assert obj == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(a["renewable_p_mw"], LOAD, atol=1e-6)


def test_load_share_commits_thermal_at_its_minimum_stable_output() -> None:
    # u - p >= 0.3 * 80 = 24 and p >= 0.5 u  =>  p = 24, u = 48: 24 MW of wind curtailed
    obj, a = solve(problem({"load_share": 0.3}))
    assert obj == pytest.approx(24.0 * COST * T, rel=1e-9)
    np.testing.assert_allclose(a["thermal_p_mw"], 24.0, atol=1e-6)
    np.testing.assert_allclose(a["thermal_u_mw"], 48.0, atol=1e-6)
    np.testing.assert_allclose(a["renewable_curtail_mw"], 100.0 - 56.0, atol=1e-6)


def test_renewable_share_and_fixed_part() -> None:
    # u >= p + 10 + 0.3 * 80 + 0.1 (80 - p) = 42 + 0.9 p and p >= 0.5 u  =>  p = 21 / 0.55
    obj, a = solve(problem({"requirement_mw": 10.0, "load_share": 0.3, "renewable_share": 0.1}))
    p_star = 21.0 / 0.55
    assert obj == pytest.approx(p_star * COST * T, rel=1e-9)
    np.testing.assert_allclose(a["thermal_p_mw"], p_star, atol=1e-6)


def test_storage_and_hydro_headroom_count() -> None:
    # an idle 30 MW battery covers the 24 MW requirement: no thermal needed
    obj, _ = solve(problem({"load_share": 0.3}, storage_mw=30.0))
    assert obj == pytest.approx(0.0, abs=1e-6)
    # 10 MW of hydro headroom leaves 14 MW for thermal: p = 14, u = 28
    obj, a = solve(problem({"load_share": 0.3}, hydro_mw=10.0))
    assert obj == pytest.approx(14.0 * COST * T, rel=1e-9)
    np.testing.assert_allclose(a["hydro_p_mw"], 0.0, atol=1e-6)


def test_without_commitment_installed_capacity_is_headroom() -> None:
    obj, _ = solve(problem({"load_share": 0.3}), commitment="none")
    assert obj == pytest.approx(0.0, abs=1e-6)
    # 90 MW needed: only 100 - p of the cluster, so p <= 10 and wind does the rest
    obj, a = solve(problem({"requirement_mw": 90.0, "load_share": 0.0}), commitment="none")
    assert obj == pytest.approx(0.0, abs=1e-6) and (a["thermal_p_mw"] <= 10.0 + 1e-6).all()


def test_rolling_windows_keep_the_requirement() -> None:
    p = problem({"load_share": 0.3})
    whole = solve_dispatch(p, DispatchOptions(window_h=None))
    rolled = solve_dispatch(p, DispatchOptions(window_h=1, lookahead_h=1))
    assert rolled.objective == pytest.approx(whole.objective, rel=1e-9)


def test_infeasible_requirement_is_diagnosed() -> None:
    res = solve_dispatch(problem({"requirement_mw": 500.0}), DispatchOptions(window_h=None))
    assert res.status == "infeasible"
    assert any(v.family == "reserve_up" for v in res.diagnosis.violations)


def test_pypsa_export_refuses_reserves() -> None:
    pytest.importorskip("pypsa")
    from gridsim.interop.pypsa_export import to_pypsa

    with pytest.raises(NotImplementedError, match="reserve requirements"):
        to_pypsa(problem({"load_share": 0.3}))


def test_scenario_reserves_hold_in_the_ningxia_dispatch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``[reserves]`` in a scenario: every hour's headroom (from the written arrays)
    covers the requirement, and the cost is no lower than without it."""
    from gridsim.scenario import SCENARIOS_DIR
    from gridsim.studies.balance import run_balance

    base = f'base = "{SCENARIOS_DIR / "ningxia_2025.toml"}"\n[study]\nwhole_year = false\nstart = "2025-04-07"\nend = "2025-04-10"\ncurtailment_by_cause = false\n'  # fmt: skip
    (tmp_path / "a.toml").write_text(base + '[scenario]\nname = "a"\n')
    (tmp_path / "b.toml").write_text(base + '[scenario]\nname = "b"\n[reserves]\nup_mw = 1500.0\nup_load_share = 0.05\n')  # fmt: skip
    plain, reserved = run_balance(tmp_path / "a.toml"), run_balance(tmp_path / "b.toml")
    assert plain.ok and reserved.ok
    p, a = reserved.dispatch.problem, reserved.dispatch.arrays
    headroom = (
        (a["thermal_u_mw"] - a["thermal_p_mw"]).sum(axis=1)
        + (p.hydro.p_max_mw - a["hydro_p_mw"]).sum(axis=1)
        + (p.storage.p_max_mw - a["storage_discharge_mw"] + a["storage_charge_mw"]).sum(axis=1)
    )
    need = 1500.0 + 0.05 * a["load_mw"].sum(axis=1)
    assert (headroom >= need - 1e-4).all()
    assert reserved.dispatch.objective >= plain.dispatch.objective - 1e-6 * abs(plain.dispatch.objective)  # fmt: skip
