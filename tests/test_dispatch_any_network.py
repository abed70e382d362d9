"""PTDF dispatch of networks from each reader gridsim has, against PyPSA.

The reference networks are built in PyPSA from data gridsim does not read: pandapower's
own conversion of MATPOWER's case9 (``pandapower.networks.case9``, quadratic
``poly_cost``) for gridsim's reading of ``case9.m``; the pandapower net itself for
gridsim's pandapower reader; the original PyPSA network for the PyPSA importer. Both
sides price each generator at the linear cost term and scale every load by the same
hourly profile; the optima must agree to 1e-6 (relative), with a branch at its rating.
Also: the gencost models gridsim refuses or approximates, and bad profiles.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import quiet
from gridsim.dispatch.any_network import (
    dispatch_network,
    hourly_snapshots,
    load_shape_pu,
    network_problem,
)
from gridsim.errors import InputError
from gridsim.network.io_matpower import read_matpower

pypsa = pytest.importorskip("pypsa")
pp = pytest.importorskip("pandapower")

HOURS = 24
SNAPS = hourly_snapshots("2025-01-06", HOURS)
GAP = 1e-6


def _pypsa_objective(n: Any) -> float:
    _, cond = quiet(lambda: n.optimize(solver_name="highs", solver_options={"output_flag": False}))  # fmt: skip
    assert cond == "optimal"
    return float(n.objective)


def _pypsa_from_pandapower(net: Any, load_pu: pd.Series) -> Any:
    """A PyPSA DC model of a pandapower net: buses (v_nom 1, reactances in pu of 1 MVA),
    lines (``x = x_ohm_per_km length / parallel / vn^2``, ``s_nom = sqrt(3) vn max_i_ka
    parallel``), two-winding trafos (``x = vk_percent / 100 / sn_mva``, rating
    ``sn_mva max_loading_percent / 100``), every gen and ext_grid between 0 and
    ``max_p_mw`` at its ``cp1`` and loads ``p_mw x load_pu``."""
    n = pypsa.Network()
    n.set_snapshots(pd.DatetimeIndex(load_pu.index.tz_localize(None), name="snapshot"))
    bus = [f"b{i}" for i in net.bus.index]
    n.add("Bus", bus, v_nom=1.0)
    name = dict(zip(net.bus.index, bus))
    ln = net.line[net.line.in_service]
    vn = net.bus.vn_kv.loc[ln.from_bus].to_numpy()
    n.add(
        "Line",
        [f"l{i}" for i in ln.index],
        bus0=ln.from_bus.map(name).to_numpy(),
        bus1=ln.to_bus.map(name).to_numpy(),
        x=(ln.x_ohm_per_km * ln.length_km / ln.parallel).to_numpy() / vn**2,
        s_nom=math.sqrt(3) * vn * (ln.max_i_ka * ln.parallel).to_numpy(),
    )
    tr = net.trafo[net.trafo.in_service]
    if len(tr):
        n.add(
            "Line",
            [f"t{i}" for i in tr.index],
            bus0=tr.hv_bus.map(name).to_numpy(),
            bus1=tr.lv_bus.map(name).to_numpy(),
            x=(tr.vk_percent / 100.0 / tr.sn_mva).to_numpy(),
            s_nom=(tr.sn_mva * tr.max_loading_percent / 100.0).to_numpy(),
        )
    cost = {(r.et, int(r.element)): float(r.cp1_eur_per_mw) for r in net.poly_cost.itertuples()}
    for table in ("gen", "ext_grid"):
        g = net[table][net[table].in_service]
        if g.empty:
            continue
        n.add(
            "Generator",
            [f"{table}{i}" for i in g.index],
            bus=g.bus.map(name).to_numpy(),
            p_nom=g.max_p_mw.to_numpy(),
            marginal_cost=[cost.get((table, int(i)), 0.0) for i in g.index],
        )
    ld = net.load[net.load.in_service]
    names = [f"load{i}" for i in ld.index]
    p_set = np.outer(load_pu.to_numpy(), ld.p_mw.to_numpy())
    n.add("Load", names, bus=ld.bus.map(name).to_numpy(), p_set=pd.DataFrame(p_set, index=n.snapshots, columns=names))  # fmt: skip
    return n


def _binding(res: Any) -> bool:
    flow, cap = np.abs(res.arrays["flow_mw"]), res.problem.branches.p_max_mw
    return bool((flow >= cap - 1e-6).any())


def test_matpower_quadratic_gencost_against_pypsa() -> None:
    """case9 (quadratic gencost) read by gridsim vs pandapower's case9 in PyPSA."""
    mp = pytest.importorskip("matpower")
    net = read_matpower(Path(mp.__file__).parent / "data" / "case9.m")
    ref = pn_case9 = pytest.importorskip("pandapower.networks").case9()
    assert (pn_case9.poly_cost.cp2_eur_per_mw2 > 0).all()  # quadratic: c2 is dropped
    pu = pd.Series(1.4 * load_shape_pu(SNAPS), index=SNAPS)  # peaks above the case's load
    res = dispatch_network(net, pu)
    assert res.status == "optimal" and _binding(res)
    assert float(np.nansum(res.arrays["unserved_mw"])) == 0.0
    theirs = _pypsa_objective(_pypsa_from_pandapower(ref, pu))
    assert abs(res.objective - theirs) / abs(theirs) < GAP


def _meshed_pandapower() -> Any:
    """Five 110 kV buses in a mesh and a 20 kV bus behind a trafo (``vkr = 0``, no tap),
    three generators with quadratic poly_cost, four loads (one negative: an injection)."""
    net = pp.create_empty_network()
    b = [pp.create_bus(net, vn_kv=110.0) for _ in range(5)] + [pp.create_bus(net, vn_kv=20.0)]
    lines = [(0, 1, 0.4, 0.35), (1, 2, 0.4, 0.60), (2, 3, 0.4, 0.50), (3, 4, 0.4, 0.45), (4, 0, 0.4, 0.30), (1, 3, 0.4, 0.50)]  # fmt: skip
    for f, t, x, i_ka in lines:
        pp.create_line_from_parameters(net, b[f], b[t], 30.0, 0.05, x, 10.0, i_ka)
    pp.create_transformer_from_parameters(net, b[2], b[5], 60.0, 110.0, 20.0, 0.0, 12.0, 0.0, 0.0, max_loading_percent=100.0)  # fmt: skip
    for bus, p_max, c1, slack in ((0, 200.0, 20.0, True), (2, 90.0, 12.0, False), (4, 150.0, 35.0, False)):  # fmt: skip
        g = pp.create_gen(net, b[bus], p_mw=0.0, max_p_mw=p_max, min_p_mw=0.0, slack=slack)
        pp.create_poly_cost(net, g, "gen", cp1_eur_per_mw=c1, cp2_eur_per_mw2=0.01)
    for bus, p in ((1, 70.0), (3, 120.0), (5, 50.0), (4, -15.0)):
        pp.create_load(net, b[bus], p_mw=p)
    return net


def test_pandapower_net_against_pypsa() -> None:
    from gridsim.network.io_pandapower import from_pandapower

    ppn = _meshed_pandapower()
    net = from_pandapower(ppn)
    pu = pd.Series(load_shape_pu(SNAPS), index=SNAPS)
    res = dispatch_network(net, pu)
    assert res.status == "optimal" and _binding(res)
    theirs = _pypsa_objective(_pypsa_from_pandapower(ppn, pu))
    assert abs(res.objective - theirs) / abs(theirs) < GAP


def test_pypsa_imported_network_against_pypsa() -> None:
    from gridsim.interop import from_pypsa

    n = pypsa.Network()
    n.set_snapshots(pd.DatetimeIndex(SNAPS.tz_localize(None), name="snapshot"))
    n.add("Bus", [f"b{k}" for k in range(4)], v_nom=220.0)
    for k, (a, c, x, s) in enumerate([(0, 1, 10.0, 80.0), (1, 2, 12.0, 150.0), (2, 3, 9.0, 150.0), (3, 0, 11.0, 150.0), (0, 2, 15.0, 60.0)]):  # fmt: skip
        n.add("Line", f"l{k}", bus0=f"b{a}", bus1=f"b{c}", x=x, r=0.0, s_nom=s)
    for k, (bus, p_nom, cost) in enumerate([(0, 250.0, 18.0), (1, 100.0, 30.0), (3, 120.0, 45.0)]):  # fmt: skip
        n.add("Generator", f"g{k}", bus=f"b{bus}", p_nom=p_nom, marginal_cost=cost)
    base = {"b1": 60.0, "b2": 110.0, "b3": 40.0}
    for bus, p in base.items():
        n.add("Load", f"load {bus}", bus=bus, p_set=p)
    net = quiet(lambda: from_pypsa(n)).network
    pu = pd.Series(load_shape_pu(SNAPS, daily_swing=0.5), index=SNAPS)
    res = dispatch_network(net, pu)
    assert res.status == "optimal" and _binding(res)
    n.loads_t.p_set = pd.DataFrame({f"load {b}": p * pu.to_numpy() for b, p in base.items()}, index=n.snapshots)  # fmt: skip
    theirs = _pypsa_objective(n)
    assert abs(res.objective - theirs) / abs(theirs) < GAP


# ---------------------------------------------------------------- gencost models and inputs

CASE = """function mpc = gc
mpc.version = '2';
mpc.baseMVA = 100;
mpc.bus = [
 1 3 0 0 0 0 1 1 0 110 1 1.1 0.9;
 2 1 80 0 0 0 1 1 0 110 1 1.1 0.9;
];
mpc.gen = [
 1 0 0 99 -99 1 100 1 100 0;
 2 0 0 99 -99 1 100 1 60 0;
];
mpc.branch = [
 1 2 0.01 0.1 0 50 0 0 0 0 1 -360 360;
];
mpc.gencost = [
{rows}
];
"""


def _gencost_case(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "gc.m"
    path.write_text(CASE.replace("{rows}", rows))
    return path


def test_gencost_polynomial_and_piecewise_linear(tmp_path: Path) -> None:
    # gen 1: cubic 0.001 p^3 + 0.02 p^2 + 7 p + 3 -> 7; gen 2: PWL (0, 0) (20, 200) (60, 1000)
    rows = " 2 0 0 4 0.001 0.02 7 3 0 0;\n 1 0 0 3 0 0 20 200 60 1000"
    with pytest.warns(UserWarning, match="piecewise-linear"):
        net = read_matpower(_gencost_case(tmp_path, rows))
    assert net.gen.cost_per_mwh.tolist() == pytest.approx([7.0, 1000.0 / 60.0])
    # the 50 MW line limits the cheap import; the PWL gen at bus 2 covers the rest
    res = dispatch_network(net, np.ones(4), start="2025-01-06")
    g = res.frame("thermal_p_mw")
    assert g.iloc[:, 0].to_numpy() == pytest.approx(50.0) and g.iloc[:, 1].to_numpy() == pytest.approx(30.0)  # fmt: skip
    assert res.objective == pytest.approx(4 * (50.0 * 7.0 + 30.0 * 1000.0 / 60.0), rel=1e-9)


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        (" 3 0 0 2 1 0;\n 2 0 0 2 1 0", "MODEL"),
        (" 2 0 0 5 1 0;\n 2 0 0 2 1 0", "NCOST"),
        (" 1 0 0 1 0 0;\n 2 0 0 2 1 0", "NCOST"),
        (" 1 0 0 2 50 0 10 100;\n 2 0 0 2 1 0 0 0", "COST"),
    ],
)
def test_gencost_models_refused(tmp_path: Path, rows: str, field: str) -> None:
    with pytest.raises(InputError, match=rf"gencost 'row 1 \(line \d+\)': {field}") as err:
        read_matpower(_gencost_case(tmp_path, rows))
    assert "gc.m" in str(err.value)


def test_load_profile_shape_and_bad_profiles(tmp_path: Path) -> None:
    snaps = hourly_snapshots("2025-01-01", 24 * 365)
    s = load_shape_pu(snaps)
    assert s.max() <= 1.0 and s.max() > 0.99 and s.min() == pytest.approx(0.7 * 0.9 * 0.85, rel=0.02)  # fmt: skip
    week = s[: 24 * 7].reshape(7, 24)
    assert set(np.argsort(week[:, 18])[:2]) == {3, 4}  # the weekend (2025-01-04/05) lowest
    net = read_matpower(_gencost_case(tmp_path, " 2 0 0 2 7 0;\n 2 0 0 2 9 0"))
    p = network_problem(net, load_shape_pu(snaps[:48]), hours=48, start="2025-01-01")
    assert p.nodes.load_mw.sum(axis=1) == pytest.approx(80.0 * s[:48])
    with pytest.raises(InputError, match="load_pu must be finite and >= 0"):
        network_problem(net, np.array([1.0, -0.5]))
    with pytest.raises(InputError, match="hourly"):
        network_problem(net, pd.Series([1.0, 1.0], index=pd.to_datetime(["2025-01-01 00:00", "2025-01-01 02:00"])))  # fmt: skip
    with pytest.raises(InputError, match="daily_swing"):
        load_shape_pu(snaps, daily_swing=1.5)


def test_pandapower_pwl_cost_mean_slope() -> None:
    from gridsim.network.io_pandapower import from_pandapower

    ppn = _meshed_pandapower()
    ppn.poly_cost = ppn.poly_cost[ppn.poly_cost.element != 1]
    pp.create_pwl_cost(ppn, 1, "gen", [[0, 30, 10.0], [30, 90, 16.0]])
    with pytest.warns(UserWarning, match="pwl_cost"):
        net = from_pandapower(ppn)
    assert net.gen.cost_per_mwh.tolist() == pytest.approx([20.0, (30 * 10.0 + 60 * 16.0) / 90, 35.0])  # fmt: skip


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gridsim.dispatch.any_network import main

    case = Path(__file__).parent / "data" / "case9.m"
    assert main([str(case), "--hours", "24"]) == 0
    out = capsys.readouterr().out
    ours = dispatch_network(read_matpower(case), hours=24).objective
    assert f"cost {ours:.6g}" in out and "9 nodes, 9 branches, 3 thermal units, 24 h" in out
    bad = tmp_path / "bad.m"
    bad.write_text(CASE.replace("{rows}", " 7 0 0 2 1 0;\n 2 0 0 2 1 0"))
    assert main([str(bad)]) == 2
    assert "gencost" in capsys.readouterr().err
