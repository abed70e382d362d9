"""gridsim's dispatch LP against the same problem built and solved in PyPSA.

A 4-bus ring (wind, solar, coal clusters with linearised commitment, CHP floors,
batteries, pumped hydro, a DC export with losses, value and an energy target,
binding line limits), 168 hours. Both must reach the same optimum to 1e-6
(relative) and the same totals per technology.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

from gridsim.dispatch import DispatchOptions, solve_dispatch
from gridsim.dispatch.synthetic import toy_problem

pypsa = pytest.importorskip("pypsa")
from gridsim.interop import optimize_pypsa  # noqa: E402

HOURS = 168


def _problem(network: str):
    return toy_problem(
        HOURS,
        network,
        export_band_pu=0.2,
        export_value_per_mwh=300.0,
        export_energy_mwh={"dc_export": HOURS * 1500.0 * 0.75},
        dr_curtailable_share=0.03,
        dr_curtailable_hours=4.0,
    )


@pytest.mark.parametrize("network", ["ptdf", "transport"])
def test_objective_and_totals_match_pypsa(network: str) -> None:
    p = _problem(network)
    res = solve_dispatch(p, DispatchOptions(window_h=None))
    assert res.status == "optimal"
    ours = res.windows[0].objective
    assert ours == pytest.approx(res.objective, rel=1e-9)

    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n, cond = optimize_pypsa(p, output_flag=False)
    finally:
        logging.disable(logging.NOTSET)
    assert cond == "optimal"
    assert abs(n.objective - ours) / abs(ours) < 1e-6

    g = n.generators_t.p
    scale = float(p.nodes.load_mw.sum())
    totals = {
        "thermal": (res.arrays["thermal_p_mw"], g[list(p.thermal.names)]),
        "renewable": (res.arrays["renewable_p_mw"], g[list(p.renewable.names)]),
        "unserved": (res.arrays["unserved_mw"], g.filter(like="unserved")),
        "export": (res.arrays["link_p_mw"], n.links_t.p0[list(p.links.names)]),
        "discharge": (res.arrays["storage_discharge_mw"], n.storage_units_t.p_dispatch),
    }
    for key, (a, b) in totals.items():
        assert float(np.sum(a)) == pytest.approx(float(b.to_numpy().sum()), abs=1e-6 * scale), key

    # the line limits matter: some branch is at its rating in some hour
    flow = np.abs(res.arrays["flow_mw"])
    assert (flow >= p.branches.p_max_mw - 1e-6).any()


@pytest.mark.parametrize("commitment", ["linear", "none"])
def test_every_family_matches_pypsa(commitment: str) -> None:
    """Two nodes, 48 h, every element group and constraint family at once."""
    import pandas as pd

    from gridsim.dispatch import (
        Branches,
        CurtailableLoad,
        DispatchProblem,
        Exchange,
        Hydro,
        Links,
        ShiftableLoad,
        Storage,
        Thermal,
    )

    T = 48
    h = np.arange(T) % 24
    snaps = pd.date_range("2025-03-03", periods=T, freq="h", tz="Asia/Shanghai")
    th = Thermal.make(
        T,
        ["cheap", "peak"],
        p_max_mw=[120.0, 100.0],
        cost_per_mwh=[10.0, 300.0],
        p_min_share=[0.3, 0.0],
        startup_cost_per_mw=[20.0, 0.0],
        ramp_pu_per_h=[0.3, np.nan],
        must_run_mw=np.column_stack([np.full(T, 40.0), np.zeros(T)]),
    )
    p = DispatchProblem.make(
        snaps,
        ["a", "b"],
        np.column_stack([100.0 + 100.0 * (h >= 18), np.full(T, 20.0)]),
        thermal=th,
        hydro=Hydro.make(T, ["hydro"], p_max_mw=40.0, energy_mwh=200.0),
        curtailable=CurtailableLoad.make(
            T, ["dr"], p_max_mw=10.0, energy_mwh=30.0, cost_per_mwh=100.0
        ),
        shiftable=ShiftableLoad.make(T, ["shift"], p_max_mw=20.0, cost_per_mwh=1.0),
        exchange=Exchange.make(
            T,
            ["nw"],
            import_max_mw=30.0,
            export_max_mw=50.0,
            import_price_per_mwh=250.0,
            export_price_per_mwh=5.0,
        ),
        storage=Storage.make(
            T,
            ["b"],
            p_max_mw=20.0,
            e_max_mwh=60.0,
            soc0_mwh=10.0,
            cyclic=False,
            soc_end_min_mwh=30.0,
        ),
        links=Links.make(
            T,
            ["dc", "int"],
            node=[0, 0],
            to_node=[-1, 1],
            p_max_mw=[80.0, 50.0],
            rating_mw=[100.0, 50.0],
            loss_share=[0.05, 0.03],
            loss_fixed_mw=[1.0, 0.5],
            value_per_mwh=[200.0, 0.0],
            energy_min_mwh=[1000.0, np.nan],
            ramp_mw_per_h=[20.0, np.nan],
        ),
        branches=Branches.make(T, ["a-b"], node=0, to_node=1, p_max_mw=30.0, loss_share=0.02),
        network="transport",
        loss_factor=0.01,
    )
    res = solve_dispatch(p, DispatchOptions(window_h=None, commitment=commitment))
    assert res.status == "optimal"
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n, cond = optimize_pypsa(p, commitment, output_flag=False)
    finally:
        logging.disable(logging.NOTSET)
    assert cond == "optimal"
    ours = res.windows[0].objective
    assert abs(n.objective - ours) / abs(ours) < 1e-6
    assert res.objective == pytest.approx(ours, rel=1e-9)


@pytest.mark.slow
def test_ningxia_two_weeks_ptdf_matches_pypsa(request: pytest.FixtureRequest) -> None:
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long: run with -m slow")
    ningxia = pytest.importorskip("gridsim.cases.ningxia.network")
    generate = pytest.importorskip("gridsim.profiles.generate")
    from gridsim.dispatch import BuildOptions, build_problem

    prof = generate.generate_profiles(2025, 1)
    p = build_problem(
        ningxia.build_ningxia(2025), prof, BuildOptions(network="ptdf", export_band_pu=0.1)
    ).time_slice(0, 336)
    res = solve_dispatch(p, DispatchOptions(window_h=None))
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n, cond = optimize_pypsa(p, output_flag=False)
    finally:
        logging.disable(logging.NOTSET)
    assert cond == "optimal" and res.status == "optimal"
    ours = res.windows[0].objective
    assert abs(n.objective - ours) / abs(ours) < 1e-6
