"""Result tables of run_pf: layout, and elements out of service or on dead buses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conftest import three_bus
from gridsim.network import Network
from gridsim.studies import run_pf


def _with_trafo(net: Network) -> Network:
    net.add_bus("d", vn_kv=110.0)
    net.add_trafo("t", "c", "d", sn_mva=240.0, vn_hv_kv=330.0, vn_lv_kv=110.0, vk_percent=13.0)
    net.add_load("load_d", "d", p_mw=40.0, q_mvar=10.0)
    return net


def test_elements_out_of_service_change_nothing_and_get_nan_rows() -> None:
    base = _with_trafo(three_bus())
    net = _with_trafo(three_bus())
    net.add_bus("dead", vn_kv=110.0, in_service=False)
    net.add_gen("g_off", "b", p_mw=50.0, in_service=False)
    net.add_gen("g_dead", "dead", p_mw=5.0)
    net.add_line("l_off", "a", "c", r_ohm_per_km=0.1, x_ohm_per_km=0.4, in_service=False)
    net.add_trafo(
        "t_off", "c", "d", sn_mva=100.0, vn_hv_kv=330.0, vn_lv_kv=110.0, vk_percent=10.0,
        in_service=False,
    )  # fmt: skip
    net.add_trafo(
        "t_dead", "c", "dead", sn_mva=100.0, vn_hv_kv=330.0, vn_lv_kv=110.0, vk_percent=9.0
    )
    want, got = run_pf(base, tol_mva=1e-9), run_pf(net, tol_mva=1e-9)
    assert want.converged and got.converged
    pd.testing.assert_frame_equal(got.bus.loc[want.bus.index], want.bus, check_exact=True)
    assert got.bus.loc["dead"].isna().all()
    for table in ("line", "trafo", "gen"):
        pd.testing.assert_frame_equal(
            getattr(got, table).loc[getattr(want, table).index],
            getattr(want, table),
            check_exact=True,
        )
    assert got.gen.loc[["g_off", "g_dead"]].isna().all().all()
    # branches out of service or on a dead bus are not in the results
    assert list(got.line.index) == ["ab", "bc", "ca"] and list(got.trafo.index) == ["t"]


def test_result_tables_have_the_documented_layout(net3) -> None:
    res = run_pf(_with_trafo(net3))
    assert list(res.bus.columns) == ["vm_pu", "va_degree", "p_mw", "q_mvar"]
    assert res.bus.index.name == "bus" and list(res.bus.index) == ["a", "b", "c", "d"]
    branch_cols = ["p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar", "pl_mw", "ql_mvar",
                   "i_from_ka", "i_to_ka", "i_ka", "loading_percent"]  # fmt: skip
    for df in (res.line, res.trafo):
        assert list(df.columns) == branch_cols and df.index.name == "name"
        assert (df.dtypes == np.float64).all()
        # losses and the larger end current are the documented combinations
        assert np.array_equal(df["pl_mw"], df["p_from_mw"] + df["p_to_mw"])
        assert np.array_equal(df["i_ka"], np.maximum(df["i_from_ka"], df["i_to_ka"]))
    assert list(res.gen.columns) == ["p_mw", "q_mvar"] and res.gen.index.name == "name"
    assert list(res.dcline.columns) == ["p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar", "pl_mw"]
