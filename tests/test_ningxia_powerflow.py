"""AC power flow of the Ningxia networks at three snapshots, with N-1 of the 750 kV lines.

Snapshots (gridsim.network.ningxia.SNAPSHOTS): winter evening peak, spring noon, summer
night valley, for 2020 and 2025. Checks: convergence, 750 kV voltages within
0.95-1.07 pu, no 750 kV line or 750/330 kV transformer above its rating, the Gansu
exchange within the section limit, and N-1 of every 750 kV circuit (one circuit of a
multi-circuit corridor at a time). Run with ``-s`` to see the N-1 report.
"""

from __future__ import annotations

import pandas as pd
import pytest

from gridsim.cases.ningxia.network import SNAPSHOTS, apply_snapshot
from gridsim.network import load_network
from gridsim.studies import run_pf

CASES = [(year, snap) for year in (2020, 2025) for snap in SNAPSHOTS]
V_MIN, V_MAX = 0.95, 1.07


@pytest.fixture(scope="module", params=CASES, ids=[f"{y}-{s}" for y, s in CASES])
def case(request):
    year, snap = request.param
    net = apply_snapshot(load_network(f"ningxia_{year}"), snap)
    return net, run_pf(net, algorithm="nr")


def lines_750(net) -> list[str]:
    kv = net.bus["vn_kv"].reindex(net.line["from_bus"]).to_numpy()
    return list(net.line.index[kv == 750.0])


def buses_750(net) -> list[str]:
    return list(net.bus.index[(net.bus["vn_kv"] == 750.0) & (net.bus["zone"] != "ext")])


def test_shipped_operating_point_converges():
    for year in (2020, 2025):
        res = run_pf(load_network(f"ningxia_{year}"), algorithm="nr")
        assert res.converged, year


def test_converges(case):
    _, res = case
    assert res.converged, (res.max_mismatch_mva, res.worst_bus)


def test_750kv_voltages(case):
    net, res = case
    vm = res.bus.loc[buses_750(net), "vm_pu"]
    assert vm.between(V_MIN, V_MAX).all(), vm[~vm.between(V_MIN, V_MAX)]


def test_no_750kv_line_or_transformer_above_rating(case):
    net, res = case
    loading = res.line.loc[lines_750(net), "loading_percent"]
    assert (loading <= 100.0).all(), loading.sort_values().tail()
    assert (res.trafo["loading_percent"] <= 100.0).all()


def test_dc_links_and_gansu_exchange(case):
    net, res = case
    assert res.dcline["p_from_mw"].to_numpy() == pytest.approx(net.dcline["p_mw"].to_numpy())
    gansu = res.gen.loc[["ext_gansu_baiyin", "ext_gansu_pingliang"], "p_mw"].sum()
    assert abs(gansu) <= net.meta["sections"]["gansu"]["limit_mw"]


def n_minus_1_report(net) -> pd.DataFrame:
    """One row per 750 kV circuit outage: convergence, the most loaded 750 kV line after
    the outage and the 750 kV voltage range."""
    rows = []
    hv, hv_bus = lines_750(net), buses_750(net)
    for name in hv:
        post = net.copy()
        n = int(post.line.at[name, "parallel"])
        if n > 1:
            post.line.at[name, "parallel"] = n - 1
        else:
            post.line.at[name, "in_service"] = False
        res = run_pf(post, algorithm="nr")
        load = res.line.loc[res.line.index.intersection(hv), "loading_percent"]
        vm = res.bus.loc[hv_bus, "vm_pu"]
        rows.append({"outage": f"{name} (1 of {n})", "converged": res.converged,
                     "branch": load.idxmax(), "loading_percent": float(load.max()),
                     "vm_min_pu": float(vm.min()), "vm_max_pu": float(vm.max())})  # fmt: skip
    return pd.DataFrame(rows).sort_values("loading_percent", ascending=False)


def test_n_minus_1_of_750kv_circuits(case):
    net, _ = case
    report = n_minus_1_report(net)
    print(f"\nN-1 of the 750 kV circuits, {net.name} {net.meta['snapshot']}:")
    print(report.head(8).to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    assert len(report) == len(lines_750(net))
    assert report["converged"].all()
    assert (report["loading_percent"] <= 100.0).all()
    assert report["vm_min_pu"].min() >= V_MIN and report["vm_max_pu"].max() <= V_MAX


def test_contingency_screen_of_750kv_elements(case):
    from gridsim.studies import run_contingency

    net, _ = case
    hv = lines_750(net)
    res = run_contingency(net, branches=hv, per_circuit=False)
    assert {"outage", "branch", "loading_percent"} <= set(res.worst.columns)
    # whole-element outages that split the grid: the radial ties and the single corridor
    # to 六盘山 (and, in 2025, the 3-circuit 白银-天都山 corridor to the Gansu slack)
    radial = {"shahu-yikezhao_750", "liupanshan-pingliang_750", "lingzhou-liupanshan_750",
              "miaoling-liupanshan_750", "baiyin-tiandushan_750"}  # fmt: skip
    assert set(res.islanding) <= radial
    assert "shahu-yikezhao_750" in res.islanding
    print(f"\nelement outages (all circuits), {net.name} {net.meta['snapshot']}:")
    print(res.worst.head(5).to_string(index=False))
    print("islanding:", res.islanding)
    # one circuit at a time (true N-1): a multi-circuit corridor never islands
    per = run_contingency(net, branches=hv)
    multi = set(net.line.index[net.line["parallel"] > 1])
    assert not (set(per.islanding) & multi)
