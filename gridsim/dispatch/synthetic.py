"""Small synthetic systems for tests, benchmarks and examples (not Ningxia data).

:func:`toy_network` and :func:`toy_profiles` give a Network and a duck-typed
profile set with smooth, seeded daily shapes; :func:`toy_problem` maps them to a
:class:`~gridsim.dispatch.problem.DispatchProblem`. Sizes are free, so the same
system serves a 168-hour unit test and a multi-month benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gridsim.dispatch.build import BuildOptions, build_problem
from gridsim.dispatch.problem import DispatchProblem
from gridsim.network.network import Network


@dataclass
class Profiles:
    """A minimal profile set (the attributes gridsim.profiles.ProfileSet will have)."""

    snapshots: pd.DatetimeIndex
    wind_cf: pd.DataFrame
    solar_cf: pd.DataFrame
    load_mw: pd.DataFrame
    heating: pd.DataFrame
    export_pu: pd.DataFrame


def toy_network(
    n_zones: int = 4,
    units_per_zone: int = 3,
    scale_mw: float = 1000.0,
    with_export: bool = True,
    with_storage: bool = True,
) -> Network:
    """A ring of ``n_zones`` zones, one 750 kV bus each, with coal (one CHP per zone),
    wind, solar, a battery, a pumped-hydro unit in zone 0 and DC exports from zone 0."""
    net = Network(name=f"toy-{n_zones}z")
    zones = [f"z{k}" for k in range(n_zones)]
    for k, z in enumerate(zones):
        net.add_bus(f"b{k}", vn_kv=750.0, zone=z)
    for k in range(n_zones if n_zones > 2 else n_zones - 1):
        a, b = k, (k + 1) % n_zones
        net.add_line(
            f"l{a}{b}",
            f"b{a}",
            f"b{b}",
            r_ohm_per_km=0.013,
            x_ohm_per_km=0.27,
            length_km=100.0 + 20 * k,
            max_i_ka=0.6 * scale_mw / 1000.0 / (1 + k % 2),
        )
    rng = np.random.default_rng(7)
    for k, z in enumerate(zones):
        for u in range(units_per_zone):
            cap = scale_mw * (0.5 + 0.3 * u)
            net.add_gen(
                f"coal_{z}_{u}",
                f"b{k}",
                fuel="coal",
                max_p_mw=cap,
                min_p_mw=0.4 * cap,
                ramp_pu_per_h=0.5,
                cost_per_mwh=float(250 + 30 * u + rng.uniform(0, 20)),
                startup_cost_per_mw=float(80 + 10 * u),
                coal_gce_per_kwh=300.0,
                co2_t_per_mwh=0.85,
                chp=(u == 0),
                chp_min_share=0.5 if u == 0 else 0.0,
            )
        net.add_gen(f"wind_{z}", f"b{k}", fuel="wind", max_p_mw=scale_mw * (0.8 + 0.2 * k))
        net.add_gen(f"solar_{z}", f"b{k}", fuel="solar", max_p_mw=scale_mw * (1.0 + 0.3 * k))
        net.add_load(f"load_{z}", f"b{k}", p_mw=scale_mw)
        if with_storage:
            net.add_storage(
                f"bess_{z}",
                f"b{k}",
                max_p_mw=0.2 * scale_mw,
                max_e_mwh=0.4 * scale_mw,
                soc_init=0.5,
            )
    if with_storage:
        net.add_storage(
            "phs_z0",
            "b0",
            max_p_mw=0.5 * scale_mw,
            max_e_mwh=3 * scale_mw,
            eff_charge=0.88,
            eff_discharge=0.88,
            kind="pumped_hydro",
            soc_init=0.5,
        )
    net.add_gen("hydro_z0", "b0", fuel="hydro", max_p_mw=0.1 * scale_mw, cost_per_mwh=0.0)
    if with_export:
        net.add_bus("sink", vn_kv=800.0, zone="east")
        net.add_dcline(
            "dc_export", "b0", "sink", max_p_mw=1.5 * scale_mw, loss_percent=5.0, loss_mw=5.0
        )
    return net


def toy_profiles(
    n_zones: int = 4,
    hours: int = 168,
    start: str = "2025-01-06",
    load_mw: float = 2000.0,
    seed: int = 1,
) -> Profiles:
    """Hourly shapes: solar bell, noisy wind, evening-peaking load, winter heating."""
    snaps = pd.date_range(start, periods=hours, freq="h", tz="Asia/Shanghai", name="snapshot")
    zones = [f"z{k}" for k in range(n_zones)]
    rng = np.random.default_rng(seed)
    h = snaps.hour.to_numpy()
    doy = snaps.dayofyear.to_numpy()
    sun = np.clip(np.sin((h - 6) / 12 * np.pi), 0, None)
    solar = np.column_stack(
        [sun * (0.75 + 0.05 * k) * (0.8 + 0.2 * rng.random(hours)) for k in range(n_zones)]
    )
    walk = np.cumsum(rng.normal(0, 0.08, (hours, n_zones)), axis=0)
    wind = np.clip(0.3 + 0.2 * np.sin(walk + np.arange(n_zones)), 0.0, 1.0)
    shape = 0.9 + 0.08 * np.sin((h - 12) / 24 * 2 * np.pi) + 0.05 * ((h >= 17) & (h <= 22))
    load = np.column_stack([load_mw * shape * (0.9 + 0.05 * k) for k in range(n_zones)])
    heat = (doy >= 293) | (doy <= 100)
    return Profiles(
        snaps,
        pd.DataFrame(wind, index=snaps, columns=zones),
        pd.DataFrame(solar, index=snaps, columns=zones),
        pd.DataFrame(load, index=snaps, columns=zones),
        pd.DataFrame(np.repeat(heat[:, None], n_zones, 1), index=snaps, columns=zones),
        pd.DataFrame({"dc_export": 0.6 + 0.3 * ((h >= 17) & (h <= 22))}, index=snaps),
    )


def toy_problem(
    hours: int = 168, network: str = "copperplate", n_zones: int = 4, **options: object
) -> DispatchProblem:
    """The toy network and profiles as a dispatch problem (``options``: BuildOptions)."""
    net = toy_network(n_zones)
    prof = toy_profiles(n_zones, hours)
    opts = BuildOptions(network=network, **options)  # type: ignore[arg-type]
    return build_problem(net, prof, opts)


def daily_load_problem(
    net: Network,
    hours: int = 24,
    network: str = "ptdf",
    peak_share: float = 1.0,
    start: str = "2025-03-03",
    weekend_dip: float = 0.0,
) -> DispatchProblem:
    """A network's dispatch problem (e.g. a MATPOWER case read by gridsim: its buses,
    branch ratings and linear gencost terms) under one system load that follows a daily
    shape: ``peak_share`` times the network's total load (MW) at 13:00, 70 % of that
    overnight, times ``1 - weekend_dip`` on Saturdays and Sundays. Generators without
    a fuel are thermal clusters."""
    snaps = pd.date_range(start, periods=hours, freq="h", tz="Asia/Shanghai", name="snapshot")
    h = snaps.hour.to_numpy()
    shape = peak_share * (0.7 + 0.3 * np.clip(np.sin((h - 6) / 14 * np.pi), 0.0, None))
    shape = shape * np.where(snaps.dayofweek.to_numpy() >= 5, 1.0 - weekend_dip, 1.0)
    total_mw = float(net.load.p_mw[net.load.in_service].sum())
    empty = pd.DataFrame(index=snaps)
    load = pd.DataFrame({"system": total_mw * shape}, index=snaps)
    prof = Profiles(snaps, empty, empty, load, empty, empty)
    return build_problem(net, prof, BuildOptions(network=network))
