"""N-1 security of the ptdf dispatch (:mod:`gridsim.dispatch.security`).

References: PyPSA's ``optimize_security_constrained`` (its own BODF and cycle flows) on
the same meshed network; the DC flows of the network re-solved without each outaged
line (no LODF); a 3-bus triangle and a double-circuit line whose secure dispatch is
computed by hand; the lazy loop against every post-contingency row up front.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest
from test_dispatch_lazy import LINES, meshed_problem

from gridsim.dispatch import Branches, DispatchOptions, DispatchProblem, Thermal, solve_dispatch
from gridsim.dispatch.build_grid import dc_ptdf
from gridsim.dispatch.security import binding_table, security_sets
from gridsim.errors import InputError

NAMES = tuple(f"l{k}" for k in range(len(LINES)))


def _n1(**kw: object) -> DispatchOptions:
    base: dict[str, object] = dict(window_h=None, commitment="none", security="n-1")
    base.update(kw)
    return DispatchOptions(**base)  # type: ignore[arg-type]


def _outage_flows(p: DispatchProblem, injection: np.ndarray, out: int) -> np.ndarray:
    """DC flows (T, K) with branch ``out`` removed, from a PTDF of the reduced network."""
    br = p.branches
    keep = np.arange(br.n) != out
    ptdf = dc_ptdf(p.nodes.n, br.node[keep], br.to_node[keep], br.x_pu[keep])
    flows = np.zeros((p.T, br.n))
    flows[:, keep] = injection @ ptdf.T
    return flows


def _injection(p: DispatchProblem, flow_mw: np.ndarray) -> np.ndarray:
    """Nodal injections (T, N) that give ``flow_mw``: solve PTDF x = flow per hour."""
    return np.linalg.lstsq(p.ptdf, flow_mw.T, rcond=None)[0].T


def test_matches_pypsa_security_constrained() -> None:
    pypsa = pytest.importorskip("pypsa")
    from gridsim.interop.pypsa_export import to_pypsa

    p = meshed_problem(24, dated_line=False)
    res = solve_dispatch(p, _n1(security_contingencies=NAMES, security_monitored=NAMES))
    plain = solve_dispatch(p, DispatchOptions(window_h=None, commitment="none"))
    assert res.status == "optimal" and res.windows[0].security_rows_added > 0
    assert res.objective > plain.objective * 1.05  # N-1 costs something here
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n = to_pypsa(p, "none")
            _, cond = n.optimize.optimize_security_constrained(
                branch_outages=list(NAMES),
                solver_name="highs",
                solver_options={"output_flag": False},
            )
    finally:
        logging.disable(logging.NOTSET)
    assert pypsa.__version__ and cond == "optimal"
    assert abs(n.objective - res.objective) / abs(res.objective) < 1e-6
    flows = n.lines_t.p0[list(NAMES)].to_numpy()
    np.testing.assert_allclose(res.arrays["flow_mw"], flows, atol=1e-4)


def test_post_contingency_flows_within_ratings_by_direct_outage() -> None:
    p = meshed_problem(24, dated_line=False)
    res = solve_dispatch(p, _n1(security_contingencies=NAMES, security_monitored=NAMES))
    inj = _injection(p, res.arrays["flow_mw"])
    worst = 0.0
    for k in range(p.branches.n):
        post = _outage_flows(p, inj, k)
        worst = max(worst, float((np.abs(post) / p.branches.p_max_mw).max()))
        assert (np.abs(post) <= p.branches.p_max_mw + 1e-5).all(), NAMES[k]
    assert worst == pytest.approx(1.0, abs=1e-6)  # some post-contingency limit binds


@pytest.mark.parametrize("window_h", [None, 12])
def test_lazy_equals_full(window_h: int | None) -> None:
    """Two topology periods (l6 in service from hour 10: bus e radial before, so l5's
    outage islands it then), a subset of contingencies, an emergency rating of 110 %."""
    p = meshed_problem(48)
    kw = dict(
        window_h=window_h,
        lookahead_h=6,
        security_contingencies=("l0", "l3", "l5", "l1"),
        security_monitored=NAMES,
        post_contingency_rating_share=1.1,
    )
    full = solve_dispatch(p, _n1(flow_limits="full", **kw))
    lazy = solve_dispatch(p, _n1(flow_limits="lazy", **kw))
    assert full.ok and lazy.ok
    assert lazy.objective == pytest.approx(full.objective, rel=1e-6)
    np.testing.assert_allclose(lazy.arrays["flow_mw"], full.arrays["flow_mw"], atol=1e-4)
    np.testing.assert_allclose(lazy.arrays["price_per_mwh"], full.arrays["price_per_mwh"], atol=1e-5)  # fmt: skip
    added = sum(w.security_rows_added for w in lazy.windows)
    possible = sum(w.security_rows_added for w in full.windows)
    assert 0 < added < possible
    assert "l5" in lazy.windows[0].security_islanding
    if window_h:  # the last window: l6 in service, l5 no bridge
        assert "l5" not in lazy.windows[-1].security_islanding


def triangle(
    load_mw: float, hours: int = 2, circuits: float = 1.0, rating_mw: object = 100.0
) -> DispatchProblem:
    """Buses 1, 2, 3; equal lines 1-2, 2-3, 1-3 rated 100 MW; cheap (10 CNY/MWh) power at
    1, dear (50) at 3 with the load. Base case: 2/3 of a 1 -> 3 transfer takes the direct
    line, so up to 150 MW; after any outage one path carries all of it: 100 MW."""
    snaps = pd.date_range("2025-01-01", periods=hours, freq="h", tz="Asia/Shanghai")
    fn, tn = np.array([0, 1, 0]), np.array([1, 2, 2])
    x = np.full(3, 0.1)
    br = Branches.make(hours, ["l12", "l23", "l13"], node=fn, to_node=tn, x_pu=x, p_max_mw=rating_mw, circuits=circuits, vn_kv=750.0)  # fmt: skip
    th = Thermal.make(hours, ["cheap", "dear"], node=[0, 2], p_max_mw=500.0, cost_per_mwh=[10.0, 50.0])  # fmt: skip
    load = np.zeros((hours, 3))
    load[:, 2] = load_mw
    return DispatchProblem.make(snaps, ["b1", "b2", "b3"], load, thermal=th, branches=br, network="ptdf", ptdf=dc_ptdf(3, fn, tn, x))  # fmt: skip


@pytest.mark.parametrize(("share", "cheap_mw"), [(1.0, 100.0), (1.2, 120.0)])
def test_triangle_by_hand(share: float, cheap_mw: float) -> None:
    p = triangle(140.0)
    base = solve_dispatch(p, DispatchOptions(window_h=None, commitment="none"))
    assert base.arrays["thermal_p_mw"][:, 0] == pytest.approx(140.0)
    # default sets: every 750 kV line is a contingency and monitored
    res = solve_dispatch(p, _n1(post_contingency_rating_share=share))
    assert res.arrays["thermal_p_mw"][:, 0] == pytest.approx(cheap_mw, abs=1e-6)
    extra = (140.0 - cheap_mw) * (50.0 - 10.0) * p.T
    assert res.objective - base.objective == pytest.approx(extra, rel=1e-9)
    tab = binding_table(p, security_sets(p, rating_share=share), res.arrays["flow_mw"])
    # 1 -> 3 direct line at its limit after the outage of 1-2 or 2-3; 1-2 and 2-3 after 1-3
    assert set(tab.index) == {"l12", "l23", "l13"} and (tab.n1_hours == p.T).all()
    assert (tab.base_hours == 0).all()
    assert tab.loc["l12", "n1_outage"] == "l13"


def test_one_circuit_of_a_double_line() -> None:
    """The triangle with double-circuit lines (each circuit x 0.2, so 0.1 per line as
    before) and 1-3 rated 160 MW (80 per circuit), load 180 MW at 3. By hand, for a
    1 -> 3 transfer P: one circuit of 1-3 out, the direct path (x 0.2) and the path via
    2 (x 0.2) share P equally and the remaining circuit carries P/2 <= 80; one circuit
    of 1-2 out, the direct line carries 0.3/0.4 P <= 160 and the remaining circuit of
    1-2 0.1/0.4 P <= 50: P <= 160. The whole 1-3 out sends P via 2: P <= 100."""
    p = triangle(180.0, circuits=2.0, rating_mw=[100.0, 100.0, 160.0])
    res = solve_dispatch(p, _n1())
    whole = solve_dispatch(p, _n1(security_per_circuit=False))
    assert res.arrays["thermal_p_mw"][:, 0] == pytest.approx(160.0, abs=1e-6)
    assert whole.arrays["thermal_p_mw"][:, 0] == pytest.approx(100.0, abs=1e-6)


def test_islanding_outage_is_skipped_and_listed() -> None:
    """A radial bus 4 hangs off bus 3 by one line: its outage splits the network, so it
    is listed and skipped; the dispatch equals the one without it in the set."""
    hours = 3
    snaps = pd.date_range("2025-01-01", periods=hours, freq="h", tz="Asia/Shanghai")
    fn, tn = np.array([0, 1, 0, 2]), np.array([1, 2, 2, 3])
    x = np.full(4, 0.1)
    br = Branches.make(hours, ["l12", "l23", "l13", "l34"], node=fn, to_node=tn, x_pu=x, p_max_mw=[100.0, 100.0, 100.0, 80.0])  # fmt: skip
    th = Thermal.make(hours, ["cheap", "dear"], node=[0, 2], p_max_mw=500.0, cost_per_mwh=[10.0, 50.0])  # fmt: skip
    load = np.zeros((hours, 4))
    load[:, 2], load[:, 3] = 60.0, 70.0
    p = DispatchProblem.make(snaps, ["b1", "b2", "b3", "b4"], load, thermal=th, branches=br, network="ptdf", ptdf=dc_ptdf(4, fn, tn, x))  # fmt: skip
    names = ("l12", "l23", "l13", "l34")
    res = solve_dispatch(p, _n1(security_contingencies=names, security_monitored=names))
    ref = solve_dispatch(p, _n1(security_contingencies=names[:3], security_monitored=names))
    assert res.ok and res.windows[0].security_islanding == "l34"
    assert ref.windows[0].security_islanding == ""
    assert res.objective == pytest.approx(ref.objective, rel=1e-12)
    assert res.arrays["thermal_p_mw"][:, 0] == pytest.approx(100.0, abs=1e-6)


def test_bad_set_names_and_model_are_input_errors() -> None:
    p = meshed_problem(2, dated_line=False)
    with pytest.raises(InputError, match="security_contingencies.*close: l3.*'l33'"):
        solve_dispatch(p, _n1(security_contingencies=("l0", "l33")))
    with pytest.raises(InputError, match="security_monitored.*close: l3.*'ll3'"):
        solve_dispatch(p, _n1(security_monitored=("ll3",)))
    with pytest.raises(InputError, match="post_contingency_rating_share"):
        solve_dispatch(p, _n1(post_contingency_rating_share=0.0))
    cp = DispatchProblem.make(p.snapshots, ["s"], 1.0)
    with pytest.raises(InputError, match="ptdf"):
        solve_dispatch(cp, _n1())
    with pytest.raises(ValueError, match="security"):
        solve_dispatch(p, _n1(security="n-2"))


def test_curtailment_split_by_hand() -> None:
    """Wind at bus 1 of the triangle (no cost), load at 3 with dear thermal there. Hour 0:
    140 MW of wind and load: the lines carry it (<= 150), N-1 only 100: 40 MWh curtailed
    for security. Hour 1: 180 MW: 30 MWh curtailed by the base-case limit, 50 more by N-1;
    a copper plate curtails nothing."""
    from gridsim import kpi
    from gridsim.dispatch import Renewable

    p = triangle(0.0)
    p.nodes.load_mw[:, 2] = [140.0, 180.0]
    p.renewable = Renewable.make(p.T, ["wind"], node=[0], capacity_mw=300.0, available_mw=np.array([[140.0], [180.0]]))  # fmt: skip
    p.thermal.node[:] = 2
    res = solve_dispatch(p, _n1())
    unsecured = solve_dispatch(p, DispatchOptions(window_h=None, commitment="none"))
    cp_problem = DispatchProblem.make(p.snapshots, ["s"], p.nodes.load_mw.sum(axis=1)[:, None], thermal=Thermal.make(p.T, ["dear"], p_max_mw=500.0, cost_per_mwh=50.0), renewable=Renewable.make(p.T, ["wind"], capacity_mw=300.0, available_mw=p.renewable.available_mw))  # fmt: skip
    cp = solve_dispatch(cp_problem, DispatchOptions(window_h=None, commitment="none"))
    split = kpi.curtailment_by_cause(res, cp, unsecured)
    assert split["total"] == pytest.approx(120.0, abs=1e-6)
    assert split["security"] == pytest.approx(90.0, abs=1e-6)
    assert split["network"] == pytest.approx(30.0, abs=1e-6)
    assert split["balance"] == pytest.approx(0.0, abs=1e-6)
    plain = kpi.curtailment_by_cause(unsecured, cp)  # no security: nothing of it
    assert plain["security"] == 0.0 and plain["network"] == pytest.approx(30.0, abs=1e-6)
    bind = kpi.binding_branches(res)
    assert bind["security"] == "n-1" and {r["branch"] for r in bind["branches"]} == {"l12", "l23", "l13"}  # fmt: skip
    assert all(r["n1_hours"] == 2 for r in bind["branches"])


def test_scenario_security_fields(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``[study] security`` with a misspelt contingency: an InputError naming the file's
    field and the close match, before any solve."""
    from gridsim.studies.balance import run_balance

    f = tmp_path / "n1.toml"
    f.write_text(
        'base = "ningxia_2025_week"\n[scenario]\ndescription = "N-1"\n'
        '[study]\nnetwork_model = "ptdf"\nsecurity = "n-1"\n'
        'security_contingencies = ["helanshan-shahu_75"]\n'
    )
    with pytest.raises(InputError, match=r"study.security_contingencies.*close: helanshan-shahu_750"):  # fmt: skip
        run_balance(f)
