"""The AC check's tables built in numpy against straightforward constructions: the
violations table and its counts (one row per breach, sorted with pandas), bus power
from the branch flows (``V conj(Ybus V)``), and the injections of a dispatch (pandas
alignment and grouping of the dispatch frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import three_bus
from gridsim.powerflow.ybus import make_ybus
from gridsim.studies.ac_check import run_ac_check
from gridsim.studies.ac_check_inputs import (  # fmt: skip
    CONVERTER,
    AcCheckSettings,
    ac_inputs,
    ac_network,
    bus_shape_mw,
)
from gridsim.studies.ac_check_tables import bus_injection
from gridsim.studies.ac_check_violations import ViolationPart, violations
from gridsim.studies.timeseries import run_timeseries


def _reference_table(parts: list[ViolationPart], index: pd.Index) -> pd.DataFrame:
    rows = []
    for p in parts:
        lim = np.broadcast_to(p.limits, p.mask.shape)
        for r, k in zip(*np.nonzero(p.mask)):
            rows.append((index[r], str(p.names[k]), p.kind, p.values[r, k], lim[r, k]))
    df = pd.DataFrame(rows, columns=["snapshot", "element", "kind", "value", "limit"])
    return df.sort_values(["snapshot", "kind", "element"], kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("shuffled", [False, True])
def test_violations_match_a_row_by_row_table(shuffled: bool) -> None:
    rng = np.random.default_rng(7)
    idx = pd.date_range("2025-01-01", periods=40, freq="h", tz="Asia/Shanghai")
    if shuffled:  # hours out of order, some repeated
        idx = pd.DatetimeIndex(rng.choice(idx[:25], size=40))
    buses = np.array(["b2", "b10", "a1"], dtype=object)
    gens = np.array(["g_b", "g_a", "b2"], dtype=object)  # a generator named like a bus
    vm = 1.0 + 0.05 * rng.standard_normal((40, 3))
    q = 100 * rng.standard_normal((40, 3))
    qmax = np.abs(50 * rng.standard_normal((40, 3)))
    parts = [
        ViolationPart("vm_low", vm < 0.97, vm, np.array([0.97, 0.96, 0.95]), buses),
        ViolationPart("vm_high", vm > 1.04, vm, np.full(3, 1.04), buses),
        ViolationPart(
            "overload",
            np.zeros((40, 0), bool),
            np.zeros((40, 0)),
            np.array(100.0),
            np.zeros(0, object),
        ),  # fmt: skip
        ViolationPart("q_max", q > qmax, q, qmax, gens),
        ViolationPart("q_min", q < -qmax, q, -qmax, gens),
    ]
    got = violations(parts, idx)
    ref = _reference_table(parts, idx)
    assert len(ref) > 20
    pd.testing.assert_frame_equal(got.table, ref, check_exact=True)
    for kinds in [("vm_low", "vm_high"), ("q_max", "q_min"), ("overload",)]:
        v = ref[ref.kind.isin(kinds)]
        worst = v.groupby("element").size().sort_values(ascending=False).head(10)
        want = {"pairs": len(v), "hours": int(v.snapshot.nunique()), "elements": {str(k): int(n) for k, n in worst.items()}}  # fmt: skip
        assert got.count(kinds) == want
    assert got.pairs("vm_low") == int((ref.kind == "vm_low").sum())
    assert got.pairs("overload") == 0


def test_bus_power_from_branch_flows_equals_v_conj_ybus_v() -> None:
    net = three_bus()
    net.add_shunt("sh_c", "c", p_mw=5.0, q_mvar=30.0)
    idx = pd.date_range("2025-01-01", periods=5, freq="h")
    load = pd.DataFrame({"load_c": [200.0, 350.0, 500.0, 650.0, 40000.0]}, index=idx)
    ts = run_timeseries(net, {"load.p_mw": load})
    c = ts.compiled
    assert c is not None and ts.converged.tolist() == [True] * 4 + [False]
    ybus, _, _ = make_ybus(c)
    v = ts.vm_pu * np.exp(1j * np.deg2rad(ts.va_degree))
    ref = v * np.conj((ybus @ v.T).T) * c.sn_mva  # (T, n) MVA
    rows = np.arange(c.n_bus)
    p = bus_injection(c, ts, rows, reactive=False)
    q = bus_injection(c, ts, rows, reactive=True)
    ok = ts.converged
    assert np.max(np.abs(p[ok] - ref.real[ok])) < 1e-9
    assert np.max(np.abs(q[ok] - ref.imag[ok])) < 1e-9
    assert np.isnan(p[~ok]).all() and np.isnan(q[~ok]).all()
    sub = bus_injection(c, ts, rows[[2, 0]], reactive=True)
    assert np.array_equal(sub[ok], q[ok][:, [2, 0]])


def _reference_inputs(net_ac, fr: dict[str, pd.DataFrame], s: AcCheckSettings, load_p: pd.DataFrame) -> dict[str, pd.DataFrame]:  # fmt: skip
    """The generators, converters and storage of the dispatch frames by pandas
    alignment: missing values and elements count as zero."""
    idx = load_p.index
    gen = net_ac.gen
    live = gen.index[gen.in_service.astype(bool) & ~gen.slack.astype(bool)]
    parts = [fr[n] for n in ("thermal_p_mw", "renewable_p_mw", "hydro_p_mw") if n in fr]
    parts.append(fr["import_mw"].sub(fr["export_mw"], fill_value=0.0))
    gen_p = pd.concat(parts, axis=1).T.groupby(level=0).sum().T.reindex(columns=live, fill_value=0.0)  # fmt: skip
    conv = pd.Index([f"dc{CONVERTER}"])
    p_conv = pd.DataFrame(fr["link_p_mw"]["dc"].to_numpy(), index=idx, columns=conv)
    tan = np.tan(np.arccos(s.load_power_factor))
    zero = pd.DataFrame(0.0, index=idx, columns=net_ac.storage.index)
    st = zero.add(fr["storage_charge_mw"], fill_value=0.0) - zero.add(fr["storage_discharge_mw"], fill_value=0.0)  # fmt: skip
    return {
        "load.p_mw": pd.concat([load_p, p_conv], axis=1),
        "load.q_mvar": pd.concat([load_p * tan, p_conv * s.net_converter_q_share], axis=1),
        "gen.p_mw": gen_p,
        "storage.p_mw": st.reindex(columns=net_ac.storage.index, fill_value=0.0),
    }


def test_inputs_match_pandas_alignment() -> None:
    net = three_bus()
    net.add_gen("g_c", "c", p_mw=0.0, max_p_mw=300.0)
    net.add_gen("tie_c", "c", p_mw=0.0, max_p_mw=500.0)
    net.add_storage("st_b", "b", max_p_mw=50.0, max_e_mwh=200.0)
    net.add_storage("st_c", "c", max_p_mw=50.0, max_e_mwh=200.0)
    net.add_bus("r", vn_kv=500.0, zone="ext")
    net.add_gen("slack_r", "r", slack=True)
    net.add_dcline("dc", "c", "r", p_mw=100.0, loss_percent=2.0, max_p_mw=1000.0)
    idx = pd.date_range("2025-01-01", periods=6, freq="h", tz="Asia/Shanghai")
    rng = np.random.default_rng(3)

    def frame(cols: list[str], nan: bool = False) -> pd.DataFrame:
        a = 100 * rng.random((6, len(cols)))
        if nan:
            a[2, 0] = np.nan
        return pd.DataFrame(a, index=idx, columns=cols)

    fr = {
        "load_mw": pd.DataFrame({"system": 300 + 50 * rng.random(6)}, index=idx),
        "thermal_p_mw": frame(["g_b", "slack", "unknown"]),  # the slack and strangers dropped
        "renewable_p_mw": frame(["g_c"], nan=True),
        "import_mw": frame(["tie_c"], nan=True),
        "export_mw": frame(["tie_c"]),
        "link_p_mw": frame(["dc"]),
        "storage_charge_mw": frame(["st_b"]),
        "storage_discharge_mw": frame(["st_b", "st_c"]),
    }
    s = AcCheckSettings(load_power_factor=0.9)
    net_ac = ac_network(net)
    got = ac_inputs(net_ac, fr.get, s, bus_shape_mw(net, None, idx))
    ref = _reference_inputs(net_ac, fr, s, got["load.p_mw"][["load_c"]])
    assert list(got) == list(ref)
    for key in ref:
        pd.testing.assert_frame_equal(got[key], ref[key], check_exact=True, check_names=False)
    assert got["gen.p_mw"]["g_c"].iloc[2] == 0.0  # NaN output counts as none
    chk = run_ac_check(net, fr.get, s)
    assert chk.hourly.converged.all()
