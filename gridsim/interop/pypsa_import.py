"""Import a PyPSA network as a gridsim network, profile set and scenario.

:func:`from_pypsa` maps a ``pypsa.Network`` (buses, generators with ``p_max_pu`` series,
loads with ``p_set`` series, storage units, lines, transformers, links) to gridsim's
:class:`~gridsim.network.Network`, a :class:`~gridsim.profiles.ProfileSet` with one series
per element and a scenario; :meth:`PypsaImport.write` writes them to a folder, and the
model runs through ``gridsim run FOLDER/scenario.toml`` or
:func:`~gridsim.studies.balance.run_balance`::

    from gridsim.interop import from_pypsa
    from gridsim.studies.balance import run_balance

    imp = from_pypsa(n)                           # n: a pypsa.Network
    scenario = imp.write("imported/my_model")     # network.toml, profiles/, scenario.toml
    res = run_balance(scenario)

or, from a file PyPSA reads: ``python -m gridsim.interop.pypsa_import model.nc --out DIR``.

Mapping (MW, MWh, the network's currency):

=========================  =====================================================================
PyPSA                      gridsim
=========================  =====================================================================
Bus                        bus (``vn_kv = v_nom``, ``zone`` = the bus's name, x/y -> geo)
snapshots                  profile-set hours (naive times are local time in ``tz``, shown in
                           Asia/Shanghai); the scenario solves them in one window
Generator, ``committable`` gen ``role = "thermal"``: ``max_p_mw = p_max_pu p_nom``,
                           ``min_p_mw = p_min_pu p_nom``, ``startup_cost_per_mw =
                           start_up_cost / max_p_mw``, ramp limits; ``study.commitment =
                           "linear"`` (equal to PyPSA's ``linearized_unit_commitment=True``)
Generator, other           ``role`` from ``roles`` or the carrier: shedding words (shed, lost
                           load, voll, unserved) -> ``shedding`` (curtailable load at its
                           cost); ``p_min_pu < 0`` -> ``exchange`` (import up to ``p_max_pu
                           p_nom``, export up to ``-p_min_pu p_nom`` at the same price);
                           wind, solar, pv, ror, wave, tidal -> ``renewable`` (``p_max_pu`` is
                           the unit's own column of ``solar_cf`` (solar, pv) or ``wind_cf``);
                           hydro, biomass -> ``hydro`` (bounds ``p_min_pu``/``p_max_pu``); any
                           other -> ``thermal`` with its ``p_min_pu`` as a ``must_run`` floor
marginal_cost              ``cost_per_mwh`` (constant in time)
carrier co2_emissions      ``co2_t_per_mwh = co2_emissions / efficiency``
Load ``p_set``             load; its own column of ``load_mw`` (MW), ``p_mw`` = the mean
StorageUnit                storage: ``max_p_mw = p_max_pu p_nom`` (= ``-p_min_pu p_nom``),
                           ``max_e_mwh = max_hours p_nom``, efficiencies, ``soc_init =
                           state_of_charge_initial / max_e_mwh``; ``cyclic_state_of_charge``
                           -> ``storage.cyclic``; carriers naming pumped hydro or PHS ->
                           ``kind = "pumped_hydro"``, others ``"battery"``
Line                       line of ``length_km = 1``: ``x``, ``r`` (ohm), ``b`` -> ``c_nf_per_km``,
                           ``g`` -> ``g_us_per_km``, rating ``max_s_mva = s_max_pu s_nom``
Transformer                trafo ``sn_mva = s_nom``, ``vk_percent = 100 |r + jx|``,
                           ``vkr_percent = 100 r``, HV side = the bus of higher ``v_nom``,
                           ``max_loading_percent = 100 s_max_pu``
Link                       DC link ``bus0 -> bus1``, ``max_p_mw = p_max_pu p_nom``,
                           ``loss_percent = 100 (1 - efficiency)``; ``p_min_pu < 0`` (lossless
                           only) adds the reverse link ``<name> reverse``
ShuntImpedance             shunt ``p_mw = g v_nom^2``, ``q_mvar = -b v_nom^2``
inactive elements          left out
=========================  =====================================================================

The network model: ``ptdf`` when the network has lines or transformers (every bus must
then be in one AC network), ``transport`` (each bus its own zone, links only) when it
has several buses, else ``copperplate``; ``network_model=`` chooses another.

Exact where the models are equivalent, and tested to 1e-6 of PyPSA's objective: copper
plate, links (transport) and line flows (PTDF, PyPSA's linear power flow on ``x``, so
``r = 0`` in transformers), generators (non-committable; committable against PyPSA's
linearised unit commitment without minimum up or down times), storage units and time-varying
availability. gridsim adds unserved energy at every node at ``prices.voll_per_mwh`` (at
least 10 times the highest marginal cost), which a feasible PyPSA model never uses. Not
exact: thermal units with ``ramp_limit_up != ramp_limit_down`` (refused); a committable
unit with a ramp limit and ``p_max_pu < 1``; capital costs of fixed capacities (a
constant PyPSA adds to its objective) are left out.

Refused, with a ``NotImplementedError`` naming the component, the element and the
attribute (:data:`~gridsim.interop.pypsa_read.UNSUPPORTED`): extendable capacities,
modular units, quadratic and stand-by costs, costs that vary in time, energy sums per
unit, set-points, minimum up/down times and shut-down costs, stores, global constraints,
multi-period investment, line and transformer types, tap ratios and phase shifts,
multi-port links, link delays, costs and ramps, storage inflow, standing losses and
state-of-charge set-points, snapshot weightings other than 1 h, and time-varying
``p_max_pu`` of a unit whose role is not renewable (give ``roles={name: "renewable"}``).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.dispatch.problem import NETWORK_MODELS, VOLL_PER_MWH
from gridsim.errors import InputError
from gridsim.interop.pypsa_read import PypsaView, refuse
from gridsim.network.network import Network
from gridsim.network.schema import GEN_ROLES
from gridsim.paths import MAX_NAME_LENGTH
from gridsim.profiles.calendar import TZ
from gridsim.profiles.profileset import ProfileSet

#: Carrier words of each role (lower case, matched as parts of the carrier).
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "shedding": ("shed", "lost load", "voll", "unserved"),
    "renewable": ("wind", "solar", "pv", "ror", "run of river", "run-of-river", "wave", "tidal"),
    "hydro": ("hydro", "biomass"),
}
SOLAR_WORDS = ("solar", "pv")
PUMPED_WORDS = ("pumped", "phs")
#: What the written folder holds.
FILES = ("network.toml", "profiles", "targets.toml", "scenario.toml")
TARGETS = {
    "description": "imported PyPSA model: demand is served",
    "target": [
        {
            "label": "all demand served (unserved energy)",
            "kpi": "unserved_mwh",
            "op": "<",
            "value": 1.0,
            "unit": "MWh",
        }  # fmt: skip
    ],
}


@dataclass
class PypsaImport:
    """The result of :func:`from_pypsa`: the network, the profile set, the scenario's
    tables (TOML as a dict, paths relative to the folder :meth:`write` writes) and notes
    on the parts of the mapping that are not exact (also in ``network.meta``)."""

    network: Network
    profiles: ProfileSet
    scenario: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def write(self, out_dir: str | Path, overwrite: bool = False) -> Path:
        """Write ``network.toml``, ``profiles/``, ``targets.toml`` and ``scenario.toml``
        to ``out_dir`` and return the scenario file. An existing one of these is replaced
        only with ``overwrite``; other files in the folder are left alone."""
        import tomli_w

        from gridsim.network.io import save_network

        out = Path(out_dir)
        for name in FILES:
            if (out / name).exists() and not overwrite:
                raise InputError("exists (pass overwrite=True to replace it)", source=str(out / name))  # fmt: skip
        out.mkdir(parents=True, exist_ok=True)
        save_network(self.network, out / "network.toml")
        prof = out / "profiles"
        if prof.is_dir():
            for old in [*prof.glob("*.parquet"), prof / "meta.json"]:
                old.unlink(missing_ok=True)
        self.profiles.to_dir(prof)
        (out / "targets.toml").write_text(tomli_w.dumps(TARGETS), encoding="utf-8")
        (out / "scenario.toml").write_text(tomli_w.dumps(self.scenario), encoding="utf-8")
        return out / "scenario.toml"


def from_pypsa(
    n: Any,
    *,
    name: str | None = None,
    tz: str = TZ,
    start: str | None = None,
    roles: Mapping[str, str] | None = None,
    network_model: str | None = None,
) -> PypsaImport:
    """A ``pypsa.Network`` as a gridsim network, profile set and scenario (see the module
    doc for the mapping and what is refused).

    ``name``: the scenario's name (default: the network's); ``tz``: the time zone of naive
    snapshots; ``start``: the first hour when the snapshots are not times; ``roles``:
    generator name or carrier -> role (``thermal``, ``renewable``, ``hydro``,
    ``exchange``, ``shedding``), over the carrier rules; ``network_model``:
    ``copperplate``, ``transport`` or ``ptdf`` instead of the one the network suggests.
    """
    v = PypsaView(n)
    v.check_components()
    snaps = v.snapshots(tz, start)
    net = Network(name=_name(name or v.name), sn_mva=100.0)
    net.meta = {"source": f"imported from {v.source} by gridsim.interop.pypsa_import"}
    b = _buses(v, net)
    series: dict[str, dict[str, np.ndarray]] = {"wind_cf": {}, "solar_cf": {}, "load_mw": {}}
    committable = v.static("Generator")["committable"].astype(bool).any()
    notes: list[str] = []
    floors, export_price, max_cost = _generators(v, net, series, dict(roles or {}), committable, notes)  # fmt: skip
    _loads(v, net, series)
    cyclic = _storage(v, net)
    _lines(v, net, b)
    _transformers(v, net, b, notes)
    _links(v, net)
    _shunts(v, net, b)
    model = _network_model(v, net, network_model, notes)
    if committable:
        notes.append("committable units: gridsim's linearised commitment (PyPSA's linearized_unit_commitment=True; the MILP optimum is not lower)")  # fmt: skip
    if notes:
        net.meta["import_notes"] = list(notes)
    net.validate(require_slack=False)
    tables = {k: pd.DataFrame(cols, index=snaps) for k, cols in series.items() if cols}
    meta = {"source": net.meta["source"], "year": int(snaps[0].year), "elements": {k: list(t.columns) for k, t in tables.items()}}  # fmt: skip
    profiles = ProfileSet(snaps, meta=meta, **tables)
    study: dict[str, Any] = {"horizon_h": len(snaps), "lookahead_h": 0, "network_model": model}
    study["commitment"] = "linear" if committable else "none"
    scenario: dict[str, Any] = {
        "scenario": {
            "name": net.name,
            "description": net.meta["source"],
            "targets": "targets.toml",
        },  # fmt: skip
        "network": {"file": "network.toml"},
        "storage": {"cyclic": cyclic},
        "profiles": {"dir": "profiles"},
        "study": study,
        "prices": {"voll_per_mwh": max(VOLL_PER_MWH, 10.0 * max_cost)},
    }
    if floors:
        scenario["network"]["overrides"] = {"must_run": floors}
    if export_price is not None:
        scenario["prices"]["ac_export_per_mwh"] = export_price
    return PypsaImport(net, profiles, scenario, notes)


def _name(raw: str) -> str:
    """A scenario name of the allowed characters (:mod:`gridsim.paths`)."""
    out = "".join(c if c.isascii() and (c.isalnum() or c in "_.=+-") else "_" for c in raw)
    out = out.lstrip("_.=+-")[:MAX_NAME_LENGTH]
    return out or "pypsa"


def _buses(v: PypsaView, net: Network) -> pd.DataFrame:
    bus = v.static("Bus")
    for name, row in bus.iterrows():
        net.add_bus(str(name), vn_kv=float(row["v_nom"]), zone=str(name), geo_lon=float(row.get("x", np.nan)), geo_lat=float(row.get("y", np.nan)))  # fmt: skip
    return bus


def _role(name: str, carrier: str, roles: dict[str, str], committable: bool, p_min: np.ndarray) -> str:  # fmt: skip
    """The role of generator ``name``: ``roles`` (by name, then carrier), else the rules."""
    given = roles.get(name, roles.get(carrier))
    if given is not None:
        if given not in GEN_ROLES or not given:
            raise InputError(f"must be one of {', '.join(GEN_ROLES[1:])}", source="from_pypsa(roles=...)", field=name, value=given)  # fmt: skip
        if committable and given != "thermal":
            raise refuse("Generator", name, "committable", f"applies to thermal units only (roles gives '{given}')")  # fmt: skip
        return given
    low = carrier.lower()
    if committable:
        return "thermal"
    if any(w in low for w in ROLE_WORDS["shedding"]):
        return "shedding"
    if p_min.size and p_min.min() < 0:
        return "exchange"
    for role in ("renewable", "hydro"):
        if any(w in low for w in ROLE_WORDS[role]):
            return role
    return "thermal"


def _generators(v: PypsaView, net: Network, series: dict[str, dict[str, np.ndarray]], roles: dict[str, str], any_committable: bool, notes: list[str]) -> tuple[dict[str, float], float | None, float]:  # fmt: skip
    """Add the generators; return the must-run floors (unit -> share), the common export
    price of exchange units (None: none) and the highest marginal cost."""
    gen = v.static("Generator")
    co2 = v.static("Carrier")["co2_emissions"] if "co2_emissions" in v.static("Carrier") else pd.Series(dtype=float)  # fmt: skip
    com = gen["committable"].astype(bool)
    v.check_unsupported("Generator")
    v.check_unsupported("Generator", gen.index[com], "Generator (committable)")
    floors: dict[str, float] = {}
    export: dict[str, float] = {}
    max_cost = 0.0
    for g, row in gen.iterrows():
        g = str(g)
        carrier = str(row["carrier"] or "")
        p_nom = float(row["p_nom"])
        cost = v.constant("Generator", "marginal_cost", g, "gridsim has one marginal cost per unit")
        max_cost = max(max_cost, abs(cost))
        p_min, p_max = v.series("Generator", "p_min_pu", g), v.series("Generator", "p_max_pu", g)
        role = _role(g, carrier, roles, bool(com[g]), p_min)
        fields: dict[str, Any] = {"role": role, "cost_per_mwh": cost, "zone": str(row["bus"])}
        eff = float(row.get("efficiency", 1.0))
        if carrier in co2.index and eff > 0:
            fields["co2_t_per_mwh"] = float(co2[carrier]) / eff
        ramp = _ramp(v, g, row, role, bool(com[g]), any_committable)
        if role == "renewable":
            if np.any(p_min != 0):
                raise refuse("Generator", g, "p_min_pu", "must be 0 for a renewable unit (gridsim curtails down to 0)", float(p_min.max()))  # fmt: skip
            if np.any((p_max < 0) | (p_max > 1)):
                raise InputError("must be within 0..1 for a renewable unit", source=v.source, table="Generator", element=g, field="p_max_pu", value=float(p_max.max()))  # fmt: skip
            low = carrier.lower()
            solar = any(w in low for w in SOLAR_WORDS)
            fuel = "solar" if solar else "wind" if "wind" in low else (low or "renewable")
            series["solar_cf" if fuel in ("solar", "pv") else "wind_cf"][g] = p_max
            net.add_gen(g, str(row["bus"]), fuel=fuel, max_p_mw=p_nom, **fields, **_control(row))
            continue
        a = v.constant("Generator", "p_max_pu", g, f"only a renewable unit has an availability series; give roles={{'{g}': 'renewable'}}")  # fmt: skip
        lo = v.constant("Generator", "p_min_pu", g, "gridsim's minimum output is a share of capacity")  # fmt: skip
        fuel = carrier.lower() or role
        if role == "thermal":
            fields.update(max_p_mw=a * p_nom, min_p_mw=0.0, ramp_pu_per_h=ramp / a if a > 0 else ramp)  # fmt: skip
            if com[g]:
                fields["min_p_mw"] = lo * p_nom
                fields["startup_cost_per_mw"] = float(row["start_up_cost"]) / (a * p_nom) if a * p_nom > 0 else 0.0  # fmt: skip
                if np.isfinite(ramp) and (a != 1 or float(row["start_up_cost"]) == 0):
                    notes.append(f"Generator '{g}': committable with a ramp limit and {'p_max_pu != 1' if a != 1 else 'no start-up cost'}: not exact (PyPSA scales start-ups by p_nom / adds tightening rows)")  # fmt: skip
            elif lo > 0:
                if a <= 0:
                    raise refuse("Generator", g, "p_min_pu", "exceeds p_max_pu (an infeasible unit)", lo)  # fmt: skip
                floors[g] = lo / a
        elif role == "exchange":
            fields.update(max_p_mw=a * p_nom, min_p_mw=lo * p_nom)
            export[g] = cost
        elif role in ("hydro", "shedding"):
            if role == "shedding" and lo != 0:
                raise refuse("Generator", g, "p_min_pu", "must be 0 for a shedding unit", lo)
            fields.update(max_p_mw=a * p_nom, min_p_mw=lo * p_nom)
        net.add_gen(g, str(row["bus"]), fuel=fuel, **fields, **_control(row))
    prices = set(export.values())
    if len(prices) > 1:
        g = next(iter(export))
        raise refuse("Generator", g, "marginal_cost", "differs between exchange units (gridsim has one export price)", export[g])  # fmt: skip
    return floors, (prices.pop() if prices else None), max_cost


def _ramp(v: PypsaView, g: str, row: pd.Series, role: str, committable: bool, any_committable: bool) -> float:  # fmt: skip
    """The ramp limit of generator ``g`` (share of p_nom per hour, NaN: none)."""
    up = v.constant("Generator", "ramp_limit_up", g, "gridsim has one ramp limit per unit")
    down = v.constant("Generator", "ramp_limit_down", g, "gridsim has one ramp limit per unit")
    if np.isnan(up) and np.isnan(down):
        return float("nan")
    if role != "thermal":
        raise refuse("Generator", g, "ramp_limit_up", f"has no model in gridsim for a {role} unit (ramps are thermal)", up)  # fmt: skip
    if not (up == down or (np.isnan(up) and down >= 1) or (np.isnan(down) and up >= 1)):
        raise refuse("Generator", g, "ramp_limit_down", f"differs from ramp_limit_up ({up}; gridsim has one ramp limit)", down)  # fmt: skip
    if not np.isnan(float(row["p_init"])):
        raise refuse("Generator", g, "p_init", "is not modelled by gridsim (no ramp limit in the first snapshot)", float(row["p_init"]))  # fmt: skip
    if any_committable and not committable:
        raise refuse("Generator", g, "ramp_limit_up", "of a non-committable unit in a network with committable ones has no exact form in gridsim's linearised commitment", up)  # fmt: skip
    return float(np.nanmin([up, down]))


def _control(row: pd.Series) -> dict[str, Any]:
    control = str(row.get("control", "PQ"))
    return {"slack": control == "Slack", "controllable": control != "PQ"}


def _loads(v: PypsaView, net: Network, series: dict[str, dict[str, np.ndarray]]) -> None:
    v.check_unsupported("Load")
    for name, row in v.static("Load").iterrows():
        p = v.series("Load", "p_set", str(name))
        bad = ~np.isfinite(p) | (p < 0)
        if bad.any():
            raise InputError(f"must be finite and >= 0 in every snapshot (gridsim's demand), at snapshot {int(np.argmax(bad))}", source=v.source, table="Load", element=name, field="p_set", value=float(p[np.argmax(bad)]))  # fmt: skip
        q = v.dynamic("Load", "q_set")
        q_mvar = 0.0 if str(name) in q.columns else float(row["q_set"])
        net.add_load(str(name), str(row["bus"]), p_mw=float(p.mean()), q_mvar=q_mvar, zone=str(row["bus"]))  # fmt: skip
        series["load_mw"][str(name)] = p


def _storage(v: PypsaView, net: Network) -> bool:
    """Add the storage units; return their common ``cyclic_state_of_charge``."""
    su = v.static("StorageUnit")
    v.check_unsupported("StorageUnit")
    flags = set(su["cyclic_state_of_charge"].astype(bool)) if len(su) else {True}
    if len(flags) > 1:
        raise refuse("StorageUnit", su.index[0], "cyclic_state_of_charge", "differs between storage units (gridsim has one storage.cyclic)")  # fmt: skip
    for name, row in su.iterrows():
        s = str(name)
        a = v.constant("StorageUnit", "p_max_pu", s, "gridsim has one power rating")
        lo = v.constant("StorageUnit", "p_min_pu", s, "gridsim has one power rating")
        if lo != -a:
            raise refuse("StorageUnit", s, "p_min_pu", f"must be -p_max_pu (-{a}; gridsim has one rating for charge and discharge)", lo)  # fmt: skip
        eff = {k: v.constant("StorageUnit", f"efficiency_{k}", s, "gridsim has constant efficiencies") for k in ("store", "dispatch")}  # fmt: skip
        e_max = float(row["max_hours"]) * float(row["p_nom"])
        soc0 = float(row["state_of_charge_initial"])
        if soc0 > e_max + 1e-9 or soc0 < 0:
            raise InputError(f"must lie within 0..max_hours * p_nom ({e_max:g} MWh)", source=v.source, table="StorageUnit", element=s, field="state_of_charge_initial", value=soc0)  # fmt: skip
        pumped = any(w in str(row["carrier"]).lower() for w in PUMPED_WORDS)
        net.add_storage(
            s, str(row["bus"]), max_p_mw=a * float(row["p_nom"]), max_e_mwh=e_max,
            eff_charge=eff["store"], eff_discharge=eff["dispatch"],
            soc_init=min(soc0 / e_max, 1.0) if e_max > 0 else 0.0,
            kind="pumped_hydro" if pumped else "battery", zone=str(row["bus"]),
        )  # fmt: skip
    return bool(flags.pop())


def _lines(v: PypsaView, net: Network, bus: pd.DataFrame) -> None:
    ln = v.static("Line")
    v.check_unsupported("Line")
    f_hz = net.f_hz
    for name, row in ln.iterrows():
        s = str(name)
        if str(bus.at[row["bus0"], "carrier"]) == "DC":
            raise refuse("Line", s, "bus0", "is a DC bus: DC lines are not modelled by gridsim (use a Link)", row["bus0"])  # fmt: skip
        if not float(row["x"]) > 0:
            raise InputError("must be > 0 (gridsim's flows follow x)", source=v.source, table="Line", element=s, field="x", value=float(row["x"]))  # fmt: skip
        s_max = v.constant("Line", "s_max_pu", s, "gridsim has one rating per line")
        rating = s_max * float(row["s_nom"])
        net.add_line(
            s, str(row["bus0"]), str(row["bus1"]), length_km=1.0,
            r_ohm_per_km=float(row["r"]), x_ohm_per_km=float(row["x"]),
            c_nf_per_km=float(row["b"]) / (2 * np.pi * f_hz) * 1e9, g_us_per_km=float(row["g"]) * 1e6,
            **({"max_s_mva": rating} if np.isfinite(rating) else {}),
        )  # fmt: skip


def _transformers(v: PypsaView, net: Network, bus: pd.DataFrame, notes: list[str]) -> None:
    tr = v.static("Transformer")
    v.check_unsupported("Transformer")
    for name, row in tr.iterrows():
        s = str(name)
        s_nom = float(row["s_nom"])
        if not (np.isfinite(s_nom) and s_nom > 0):
            raise InputError("must be a finite number > 0 (gridsim's transformer rating)", source=v.source, table="Transformer", element=s, field="s_nom", value=s_nom)  # fmt: skip
        if not float(row["x"]) > 0:
            raise InputError("must be > 0 (gridsim's flows follow x)", source=v.source, table="Transformer", element=s, field="x", value=float(row["x"]))  # fmt: skip
        if float(row["r"]) != 0:
            notes.append(f"Transformer '{s}': r != 0: gridsim's PTDF uses |r + jx|, PyPSA's x")
        b0, b1 = str(row["bus0"]), str(row["bus1"])
        hv, lv = (b0, b1) if bus.at[b0, "v_nom"] >= bus.at[b1, "v_nom"] else (b1, b0)
        s_max = v.constant("Transformer", "s_max_pu", s, "gridsim has one rating per transformer")  # fmt: skip
        net.add_trafo(
            s, hv, lv, sn_mva=s_nom, vn_hv_kv=float(bus.at[hv, "v_nom"]), vn_lv_kv=float(bus.at[lv, "v_nom"]),
            vk_percent=100.0 * float(np.hypot(row["x"], row["r"])), vkr_percent=100.0 * float(row["r"]),
            max_loading_percent=100.0 * s_max,
        )  # fmt: skip


def _links(v: PypsaView, net: Network) -> None:
    lk = v.static("Link")
    v.check_unsupported("Link")
    extra = [c for c in lk.columns if c.startswith("bus") and c not in ("bus0", "bus1")]
    for name, row in lk.iterrows():
        s = str(name)
        for c in extra:
            if str(row[c] or "") and not pd.isna(row[c]):
                raise refuse("Link", s, c, "is not modelled by gridsim: multi-port links", row[c])
        eff = v.constant("Link", "efficiency", s, "gridsim has constant losses")
        if not 0 < eff <= 1:
            raise refuse("Link", s, "efficiency", "must be within (0, 1] (gridsim's losses are >= 0)", eff)  # fmt: skip
        a = v.constant("Link", "p_max_pu", s, "gridsim's internal links have a fixed rating")
        lo = v.constant("Link", "p_min_pu", s, "gridsim's internal links have a fixed rating")
        if lo > 0 or a < 0:
            raise refuse("Link", s, "p_min_pu", "must be <= 0 <= p_max_pu (gridsim's links have no minimum flow)", lo)  # fmt: skip
        if lo < 0 and eff != 1:
            raise refuse("Link", s, "p_min_pu", "< 0 needs efficiency 1 (a lossy link that runs backwards gains energy in PyPSA)", lo)  # fmt: skip
        p_nom, b0, b1 = float(row["p_nom"]), str(row["bus0"]), str(row["bus1"])
        net.add_dcline(s, b0, b1, max_p_mw=a * p_nom, loss_percent=100.0 * (1.0 - eff))
        if lo < 0:
            net.add_dcline(f"{s} reverse", b1, b0, max_p_mw=-lo * p_nom)


def _shunts(v: PypsaView, net: Network, bus: pd.DataFrame) -> None:
    v.check_unsupported("ShuntImpedance")
    for name, row in v.static("ShuntImpedance").iterrows():
        vn2 = float(bus.at[row["bus"], "v_nom"]) ** 2
        net.add_shunt(str(name), str(row["bus"]), p_mw=float(row["g"]) * vn2, q_mvar=-float(row["b"]) * vn2)  # fmt: skip


def _network_model(v: PypsaView, net: Network, given: str | None, notes: list[str]) -> str:
    """``given``, else ptdf (lines or transformers), transport (buses) or copperplate."""
    if given is not None:
        if given not in NETWORK_MODELS:
            raise InputError(f"must be one of {', '.join(NETWORK_MODELS)}", field="network_model", value=given)  # fmt: skip
        if given != "ptdf" and (len(net.line) or len(net.trafo)):
            notes.append(f"network_model '{given}': the lines' flows are not PyPSA's (not exact)")
        return given
    if len(net.line) or len(net.trafo):
        from gridsim.network.validation import bus_islands

        n_isl, label = bus_islands(net)
        if n_isl > 1:
            lone = net.bus.index[label != label[0]][0]
            raise refuse("Bus", lone, "sub_network", f"is not joined to bus '{net.bus.index[0]}' by lines: gridsim's PTDF model needs one AC network (pass network_model='transport' or 'copperplate')")  # fmt: skip
        return "ptdf"
    return "transport" if len(net.bus) > 1 else "copperplate"


def main(argv: list[str] | None = None) -> int:
    """``python -m gridsim.interop.pypsa_import MODEL --out DIR``: import a network file
    that PyPSA reads (NetCDF, HDF5 or a CSV folder) and write the gridsim folder."""
    import pypsa

    p = argparse.ArgumentParser(prog="python -m gridsim.interop.pypsa_import", description="Import a PyPSA network as a gridsim network, profile set and scenario.")  # fmt: skip
    p.add_argument("model", help="a file or folder pypsa.Network reads (.nc, .h5, CSV folder)")
    p.add_argument("--out", required=True, help="folder to write (network.toml, profiles/, scenario.toml)")  # fmt: skip
    p.add_argument("--tz", default=TZ, help=f"time zone of naive snapshots (default {TZ})")
    p.add_argument("--network-model", choices=NETWORK_MODELS, help="balance nodes (default: from the network)")  # fmt: skip
    p.add_argument("--overwrite", action="store_true", help="replace the files of an earlier import")  # fmt: skip
    args = p.parse_args(argv)
    imp = from_pypsa(pypsa.Network(args.model), tz=args.tz, network_model=args.network_model)
    print(imp.write(args.out, overwrite=args.overwrite))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
