"""The parallel year: coarse pass, windows side by side, seams (gridsim.dispatch.parallel).

References: block means and energies by hand; the water-filling split by hand; the
whole-horizon LP (perfect foresight) of the same problem, whose rows the stitched
dispatch must satisfy; the principle of optimality for one window bound at its end to
the whole-horizon optimum.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from gridsim.dispatch import DispatchOptions, DispatchProblem, solve_dispatch
from gridsim.dispatch.budget_split import BUDGETS, CoarseQuota, allocate, must_deliver
from gridsim.dispatch.coarse import block_mean, coarsen, expand, soc_before
from gridsim.dispatch.declarations import SOURCE
from gridsim.dispatch.model import formulate
from gridsim.dispatch.parallel import _without_seams
from gridsim.dispatch.synthetic import toy_problem

HOURS = 336


@pytest.fixture(scope="module")
def problem() -> DispatchProblem:
    return toy_problem(
        HOURS,
        "copperplate",
        export_band_pu=0.2,
        export_value_per_mwh=300.0,
        export_energy_mwh={"dc_export": HOURS * 1500.0 * 0.72},
        export_ramp_pu_per_h=0.3,
        dr_shiftable_share=0.03,
    )


@pytest.fixture(scope="module")
def whole(problem: DispatchProblem):  # type: ignore[no-untyped-def]
    res = solve_dispatch(problem, DispatchOptions(window_h=None))
    assert res.ok
    return res


def _parallel(**kw: object) -> DispatchOptions:
    base = dict(method="parallel", window_h=48, lookahead_h=24, coarse_h=6, executor="serial")
    base.update(kw)
    return DispatchOptions(**base)  # type: ignore[arg-type]


def _violation(p: DispatchProblem, arrays: dict[str, np.ndarray]) -> float:
    """Largest violation (MW or MWh) of any row or bound of the whole-horizon LP by the
    dispatch ``arrays`` (every variable block is read back from its output)."""
    lp = formulate(p, "linear")
    block_output = {block: name for name, block in SOURCE.items()}
    x = np.zeros(lp.variables.n_cols)
    for block, vb in lp.variables.blocks.items():
        x[vb.idx] = arrays[block_output[block]]
    lower, upper, _ = lp.variables.vectors()
    act = lp.A @ x
    rows = np.maximum(lp.row_lower - act, act - lp.row_upper)
    cols = np.maximum(lower - x, x - upper)
    return float(max(rows.max(), cols.max()))


def test_coarsen_averages_series_and_keeps_energy(problem: DispatchProblem) -> None:
    c = coarsen(problem, 6)
    assert c.T == HOURS // 6 and c.dt_h == 6.0
    # energy of every series is kept: mean over a block x its hours
    np.testing.assert_allclose(c.nodes.load_mw.sum(axis=0) * 6, problem.nodes.load_mw.sum(axis=0))
    np.testing.assert_allclose(c.renewable.available_mw[1], problem.renewable.available_mw[6:12].mean(axis=0))  # fmt: skip
    assert np.array_equal(c.snapshots_ns, problem.snapshots_ns[::6])
    assert not c.storage.cyclic.any()
    np.testing.assert_array_equal(c.storage.soc_end_min_mwh, problem.storage.soc0_mwh)
    # a shorter last block takes its own mean
    np.testing.assert_allclose(block_mean(np.arange(7.0)[:, None], 3)[:, 0], [1.0, 4.0, 6.0])


def test_expand_and_state_of_charge_between_blocks() -> None:
    a = {"storage_soc_mwh": np.array([[10.0], [40.0]]), "thermal_su_mw": np.array([[5.0], [7.0]])}
    out = expand(a, 3, 6)
    np.testing.assert_array_equal(out["storage_soc_mwh"][:, 0], [10, 10, 10, 40, 40, 40])
    np.testing.assert_array_equal(out["thermal_su_mw"][:, 0], [5, 0, 0, 7, 0, 0])
    soc = soc_before(a["storage_soc_mwh"], np.array([4.0]), 3, 6)[:, 0]
    np.testing.assert_allclose(soc, [4, 6, 8, 10, 20, 30, 40])


def test_allocate_fills_parts_up_to_their_caps() -> None:
    out = allocate(np.array([100.0, 30.0, np.nan]), np.array([[3.0, 0, 1], [1.0, 0, 1]]), np.array([[50.0, 10, 9], [100.0, 100, 9]]))  # fmt: skip
    np.testing.assert_allclose(out[:, 0], [50.0, 50.0])  # 75 / 25 wanted, 50 cap: the rest moves
    np.testing.assert_allclose(out[:, 1], [10.0, 20.0])  # no weight: equal, then capped
    assert np.isnan(out[:, 2]).all()
    np.testing.assert_allclose(allocate(np.array([10.0]), np.array([[1.0], [1.0]]), np.array([[2.0], [3.0]]))[:, 0], [2.0, 3.0])  # fmt: skip
    # floors first (what a part must take at its minimum output), then by weight
    floored = allocate(np.array([10.0]), np.array([[1.0], [0.0]]), np.array([[20.0], [20.0]]), np.array([[0.0], [4.0]]))  # fmt: skip
    np.testing.assert_allclose(floored[:, 0], [6.0, 4.0])


def test_budget_of_a_window_covers_its_minimum_output(problem: DispatchProblem) -> None:
    """Hydro with a 10 % minimum output and an energy budget of 1.5 times that: the even
    windows spend their look-ahead's share too, and what is left for the odd windows falls
    below their minimum output unless each gets at least that."""
    hy = problem.hydro
    p_min = 0.1 * hy.p_max_mw
    budget = (p_min.sum(axis=0) * problem.dt_h) * 1.5
    p = dataclasses.replace(
        problem, hydro=dataclasses.replace(hy, p_min_mw=p_min, energy_mwh=budget)
    )
    res = solve_dispatch(p, _parallel(window_h=24, lookahead_h=12))
    assert res.ok and res.stages["seams_relaxed"] == 0
    used = np.nansum(res.arrays["hydro_p_mw"], axis=0) * p.dt_h
    assert (used <= budget * (1 + 1e-9)).all() and (used >= p_min.sum(axis=0) * (1 - 1e-9)).all()


def test_window_bound_to_the_optimum_at_its_end_reproduces_it(
    problem: DispatchProblem, whole
) -> None:  # type: ignore[no-untyped-def]
    """Principle of optimality: the first four days with the whole-horizon optimum's state
    at their end (the rows into the next window), its start (the cyclic storage's last
    state) and its energies cost what the optimum spends in them."""
    a, t1 = whole.arrays, 96
    sub = problem.time_slice(0, t1)
    st, th, lk = sub.storage, sub.thermal, sub.links
    end = a["storage_soc_mwh"][t1 - 1]
    sub = dataclasses.replace(
        sub,
        storage=dataclasses.replace(
            st,
            cyclic=np.zeros(st.n, bool),
            soc0_mwh=a["storage_soc_mwh"][-1],
            soc_end_min_mwh=end,
            soc_end_max_mwh=end,
        ),  # fmt: skip
        thermal=dataclasses.replace(
            th,
            p_next_mw=a["thermal_p_mw"][t1],
            u_next_mw=a["thermal_u_mw"][t1],
            u_end_min_mw=a["thermal_u_mw"][t1 - 1],
        ),  # fmt: skip
        links=dataclasses.replace(
            lk,
            p_next_mw=a["link_p_mw"][t1],
            energy_min_mwh=a["link_p_mw"][:t1].sum(axis=0),
            energy_max_mwh=a["link_p_mw"][:t1].sum(axis=0),
        ),  # fmt: skip
        hydro=dataclasses.replace(
            sub.hydro,
            energy_mwh=np.where(
                np.isfinite(sub.hydro.energy_mwh), a["hydro_p_mw"][:t1].sum(axis=0), np.nan
            ),
        ),  # fmt: skip
    )
    part = solve_dispatch(sub, DispatchOptions(window_h=None))
    assert part.ok
    head = {k: v[:t1] for k, v in a.items() if v.ndim == 2 and v.shape[0] == HOURS}
    expected = dataclasses.replace(whole, problem=sub, arrays=head).objective
    assert part.objective == pytest.approx(expected, rel=1e-7)
    # the rows hold: the exact end state, the ramp into the next hour, the commitment floor
    np.testing.assert_allclose(part.arrays["storage_soc_mwh"][-1], end, atol=1e-6)
    ramp = th.ramp_pu_per_h * th.p_max_mw
    assert (np.abs(a["thermal_p_mw"][t1] - part.arrays["thermal_p_mw"][-1]) <= ramp + 1e-6).all()
    assert (part.arrays["thermal_u_mw"][-1] >= a["thermal_u_mw"][t1 - 1] - 1e-6).all()
    # and a window free at its end is not dearer
    free = solve_dispatch(_without_seams(sub), DispatchOptions(window_h=None))
    assert free.objective <= part.objective + 1e-6 * abs(part.objective)


def test_parallel_dispatch_is_feasible_for_the_whole_horizon(
    problem: DispatchProblem, whole
) -> None:  # type: ignore[no-untyped-def]
    res = solve_dispatch(problem, _parallel())
    assert res.ok, res.windows
    assert res.stages["coarse_status"] == "optimal" and res.stages["seams_relaxed"] == 0
    assert [w.t0 for w in res.windows] == list(range(0, HOURS, 48))
    assert _violation(problem, whole.arrays) < 1e-5  # the check itself passes the optimum
    assert _violation(problem, res.arrays) < 1e-5  # storage, ramps and energy hold at seams
    gap = (res.objective - whole.objective) / whole.objective
    assert 0.0 <= gap <= 1e-3  # a feasible dispatch, within the 0.1 % goal of the optimum


def test_parallel_without_seam_rows_would_break_continuity(problem: DispatchProblem) -> None:
    """The seam rows are what keeps the stitched dispatch feasible: an odd window that
    ignores them leaves a jump in the state of charge or a ramp."""
    from gridsim.dispatch import parallel

    original = parallel._odd_window
    try:
        parallel._odd_window = lambda *a, **k: parallel._without_seams(original(*a, **k))  # type: ignore[assignment]
        res = solve_dispatch(problem, _parallel())
    finally:
        parallel._odd_window = original  # type: ignore[assignment]
    assert res.ok
    assert _violation(problem, res.arrays) > 1.0


def test_same_result_for_any_executor_and_worker_count(problem: DispatchProblem) -> None:
    serial = solve_dispatch(problem, _parallel())
    pooled = solve_dispatch(problem, _parallel(executor="processes", workers=2))
    assert pooled.stages["executor"] == "processes" and pooled.stages["workers"] == 2
    for k in serial.arrays:
        np.testing.assert_array_equal(serial.arrays[k], pooled.arrays[k], err_msg=k)


def test_dask_local_cluster_gives_the_same_dispatch(problem: DispatchProblem) -> None:
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    serial = solve_dispatch(problem, _parallel(window_h=96))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        res = solve_dispatch(problem, _parallel(window_h=96), pool=client)
    assert res.stages["executor"] == "Client" and res.stages["workers"] == 2
    np.testing.assert_array_equal(serial.arrays["thermal_p_mw"], res.arrays["thermal_p_mw"])
    assert res.objective == serial.objective


def test_long_horizon_coarse_pass_rolls_and_progress_can_cancel(problem: DispatchProblem) -> None:
    seen: list[int] = []
    res = solve_dispatch(problem, _parallel(outer_window_h=120, outer_lookahead_h=24), progress=lambda rep, n: seen.append(rep.index))  # fmt: skip
    assert res.ok and sorted(seen) == list(range(7))
    assert res.stages["coarse_status"] == "optimal"
    stop = solve_dispatch(problem, _parallel(), progress=lambda rep, n: False)
    assert stop.status == "cancelled" and len(stop.windows) == 1
    assert np.isnan(stop.arrays["thermal_p_mw"][48:]).all()


def test_bad_options_are_named(problem: DispatchProblem) -> None:
    with pytest.raises(ValueError, match="method"):
        solve_dispatch(problem, DispatchOptions(method="parallell"))
    with pytest.raises(ValueError, match="executor"):
        solve_dispatch(problem, _parallel(executor="threads"))
    with pytest.raises(ValueError, match="coarse_h"):
        solve_dispatch(problem, _parallel(coarse_h=0))


NINGXIA = (
    f'base = "{Path(__file__).resolve().parents[1] / "scenarios" / "ningxia_2025.toml"}"\n'
    '[scenario]\nname = "parallel_two_weeks"\n'
    '[study]\nwhole_year = false\nstart = "2025-03-03"\nend = "2025-03-17"\n'
    'method = "parallel"\nhorizon_h = 96\nlookahead_h = 24\nexecutor = "serial"\n[output]\nwhat = []\n'
)


def test_ningxia_two_weeks_parallel_within_a_tenth_of_a_percent_of_perfect_foresight(tmp_path: Path) -> None:  # fmt: skip
    from gridsim.studies.balance import run_balance

    path = tmp_path / "par.toml"
    path.write_text(NINGXIA)
    par = run_balance(path)
    assert par.ok and par.dispatch.stages["method"] == "parallel"
    assert par.dispatch.options["method"] == "parallel" and len(par.dispatch.windows) == 4
    path.with_name("pf.toml").write_text(NINGXIA.replace('method = "parallel"\nhorizon_h = 96', 'method = "rolling"\nhorizon_h = 336'))  # fmt: skip
    pf = run_balance(path.with_name("pf.toml"))
    assert pf.ok and len(pf.dispatch.windows) == 1
    gap = (par.dispatch.objective - pf.dispatch.objective) / abs(pf.dispatch.objective)
    assert 0.0 <= gap <= 1e-3
    du = par.kpis["renewable_utilisation"] - pf.kpis["renewable_utilisation"]
    assert abs(du) <= 1e-3  # 0.1 percentage point
    # exports: the scenario's link energies hold over the two weeks as in the optimum
    for link, mwh in pf.kpis["export_mwh"].items():
        assert par.kpis["export_mwh"][link] == pytest.approx(mwh, rel=1e-6, abs=1e-3)


def test_cli_method_and_workers_replace_the_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    import json

    from gridsim.cli import main

    path = tmp_path / "cli.toml"
    path.write_text(NINGXIA.replace('method = "parallel"\n', "").replace("2025-03-17", "2025-03-07").replace('executor = "serial"\n', ""))  # fmt: skip
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet", "--json", "--method", "parallel", "--workers", "2"]) == 0  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "optimal"
    manifest = json.loads((out / "manifest.json").read_text())
    assert '"parallel"' in json.dumps(manifest) and '"workers": 2' in json.dumps(manifest)
    with pytest.raises(SystemExit):
        main(["run", str(path), "--workers", "0"])


def test_coarse_quota_by_hand(problem: DispatchProblem) -> None:
    """One coarse window (6 h blocks) keeping 20 blocks and solving 28: a most gets what
    the window spent in each hour plus its unspent share by hours of the whole window; a
    least what it spent, scaled down by share / spent; the amounts of a window are the
    quota of its hours, and the mosts never go beyond the budget less the odd windows'
    minimum output."""
    cp = coarsen(problem, 6)
    out, spent_mw, share = {}, {}, {}
    for name, g, f, floor in BUDGETS:
        n = getattr(problem, g).n
        spent_mw[name] = np.full(n, 40.0)
        out[name] = np.tile(spent_mw[name], (28, 1))
        spent = 40.0 * 6 * 28
        share[(g, f)] = np.full(n, spent * (0.5 if floor else 1.25))
    window = cp
    for (g, f), value in share.items():
        window = dataclasses.replace(window, **{g: dataclasses.replace(getattr(window, g), **{f: value})})  # fmt: skip
    q = CoarseQuota(problem, 6, [(48, 96)])
    q.add(window, out, 0, 20, 28)
    assert q.known_h == 120
    for _name, g, f, floor in BUDGETS:
        got = q.quota[(g, f)]
        spent = 40.0 * 6 * 28
        want = 40.0 * 0.5 if floor else 40.0 + 0.25 * spent / 168
        np.testing.assert_allclose(got[:120], want)
        assert np.isnan(got[120:]).all()
    amounts = q.amounts(0, 48)
    for _name, g, f, floor in BUDGETS:
        total = getattr(getattr(problem, g), f)
        low = must_deliver(problem, g, 0, 48)
        cap = np.nansum(getattr(problem, g).p_max_mw[:48], axis=0) * problem.dt_h
        want = np.clip(48 * (40.0 * 0.5 if floor else 40.0 + 0.25 * 40.0 * 6 * 28 / 168), low, cap)
        if not floor:  # at most the budget less the odd window's minimum output
            want = np.minimum(want, np.maximum(total - must_deliver(problem, g, 48, 96), np.minimum(low, cap)))  # fmt: skip
        np.testing.assert_allclose(amounts[(g, f)], np.where(np.isfinite(total), want, np.nan))
