"""The schema of every element table, declared once as data.

Each table is a list of named :class:`~gridsim.fields.Field`: name, kind (the dtype:
float, int, bool or str), unit, default, meaning and the rule that validation checks
(``check``: ``> 0``, ``>= 0``, ``!= 0``, ``finite`` or ``bus``; float columns whose
default is NaN may stay NaN, meaning "not given"; ``bounds``: the plausible range, with a
``hint`` for a value above it). The schema drives the defaults of
:class:`~gridsim.network.network.Network`, the checks in :mod:`gridsim.network.validation`,
the native file format and the docs (``python -m gridsim.network.schema`` prints the
tables in Markdown).

Conventions follow pandapower: units in the column names, the table index is the
element's name, and buses are referred to by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gridsim.fields import REQUIRED, Field

NAN = float("nan")

KV_BOUNDS = (0.1, 1200.0)
"""Plausible AC voltages (kV): below 100 V or above the highest UHV level is surely wrong."""
KV_HINT = "kV expected; was it given in volts?"
VM_BOUNDS = (0.5, 1.5)
"""Plausible voltage set-points (pu)."""
VM_HINT = "a per-unit set-point; was it given in kV?"
SHARE_BOUNDS = (0.0, 1.0)
"""Plausible efficiencies and shares."""
SHARE_HINT = "a share: 1 = 100 %"

Q_LIMIT_MVAR = 1e9
"""Reactive limit (Mvar, either sign) that stands for "none": the default of the reactive
limits of generators and DC converters, and what infinite limits become in files that need
a number."""
STORAGE_EFFICIENCY = 0.92
"""Default charging and discharging efficiency of a storage unit."""


GEN_ROLES: tuple[str, ...] = ("", "thermal", "renewable", "hydro", "exchange", "shedding")
"""The roles of a generator in the dispatch (column ``gen.role``), each one model:

- ``thermal``: a cluster with minimum output, ramps, start-ups and fuel cost;
- ``renewable``: available power = capacity factor x ``max_p_mw``; what is not used is
  curtailed (the factor comes from ``solar_cf`` for the fuels solar and pv, otherwise from
  ``wind_cf``);
- ``hydro``: output between ``min_p_mw`` and ``max_p_mw``, optional energy budget;
- ``exchange``: AC import up to ``max_p_mw`` at ``cost_per_mwh``, export up to ``-min_p_mw``;
- ``shedding``: load shedding at ``cost_per_mwh`` up to ``max_p_mw`` (curtailable demand
  response of the dispatch).

Storage is its own table. ``''`` (the default) derives the role from the fuel as gridsim
always has: wind, solar and pv renewable; hydro and biomass hydro; ext exchange; any other
fuel thermal (the dispatch's ``BuildOptions.hydro_fuels`` and ``exchange_fuels``)."""


def _table(**cols: Field) -> list[Field]:
    """The columns of one table, in order, each named by its keyword."""
    return [col.named(name) for name, col in cols.items()]


_COMMON_TAIL = {"in_service": Field("bool", True, "element is in service")}

# fmt: off
TABLES: dict[str, list[Field]] = {
    "bus": _table(
        vn_kv=Field("float", REQUIRED, "nominal (base) voltage", unit="kV", check="> 0", bounds=KV_BOUNDS, hint=KV_HINT),
        zone=Field("str", "", "zone or partition the bus belongs to"),
        label=Field("str", "", "free description, e.g. the station's local name"),
        vm_min_pu=Field("float", 0.9, "lower voltage limit", unit="pu", check="> 0"),
        vm_max_pu=Field("float", 1.1, "upper voltage limit", unit="pu", check="> 0"),
        geo_lon=Field("float", NAN, "longitude (east)", unit="degree"),
        geo_lat=Field("float", NAN, "latitude (north)", unit="degree"),
        **_COMMON_TAIL,
    ),
    "line": _table(
        from_bus=Field("str", REQUIRED, "bus at the from end", check="bus"),
        to_bus=Field("str", REQUIRED, "bus at the to end", check="bus"),
        length_km=Field("float", 1.0, "length", unit="km", check="> 0"),
        r_ohm_per_km=Field("float", REQUIRED, "series resistance per circuit (< 0 only in network equivalents; warned)", unit="ohm/km", check="finite"),
        x_ohm_per_km=Field("float", REQUIRED, "series reactance per circuit", unit="ohm/km", check="finite"),
        c_nf_per_km=Field("float", 0.0, "shunt capacitance per circuit (< 0 only in network equivalents; warned)", unit="nF/km", check="finite"),
        g_us_per_km=Field("float", 0.0, "shunt conductance per circuit", unit="uS/km", check=">= 0"),
        max_i_ka=Field("float", NAN, "thermal current rating per circuit (Network.add_line also takes max_s_mva)", unit="kA"),
        parallel=Field("int", 1, "number of identical parallel circuits", check="> 0"),
        kind=Field("str", "ac", "free label, e.g. 'ac' or 'tie'"),
        commission_date=Field("str", "", "ISO date the line enters service ('' = before the study; dispatch only)"),
        decommission_date=Field("str", "", "ISO date from which the line is out of service ('' = after the study; dispatch only)"),
        **_COMMON_TAIL,
    ),
    "trafo": _table(
        hv_bus=Field("str", REQUIRED, "high-voltage side bus", check="bus"),
        lv_bus=Field("str", REQUIRED, "low-voltage side bus", check="bus"),
        sn_mva=Field("float", REQUIRED, "rated power per unit", unit="MVA", check="> 0"),
        vn_hv_kv=Field("float", REQUIRED, "rated voltage, HV side", unit="kV", check="> 0", bounds=KV_BOUNDS, hint=KV_HINT),
        vn_lv_kv=Field("float", REQUIRED, "rated voltage, LV side", unit="kV", check="> 0", bounds=KV_BOUNDS, hint=KV_HINT),
        vk_percent=Field("float", REQUIRED, "short-circuit voltage (< 0 only for star-equivalent windings)", unit="%", check="!= 0"),
        vkr_percent=Field("float", 0.0, "real part of short-circuit voltage (< 0 only in network equivalents; warned)", unit="%", check="finite"),
        pfe_kw=Field("float", 0.0, "iron losses", unit="kW", check=">= 0"),
        i0_percent=Field("float", 0.0, "open-circuit current (< 0: capacitive, e.g. MATPOWER branch charging)", unit="%", check="finite"),
        shift_degree=Field("float", 0.0, "phase shift (HV leads LV)", unit="degree", check="finite"),
        tap_side=Field("str", "hv", "side of the tap changer: 'hv' or 'lv'"),
        tap_pos=Field("float", 0.0, "tap position", check="finite"),
        tap_neutral=Field("float", 0.0, "neutral tap position", check="finite"),
        tap_step_percent=Field("float", 0.0, "voltage step per tap", unit="%", check="finite"),
        tap_step_degree=Field("float", 0.0, "angle step per tap", unit="degree", check="finite"),
        tap_changer_type=Field("str", "ratio", "'ratio' (voltage, optionally with angle) or 'ideal' (phase shifter)"),
        max_loading_percent=Field("float", 100.0, "loading limit (NaN: none)", unit="%"),
        parallel=Field("int", 1, "number of identical parallel units", check="> 0"),
        commission_date=Field("str", "", "ISO date the transformer enters service ('' = before the study; dispatch only)"),
        decommission_date=Field("str", "", "ISO date from which the transformer is out of service ('' = after the study; dispatch only)"),
        **_COMMON_TAIL,
    ),
    "gen": _table(
        bus=Field("str", REQUIRED, "connection bus", check="bus"),
        p_mw=Field("float", 0.0, "active power set-point", unit="MW", check="finite"),
        vm_pu=Field("float", 1.0, "voltage set-point", unit="pu", check="> 0", bounds=VM_BOUNDS, hint=VM_HINT),
        slack=Field("bool", False, "reference (slack) generator"),
        va_degree=Field("float", 0.0, "angle of a slack generator", unit="degree", check="finite"),
        min_q_mvar=Field("float", -Q_LIMIT_MVAR, "reactive lower limit", unit="Mvar"),
        max_q_mvar=Field("float", Q_LIMIT_MVAR, "reactive upper limit", unit="Mvar"),
        min_p_mw=Field("float", 0.0, "minimum stable output", unit="MW"),
        max_p_mw=Field("float", NAN, "installed capacity", unit="MW"),
        fuel=Field("str", "", "technology: coal, gas, wind, solar, hydro, biomass, ext ... (a label; the role decides the model)"),
        role=Field("str", "", "model of the unit in the dispatch: thermal, renewable, hydro, exchange or shedding ('' = from the fuel, see GEN_ROLES)", check="choice", choices=GEN_ROLES),
        zone=Field("str", "", "zone for aggregated studies"),
        controllable=Field("bool", True, "voltage-controlled (PV); False makes it a PQ injection"),
        q_mvar=Field("float", 0.0, "reactive output when not voltage-controlled", unit="Mvar", check="finite"),
        ramp_pu_per_h=Field("float", NAN, "ramp limit, share of max_p_mw per hour (NaN: none)", unit="1/h"),
        cost_per_mwh=Field("float", 0.0, "marginal cost of energy", unit="CNY/MWh", check="finite"),
        startup_cost_per_mw=Field("float", 0.0, "start-up cost per MW committed", unit="CNY/MW", check=">= 0"),
        coal_gce_per_kwh=Field("float", 0.0, "coal rate (standard coal per kWh)", unit="gce/kWh", check=">= 0"),
        co2_t_per_mwh=Field("float", 0.0, "CO2 emission factor", unit="t/MWh", check=">= 0"),
        chp=Field("bool", False, "combined heat and power unit (must-run in the heating season)"),
        chp_min_share=Field("float", 0.0, "heat-driven minimum output in the heating season, share of max_p_mw", check=">= 0"),
        commission_date=Field("str", "", "ISO date the unit enters service ('' = before the study)"),
        decommission_date=Field("str", "", "ISO date from which the unit is out of service ('' = after the study)"),
        unit_size_mw=Field("float", NAN, "size of one unit of an aggregated thermal cluster (NaN: the cluster is one unit)", unit="MW"),
        min_up_time_h=Field("float", 0.0, "minimum up time of a thermal unit once started", unit="h", check=">= 0"),
        min_down_time_h=Field("float", 0.0, "minimum down time of a thermal unit once shut down", unit="h", check=">= 0"),
        **_COMMON_TAIL,
    ),
    "load": _table(
        bus=Field("str", REQUIRED, "connection bus", check="bus"),
        p_mw=Field("float", 0.0, "active demand", unit="MW", check="finite"),
        q_mvar=Field("float", 0.0, "reactive demand", unit="Mvar", check="finite"),
        zone=Field("str", "", "zone for aggregated studies"),
        **_COMMON_TAIL,
    ),
    "shunt": _table(
        bus=Field("str", REQUIRED, "connection bus", check="bus"),
        p_mw=Field("float", 0.0, "active absorption at v = 1 pu", unit="MW", check="finite"),
        q_mvar=Field("float", 0.0, "reactive absorption at v = 1 pu (>0 inductive)", unit="Mvar", check="finite"),
        **_COMMON_TAIL,
    ),
    "dcline": _table(
        from_bus=Field("str", REQUIRED, "sending (rectifier) AC bus", check="bus"),
        to_bus=Field("str", REQUIRED, "receiving (inverter) AC bus", check="bus"),
        p_mw=Field("float", 0.0, "active power taken at the sending end", unit="MW", check="finite"),
        loss_mw=Field("float", 0.0, "fixed losses", unit="MW", check=">= 0"),
        loss_percent=Field("float", 0.0, "losses proportional to the flow", unit="%", check=">= 0"),
        vm_from_pu=Field("float", 1.0, "voltage set-point, sending converter", unit="pu", check="> 0", bounds=VM_BOUNDS, hint=VM_HINT),
        vm_to_pu=Field("float", 1.0, "voltage set-point, receiving converter", unit="pu", check="> 0", bounds=VM_BOUNDS, hint=VM_HINT),
        max_p_mw=Field("float", NAN, "rating", unit="MW"),
        min_p_mw=Field("float", 0.0, "lowest transfer (MATPOWER PMIN)", unit="MW"),
        commission_date=Field("str", "", "ISO date the link enters service ('' = before the study)"),
        decommission_date=Field("str", "", "ISO date from which the link is out of service ('' = after the study)"),
        min_q_from_mvar=Field("float", -Q_LIMIT_MVAR, "sending converter reactive lower limit", unit="Mvar"),
        max_q_from_mvar=Field("float", Q_LIMIT_MVAR, "sending converter reactive upper limit", unit="Mvar"),
        min_q_to_mvar=Field("float", -Q_LIMIT_MVAR, "receiving converter reactive lower limit", unit="Mvar"),
        max_q_to_mvar=Field("float", Q_LIMIT_MVAR, "receiving converter reactive upper limit", unit="Mvar"),
        vn_dc_kv=Field("float", NAN, "DC pole voltage (information)", unit="kV"),
        **_COMMON_TAIL,
    ),
    "storage": _table(
        bus=Field("str", REQUIRED, "connection bus", check="bus"),
        p_mw=Field("float", 0.0, "power taken from the grid in a power flow (>0 charging, load convention as pandapower)", unit="MW", check="finite"),
        q_mvar=Field("float", 0.0, "reactive power taken from the grid in a power flow", unit="Mvar", check="finite"),
        max_p_mw=Field("float", REQUIRED, "power rating (charge and discharge)", unit="MW", check=">= 0"),
        max_e_mwh=Field("float", REQUIRED, "energy capacity", unit="MWh", check=">= 0"),
        eff_charge=Field("float", STORAGE_EFFICIENCY, "charging efficiency", check="> 0", bounds=SHARE_BOUNDS, hint=SHARE_HINT),
        eff_discharge=Field("float", STORAGE_EFFICIENCY, "discharging efficiency", check="> 0", bounds=SHARE_BOUNDS, hint=SHARE_HINT),
        soc_init=Field("float", 0.5, "initial state of charge, share of max_e_mwh", check=">= 0", bounds=SHARE_BOUNDS, hint=SHARE_HINT),
        kind=Field("str", "battery", "battery or pumped_hydro"),
        commission_date=Field("str", "", "ISO date the unit enters service ('' = before the study)"),
        decommission_date=Field("str", "", "ISO date from which the unit is out of service ('' = after the study)"),
        zone=Field("str", "", "zone for aggregated studies"),
        **_COMMON_TAIL,
    ),
}
# fmt: on

ORDERED: dict[str, tuple[tuple[str, str], ...]] = {
    "bus": (("vm_min_pu", "vm_max_pu"),),
    "gen": (("min_p_mw", "max_p_mw"), ("min_q_mvar", "max_q_mvar")),
    "dcline": (
        ("min_p_mw", "max_p_mw"),
        ("min_q_from_mvar", "max_q_from_mvar"),
        ("min_q_to_mvar", "max_q_to_mvar"),
    ),
}
"""Pairs of columns ``(low, high)`` where ``low`` may not exceed ``high`` (NaN: not given)."""

WARN_NEGATIVE: dict[str, tuple[str, ...]] = {
    "line": ("r_ohm_per_km", "c_nf_per_km"),
    "trafo": ("vkr_percent",),
}
"""Columns where a negative value is legal (network equivalents, as in MATPOWER's PEGASE
cases) but suspicious: validation warns once per column, naming the elements."""

TABLE_ORDER: tuple[str, ...] = tuple(TABLES)
BUS_REF_FIELDS: dict[str, tuple[str, ...]] = {
    t: tuple(c.name for c in cols if c.check == "bus") for t, cols in TABLES.items()
}

_NUMPY_DTYPE = {"float": np.float64, "int": np.int64, "bool": np.bool_, "str": object}


def columns(table: str) -> list[Field]:
    """The columns of ``table`` (raises KeyError for an unknown table)."""
    return TABLES[table]


def numpy_dtype(col: Field) -> Any:
    """The numpy dtype used to store ``col``."""
    return _NUMPY_DTYPE[col.kind]


def schema_markdown() -> str:
    """The schema as Markdown tables, for the docs."""
    out: list[str] = []
    for table, cols in TABLES.items():
        out.append(
            f"### {table}\n\n| column | dtype | unit | default | meaning |\n|---|---|---|---|---|"
        )
        for c in cols:
            default = "required" if c.required else repr(c.default)
            out.append(f"| `{c.name}` | {c.kind} | {c.unit} | {default} | {c.doc} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(schema_markdown())
