"""The AC check of a dispatch: every dispatched hour solved as an AC power flow.

>>> chk = run_ac_check(net, dispatch_frames(result), settings)   # doctest: +SKIP
>>> chk.summary["voltage"]["hours"], chk.violations.head()        # doctest: +SKIP

From a results folder: :func:`gridsim.studies.ac_check_runs.ac_check_run`.

The hours become bus injections (:mod:`gridsim.studies.ac_check_inputs`), one AC time
series solves them all (:func:`~gridsim.studies.timeseries.run_timeseries`; with units
decommitted or reactive limits enforced,
:func:`~gridsim.studies.ac_check_control.solve_controlled`) and
:mod:`gridsim.studies.ac_check_tables` turns the solution into what is reported:
bus voltages outside their band, branches above their rating, AC losses against the
dispatch's loss assumption, generators' reactive power and reserve, and the hours
that do not converge with their diagnosis.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import pandas as pd

from gridsim.network.network import Network
from gridsim.powerflow.compile import compile_network
from gridsim.studies.ac_check_control import online_share, regulating, solve_controlled
from gridsim.studies.ac_check_inputs import (
    AcCheckSettings,
    Frames,
    ac_inputs,
    ac_network,
    bus_shape_mw,
)
from gridsim.studies.ac_check_tables import AcCheckResult, analyse
from gridsim.studies.timeseries import run_timeseries

if TYPE_CHECKING:
    from gridsim.scenario import Scenario

log = logging.getLogger(__name__)


def run_ac_check(
    net: Network,
    frames: Frames,
    settings: AcCheckSettings | None = None,
    profile_load_mw: pd.DataFrame | None = None,
    source: str | None = None,
) -> AcCheckResult:
    """Solve every hour of the dispatch ``frames`` on ``net`` (the network the dispatch
    ran on, with the scenario's changes) and report it.

    ``profile_load_mw``: the profile set's hourly demand per zone or load over the same
    hours (splits each dispatch node's demand over its buses; None: by the loads'
    ``p_mw``). Bad input raises :class:`~gridsim.errors.InputError`; hours that do not
    converge are reported in ``failed``, never raised.
    """
    s = settings or AcCheckSettings()
    s.check(source)
    tic = time.perf_counter()
    net_ac = ac_network(net)
    load = frames("load_mw")
    index = load.index if load is not None else pd.Index([])
    shape = bus_shape_mw(net, profile_load_mw, index)
    inputs = ac_inputs(net_ac, frames, s, shape)
    t_inputs = time.perf_counter() - tic
    tic = time.perf_counter()
    c = compile_network(net_ac)
    max_p = net_ac.gen["max_p_mw"].reindex(c.gen_names).to_numpy(float)
    online = online_share(frames, c, max_p, len(index))
    control = None
    if s.enforce_q_limits or (online[:, regulating(c)] <= 0).any():
        ts, control = solve_controlled(net_ac, inputs, online, enforce_q_limits=s.enforce_q_limits, engine=s.engine, compiled=c)  # fmt: skip
    else:  # every unit regulates all year: one Jacobian pattern for every hour
        ts = run_timeseries(net_ac, inputs, algorithm="ac", engine=s.engine, keep_injections=True, compiled=c)  # fmt: skip
    t_solve = time.perf_counter() - tic
    tic = time.perf_counter()
    out = analyse(net_ac, inputs, ts, frames, s, online, control)
    ts.s_bus_pu = None  # (n, T): only the analysis needs them
    timings = {"inputs": t_inputs, "solve": t_solve, "analyse": time.perf_counter() - tic}
    out.summary["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    out.timings_s = timings
    out.series = ts
    log.info("AC check: %d hours solved in %.2f s, %d not converged", len(index), t_solve, ts.n_failed)  # fmt: skip
    return out


def settings_of(sc: Scenario) -> AcCheckSettings:
    """The scenario's ``[ac_check]`` table as :class:`AcCheckSettings`."""
    a = sc.ac_check
    return AcCheckSettings(
        load_power_factor=a.load_power_factor,
        converter_q_share=a.converter_q_share,
        filter_q_share=a.filter_q_share,
        vm_min_pu=a.vm_min_pu,
        vm_max_pu=a.vm_max_pu,
        max_loading_percent=a.max_loading_percent,
        engine=a.engine,
        enforce_q_limits=a.enforce_q_limits,
    )


def ac_kpis(summary: dict[str, Any]) -> dict[str, Any]:
    """The AC check's key figures for a run's ``summary.json`` (``ac_check`` KPI), from
    its ``summary``: hours solved and not converged, bus-hours and hours with a voltage
    outside limits and the voltage range (pu), branch-hours and hours above rating and
    the largest loading (%), the least reactive reserve of committed units (Mvar) and
    unit-hours beyond a reactive limit, AC losses (MWh and share of load)."""
    v, o, r, loss = summary["voltage"], summary["overload"], summary["reactive"], summary["losses"]  # fmt: skip
    return {
        "hours": summary["hours"],
        "failed_hours": summary["failed_hours"],
        "voltage_bus_hours": v["pairs"],
        "voltage_hours": v["hours"],
        "vm_min_pu": v["min_pu"],
        "vm_max_pu": v["max_pu"],
        "overload_branch_hours": o["pairs"],
        "overload_hours": o["hours"],
        "max_loading_percent": o["max_loading_percent"],
        "q_reserve_up_min_mvar": r["min_reserve_up_mvar"],
        "q_limit_unit_hours": r["pairs"],
        "ac_loss_mwh": loss["ac_mwh"],
        "ac_loss_share_of_load": loss["ac_share_of_load"],
    }


def aligned_profile_load(load_mw: pd.DataFrame, index: pd.Index) -> pd.DataFrame | None:
    """The profile demand on the dispatch's hours (None when they differ)."""
    idx = pd.DatetimeIndex(load_mw.index)
    want = pd.DatetimeIndex(index)
    if idx.tz is None and want.tz is not None:
        idx = idx.tz_localize(want.tz)
    if len(idx) == len(want) and (idx == want).all():
        return load_mw
    df = load_mw.set_axis(idx)
    if not want.isin(idx).all():
        log.warning("profile demand does not cover the dispatch's hours: nodes split by the loads' p_mw")  # fmt: skip
        return None
    return df.loc[want]


__all__ = [
    "AcCheckResult",
    "AcCheckSettings",
    "ac_kpis",
    "aligned_profile_load",
    "run_ac_check",
    "settings_of",
]
