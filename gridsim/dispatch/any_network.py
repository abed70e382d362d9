"""Dispatch of any network gridsim reads under an hourly load profile.

A MATPOWER case (:func:`~gridsim.network.io_matpower.read_matpower`), a pandapower net
(:func:`~gridsim.network.io_pandapower.read_pandapower`) or a network from the PyPSA
importer (:func:`~gridsim.interop.pypsa_import.from_pypsa`) carries buses, branch
ratings, generator limits and costs (``cost_per_mwh``: the linear ``gencost`` term of a
MATPOWER case, the mean slope of a piecewise-linear one, pandapower's ``cp1``), and one
load per bus (``p_mw``). What it lacks for a dispatch is time: :func:`network_problem`
scales every in-service load by one per-unit profile (a user's hourly series, or
:func:`load_shape_pu`: a synthetic daily, weekly and seasonal shape) and builds the
:class:`~gridsim.dispatch.problem.DispatchProblem` (``ptdf`` by default: every bus a
node, every rated branch limited). Generators without a fuel are thermal clusters;
with :class:`~gridsim.dispatch.rolling.DispatchOptions` ``commitment="none"`` (the
default of :func:`dispatch_network`) each runs between 0 and ``max_p_mw`` at its cost.

Example::

    from gridsim.dispatch.any_network import dispatch_network
    from gridsim.network.io_matpower import read_matpower

    net = read_matpower("case2869pegase.m")
    res = dispatch_network(net, hours=168, start="2025-01-06")   # synthetic shape
    res.objective, res.frame("flow_mw")

or from the command line (a summary on stdout, no files written)::

    python -m gridsim.dispatch.any_network case2869pegase.m --hours 168 --start 2025-01-06
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np
import pandas as pd

from gridsim.dispatch.build import BuildOptions, build_problem
from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.result import DispatchResult
from gridsim.dispatch.rolling import DispatchOptions, solve_dispatch
from gridsim.dispatch.synthetic import Profiles
from gridsim.errors import InputError
from gridsim.network.io import load_network
from gridsim.network.network import Network

Arr = np.ndarray


def hourly_snapshots(start: str, hours: int, tz: str = "UTC") -> pd.DatetimeIndex:
    """``hours`` hourly snapshots from ``start`` (local time in ``tz``)."""
    if hours < 1:
        raise InputError("must be at least 1", field="hours", value=hours)
    return pd.date_range(start, periods=hours, freq="h", tz=tz, name="snapshot")


def load_shape_pu(
    snapshots: pd.DatetimeIndex,
    daily_swing: float = 0.3,
    weekend_dip: float = 0.1,
    seasonal_swing: float = 0.15,
    peak_hour: float = 18.0,
    peak_day_of_year: float = 15.0,
) -> Arr:
    """A synthetic load shape (per unit of the peak, ``(T,)``): the product of a daily
    cycle (lowest 12 h from ``peak_hour``, ``1 - daily_swing`` there), a weekend dip
    (Saturday and Sunday at ``1 - weekend_dip``) and a seasonal cycle (a cosine over the
    year, 1 on ``peak_day_of_year``, ``1 - seasonal_swing`` half a year later). Each
    factor is at most 1, so the network's loads (``p_mw``) are the peak."""
    for name, v in (("daily_swing", daily_swing), ("weekend_dip", weekend_dip), ("seasonal_swing", seasonal_swing)):  # fmt: skip
        if not 0.0 <= v < 1.0:
            raise InputError("must be in [0, 1)", field=name, value=v)
    h = snapshots.hour.to_numpy() + snapshots.minute.to_numpy() / 60.0
    doy = snapshots.dayofyear.to_numpy().astype(float)
    daily = 1.0 - daily_swing * 0.5 * (1.0 - np.cos(2.0 * np.pi * (h - peak_hour) / 24.0))
    weekly = np.where(snapshots.dayofweek.to_numpy() >= 5, 1.0 - weekend_dip, 1.0)
    season = 1.0 - seasonal_swing * 0.5 * (1.0 - np.cos(2.0 * np.pi * (doy - peak_day_of_year) / 365.25))  # fmt: skip
    out: Arr = daily * weekly * season
    return out


def _profile_pu(load_pu: Any, hours: int, start: str, tz: str) -> pd.Series:
    """The per-unit profile as a Series on tz-aware hourly snapshots."""
    if load_pu is None:
        snaps = hourly_snapshots(start, hours, tz)
        return pd.Series(load_shape_pu(snaps), index=snaps)
    if isinstance(load_pu, pd.Series):
        idx = pd.DatetimeIndex(load_pu.index)
        idx = idx.tz_localize(tz) if idx.tz is None else idx
        series = pd.Series(load_pu.to_numpy(float), index=idx.rename("snapshot"))
    else:
        values = np.asarray(load_pu, dtype=float).ravel()
        series = pd.Series(values, index=hourly_snapshots(start, len(values), tz))
    if not len(series):
        raise InputError("is empty", field="load_pu", show_value=False)
    bad = ~np.isfinite(series.to_numpy()) | (series.to_numpy() < 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"must be finite and >= 0 (hour {k}, {series.index[k]})",
            field="load_pu",
            value=float(series.iloc[k]),
        )
    if len(series) > 1 and (series.index[1:] - series.index[:-1] != pd.Timedelta(hours=1)).any():
        raise InputError("must be hourly and consecutive", field="load_pu", show_value=False)
    return series


def network_profiles(net: Network, load_pu: pd.Series) -> Profiles:
    """A profile set in which every in-service load's demand is ``p_mw x load_pu``
    (MW, its own column of ``load_mw``) and no other series exists."""
    snaps = pd.DatetimeIndex(load_pu.index, name="snapshot")
    ld = net.load[net.load.in_service]
    shape = load_pu.to_numpy(float)[:, None]
    load = pd.DataFrame(
        shape * ld.p_mw.to_numpy(float)[None, :], index=snaps, columns=ld.index.astype(str)
    )
    empty = pd.DataFrame(index=snaps)
    return Profiles(snaps, empty, empty, load, empty, empty)


def network_problem(
    net: Network,
    load_pu: pd.Series | Arr | None = None,
    *,
    hours: int = 168,
    start: str = "2025-01-06",
    tz: str = "UTC",
    network: str = "ptdf",
    **build_options: Any,
) -> DispatchProblem:
    """The dispatch problem of ``net`` with its loads scaled by ``load_pu``.

    ``load_pu``: per unit of each load's ``p_mw``, hourly; a Series on its own
    timestamps (naive ones are local time in ``tz``) or an array from ``start``; None:
    :func:`load_shape_pu` over ``hours`` from ``start``. ``network``: ``ptdf`` (buses
    and PTDF branch flows), ``transport`` or ``copperplate``; ``build_options``: other
    :class:`~gridsim.dispatch.build_options.BuildOptions` fields (e.g. ``voll_per_mwh``).
    """
    prof = network_profiles(net, _profile_pu(load_pu, hours, start, tz))
    return build_problem(net, prof, BuildOptions(network=network, **build_options))


def dispatch_network(
    net: Network,
    load_pu: pd.Series | Arr | None = None,
    *,
    hours: int = 168,
    start: str = "2025-01-06",
    tz: str = "UTC",
    network: str = "ptdf",
    options: DispatchOptions | None = None,
    **build_options: Any,
) -> DispatchResult:
    """Build (:func:`network_problem`) and solve the dispatch of ``net``: by default
    rolling 168-hour windows with 24 h of look-ahead, no commitment, lazy branch limits."""
    p = network_problem(net, load_pu, hours=hours, start=start, tz=tz, network=network, **build_options)  # fmt: skip
    return solve_dispatch(p, options or DispatchOptions(commitment="none"))


def main(argv: list[str] | None = None) -> int:
    """``python -m gridsim.dispatch.any_network NETWORK``: dispatch a network file
    (MATPOWER, pandapower JSON or gridsim's own) under the synthetic load shape and print
    the status, the cost and the branches at their rating."""
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("network", help="network file or shipped network name")
    ap.add_argument("--hours", type=int, default=168)
    ap.add_argument("--start", default="2025-01-06", help="first hour (local time in --tz)")
    ap.add_argument("--tz", default="UTC")
    ap.add_argument("--network-model", default="ptdf", choices=("ptdf", "transport", "copperplate"))  # fmt: skip
    args = ap.parse_args(argv)
    try:
        net = load_network(args.network)
        res = dispatch_network(net, hours=args.hours, start=args.start, tz=args.tz, network=args.network_model)  # fmt: skip
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    p = res.problem
    print(f"{net.name}: {p.nodes.n} nodes, {p.branches.n} branches, {p.thermal.n} thermal units, {p.T} h")  # fmt: skip
    print(f"status {res.status}; cost {res.objective:.6g}; unserved {float(np.nansum(res.arrays['unserved_mw'])) * p.dt_h:.6g} MWh")  # fmt: skip
    flow = np.abs(res.arrays["flow_mw"])
    at = (flow >= p.branches.p_max_mw * (1 - 1e-6)).sum(axis=0)
    for k in np.argsort(-at)[: min(10, int((at > 0).sum()))]:
        print(f"  {p.branches.names[k]}: at its rating {int(at[k])} of {p.T} h")
    return 0 if res.status == "optimal" else 1


if __name__ == "__main__":
    sys.exit(main())
