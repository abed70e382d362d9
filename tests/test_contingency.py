"""N-1 screening equals outage-by-outage DC solves; the AC re-check equals a direct AC solve."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conftest import fresh_pandapower_case
from gridsim.network.io_pandapower import from_pandapower
from gridsim.studies import run_pf
from gridsim.studies.contingency import run_contingency
from gridsim.studies.timeseries import run_timeseries


def _series(net, n_t: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(11)
    f = 0.6 + 0.6 * rng.random((n_t, len(net.load)))
    idx = pd.date_range("2025-01-01", periods=n_t, freq="h", tz="Asia/Shanghai")
    return {
        "load.p_mw": pd.DataFrame(
            net.load["p_mw"].to_numpy() * f, index=idx, columns=net.load.index
        )
    }


def _rated_case():
    net = from_pandapower(fresh_pandapower_case("case30"))
    # tight ratings so the screen has something to find
    net.line["max_i_ka"] = 0.25
    return net


def test_screening_equals_direct_outage_solves() -> None:
    net = _rated_case()
    inputs = _series(net, 24)
    res = run_contingency(net, inputs, n_recheck=2, chunk=10)
    assert len(res.worst) + len(res.islanding) == len(net.line) + len(net.trafo)
    # brute force: every outage, every snapshot, solved without the branch
    ts = run_timeseries(net, inputs, algorithm="dc")
    worst_direct = {}
    for outage in res.worst["outage"]:
        n2 = net.copy()
        table = "line" if outage in n2.line.index else "trafo"
        n2.table(table).loc[outage, "in_service"] = False
        r2 = run_timeseries(n2, inputs, algorithm="dc")
        worst_direct[outage] = np.nanmax(r2.loading_percent)
    got = res.worst.set_index("outage")["loading_percent"]
    for outage, val in worst_direct.items():
        assert abs(got[outage] - val) < 1e-6, outage
    assert ts.converged.all()


def test_islanding_outages_are_listed() -> None:
    net = _rated_case()
    res = run_contingency(net, n_recheck=0)
    for outage in res.islanding:
        n2 = net.copy()
        table = "line" if outage in n2.line.index else "trafo"
        n2.table(table).loc[outage, "in_service"] = False
        from gridsim.network.validation import bus_islands

        assert bus_islands(n2)[0] == 2, outage
    assert res.islanding  # case30 has radial branches


def test_ac_recheck_equals_direct_ac_solve() -> None:
    net = _rated_case()
    res = run_contingency(net, n_recheck=3)
    for _, row in res.ac_recheck.iterrows():
        n2 = net.copy()
        table = "line" if row["outage"] in n2.line.index else "trafo"
        n2.table(table).loc[row["outage"], "in_service"] = False
        ac = run_pf(n2, "nr", tol_mva=1e-8)
        loading = pd.concat([ac.line, ac.trafo])["loading_percent"]
        assert row["converged"]
        assert abs(loading[row["branch"]] - row["ac_loading_percent"]) < 1e-5


def test_per_circuit_outage_equals_solve_with_one_circuit_less() -> None:
    from conftest import three_bus

    net = three_bus()
    net.line.loc["ab", "parallel"] = 2
    net.line["max_i_ka"] = 0.6
    per = run_contingency(net, n_recheck=3).worst.set_index("outage")
    whole = run_contingency(net, per_circuit=False, n_recheck=0)
    assert per.loc["ab", "circuits_out"] == 1
    # brute force: one of the two 'ab' circuits out
    n2 = net.copy()
    n2.line.loc["ab", "parallel"] = 1
    direct = run_pf(n2, "dc")
    # the remaining 'ab' circuit against its own rating is the branch loading of n2
    assert abs(per.loc["ab", "loading_percent"] - direct.line["loading_percent"].max()) < 1e-9
    # taking the whole double-circuit line out is a different (N-2) case
    w = whole.worst.set_index("outage")
    n3 = net.copy()
    n3.line.loc["ab", "in_service"] = False
    assert (
        abs(w.loc["ab", "loading_percent"] - run_pf(n3, "dc").line["loading_percent"].max()) < 1e-9
    )
    # the AC re-check of a per-circuit outage equals a direct AC solve
    rc = run_contingency(net, n_recheck=3).ac_recheck.set_index("outage")
    ac = run_pf(n2, "nr", tol_mva=1e-8)
    if "ab" in rc.index:
        assert abs(rc.loc["ab", "ac_max_loading_percent"] - ac.line["loading_percent"].max()) < 1e-6
