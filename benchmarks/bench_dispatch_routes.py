"""Timing of the dispatch LP: direct sparse build vs a linopy prototype vs PyPSA.

``python benchmarks/bench_dispatch_routes.py --case toy --hours 336`` prints build, solve and
end-to-end seconds (process CPU time, which is what a shared machine can compare)
and the ratios. ``--case ningxia`` uses the Ningxia 2025 network and profiles.

The linopy prototype (:func:`linopy_prototype`) writes the same copper-plate
families as :mod:`gridsim.dispatch.constraints` (balance, commitment, start-up,
ramps without commitment state, CHP floor, storage, unserved energy, DC links)
with linopy and solves through its direct highspy interface; it exists to
measure the modelling layer and checks that its optimum equals ours.
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from gridsim.dispatch.model import SolverOptions, formulate, solve_lp
from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.rolling import DispatchOptions, solve_dispatch


def _cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(CPU seconds, wall seconds, result) of ``fn()``."""
    c, w = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c, time.perf_counter() - w, out


def linopy_prototype(p: DispatchProblem) -> tuple[float, float, float]:
    """Build the copper-plate LP with linopy, solve with HiGHS: (build_s, solve_s, objective)."""
    import linopy
    import xarray as xr

    hy = p.hydro
    if (
        p.network != "copperplate"
        or p.curtailable.n
        or p.shiftable.n
        or np.isfinite(hy.energy_mwh).any()
    ):
        raise ValueError(
            "the prototype covers copper plate with thermal, renewables, "
            "storage, links and unserved energy only"
        )
    t0 = time.process_time()
    T = p.T
    th, rn, st, lk = p.thermal, p.renewable, p.storage, p.links
    time_ = xr.DataArray(np.arange(T), dims="t")

    def da(a: np.ndarray, dim: str) -> xr.DataArray:
        return xr.DataArray(a, dims=("t", dim))

    m = linopy.Model()
    cap = th.avail_pu * th.p_max_mw
    pt = m.add_variables(0, da(cap, "g"), name="p")
    u = m.add_variables(0, da(cap, "g"), name="u")
    su = m.add_variables(0, da(np.broadcast_to(cap.max(0), cap.shape), "g"), name="su")
    pr = m.add_variables(0, da(rn.available_mw, "r"), name="pr")
    ch = m.add_variables(0, da(np.broadcast_to(st.p_max_mw, (T, st.n)), "s"), name="ch")
    dis = m.add_variables(0, da(np.broadcast_to(st.p_max_mw, (T, st.n)), "s"), name="dis")
    soc = m.add_variables(0, da(np.broadcast_to(st.e_max_mwh, (T, st.n)), "s"), name="soc")
    ens = m.add_variables(0, da(p.nodes.load_mw, "n"), name="ens")
    pl = m.add_variables(da(lk.p_min_mw, "l"), da(lk.p_max_mw, "l"), name="pl")
    ph = m.add_variables(da(hy.p_min_mw, "h"), da(hy.p_max_mw, "h"), name="ph")
    ex = p.exchange
    imp = m.add_variables(0, da(ex.import_max_mw, "x"), name="imp")
    exp = m.add_variables(0, da(ex.export_max_mw, "x"), name="exp")
    m.add_constraints(
        pt.sum("g")
        + pr.sum("r")
        + ph.sum("h")
        + dis.sum("s")
        - ch.sum("s")
        + ens.sum("n")
        - pl.sum("l")
        + imp.sum("x")
        - exp.sum("x")
        == time_ * 0 + p.nodes.load_mw.sum(1),
        name="balance",
    )
    m.add_constraints(pt - xr.DataArray(th.p_min_share, dims="g") * u >= 0, name="cmin")
    m.add_constraints(pt - u <= 0, name="cmax")
    u0 = xr.DataArray(th.avail_pu[0] * th.p_max_mw, dims="g")
    first = time_ == 0
    m.add_constraints(su - u + u.shift(t=1) >= -u0 * first, name="startup")
    r = xr.DataArray(np.nan_to_num(th.ramp_pu_per_h, nan=1.0), dims="g")
    has = xr.DataArray(np.isfinite(th.ramp_pu_per_h), dims="g") & ~first
    m.add_constraints(pt - pt.shift(t=1) - u + (1 - r) * u.shift(t=1) <= 0, name="rup", mask=has)
    m.add_constraints(pt - pt.shift(t=1) + (r - 1) * u + u.shift(t=1) >= 0, name="rdn", mask=has)
    mr = da(th.must_run_mw, "g")
    m.add_constraints(pt >= mr, name="mustrun", mask=mr > 0)
    ec, ed = xr.DataArray(st.eff_charge, dims="s"), xr.DataArray(st.eff_discharge, dims="s")
    m.add_constraints(soc - soc.roll(t=1) - ec * ch + dis / ed == 0, name="soc")
    e_min = xr.DataArray(np.nan_to_num(lk.energy_min_mwh, nan=-1e30), dims="l")
    m.add_constraints(pl.sum("t") >= e_min, name="link_e")
    value = xr.DataArray(-lk.value_per_mwh * (1 - lk.loss_share), dims="l")
    m.add_objective(
        (xr.DataArray(th.cost_per_mwh, dims="g") * pt).sum()
        + (xr.DataArray(th.startup_cost_per_mw, dims="g") * su).sum()
        + (xr.DataArray(rn.cost_per_mwh, dims="r") * pr).sum()
        + (xr.DataArray(hy.cost_per_mwh, dims="h") * ph).sum()
        + (xr.DataArray(ex.import_price_per_mwh, dims="x") * imp).sum()
        - (xr.DataArray(ex.export_price_per_mwh, dims="x") * exp).sum()
        + (xr.DataArray(p.nodes.voll_per_mwh, dims="n") * ens).sum()
        + (value * pl).sum()
    )
    build = time.process_time() - t0
    t1 = time.process_time()
    m.solve("highs", io_api="direct", output_flag=False, threads=1)
    solve = time.process_time() - t1
    offset = float(np.sum(lk.value_per_mwh * lk.loss_fixed_mw) * T)
    value_ = m.objective.value
    return build, solve, (np.nan if value_ is None else float(value_)) + offset


def compare(
    p: DispatchProblem, window_h: int = 168, pypsa: bool = True, prototype: bool = True
) -> dict[str, float]:
    """CPU seconds of each route on ``p`` and the optima; prints a table."""
    out: dict[str, float] = {}
    c, _, lp = _cpu(lambda: formulate(p))
    out["gridsim_build_s"] = c
    c, _, sol = _cpu(lambda: solve_lp(lp, SolverOptions()))
    out["gridsim_solve_s"] = c
    c, _, res = _cpu(lambda: solve_dispatch(p, DispatchOptions(window_h=None)))
    out["gridsim_total_s"] = c
    out["gridsim_objective"] = sol.objective
    c, _, rol = _cpu(lambda: solve_dispatch(p, DispatchOptions(window_h=window_h)))
    out["gridsim_rolling_total_s"] = c
    out["gridsim_rolling_objective"] = rol.objective
    if prototype and p.network == "copperplate":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            b, s, obj = linopy_prototype(p)
        out.update(linopy_build_s=b, linopy_solve_s=s, linopy_total_s=b + s, linopy_objective=obj)
    if pypsa:
        from gridsim.interop.pypsa_export import optimize_pypsa

        logging.disable(logging.WARNING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c, _, (n, cond) = _cpu(lambda: optimize_pypsa(p, output_flag=False, threads=1))
        logging.disable(logging.NOTSET)
        out["pypsa_total_s"] = c
        out["pypsa_objective"] = float(n.objective)
        out["speedup_single"] = c / out["gridsim_total_s"]
        out["speedup_rolling"] = c / out["gridsim_rolling_total_s"]
    for k, v in out.items():
        print(f"{k:28s} {v:16.6g}")
    return out


def _case(name: str, hours: int, network: str) -> DispatchProblem:
    from gridsim.dispatch.build import BuildOptions, build_problem

    if name == "toy":
        from gridsim.dispatch.synthetic import toy_problem

        return toy_problem(hours, network, export_band_pu=0.2, export_value_per_mwh=300.0)
    from gridsim.cases.ningxia.network import build_ningxia
    from gridsim.profiles.generate import generate_profiles

    prof = generate_profiles(2025, 1)
    p = build_problem(build_ningxia(2025), prof, BuildOptions(network=network, export_band_pu=0.1))
    return p.time_slice(0, hours)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", default="toy", choices=["toy", "ningxia"])
    ap.add_argument("--hours", type=int, default=336)
    ap.add_argument("--network", default="copperplate")
    ap.add_argument("--window", type=int, default=168)
    ap.add_argument("--no-pypsa", action="store_true")
    a = ap.parse_args(argv)
    logging.getLogger("linopy").setLevel(logging.ERROR)
    compare(_case(a.case, a.hours, a.network), a.window, pypsa=not a.no_pypsa)


if __name__ == "__main__":  # pragma: no cover
    main()
