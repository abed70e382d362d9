"""The Ningxia (宁夏) provincial grid models for 2020 and 2025 (14th Five-Year Plan).

``build_ningxia(year)`` returns a :class:`~gridsim.network.network.Network` of the 750 kV
backbone, the 330 kV grid aggregated into the four partitions (zones ``north``, ``east``,
``central``, ``south``), the external equivalents (Gansu, Inner Mongolia's 伊克昭, the
four DC receiving grids), the generation fleet per zone, storage, zone loads and the
DC export links. Every figure comes from ``/work/shared/reference/ningxia.md`` (source
tags ``[S..]``) or is an estimate (est.); ``networks/README.md`` lists them all.

The shipped files are regenerated exactly by::

    python -m gridsim.cases.ningxia.network --out networks/

The data tables (stations, lines, units, storage, DC links) are CSV files with their
sources in ``networks/ningxia/``; electrical, fleet and dispatch assumptions are the
module constants below. Units: MW, MWh, km, kV, gce/kWh, CNY.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any, NamedTuple, get_type_hints

import pandas as pd

from gridsim.cases.ningxia import zones
from gridsim.network.network import Network

YEARS = (2020, 2025)
ZONES = tuple(z.name for z in zones.ZONES)
"""The four partitions (zones): the case's zones (:mod:`gridsim.cases.ningxia.zones`)."""
DATA_DIR = Path(__file__).resolve().parents[3] / "networks" / "ningxia"
"""The CSV data tables (documented in ``networks/README.md``)."""


# ------------------------------------------------------------------ data tables
class Station(NamedTuple):
    """A 750 kV station (``stations.csv``). ``kind``: ``sub`` (750/330 kV), ``conv``
    (converter, 750 kV only), ``ext`` (a neighbour's edge station). ``trafos_YEAR``:
    number of 750/330 kV banks of ``trafo_mva`` MVA."""

    key: str
    name_zh: str
    lat: float
    lon: float
    zone: str
    first_year: int
    kind: str
    trafos_2020: int
    trafos_2025: int
    trafo_mva: float


class Edge(NamedTuple):
    """A corridor (``lines.csv``): circuits in 2020 and 2025, length per circuit (km)."""

    a: str
    b: str
    kv: int
    km: float
    n_2020: int
    n_2025: int


class Unit(NamedTuple):
    """An aggregated generating unit (``units.csv``): capacity (MW) and bus per year;
    0 MW means absent that year. ``cls``: a key of :data:`COAL_CLASSES`, or ``re``,
    ``hydro``, ``biomass``."""

    name: str
    zone: str
    fuel: str
    cls: str
    bus_2020: str
    bus_2025: str
    mw_2020: float
    mw_2025: float


class Storage(NamedTuple):
    """Storage per zone (``storage.csv``): power (MW) per year, duration (h)."""

    name: str
    zone: str
    bus: str
    mw_2020: float
    mw_2025: float
    hours: float
    kind: str
    in_service: bool


class DcLink(NamedTuple):
    """An HVDC export link (``dc_links.csv``; the Ningxia share for ``zhaoyi``)."""

    name: str
    name_zh: str
    from_station: str
    to_bus: str
    to_lat: float
    to_lon: float
    mw: float
    vdc_kv: float
    km: float
    al_mm2_per_pole: float
    line_mw: float
    first_year: int


def _parse(kind: type, text: str) -> Any:
    if kind is bool:
        return text.strip().lower() == "true"
    return kind(text)


def read_table(name: str, row: Any) -> tuple[Any, ...]:
    """Rows of ``DATA_DIR/<name>.csv`` as ``row`` named tuples (extra columns ignored)."""
    df = pd.read_csv(DATA_DIR / f"{name}.csv", comment="#", dtype=str, keep_default_na=False)
    types = get_type_hints(row)
    return tuple(row(*(_parse(types[f], r[f]) for f in row._fields)) for _, r in df.iterrows())


STATIONS: tuple[Station, ...] = read_table("stations", Station)
EDGES: tuple[Edge, ...] = read_table("lines", Edge)
UNITS: tuple[Unit, ...] = read_table("units", Unit)
STORAGE: tuple[Storage, ...] = read_table("storage", Storage)
DC_LINKS: tuple[DcLink, ...] = read_table("dc_links", DcLink)


# ------------------------------------------------------ electrical parameters
LINE_750 = {"r_ohm_per_km": 0.013, "x_ohm_per_km": 0.266, "c_nf_per_km": 13.2, "max_i_ka": 5.0}
"""750 kV, 6xLGJ-400/50 (section 3, est.); ``max_i_ka`` is the thermal rating (~6.5 GVA)."""
LINE_330 = {"r_ohm_per_km": 0.040, "x_ohm_per_km": 0.32, "c_nf_per_km": 11.2, "max_i_ka": 1.7}
"""330 kV, 2xLGJ-400 (section 3, est.); ``max_i_ka`` is the thermal rating (~0.95 GVA)."""
PLANNING_RATING_MW = {"750": 2300.0, "330": 700.0}
"""Planning (stability-limited) rating per circuit, upper end of section 3's range."""
TRAFO_750 = {"vk_percent": 18.0, "vkr_percent": 0.3, "pfe_kw_per_mva": 0.2, "i0_percent": 0.1}
"""750/330 kV autotransformer banks (est.): vk on own base, iron losses 0.02 % of rating."""
REACTOR_SHARE = 0.7
"""Share of 750 kV line charging compensated by line reactors, half at each end (est.)."""
COAL_PRICE_CNY_PER_TCE = {2020: 650.0, 2025: 760.0}
"""Standard-coal price (CNY/tce, est. from Ningxia 5,500 kcal coal at ~500/600 CNY/t)."""
CO2_T_PER_TCE = 2.66
"""tCO2 per tonne of coal equivalent (the factor commonly used in China, est.)."""


class CoalClass(NamedTuple):
    """Coal unit class: supply coal rate (gce/kWh) in 2020 and 2025 (after the plan's
    energy-saving retrofits, est. -5 g), minimum stable output share in 2020 (no
    flexibility retrofit) and 2025 (retrofitted), ramp (share of max_p per hour),
    start-up cost (CNY/MW). All est. (sections 0 and 4)."""

    gce_2020: float
    gce_2025: float
    min_2020: float
    min_2025: float
    ramp: float
    startup: float


COAL_CLASSES: dict[str, CoalClass] = {
    "usc1000": CoalClass(290.0, 285.0, 0.40, 0.30, 0.9, 800.0),
    "new1000": CoalClass(282.0, 282.0, 0.30, 0.30, 0.9, 800.0),
    "sc600": CoalClass(306.0, 301.0, 0.40, 0.30, 0.9, 700.0),
    "sub300": CoalClass(324.0, 319.0, 0.40, 0.30, 0.9, 600.0),
    "chp": CoalClass(302.0, 297.0, 0.40, 0.30, 0.6, 600.0),
    "newchp": CoalClass(295.0, 295.0, 0.30, 0.30, 0.6, 600.0),
    "peak": CoalClass(290.0, 290.0, 0.30, 0.30, 1.2, 500.0),
}
CHP_MIN_SHARE = 0.5
"""Heat-driven minimum output of CHP units in the heating season (est., section 4)."""

LATE_2020_SHARE = {"wind": 0.10, "solar": 0.28}
"""Share of each zone's 2020 wind/PV connected in the last quarter of 2020 (est.): gives
an average in-service capacity of ~12.7 GW wind and ~9.5 GW PV (reference section 5)."""
LATE_2020_DATE = "2020-10-01"

PLAN_2020_MW = {
    "coal": 33137.0,
    "wind": 13766.0,
    "solar": 11971.0,
    "hydro": 426.0,
    "biomass": 127.0,
}
"""Installed capacity at the end of 2020 (the plan, section 0)."""
PLAN_2025_MIN_MW = {"wind": 17500.0, "solar": 32500.0, "total": 90000.0}
"""2025 targets (the plan, section 0)."""

PHS_EFF = 0.87
BATTERY_EFF = 0.92
"""Charge and discharge efficiencies: pumped hydro (round trip ~0.76) and battery (~0.85),
est."""

# --------------------------------------------------------------------- loads, DC
CONSUMPTION_TWH = {2020: 103.82, 2025: 125.0}
HOURS = {2020: 8784.0, 2025: 8760.0}
ZONE_LOAD_SHARE = {z.name: z.load_share for z in zones.ZONES}
"""Zone shares of consumption (est., declared with the zones: :data:`zones.ZONES`)."""
LOAD_BUS = {
    "north": "helanshan_330",
    "east": "yinchuan_east_330",
    "central": "huanghe_330",
    "south": "liupanshan_330",
}
LOAD_PF = 0.95


# fixed converter losses per station and load losses per station, share of the rating (est.)
CONVERTER_NO_LOAD = 0.0025
CONVERTER_LOAD = 0.005
AL_OHM_MM2_PER_M = 0.0283 * 1.08  # aluminium at ~40 °C conductor temperature
DC_LOSS_AT_PU = 0.75  # loading at which the quadratic line loss is linearised


def dc_losses(link: DcLink) -> tuple[float, float]:
    """``(loss_mw, loss_percent)`` of a bipole (or of Ningxia's share of one): fixed
    no-load converter losses at both ends, and proportional converter load losses plus the
    line's I²R loss, linearised (secant through the origin) at ``DC_LOSS_AT_PU`` of the
    whole line's rating ``line_mw``. Pole resistance (ohm) from the aluminium section."""
    r_pole = AL_OHM_MM2_PER_M * 1000.0 / link.al_mm2_per_pole * link.km  # ohm
    i_rated_ka = link.line_mw / (2.0 * link.vdc_kv)
    line_loss_rated_mw = 2.0 * i_rated_ka**2 * r_pole * link.mw / link.line_mw
    loss_mw = 2 * CONVERTER_NO_LOAD * link.mw
    share = 2 * CONVERTER_LOAD + DC_LOSS_AT_PU * line_loss_rated_mw / link.mw
    return round(loss_mw, 1), round(100.0 * share, 2)


def _km(a: Station, b: Station) -> float:
    """Great-circle distance (km)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dl = math.radians(b.lon - a.lon)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def straight_line_km(a: str, b: str) -> float:
    """Straight-line distance (km) between two stations of :data:`STATIONS`."""
    by_key = {s.key: s for s in STATIONS}
    return _km(by_key[a], by_key[b])


# ------------------------------------------------------------------------ build
def build_ningxia(year: int, *, with_fengsui: bool = False) -> Network:
    """The Ningxia grid at the end of ``year`` (2020 or 2025).

    Set-points (MW) are the annual-average operating point (:func:`apply_snapshot` with
    ``"average"``), balanced so that a plain power flow converges. ``with_fengsui`` adds
    the 烽燧 station (planned 2026 [S3]) and its 沙湖 lines to a 2025 network.
    """
    if year not in YEARS:
        raise ValueError(f"year must be one of {YEARS}, got {year}")
    net = Network(name=f"ningxia_{year}", sn_mva=100.0, f_hz=50.0)
    fengsui = with_fengsui and year == 2025
    stations = [s for s in STATIONS if s.first_year <= year or (fengsui and s.key == "fengsui")]
    trafo = {
        "vn_hv_kv": 750.0,
        "vn_lv_kv": 330.0,
        "vk_percent": TRAFO_750["vk_percent"],
        "vkr_percent": TRAFO_750["vkr_percent"],
        "i0_percent": TRAFO_750["i0_percent"],
    }
    for s in stations:
        geo = {"zone": s.zone, "geo_lat": s.lat, "geo_lon": s.lon, "vm_min_pu": 0.95}
        vmax = 1.1 if s.kind == "ext" else 1.067  # 800 kV highest system voltage
        net.add_bus(f"{s.key}_750", 750.0, vm_max_pu=vmax, **geo)
        n = s.trafos_2020 if year == 2020 else s.trafos_2025
        if n:
            net.add_bus(f"{s.key}_330", 330.0, vm_max_pu=1.1, **geo)
            net.add_trafo(f"{s.key}_750_330", f"{s.key}_750", f"{s.key}_330",
                          sn_mva=s.trafo_mva, parallel=n,
                          pfe_kw=TRAFO_750["pfe_kw_per_mva"] * s.trafo_mva, **trafo)  # fmt: skip
    zone = {s.key: s.zone for s in STATIONS}
    reactor: dict[str, float] = {}
    for e in EDGES:
        n = e.n_2020 if year == 2020 else e.n_2025
        a, b = f"{e.a}_{e.kv}", f"{e.b}_{e.kv}"
        if n == 0 or a not in net.bus.index or b not in net.bus.index:
            continue
        tie = "ext" in (zone[e.a], zone[e.b])
        par = LINE_750 if e.kv == 750 else LINE_330
        net.add_line(f"{e.a}-{e.b}_{e.kv}", a, b, length_km=e.km, parallel=n,
                     kind="tie" if tie else "ac", **par)  # fmt: skip
        if e.kv == 750:
            q = charging_mvar(750.0, par["c_nf_per_km"], e.km) * n * REACTOR_SHARE / 2
            for end in (a, b):
                reactor[end] = reactor.get(end, 0.0) + q
    for bus, q in reactor.items():
        net.add_shunt(f"reactor_{bus}", bus, q_mvar=round(q, 1))
    _add_units(net, year)
    _add_external(net, year)
    for st in STORAGE:
        mw = st.mw_2020 if year == 2020 else st.mw_2025
        eff = PHS_EFF if st.kind == "pumped_hydro" else BATTERY_EFF
        if mw > 0:
            net.add_storage(st.name, st.bus, max_p_mw=mw, max_e_mwh=mw * st.hours,
                            kind=st.kind, zone=st.zone, in_service=st.in_service,
                            eff_charge=eff, eff_discharge=eff)  # fmt: skip
    for z in ZONES:
        net.add_load(f"load_{z}", LOAD_BUS[z], zone=z)
    net.meta = _meta(net, year)
    return apply_snapshot(net, "average")


def charging_mvar(vn_kv: float, c_nf_per_km: float, km: float) -> float:
    """Charging reactive power (Mvar) of one circuit at nominal voltage."""
    return vn_kv**2 * 2 * math.pi * 50.0 * c_nf_per_km * 1e-9 * km


def _add_units(net: Network, year: int) -> None:
    price = COAL_PRICE_CNY_PER_TCE[year]
    for u in UNITS:
        mw = u.mw_2020 if year == 2020 else u.mw_2025
        bus = u.bus_2020 if year == 2020 else u.bus_2025
        if mw <= 0:
            continue
        vm = 1.04 if bus.endswith("_750") else 1.03
        f: dict[str, Any] = {"zone": u.zone, "fuel": u.fuel, "vm_pu": vm}
        if u.fuel == "coal":
            c = COAL_CLASSES[u.cls]
            gce = c.gce_2020 if year == 2020 else c.gce_2025
            f |= {
                "min_p_mw": mw * (c.min_2020 if year == 2020 else c.min_2025),
                "ramp_pu_per_h": c.ramp,
                "coal_gce_per_kwh": gce,
                "co2_t_per_mwh": round(gce * 1e-3 * CO2_T_PER_TCE, 4),
                "cost_per_mwh": round(gce * price / 1000.0, 2),
                "startup_cost_per_mw": c.startup,
                "chp": "chp" in u.cls,
                "chp_min_share": CHP_MIN_SHARE if "chp" in u.cls else 0.0,
                "min_q_mvar": -0.25 * mw,
                "max_q_mvar": 0.5 * mw,
            }
        elif u.fuel == "hydro":
            f |= {"ramp_pu_per_h": 1.0, "min_q_mvar": -0.25 * mw, "max_q_mvar": 0.5 * mw}
        elif u.fuel == "biomass":
            f |= {
                "controllable": False,
                "min_p_mw": 0.5 * mw,
                "ramp_pu_per_h": 0.5,
                "cost_per_mwh": 250.0,
            }
        else:
            f |= {"controllable": False}
        late = LATE_2020_SHARE.get(u.fuel, 0.0) if year == 2020 else 0.0
        if late:
            mw_late = round(mw * late)
            net.add_gen(
                f"{u.name}_late2020",
                bus,
                max_p_mw=float(mw_late),
                commission_date=LATE_2020_DATE,
                **f,
            )
            mw -= mw_late
        net.add_gen(u.name, bus, max_p_mw=float(mw), **f)


def _add_external(net: Network, year: int) -> None:
    """Gansu equivalents (slack at 白银, voltage-controlled injection at 平凉) and the DC
    links with one slack per receiving grid."""
    limit = _gansu_limit(year)
    gansu = {
        "fuel": "ext",
        "zone": "ext",
        "vm_pu": 1.04,
        "min_p_mw": -limit,
        "max_p_mw": limit,
        "cost_per_mwh": 350.0,
    }
    net.add_gen("ext_gansu_baiyin", "baiyin_750", slack=True, **gansu)
    net.add_gen("ext_gansu_pingliang", "pingliang_750", **gansu)
    for d in DC_LINKS:
        if d.first_year > year:
            continue
        net.add_bus(d.to_bus, 500.0, zone="ext", geo_lat=d.to_lat, geo_lon=d.to_lon)
        net.add_gen(
            f"ext_{d.to_bus.removesuffix('_500')}",
            d.to_bus,
            slack=True,
            fuel="ext",
            zone="ext",
            min_p_mw=-d.mw,
            max_p_mw=0.0,
        )
        loss_mw, loss_pct = dc_losses(d)
        net.add_dcline(
            d.name,
            f"{d.from_station}_750",
            d.to_bus,
            max_p_mw=d.mw,
            loss_mw=loss_mw,
            loss_percent=loss_pct,
            vn_dc_kv=d.vdc_kv,
            vm_from_pu=1.04,
            vm_to_pu=1.0,
            min_q_from_mvar=-0.2 * d.mw,
            max_q_from_mvar=0.2 * d.mw,
        )


def _gansu_limit(year: int) -> float:
    return 7000.0 if year == 2020 else 8000.0


def _meta(net: Network, year: int) -> dict[str, Any]:
    lines = net.line
    gansu = [n for n in lines.index if "baiyin" in n or "pingliang" in n]
    dc = net.dcline
    return {
        "year": year,
        "title": f"宁夏电网 {year} (Ningxia provincial grid, 14th Five-Year Plan model)",
        "build": "python -m gridsim.cases.ningxia.network --out networks/",
        "reference": "networks/README.md; /work/shared/reference/ningxia.md",
        "station_names_zh": {s.key: s.name_zh for s in STATIONS if f"{s.key}_750" in net.bus.index},
        "zones": {
            z: {
                "load_share": ZONE_LOAD_SHARE[z],
                "load_bus": LOAD_BUS[z],
                "stations": sorted(
                    s.key for s in STATIONS if s.zone == z and f"{s.key}_750" in net.bus.index
                ),
            }
            for z in ZONES
        },
        "sections": {
            "gansu": {
                "lines": gansu,
                "limit_mw": _gansu_limit(year),
                "note": "7 GW in 2022 with 4 circuits [S12]; > 8 GW after 白银-天都山 III [S6]",
            },
            "yikezhao": {
                "lines": ["shahu-yikezhao_750"],
                "limit_mw": 2000.0,
                "note": "est. Ningxia share of the Zhao-Yi DC supply [S10]",
            },
        },
        "dc_links": {
            d.name: {
                "name_zh": d.name_zh,
                "length_km": d.km,
                "receiving_bus": d.to_bus,
                "in_service_year": d.first_year,
            }
            for d in DC_LINKS
            if d.name in dc.index
        },
        "dc_export_capability_mw": float(dc["max_p_mw"].sum()),
        "planning_rating_mw_per_circuit": PLANNING_RATING_MW,
        "coal_price_cny_per_tce": COAL_PRICE_CNY_PER_TCE[year],
        "co2_t_per_tce": CO2_T_PER_TCE,
        "consumption_twh": CONSUMPTION_TWH[year],
    }


# ------------------------------------------------------------- operating points
class Snapshot(NamedTuple):
    """A representative hour (all est.): load as a share of the annual average, wind,
    solar and hydro output as shares of capacity, DC loading as a share of each link's
    rating (``-1``: the annual-average loading of :data:`AVERAGE_DC_PU`), battery
    discharge as a share of rating (<0: may charge up to that share to absorb a surplus),
    committed share of coal capacity, and whether CHP units are heat-bound."""

    load: float
    wind: float
    solar: float
    hydro: float
    dc: float
    battery: float
    commit: float
    heating: bool


SNAPSHOTS: dict[str, Snapshot] = {
    "winter_evening_peak": Snapshot(1.20, 0.30, 0.00, 0.60, 1.00, 0.8, 1.0, True),
    "spring_noon": Snapshot(0.95, 0.25, 0.65, 0.40, 0.85, -1.0, 0.6, False),
    "summer_night_valley": Snapshot(0.80, 0.20, 0.00, 0.60, 0.65, 0.0, 0.8, False),
}
"""Winter peak: load 1/0.83 of the mean (load factor 0.83 [S37]), DC at full rating in the
evening peak (section 2); spring noon in the solar valley; summer night valley."""
AVERAGE = {
    2020: Snapshot(1.0, 0.17, 0.12, 0.45, -1.0, 0.0, 1.0, False),
    2025: Snapshot(1.0, 0.21, 0.17, 0.45, -1.0, 0.0, 1.0, False),
}
"""Annual-average output: 2020 wind ~20.5 TWh and PV ~12.5 TWh on year-end capacity
(section 5); 2025 at the section-4 model capacity factors."""
AVERAGE_DC_PU = {"yindong": 0.875, "lingshao": 0.66, "ningxiang": 0.575, "zhaoyi": 0.10}
"""Annual-average DC loading (est.): 银东 ~31 TWh, 灵绍 ~47 TWh (section 5), 宁湘 ~40 TWh
[S24], Zhao-Yi share small (exports 79.4 TWh in 2020 [plan])."""
AC_LOSS_SHARE = 0.005
"""AC losses as a share of load + DC export, for balancing set-points (est.)."""
GANSU_EXPORT_SHARE = 0.4
"""Largest share of the Gansu section limit used to export a surplus before curtailing."""
BIOMASS_CF = 0.55
"""Biomass output share in every snapshot (~0.6 TWh/yr, reference section 5)."""


def apply_snapshot(net: Network, name: str) -> Network:
    """A copy of a Ningxia network with set-points (MW) for snapshot ``name`` (a key of
    :data:`SNAPSHOTS` or ``"average"``). Coal is dispatched pro rata between its floor
    (committed share x minimum, CHP heat-bound) and capacity to balance load + DC export
    + est. AC losses; a surplus charges batteries, then is exported to Gansu (up to
    ``GANSU_EXPORT_SHARE`` of the section limit), then curtails wind and PV. A deficit is
    left to the 白银 slack (import from Gansu)."""
    year = int(net.meta["year"])
    snap = AVERAGE[year] if name == "average" else SNAPSHOTS[name]
    out = net.copy()
    ld = out.load
    avg_mw = CONSUMPTION_TWH[year] * 1e6 / HOURS[year]
    share = ld["zone"].map(ZONE_LOAD_SHARE).astype(float)
    ld["p_mw"] = (avg_mw * share * snap.load).round(1)
    ld["q_mvar"] = (ld["p_mw"] * math.tan(math.acos(LOAD_PF))).round(1)
    dc = out.dcline
    on = dc["in_service"]
    pu = dc.index.map(AVERAGE_DC_PU).astype(float) if snap.dc < 0 else snap.dc
    dc["p_mw"] = (dc["max_p_mw"] * pu).where(on, 0.0).round(1)
    g = out.gen
    live = g["in_service"]
    fuel = g["fuel"]
    cf = {"wind": snap.wind, "solar": snap.solar, "hydro": snap.hydro, "biomass": BIOMASS_CF}
    for f, c in cf.items():
        m = (fuel == f) & live
        g.loc[m, "p_mw"] = (g.loc[m, "max_p_mw"] * c).round(1)
    st = out.storage
    bat = (st["kind"] == "battery") & st["in_service"]
    st["p_mw"] = 0.0
    if snap.battery > 0:
        st.loc[bat, "p_mw"] = -(st.loc[bat, "max_p_mw"] * snap.battery).round(1)
    demand = float(ld["p_mw"].sum() + dc["p_mw"].sum()) * (1 + AC_LOSS_SHARE)
    fixed = float(g.loc[fuel.isin(list(cf)) & live, "p_mw"].sum() - st["p_mw"].sum())
    coal = (fuel == "coal") & live
    cap = g.loc[coal, "max_p_mw"]
    floor = g.loc[coal, "min_p_mw"] * snap.commit
    if snap.heating:
        floor = floor.clip(lower=cap * g.loc[coal, "chp_min_share"])
    residual = demand - fixed
    head = cap - floor
    x = min(max((residual - floor.sum()) / head.sum(), 0.0), 1.0)
    g.loc[coal, "p_mw"] = (floor + x * head).round(1)
    surplus = floor.sum() - residual
    ext_pl = [n for n in g.index if n == "ext_gansu_pingliang"]
    g.loc[fuel == "ext", "p_mw"] = 0.0
    if surplus > 0 and snap.battery < 0:
        room = float(st.loc[bat, "max_p_mw"].sum()) * -snap.battery
        take = min(surplus, room)
        st.loc[bat, "p_mw"] = (st.loc[bat, "max_p_mw"] * take / max(room, 1e-9)).round(1)
        surplus -= take
    if surplus > 0 and ext_pl:
        limit = float(out.meta["sections"]["gansu"]["limit_mw"]) * GANSU_EXPORT_SHARE
        take = min(surplus, limit)
        g.loc[ext_pl, "p_mw"] = -round(take, 1)
        surplus -= take
    if surplus > 0:
        vre = fuel.isin(["wind", "solar"]) & live
        total = float(g.loc[vre, "p_mw"].sum())
        g.loc[vre, "p_mw"] = (g.loc[vre, "p_mw"] * max(1 - surplus / total, 0.0)).round(1)
    out.meta = {**out.meta, "snapshot": name}
    return out


def main(argv: list[str] | None = None) -> None:
    """Write ``ningxia_2020.toml`` and ``ningxia_2025.toml`` to ``--out``."""
    from gridsim.network.io_native import write_native

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="networks", help="output directory")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for year in YEARS:
        net = build_ningxia(year)
        net.validate()
        write_native(net, out / f"ningxia_{year}.toml")
        print(f"wrote {out / f'ningxia_{year}.toml'}: {net!r}")


if __name__ == "__main__":  # pragma: no cover
    main()
