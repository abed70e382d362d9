"""DC time series against pandapower ``rundcpp`` snapshot by snapshot.

Reference: ``pandapower.rundcpp`` with the snapshot's injections written into the
pandapower tables, for angles and flows; for loading, gridsim's single DC solve
(``run_pf(..., "dc")``) of the same snapshot, since gridsim rates DC transformer and
line loading from |P| at rated voltage where pandapower uses its own tap-dependent
currents. Required agreement (CONTRIBUTING): |dtheta| <= 1e-5 degree, flows within
1e-4 MW, loading within 1e-4 %. The compiled DC kernel solves snapshots in
blocks side by side; the snapshots checked sit at the start, end and edges of blocks,
and the series length is not a multiple of the block size.
"""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandas as pd

from conftest import fresh_pandapower_case
from gridsim.network.io_pandapower import from_pandapower
from gridsim.powerflow.dc_kernel import LANES
from gridsim.studies import run_pf
from gridsim.studies.timeseries import run_timeseries

A_TOL, FLOW_TOL, LOADING_TOL = 1e-5, 1e-4, 1e-4
N_T = 2 * LANES + 5
CHECKED = (0, LANES - 1, LANES, N_T - 1)


def _profiles(ppn, n_t: int, seed: int = 11) -> dict[str, np.ndarray]:
    """(T, n) absolute profiles (MW, Mvar) in pandapower element order."""
    rng = np.random.default_rng(seed)
    day = 0.85 + 0.25 * np.sin(2 * np.pi * np.arange(n_t) / 24)[:, None]
    out = {}
    load_f = day * (1 + 0.05 * rng.standard_normal((n_t, len(ppn.load))))
    out["load.p_mw"] = ppn.load["p_mw"].to_numpy() * load_f
    out["load.q_mvar"] = ppn.load["q_mvar"].to_numpy() * load_f
    gen_f = day * (1 + 0.05 * rng.standard_normal((n_t, len(ppn.gen))))
    out["gen.p_mw"] = ppn.gen["p_mw"].to_numpy() * gen_f
    if len(ppn.storage):
        out["storage.p_mw"] = 20.0 * rng.standard_normal((n_t, len(ppn.storage)))
    if len(ppn.dcline):
        out["dcline.p_mw"] = 30.0 + 10.0 * rng.random((n_t, len(ppn.dcline)))
    return out


def _inputs(ppn, prof: dict[str, np.ndarray], order: str = "C") -> dict[str, pd.DataFrame]:
    idx = pd.date_range("2025-01-01", periods=len(prof["load.p_mw"]), freq="h", tz="Asia/Shanghai")
    out = {}
    for key, arr in prof.items():
        table = key.split(".")[0]
        cols = [f"{table}_{i}" for i in getattr(ppn, table).index]
        data = np.ascontiguousarray(arr) if order == "C" else np.asfortranarray(arr)
        out[key] = pd.DataFrame(data, index=idx, columns=cols, copy=False)
    return out


def _rundcpp(ppn, prof: dict[str, np.ndarray], k: int):
    for key, arr in prof.items():
        table, col = key.split(".")
        getattr(ppn, table)[col] = arr[k]
    pp.rundcpp(ppn)
    return ppn


def _single_dc(net, ppn, prof: dict[str, np.ndarray], k: int):
    n2 = net.copy()
    for key, arr in prof.items():
        table, col = key.split(".")
        names = [f"{table}_{i}" for i in getattr(ppn, table).index]
        n2.table(table).loc[names, col] = arr[k]
    return run_pf(n2, "dc")


def _check_snapshot(res, ppn, single, k: int) -> None:
    va = ppn.res_bus["va_degree"].to_numpy()
    live = ~np.isnan(va)
    assert np.max(np.abs(res.va_degree[k] - va[live])) <= A_TOL
    on = ppn.line["in_service"].to_numpy(bool)
    ton = ppn.trafo["in_service"].to_numpy(bool)
    rl, rt = ppn.res_line[on], ppn.res_trafo[ton]
    # branches: lines first, then transformers
    for name, line_col, trafo_col in (
        ("p_from_mw", "p_from_mw", "p_hv_mw"),
        ("p_to_mw", "p_to_mw", "p_lv_mw"),
    ):
        ref = np.concatenate([rl[line_col].to_numpy(), rt[trafo_col].to_numpy()])
        assert np.max(np.abs(getattr(res, name)[k] - ref)) <= FLOW_TOL, (name, k)
    loading = pd.concat([single.line, single.trafo])["loading_percent"].to_numpy()
    assert np.array_equal(np.isnan(res.loading_percent[k]), np.isnan(loading))
    assert np.nanmax(np.abs(res.loading_percent[k] - loading)) <= LOADING_TOL
    assert np.all(res.vm_pu[k] == 1.0)
    assert np.all(res.q_from_mvar[k] == 0.0) and np.all(res.q_to_mvar[k] == 0.0)


def test_dc_timeseries_matches_rundcpp_with_phase_shifters_and_shunts() -> None:
    # case1354pegase: 6 phase-shifting transformers, 1082 shunts, 240 transformers
    ppn = fresh_pandapower_case("case1354pegase")
    prof = _profiles(ppn, N_T)
    net = from_pandapower(ppn)
    res = run_timeseries(net, _inputs(ppn, prof), algorithm="dc")
    assert res.converged.all() and res.algorithm == "dc"
    for k in CHECKED:
        _check_snapshot(res, _rundcpp(ppn, prof, k), _single_dc(net, ppn, prof, k), k)


def test_dc_timeseries_storage_and_dc_links_match_rundcpp() -> None:
    ppn = fresh_pandapower_case("case30")
    buses = ppn.bus.index
    pp.create_storage(ppn, buses[5], p_mw=10.0, max_e_mwh=100.0)
    pp.create_storage(ppn, buses[20], p_mw=-5.0, max_e_mwh=50.0)
    pp.create_dcline(
        ppn,
        buses[2],
        buses[25],
        p_mw=35.0,
        loss_percent=2.0,
        loss_mw=0.5,
        vm_from_pu=1.0,
        vm_to_pu=1.0,
    )
    prof = _profiles(ppn, N_T)
    net = from_pandapower(ppn)
    res = run_timeseries(net, _inputs(ppn, prof), algorithm="dc")
    for k in CHECKED:
        _check_snapshot(res, _rundcpp(ppn, prof, k), _single_dc(net, ppn, prof, k), k)


def test_dc_timeseries_is_reproducible_and_layout_independent() -> None:
    ppn = fresh_pandapower_case("case118")
    net = from_pandapower(ppn)
    prof = _profiles(ppn, N_T)
    a = run_timeseries(net, _inputs(ppn, prof, "C"), algorithm="dc")
    b = run_timeseries(net, _inputs(ppn, prof, "F"), algorithm="dc")
    again = run_timeseries(net, _inputs(ppn, prof, "C"), algorithm="dc")
    mixed = {**_inputs(ppn, prof, "C"), "gen.p_mw": _inputs(ppn, prof, "F")["gen.p_mw"]}
    assert mixed["gen.p_mw"].to_numpy().flags.f_contiguous
    assert mixed["load.p_mw"].to_numpy().flags.c_contiguous
    c = run_timeseries(net, mixed, algorithm="dc")
    # a snapshot's result does not depend on its neighbours in the solver's blocks
    tail = run_timeseries(
        net, {k: v.iloc[3:] for k, v in _inputs(ppn, prof).items()}, algorithm="dc"
    )
    for name in ("va_degree", "vm_pu", "p_from_mw", "p_to_mw", "loading_percent"):
        x = getattr(a, name)
        np.testing.assert_array_equal(x, getattr(b, name))
        np.testing.assert_array_equal(x, getattr(c, name))
        np.testing.assert_array_equal(x, getattr(again, name))
        np.testing.assert_array_equal(x[3:], getattr(tail, name))
    assert a.p_from_mw.flags.c_contiguous and a.p_from_mw.shape == (N_T, len(a.branch_names))


def test_dc_timeseries_without_active_power_profiles_repeats_the_base_case() -> None:
    ppn = fresh_pandapower_case("case57")
    net = from_pandapower(ppn)
    prof = _profiles(ppn, N_T)
    res = run_timeseries(net, {"load.q_mvar": _inputs(ppn, prof)["load.q_mvar"]}, algorithm="dc")
    pp.rundcpp(ppn)
    single = run_pf(net, "dc")
    for k in CHECKED:
        _check_snapshot(res, ppn, single, k)
