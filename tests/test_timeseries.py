"""Batched time series: every snapshot equals its own single solve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import fresh_pandapower_case, three_bus
from gridsim.network.io_pandapower import from_pandapower
from gridsim.studies import run_pf
from gridsim.studies.timeseries import run_timeseries


def _load_series(net, n_t: int, seed: int = 3) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ld = net.load
    f = 0.7 + 0.5 * rng.random((n_t, 1)) + 0.05 * rng.standard_normal((n_t, len(ld)))
    idx = pd.date_range("2025-01-01", periods=n_t, freq="h", tz="Asia/Shanghai")
    return {
        "load.p_mw": pd.DataFrame(ld["p_mw"].to_numpy() * f, index=idx, columns=ld.index),
        "load.q_mvar": pd.DataFrame(ld["q_mvar"].to_numpy() * f, index=idx, columns=ld.index),
    }


def _single(net, inputs, k: int, algorithm: str):
    n2 = net.copy()
    n2.load["p_mw"] = inputs["load.p_mw"].iloc[k].to_numpy()
    n2.load["q_mvar"] = inputs["load.q_mvar"].iloc[k].to_numpy()
    return run_pf(n2, algorithm, tol_mva=1e-9)


def test_ac_timeseries_equals_single_solves() -> None:
    net = from_pandapower(fresh_pandapower_case("case118"))
    inputs = _load_series(net, 200)
    res = run_timeseries(net, inputs, tol_mva=1e-9, chunk=64)
    assert res.converged.all()
    for k in (0, 63, 64, 150, 199):
        single = _single(net, inputs, k, "nr")
        assert np.max(np.abs(res.vm_pu[k] - single.bus["vm_pu"].to_numpy())) < 1e-8
        assert np.max(np.abs(res.va_degree[k] - single.bus["va_degree"].to_numpy())) < 1e-6
        flows = pd.concat([single.line, single.trafo])
        assert np.max(np.abs(res.p_from_mw[k] - flows["p_from_mw"].to_numpy())) < 1e-5
        assert np.max(np.abs(res.q_to_mvar[k] - flows["q_to_mvar"].to_numpy())) < 1e-5
        assert (
            np.nanmax(np.abs(res.loading_percent[k] - flows["loading_percent"].to_numpy())) < 1e-5
        )


def test_chunking_does_not_change_results() -> None:
    net = from_pandapower(fresh_pandapower_case("case30"))
    inputs = _load_series(net, 50)
    a = run_timeseries(net, inputs, tol_mva=1e-9, chunk=7)
    b = run_timeseries(net, inputs, tol_mva=1e-9)
    assert np.max(np.abs(a.vm_pu - b.vm_pu)) < 1e-9
    assert a.frame("p_from_mw").shape == (50, len(a.branch_names))


def test_dc_timeseries_equals_single_solves() -> None:
    net = from_pandapower(fresh_pandapower_case("case57"))
    inputs = _load_series(net, 30)
    res = run_timeseries(net, inputs, algorithm="dc")
    for k in (0, 17, 29):
        single = _single(net, inputs, k, "dc")
        flows = pd.concat([single.line, single.trafo])
        np.testing.assert_allclose(res.p_from_mw[k], flows["p_from_mw"].to_numpy(), atol=1e-9)
        np.testing.assert_allclose(res.va_degree[k], single.bus["va_degree"].to_numpy(), atol=1e-9)


def test_one_divergent_snapshot_does_not_sink_the_others() -> None:
    net = three_bus()
    idx = pd.date_range("2025-06-01", periods=5, freq="h", tz="Asia/Shanghai")
    p = pd.DataFrame({"load_c": [400.0, 420.0, 60_000.0, 380.0, 450.0]}, index=idx)
    res = run_timeseries(net, {"load.p_mw": p}, tol_mva=1e-8)
    assert res.converged.tolist() == [True, True, False, True, True]
    assert res.max_mismatch_mva[2] > 1.0 and res.worst_bus[2] in {"b", "c"}
    # the diverged snapshot holds NaN in every result array, the others none
    for name in ("vm_pu", "va_degree", "p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar", "loading_percent"):  # fmt: skip
        arr = getattr(res, name)
        assert np.isnan(arr[2]).all() and np.isfinite(np.delete(arr, 2, axis=0)).all(), name
    single = _single(net, {"load.p_mw": p, "load.q_mvar": p * 0 + 120.0}, 3, "nr")
    assert np.max(np.abs(res.vm_pu[3] - single.bus["vm_pu"].to_numpy())) < 1e-8


@pytest.mark.parametrize("engine", ["numba", "numba-fd"])
def test_compiled_and_numpy_engines_agree(engine: str) -> None:
    net = from_pandapower(fresh_pandapower_case("case57"))
    # a smooth daily load shape, as real profiles are
    hours = np.arange(48)
    f = 0.9 + 0.1 * np.sin(2 * np.pi * hours / 24)[:, None] * np.ones((1, len(net.load)))
    idx = pd.date_range("2025-01-01", periods=48, freq="h", tz="Asia/Shanghai")
    inputs = {
        "load.p_mw": pd.DataFrame(
            net.load["p_mw"].to_numpy() * f, index=idx, columns=net.load.index
        ),
        "load.q_mvar": pd.DataFrame(
            net.load["q_mvar"].to_numpy() * f, index=idx, columns=net.load.index
        ),
    }
    a = run_timeseries(net, inputs, tol_mva=1e-9, engine=engine)
    b = run_timeseries(net, inputs, tol_mva=1e-9, engine="numpy")
    assert a.converged.all() and b.converged.all()
    # the compiled engines warm-start each snapshot from its predecessor, the numpy one
    # from the common operating point: all stop within the 1e-9 MVA tolerance
    assert np.max(np.abs(a.vm_pu - b.vm_pu)) < 1e-9
    assert a.iterations.mean() < b.iterations.mean()
