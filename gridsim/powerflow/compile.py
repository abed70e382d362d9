"""Compile a :class:`~gridsim.network.network.Network` into named per-unit arrays.

This runs once per topology. Everything downstream (Ybus, Newton-Raphson,
fast-decoupled, DC, PTDF/LODF, time series, contingencies) works on the
:class:`CompiledNetwork` only: no pandas past this module.

Branch model (MATPOWER/pandapower pi model, per unit on ``sn_mva``)::

    | I_f |   | (y_s + y_cf/2) / |tau|^2   -y_s / conj(tau) | | V_f |
    | I_t | = | -y_s / tau                 y_s + y_ct/2     | | V_t |

- lines: ``y_s = 1/(r + jx)`` from ohm values on the from bus's base impedance,
  ``y_cf = y_ct = g + j 2 pi f c``; parallel circuits scale y;
- transformers: the pandapower parametrisation (``vk_percent``, ``vkr_percent``,
  ``pfe_kw``, ``i0_percent``, taps on either side, phase shift), referred to the LV
  side; ``trafo_model="t"`` (pandapower's default) splits the series impedance
  around the magnetising branch and converts the T to an equivalent pi.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gridsim.errors import InputError
from gridsim.network.network import Network
from gridsim.network.trafo_model import magnetising_pu, tap_voltages
from gridsim.network.validation import (
    bus_islands,
    check_islands_have_slack,
    validated_bus_positions,
)

REF, PV, PQ = 3, 2, 1


@dataclass
class CompiledNetwork:
    """Named arrays of one network topology (per unit on ``sn_mva``).

    Buses are the in-service buses of islands that hold a slack generator; the
    position of a bus in these arrays is its *internal index*.
    """

    sn_mva: float
    bus_names: np.ndarray  # (n,) str
    vn_kv: np.ndarray  # (n,)
    bus_type: np.ndarray  # (n,) REF/PV/PQ
    v_set_pu: np.ndarray  # (n,) voltage set-point at REF/PV buses, 1.0 elsewhere
    va_set_rad: np.ndarray  # (n,) angle set-point at REF buses
    # branches: lines first, then transformers
    f: np.ndarray  # (m,) from bus internal index
    t: np.ndarray  # (m,)
    y_series: np.ndarray  # (m,) complex
    y_shunt_from: np.ndarray  # (m,) complex, total charging at the from side (y_cf)
    y_shunt_to: np.ndarray  # (m,) complex (y_ct)
    tap: np.ndarray  # (m,) complex, tau * exp(j shift)
    x_dc: np.ndarray  # (m,) reactance for DC models (x / |tau|)
    shift_rad: np.ndarray  # (m,)
    branch_kind: np.ndarray  # (m,) "line" or "trafo"
    is_line: np.ndarray  # (m,) bool, branch_kind == "line"
    branch_names: np.ndarray  # (m,) element names
    rate_i_ka: np.ndarray  # (m,) current rating of lines (NaN if none)
    rate_mva: np.ndarray  # (m,) apparent power rating of transformers (NaN for lines)
    parallel: np.ndarray  # (m,) identical parallel circuits/units inside each branch
    vn_from_kv: np.ndarray  # (m,) base voltage at the from end
    vn_to_kv: np.ndarray  # (m,)
    y_bus_shunt: np.ndarray  # (n,) complex shunt admittance per bus (shunts)
    # injections
    s_load_pu: np.ndarray  # (n,) complex constant-power demand (loads + storage)
    s_gen_pq_pu: np.ndarray  # (n,) complex generation of non-voltage-controlled gens
    p_gen_pv_pu: np.ndarray  # (n,) active set-point of voltage-controlled gens
    # element maps (internal bus index of each in-service element, -1 if dead)
    gen_bus: np.ndarray
    gen_names: np.ndarray
    gen_on: np.ndarray  # in service and on a live bus
    gen_controllable: np.ndarray
    gen_slack: np.ndarray
    gen_q_min_pu: np.ndarray
    gen_p_set_mw: np.ndarray
    gen_q_set_mvar: np.ndarray
    gen_q_max_pu: np.ndarray
    load_bus: np.ndarray
    dc_from: np.ndarray
    dc_to: np.ndarray
    dc_names: np.ndarray
    dc_p_from_pu: np.ndarray
    dc_p_to_pu: np.ndarray
    dc_q_limits_pu: np.ndarray  # (k, 4): qmin_from, qmax_from, qmin_to, qmax_to
    all_bus_names: np.ndarray  # every bus of the network (live or not)
    live_bus: np.ndarray  # (N,) internal index per network bus, -1 for dead buses
    meta: dict = field(default_factory=dict)

    @property
    def n_bus(self) -> int:
        return len(self.bus_names)

    @property
    def n_branch(self) -> int:
        return len(self.f)

    @property
    def ref(self) -> np.ndarray:
        return np.flatnonzero(self.bus_type == REF)

    @property
    def pv(self) -> np.ndarray:
        return np.flatnonzero(self.bus_type == PV)

    @property
    def pq(self) -> np.ndarray:
        return np.flatnonzero(self.bus_type == PQ)

    def s_bus_pu(self) -> np.ndarray:
        """Scheduled complex injection per bus (generation positive), per unit."""
        return self.s_gen_pq_pu + self.p_gen_pv_pu - self.s_load_pu


def _internal(positions: np.ndarray, internal: np.ndarray) -> np.ndarray:
    """Internal index of every bus reference given by its position in ``net.bus``
    (-1 where the name is unknown or the bus is not live)."""
    return np.where(positions >= 0, internal[np.maximum(positions, 0)], -1).astype(np.int64)


def compile_network(net: Network, *, trafo_model: str | None = None) -> CompiledNetwork:
    """Compile ``net`` into per-unit arrays (see module docstring for the model).

    ``trafo_model`` is ``"t"`` (pandapower's default) or ``"pi"`` (MATPOWER's); by default
    ``net.meta["trafo_model"]`` if set (the MATPOWER reader sets ``"pi"``), else ``"t"``.
    """
    if trafo_model is None:
        trafo_model = str(net.meta.get("trafo_model", "t"))
    if trafo_model not in ("t", "pi"):
        raise InputError("must be 't' or 'pi'", field="trafo_model", value=trafo_model)
    # every bus name is looked up once, here; the rest works on positions in net.bus
    positions = validated_bus_positions(net, require_slack=False)
    sn = net.sn_mva
    bus = net.bus
    n_isl, island = bus_islands(net, positions)
    try:
        check_islands_have_slack(net, (n_isl, island), positions)
    except InputError as err:
        raise err.with_source(net.source) if net.source and not err.source else err from None
    gen = net.gen
    # islands with a slack are live
    slack_gen = gen["slack"].to_numpy(bool) & gen["in_service"].to_numpy(bool)
    empty = np.zeros(0, np.int64)
    slack_bus = positions.get(("gen", "bus"), empty)[slack_gen]
    has_slack = np.zeros(n_isl + 1, bool)  # last entry: label -1 (dead bus)
    has_slack[island[slack_bus[slack_bus >= 0]]] = True
    has_slack[-1] = False
    live_mask = has_slack[island]
    live_idx = np.flatnonzero(live_mask)
    internal = np.full(len(bus), -1, dtype=np.int64)
    internal[live_idx] = np.arange(len(live_idx))
    names = bus.index.to_numpy(object)[live_idx]
    n = len(names)
    vn = bus["vn_kv"].to_numpy(float)[live_idx]

    def bus_of(table: str, field: str) -> np.ndarray:
        return _internal(positions.get((table, field), empty), internal)

    lines = _compile_lines(net, bus_of("line", "from_bus"), bus_of("line", "to_bus"), vn, sn)
    trafos = _compile_trafos(
        net, bus_of("trafo", "hv_bus"), bus_of("trafo", "lv_bus"), vn, sn, trafo_model
    )
    br = {k: np.concatenate([lines[k], trafos[k]]) for k in lines}

    # shunts
    y_sh = np.zeros(n, complex)
    sh = net.shunt
    if len(sh):
        on = sh["in_service"].to_numpy(bool)
        b_idx = bus_of("shunt", "bus")
        ok = on & (b_idx >= 0)
        np.add.at(
            y_sh,
            b_idx[ok],
            (sh["p_mw"].to_numpy(float)[ok] - 1j * sh["q_mvar"].to_numpy(float)[ok]) / sn,
        )

    # loads and storage (load convention)
    s_load = np.zeros(n, complex)
    ld = net.load
    load_bus = bus_of("load", "bus")
    if len(ld):
        ok = ld["in_service"].to_numpy(bool) & (load_bus >= 0)
        np.add.at(
            s_load,
            load_bus[ok],
            (ld["p_mw"].to_numpy(float)[ok] + 1j * ld["q_mvar"].to_numpy(float)[ok]) / sn,
        )
    st = net.storage
    if len(st):
        st_bus = bus_of("storage", "bus")
        ok = st["in_service"].to_numpy(bool) & (st_bus >= 0)
        s_st = st["p_mw"].to_numpy(float) + 1j * st["q_mvar"].to_numpy(float)
        np.add.at(s_load, st_bus[ok], s_st[ok] / sn)

    # generators
    g_bus = bus_of("gen", "bus")
    g_on = gen["in_service"].to_numpy(bool) & (g_bus >= 0)
    g_ctrl = gen["controllable"].to_numpy(bool)
    g_slack = gen["slack"].to_numpy(bool)
    p_g = gen["p_mw"].to_numpy(float) / sn
    q_g = gen["q_mvar"].to_numpy(float) / sn
    s_gen_pq = np.zeros(n, complex)
    p_gen_pv = np.zeros(n)
    pq_g = g_on & ~g_ctrl & ~g_slack
    np.add.at(s_gen_pq, g_bus[pq_g], p_g[pq_g] + 1j * q_g[pq_g])
    pv_g = g_on & g_ctrl & ~g_slack
    np.add.at(p_gen_pv, g_bus[pv_g], p_g[pv_g])

    bus_type = np.full(n, PQ, dtype=np.int64)
    v_set = np.ones(n)
    va_set = np.zeros(n)
    # DC links: two voltage-controlled injections (pandapower dcline semantics)
    dc = net.dcline
    dc_f = bus_of("dcline", "from_bus")
    dc_t = bus_of("dcline", "to_bus")
    dc_on = dc["in_service"].to_numpy(bool) & (dc_f >= 0) & (dc_t >= 0)
    p_from = dc["p_mw"].to_numpy(float)
    p_to = p_from * (1 - dc["loss_percent"].to_numpy(float) / 100) - dc["loss_mw"].to_numpy(float)
    if dc_on.any():
        np.add.at(p_gen_pv, dc_f[dc_on], -p_from[dc_on] / sn)
        np.add.at(p_gen_pv, dc_t[dc_on], p_to[dc_on] / sn)
        for idx, col in ((dc_f, "vm_from_pu"), (dc_t, "vm_to_pu")):
            bus_type[idx[dc_on]] = PV
            v_set[idx[dc_on]] = dc[col].to_numpy(float)[dc_on]
    # generators set types after DC links (gens win on shared buses)
    order = np.flatnonzero(pv_g)[::-1]  # first generator at a bus wins
    bus_type[g_bus[order]] = PV
    v_set[g_bus[order]] = gen["vm_pu"].to_numpy(float)[order]
    ref_g = np.flatnonzero(g_on & g_slack)[::-1]
    bus_type[g_bus[ref_g]] = REF
    v_set[g_bus[ref_g]] = gen["vm_pu"].to_numpy(float)[ref_g]
    va_set[g_bus[ref_g]] = np.deg2rad(gen["va_degree"].to_numpy(float)[ref_g])

    q_lim = (
        np.column_stack(
            [
                dc["min_q_from_mvar"].to_numpy(float),
                dc["max_q_from_mvar"].to_numpy(float),
                dc["min_q_to_mvar"].to_numpy(float),
                dc["max_q_to_mvar"].to_numpy(float),
            ]
        )
        / sn
        if len(dc)
        else np.zeros((0, 4))
    )

    return CompiledNetwork(
        sn_mva=sn,
        bus_names=names,
        vn_kv=vn,
        bus_type=bus_type,
        v_set_pu=v_set,
        va_set_rad=va_set,
        f=br["f"].astype(np.int64),
        t=br["t"].astype(np.int64),
        y_series=br["y_series"],
        y_shunt_from=br["y_shunt_from"],
        y_shunt_to=br["y_shunt_to"],
        tap=br["tap"],
        x_dc=br["x_dc"],
        shift_rad=br["shift_rad"],
        branch_kind=br["kind"],
        is_line=np.arange(len(br["f"])) < len(lines["f"]),
        branch_names=br["names"],
        rate_i_ka=br["rate_i_ka"],
        rate_mva=br["rate_mva"],
        parallel=br["parallel"],
        vn_from_kv=vn[br["f"].astype(np.int64)] if len(br["f"]) else np.zeros(0),
        vn_to_kv=vn[br["t"].astype(np.int64)] if len(br["t"]) else np.zeros(0),
        y_bus_shunt=y_sh,
        s_load_pu=s_load,
        s_gen_pq_pu=s_gen_pq,
        p_gen_pv_pu=p_gen_pv,
        gen_bus=g_bus,
        gen_names=gen.index.to_numpy(object),
        gen_on=g_on,
        gen_controllable=g_ctrl,
        gen_slack=g_slack,
        gen_q_min_pu=gen["min_q_mvar"].to_numpy(float) / sn,
        gen_q_max_pu=gen["max_q_mvar"].to_numpy(float) / sn,
        gen_p_set_mw=gen["p_mw"].to_numpy(float),
        gen_q_set_mvar=gen["q_mvar"].to_numpy(float),
        load_bus=load_bus,
        dc_from=np.where(dc_on, dc_f, -1),
        dc_to=np.where(dc_on, dc_t, -1),
        dc_names=dc.index.to_numpy(object),
        dc_p_from_pu=np.where(dc_on, p_from, 0.0) / sn,
        dc_p_to_pu=np.where(dc_on, p_to, 0.0) / sn,
        dc_q_limits_pu=q_lim,
        all_bus_names=bus.index.to_numpy(object),
        live_bus=internal,
        meta={"trafo_model": trafo_model, "n_islands": int(n_isl), "source": net.source},
    )


def _labels(m: int, text: str) -> np.ndarray:
    """An object array of ``m`` times ``text`` (``np.full`` is ~10x slower for objects)."""
    out = np.empty(m, object)
    out.fill(text)
    return out


def _empty_branches() -> dict[str, np.ndarray]:
    return {
        "f": np.zeros(0, np.int64),
        "t": np.zeros(0, np.int64),
        "y_series": np.zeros(0, complex),
        "y_shunt_from": np.zeros(0, complex),
        "y_shunt_to": np.zeros(0, complex),
        "tap": np.zeros(0, complex),
        "x_dc": np.zeros(0),
        "shift_rad": np.zeros(0),
        "kind": np.zeros(0, object),
        "names": np.zeros(0, object),
        "rate_i_ka": np.zeros(0),
        "rate_mva": np.zeros(0),
        "parallel": np.zeros(0, np.int64),
    }


def _compile_lines(
    net: Network, f: np.ndarray, t: np.ndarray, vn: np.ndarray, sn: float
) -> dict[str, np.ndarray]:
    """Branch arrays of the live lines; ``f``, ``t``: internal bus index of each line's ends."""
    ln = net.line
    if ln.empty:
        return _empty_branches()
    on = ln["in_service"].to_numpy(bool) & (f >= 0) & (t >= 0)
    rows = slice(None) if on.all() else on  # all live: read the columns without copies
    f, t = f[rows], t[rows]

    def col(name: str) -> np.ndarray:
        return ln[name].to_numpy(float)[rows]

    base_z = vn[f] ** 2 / sn
    length = col("length_km")
    par = col("parallel")
    r = col("r_ohm_per_km") * length / base_z / par
    x = col("x_ohm_per_km") * length / base_z / par
    b = 2 * np.pi * net.f_hz * col("c_nf_per_km") * 1e-9 * base_z * length * par
    g = col("g_us_per_km") * 1e-6 * base_z * length * par
    y_sh = g + 1j * b
    m = len(f)
    return {
        "f": f,
        "t": t,
        "y_series": 1.0 / (r + 1j * x),
        "y_shunt_from": y_sh,
        "y_shunt_to": y_sh,
        "tap": np.ones(m, complex),
        "x_dc": x,
        "shift_rad": np.zeros(m),
        "kind": _labels(m, "line"),
        "names": ln.index.to_numpy(object)[rows],
        "rate_i_ka": col("max_i_ka") * par,
        "rate_mva": np.full(m, np.nan),
        "parallel": par.astype(np.int64),
    }


def _compile_trafos(
    net: Network, f: np.ndarray, t: np.ndarray, vn: np.ndarray, sn: float, model: str
) -> dict[str, np.ndarray]:
    """Branch arrays of the live transformers; ``f``, ``t``: internal index of HV, LV bus."""
    tr = net.trafo
    if tr.empty:
        return _empty_branches()
    on = tr["in_service"].to_numpy(bool) & (f >= 0) & (t >= 0)
    if not on.all():  # the common case (all live) needs no copy of the table
        tr = tr[on]
        f, t = f[on], t[on]
    vnh, vnl, shift_deg = tap_voltages(tr)
    vn_hv_bus, vn_lv_bus = vn[f], vn[t]
    ratio = (vnh / vnl) / (vn_hv_bus / vn_lv_bus)
    sn_t = tr["sn_mva"].to_numpy(float)
    par = tr["parallel"].to_numpy(float)
    ref = (vnl / vn_lv_bus) ** 2 * sn
    z = tr["vk_percent"].to_numpy(float) / 100 / sn_t * ref
    r = tr["vkr_percent"].to_numpy(float) / 100 / sn_t * ref
    x = np.sign(z) * np.sqrt(z**2 - r**2)
    r, x = r / par, x / par
    # magnetising admittance, per unit, referred to the LV bus
    g_m, b_m = magnetising_pu(tr, vnl / vn_lv_bus, sn)
    zs = r + 1j * x
    y_from = g_m + 1j * b_m
    y_to = y_from.copy()
    if model == "t":
        zs, y_from, y_to = _t_to_pi(zs, g_m + 1j * b_m)
    tap = ratio * np.exp(1j * np.deg2rad(shift_deg))
    m = len(f)
    return {
        "f": f,
        "t": t,
        "y_series": 1.0 / zs,
        "y_shunt_from": y_from,
        "y_shunt_to": y_to,
        "tap": tap,
        "x_dc": zs.imag,
        "shift_rad": np.deg2rad(shift_deg),
        "kind": _labels(m, "trafo"),
        "names": tr.index.to_numpy(object),
        "rate_i_ka": np.full(m, np.nan),
        "rate_mva": sn_t * par,
        "parallel": par.astype(np.int64),
    }


def _t_to_pi(z_sc: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert a T equivalent (half the short-circuit impedance on each side of the
    magnetising admittance ``y_m``) into a pi: series impedance and the two end shunts
    (each returned as twice the end admittance, the MATPOWER charging convention)."""
    zs = z_sc.copy()
    yf = np.zeros_like(y_m)
    yt = np.zeros_like(y_m)
    k = y_m != 0
    if k.any():
        za = z_sc[k] / 2
        zb = z_sc[k] / 2
        zc = 1 / y_m[k]
        total = za * zb + za * zc + zb * zc
        zs[k] = total / zc
        yf[k] = 2 * zb / total
        yt[k] = 2 * za / total
    return zs, yf, yt
