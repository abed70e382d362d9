"""PyPSA networks imported with from_pypsa and run through the balance study give PyPSA's
own optimum (to 1e-6, relative): a copper plate, a transport model of links, a PTDF model
of lines and a transformer, linearised unit commitment, and the round trip gridsim ->
PyPSA -> gridsim. Every feature gridsim does not model is refused, naming it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import quiet
from gridsim.errors import InputError
from gridsim.studies.balance import run_balance

pypsa = pytest.importorskip("pypsa")
from gridsim.interop import from_pypsa, to_pypsa  # noqa: E402

T = 48
GAP = 1e-6
SNAPS = pd.date_range("2025-05-01", periods=T, freq="h")


def _pypsa_objective(n: Any, **kw: Any) -> float:
    _, cond = quiet(lambda: n.optimize(solver_name="highs", solver_options={"output_flag": False}, **kw))  # fmt: skip
    assert cond == "optimal"
    return float(n.objective) + float(getattr(n, "objective_constant", 0.0))


def _gridsim(n: Any, tmp_path: Path, **kw: Any):
    imp = quiet(lambda: from_pypsa(n, **kw))
    res = run_balance(imp.write(tmp_path / "model"))
    assert res.status == "optimal"
    return imp, res


def _gap(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def _series(rng: np.random.Generator, lo: float = 0.0, hi: float = 1.0) -> pd.Series:
    return pd.Series(lo + (hi - lo) * rng.random(T), SNAPS)


def _load(scale: float, phase: float = 0.0) -> pd.Series:
    h = np.arange(T)
    return pd.Series(scale * (1.0 + 0.3 * np.sin(2 * np.pi * (h / 24 + phase))), SNAPS)


def copper_plate() -> Any:
    """One bus: two wind farms with their own availability, solar, gas with a minimum
    output, coal with a ramp limit, load shedding and a battery that starts half full."""
    rng = np.random.default_rng(1)
    n = pypsa.Network(name="copper plate")
    n.set_snapshots(SNAPS)
    n.add("Bus", "a", v_nom=220.0)
    n.add("Carrier", ["gas", "coal"], co2_emissions=[0.2, 0.34])
    n.add("Generator", "wind_a", bus="a", carrier="onwind", p_nom=300, p_max_pu=_series(rng))
    n.add("Generator", "wind_b", bus="a", carrier="onwind", p_nom=200, p_max_pu=_series(rng))
    sun = np.clip(np.sin((np.arange(T) % 24 - 6) / 12 * np.pi), 0, None)
    n.add("Generator", "pv", bus="a", carrier="solar", p_nom=250, p_max_pu=pd.Series(sun, SNAPS))
    n.add("Generator", "gas", bus="a", carrier="gas", p_nom=500, marginal_cost=60, p_min_pu=0.1, efficiency=0.5)  # fmt: skip
    n.add("Generator", "coal", bus="a", carrier="coal", p_nom=250, marginal_cost=30, ramp_limit_up=0.1, ramp_limit_down=0.1)  # fmt: skip
    n.add("Generator", "shed", bus="a", carrier="load shedding", p_nom=1000, marginal_cost=3000)
    n.add("StorageUnit", "bat", bus="a", p_nom=100, max_hours=4, efficiency_store=0.9, efficiency_dispatch=0.95, state_of_charge_initial=200)  # fmt: skip
    n.add("Load", "town", bus="a", p_set=_load(450.0))
    return n


def test_copper_plate_matches_pypsa(tmp_path: Path) -> None:
    n = copper_plate()
    ref = _pypsa_objective(n)
    imp, res = _gridsim(n, tmp_path)
    gap = _gap(res.dispatch.objective, ref)
    assert gap < GAP, gap
    assert imp.scenario["study"]["network_model"] == "copperplate"
    assert imp.scenario["network"]["overrides"]["must_run"] == {"gas": pytest.approx(0.1)}
    gen = imp.network.gen
    assert gen.at["shed", "role"] == "shedding" and gen.at["wind_a", "role"] == "renewable"
    assert gen.at["gas", "co2_t_per_mwh"] == pytest.approx(0.4)
    # two wind farms of one bus, each with its own series, as in PyPSA (the hourly split
    # of output between zero-cost units and hours is degenerate: compare what is available)
    rn = res.dispatch.problem.renewable
    names = list(rn.names)
    for g in ("wind_a", "wind_b", "pv"):
        avail = n.generators_t.p_max_pu[g] * n.generators.p_nom[g]
        np.testing.assert_allclose(rn.available_mw[:, names.index(g)], avail, rtol=1e-12)
    a, b = names.index("wind_a"), names.index("wind_b")
    assert np.abs(rn.available_mw[:, a] / 300 - rn.available_mw[:, b] / 200).max() > 0.1
    # the gas floor and the coal ramp are binding
    th = list(res.dispatch.problem.thermal.names)
    assert res.dispatch.arrays["thermal_p_mw"][:, th.index("gas")].min() == pytest.approx(50.0)
    assert np.abs(np.diff(res.dispatch.arrays["thermal_p_mw"][:, th.index("coal")])).max() == pytest.approx(25.0)  # fmt: skip


def transport() -> Any:
    """Three buses joined by links only: a lossy one-way link, a lossless two-way link,
    wind with a time-varying availability and a cyclic battery."""
    rng = np.random.default_rng(2)
    n = pypsa.Network(name="links")
    n.set_snapshots(SNAPS)
    n.add("Bus", ["a", "b", "c"], v_nom=380.0)
    n.add("Generator", "wind", bus="a", carrier="wind", p_nom=900, p_max_pu=_series(rng, 0.1, 1.0))
    n.add("Generator", "gas_a", bus="a", carrier="gas", p_nom=300, marginal_cost=70)
    n.add("Generator", "coal_b", bus="b", carrier="coal", p_nom=400, marginal_cost=35)
    n.add("Generator", "oil_c", bus="c", carrier="oil", p_nom=600, marginal_cost=120)
    n.add("Link", "ab", bus0="a", bus1="b", p_nom=250, efficiency=0.95)
    n.add("Link", "bc", bus0="b", bus1="c", p_nom=200, p_min_pu=-1.0)
    n.add("StorageUnit", "bat_c", bus="c", p_nom=80, max_hours=3, efficiency_store=0.92, efficiency_dispatch=0.92, cyclic_state_of_charge=True)  # fmt: skip
    n.add("Load", "load_b", bus="b", p_set=_load(300.0))
    n.add("Load", "load_c", bus="c", p_set=_load(250.0, 0.25))
    return n


def test_links_match_pypsa_in_the_transport_model(tmp_path: Path) -> None:
    n = transport()
    ref = _pypsa_objective(n)
    imp, res = _gridsim(n, tmp_path)
    assert imp.scenario["study"]["network_model"] == "transport"
    assert set(imp.network.dcline.index) == {"ab", "bc", "bc reverse"}
    gap = _gap(res.dispatch.objective, ref)
    assert gap < GAP, gap
    lk = list(res.dispatch.problem.links.names)
    sent = res.dispatch.arrays["link_p_mw"]
    assert sent[:, lk.index("ab")].max() == pytest.approx(250.0)  # the links bind
    assert (sent[:, lk.index("bc reverse")] > 1.0).any() or (sent[:, lk.index("bc")] >= 199.999).any()  # fmt: skip


def ptdf() -> Any:
    """A meshed 380 kV ring of four buses with a binding line, a 110 kV bus behind a
    transformer, a link, wind with a time-varying availability and a battery."""
    rng = np.random.default_rng(3)
    n = pypsa.Network(name="lines")
    n.set_snapshots(SNAPS)
    n.add("Bus", ["n1", "n2", "n3", "n4"], v_nom=380.0)
    n.add("Bus", "lv", v_nom=110.0)
    for (a, b), x, s in zip([("n1", "n2"), ("n2", "n3"), ("n3", "n4"), ("n4", "n1"), ("n1", "n3")], [20, 25, 30, 22, 40], [400, 300, 300, 400, 150]):  # fmt: skip
        n.add("Line", f"{a}-{b}", bus0=a, bus1=b, x=x, r=2.0, s_nom=s)
    n.add("Transformer", "t1", bus0="n2", bus1="lv", x=0.12, s_nom=250)
    n.add("Link", "hvdc", bus0="n1", bus1="n4", p_nom=150, efficiency=0.97)
    n.add("Generator", "wind", bus="n1", carrier="wind", p_nom=800, p_max_pu=_series(rng))
    n.add("Generator", "coal", bus="n1", carrier="coal", p_nom=600, marginal_cost=30)
    n.add("Generator", "gas", bus="n3", carrier="gas", p_nom=500, marginal_cost=65)
    n.add("Generator", "peaker", bus="lv", carrier="oil", p_nom=200, marginal_cost=150)
    n.add("StorageUnit", "bat", bus="n4", p_nom=60, max_hours=2, efficiency_store=0.9, efficiency_dispatch=0.9, cyclic_state_of_charge=True)  # fmt: skip
    n.add("Load", ["l2", "l3", "l4"], bus=["n2", "n3", "n4"], p_set=pd.concat([_load(250.0), _load(300.0, 0.1), _load(200.0, 0.3)], axis=1, keys=["l2", "l3", "l4"]))  # fmt: skip
    n.add("Load", "l_lv", bus="lv", p_set=_load(150.0, 0.5))
    return n


def test_lines_and_a_transformer_match_pypsa_in_the_ptdf_model(tmp_path: Path) -> None:
    n = ptdf()
    ref = _pypsa_objective(n)
    imp, res = _gridsim(n, tmp_path)
    assert imp.scenario["study"]["network_model"] == "ptdf"
    gap = _gap(res.dispatch.objective, ref)
    assert gap < GAP, gap
    br = list(res.dispatch.problem.branches.names)
    flow = res.dispatch.arrays["flow_mw"]
    np.testing.assert_allclose(flow[:, br.index("n1-n3")], n.lines_t.p0["n1-n3"], atol=1e-4)
    assert np.abs(flow[:, br.index("n1-n3")]).max() == pytest.approx(150.0)  # binding line


def test_linearised_commitment_matches_pypsa(tmp_path: Path) -> None:
    n = copper_plate()
    n.remove("Generator", "coal")
    n.add("Generator", "coal", bus="a", carrier="coal", p_nom=300, marginal_cost=30, committable=True, p_min_pu=0.4, start_up_cost=6000.0, ramp_limit_up=0.3, ramp_limit_down=0.3)  # fmt: skip
    n.generators.loc["gas", "p_min_pu"] = 0.0
    ref = _pypsa_objective(n, linearized_unit_commitment=True)
    imp, res = _gridsim(n, tmp_path)
    assert imp.scenario["study"]["commitment"] == "linear"
    assert imp.network.gen.at["coal", "startup_cost_per_mw"] == pytest.approx(20.0)
    assert any("linearised commitment" in x for x in imp.notes)
    gap = _gap(res.dispatch.objective, ref)
    assert gap < GAP, gap
    assert res.dispatch.arrays["thermal_su_mw"].sum() > 1.0  # start-ups happen


@pytest.mark.parametrize("network", ["copperplate", "transport", "ptdf"])
def test_round_trip_gridsim_pypsa_gridsim(tmp_path: Path, network: str) -> None:
    """A gridsim problem exported to PyPSA and imported back solves to the same optimum
    (gridsim's own unserved energy at VOLL replaces the exported unserved generators)."""
    from gridsim.dispatch import BuildOptions, DispatchOptions, build_problem, solve_dispatch
    from gridsim.dispatch.synthetic import toy_network, toy_profiles

    net = toy_network(4, with_export=False)
    prof = toy_profiles(4, T, start="2025-06-02")  # no heating: no CHP rows outside PyPSA
    problem = build_problem(net, prof, BuildOptions(network=network))
    own = solve_dispatch(problem, DispatchOptions(window_h=None))
    assert own.status == "optimal"
    n = quiet(lambda: to_pypsa(problem))
    n.remove("Generator", [g for g in n.generators.index if g.startswith("unserved ")])
    imp, res = _gridsim(n, tmp_path, tz="Asia/Shanghai")
    assert imp.scenario["study"]["network_model"] == network
    gap = _gap(res.dispatch.objective, own.objective)
    assert gap < GAP, gap
    assert res.dispatch.problem.thermal.n == problem.thermal.n
    assert res.dispatch.problem.storage.n == problem.storage.n


def _base() -> Any:
    n = pypsa.Network(name="base")
    n.set_snapshots(SNAPS[:4])
    n.add("Bus", ["a", "b"], v_nom=110.0)
    n.add("Line", "ab", bus0="a", bus1="b", x=10.0, s_nom=100.0)
    n.add("Generator", "g", bus="a", p_nom=100.0, marginal_cost=10.0)
    n.add("Load", "l", bus="b", p_set=50.0)
    n.add("StorageUnit", "s", bus="b", p_nom=10.0)
    n.add("Link", "k", bus0="a", bus1="b", p_nom=10.0)
    return n


def _set(component: str, name: str, attr: str, value: Any) -> Callable[[Any], None]:
    return lambda n: n.c[component].static.__setitem__(attr, n.c[component].static[attr].where(n.c[component].static.index != name, value))  # fmt: skip


REFUSED: dict[str, tuple[Callable[[Any], None], tuple[str, ...]]] = {
    "store": (lambda n: n.add("Store", "h2", bus="a", e_nom=10.0), ("Store 'h2'", "stores")),
    "global_constraint": (
        lambda n: n.add("GlobalConstraint", "co2", sense="<=", constant=1.0),
        ("GlobalConstraint 'co2'", "global constraints"),
    ),  # fmt: skip
    "extendable": (
        _set("Generator", "g", "p_nom_extendable", True),
        ("Generator 'g'", "p_nom_extendable", "capacity expansion"),
    ),  # fmt: skip
    "quadratic_cost": (
        _set("Generator", "g", "marginal_cost_quadratic", 0.1),
        ("Generator 'g'", "marginal_cost_quadratic"),
    ),  # fmt: skip
    "min_up_time": (
        lambda n: (
            _set("Generator", "g", "committable", True)(n),
            _set("Generator", "g", "min_up_time", 3)(n),
        ),
        ("Generator 'g'", "min_up_time", "minimum up times"),
    ),  # fmt: skip
    "cost_series": (
        lambda n: n.c.generators.dynamic.__setitem__(
            "marginal_cost", pd.DataFrame({"g": [1.0, 2.0, 3.0, 4.0]}, index=n.snapshots)
        ),
        ("Generator 'g'", "marginal_cost", "varies in time"),
    ),  # fmt: skip
    "availability_of_thermal": (
        lambda n: n.c.generators.dynamic.__setitem__(
            "p_max_pu", pd.DataFrame({"g": [1.0, 0.5, 1.0, 1.0]}, index=n.snapshots)
        ),
        ("Generator 'g'", "p_max_pu", "roles="),
    ),  # fmt: skip
    "line_type": (
        lambda n: n.add(
            "Line", "typed", bus0="a", bus1="b", type="Al/St 240/40 4-bundle 380.0", length=10.0
        ),
        ("Line 'typed'", "type", "line types"),
    ),  # fmt: skip
    "transformer_tap": (
        lambda n: (
            n.add("Bus", "c", v_nom=20.0),
            n.add("Transformer", "t", bus0="a", bus1="c", x=0.1, s_nom=50.0, tap_ratio=1.05),
        ),
        ("Transformer 't'", "tap_ratio"),
    ),  # fmt: skip
    "storage_inflow": (_set("StorageUnit", "s", "inflow", 1.0), ("StorageUnit 's'", "inflow")),
    "storage_standing_loss": (
        _set("StorageUnit", "s", "standing_loss", 0.01),
        ("StorageUnit 's'", "standing_loss"),
    ),  # fmt: skip
    "multi_port_link": (
        lambda n: n.add("Link", "chp", bus0="a", bus1="b", bus2="a", p_nom=5.0),
        ("Link 'chp'", "bus2", "multi-port"),
    ),  # fmt: skip
    "lossy_two_way_link": (
        lambda n: (_set("Link", "k", "p_min_pu", -1.0)(n), _set("Link", "k", "efficiency", 0.9)(n)),
        ("Link 'k'", "p_min_pu", "efficiency 1"),
    ),  # fmt: skip
    "weightings": (
        lambda n: n.snapshot_weightings.__setitem__("objective", 2.0),
        ("Network 'base'", "snapshot_weightings.objective"),
    ),  # fmt: skip
    "three_hourly": (
        lambda n: n.set_snapshots(pd.date_range("2025-05-01", periods=4, freq="3h")),
        ("Network 'base'", "snapshots", "consecutive hours"),
    ),  # fmt: skip
    "investment_periods": (
        lambda n: n.set_investment_periods([2030]),
        ("investment_periods", "multi-period"),
    ),  # fmt: skip
}


@pytest.mark.parametrize("key", list(REFUSED))
def test_features_gridsim_does_not_model_are_refused_by_name(key: str) -> None:
    n = _base()
    quiet(lambda: from_pypsa(n))  # the base imports
    change, needles = REFUSED[key]
    quiet(lambda: change(n))
    with pytest.raises(NotImplementedError) as info:
        quiet(lambda: from_pypsa(n))
    msg = str(info.value)
    for needle in needles:
        assert needle in msg, (needle, msg)


def test_bad_values_and_islands_are_input_errors() -> None:
    n = _base()
    n.loads.loc["l", "p_set"] = -5.0
    with pytest.raises(InputError, match=r"PyPSA network 'base': Load 'l': p_set must be finite and >= 0"):  # fmt: skip
        quiet(lambda: from_pypsa(n))
    n = _base()
    n.add("Bus", "island", v_nom=110.0)
    n.add("Load", "li", bus="island", p_set=1.0)
    with pytest.raises(NotImplementedError, match=r"Bus 'island': sub_network .* one AC network"):
        quiet(lambda: from_pypsa(n))
    imp = quiet(lambda: from_pypsa(n, network_model="copperplate"))
    assert any("not exact" in x for x in imp.notes)
    with pytest.raises(InputError, match=r"roles=...\): g must be one of thermal"):
        quiet(lambda: from_pypsa(_base(), roles={"g": "storage"}))


def test_cli_imports_a_file_and_runs_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m gridsim.interop.pypsa_import`` writes the folder that ``gridsim run``
    runs; a second import into it needs --overwrite."""
    from gridsim.cli import main as gridsim_main
    from gridsim.interop.pypsa_import import main as import_main

    model = tmp_path / "links.nc"
    quiet(lambda: transport().export_to_netcdf(model))
    assert quiet(lambda: import_main([str(model), "--out", str(tmp_path / "imp")])) == 0
    scenario = tmp_path / "imp" / "scenario.toml"
    assert capsys.readouterr().out.strip() == str(scenario)
    with pytest.raises(InputError, match="exists"):
        quiet(lambda: import_main([str(model), "--out", str(tmp_path / "imp")]))
    code = gridsim_main(["run", str(scenario), "--out", str(tmp_path / "res"), "--quiet"])
    assert code == 0
    assert "all demand served" in capsys.readouterr().out
    assert (tmp_path / "res" / "summary.json").is_file()
