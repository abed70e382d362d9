"""Commissioning and decommissioning dates of every element table in the dispatch:
generators, storage (power and energy), DC links, AC lines (transport and ptdf models)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridsim.dispatch import BuildOptions, DispatchOptions, build_problem, solve_dispatch
from gridsim.dispatch.build import dc_ptdf
from gridsim.dispatch.build_dates import in_service_pu
from gridsim.dispatch.synthetic import toy_network, toy_profiles
from gridsim.errors import InputError

HOURS = 72
START = "2025-04-09"
TZ = "Asia/Shanghai"


@pytest.fixture()
def net_prof():
    return toy_network(4), toy_profiles(4, HOURS, start=START)


def _on(prof, date: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(prof.snapshots >= pd.Timestamp(date, tz=TZ))


def test_in_service_series_counts_the_hours() -> None:
    snaps = pd.date_range("2025-01-01", periods=24 * 10, freq="h", tz=TZ)
    df = pd.DataFrame(
        {
            "commission_date": ["", "2025-01-03", "2025-01-03T06:00", ""],
            "decommission_date": ["", "", "2025-01-05", "2025-01-09"],
        },
        index=["a", "b", "c", "d"],
    )
    av = in_service_pu(df, "storage", snaps, "x.toml")
    # hours by calendar arithmetic: b from day 3 (48 h off), c 42 h off at the start and
    # from day 5 on, d off from day 9 (8 days on)
    assert av.sum(axis=0).tolist() == [240, 240 - 48, 2 * 24 - 6, 8 * 24]
    assert av[47, 1] == 0 and av[48, 1] == 1


def test_bad_dates_name_table_element_and_field() -> None:
    snaps = pd.date_range("2025-01-01", periods=24, freq="h", tz=TZ)
    bad = pd.DataFrame({"commission_date": ["2025-02-30"], "decommission_date": [""]}, index=["l1"])
    with pytest.raises(InputError, match="line 'l1': commission_date must be an ISO date"):
        in_service_pu(bad, "line", snaps, "net.toml")
    order = pd.DataFrame({"commission_date": ["2025-03-01"], "decommission_date": ["2025-02-01"]}, index=["s"])  # fmt: skip
    with pytest.raises(InputError, match=r"storage 's': decommission_date must be after the commission date \(2025-03-01\)"):  # fmt: skip
        in_service_pu(order, "storage", snaps, "net.toml")


def test_generator_decommissioned_mid_period(net_prof) -> None:  # type: ignore[no-untyped-def]
    net, prof = net_prof
    net.gen.loc["wind_z1", "decommission_date"] = "2025-04-10"
    p = build_problem(net, prof)
    j = list(p.renewable.names).index("wind_z1")
    on = ~_on(prof, "2025-04-10")
    expect = prof.wind_cf["z1"].to_numpy() * net.gen.max_p_mw["wind_z1"] * on
    np.testing.assert_allclose(p.renewable.available_mw[:, j], expect)
    assert on.sum() == 24


def test_battery_has_no_power_or_energy_before_its_date(net_prof) -> None:  # type: ignore[no-untyped-def]
    net, prof = net_prof
    net.storage.loc["bess_z0", "commission_date"] = "2025-04-10T12:00"
    net.storage.loc["bess_z1", "decommission_date"] = "2025-04-11"
    p = build_problem(net, prof, BuildOptions(export_band_pu=0.3))
    st = p.storage
    k0, k1 = list(st.names).index("bess_z0"), list(st.names).index("bess_z1")
    on0 = _on(prof, "2025-04-10T12:00")
    np.testing.assert_array_equal(st.avail_pu[:, k0], on0.astype(float))
    np.testing.assert_array_equal(st.avail_pu[:, k1], (~_on(prof, "2025-04-11")).astype(float))
    assert st.soc0_mwh[k0] == 0.0  # not in service in the first hour: starts empty
    assert st.soc0_mwh[k1] == 0.5 * net.storage.max_e_mwh["bess_z1"]
    for window in (None, 24):
        res = solve_dispatch(p, DispatchOptions(window_h=window, lookahead_h=6))
        assert res.status == "optimal"
        a = res.arrays
        for name in ("storage_charge_mw", "storage_discharge_mw", "storage_soc_mwh"):
            assert np.all(np.abs(a[name][~on0, k0]) < 1e-6), name
            assert np.all(np.abs(a[name][_on(prof, "2025-04-11"), k1]) < 1e-6), name
        assert a["storage_soc_mwh"][on0, k0].max() > 1.0  # in service, it is used


def test_dc_link_sends_nothing_before_its_date(net_prof) -> None:  # type: ignore[no-untyped-def]
    net, prof = net_prof
    net.dcline.loc["dc_export", "commission_date"] = "2025-04-10"
    p = build_problem(net, prof, BuildOptions(export_band_pu=0.1))
    on = _on(prof, "2025-04-10")
    assert np.all(p.links.p_max_mw[~on] == 0)
    rating = net.dcline.max_p_mw["dc_export"]
    pu = prof.export_pu["dc_export"].to_numpy()
    np.testing.assert_allclose(p.links.p_min_mw[on, 0], np.clip(pu[on] - 0.1, 0, 1) * rating)
    res = solve_dispatch(p, DispatchOptions(window_h=None))
    assert res.status == "optimal"
    assert np.all(res.arrays["link_p_mw"][~on, 0] == 0)


def test_transport_line_out_before_its_date(net_prof) -> None:  # type: ignore[no-untyped-def]
    net, prof = net_prof
    net.line.loc["l01", "commission_date"] = "2025-04-10"
    p = build_problem(net, prof, BuildOptions(network="transport", export_band_pu=0.3))
    br = p.branches
    k = list(br.names).index("z0-z1")
    on = _on(prof, "2025-04-10")
    np.testing.assert_array_equal(br.avail_pu[:, k], on.astype(float))
    res = solve_dispatch(p, DispatchOptions(window_h=None))
    assert res.status == "optimal"
    assert np.all(np.abs(res.arrays["flow_mw"][~on, k]) < 1e-6)


def test_ptdf_has_one_ptdf_per_topology_period(net_prof) -> None:  # type: ignore[no-untyped-def]
    """Line l12 enters service on 10 April: before, the PTDF is the one of the network
    without it (built with the line out of service), from then on the full network's."""
    net, prof = net_prof
    full = build_problem(net, prof, BuildOptions(network="ptdf"))
    net.line.loc["l12", "in_service"] = False
    without = build_problem(net, prof, BuildOptions(network="ptdf"))
    net.line.loc["l12", ["in_service", "commission_date"]] = [True, "2025-04-10"]
    p = build_problem(net, prof, BuildOptions(network="ptdf", export_band_pu=0.3))
    on = _on(prof, "2025-04-10")
    assert p.ptdf is not None and p.ptdf.shape == (2, *full.ptdf.shape)
    assert p.ptdf_period is not None
    np.testing.assert_array_equal(p.ptdf_period, on.astype(int))
    k = list(p.branches.names).index("l12")
    np.testing.assert_allclose(p.ptdf[1], full.ptdf)
    np.testing.assert_allclose(np.delete(p.ptdf[0], k, axis=0), without.ptdf, atol=1e-12)
    assert np.all(p.ptdf[0][k] == 0)
    for window in (None, 24):
        res = solve_dispatch(p, DispatchOptions(window_h=window, lookahead_h=6))
        assert res.status == "optimal"
        flow = res.arrays["flow_mw"]
        assert np.all(flow[~on, k] == 0) and np.abs(flow[on, k]).max() > 1.0
        assert np.all(np.abs(flow) <= p.branches.p_max_mw * (1 + 1e-6) + 1e-6)


def test_ptdf_period_that_islands_a_node_is_an_error() -> None:
    net, prof = toy_network(2), toy_profiles(2, HOURS, start=START)
    net.line.loc["l01", "commission_date"] = "2025-04-10"
    with pytest.raises(InputError, match="from 2025-04-09 00:00 the branches in service .* do not connect every node"):  # fmt: skip
        build_problem(net, prof, BuildOptions(network="ptdf"))


def test_ptdf_leaves_out_a_line_retired_before_the_period(net_prof) -> None:  # type: ignore[no-untyped-def]
    net, prof = net_prof
    net.line.loc["l12", "decommission_date"] = "2025-01-01"
    p = build_problem(net, prof, BuildOptions(network="ptdf"))
    net.line.loc["l12", ["decommission_date", "in_service"]] = ["", False]
    q = build_problem(net, prof, BuildOptions(network="ptdf"))
    assert list(p.branches.names) == list(q.branches.names) and "l12" not in p.branches.names
    np.testing.assert_allclose(p.ptdf, q.ptdf)
    br = q.branches
    np.testing.assert_allclose(q.ptdf, dc_ptdf(4, br.node, br.to_node, br.x_pu))
