"""The schema of every element table, declared once as data.

Each table is a list of :class:`Column`: name, dtype, unit, default and meaning.
The schema drives the defaults of :class:`~gridsim.network.network.Network`,
the checks in :mod:`gridsim.network.validation`, the native file format and the
docs (``python -m gridsim.network.schema`` prints the tables in Markdown).

Conventions follow pandapower: units in the column names, the table index is the
element's name, and buses are referred to by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

REQUIRED: Any = object()
"""Sentinel default of a column that every element must give."""


@dataclass(frozen=True)
class Column:
    """One column of an element table.

    ``check`` is a rule applied by validation: ``"positive"`` (> 0), ``"nonneg"`` (>= 0),
    ``"nonzero"`` (!= 0),
    ``"bus"`` (a bus name), ``"finite"`` (no NaN/inf) or ``None``. Float columns whose
    default is NaN may stay NaN (meaning "not given").

    ``bounds`` is the plausible range ``(lo, hi)``, both included: a value outside it is
    surely a mistake (a voltage in volts instead of kV, an efficiency above 1), and
    validation refuses it; ``hint`` says what a value above the range probably meant.
    """

    name: str
    dtype: str  # "float", "int", "bool", "str"
    unit: str
    default: Any
    meaning: str
    check: str | None = None
    bounds: tuple[float, float] | None = None
    hint: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


NAN = float("nan")

KV_BOUNDS = (0.1, 1200.0)
"""Plausible AC voltages (kV): below 100 V or above the highest UHV level is surely wrong."""
KV_HINT = "kV expected; was it given in volts?"
VM_BOUNDS = (0.5, 1.5)
"""Plausible voltage set-points (pu)."""
VM_HINT = "a per-unit set-point; was it given in kV?"
SHARE_HINT = "a share: 1 = 100 %"

_COMMON_TAIL = [
    Column("in_service", "bool", "", True, "element is in service"),
]

TABLES: dict[str, list[Column]] = {
    "bus": [
        Column(
            "vn_kv",
            "float",
            "kV",
            REQUIRED,
            "nominal (base) voltage",
            "positive",
            KV_BOUNDS,
            KV_HINT,
        ),
        Column("zone", "str", "", "", "zone or partition the bus belongs to"),
        Column("label", "str", "", "", "free description, e.g. the station's local name"),
        Column("vm_min_pu", "float", "pu", 0.9, "lower voltage limit", "positive"),
        Column("vm_max_pu", "float", "pu", 1.1, "upper voltage limit", "positive"),
        Column("geo_lon", "float", "degree", NAN, "longitude (east)"),
        Column("geo_lat", "float", "degree", NAN, "latitude (north)"),
        *_COMMON_TAIL,
    ],
    "line": [
        Column("from_bus", "str", "", REQUIRED, "bus at the from end", "bus"),
        Column("to_bus", "str", "", REQUIRED, "bus at the to end", "bus"),
        Column("length_km", "float", "km", 1.0, "length", "positive"),
        Column(
            "r_ohm_per_km",
            "float",
            "ohm/km",
            REQUIRED,
            "series resistance per circuit (< 0 only in network equivalents; warned)",
            "finite",
        ),
        Column(
            "x_ohm_per_km", "float", "ohm/km", REQUIRED, "series reactance per circuit", "finite"
        ),
        Column(
            "c_nf_per_km",
            "float",
            "nF/km",
            0.0,
            "shunt capacitance per circuit (< 0 only in network equivalents; warned)",
            "finite",
        ),
        Column("g_us_per_km", "float", "uS/km", 0.0, "shunt conductance per circuit", "nonneg"),
        Column("max_i_ka", "float", "kA", NAN, "thermal current rating per circuit"),
        Column("parallel", "int", "", 1, "number of identical parallel circuits", "positive"),
        Column("kind", "str", "", "ac", "free label, e.g. 'ac' or 'tie'"),
        *_COMMON_TAIL,
    ],
    "trafo": [
        Column("hv_bus", "str", "", REQUIRED, "high-voltage side bus", "bus"),
        Column("lv_bus", "str", "", REQUIRED, "low-voltage side bus", "bus"),
        Column("sn_mva", "float", "MVA", REQUIRED, "rated power per unit", "positive"),
        Column(
            "vn_hv_kv",
            "float",
            "kV",
            REQUIRED,
            "rated voltage, HV side",
            "positive",
            KV_BOUNDS,
            KV_HINT,
        ),
        Column(
            "vn_lv_kv",
            "float",
            "kV",
            REQUIRED,
            "rated voltage, LV side",
            "positive",
            KV_BOUNDS,
            KV_HINT,
        ),
        Column(
            "vk_percent",
            "float",
            "%",
            REQUIRED,
            "short-circuit voltage (< 0 only for star-equivalent windings)",
            "nonzero",
        ),
        Column(
            "vkr_percent",
            "float",
            "%",
            0.0,
            "real part of short-circuit voltage (< 0 only in network equivalents; warned)",
            "finite",
        ),
        Column("pfe_kw", "float", "kW", 0.0, "iron losses", "nonneg"),
        Column(
            "i0_percent",
            "float",
            "%",
            0.0,
            "open-circuit current (< 0: capacitive, e.g. MATPOWER branch charging)",
            "finite",
        ),
        Column("shift_degree", "float", "degree", 0.0, "phase shift (HV leads LV)", "finite"),
        Column("tap_side", "str", "", "hv", "side of the tap changer: 'hv' or 'lv'"),
        Column("tap_pos", "float", "", 0.0, "tap position", "finite"),
        Column("tap_neutral", "float", "", 0.0, "neutral tap position", "finite"),
        Column("tap_step_percent", "float", "%", 0.0, "voltage step per tap", "finite"),
        Column("tap_step_degree", "float", "degree", 0.0, "angle step per tap", "finite"),
        Column(
            "tap_changer_type",
            "str",
            "",
            "ratio",
            "'ratio' (voltage, optionally with angle) or 'ideal' (phase shifter)",
        ),
        Column("max_loading_percent", "float", "%", 100.0, "loading limit (NaN: none)"),
        Column("parallel", "int", "", 1, "number of identical parallel units", "positive"),
        *_COMMON_TAIL,
    ],
    "gen": [
        Column("bus", "str", "", REQUIRED, "connection bus", "bus"),
        Column("p_mw", "float", "MW", 0.0, "active power set-point", "finite"),
        Column("vm_pu", "float", "pu", 1.0, "voltage set-point", "positive", VM_BOUNDS, VM_HINT),
        Column("slack", "bool", "", False, "reference (slack) generator"),
        Column("va_degree", "float", "degree", 0.0, "angle of a slack generator", "finite"),
        Column("min_q_mvar", "float", "Mvar", -1e9, "reactive lower limit"),
        Column("max_q_mvar", "float", "Mvar", 1e9, "reactive upper limit"),
        Column("min_p_mw", "float", "MW", 0.0, "minimum stable output"),
        Column("max_p_mw", "float", "MW", NAN, "installed capacity"),
        Column(
            "fuel", "str", "", "", "technology: coal, gas, wind, solar, hydro, biomass, ext ..."
        ),
        Column("zone", "str", "", "", "zone for aggregated studies"),
        Column(
            "controllable",
            "bool",
            "",
            True,
            "voltage-controlled (PV); False makes it a PQ injection",
        ),
        Column(
            "q_mvar", "float", "Mvar", 0.0, "reactive output when not voltage-controlled", "finite"
        ),
        Column(
            "ramp_pu_per_h",
            "float",
            "1/h",
            NAN,
            "ramp limit, share of max_p_mw per hour (NaN: none)",
        ),
        Column("cost_per_mwh", "float", "CNY/MWh", 0.0, "marginal cost of energy", "finite"),
        Column(
            "startup_cost_per_mw",
            "float",
            "CNY/MW",
            0.0,
            "start-up cost per MW committed",
            "nonneg",
        ),
        Column(
            "coal_gce_per_kwh",
            "float",
            "gce/kWh",
            0.0,
            "coal rate (standard coal per kWh)",
            "nonneg",
        ),
        Column("co2_t_per_mwh", "float", "t/MWh", 0.0, "CO2 emission factor", "nonneg"),
        Column(
            "chp",
            "bool",
            "",
            False,
            "combined heat and power unit (must-run in the heating season)",
        ),
        Column(
            "chp_min_share",
            "float",
            "",
            0.0,
            "heat-driven minimum output in the heating season, share of max_p_mw",
            "nonneg",
        ),
        Column(
            "commission_date",
            "str",
            "",
            "",
            "ISO date the unit enters service ('' = before the study)",
        ),
        *_COMMON_TAIL,
    ],
    "load": [
        Column("bus", "str", "", REQUIRED, "connection bus", "bus"),
        Column("p_mw", "float", "MW", 0.0, "active demand", "finite"),
        Column("q_mvar", "float", "Mvar", 0.0, "reactive demand", "finite"),
        Column("zone", "str", "", "", "zone for aggregated studies"),
        *_COMMON_TAIL,
    ],
    "shunt": [
        Column("bus", "str", "", REQUIRED, "connection bus", "bus"),
        Column("p_mw", "float", "MW", 0.0, "active absorption at v = 1 pu", "finite"),
        Column(
            "q_mvar",
            "float",
            "Mvar",
            0.0,
            "reactive absorption at v = 1 pu (>0 inductive)",
            "finite",
        ),
        *_COMMON_TAIL,
    ],
    "dcline": [
        Column("from_bus", "str", "", REQUIRED, "sending (rectifier) AC bus", "bus"),
        Column("to_bus", "str", "", REQUIRED, "receiving (inverter) AC bus", "bus"),
        Column("p_mw", "float", "MW", 0.0, "active power taken at the sending end", "finite"),
        Column("loss_mw", "float", "MW", 0.0, "fixed losses", "nonneg"),
        Column("loss_percent", "float", "%", 0.0, "losses proportional to the flow", "nonneg"),
        Column(
            "vm_from_pu",
            "float",
            "pu",
            1.0,
            "voltage set-point, sending converter",
            "positive",
            VM_BOUNDS,
            VM_HINT,
        ),
        Column(
            "vm_to_pu",
            "float",
            "pu",
            1.0,
            "voltage set-point, receiving converter",
            "positive",
            VM_BOUNDS,
            VM_HINT,
        ),
        Column("max_p_mw", "float", "MW", NAN, "rating"),
        Column("min_p_mw", "float", "MW", 0.0, "lowest transfer (MATPOWER PMIN)"),
        Column(
            "commission_date",
            "str",
            "",
            "",
            "ISO date the link enters service ('' = before the study)",
        ),
        Column("min_q_from_mvar", "float", "Mvar", -1e9, "sending converter reactive lower limit"),
        Column("max_q_from_mvar", "float", "Mvar", 1e9, "sending converter reactive upper limit"),
        Column("min_q_to_mvar", "float", "Mvar", -1e9, "receiving converter reactive lower limit"),
        Column("max_q_to_mvar", "float", "Mvar", 1e9, "receiving converter reactive upper limit"),
        Column("vn_dc_kv", "float", "kV", NAN, "DC pole voltage (information)"),
        *_COMMON_TAIL,
    ],
    "storage": [
        Column("bus", "str", "", REQUIRED, "connection bus", "bus"),
        Column(
            "p_mw",
            "float",
            "MW",
            0.0,
            "power taken from the grid in a power flow (>0 charging, load convention as pandapower)",
            "finite",
        ),
        Column(
            "q_mvar",
            "float",
            "Mvar",
            0.0,
            "reactive power taken from the grid in a power flow",
            "finite",
        ),
        Column(
            "max_p_mw", "float", "MW", REQUIRED, "power rating (charge and discharge)", "nonneg"
        ),
        Column("max_e_mwh", "float", "MWh", REQUIRED, "energy capacity", "nonneg"),
        Column(
            "eff_charge",
            "float",
            "",
            0.92,
            "charging efficiency",
            "positive",
            (0.0, 1.0),
            SHARE_HINT,
        ),
        Column(
            "eff_discharge",
            "float",
            "",
            0.92,
            "discharging efficiency",
            "positive",
            (0.0, 1.0),
            SHARE_HINT,
        ),
        Column(
            "soc_init",
            "float",
            "",
            0.5,
            "initial state of charge, share of max_e_mwh",
            "nonneg",
            (0.0, 1.0),
            SHARE_HINT,
        ),
        Column("kind", "str", "", "battery", "battery or pumped_hydro"),
        Column(
            "commission_date",
            "str",
            "",
            "",
            "ISO date the unit enters service ('' = before the study)",
        ),
        Column("zone", "str", "", "", "zone for aggregated studies"),
        *_COMMON_TAIL,
    ],
}

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


def columns(table: str) -> list[Column]:
    """The columns of ``table`` (raises KeyError for an unknown table)."""
    return TABLES[table]


def numpy_dtype(col: Column) -> Any:
    """The numpy dtype used to store ``col``."""
    return _NUMPY_DTYPE[col.dtype]


def schema_markdown() -> str:
    """The schema as Markdown tables, for the docs."""
    out: list[str] = []
    for table, cols in TABLES.items():
        out.append(
            f"### {table}\n\n| column | dtype | unit | default | meaning |\n|---|---|---|---|---|"
        )
        for c in cols:
            default = "required" if c.required else repr(c.default)
            out.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {default} | {c.meaning} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(schema_markdown())
