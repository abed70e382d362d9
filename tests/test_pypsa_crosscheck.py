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
