"""AC time series: gridsim ``run_timeseries`` vs lightsim2grid ``TimeSeriesCPP`` and pandapower.

Every tool solves the same synthetic year (``_common.make_profiles``: load P and Q at a
constant power factor, 0.7-1.2 of base; pandapower ``gen`` set-points follow the total
load) to a largest mismatch of 1e-8 pu, and returns voltages and branch flows:

- lightsim2grid ``TimeSeriesCPP`` (KLU Newton-Raphson, each snapshot warm-started from the
  previous one): a new object, ``modify_load_p/q``, ``modify_gen_p``, ``compute``, then
  ``compute_flows`` (current at side 1) and ``compute_branch_results`` (P, Q at both ends)
  and ``get_voltages`` -- all inside the timer;
- pandapower ``timeseries.run_timeseries`` with ``ConstControl`` + ``DFData`` and an
  in-memory ``OutputWriter`` (bus vm/va, line and trafo P/Q at both ends and loading),
  ``numba=True`` and otherwise pandapower's defaults (``lightsim2grid="auto"``, which
  hands each snapshot's Newton iterations to lightsim2grid when it is installed): run on
  a subset of snapshots and extrapolated linearly to the full year;
- gridsim ``run_timeseries(..., algorithm="ac", tol_mva=1e-6)`` (compile, base case, then
  the default ``engine="numba"``: compiled Newton-Raphson per snapshot in blocks of 64,
  each snapshot warm-started from the previous one and reusing its LU factors while the
  mismatch falls tenfold per step; voltages, P and Q at both ends, currents and loading
  written by a compiled kernel), from a ``Network`` converted once and input DataFrames
  built once (both untimed, as lightsim2grid's inputs are). gridsim's mismatch
  tolerance ``tol_mva=1e-6`` on ``sn_mva=100`` is the same 1e-8 pu.

case2869pegase is run on fewer snapshots (default 2000) to keep the script to a few
minutes. Each tool gets an untimed 48-snapshot warm-up (gridsim's numba kernels compile
on first use). The peak extra resident memory of each tool's run is measured in-process by
resetting the kernel's high-water mark (``/proc/self/clear_refs``) before the run.

``--profile`` instead runs cProfile on gridsim's run (``--profile-case``, default case118,
``--profile-snapshots``, default 8760) and prints the top functions.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from _common import (
    RATIO_HEADERS,
    Profiles,
    Timing,
    gridsim_inputs,
    header,
    lightsim_gen_p,
    lightsim_grid,
    lightsim_v0,
    make_profiles,
    markdown_table,
    parser,
    peak_extra_mib,
    pp_case,
    profile_call,
    ratio_rows,
    time_it,
)

TOL_PU = 1e-8


# ------------------------------------------------------------------ the tools
def run_lightsim(grid, v0: np.ndarray, prof: Profiles, gen_p_ls: np.ndarray) -> dict:
    from lightsim2grid.timeSerie import TimeSeriesCPP

    ts = TimeSeriesCPP(grid)
    ts.modify_load_p(prof.load_p)
    ts.modify_load_q(prof.load_q)
    ts.modify_gen_p(gen_p_ls)
    ts.compute(v0.copy(), 30, TOL_PU)
    amps = ts.compute_flows()
    branch = ts.compute_branch_results()
    v = ts.get_voltages()
    return {
        "v": v,
        "amps": amps,
        "branch": branch,
        "converged": int(ts.nb_converged()),
        "iterations": float(np.mean(ts.get_row_nb_iter())),
        "solver_time": ts.solver_time(),
        "total_time": ts.total_time(),
    }


def run_gridsim(net, inputs: dict[str, pd.DataFrame]):
    from gridsim.studies.timeseries import run_timeseries

    return run_timeseries(net, inputs, algorithm="ac", tol_mva=1e-6)


def pandapower_setup(ppn, prof: Profiles, n_sub: int):
    """A fresh copy of ``ppn`` with ConstControls on the first ``n_sub`` snapshots."""
    from pandapower.control import ConstControl
    from pandapower.timeseries import DFData, OutputWriter

    net = copy.deepcopy(ppn)
    nl, ng = len(net.load), len(net.gen)
    cols = [f"p{i}" for i in range(nl)] + [f"q{i}" for i in range(nl)]
    cols += [f"g{i}" for i in range(ng)]
    data = np.hstack([prof.load_p[:n_sub], prof.load_q[:n_sub], prof.gen_p[:n_sub]])
    ds = DFData(pd.DataFrame(data, columns=cols))
    ConstControl(net, "load", "p_mw", net.load.index, data_source=ds, profile_name=cols[:nl])
    ConstControl(
        net, "load", "q_mvar", net.load.index, data_source=ds, profile_name=cols[nl : 2 * nl]
    )
    ConstControl(net, "gen", "p_mw", net.gen.index, data_source=ds, profile_name=cols[2 * nl :])
    ow = OutputWriter(net, time_steps=range(n_sub), output_path=None)
    ow.log_variable("res_bus", "vm_pu")
    ow.log_variable("res_bus", "va_degree")
    for col in ("p_from_mw", "q_from_mvar", "p_to_mw", "q_to_mvar", "loading_percent"):
        ow.log_variable("res_line", col)
    for col in ("p_hv_mw", "q_hv_mvar", "p_lv_mw", "q_lv_mvar", "loading_percent"):
        ow.log_variable("res_trafo", col)
    return net, ow


def run_pandapower(net_ow, n_sub: int):
    from pandapower.timeseries import run_timeseries as pp_run_timeseries

    net, ow = net_ow
    pp_run_timeseries(net, time_steps=range(n_sub), verbose=False, numba=True)
    return ow


# ------------------------------------------------------------------ one case
def bench_case(
    name: str, n_t: int, repeats: int, n_pp: int, pp_repeats: int
) -> tuple[list[list], dict]:
    from gridsim.network.io_pandapower import from_pandapower

    ppn = pp_case(name)
    net = from_pandapower(ppn)
    prof = make_profiles(ppn, n_t)
    inputs = gridsim_inputs(net, ppn, prof)
    grid = lightsim_grid(ppn)
    v0 = lightsim_v0(ppn)
    gen_p_ls = lightsim_gen_p(grid, ppn, prof.gen_p)

    # short untimed warm-ups (gridsim's numba kernels compile on first use)
    short = prof.head(48)
    run_lightsim(grid, v0, short, lightsim_gen_p(grid, ppn, short.gen_p))
    run_gridsim(net, gridsim_inputs(net, ppn, short))
    mem: dict[str, float] = {"lightsim2grid": 0.0, "gridsim": 0.0}

    def ls_call():
        m, out = peak_extra_mib(lambda: run_lightsim(grid, v0, prof, gen_p_ls))
        mem["lightsim2grid"] = max(mem["lightsim2grid"], m)
        return out

    def gs_call():
        m, out = peak_extra_mib(lambda: run_gridsim(net, inputs))
        mem["gridsim"] = max(mem["gridsim"], m)
        return out

    t_ls = time_it("lightsim2grid TimeSeriesCPP", ls_call, repeats, warmup=0, note="NR_KLU")
    t_gs = time_it("gridsim run_timeseries", gs_call, repeats, warmup=0)
    timings: list[Timing] = [t_ls]
    if n_pp:
        import pandapower as pp

        pp.runpp(copy.deepcopy(ppn), numba=True)  # numba compilation, not part of the timing
        t_pp = time_it(
            "pandapower run_timeseries",
            lambda s: run_pandapower(s, n_pp),
            pp_repeats,
            warmup=0,
            setup=lambda: pandapower_setup(ppn, prof, n_pp),
        )
        scale = n_t / n_pp
        t_pp_full = Timing(
            "pandapower run_timeseries",
            [x * scale for x in t_pp.times],
            note=f"{n_pp} snapshots timed, x{scale:.1f} extrapolated",
        )
        timings.append(t_pp_full)
    timings.append(t_gs)
    rows = ratio_rows(f"{name}, {n_t} snapshots", timings, "gridsim run_timeseries", per=n_t)

    ls, gs = t_ls.value, t_gs.value
    v_gs = gs.vm_pu * np.exp(1j * np.deg2rad(gs.va_degree))
    # lightsim2grid's grid model and gridsim keep pandapower's bus order for these cases
    dv = float(np.nanmax(np.abs(v_gs - ls["v"])))
    br = ls["branch"]
    dp = float(np.nanmax(np.abs(gs.p_from_mw - br[:, :, 0])))
    dq = float(np.nanmax(np.abs(gs.q_to_mvar - br[:, :, 3])))
    check = {
        "case": name,
        "snapshots": n_t,
        "gridsim converged": f"{int(gs.converged.sum())}/{n_t}",
        "lightsim2grid converged": f"{ls['converged']}/{n_t}",
        "gridsim mean iterations": float(gs.iterations.mean()),
        "lightsim2grid mean iterations": ls["iterations"],
        "max abs dV (pu)": dv,
        "max abs dP_from (MW)": dp,
        "max abs dQ_to (Mvar)": dq,
        "gridsim peak extra memory (MiB)": mem["gridsim"],
        "lightsim2grid peak extra memory (MiB)": mem["lightsim2grid"],
        "memory gridsim/lightsim2grid": mem["gridsim"] / mem["lightsim2grid"]
        if mem["lightsim2grid"] > 0
        else float("nan"),
        "lightsim2grid solver/total time (s)": f"{ls['solver_time']:.3g}/{ls['total_time']:.3g}",
    }
    return rows, check


def profile(n_t: int, name: str = "case118", top: int = 30) -> None:
    from gridsim.network.io_pandapower import from_pandapower

    ppn = pp_case(name)
    net = from_pandapower(ppn)
    inputs = gridsim_inputs(net, ppn, make_profiles(ppn, n_t))
    run_gridsim(net, inputs)  # warm-up (numba compilation, caches)
    res = profile_call(
        f"gridsim run_timeseries (AC), {name}, {n_t} snapshots",
        lambda: run_gridsim(net, inputs),
        top,
    )
    print()
    print(
        f"converged {int(res.converged.sum())}/{n_t}; mean iterations {res.iterations.mean():.2f}"
    )


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--profile", action="store_true", help="only cProfile gridsim's run")
    p.add_argument("--profile-case", default="case118", help="case for --profile")
    p.add_argument("--profile-snapshots", type=int, default=8760, help="snapshots for --profile")
    p.add_argument(
        "--snapshots-2869",
        type=int,
        default=2000,
        help="snapshots of the case2869pegase run (default 2000; 8760 takes minutes per tool)",
    )
    args = p.parse_args()
    header("AC time series (voltages and branch flows, 1e-8 pu)", args)
    if args.profile:
        profile(500 if args.quick else args.profile_snapshots, args.profile_case)
        return
    if args.quick:
        plan = [("case118", 500, 2, 10, 1), ("case2869pegase", 100, 1, 0, 0)]
    else:
        plan = [("case118", 8760, 5, 200, 3), ("case2869pegase", args.snapshots_2869, 3, 0, 0)]
    rows, checks = [], []
    for name, n_t, reps, n_pp, pp_reps in plan:
        r, c = bench_case(name, n_t, reps, n_pp, pp_reps)
        rows += r
        checks.append(c)
    print("## Timings (per item = per snapshot; gridsim/tool < 1: gridsim faster)")
    print()
    print(markdown_table(RATIO_HEADERS, rows))
    print()
    print(
        "pandapower is timed on a subset of snapshots (see the tool column) and its times "
        "are extrapolated linearly to the full count."
    )
    print()
    print("## Agreement (gridsim vs lightsim2grid, all snapshots) and memory")
    print()
    keys = list(checks[0])[1:]
    print(
        markdown_table(
            ["quantity", *[c["case"] for c in checks]], [[k, *[c[k] for c in checks]] for k in keys]
        )
    )


if __name__ == "__main__":
    main()
