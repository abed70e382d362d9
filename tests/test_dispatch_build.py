"""Data -> problem mapping: availability, commissioning, CHP floors, nodes, branches, PTDF."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridsim.dispatch import BuildOptions, DispatchOptions, build_problem, solve_dispatch
from gridsim.dispatch.build import dc_ptdf
from gridsim.dispatch.synthetic import toy_network, toy_profiles
from gridsim.errors import InputError

HOURS = 72


@pytest.fixture()
def net_prof():
    return toy_network(4), toy_profiles(4, HOURS, start="2025-04-09")


def test_availability_and_commissioning(net_prof) -> None:
    net, prof = net_prof
    net.gen.loc["wind_z2", "commission_date"] = "2025-04-10"
    net.gen.loc["coal_z1_2", "commission_date"] = "2025-04-11"
    p = build_problem(net, prof)
    rn = p.renewable
    j = list(rn.names).index("wind_z2")
    online = np.asarray(prof.snapshots >= pd.Timestamp("2025-04-10", tz="Asia/Shanghai"))
    expect = prof.wind_cf["z2"].to_numpy() * net.gen.max_p_mw["wind_z2"] * online
    np.testing.assert_allclose(rn.available_mw[:, j], expect)
    assert online.sum() == HOURS - 24
    k = list(p.thermal.names).index("coal_z1_2")
    assert p.thermal.avail_pu[:48, k].sum() == 0 and p.thermal.avail_pu[48:, k].all()
    res = solve_dispatch(p, DispatchOptions(window_h=None))
    assert res.status == "optimal"
    assert np.all(res.arrays["thermal_p_mw"][:48, k] == 0)


def test_chp_floor_in_heating_hours_only(net_prof) -> None:
    net, prof = net_prof
    # heating ends on 2025-04-10 (the plains' season ends 10 April)
    heat = prof.snapshots < pd.Timestamp("2025-04-10", tz="Asia/Shanghai")
    prof.heating.loc[:, :] = np.repeat(heat[:, None], 4, axis=1)
    prof.wind_cf.loc[:, :] = 0.9  # plenty of wind: CHP units want to go down
    p = build_problem(net, prof, BuildOptions(export_band_pu=0.3))
    chp = np.flatnonzero([bool(net.gen.chp[g]) for g in p.thermal.names])
    floor = 0.5 * p.thermal.p_max_mw[chp]
    np.testing.assert_allclose(p.thermal.must_run_mw[heat][:, chp], np.tile(floor, (heat.sum(), 1)))
    assert np.all(p.thermal.must_run_mw[~heat] == 0)
    res = solve_dispatch(p, DispatchOptions(window_h=None))
    pt = res.arrays["thermal_p_mw"][:, chp]
    assert np.all(pt[heat] >= floor - 1e-6)
    assert (pt[~heat] < floor - 1.0).any()  # the floor is gone after the season
    assert (
        res.arrays["renewable_curtail_mw"][heat].sum()
        > res.arrays["renewable_curtail_mw"][~heat].sum()
    )


def test_nodes_load_and_branches(net_prof) -> None:
    net, prof = net_prof
    net.add_bus("b0x", vn_kv=330.0, zone="z0")
    net.add_line(
        "l0x", "b0", "b0x", r_ohm_per_km=0.04, x_ohm_per_km=0.32, length_km=30.0, max_i_ka=1.0
    )
    net.add_load("load_z0x", "b0x", p_mw=3000.0)  # three times the weight of load_z0
    cp = build_problem(net, prof)
    assert list(cp.nodes.names) == ["system"]
    np.testing.assert_allclose(cp.nodes.load_mw[:, 0], prof.load_mw.sum(axis=1))
    tr = build_problem(net, prof, BuildOptions(network="transport"))
    assert list(tr.nodes.names) == ["z0", "z1", "z2", "z3"]
    assert list(tr.branches.names) == ["z0-z1", "z0-z3", "z1-z2", "z2-z3"]
    rating = np.sqrt(3) * 750.0 * net.line.max_i_ka["l01"]
    assert tr.branches.p_max_mw[0] == pytest.approx(rating)
    nd = build_problem(net, prof, BuildOptions(network="ptdf"))
    names = list(nd.nodes.names)
    assert "sink" not in names  # the export's receiving bus is outside the model
    z0 = prof.load_mw["z0"].to_numpy()
    np.testing.assert_allclose(nd.nodes.load_mw[:, names.index("b0")], 0.25 * z0)
    np.testing.assert_allclose(nd.nodes.load_mw[:, names.index("b0x")], 0.75 * z0)
    assert nd.ptdf is not None and nd.ptdf.shape == (5, 5)


def test_ptdf_matches_the_powerflow_module() -> None:
    pf = pytest.importorskip("gridsim.powerflow.sensitivity")
    from gridsim.powerflow.compile import compile_network

    net = toy_network(4, with_export=False)
    net.gen.loc["coal_z0_0", "slack"] = True
    prof = toy_profiles(4, 24)
    p = build_problem(net, prof, BuildOptions(network="ptdf"))
    c = compile_network(net)
    ref = pf.ptdf_matrix(c)
    order = [list(c.bus_names).index(b) for b in p.nodes.names]
    rows = [list(c.branch_names).index(b) for b in p.branches.names]
    inj = np.random.default_rng(0).normal(size=(10, p.nodes.n))
    inj -= inj.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(inj @ p.ptdf.T, inj @ ref[rows][:, order].T, atol=1e-9)


def test_dc_ptdf_islands_raise() -> None:
    with pytest.raises(InputError, match="islands"):
        dc_ptdf(3, np.array([0]), np.array([1]), np.array([0.1]))


def test_missing_zone_column_names_the_generator(net_prof) -> None:
    net, prof = net_prof
    net.gen.loc["wind_z3", "zone"] = "nowhere"
    with pytest.raises(InputError, match="wind_z3"):
        build_problem(net, prof)


def test_exports_and_exchange_mapping(net_prof) -> None:
    net, prof = net_prof
    net.add_gen("nw_grid", "b1", fuel="ext", max_p_mw=800.0, min_p_mw=-500.0, cost_per_mwh=420.0)
    p = build_problem(
        net,
        prof,
        BuildOptions(
            export_band_pu=0.1,
            export_energy_mwh={"dc_export": 1e5},
            exchange_export_price_per_mwh=150.0,
        ),
    )
    lk = p.links
    pu = prof.export_pu["dc_export"].to_numpy()
    np.testing.assert_allclose(lk.p_max_mw[:, 0], np.clip(pu + 0.1, 0, 1) * 1500.0)
    np.testing.assert_allclose(lk.p_min_mw[:, 0], np.clip(pu - 0.1, 0, 1) * 1500.0)
    assert lk.to_node[0] == -1 and lk.loss_share[0] == pytest.approx(0.05)
    ex = p.exchange
    assert list(ex.names) == ["nw_grid"]
    assert ex.import_max_mw[0, 0] == 800.0 and ex.export_max_mw[0, 0] == 500.0
    assert ex.import_price_per_mwh[0] == 420.0 and ex.export_price_per_mwh[0] == 150.0
    assert "nw_grid" not in list(p.thermal.names)


def test_external_zone_ties_become_exchange(net_prof) -> None:
    net, prof = net_prof
    net.add_bus("gansu", vn_kv=750.0, zone="nw")
    net.add_line(
        "tie",
        "b1",
        "gansu",
        r_ohm_per_km=0.013,
        x_ohm_per_km=0.27,
        length_km=90.0,
        max_i_ka=1.0,
        parallel=2,
    )
    net.add_gen("gansu_eq", "gansu", fuel="ext", max_p_mw=5000.0, min_p_mw=-5000.0)
    with pytest.raises(InputError, match="exchange_import_price_per_mwh"):
        build_problem(net, prof, BuildOptions(external_zones=("nw",)))
    p = build_problem(
        net,
        prof,
        BuildOptions(
            network="transport", external_zones=("nw",), exchange_import_price_per_mwh=380.0
        ),
    )
    assert "nw" not in list(p.nodes.names) and list(p.exchange.names) == ["tie_z1"]
    assert p.exchange.import_max_mw[0, 0] == pytest.approx(2 * np.sqrt(3) * 750.0)
    assert p.exchange.import_price_per_mwh[0] == 380.0
    # without external zones the neighbour is a node and its 'ext' unit is the exchange
    q = build_problem(net, prof, BuildOptions(network="transport"))
    assert "nw" in list(q.nodes.names) and list(q.exchange.names) == ["gansu_eq"]


# ------------------------------------------------------------ series per element, roles
def test_two_wind_farms_in_one_zone_get_their_own_profiles(net_prof) -> None:
    """A wind_cf column named after a unit overrides its zone's column: two farms in
    zone z0 see different capacity factors and are dispatched differently."""
    net, prof = net_prof
    net.add_gen("wind_z0_b", "b0", fuel="wind", max_p_mw=800.0)
    own = np.clip(1.0 - prof.wind_cf["z0"].to_numpy(), 0.0, 1.0)
    prof.wind_cf["wind_z0_b"] = own
    p = build_problem(net, prof)
    rn = p.renewable
    a, b = list(rn.names).index("wind_z0"), list(rn.names).index("wind_z0_b")
    np.testing.assert_allclose(rn.available_mw[:, a], prof.wind_cf["z0"] * net.gen.max_p_mw["wind_z0"])  # fmt: skip
    np.testing.assert_allclose(rn.available_mw[:, b], own * 800.0)
    res = solve_dispatch(p, DispatchOptions(window_h=None))
    assert res.status == "optimal"
    out = res.arrays["renewable_p_mw"]
    assert np.abs(out[:, a] / net.gen.max_p_mw["wind_z0"] - out[:, b] / 800.0).max() > 0.2
    # the zone column is still read by the zone's other units, and a column that is both a
    # unit's own series and a zone's is refused
    prof.wind_cf["z0"] = prof.wind_cf["z1"]
    net.gen.loc["wind_z0", "zone"] = "wind_z0_b"
    with pytest.raises(InputError, match=r"gen 'wind_z0': zone reads the column of its zone 'wind_z0_b'"):  # fmt: skip
        build_problem(net, prof)


def test_load_series_per_load_and_per_zone(net_prof) -> None:
    """A load_mw column named after a load is that load's demand; the zone column is
    spread over the zone's other loads only."""
    net, prof = net_prof
    net.add_bus("b0x", vn_kv=330.0, zone="z0")
    net.add_line("l0x", "b0", "b0x", r_ohm_per_km=0.04, x_ohm_per_km=0.32, max_s_mva=900.0)
    net.add_load("factory", "b0x", p_mw=3000.0)
    net.add_load("town", "b0x", p_mw=1000.0)
    prof.load_mw["factory"] = 700.0
    p = build_problem(net, prof, BuildOptions(network="ptdf"))
    names = list(p.nodes.names)
    z0 = prof.load_mw["z0"].to_numpy()
    # z0 over load_z0 (1000 MW at b0) and town (1000 MW at b0x); the factory on its own
    np.testing.assert_allclose(p.nodes.load_mw[:, names.index("b0")], 0.5 * z0)
    np.testing.assert_allclose(p.nodes.load_mw[:, names.index("b0x")], 0.5 * z0 + 700.0)
    cp = build_problem(net, prof)
    np.testing.assert_allclose(cp.nodes.load_mw[:, 0], prof.load_mw.sum(axis=1))
    net.load.loc["town", "in_service"] = False
    net.load.loc["load_z0", "in_service"] = False
    with pytest.raises(InputError, match=r"column 'z0' is the demand of a zone whose loads all"):
        build_problem(net, prof)
    net.load.loc["load_z0", "in_service"] = True
    with pytest.raises(InputError, match=r"load 'load_z1': has no series in profiles.load_mw"):
        build_problem(net, type(prof)(**{**vars(prof), "load_mw": prof.load_mw[["z0", "factory"]]}))  # fmt: skip


def test_role_decides_the_model_not_the_fuel(net_prof) -> None:
    """The role column maps units to groups; an empty role keeps the fuel's group."""
    net, prof = net_prof
    net.add_gen("shed_z1", "b1", fuel="shed", max_p_mw=20000.0, cost_per_mwh=5000.0)
    net.add_gen("ror_z2", "b2", fuel="ror", role="renewable", max_p_mw=300.0)
    net.add_gen("wind_firm", "b3", fuel="wind", role="thermal", max_p_mw=200.0)
    prof.wind_cf["ror_z2"] = 0.5
    p = build_problem(net, prof)
    assert "shed_z1" in p.thermal.names  # fuel "shed" alone: thermal, as always
    assert "wind_firm" in p.thermal.names and "wind_firm" not in p.renewable.names
    j = list(p.renewable.names).index("ror_z2")
    np.testing.assert_allclose(p.renewable.available_mw[:, j], 150.0)
    assert p.renewable.fuel[j] == "ror"
    net.gen.loc["shed_z1", "role"] = "shedding"
    prof.load_mw *= 2.5  # more demand than the generation: some of it is shed
    p = build_problem(net, prof)
    assert "shed_z1" not in p.thermal.names
    k = list(p.curtailable.names).index("shed_z1")
    assert p.curtailable.cost_per_mwh[k] == 5000.0 and np.isnan(p.curtailable.energy_mwh[k])
    assert p.meta["shedding_units"] == ["shed_z1"]
    np.testing.assert_allclose(p.curtailable.p_max_mw[:, k], 20000.0)
    res = solve_dispatch(p, DispatchOptions(window_h=None))
    shed = res.arrays["dr_curtail_mw"][:, k]
    assert res.status == "optimal" and shed.max() > 100.0
    assert np.all(res.arrays["unserved_mw"] < 1e-6)  # shedding at 5000 comes before VOLL


def test_profile_tables_that_no_element_needs_may_be_missing() -> None:
    from gridsim.dispatch.synthetic import Profiles

    net = toy_network(2, with_export=False, with_storage=False)
    net.gen.loc[net.gen.fuel == "solar", "in_service"] = False
    net.gen["chp"] = False
    full = toy_profiles(2, 24)
    prof = Profiles(full.snapshots, full.wind_cf, None, full.load_mw, None, None)  # type: ignore[arg-type]
    assert build_problem(net, prof).renewable.n == 2
    net.gen.loc["solar_z0", "in_service"] = True
    with pytest.raises(InputError, match=r"gen 'solar_z0': profiles have no 'solar_cf' table"):
        build_problem(net, prof)
