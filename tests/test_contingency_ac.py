"""Full AC N-1: every outage equals pandapower's runpp with that branch out of service."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pytest

from conftest import fresh_pandapower_case
from gridsim.network.io_pandapower import from_pandapower
from gridsim.powerflow.topology import bridges
from gridsim.studies.contingency_ac import run_contingency_ac


def test_bridges_of_small_graphs() -> None:
    # a triangle with a tail and a doubled spur: only the single tail edge is a bridge
    f = np.array([0, 1, 2, 2, 3, 3], dtype=np.int64)
    t = np.array([1, 2, 0, 3, 4, 4], dtype=np.int64)
    assert bridges(5, f, t).tolist() == [False, False, False, True, False, False]
    # a path is all bridges; two separate islands are searched both
    f = np.array([0, 1, 3], dtype=np.int64)
    t = np.array([1, 2, 4], dtype=np.int64)
    assert bridges(5, f, t).all()


@pytest.mark.parametrize("case", ["case30", "case118"])
def test_each_outage_equals_pandapower_with_the_branch_out(case: str) -> None:
    ppn = fresh_pandapower_case(case)
    net = from_pandapower(ppn)
    res = run_contingency_ac(net, per_circuit=False, tol_mva=1e-8)
    assert res.base_converged
    table = res.outages.set_index("outage")
    solved = table.index[~table["islanding"]]
    assert table.loc[solved, "converged"].all()
    names = list(res.outage_names)
    rng = np.random.default_rng(7)
    trafos = [n for n in solved if n.startswith("trafo_")][:1]  # case30 has none
    for name in [*rng.choice(solved, 6, replace=False), *trafos]:
        kind, idx = name.rsplit("_", 1)
        ref = fresh_pandapower_case(case)
        ref[kind].loc[int(idx), "in_service"] = False
        pp.runpp(ref, tolerance_mva=1e-10, lightsim2grid=False)
        k = names.index(name)
        vm_ref = ref.res_bus["vm_pu"].to_numpy()
        assert np.max(np.abs(res.vm_pu[k] - vm_ref)) < 1e-6
        # loadings of lines in service, both with pandapower's definition
        line_idx = [i for i in ppn.line.index if not (kind == "line" and i == int(idx))]
        cols = [res.branch_names.tolist().index(f"line_{i}") for i in line_idx]
        np.testing.assert_allclose(
            res.loading_percent[k, cols],
            ref.res_line.loc[line_idx, "loading_percent"].to_numpy(),
            atol=1e-4,
        )


def test_islanding_outages_are_listed_not_solved() -> None:
    net = from_pandapower(fresh_pandapower_case("case30"))
    res = run_contingency_ac(net, per_circuit=False)
    isl = res.outages.set_index("outage").loc[res.islanding]
    assert len(res.islanding) > 0 and not isl["converged"].any()
    rows = [list(res.outage_names).index(n) for n in res.islanding]
    assert np.isnan(res.vm_pu[rows]).all()


def test_one_circuit_of_a_double_line_is_not_islanding_and_matches_half_admittance() -> None:
    net = from_pandapower(fresh_pandapower_case("case30"))
    radial = run_contingency_ac(net, per_circuit=False).islanding[0]
    kind = "line" if radial in net.line.index else "trafo"
    if kind == "line":
        net.line.loc[radial, "parallel"] = 2
    else:
        net.trafo.loc[radial, "parallel"] = 2
    res = run_contingency_ac(net, branches=[radial])
    row = res.outages.iloc[0]
    assert not row["islanding"] and row["converged"]
    # reference: the same network with a single circuit left, solved directly
    from gridsim.studies import run_pf

    single = net.copy()
    single.table(kind).loc[radial, "parallel"] = 1
    ref = run_pf(single, "nr", tol_mva=1e-9)
    assert np.max(np.abs(res.vm_pu[0] - ref.bus["vm_pu"].to_numpy())) < 1e-6
