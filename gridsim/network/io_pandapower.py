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
  ``cost_per_mwh`` (else the mean slope of an active-power ``pwl_cost`` curve, with a
  warning);
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
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gridsim.errors import InputError
from gridsim.network import schema
from gridsim.network.io_pandapower_common import _SAME, _err, _first
from gridsim.network.io_pandapower_write import to_pandapower as to_pandapower  # re-export
from gridsim.network.network import Network

if TYPE_CHECKING:
    from pandapower.auxiliary import pandapowerNet

NAN = math.nan
_UNSUPPORTED = (
    "trafo3w xward motor asymmetric_load asymmetric_sgen svc ssc vsc tcsc bus_dc line_dc "
    "source_dc load_dc vsc_stacked vsc_bipolar"
).split()
_TAP_TYPES = {"ratio": "ratio", "symmetrical": "ratio", "ideal": "ideal"}
# columns with the same name and meaning in both models (missing/NaN: gridsim's default)


def _default(table: str, name: str) -> float:
    """The schema's default of a numeric column (NaN for a required one)."""
    col = next(c for c in schema.columns(table) if c.name == name)
    return NAN if col.required else float(col.default)


def _label(v: Any) -> str:
    """A name or label: None/NaN -> '', integral numbers without '.0'."""
    if v is None or v is pd.NA or (isinstance(v, float | np.floating) and math.isnan(v)):
        return ""
    if isinstance(v, np.integer) or (isinstance(v, float | np.floating) and v.is_integer()):
        return str(int(v))
    return str(v)


def _num(df: pd.DataFrame, col: str, default: float) -> np.ndarray:
    """Column ``col`` as floats, NaN (or a missing column) replaced by ``default``."""
    if col not in df.columns:
        return np.full(len(df), default, dtype=float)
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(v), default, v)


def _same(df: pd.DataFrame, table: str) -> dict[str, np.ndarray]:
    return {c: _num(df, c, _default(table, c)) for c in _SAME[table]}


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
    try:
        d = json.loads(g) if isinstance(g, str) else g
        if d.get("type") == "Point":
            return float(d["coordinates"][0]), float(d["coordinates"][1])
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError):
        pass
    return NAN, NAN


# ----------------------------------------------------------- pandapower -> gridsim
def from_pandapower(pp_net: pandapowerNet, *, source: str | None = None) -> Network:
    """Convert a pandapower net to a :class:`Network` (MW, Mvar, kV, ohm; see module doc).

    Errors name ``source`` (default: the net's name), the pandapower table and the index
    of the offending element.
    """
    src = source or (f"pandapower net '{pp_net.name}'" if pp_net.name else "pandapower net")
    try:
        net = _from_pp(pp_net)
    except InputError as err:
        raise err.with_source(src) from None
    net.source = src
    return net


Parts = dict[str, list[tuple[str, pd.DataFrame]]]


def _from_pp(pp_net: Any) -> Network:
    for t in _UNSUPPORTED:
        df = pp_net.get(t)
        if isinstance(df, pd.DataFrame) and len(df) and _flag(df).any():
            msg = (
                f"has {int(_flag(df).sum())} in-service element(s) of a type gridsim "
                "cannot represent; convert or remove them first"
            )
            raise _err(msg, t)
    rep, off = _switch_effects(pp_net)
    pbus = pp_net.bus
    raw = [_label(v) for v in _names_of(pbus)]
    name_of = pd.Series(
        raw if _unique_nonempty(raw) else [str(i) for i in pbus.index], index=pbus.index
    )
    bus_ref = pd.Series(name_of.reindex(rep.to_numpy()).to_numpy(), index=rep.index)

    def busname(table: str, df: pd.DataFrame, col: str) -> np.ndarray:
        out = bus_ref.reindex(df[col].to_numpy()).to_numpy(object)
        if pd.isna(out).any():
            i = _first(pd.isna(out))
            raise _err("refers to an unknown bus", table, df.index[i], col, df[col].iloc[i])
        return out

    net = Network(name=_label(pp_net.name), sn_mva=float(pp_net.sn_mva), f_hz=float(pp_net.f_hz))
    model = (pp_net.get("user_pf_options", {}) or {}).get("trafo_model")
    if model in ("pi", "t"):
        net.meta["trafo_model"] = model
    keep = rep.to_numpy() == rep.index.to_numpy()
    b = pbus[keep]
    geo = [_geo_point(g) for g in b["geo"]] if "geo" in b else [(NAN, NAN)] * len(b)
    net.add_table(
        "bus",
        pd.DataFrame(
            {
                "vn_kv": _num(b, "vn_kv", NAN),
                "zone": [_label(z) for z in b["zone"]] if "zone" in b else "",
                "vm_min_pu": _num(b, "min_vm_pu", _default("bus", "vm_min_pu")),
                "vm_max_pu": _num(b, "max_vm_pu", _default("bus", "vm_max_pu")),
                "geo_lon": [g[0] for g in geo],
                "geo_lat": [g[1] for g in geo],
                "in_service": _flag(b),
            },
            index=name_of[keep].to_numpy(),
        ),
    )
    parts: Parts = {t: [] for t in ("line", "trafo", "gen", "load", "shunt", "dcline", "storage")}
    line = pp_net.line
    if len(line):
        x = _num(line, "x_ohm_per_km", NAN)
        frame = pd.DataFrame(
            {
                "_name": _names_of(line),
                **_same(line, "line"),
                "from_bus": busname("line", line, "from_bus"),
                "to_bus": busname("line", line, "to_bus"),
                "max_i_ka": _num(line, "max_i_ka", NAN) * _num(line, "df", 1.0),
                "kind": np.where(x < 0, "series_capacitor", "ac"),
                "in_service": _flag(line) & ~line.index.isin(off["line"]),
            },
            index=line.index,
        )
        parts["line"].append(("line", frame))
    if len(pp_net.trafo):
        parts["trafo"].append(("trafo", _trafos(pp_net.trafo, busname, off["trafo"])))
    _impedances(pp_net, busname, parts)
    _gens(pp_net, busname, parts)
    _injections(pp_net, busname, parts)
    for table, p in parts.items():
        if p:
            net.add_table(table, _named(table, p))
    return net


def _named(table: str, parts: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """Concatenate the parts of one gridsim table, naming elements by the module rule."""
    names = [_label(v) for _, df in parts for v in df["_name"]]
    if not _unique_nonempty(names):
        names = [f"{t}_{i}" for t, df in parts for i in df.index]
    cols = {c for _, df in parts for c in df.columns} - {"_name"}
    default = {c.name: c.default for c in schema.columns(table)}
    out = pd.concat(
        [
            df.drop(columns="_name").assign(**{c: default[c] for c in cols - set(df)})
            for _, df in parts
        ],
        ignore_index=True,
    )
    out.index = pd.Index(names, dtype=object)
    return out


def _switch_effects(pp_net: Any) -> tuple[pd.Series, dict[str, set[int]]]:
    """Bus -> surviving bus after fusing closed bus-bus switches; branches opened."""
    bus = pp_net.bus
    rep = pd.Series(bus.index.to_numpy(), index=bus.index)
    off: dict[str, set[int]] = {"line": set(), "trafo": set()}
    sw = pp_net.get("switch")
    if not isinstance(sw, pd.DataFrame) or sw.empty:
        return rep, off
    closed, et = sw["closed"].fillna(True).to_numpy(bool), sw["et"].to_numpy(object)
    bb, z = (et == "b") & closed, _num(sw, "z_ohm", 0.0)
    if (bb & (z != 0)).any():
        i = _first(bb & (z != 0))
        raise _err("must be 0 for a closed bus-bus switch", "switch", sw.index[i], "z_ohm", z[i])
    if bb.any():
        pos = pd.Series(np.arange(len(bus)), index=bus.index)
        a = pos.reindex(sw["bus"].to_numpy()[bb]).to_numpy()
        c = pos.reindex(sw["element"].to_numpy()[bb]).to_numpy()
        if np.isnan(a).any() or np.isnan(c).any():
            raise _err("bus-bus switch refers to an unknown bus", "switch")
        adj = coo_matrix((np.ones(len(a)), (a.astype(int), c.astype(int))), (len(bus),) * 2)
        lab = connected_components(adj, directed=False)[1]
        first = pd.Series(bus.index.to_numpy()).groupby(lab).transform("min").to_numpy()
        vn = bus["vn_kv"].to_numpy(float)
        vfirst = pd.Series(vn, index=bus.index).reindex(first).to_numpy()
        if not np.allclose(vn, vfirst):
            i = _first(~np.isclose(vn, vfirst))
            msg = "differs from the bus it is switched to by a closed bus-bus switch"
            raise _err(msg, "bus", bus.index[i], "vn_kv", vn[i])
        rep = pd.Series(first, index=bus.index)
    shunt_cols = {"line": ("c_nf_per_km", "g_us_per_km"), "trafo": ("i0_percent", "pfe_kw")}
    for kind, table in (("l", "line"), ("t", "trafo")):
        opened = pd.Series(sw["element"].to_numpy()[(et == kind) & ~closed]).value_counts()
        for e, n in opened.items():
            if e not in pp_net[table].index:
                raise _err(f"refers to an unknown {table}", "switch", field="element", value=e)
            row = pp_net[table].loc[[e]]
            if n < 2 and any(_num(row, c, 0.0)[0] != 0 for c in shunt_cols[table]):
                msg = (
                    "is open at one end only and the branch has shunt admittance; "
                    "gridsim cannot represent a branch energised from one side"
                )
                raise _err(msg, table, e, "switch")
            off[table].add(int(e))
    return rep, off


def _trafos(t: pd.DataFrame, busname: Any, off: set[int]) -> pd.DataFrame:
    if "tap_dependency_table" in t and t["tap_dependency_table"].fillna(False).any():
        i = _first(t["tap_dependency_table"].fillna(False).to_numpy(bool))
        msg = "must be False (tap-dependent impedance tables are not supported)"
        raise _err(msg, "trafo", t.index[i], "tap_dependency_table", True)
    if "tap2_pos" in t and "tap2_changer_type" in t:
        active = (t["tap2_pos"].notna() & t["tap2_changer_type"].notna()).to_numpy()
        if active.any():
            msg = "must be empty (second tap changers are not supported)"
            raise _err(msg, "trafo", t.index[_first(active)], "tap2_changer_type")
    for col in ("leakage_resistance_ratio_hv", "leakage_reactance_ratio_hv"):
        v = _num(t, col, 0.5)
        if (v != 0.5).any():
            i = _first(v != 0.5)
            raise _err("must be 0.5 (symmetric T model)", "trafo", t.index[i], col, v[i])
    raw_type = [_label(v).lower() for v in t.get("tap_changer_type", [None] * len(t))]
    bad = [i for i, v in enumerate(raw_type) if v and v not in _TAP_TYPES]
    if bad:
        raise _err(
            "is not supported (use 'Ratio', 'Symmetrical' or 'Ideal')",
            "trafo",
            t.index[bad[0]],
            "tap_changer_type",
            t["tap_changer_type"].iloc[bad[0]],
        )
    side = np.array([_label(v).lower() for v in t.get("tap_side", [None] * len(t))], object)
    pos, neutral = _num(t, "tap_pos", NAN), _num(t, "tap_neutral", NAN)
    on_side = np.isin(side, ["hv", "lv"])
    active = np.array([bool(v) for v in raw_type]) & np.isfinite(pos + neutral) & on_side
    pct = np.where(active, _num(t, "tap_step_percent", 0.0), 0.0)
    deg = np.where(active, _num(t, "tap_step_degree", 0.0), 0.0)
    kind = np.array([_TAP_TYPES.get(v, "ratio") for v in raw_type], dtype=object)
    both = (kind == "ideal") & (pct != 0) & (deg != 0)
    if both.any():
        i = _first(both)
        msg = "must be 0 for an 'Ideal' tap that also has tap_step_percent"
        raise _err(msg, "trafo", t.index[i], "tap_step_degree", deg[i])
    return pd.DataFrame(
        {
            "_name": _names_of(t),
            **_same(t, "trafo"),
            "hv_bus": busname("trafo", t, "hv_bus"),
            "lv_bus": busname("trafo", t, "lv_bus"),
            "i0_percent": np.abs(_num(t, "i0_percent", 0.0)),  # pandapower ignores the sign
            "tap_side": np.where(on_side, side, "hv"),
            "tap_pos": np.where(np.isfinite(pos), pos, 0.0),
            "tap_neutral": np.where(np.isfinite(neutral), neutral, 0.0),
            "tap_step_percent": pct,
            "tap_step_degree": deg,
            "tap_changer_type": kind,
            "max_loading_percent": _num(t, "max_loading_percent", 100.0) * _num(t, "df", 1.0),
            "in_service": _flag(t) & ~t.index.isin(off),
        },
        index=t.index,
    )


def _impedances(pp_net: Any, busname: Any, parts: Parts) -> None:
    imp = pp_net.get("impedance")
    if not isinstance(imp, pd.DataFrame) or imp.empty:
        return
    g = {c: _num(imp, f"{c}_pu", 0.0) for c in "rft xft rtf xtf gf bf gt bt".split()}
    asym = (g["rft"] != g["rtf"]) | (g["xft"] != g["xtf"]) | (g["gf"] != g["gt"])
    vn = pd.Series(_num(pp_net.bus, "vn_kv", NAN), index=pp_net.bus.index)
    vf = vn.reindex(imp["from_bus"].to_numpy()).to_numpy()
    vt = vn.reindex(imp["to_bus"].to_numpy()).to_numpy()
    bad = asym | (g["bf"] != g["bt"]) | ((vf != vt) & ((g["gf"] != 0) | (g["bf"] != 0)))
    if bad.any():
        msg = (
            f"{int(bad.sum())} asymmetric impedance(s), or with shunt admittance "
            "between voltage levels, cannot be represented"
        )
        raise _err(msg, "impedance", imp.index[_first(bad)])
    fb, tb = busname("impedance", imp, "from_bus"), busname("impedance", imp, "to_bus")
    zb = vf**2 / _num(imp, "sn_mva", NAN)  # ohm per pu of the impedance's own base
    r, x, on, names = g["rft"], g["xft"], _flag(imp), _names_of(imp)
    s = vf == vt
    if s.any():
        frame = pd.DataFrame(
            {
                "_name": names[s],
                "from_bus": fb[s],
                "to_bus": tb[s],
                "r_ohm_per_km": r[s] * zb[s],
                "x_ohm_per_km": x[s] * zb[s],
                "c_nf_per_km": 2 * g["bf"][s] / zb[s] / (2 * math.pi * pp_net.f_hz) * 1e9,
                "g_us_per_km": 2 * g["gf"][s] / zb[s] * 1e6,
                "kind": np.where(x[s] < 0, "series_capacitor", "impedance"),
                "in_service": on[s],
            },
            index=imp.index[s],
        )
        parts["line"].append(("impedance", frame))
    s = ~s
    if s.any():
        hv_first = vf[s] >= vt[s]
        frame = pd.DataFrame(
            {
                "_name": names[s],
                "hv_bus": np.where(hv_first, fb[s], tb[s]),
                "lv_bus": np.where(hv_first, tb[s], fb[s]),
                "sn_mva": _num(imp, "sn_mva", NAN)[s],
                "vn_hv_kv": np.maximum(vf[s], vt[s]),
                "vn_lv_kv": np.minimum(vf[s], vt[s]),
                "vk_percent": np.where(x[s] < 0, -100.0, 100.0) * np.hypot(r[s], x[s]),
                "vkr_percent": r[s] * 100,
                "in_service": on[s],
            },
            index=imp.index[s],
        )
        parts["trafo"].append(("impedance", frame))


def _pwl_mean_slopes(pp_net: Any) -> dict[tuple[str, int], float]:
    """``(et, element) -> cost per MWh`` of the active-power ``pwl_cost`` rows: the mean
    slope of the curve, ``sum(c (p1 - p0)) / (p_last - p_first)`` over its segments
    ``[p0, p1, c]`` (c per MWh), with a warning (the dispatch has one price per unit)."""
    pwl = pp_net.get("pwl_cost")
    out: dict[tuple[str, int], float] = {}
    if not isinstance(pwl, pd.DataFrame) or pwl.empty:
        return out
    for r in pwl.itertuples():
        if str(getattr(r, "power_type", "p")) != "p":
            continue
        seg = np.asarray(r.points, dtype=float).reshape(-1, 3)
        width = seg[:, 1] - seg[:, 0]
        if not len(seg) or (width <= 0).any():
            raise InputError("segments must be [p0, p1, cost] with p1 > p0", table="pwl_cost", element=r.Index, field="points", value=seg.tolist())  # fmt: skip
        out[(str(r.et), int(r.element))] = float((seg[:, 2] * width).sum() / width.sum())
    if out:
        warnings.warn(
            f"{len(out)} elements have piecewise-linear costs (pwl_cost): each gets the mean "
            "slope of its curve as its marginal cost",
            UserWarning,
            stacklevel=4,
        )
    return out


def _gens(pp_net: Any, busname: Any, parts: Parts) -> None:
    cost = pp_net.get("poly_cost")
    cp1: dict[tuple[str, int], float] = {}
    if isinstance(cost, pd.DataFrame) and len(cost):
        cp1 = {
            (str(e), int(i)): float(c)
            for e, i, c in zip(cost["et"], cost["element"], cost["cp1_eur_per_mw"])
        }
    cp1 = {**_pwl_mean_slopes(pp_net), **cp1}  # a polynomial cost, where given, wins
    for table in ("ext_grid", "gen", "sgen"):
        df = pp_net.get(table)
        if not isinstance(df, pd.DataFrame) or df.empty:
            continue
        scale = _num(df, "scaling", 1.0)
        if table == "ext_grid":
            slack, fuel = np.ones(len(df), bool), ["ext"] * len(df)
        else:
            slack = _flag(df, "slack") if "slack" in df else np.zeros(len(df), bool)
            types = df["type"] if "type" in df else [None] * len(df)
            fuel = [("" if _label(v) in ("wye", "delta") else _label(v)) for v in types]
        frame = pd.DataFrame(
            {
                "_name": _names_of(df),
                **_same(df, "gen"),
                "bus": busname(table, df, "bus"),
                "p_mw": 0.0 if table == "ext_grid" else _num(df, "p_mw", 0.0) * scale,
                "q_mvar": _num(df, "q_mvar", 0.0) * scale if table == "sgen" else 0.0,
                "slack": slack,
                "controllable": table != "sgen",
                "fuel": fuel,
                "cost_per_mwh": [cp1.get((table, int(i)), 0.0) for i in df.index],
                "in_service": _flag(df),
            },
            index=df.index,
        )
        parts["gen"].append((table, frame))


def _injections(pp_net: Any, busname: Any, parts: Parts) -> None:
    """Loads, shunts, wards, dclines and storage."""
    load = pp_net.load
    if len(load):
        for col in (
            "const_z_percent",
            "const_i_percent",
            "const_z_p_percent",
            "const_i_p_percent",
            "const_z_q_percent",
            "const_i_q_percent",
        ):
            v = _num(load, col, 0.0)
            if (v != 0).any():
                msg = "must be 0 (voltage-dependent ZIP loads are not supported)"
                raise _err(msg, "load", load.index[_first(v != 0)], col, v[_first(v != 0)])
        s = _num(load, "scaling", 1.0)
        frame = pd.DataFrame(
            {
                "_name": _names_of(load),
                "bus": busname("load", load, "bus"),
                "p_mw": _num(load, "p_mw", 0.0) * s,
                "q_mvar": _num(load, "q_mvar", 0.0) * s,
                "in_service": _flag(load),
            },
            index=load.index,
        )
        parts["load"].append(("load", frame))
    sh = pp_net.shunt
    if len(sh):
        if "step_dependency_table" in sh and sh["step_dependency_table"].fillna(False).any():
            msg = "must be False (step-dependent shunt tables are not supported)"
            raise _err(msg, "shunt", field="step_dependency_table")
        vbus = pd.Series(_num(pp_net.bus, "vn_kv", NAN), index=pp_net.bus.index)
        ratio = (vbus.reindex(sh["bus"].to_numpy()).to_numpy() / _num(sh, "vn_kv", NAN)) ** 2
        ratio = np.where(np.isnan(ratio), 1.0, ratio) * _num(sh, "step", 1.0)
        frame = pd.DataFrame(
            {
                "_name": _names_of(sh),
                "bus": busname("shunt", sh, "bus"),
                "p_mw": _num(sh, "p_mw", 0.0) * ratio,
                "q_mvar": _num(sh, "q_mvar", 0.0) * ratio,
                "in_service": _flag(sh),
            },
            index=sh.index,
        )
        parts["shunt"].append(("shunt", frame))
    ward = pp_net.get("ward")
    if isinstance(ward, pd.DataFrame) and len(ward):
        wb, names, on = busname("ward", ward, "bus"), _names_of(ward), _flag(ward)
        for table, p, q in (("load", "ps_mw", "qs_mvar"), ("shunt", "pz_mw", "qz_mvar")):
            frame = pd.DataFrame(
                {
                    "_name": names,
                    "bus": wb,
                    "p_mw": _num(ward, p, 0.0),
                    "q_mvar": _num(ward, q, 0.0),
                    "in_service": on,
                },
                index=ward.index,
            )
            parts[table].append(("ward", frame))
    dc = pp_net.dcline
    if len(dc):
        frame = pd.DataFrame(
            {
                "_name": _names_of(dc),
                **_same(dc, "dcline"),
                "from_bus": busname("dcline", dc, "from_bus"),
                "to_bus": busname("dcline", dc, "to_bus"),
                "in_service": _flag(dc),
            },
            index=dc.index,
        )
        parts["dcline"].append(("dcline", frame))
    st = pp_net.storage
    if len(st):
        s = _num(st, "scaling", 1.0)
        q, p = _num(st, "q_mvar", 0.0) * s, _num(st, "p_mw", 0.0) * s
        if ((q != 0) & _flag(st)).any():
            i = _first((q != 0) & _flag(st))
            msg = "must be 0 (storage reactive power is not supported)"
            raise _err(msg, "storage", st.index[i], "q_mvar", q[i])
        pmax = np.fmax(np.abs(_num(st, "max_p_mw", NAN)), np.abs(_num(st, "min_p_mw", NAN)))
        kinds = [_label(v) for v in (st["type"] if "type" in st else [None] * len(st))]
        frame = pd.DataFrame(
            {
                "_name": _names_of(st),
                "bus": busname("storage", st, "bus"),
                "p_mw": p,
                "max_p_mw": np.where(np.isnan(pmax), np.abs(p), pmax),
                "max_e_mwh": _num(st, "max_e_mwh", 0.0),
                "soc_init": _num(st, "soc_percent", 50.0) / 100.0,
                "kind": [k if k in ("battery", "pumped_hydro") else "battery" for k in kinds],
                "in_service": _flag(st),
            },
            index=st.index,
        )
        parts["storage"].append(("storage", frame))
