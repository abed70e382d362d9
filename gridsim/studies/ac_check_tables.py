"""The AC check's tables from an AC time series: voltages outside their band, branches
above their rating, AC losses against the dispatch's loss assumption, generators'
reactive power and reserve, sections' flows and the hours that do not converge.

Numerics on (T, n) arrays; the tables are built once at the end.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from gridsim.network.network import Network
from gridsim.powerflow.compile import PV, REF, compile_network
from gridsim.powerflow.flows_kernel import end_sums
from gridsim.studies.ac_check_control import NO_LIMIT_MVAR, BusControl, online_share
from gridsim.studies.ac_check_inputs import AcCheckSettings, Frames, is_demand
from gridsim.studies.ac_check_violations import (
    VIOLATION_COLUMNS,
    ViolationPart,
    Violations,
    violations,
)
from gridsim.studies.timeseries import TimeSeriesResult, series_inputs

if TYPE_CHECKING:
    from gridsim.powerflow.compile import CompiledNetwork

Arr = np.ndarray


@dataclass
class AcCheckResult:
    """Outcome of an AC check.

    ``summary``: headline figures (JSON-able dict); ``hourly``: one row per hour (AC
    and LP losses, load, slack, reactive reserve, section imports, MW/Mvar; convergence);
    ``violations``: one row per (hour, element) outside its limit (``kind``: ``vm_low``,
    ``vm_high`` in pu, ``overload`` in %, ``q_max``/``q_min`` in Mvar); ``failed``: the
    hours that do not converge with their diagnosis; ``vm_pu`` / ``loading_percent`` /
    ``gen_q_mvar``: hour x bus / branch / generator (with a reactive limit);
    ``branches``: each branch's kind, ends, voltage and group (``750 kV``, ``330 kV``,
    ``tie`` ...); ``series``: the time-series result itself.
    """

    summary: dict[str, Any]
    hourly: pd.DataFrame
    violations: pd.DataFrame
    failed: pd.DataFrame
    vm_pu: pd.DataFrame
    loading_percent: pd.DataFrame
    gen_q_mvar: pd.DataFrame
    branches: pd.DataFrame
    series: TimeSeriesResult | None = None
    timings_s: dict[str, float] = field(default_factory=dict)


def bus_limits(net: Network, c: CompiledNetwork, s: AcCheckSettings) -> tuple[Arr, Arr]:
    """Lower and upper voltage limit per live bus (pu): the settings' band, else the bus
    table's ``vm_min_pu`` / ``vm_max_pu`` (NaN: unchecked)."""
    bus = net.bus.reindex(c.bus_names)
    lo = bus["vm_min_pu"].to_numpy(float) if "vm_min_pu" in bus else np.full(c.n_bus, np.nan)
    hi = bus["vm_max_pu"].to_numpy(float) if "vm_max_pu" in bus else np.full(c.n_bus, np.nan)
    if s.vm_min_pu is not None:
        lo = np.full(c.n_bus, s.vm_min_pu)
    if s.vm_max_pu is not None:
        hi = np.full(c.n_bus, s.vm_max_pu)
    return lo, hi


def q_spec_pu(c: CompiledNetwork, net: Network, inputs: dict[str, pd.DataFrame], buses: Arr, ts_bus: Arr | None = None) -> Arr:  # fmt: skip
    """The specified reactive injection (T, len(buses), pu) at ``buses``: the network's,
    changed by the reactive inputs (loads' ``q_mvar``) that feed them."""
    if ts_bus is not None:  # the injections the time series solved
        return np.ascontiguousarray(ts_bus[buses].imag.T)
    index, series = series_inputs(c, net, {k: v for k, v in inputs.items() if k.endswith("q_mvar")})  # fmt: skip
    out = np.repeat(c.s_bus_pu()[buses].imag[None, :], len(index), axis=0)
    row = np.full(c.n_bus, -1, np.int64)
    row[buses] = np.arange(len(buses))
    for ser in series:
        delta = ser.values - ser.static[None, :]
        for bus, scale in ser.feeds:
            r = np.where(bus >= 0, row[np.maximum(bus, 0)], -1)
            keep = np.flatnonzero(r >= 0)
            mat = sp.csr_matrix((scale[keep], (r[keep], keep)), shape=(len(buses), len(ser.static)))  # fmt: skip
            out += (mat @ delta.T).T
    return out


def bus_injection(c: CompiledNetwork, ts: TimeSeriesResult, rows: Arr, *, reactive: bool) -> Arr:  # fmt: skip
    """Active (MW) or reactive (Mvar) power injected at buses ``rows`` (T, len(rows)) in
    the solved hours: the flows from those buses into their branches plus their shunts'
    ``|V|^2 conj(y_shunt)`` (the terms of ``V conj(Ybus V)``; NaN where the hour did
    not converge)."""
    pos = np.full(c.n_bus, -1, np.int64)
    pos[rows] = np.arange(len(rows))
    at_f, at_t = (ts.q_from_mvar, ts.q_to_mvar) if reactive else (ts.p_from_mw, ts.p_to_mw)
    out = end_sums(at_f, at_t, pos[c.f], pos[c.t], len(rows))
    y_sh = c.y_bus_shunt[rows]
    shunt = (-y_sh.imag if reactive else y_sh.real) * c.sn_mva
    return out + ts.vm_pu[:, rows] ** 2 * shunt[None, :]


def generator_q(c: CompiledNetwork, ts: TimeSeriesResult, net: Network, inputs: dict[str, pd.DataFrame], online: Arr | None = None, pick: Arr | None = None) -> Arr:  # fmt: skip
    """Reactive output (T, n_gen, Mvar) of the voltage-controlled and slack generators:
    each bus's computed injection less its specified part, shared among the bus's
    controlling generators in proportion to their reactive range in service (``online``
    (T, n_gen): each one's share in service per hour; None: all) (NaN where the hour
    did not converge; 0 for the other generators). ``pick``: only these generators'
    columns (positions), in that order."""
    ctrl = c.gen_on & (c.gen_controllable | c.gen_slack)
    ctrl &= np.isin(c.bus_type[np.maximum(c.gen_bus, 0)], (REF, PV))
    buses = np.unique(c.gen_bus[ctrl])
    q_calc = bus_injection(c, ts, buses, reactive=True)  # (T, k) only the generators' buses
    q_bus = q_calc - q_spec_pu(c, net, inputs, buses, ts.s_bus_pu) * c.sn_mva
    rng = np.where(ctrl, np.clip(c.gen_q_max_pu - c.gen_q_min_pu, 1e-9, 1e9), 0.0)
    gb = np.maximum(c.gen_bus, 0)
    at = np.isin(gb, buses)
    col = np.where(at, np.searchsorted(buses, gb), len(buses))
    if online is None:  # one gather: generators away from those buses read zeros
        q_ext = np.concatenate([q_bus, np.zeros((q_bus.shape[0], 1))], axis=1)
        tot = np.zeros(c.n_bus)
        np.add.at(tot, c.gen_bus[ctrl], rng[ctrl])
        share = np.where(ctrl, rng / np.where(tot[gb] > 0, tot[gb], 1.0), 0.0)
        return np.take(q_ext, col, axis=1) * np.where(at, share, 0.0)[None, :]
    g = np.flatnonzero(ctrl & at)
    rng_t = online[:, g] * rng[g][None, :]  # (T, k) reactive range in service
    tot_t = np.zeros((rng_t.shape[0], len(buses)))
    for j, b in enumerate(col[g]):  # few generators: one column each
        tot_t[:, b] += rng_t[:, j]
    want = np.arange(len(gb)) if pick is None else np.asarray(pick, np.int64)
    k = np.searchsorted(g, want)  # each wanted generator's column in g (or none)
    have = (k < len(g)) & (g[np.minimum(k, len(g) - 1)] == want) if len(g) else np.zeros(len(want), bool)  # fmt: skip
    sel = k[have]
    den = tot_t[:, col[g[sel]]]
    out = np.zeros((rng_t.shape[0], len(want)))
    out[:, have] = q_bus[:, col[g[sel]]] * np.divide(rng_t[:, sel], den, out=np.zeros_like(den), where=den > 0)  # fmt: skip
    return out


def branch_table(net: Network, c: CompiledNetwork) -> pd.DataFrame:
    """Each branch: kind (line/trafo), from/to bus, kV and group (``tie`` for lines whose
    kind says so, else ``<kV> kV`` lines, ``<hv>/<lv> kV`` transformers)."""
    kind_col = net.line["kind"].astype(str) if "kind" in net.line else pd.Series(dtype=str)
    hv = np.maximum(c.vn_from_kv, c.vn_to_kv)
    lv = np.minimum(c.vn_from_kv, c.vn_to_kv)
    tie = kind_col.reindex(c.branch_names).fillna("").to_numpy() == "tie"
    kv = {x: f"{x:g}" for x in np.unique(np.concatenate([hv, lv]))}
    groups = [
        ("tie" if t else f"{kv[h]} kV") if is_line else f"{kv[h]}/{kv[low]} kV"
        for is_line, t, h, low in zip(c.is_line, tie, hv, lv)
    ]
    return pd.DataFrame(
        {
            "kind": np.where(c.is_line, "line", "trafo"),
            "from_bus": c.bus_names[c.f],
            "to_bus": c.bus_names[c.t],
            "vn_kv": np.maximum(c.vn_from_kv, c.vn_to_kv),
            "group": groups,
        },
        index=pd.Index(c.branch_names.astype(str), name="branch"),
    )


def section_imports(net: Network, c: CompiledNetwork, ts: TimeSeriesResult) -> tuple[pd.DataFrame, dict[str, float]]:  # fmt: skip
    """Flow into the study area over each section of ``net.meta["sections"]`` (T x
    section, MW; at the end of each line on a bus of zone ``ext``) and the limits (MW)."""
    sections = net.meta.get("sections") or {}
    pos = {str(n): i for i, n in enumerate(c.branch_names)}
    zone = net.bus["zone"].astype(str) if "zone" in net.bus else pd.Series(dtype=str)
    cols: dict[str, Arr] = {}
    limits: dict[str, float] = {}
    for name, sec in sections.items():
        lines = [ln for ln in (sec.get("lines") or []) if ln in pos]
        if not lines:
            continue
        flow = np.zeros(len(ts.snapshots))
        for ln in lines:
            i = pos[ln]
            ext_from = zone.get(c.bus_names[c.f[i]], "") == "ext"
            flow += ts.p_from_mw[:, i] if ext_from else ts.p_to_mw[:, i]
        cols[f"{name}_import_mw"] = flow
        limits[name] = float(sec.get("limit_mw", np.nan))
    return pd.DataFrame(cols, index=ts.snapshots), limits


def _lp_loss_mw(frames: Frames, index: pd.Index) -> Arr:
    """The dispatch's network losses per hour (MW): ``network_loss_mw`` (load x
    loss_factor) + ``branch_loss_mw`` (transport losses), summed over elements."""
    out = np.zeros(len(index))
    for name in ("network_loss_mw", "branch_loss_mw"):
        df = frames(name)
        if df is not None and df.shape[1]:
            out += df.to_numpy(float).sum(axis=1)
    return out


def _diagnosis(ts: TimeSeriesResult, q_load: Arr, q_cap: float) -> pd.DataFrame:
    """One row per hour that does not converge: iterations, mismatch, worst bus, hint."""
    bad = np.flatnonzero(~ts.converged)
    hints = []
    for t in bad:
        hint = f"no convergence after {int(ts.iterations[t])} iterations; largest mismatch {ts.max_mismatch_mva[t]:.3g} MVA at {ts.worst_bus[t]}"  # fmt: skip
        if np.isfinite(q_cap) and q_load[t] > q_cap:
            hint += f"; reactive demand {q_load[t]:.0f} Mvar exceeds the generators' capability {q_cap:.0f} Mvar (voltage collapse likely)"  # fmt: skip
        else:
            hint += "; likely a transfer beyond the network's loadability near that bus"
        hints.append(hint)
    return pd.DataFrame(
        {
            "snapshot": ts.snapshots[bad],
            "iterations": ts.iterations[bad],
            "max_mismatch_mva": ts.max_mismatch_mva[bad],
            "worst_bus": ts.worst_bus[bad].astype(str),
            "diagnosis": hints,
        }
    )


def _row_stat(fn: Any, a: Arr) -> Arr:
    """``fn`` (``np.fmin`` or ``np.fmax``, which skip NaN) of each row; NaN for rows
    without a number."""
    return fn.reduce(a, axis=1) if a.shape[1] else np.full(a.shape[0], np.nan)


def analyse(
    net_ac: Network,
    inputs: dict[str, pd.DataFrame],
    ts: TimeSeriesResult,
    frames: Frames,
    s: AcCheckSettings,
    online: Arr | None = None,
    control: BusControl | None = None,
) -> AcCheckResult:
    """The AC check's tables and summary from the solved time series ``ts``.

    ``online`` (T, n_gen): each generator's share in service per hour (None: from the
    dispatch's commitment, :func:`online_share`); ``control``: the buses switched to PQ
    by :func:`~gridsim.studies.ac_check_control.solve_controlled` (None: none)."""
    c = ts.compiled if ts.compiled is not None else compile_network(net_ac)
    index = ts.snapshots
    lo, hi = bus_limits(net_ac, c, s)
    # buses without a branch (a DC link's far end, its own island once the converter is
    # a load) hold their slack's set-point: not checked
    tied = np.zeros(c.n_bus, bool)
    tied[c.f] = tied[c.t] = True
    lo, hi = np.where(tied, lo, np.nan), np.where(tied, hi, np.nan)
    vm = ts.vm_pu
    ok = ts.converged
    with np.errstate(invalid="ignore"):
        low = (vm < lo[None, :] - 1e-9) & ok[:, None]
        high = (vm > hi[None, :] + 1e-9) & ok[:, None]
        over = (ts.loading_percent > s.max_loading_percent + 1e-9) & ok[:, None]
    # generators' reactive power (only those with limits)
    if online is None:
        max_p = net_ac.gen["max_p_mw"].reindex(c.gen_names).to_numpy(float)
        online = online_share(frames, c, max_p, len(index))
    qmax = c.gen_q_max_pu * c.sn_mva
    qmin = c.gen_q_min_pu * c.sn_mva
    limited = c.gen_on & c.gen_controllable & (np.abs(qmax) < NO_LIMIT_MVAR) & (np.abs(qmin) < NO_LIMIT_MVAR)  # fmt: skip
    on_l = online[:, limited]
    q_l = generator_q(c, ts, net_ac, inputs, online, np.flatnonzero(limited))
    qmax_l, qmin_l = on_l * qmax[limited][None, :], on_l * qmin[limited][None, :]
    at_max, at_min = _units_at_limit(c, control, limited, on_l)
    gnames = c.gen_names[limited]
    with np.errstate(invalid="ignore"):
        # units held at their limit (enforce_q_limits) are there, not beyond it
        q_hi = (q_l > qmax_l + 1e-6) & ok[:, None] & ~at_max
        q_lo = (q_l < qmin_l - 1e-6) & ok[:, None] & ~at_min
    reserve_up = np.where(ok, (qmax_l - q_l).sum(axis=1), np.nan)
    reserve_down = np.where(ok, (q_l - qmin_l).sum(axis=1), np.nan)
    # losses: series and shunt losses of every branch
    ac_loss = np.where(ok, ts.p_from_mw.sum(axis=1) + ts.p_to_mw.sum(axis=1), np.nan)
    lp_loss = _lp_loss_mw(frames, index)
    lp_df = inputs["load.p_mw"]
    native = is_demand(lp_df.columns)  # demand, not the DC converters
    load_p = lp_df.to_numpy(float)[:, native].sum(axis=1)
    q_load = inputs["load.q_mvar"].to_numpy(float).sum(axis=1)
    ref = np.flatnonzero(c.bus_type == REF)
    slack_p = bus_injection(c, ts, ref, reactive=False).sum(axis=1)
    sec, sec_limits = section_imports(net_ac, c, ts)
    hourly = pd.DataFrame(
        {
            "converged": ok,
            "load_mw": load_p,
            "ac_loss_mw": ac_loss,
            "lp_loss_mw": lp_loss,
            "slack_p_mw": np.where(ok, slack_p, np.nan),
            "q_reserve_up_mvar": reserve_up,
            "q_reserve_down_mvar": reserve_down,
            "units_at_q_limit": (at_max | at_min).sum(axis=1),
            "vm_min_pu": _row_stat(np.fmin, vm[:, tied]),
            "vm_max_pu": _row_stat(np.fmax, vm[:, tied]),
            "loading_max_percent": _row_stat(np.fmax, ts.loading_percent),
            **{str(k): sec[k].to_numpy() for k in sec.columns},
        },
        index=index,
    )
    viol = violations(
        [
            ViolationPart("vm_low", low, vm, lo, c.bus_names),
            ViolationPart("vm_high", high, vm, hi, c.bus_names),
            ViolationPart(
                "overload",
                over,
                ts.loading_percent,
                np.array(s.max_loading_percent),
                c.branch_names,
            ),  # fmt: skip
            ViolationPart("q_max", q_hi, q_l, qmax_l, gnames),
            ViolationPart("q_min", q_lo, q_l, qmin_l, gnames),
        ],
        index,
    )
    q_cap = float(np.nansum(np.where(limited, qmax, 0.0)))
    failed = _diagnosis(ts, q_load, q_cap if limited.any() else np.nan)
    dt_h = float(np.median(np.diff(pd.DatetimeIndex(index).asi8)) / 3.6e12) if len(index) > 1 else 1.0  # fmt: skip
    branches = branch_table(net_ac, c)
    summary = _summary(hourly, viol, failed, ts, dt_h, s, sec_limits, branches)
    summary["reactive"]["at_limit"] = _at_limit_counts(at_max, at_min, gnames)
    summary["voltage_control"] = _control_counts(c, control, online)
    return AcCheckResult(
        summary=summary,
        hourly=hourly,
        violations=viol.table,
        failed=failed,
        vm_pu=pd.DataFrame(vm[:, tied], index=index, columns=pd.Index(c.bus_names[tied])),
        loading_percent=ts.frame("loading_percent"),
        gen_q_mvar=pd.DataFrame(q_l, index=index, columns=pd.Index(gnames.astype(str))),
        branches=branches,
    )


def _units_at_limit(c: CompiledNetwork, control: BusControl | None, limited: Arr, on_l: Arr) -> tuple[Arr, Arr]:  # fmt: skip
    """(T, k) masks of the ``limited`` generators online at a bus held at its upper /
    lower reactive limit."""
    if control is None:
        none = np.zeros(on_l.shape, bool)
        return none, none
    gb = np.maximum(c.gen_bus[limited], 0)
    return control.at_max[:, gb] & (on_l > 0), control.at_min[:, gb] & (on_l > 0)


def _at_limit_counts(at_max: Arr, at_min: Arr, names: Arr) -> dict[str, Any]:
    """Unit-hours at the upper and lower reactive limit, hours, the ten units most often."""
    both = at_max | at_min
    if not both.any():  # no unit held at a limit (limits not enforced)
        return {"pairs": 0, "max_pairs": 0, "min_pairs": 0, "hours": 0, "elements": {}}
    per = both.sum(axis=0)
    top = pd.Series(per, index=pd.Index(names.astype(str))).sort_values(ascending=False, kind="stable")  # fmt: skip
    return {
        "pairs": int(both.sum()),
        "max_pairs": int(at_max.sum()),
        "min_pairs": int(at_min.sum()),
        "hours": int(both.any(axis=1).sum()),
        "elements": {str(k): int(n) for k, n in top[top > 0].head(10).items()},
    }


def _control_counts(c: CompiledNetwork, control: BusControl | None, online: Arr) -> dict[str, Any]:  # fmt: skip
    """Bus-hours without a regulating unit online and the solve rounds."""
    if control is None:
        return {"offline_bus_hours": 0, "offline_unit_hours": 0, "rounds": 1}
    reg = c.gen_on & c.gen_controllable & ~c.gen_slack
    return {
        "offline_bus_hours": int(control.off.sum()),
        "offline_unit_hours": int((online[:, reg] <= 0).sum()),
        "rounds": int(control.rounds),
    }


def _summary(
    hourly: pd.DataFrame,
    viol: Violations,
    failed: pd.DataFrame,
    ts: TimeSeriesResult,
    dt_h: float,
    s: AcCheckSettings,
    sec_limits: dict[str, float],
    branches: pd.DataFrame,
) -> dict[str, Any]:
    """Headline figures of the check (plain Python numbers)."""
    ok = hourly.converged.to_numpy(bool)
    h = hourly[ok]
    ac_mwh = float(h.ac_loss_mw.sum() * dt_h)
    lp_mwh = float(h.lp_loss_mw.sum() * dt_h)
    load_mwh = float(h.load_mw.sum() * dt_h)
    with warnings.catch_warnings():  # each branch's highest loading (NaN: unrated)
        warnings.simplefilter("ignore", RuntimeWarning)
        peak = np.nanmax(ts.loading_percent, axis=0) if len(ts.snapshots) else np.full(len(branches), np.nan)  # fmt: skip
    groups = {}
    for g in sorted(set(branches.group)):
        cols = np.flatnonzero(branches.group.to_numpy() == g)
        x = peak[cols]
        groups[g] = float(np.nanmax(x)) if np.isfinite(x).any() else None
    sections = {}
    for name, limit in sec_limits.items():
        flow = h[f"{name}_import_mw"].to_numpy(float)
        sections[name] = {
            "limit_mw": limit,
            "max_import_mw": float(flow.max()) if len(flow) else None,
            "max_export_mw": float(-flow.min()) if len(flow) else None,
            "hours_above_limit": int((np.abs(flow) > limit).sum()) if np.isfinite(limit) else 0,
        }
    return {
        "hours": len(hourly),
        "converged_hours": int(ok.sum()),
        "failed_hours": int((~ok).sum()),
        "voltage": {
            **viol.count(("vm_low", "vm_high")),
            "low_pairs": viol.pairs("vm_low"),
            "high_pairs": viol.pairs("vm_high"),
            "min_pu": float(h.vm_min_pu.min()) if len(h) else None,
            "max_pu": float(h.vm_max_pu.max()) if len(h) else None,
        },  # fmt: skip
        "overload": {
            **viol.count(("overload",)),
            "max_loading_percent": float(h.loading_max_percent.max()) if len(h) else None,
            "max_loading_by_group": groups,
        },  # fmt: skip
        "reactive": {
            **viol.count(("q_max", "q_min")),
            "min_reserve_up_mvar": float(h.q_reserve_up_mvar.min())
            if len(h)
            else None,  # fmt: skip
            "min_reserve_down_mvar": float(h.q_reserve_down_mvar.min()) if len(h) else None,
        },  # fmt: skip
        "losses": {
            "ac_mwh": ac_mwh,
            "lp_mwh": lp_mwh,
            "ac_minus_lp_mwh": ac_mwh - lp_mwh,
            "load_mwh": load_mwh,
            "ac_share_of_load": ac_mwh / load_mwh if load_mwh > 0 else None,
            "lp_share_of_load": lp_mwh / load_mwh if load_mwh > 0 else None,
        },
        "sections": sections,
        "settings": {k: getattr(s, k) for k in s.__dataclass_fields__},
        "solve_time_s": round(ts.time_s, 3),
    }


__all__ = [
    "VIOLATION_COLUMNS",
    "AcCheckResult",
    "analyse",
    "branch_table",
    "bus_limits",
    "generator_q",
    "section_imports",
]
