"""DC time series: gridsim ``run_timeseries(algorithm="dc")`` vs lightsim2grid ``TimeSeriesCPP`` (DC).

Same synthetic year as the AC benchmark (``_common.make_profiles``) on case2869pegase:

- lightsim2grid ``TimeSeriesCPP`` with ``AlgorithmType.DC_KLU``: a new object,
  ``modify_load_p/q``, ``modify_gen_p``, ``compute``, ``compute_power_flows`` (MW at side
  1), ``compute_flows`` (current at side 1) and ``get_voltages``, all inside the timer;
- gridsim ``run_timeseries(..., algorithm="dc")``: compile, one factorisation, all
  snapshots as one matrix right-hand side, flows at both ends and loading; from a
  ``Network`` converted once and input DataFrames built once (untimed).

Target: gridsim time <= 1.0x lightsim2grid's. ``--profile`` only runs cProfile on gridsim.
"""

from __future__ import annotations

import numpy as np
from _common import (
    RATIO_HEADERS,
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


def run_lightsim_dc(grid, v0, prof, gen_p_ls) -> dict:
    from lightsim2grid.algorithm import AlgorithmType
    from lightsim2grid.timeSerie import TimeSeriesCPP

    ts = TimeSeriesCPP(grid)
    ts.change_algorithm(AlgorithmType.DC_KLU)
    ts.modify_load_p(prof.load_p)
    ts.modify_load_q(prof.load_q)
    ts.modify_gen_p(gen_p_ls)
    ts.compute(v0.copy(), 10, 1e-8)
    p = ts.compute_power_flows()
    amps = ts.compute_flows()
    return {
        "v": ts.get_voltages(),
        "p": p,
        "amps": amps,
        "converged": int(ts.nb_converged()),
        "algo": str(ts.get_algo_type()),
    }


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--profile", action="store_true", help="only cProfile gridsim's run")
    args = p.parse_args()
    name = "case2869pegase"
    n_t, repeats = (500, 2) if args.quick else (8760, 5)
    header(f"DC time series, {name}, {n_t} snapshots", args)
    from gridsim.network.io_pandapower import from_pandapower
    from gridsim.studies.timeseries import run_timeseries

    ppn = pp_case(name)
    net = from_pandapower(ppn)
    prof = make_profiles(ppn, n_t)
    inputs = gridsim_inputs(net, ppn, prof)
    grid = lightsim_grid(ppn)
    v0 = lightsim_v0(ppn)
    gen_p_ls = lightsim_gen_p(grid, ppn, prof.gen_p)
    if args.profile:
        run_timeseries(net, inputs, algorithm="dc")  # warm-up
        profile_call(
            f"gridsim run_timeseries (DC), {name}, {n_t} snapshots",
            lambda: run_timeseries(net, inputs, algorithm="dc"),
        )
        return
    # short untimed warm-ups instead of a full warm-up year
    short = prof.head(48)
    run_lightsim_dc(grid, v0, short, lightsim_gen_p(grid, ppn, short.gen_p))
    run_timeseries(net, gridsim_inputs(net, ppn, short), algorithm="dc")
    mem = {"ls": 0.0, "gs": 0.0}

    def ls_call():
        m, out = peak_extra_mib(lambda: run_lightsim_dc(grid, v0, prof, gen_p_ls))
        mem["ls"] = max(mem["ls"], m)
        return out

    def gs_call():
        m, out = peak_extra_mib(lambda: run_timeseries(net, inputs, algorithm="dc"))
        mem["gs"] = max(mem["gs"], m)
        return out

    t_ls = time_it("lightsim2grid TimeSeriesCPP", ls_call, repeats, warmup=0, note="DC_KLU")
    t_gs = time_it("gridsim run_timeseries", gs_call, repeats, warmup=0, note="dc")
    rows = ratio_rows(f"{name}, {n_t} snapshots", [t_ls, t_gs], t_gs.label, per=n_t)
    print("## Timings (per item = per snapshot; gridsim/tool < 1: gridsim faster)")
    print()
    print(markdown_table(RATIO_HEADERS, rows))
    print()
    ls, gs = t_ls.value, t_gs.value
    # angles relative to the slack's, both tools keep pandapower's bus order here
    dth = float(np.nanmax(np.abs(gs.va_degree - np.angle(ls["v"], deg=True))))
    dp = float(np.nanmax(np.abs(gs.p_from_mw - ls["p"])))
    ratio = t_gs.median / t_ls.median
    check = [
        ["lightsim2grid algorithm", ls["algo"]],
        ["gridsim converged", f"{int(gs.converged.sum())}/{n_t}"],
        ["lightsim2grid converged", f"{ls['converged']}/{n_t}"],
        ["max abs dVa gridsim-lightsim2grid (deg)", dth],
        ["max abs dP_from gridsim-lightsim2grid (MW)", dp],
        ["gridsim peak extra memory (MiB)", mem["gs"]],
        ["lightsim2grid peak extra memory (MiB)", mem["ls"]],
        [
            "target gridsim/lightsim2grid <= 1.0",
            f"{ratio:.2f}x " + ("met" if ratio <= 1.0 else "NOT met"),
        ],
    ]
    print("## Agreement, memory and target")
    print()
    print(markdown_table(["quantity", "value"], check))


if __name__ == "__main__":
    main()
