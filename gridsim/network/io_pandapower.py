"""Convert between pandapower nets and gridsim :class:`Network` objects.

pandapower -> gridsim (:func:`from_pandapower`)
-------------------------------------------------
Names. A bus is named ``str(name)`` when every pandapower bus has a non-empty, unique
name (so the MATPOWER-derived ``pandapower.networks.case*`` keep their MATPOWER bus
numbers; integral floats print as integers), otherwise ``str(index)`` for all buses.
Every other element keeps its pandapower name when all elements that land in the same
gridsim table have non-empty, unique names; otherwise all of them are named
``<pandapower table>_<index>`` (``sgen_3``, ``ext_grid_0``, ``trafo_12``).

Elements (``scaling`` is multiplied in; out-of-service elements stay out of service):

- ``bus`` -> bus (``vn_kv``, ``zone``, voltage limits, GeoJSON point -> ``geo_lon/lat``);
- ``line`` -> line; ``max_i_ka * df``; a negative reactance gets
  ``kind = "series_capacitor"``;
- ``trafo`` -> trafo with all tap fields. ``tap_changer_type`` 'Ratio' and 'Symmetrical'
  (identical in pandapower 3.5) -> 'ratio', 'Ideal' -> 'ideal'; no type -> no tap
  effect (steps 0). 'Tabular', tap dependency tables and second tap changers raise.
  pandapower ignores the sign of ``i0_percent`` (the magnetising branch is always
  inductive), so ``|i0_percent|`` is stored: in gridsim a negative ``i0_percent`` means
  a capacitive shunt (MATPOWER transformer charging). ``df`` scales
  ``max_loading_percent``;
- ``ext_grid`` -> gen, ``slack=True``; ``gen`` -> gen (voltage-controlled);
  ``sgen`` -> gen, ``controllable=False`` (PQ injection); poly_cost ``cp1`` ->
  ``cost_per_mwh``;
- ``load`` -> load (constant-power only; ZIP shares raise); ``shunt`` -> shunt, scaled
  by ``step`` and to the bus voltage; ``dcline`` -> dcline; ``storage`` -> storage
  (load convention, no reactive power);
- ``ward`` -> a load (``ps/qs``) plus a shunt (``pz/qz``); ``impedance`` -> a line (same
  voltage level) or an untapped trafo (different levels) when symmetric;
- ``switch``: closed bus-bus switches fuse their buses (the lowest index survives);
  open ones are dropped; an open line/trafo switch takes the branch out of service when
  the branch has no shunt admittance (else it raises);
- ``xward``, ``trafo3w`` and other in-service element types raise an
  :class:`~gridsim.errors.InputError` naming the type and the count.

gridsim -> pandapower (:func:`to_pandapower`): slack gens -> ``ext_grid``, controllable
gens -> ``gen``, others -> ``sgen``; buses are indexed 0..n-1 in table order with the
gridsim name in ``name``. A network whose ``meta["trafo_model"]`` is set (MATPOWER files
set ``"pi"``) gets it as a pandapower user power-flow option.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gridsim.errors import InputError
from gridsim.network import schema
from gridsim.network.network import Network

if TYPE_CHECKING:
    from pandapower.auxiliary import pandapowerNet

_SUPPORTED = {
    "bus", "line", "trafo", "ext_grid", "gen", "sgen", "load", "shunt", "dcline",
    "storage", "ward", "impedance", "switch",
}
_CHECKED = (
    "trafo3w", "xward", "motor", "asymmetric_load", "asymmetric_sgen", "svc", "ssc",
    "vsc", "tcsc", "bus_dc", "line_dc", "source_dc", "load_dc", "vsc_stacked",
    "vsc_bipolar",
)
_TAP_TYPES = {"ratio": "ratio", "symmetrical": "ratio", "ideal": "ideal"}


# ------------------------------------------------------------------ small helpers
def _label(v: Any) -> str:
    """A name or label: None/NaN -> '', integral floats without '.0'."""
    if v is None or (isinstance(v, float | np.floating) and math.isnan(v)):
        return ""
    if v is pd.NA:
        return ""
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, np.integer):
        return str(int(v))
    return str(v)


def _num(df: pd.DataFrame, col: str, default: float) -> np.ndarray:
    """Column ``col`` as floats, NaN (or a missing column) replaced by ``default``."""
    if col not in df.columns:
        return np.full(len(df), default, dtype=float)
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(v), default, v)


def _flag(df: pd.DataFrame, col: str = "in_service") -> np.ndarray:
    if col not in df.columns:
        return np.ones(len(df), dtype=bool)
    return df[col].fillna(False).to_numpy(dtype=bool)


def _names_of(df: pd.DataFrame) -> np.ndarray:
    """The pandapower names of a table (None where absent)."""
    return df["name"].to_numpy(object) if "name" in df else np.full(len(df), None, object)


def _unique_nonempty(names: list[str]) -> bool:
    return all(names) and len(set(names)) == len(names)


def _geo_point(g: Any) -> tuple[float, float]:
    """(lon, lat) of a GeoJSON point string or dict, NaNs when absent."""
    if g is None or (isinstance(g, float) and math.isnan(g)):
        return math.nan, math.nan
    try:
        d = json.loads(g) if isinstance(g, str) else g
        if d.get("type") == "Point":
            x, y = d["coordinates"][:2]
            return float(x), float(y)
    except (TypeError, ValueError, KeyError, AttributeError):
        pass
    return math.nan, math.nan


def tap_model(trafo: pd.DataFrame, vn_hv_bus: np.ndarray, vn_lv_bus: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Off-nominal ratios and total phase shift of gridsim trafos (pandapower semantics).

    Returns ``(n_hv, n_lv, shift_degree)``: the tapped rated voltage over the bus voltage
    at each side, and the angle by which HV leads LV. A 'ratio' tap changes the rated
    voltage of its side by ``d = (tap_pos - tap_neutral) * tap_step_percent / 100`` at the
    angle ``tap_step_degree`` (magnitude ``|1 + d e^{j a}|``, angle ``arg(1 + d e^{j a})``);
    an 'ideal' tap only shifts, by ``n * tap_step_degree`` or ``2 asin(n * step% / 200)``.
    A tap on the LV side shifts in the opposite direction.
    """
    diff = trafo["tap_pos"].to_numpy(float) - trafo["tap_neutral"].to_numpy(float)
    pct = trafo["tap_step_percent"].to_numpy(float)
    deg = trafo["tap_step_degree"].to_numpy(float)
    sign = np.where(trafo["tap_side"].to_numpy(object) == "lv", -1.0, 1.0)
    ideal = trafo["tap_changer_type"].to_numpy(object) == "ideal"
    d = diff * pct / 100.0
    a = np.deg2rad(deg)
    re, im = 1.0 + d * np.cos(a), d * np.sin(a)
    mag = np.where(ideal, 1.0, np.sqrt(re**2 + im**2))
    with np.errstate(invalid="ignore"):
        ideal_shift = np.where(deg != 0, diff * deg,
                               2.0 * np.rad2deg(np.arcsin(diff * pct / 200.0)))
    dphi = np.where(ideal, ideal_shift, np.rad2deg(np.arctan(im / re)))
    on_lv = sign < 0
    n_hv = trafo["vn_hv_kv"].to_numpy(float) * np.where(on_lv, 1.0, mag) / vn_hv_bus
    n_lv = trafo["vn_lv_kv"].to_numpy(float) * np.where(on_lv, mag, 1.0) / vn_lv_bus
    shift = trafo["shift_degree"].to_numpy(float) + sign * dphi
    return n_hv, n_lv, shift


def magnetising_pu(trafo: pd.DataFrame, n_lv: np.ndarray, sn_mva: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Total magnetising (g, b) in per unit of ``sn_mva``, referred to the LV bus.

    ``|y| = |i0|/100 * sn``, ``g = pfe``, ``b = -sign(i0) sqrt(|y|^2 - g^2)`` (MVA at rated
    voltage), scaled by ``parallel / n_lv^2``.
    """
    par = trafo["parallel"].to_numpy(float)
    i0 = trafo["i0_percent"].to_numpy(float)
    pfe = trafo["pfe_kw"].to_numpy(float) / 1e3
    ym = np.abs(i0) / 100.0 * trafo["sn_mva"].to_numpy(float)
    b_mva = -np.sign(i0) * np.sqrt(np.maximum(ym**2 - pfe**2, 0.0))
    scale = par / n_lv**2 / sn_mva
    return pfe * scale, b_mva * scale


# ----------------------------------------------------------- pandapower -> gridsim
def from_pandapower(pp_net: pandapowerNet) -> Network:
    """Convert a pandapower net to a :class:`Network` (MW, Mvar, kV, ohm; see module doc)."""
    src = f"pandapower net '{pp_net.name}'" if pp_net.name else "pandapower net"
    try:
        return _from_pp(pp_net, src)
    except InputError as err:
        raise err.with_source(src) if not err.source else err from None


def _from_pp(pp_net: Any, src: str) -> Network:
    _reject_unsupported(pp_net)
    rep, off = _switch_effects(pp_net)
    pbus = pp_net.bus
    raw = [_label(v) for v in pbus["name"]] if "name" in pbus else []
    names = raw if raw and _unique_nonempty(raw) else [str(i) for i in pbus.index]
    name_of = pd.Series(names, index=pbus.index)
    bus_ref = pd.Series(name_of.reindex(rep.to_numpy()).to_numpy(), index=rep.index)

    def busname(table: str, df: pd.DataFrame, col: str) -> np.ndarray:
        out = bus_ref.reindex(df[col].to_numpy()).to_numpy(object)
        bad = pd.isna(out)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError("refers to an unknown bus", table=table, element=df.index[i],
                             field=col, value=df[col].iloc[i])
        return out

    net = Network(name=_label(pp_net.name), sn_mva=float(pp_net.sn_mva), f_hz=float(pp_net.f_hz))
    opts = pp_net.get("user_pf_options", {}) or {}
    if opts.get("trafo_model") in ("pi", "t"):
        net.meta["trafo_model"] = opts["trafo_model"]

    keep = rep.to_numpy() == rep.index.to_numpy()
    b = pbus[keep]
    geo = [_geo_point(g) for g in b["geo"]] if "geo" in b else [(math.nan, math.nan)] * len(b)
    frames: dict[str, list[tuple[str, pd.DataFrame]]] = {t: [] for t in
                                                          ("line", "trafo", "gen", "load",
                                                           "shunt", "dcline", "storage")}
    bus_tab = pd.DataFrame({
        "vn_kv": _num(b, "vn_kv", math.nan),
        "zone": [_label(z) for z in b["zone"]] if "zone" in b else "",
        "vm_min_pu": _num(b, "min_vm_pu", 0.9),
        "vm_max_pu": _num(b, "max_vm_pu", 1.1),
        "geo_lon": [g[0] for g in geo],
        "geo_lat": [g[1] for g in geo],
        "in_service": _flag(b),
    }, index=name_of[keep].to_numpy())

    line = pp_net.line
    if len(line):
        x = _num(line, "x_ohm_per_km", math.nan)
        frames["line"].append(("line", pd.DataFrame({
            "_name": _names_of(line),
            "from_bus": busname("line", line, "from_bus"),
            "to_bus": busname("line", line, "to_bus"),
            "length_km": _num(line, "length_km", 1.0),
            "r_ohm_per_km": _num(line, "r_ohm_per_km", math.nan),
            "x_ohm_per_km": x,
            "c_nf_per_km": _num(line, "c_nf_per_km", 0.0),
            "g_us_per_km": _num(line, "g_us_per_km", 0.0),
            "max_i_ka": _num(line, "max_i_ka", math.nan) * _num(line, "df", 1.0),
            "parallel": _num(line, "parallel", 1.0),
            "kind": np.where(x < 0, "series_capacitor", "ac"),
            "in_service": _flag(line) & ~line.index.isin(off["line"]),
        }, index=line.index)))
    if len(pp_net.trafo):
        frames["trafo"].append(("trafo", _trafos(pp_net.trafo, busname, off["trafo"])))
    _impedances(pp_net, busname, frames)
    _gens(pp_net, busname, frames)
    _loads_shunts(pp_net, busname, frames)

    net.add_table("bus", bus_tab)
    for table, parts in frames.items():
        if parts:
            net.add_table(table, _named(table, parts))
    net.source = src
    return net


def _named(table: str, parts: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """Concatenate the parts of one gridsim table, naming elements by the module rule."""
    names = [_label(v) for _, df in parts for v in df["_name"]]
    if not _unique_nonempty(names):
        names = [f"{t}_{i}" for t, df in parts for i in df.index]
    cols = {c for _, df in parts for c in df.columns} - {"_name"}
    default = {c.name: c.default for c in schema.columns(table)}
    out = pd.concat([df.drop(columns="_name").assign(**{c: default[c] for c in cols - set(df)})
                     for _, df in parts], ignore_index=True)
    out.index = pd.Index(names, dtype=object)
    return out


def _reject_unsupported(pp_net: Any) -> None:
    for t in _CHECKED:
        df = pp_net.get(t)
        if isinstance(df, pd.DataFrame) and len(df):
            n = int(_flag(df).sum())
            if n:
                raise InputError(f"has {n} in-service element(s) of a type gridsim cannot "
                                 "represent; convert or remove them first", table=t,
                                 show_value=False)


def _switch_effects(pp_net: Any) -> tuple[pd.Series, dict[str, set[int]]]:
    """Bus -> surviving bus after fusing closed bus-bus switches; branches opened."""
    bus = pp_net.bus
    rep = pd.Series(bus.index.to_numpy(), index=bus.index)
    off: dict[str, set[int]] = {"line": set(), "trafo": set()}
    sw = pp_net.get("switch")
    if not isinstance(sw, pd.DataFrame) or sw.empty:
        return rep, off
    closed = sw["closed"].fillna(True).to_numpy(bool)
    et = sw["et"].to_numpy(object)
    z = _num(sw, "z_ohm", 0.0)
    bb = (et == "b") & closed
    if (bb & (z != 0)).any():
        i = sw.index[int(np.flatnonzero(bb & (z != 0))[0])]
        raise InputError("must be 0 for a closed bus-bus switch",
                         table="switch", element=i, field="z_ohm", value=float(z[sw.index == i][0]))
    if bb.any():
        pos = pd.Series(np.arange(len(bus)), index=bus.index)
        a = pos.reindex(sw["bus"].to_numpy()[bb]).to_numpy()
        c = pos.reindex(sw["element"].to_numpy()[bb]).to_numpy()
        if np.isnan(a).any() or np.isnan(c).any():
            raise InputError("bus-bus switch refers to an unknown bus", table="switch",
                             show_value=False)
        adj = coo_matrix((np.ones(len(a)), (a.astype(int), c.astype(int))),
                         shape=(len(bus), len(bus)))
        _, lab = connected_components(adj, directed=False)
        first = pd.Series(bus.index.to_numpy()).groupby(lab).transform("min").to_numpy()
        vn = bus["vn_kv"].to_numpy(float)
        vfirst = pd.Series(vn, index=bus.index).reindex(first).to_numpy()
        if not np.allclose(vn, vfirst):
            i = int(np.flatnonzero(~np.isclose(vn, vfirst))[0])
            raise InputError("differs from the bus it is switched to by a closed bus-bus switch",
                             table="bus", element=bus.index[i], field="vn_kv", value=vn[i])
        rep = pd.Series(first, index=bus.index)
    for kind, table in (("l", "line"), ("t", "trafo")):
        m = (et == kind) & ~closed
        if not m.any():
            continue
        elems = sw["element"].to_numpy()[m]
        df = pp_net[table]
        counts = pd.Series(elems).value_counts()
        for e, n in counts.items():
            if table == "line":
                shunt = (_num(df.loc[[e]], "c_nf_per_km", 0.0)[0] != 0
                         or _num(df.loc[[e]], "g_us_per_km", 0.0)[0] != 0)
            else:
                shunt = (_num(df.loc[[e]], "i0_percent", 0.0)[0] != 0
                         or _num(df.loc[[e]], "pfe_kw", 0.0)[0] != 0)
            if shunt and n < 2:
                raise InputError("is open at one end only and the branch has shunt admittance; "
                                 "gridsim cannot represent a branch energised from one side",
                                 table=table, element=e, field="switch", show_value=False)
            off[table].add(int(e))
    return rep, off


def _trafos(t: pd.DataFrame, busname: Any, off: set[int]) -> pd.DataFrame:
    for col in ("tap_dependency_table",):
        if col in t and t[col].fillna(False).astype(bool).any():
            i = t.index[t[col].fillna(False).astype(bool).to_numpy()][0]
            raise InputError("must be False (tap-dependent impedance tables are not supported)", table="trafo",
                             element=i, field=col, value=True)
    if "tap2_pos" in t:
        active = t["tap2_pos"].notna() & t.get("tap2_changer_type", pd.Series(None, t.index)).notna()
        if active.any():
            raise InputError("must be empty (second tap changers are not supported)", table="trafo",
                             element=t.index[active.to_numpy()][0], field="tap2_changer_type",
                             show_value=False)
    for col in ("leakage_resistance_ratio_hv", "leakage_reactance_ratio_hv"):
        v = _num(t, col, 0.5)
        if (v != 0.5).any():
            i = int(np.flatnonzero(v != 0.5)[0])
            raise InputError("must be 0.5 (symmetric T model)", table="trafo",
                             element=t.index[i], field=col, value=float(v[i]))
    raw_type = [_label(v).lower() for v in t.get("tap_changer_type", [None] * len(t))]
    bad = [i for i, v in enumerate(raw_type) if v and v not in _TAP_TYPES]
    if bad:
        raise InputError("is not supported (use 'Ratio', 'Symmetrical' or 'Ideal')",
                         table="trafo", element=t.index[bad[0]], field="tap_changer_type",
                         value=t["tap_changer_type"].iloc[bad[0]])
    side = np.array([_label(v).lower() for v in t.get("tap_side", [None] * len(t))], dtype=object)
    pos = _num(t, "tap_pos", math.nan)
    neutral = _num(t, "tap_neutral", math.nan)
    active = (np.array([bool(v) for v in raw_type]) & np.isfinite(pos) & np.isfinite(neutral)
              & np.isin(side, ["hv", "lv"]))
    pct = np.where(active, _num(t, "tap_step_percent", 0.0), 0.0)
    deg = np.where(active, _num(t, "tap_step_degree", 0.0), 0.0)
    kind = np.array([_TAP_TYPES.get(v, "ratio") for v in raw_type], dtype=object)
    both = (kind == "ideal") & (pct != 0) & (deg != 0)
    if both.any():
        i = int(np.flatnonzero(both)[0])
        raise InputError("must be 0 for an 'Ideal' tap that also has tap_step_percent",
                         table="trafo", element=t.index[i], field="tap_step_degree",
                         value=float(deg[i]))
    return pd.DataFrame({
        "_name": _names_of(t),
        "hv_bus": busname("trafo", t, "hv_bus"),
        "lv_bus": busname("trafo", t, "lv_bus"),
        "sn_mva": _num(t, "sn_mva", math.nan),
        "vn_hv_kv": _num(t, "vn_hv_kv", math.nan),
        "vn_lv_kv": _num(t, "vn_lv_kv", math.nan),
        "vk_percent": _num(t, "vk_percent", math.nan),
        "vkr_percent": _num(t, "vkr_percent", 0.0),
        "pfe_kw": _num(t, "pfe_kw", 0.0),
        "i0_percent": np.abs(_num(t, "i0_percent", 0.0)),
        "shift_degree": _num(t, "shift_degree", 0.0),
        "tap_side": np.where(np.isin(side, ["hv", "lv"]), side, "hv"),
        "tap_pos": np.where(np.isfinite(pos), pos, 0.0),
        "tap_neutral": np.where(np.isfinite(neutral), neutral, 0.0),
        "tap_step_percent": pct,
        "tap_step_degree": deg,
        "tap_changer_type": kind,
        "max_loading_percent": _num(t, "max_loading_percent", 100.0) * _num(t, "df", 1.0),
        "parallel": _num(t, "parallel", 1.0),
        "in_service": _flag(t) & ~t.index.isin(off),
    }, index=t.index)


def _impedances(pp_net: Any, busname: Any, frames: dict[str, list]) -> None:
    imp = pp_net.get("impedance")
    if not isinstance(imp, pd.DataFrame) or imp.empty:
        return
    g = {c: _num(imp, c, 0.0) for c in ("rft_pu", "xft_pu", "rtf_pu", "xtf_pu", "gf_pu",
                                        "bf_pu", "gt_pu", "bt_pu")}
    asym = (g["rft_pu"] != g["rtf_pu"]) | (g["xft_pu"] != g["xtf_pu"]) | \
        (g["gf_pu"] != g["gt_pu"]) | (g["bf_pu"] != g["bt_pu"])
    fb, tb = busname("impedance", imp, "from_bus"), busname("impedance", imp, "to_bus")
    vn = pd.Series(_num(pp_net.bus, "vn_kv", math.nan), index=pp_net.bus.index)
    vf = vn.reindex(imp["from_bus"].to_numpy()).to_numpy()
    vt = vn.reindex(imp["to_bus"].to_numpy()).to_numpy()
    shunt = (g["gf_pu"] != 0) | (g["bf_pu"] != 0)
    bad = asym | ((vf != vt) & shunt)
    if bad.any():
        raise InputError(f"{int(bad.sum())} asymmetric impedance(s), or with shunt admittance "
                         "between voltage levels, cannot be represented", table="impedance",
                         element=imp.index[int(np.flatnonzero(bad)[0])], show_value=False)
    sn = _num(imp, "sn_mva", math.nan)
    same = vf == vt
    zb = vf**2 / sn  # ohm per pu of the impedance's own base
    if same.any():
        s = same
        x = g["xft_pu"][s] * zb[s]
        frames["line"].append(("impedance", pd.DataFrame({
            "_name": _names_of(imp)[s],
            "from_bus": fb[s], "to_bus": tb[s],
            "r_ohm_per_km": g["rft_pu"][s] * zb[s], "x_ohm_per_km": x,
            "c_nf_per_km": 2 * g["bf_pu"][s] / zb[s] / (2 * math.pi * pp_net.f_hz) * 1e9,
            "g_us_per_km": 2 * g["gf_pu"][s] / zb[s] * 1e6,
            "kind": np.where(x < 0, "series_capacitor", "impedance"),
            "in_service": _flag(imp)[s],
        }, index=imp.index[s])))
    if (~same).any():
        s = ~same
        r, x = g["rft_pu"][s], g["xft_pu"][s]
        hv_first = vf[s] >= vt[s]
        frames["trafo"].append(("impedance", pd.DataFrame({
            "_name": _names_of(imp)[s],
            "hv_bus": np.where(hv_first, fb[s], tb[s]), "lv_bus": np.where(hv_first, tb[s], fb[s]),
            "sn_mva": sn[s], "vn_hv_kv": np.maximum(vf[s], vt[s]),
            "vn_lv_kv": np.minimum(vf[s], vt[s]),
            "vk_percent": np.where(x < 0, -1.0, 1.0) * np.hypot(r, x) * 100,
            "vkr_percent": r * 100, "in_service": _flag(imp)[s],
        }, index=imp.index[s])))


def _gens(pp_net: Any, busname: Any, frames: dict[str, list]) -> None:
    cost = pp_net.get("poly_cost")
    cp1: dict[tuple[str, int], float] = {}
    if isinstance(cost, pd.DataFrame) and len(cost):
        cp1 = {(str(e), int(i)): float(c) for e, i, c in
               zip(cost["et"], cost["element"], cost["cp1_eur_per_mw"])}
    for table in ("ext_grid", "gen", "sgen"):
        df = pp_net.get(table)
        if not isinstance(df, pd.DataFrame) or df.empty:
            continue
        slack = np.ones(len(df), bool) if table == "ext_grid" else \
            (_flag(df, "slack") if table == "gen" and "slack" in df else np.zeros(len(df), bool))
        scale = _num(df, "scaling", 1.0)
        out = pd.DataFrame({
            "_name": _names_of(df),
            "bus": busname(table, df, "bus"),
            "p_mw": 0.0 if table == "ext_grid" else _num(df, "p_mw", 0.0) * scale,
            "vm_pu": _num(df, "vm_pu", 1.0),
            "va_degree": _num(df, "va_degree", 0.0),
            "slack": slack,
            "controllable": table != "sgen",
            "q_mvar": _num(df, "q_mvar", 0.0) * scale if table == "sgen" else 0.0,
            "min_q_mvar": _num(df, "min_q_mvar", -1e9),
            "max_q_mvar": _num(df, "max_q_mvar", 1e9),
            "min_p_mw": _num(df, "min_p_mw", 0.0),
            "max_p_mw": _num(df, "max_p_mw", math.nan),
            "fuel": "ext" if table == "ext_grid" else _fuel(df),
            "cost_per_mwh": [cp1.get((table, int(i)), 0.0) for i in df.index],
            "in_service": _flag(df),
        }, index=df.index)
        frames["gen"].append((table, out))


def _fuel(df: pd.DataFrame) -> list[str]:
    """A gen/sgen 'type' as fuel label (the sgen connection types 'wye'/'delta' are not)."""
    if "type" not in df:
        return [""] * len(df)
    return [("" if _label(v) in ("wye", "delta") else _label(v)) for v in df["type"]]


def _loads_shunts(pp_net: Any, busname: Any, frames: dict[str, list]) -> None:
    load = pp_net.load
    if len(load):
        for col in ("const_z_percent", "const_i_percent", "const_z_p_percent",
                    "const_i_p_percent", "const_z_q_percent", "const_i_q_percent"):
            v = _num(load, col, 0.0)
            if (v != 0).any():
                i = int(np.flatnonzero(v != 0)[0])
                raise InputError("must be 0 (voltage-dependent ZIP loads are not supported)",
                                 table="load", element=load.index[i], field=col,
                                 value=float(v[i]))
        s = _num(load, "scaling", 1.0)
        frames["load"].append(("load", pd.DataFrame({
            "_name": _names_of(load),
            "bus": busname("load", load, "bus"), "p_mw": _num(load, "p_mw", 0.0) * s,
            "q_mvar": _num(load, "q_mvar", 0.0) * s, "in_service": _flag(load),
        }, index=load.index)))
    sh = pp_net.shunt
    if len(sh):
        if "step_dependency_table" in sh and sh["step_dependency_table"].fillna(False).any():
            raise InputError("must be False (step-dependent shunt tables are not supported)", table="shunt",
                             field="step_dependency_table", show_value=False)
        vbus = pd.Series(_num(pp_net.bus, "vn_kv", math.nan), index=pp_net.bus.index)
        vb = vbus.reindex(sh["bus"].to_numpy()).to_numpy()
        ratio = (vb / _num(sh, "vn_kv", math.nan)) ** 2
        ratio = np.where(np.isnan(ratio), 1.0, ratio) * _num(sh, "step", 1.0)
        frames["shunt"].append(("shunt", pd.DataFrame({
            "_name": _names_of(sh),
            "bus": busname("shunt", sh, "bus"), "p_mw": _num(sh, "p_mw", 0.0) * ratio,
            "q_mvar": _num(sh, "q_mvar", 0.0) * ratio, "in_service": _flag(sh),
        }, index=sh.index)))
    ward = pp_net.get("ward")
    if isinstance(ward, pd.DataFrame) and len(ward):
        wb = busname("ward", ward, "bus")
        frames["load"].append(("ward", pd.DataFrame({
            "_name": _names_of(ward), "bus": wb,
            "p_mw": _num(ward, "ps_mw", 0.0), "q_mvar": _num(ward, "qs_mvar", 0.0),
            "in_service": _flag(ward)}, index=ward.index)))
        frames["shunt"].append(("ward", pd.DataFrame({
            "_name": _names_of(ward), "bus": wb,
            "p_mw": _num(ward, "pz_mw", 0.0), "q_mvar": _num(ward, "qz_mvar", 0.0),
            "in_service": _flag(ward)}, index=ward.index)))
    dc = pp_net.dcline
    if len(dc):
        frames["dcline"].append(("dcline", pd.DataFrame({
            "_name": _names_of(dc),
            "from_bus": busname("dcline", dc, "from_bus"),
            "to_bus": busname("dcline", dc, "to_bus"),
            "p_mw": _num(dc, "p_mw", 0.0), "loss_mw": _num(dc, "loss_mw", 0.0),
            "loss_percent": _num(dc, "loss_percent", 0.0),
            "vm_from_pu": _num(dc, "vm_from_pu", 1.0), "vm_to_pu": _num(dc, "vm_to_pu", 1.0),
            "max_p_mw": _num(dc, "max_p_mw", math.nan),
            "min_q_from_mvar": _num(dc, "min_q_from_mvar", -1e9),
            "max_q_from_mvar": _num(dc, "max_q_from_mvar", 1e9),
            "min_q_to_mvar": _num(dc, "min_q_to_mvar", -1e9),
            "max_q_to_mvar": _num(dc, "max_q_to_mvar", 1e9),
            "in_service": _flag(dc),
        }, index=dc.index)))
    st = pp_net.storage
    if len(st):
        s = _num(st, "scaling", 1.0)
        q = _num(st, "q_mvar", 0.0) * s
        if ((q != 0) & _flag(st)).any():
            i = int(np.flatnonzero((q != 0) & _flag(st))[0])
            raise InputError("must be 0 (storage reactive power is not supported)", table="storage",
                             element=st.index[i], field="q_mvar", value=float(q[i]))
        p = _num(st, "p_mw", 0.0) * s
        pmax = np.fmax(np.abs(_num(st, "max_p_mw", math.nan)), np.abs(_num(st, "min_p_mw", math.nan)))
        frames["storage"].append(("storage", pd.DataFrame({
            "_name": _names_of(st),
            "bus": busname("storage", st, "bus"), "p_mw": p,
            "max_p_mw": np.where(np.isnan(pmax), np.abs(p), pmax),
            "max_e_mwh": _num(st, "max_e_mwh", 0.0),
            "soc_init": _num(st, "soc_percent", 50.0) / 100.0,
            "kind": [(_label(v) if _label(v) in ("battery", "pumped_hydro") else "battery")
                     for v in st.get("type", [None] * len(st))],
            "in_service": _flag(st),
        }, index=st.index)))


# ----------------------------------------------------------- gridsim -> pandapower
def to_pandapower(net: Network) -> pandapowerNet:
    """Convert a :class:`Network` to a pandapower net (buses indexed 0..n-1 in table order).

    A transformer with a capacitive magnetising branch (``i0_percent < 0``, which
    pandapower cannot express) gets ``i0_percent = 0`` plus two shunts named
    ``<trafo>:charging_hv/lv`` that reproduce the pi-model admittance at the present tap.
    """
    import pandapower as pp

    ppn = pp.create_empty_network(name=net.name, f_hz=net.f_hz, sn_mva=net.sn_mva)
    bus = net.bus
    n = len(bus)
    pos = pd.Series(np.arange(n), index=bus.index.astype(str))

    def ix(table: str, df: pd.DataFrame, col: str) -> np.ndarray:
        out = pos.reindex(df[col].astype(str).to_numpy()).to_numpy()
        if np.isnan(out).any():
            i = int(np.flatnonzero(np.isnan(out))[0])
            raise InputError("refers to an unknown bus", source=net.source, table=table,
                             element=df.index[i], field=col, value=df[col].iloc[i])
        return out.astype(np.int64)

    if n:
        pp.create_buses(ppn, n, vn_kv=bus["vn_kv"].to_numpy(float), name=list(bus.index),
                        zone=list(bus["zone"]), in_service=bus["in_service"].to_numpy(bool),
                        max_vm_pu=bus["vm_max_pu"].to_numpy(float),
                        min_vm_pu=bus["vm_min_pu"].to_numpy(float), index=np.arange(n))
        lon, lat = bus["geo_lon"].to_numpy(float), bus["geo_lat"].to_numpy(float)
        ppn.bus["geo"] = [
            json.dumps({"coordinates": [float(a), float(b)], "type": "Point"})
            if np.isfinite(a) and np.isfinite(b) else None for a, b in zip(lon, lat)
        ]
    line = net.line
    if len(line):
        pp.create_lines_from_parameters(
            ppn, ix("line", line, "from_bus"), ix("line", line, "to_bus"),
            length_km=line["length_km"].to_numpy(float),
            r_ohm_per_km=line["r_ohm_per_km"].to_numpy(float),
            x_ohm_per_km=line["x_ohm_per_km"].to_numpy(float),
            c_nf_per_km=line["c_nf_per_km"].to_numpy(float),
            g_us_per_km=line["g_us_per_km"].to_numpy(float),
            max_i_ka=line["max_i_ka"].to_numpy(float), name=list(line.index),
            parallel=line["parallel"].to_numpy(np.int64),
            in_service=line["in_service"].to_numpy(bool))
    if len(net.trafo):
        _trafos_to_pp(pp, ppn, net, ix)
    gen = net.gen
    if len(gen):
        _gens_to_pp(pp, ppn, gen, ix)
    load = net.load
    if len(load):
        pp.create_loads(ppn, ix("load", load, "bus"), p_mw=load["p_mw"].to_numpy(float),
                        q_mvar=load["q_mvar"].to_numpy(float), name=list(load.index),
                        in_service=load["in_service"].to_numpy(bool))
    sh = net.shunt
    if len(sh):
        b = ix("shunt", sh, "bus")
        pp.create_shunts(ppn, b, q_mvar=sh["q_mvar"].to_numpy(float),
                         p_mw=sh["p_mw"].to_numpy(float), vn_kv=bus["vn_kv"].to_numpy(float)[b],
                         name=list(sh.index), in_service=sh["in_service"].to_numpy(bool))
    dc = net.dcline
    if len(dc):
        fb, tb = ix("dcline", dc, "from_bus"), ix("dcline", dc, "to_bus")
        for k, (name, r) in enumerate(dc.iterrows()):
            pp.create_dcline(ppn, int(fb[k]), int(tb[k]), p_mw=r.p_mw, loss_percent=r.loss_percent,
                             loss_mw=r.loss_mw, vm_from_pu=r.vm_from_pu, vm_to_pu=r.vm_to_pu,
                             name=name, max_p_mw=r.max_p_mw, min_q_from_mvar=r.min_q_from_mvar,
                             min_q_to_mvar=r.min_q_to_mvar, max_q_from_mvar=r.max_q_from_mvar,
                             max_q_to_mvar=r.max_q_to_mvar, in_service=bool(r.in_service))
    st = net.storage
    if len(st):
        pmax = st["max_p_mw"].to_numpy(float)
        pp.create_storages(ppn, ix("storage", st, "bus"), p_mw=st["p_mw"].to_numpy(float),
                           max_e_mwh=st["max_e_mwh"].to_numpy(float),
                           soc_percent=st["soc_init"].to_numpy(float) * 100.0,
                           max_p_mw=pmax, min_p_mw=-pmax, name=list(st.index),
                           type=list(st["kind"]), in_service=st["in_service"].to_numpy(bool))
    if net.meta.get("trafo_model") in ("pi", "t"):
        pp.set_user_pf_options(ppn, trafo_model=net.meta["trafo_model"])
    return ppn


def _trafos_to_pp(pp: Any, ppn: Any, net: Network, ix: Any) -> None:
    t = net.trafo
    hv, lv = ix("trafo", t, "hv_bus"), ix("trafo", t, "lv_bus")
    vn = net.bus["vn_kv"].to_numpy(float)
    kind = t["tap_changer_type"].to_numpy(object)
    pct = t["tap_step_percent"].to_numpy(float)
    deg = t["tap_step_degree"].to_numpy(float)
    bad = ~np.isin(kind, ["ratio", "ideal"])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("must be 'ratio' or 'ideal'", source=net.source, table="trafo",
                         element=t.index[i], field="tap_changer_type", value=kind[i])
    has_tap = (pct != 0) | (deg != 0)
    pp_type = np.where(kind == "ideal", "Ideal", np.where(has_tap, "Ratio", None))
    i0 = t["i0_percent"].to_numpy(float)
    cap = i0 < 0
    pp.create_transformers_from_parameters(
        ppn, hv, lv, sn_mva=t["sn_mva"].to_numpy(float), vn_hv_kv=t["vn_hv_kv"].to_numpy(float),
        vn_lv_kv=t["vn_lv_kv"].to_numpy(float), vkr_percent=t["vkr_percent"].to_numpy(float),
        vk_percent=t["vk_percent"].to_numpy(float), pfe_kw=t["pfe_kw"].to_numpy(float),
        i0_percent=np.where(cap, 0.0, i0), shift_degree=t["shift_degree"].to_numpy(float),
        tap_side=list(t["tap_side"]), tap_neutral=t["tap_neutral"].to_numpy(float),
        tap_pos=t["tap_pos"].to_numpy(float), tap_step_percent=pct, tap_step_degree=deg,
        tap_changer_type=list(pp_type), name=list(t.index),
        max_loading_percent=t["max_loading_percent"].to_numpy(float),
        parallel=t["parallel"].to_numpy(np.int64), in_service=t["in_service"].to_numpy(bool))
    if cap.any():
        c = t[cap]
        n_hv, n_lv, _ = tap_model(c, vn[hv[cap]], vn[lv[cap]])
        _, b = magnetising_pu(c, n_lv, net.sn_mva)
        q_lv = -b / 2 * net.sn_mva
        q_hv = q_lv / (n_hv / n_lv) ** 2
        names = [f"{s}:charging_{e}" for e in ("hv", "lv") for s in c.index]
        buses = np.concatenate([hv[cap], lv[cap]])
        pp.create_shunts(ppn, buses, q_mvar=np.concatenate([q_hv, q_lv]), p_mw=0.0,
                         vn_kv=vn[buses], name=names,
                         in_service=np.tile(c["in_service"].to_numpy(bool), 2))


def _gens_to_pp(pp: Any, ppn: Any, gen: pd.DataFrame, ix: Any) -> None:
    b = ix("gen", gen, "bus")
    slack = gen["slack"].to_numpy(bool)
    ctrl = gen["controllable"].to_numpy(bool) & ~slack
    pq = ~slack & ~ctrl
    cost: list[tuple[str, int, float]] = []
    for k in np.flatnonzero(slack):
        r = gen.iloc[k]
        e = pp.create_ext_grid(ppn, int(b[k]), vm_pu=r.vm_pu, va_degree=r.va_degree,
                               name=gen.index[k], in_service=bool(r.in_service),
                               max_p_mw=r.max_p_mw, min_p_mw=r.min_p_mw,
                               max_q_mvar=r.max_q_mvar, min_q_mvar=r.min_q_mvar)
        cost.append(("ext_grid", int(e), float(r.cost_per_mwh)))

    def cols(m: np.ndarray) -> dict[str, Any]:
        g = gen[m]
        return dict(p_mw=g["p_mw"].to_numpy(float), name=list(g.index),
                    max_q_mvar=g["max_q_mvar"].to_numpy(float),
                    min_q_mvar=g["min_q_mvar"].to_numpy(float),
                    max_p_mw=g["max_p_mw"].to_numpy(float), min_p_mw=g["min_p_mw"].to_numpy(float),
                    in_service=g["in_service"].to_numpy(bool))

    if ctrl.any():
        idx = pp.create_gens(ppn, b[ctrl], vm_pu=gen["vm_pu"].to_numpy(float)[ctrl],
                             controllable=True, type=list(gen["fuel"][ctrl]), **cols(ctrl))
        cost += [("gen", int(e), float(c)) for e, c in
                 zip(idx, gen["cost_per_mwh"].to_numpy(float)[ctrl])]
    if pq.any():
        idx = pp.create_sgens(ppn, b[pq], q_mvar=gen["q_mvar"].to_numpy(float)[pq],
                              controllable=False, **cols(pq))
        ppn.sgen.loc[idx, "type"] = [f or "wye" for f in gen["fuel"][pq]]
        cost += [("sgen", int(e), float(c)) for e, c in
                 zip(idx, gen["cost_per_mwh"].to_numpy(float)[pq])]
    cost = [c for c in cost if c[2] != 0]
    if cost:
        pp.create_poly_costs(ppn, [c[1] for c in cost], [c[0] for c in cost],
                             cp1_eur_per_mw=[c[2] for c in cost])
