"""Voltage control in the AC check: decommitted units leave their bus to PQ, and
reactive limits switch regulating buses to PQ at the limit; each hour against
pandapower's runpp with the decommitted units out of service (and enforce_q_lims)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import three_bus
from gridsim.network.io_pandapower_write import to_pandapower
from gridsim.studies.ac_check import AcCheckSettings, run_ac_check
from gridsim.studies.ac_check_inputs import ac_inputs, ac_network, bus_shape_mw

LOAD_MW = np.array([300.0, 700.0, 900.0, 1100.0, 600.0])
G_C_MW = np.array([100.0, 0.0, 150.0, 200.0, 50.0])
G_C_U_MW = np.array([300.0, 0.0, 300.0, 150.0, 300.0])  # committed MW; hour 1: off


def _case():
    """three_bus with a second regulating unit g_c (300 MW, +-80 Mvar) at the load bus
    and a regulating bus d behind c, whose unit g_d (+-60 Mvar) is decommitted in hour 1."""
    net = three_bus()
    net.add_gen("g_c", "c", p_mw=0.0, vm_pu=1.0, min_q_mvar=-80.0, max_q_mvar=80.0, max_p_mw=300.0)  # fmt: skip
    net.add_bus("d", vn_kv=330.0, zone="z")
    net.add_line("cd", "c", "d", length_km=60, r_ohm_per_km=0.04, x_ohm_per_km=0.32, c_nf_per_km=11.2, max_i_ka=1.7)  # fmt: skip
    net.add_gen("g_d", "d", p_mw=0.0, vm_pu=1.03, min_q_mvar=-60.0, max_q_mvar=60.0, max_p_mw=200.0)  # fmt: skip
    net.add_load("load_d", "d", p_mw=100.0, q_mvar=30.0)
    idx = pd.date_range("2025-01-01", periods=len(LOAD_MW), freq="h", tz="Asia/Shanghai")
    d_u = np.array([200.0, 0.0, 200.0, 200.0, 100.0])
    frames = {
        "load_mw": pd.DataFrame({"system": LOAD_MW}, index=idx),
        "thermal_p_mw": pd.DataFrame(
            {"g_b": np.full(5, 200.0), "g_c": G_C_MW, "g_d": np.where(d_u > 0, 80.0, 0.0)},
            index=idx,
        ),  # fmt: skip
        "thermal_u_mw": pd.DataFrame(
            {"g_b": np.full(5, 400.0), "g_c": G_C_U_MW, "g_d": d_u}, index=idx
        ),  # fmt: skip
    }
    net.gen.loc["g_b", "max_p_mw"] = 400.0
    return net, frames


def _pandapower(net, inputs, frames, k: int, enforce: bool):
    """pandapower's runpp of hour ``k``: the check's injections, decommitted units out of
    service, the others' reactive limits scaled by their committed share."""
    import pandapower as pp

    n = net.copy()
    for key, df in inputs.items():
        table, col = key.split(".")
        getattr(n, table).loc[df.columns, col] = df.iloc[k].to_numpy(float)
    u = frames["thermal_u_mw"].iloc[k]
    share = (u / n.gen.max_p_mw.reindex(u.index)).clip(0.0, 1.0)
    n.gen.loc[u.index, "min_q_mvar"] *= share
    n.gen.loc[u.index, "max_q_mvar"] *= share
    n.gen.loc[u.index[u <= 0], "in_service"] = False
    ppn = to_pandapower(n)
    pp.runpp(ppn, tolerance_mva=1e-9, enforce_q_lims=enforce)
    return ppn


@pytest.mark.parametrize("enforce", [False, True])
def test_hours_match_pandapower(enforce: bool) -> None:
    net, frames = _case()
    s = AcCheckSettings(load_power_factor=0.9, enforce_q_limits=enforce)
    chk = run_ac_check(net, frames.get, s)
    assert chk.hourly.converged.all()
    net_ac = ac_network(net)
    inputs = ac_inputs(net_ac, frames.get, s, bus_shape_mw(net, None, chk.hourly.index))
    for k in range(len(LOAD_MW)):
        ppn = _pandapower(net_ac, inputs, frames, k, enforce)
        vm_pp = pd.Series(ppn.res_bus.vm_pu.to_numpy(), index=ppn.bus.name)
        vm = chk.vm_pu.iloc[k]
        assert np.max(np.abs(vm.to_numpy() - vm_pp.reindex(vm.index).to_numpy())) < 1e-6
        pf = pd.Series(ppn.res_line.p_from_mw.to_numpy(), index=ppn.line.name)
        assert np.max(np.abs(chk.series.p_from_mw[k] - pf.reindex(chk.series.branch_names).to_numpy())) < 1e-4  # fmt: skip
        q_pp = pd.Series(ppn.res_gen.q_mvar.to_numpy(), index=ppn.gen.name).fillna(0.0)
        q = chk.gen_q_mvar.iloc[k]
        assert np.max(np.abs(q.to_numpy() - q_pp.reindex(q.index).fillna(0.0).to_numpy())) < 1e-4  # fmt: skip
    # hour 1: g_c and g_d decommitted give no reactive power, their buses float
    assert chk.gen_q_mvar.loc[chk.hourly.index[1], ["g_c", "g_d"]].abs().max() < 1e-6
    assert chk.summary["voltage_control"]["offline_bus_hours"] == 2
    at = chk.summary["reactive"]["at_limit"]
    if enforce:  # the limits bind somewhere, and nothing is beyond them
        assert at["pairs"] > 0 and chk.summary["reactive"]["pairs"] == 0
        assert (chk.hourly.q_reserve_up_mvar >= -1e-6).all()
        assert (chk.hourly.q_reserve_down_mvar >= -1e-6).all()
    else:
        assert at["pairs"] == 0 and chk.summary["reactive"]["pairs"] > 0


def test_reserve_counts_committed_units_only() -> None:
    """The upward reserve is the committed units' capability less their output."""
    net, frames = _case()
    chk = run_ac_check(net, frames.get, AcCheckSettings(load_power_factor=0.9, enforce_q_limits=False))  # fmt: skip
    u = frames["thermal_u_mw"]
    share = (u / net.gen.max_p_mw.reindex(u.columns)).clip(0.0, 1.0)
    cap = (share * net.gen.max_q_mvar.reindex(u.columns)).sum(axis=1).to_numpy()
    q = chk.gen_q_mvar[u.columns].sum(axis=1).to_numpy()
    assert np.allclose(chk.hourly.q_reserve_up_mvar.to_numpy(), cap - q, atol=1e-6)
    # hour 1: only g_b (100 Mvar) is committed
    assert cap[1] == pytest.approx(100.0)
