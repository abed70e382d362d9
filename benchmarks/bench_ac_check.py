"""AC check of a dispatch: gridsim ``run_ac_check`` vs lightsim2grid ``TimeSeriesCPP``.

Two cases, 8,760 hours each:

- **Ningxia 2025**: the hourly dispatch of a results folder (default
  ``results/ningxia_2025`` as ``gridsim run ningxia_2025`` writes it) on the scenario's
  network; loads at the scenario's power factor, DC converters as loads with their net
  reactive share (:mod:`gridsim.studies.ac_check_inputs`);
- **case2869pegase** (MATPOWER, from pandapower.networks): a synthetic year, every
  bus's load scaled by ``_common.load_factors`` (0.7-1.2 of base) and the generators by
  the total-load factor, handed to the AC check as a bus-level dispatch
  (``load_mw`` per bus, ``thermal_p_mw`` per generator).

gridsim is timed end to end: ``run_ac_check`` maps the dispatch to injections, compiles
the network, solves every hour (compiled Newton-Raphson, ``tol_mva=1e-6`` = 1e-8 pu),
then computes the violations, losses, generators' reactive power and the tables. Default
settings: units the dispatch decommits do not regulate voltage (on Ningxia their buses
are PQ in those hours, so the year is solved in groups of hours); the Ningxia case is
also timed with ``enforce_q_limits`` (PV->PQ switching at the reactive limits, the
hours over a limit solved again), which lightsim2grid's time series does not do. As
``TimeSeriesCPP`` keeps every generator regulating, the voltages are compared with the
check of the dispatch without its commitment (every unit regulating, also timed).
lightsim2grid gets the very injections gridsim solved (built once, untimed) on the
same network (``to_pandapower`` then ``init_from_pandapower``; storage as loads, which
``TimeSeriesCPP`` can vary; the DC receiving islands, empty once the converters are
loads, out of service) and is timed for ``TimeSeriesCPP``: ``modify_*``,
``compute`` to 1e-8 pu, ``compute_flows``, ``compute_branch_results``,
``get_voltages``. Each tool gets an untimed warm-up. The agreement of the voltages
is printed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from _common import (
    RATIO_HEADERS,
    Timing,
    header,
    load_factors,
    markdown_table,
    parser,
    pp_case,
    ratio_rows,
    snapshots,
    time_it,
)

ROOT = Path(__file__).resolve().parents[1]
TOL_PU = 1e-8


def lightsim_setup(net_ac, inputs: dict[str, pd.DataFrame]):
    """lightsim2grid's grid of ``net_ac`` (storage as loads) and the (T, n) arrays in its
    element order."""
    from lightsim2grid.network import init_from_pandapower

    from gridsim.network.io_pandapower_write import to_pandapower

    n = net_ac.copy()
    p_load = inputs["load.p_mw"].copy()
    q_load = inputs["load.q_mvar"].copy()
    st_p = inputs.get("storage.p_mw")
    st = n.storage[n.storage.in_service.astype(bool)]
    for name in st.index:
        n.add_load(f"{name}@storage", str(st.bus[name]), p_mw=0.0, q_mvar=0.0)
        p_load[f"{name}@storage"] = st_p[name].to_numpy() if st_p is not None and name in st_p else 0.0  # fmt: skip
        q_load[f"{name}@storage"] = 0.0
    n.storage["in_service"] = False
    ppn = to_pandapower(n)
    # the DC receiving buses, empty islands once the converters are loads: dropped
    from pandapower.toolbox import drop_buses

    sinks = set(n.dcline.to_bus.astype(str))
    drop_buses(ppn, ppn.bus.index[ppn.bus.name.astype(str).isin(sinks)])
    if "dcline" in ppn:
        ppn.dcline.drop(ppn.dcline.index, inplace=True)
    # lightsim2grid takes no parallel circuits: each branch as its one equivalent
    k = ppn.line.parallel.astype(float)
    ppn.line.r_ohm_per_km /= k
    ppn.line.x_ohm_per_km /= k
    ppn.line.c_nf_per_km *= k
    ppn.line.g_us_per_km *= k
    ppn.line.max_i_ka *= k
    ppn.line["parallel"] = 1
    k = ppn.trafo.parallel.astype(float)
    ppn.trafo.sn_mva *= k
    ppn.trafo.pfe_kw *= k
    ppn.trafo["parallel"] = 1
    grid = init_from_pandapower(ppn, pp_orig_file="pandapower_v3")
    c = np.ascontiguousarray
    loads = [str(x) for x in ppn.load.name]
    gp = inputs["gen.p_mw"]
    gens = [str(x) for x in ppn.gen.name]
    static = n.gen.p_mw
    g_arr = np.column_stack([gp[g].to_numpy() if g in gp else np.full(len(gp), static[g]) for g in gens]) if gens else np.zeros((len(gp), 0))  # fmt: skip
    ls_gens = list(grid.get_generators())
    gen_p = np.empty((len(gp), len(ls_gens)))
    gen_p[:, : len(gens)] = g_arr
    for k in range(len(gens), len(ls_gens)):
        gen_p[:, k] = ls_gens[k].target_p_mw
    sgens = [str(x) for x in ppn.sgen.name]
    sgen_p = np.column_stack([gp[g].to_numpy() if g in gp else np.full(len(gp), static[g]) for g in sgens]) if sgens else None  # fmt: skip
    v0 = np.ones(len(ppn.bus), complex)
    eg = ppn.ext_grid[ppn.ext_grid.in_service]
    pos = ppn.bus.index.get_indexer(eg.bus)
    v0[pos] = eg.vm_pu.to_numpy() * np.exp(1j * np.deg2rad(eg.va_degree.to_numpy()))
    arrays = {
        "load_p": c(p_load[loads].to_numpy(float)),
        "load_q": c(q_load[loads].to_numpy(float)),
        "gen_p": c(gen_p),
        "sgen_p": c(sgen_p) if sgen_p is not None else None,
    }
    return grid, v0, arrays, [str(x) for x in ppn.bus.name]


def run_lightsim(grid, v0: np.ndarray, a: dict) -> dict:
    from lightsim2grid.timeSerie import TimeSeriesCPP

    ts = TimeSeriesCPP(grid)
    ts.modify_load_p(a["load_p"])
    ts.modify_load_q(a["load_q"])
    ts.modify_gen_p(a["gen_p"])
    if a["sgen_p"] is not None:
        ts.modify_sgen_p(a["sgen_p"])
    ts.compute(v0.copy(), 30, TOL_PU)
    amps = ts.compute_flows()
    branch = ts.compute_branch_results()
    return {"v": ts.get_voltages(), "amps": amps, "branch": branch, "converged": int(ts.nb_converged())}  # fmt: skip


def ningxia_case(run_dir: Path):
    """Network, frames and profile demand of a Ningxia results folder."""
    from gridsim.results.store import load_run
    from gridsim.studies.ac_check import aligned_profile_load
    from gridsim.studies.ac_check_inputs import run_frames
    from gridsim.studies.ac_check_runs import scenario_of_run
    from gridsim.studies.balance import prepare_network, prepare_profiles

    sc = scenario_of_run(run_dir)
    net = prepare_network(sc)
    prof, _ = prepare_profiles(sc, net=net)
    run = load_run(run_dir)
    frames = run_frames(run)
    for name in run.frames():  # read once, untimed (the files are not the check)
        frames(name)
    return net, frames, aligned_profile_load(prof.load_mw, run.snapshots)


def matpower_case(name: str, n_t: int):
    """A pandapower case as a bus-level dispatch: load per bus scaled by the synthetic
    factors, generators by the total-load factor."""
    from gridsim.network.io_pandapower import from_pandapower

    ppn = pp_case(name)
    net = from_pandapower(ppn)
    idx = snapshots(n_t)
    ld = net.load[net.load.in_service.astype(bool)]
    by_bus = ld.groupby("bus")["p_mw"].sum()
    f = load_factors(n_t, len(by_bus))
    load = pd.DataFrame(by_bus.to_numpy()[None, :] * f, index=idx, columns=by_bus.index.astype(str))  # fmt: skip
    total = load.sum(axis=1).to_numpy() / max(by_bus.sum(), 1e-9)
    g = net.gen[net.gen.in_service.astype(bool) & ~net.gen.slack.astype(bool)]
    gen = pd.DataFrame(g.p_mw.to_numpy()[None, :] * total[:, None], index=idx, columns=g.index)
    pf = float(np.clip(ld.p_mw.sum() / np.hypot(ld.p_mw.sum(), ld.q_mvar.sum()), 0.5, 1.0))
    frames = {"load_mw": load, "thermal_p_mw": gen}
    return net, frames.get, None, pf


def bench(label: str, net, frames, prof_load, settings, repeats: int, enforced=None) -> tuple[list, dict]:  # fmt: skip
    from gridsim.studies.ac_check import run_ac_check
    from gridsim.studies.ac_check_inputs import ac_inputs, ac_network, bus_shape_mw

    load = frames("load_mw")
    n_t = len(load)
    net_ac = ac_network(net)
    inputs = ac_inputs(net_ac, frames, settings, bus_shape_mw(net, prof_load, load.index))
    grid, v0, arrays, ls_buses = lightsim_setup(net_ac, inputs)
    short = {k: (v[:48] if v is not None else None) for k, v in arrays.items()}
    run_lightsim(grid, v0, {k: (np.ascontiguousarray(v) if v is not None else None) for k, v in short.items()})  # fmt: skip
    head = {}

    def fr48(name: str):
        df = frames(name)
        return None if df is None else df.iloc[:48]

    head["check"] = run_ac_check(net, fr48, settings, prof_load.iloc[:48] if prof_load is not None else None)  # fmt: skip
    t_ls = time_it("lightsim2grid TimeSeriesCPP", lambda: run_lightsim(grid, v0, arrays), repeats, warmup=0, note="NR_KLU")  # fmt: skip
    t_gs = time_it("gridsim run_ac_check", lambda: run_ac_check(net, frames, settings, prof_load), repeats, warmup=0)  # fmt: skip
    solve = Timing("gridsim AC solve only", [t_gs.value.timings_s["solve"]], note="inside run_ac_check, last repeat")  # fmt: skip
    timings = [t_ls, solve, t_gs]

    def all_regulating(name: str):  # no commitment: every unit regulates, as in lightsim2grid
        return None if name == "thermal_u_mw" else frames(name)

    t_all = time_it("gridsim run_ac_check, every unit regulating", lambda: run_ac_check(net, all_regulating, settings, prof_load), repeats, warmup=1)  # fmt: skip
    timings.append(t_all)
    if enforced is not None:  # the same check with the reactive limits enforced (PV->PQ)
        timings.append(time_it("gridsim run_ac_check, enforce_q_limits", lambda: run_ac_check(net, frames, enforced, prof_load), repeats, warmup=1))  # fmt: skip
    rows = ratio_rows(f"{label}, {n_t} h", timings, "gridsim run_ac_check", per=n_t)
    chk, ls = t_gs.value, t_ls.value
    vm_gs = t_all.value.vm_pu.reindex(columns=ls_buses).to_numpy()  # the same model
    vm_ls = np.abs(ls["v"])
    live = np.isfinite(vm_gs) & (vm_ls > 0)
    dv = float(np.max(np.abs(vm_gs - vm_ls)[live])) if live.any() else float("nan")
    info = {
        "case": label,
        "hours": n_t,
        "gridsim converged": f"{chk.summary['converged_hours']}/{n_t}",
        "lightsim2grid converged": f"{ls['converged']}/{n_t}",
        "max abs dVm (pu), every unit regulating": dv,
        "gridsim median (s)": t_gs.median,
        "lightsim2grid median (s)": t_ls.median,
        "ratio gridsim/lightsim2grid": t_gs.median / t_ls.median,
    }
    return rows, info


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--run", default=str(ROOT / "results" / "ningxia_2025"), help="Ningxia results folder (default results/ningxia_2025)")  # fmt: skip
    p.add_argument("--case", default="case2869pegase", help="pandapower case (default case2869pegase; none: Ningxia only)")  # fmt: skip
    p.add_argument("--hours", type=int, default=8760, help="hours of the large case (default 8760)")  # fmt: skip
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    header("AC check of every dispatched hour (gridsim run_ac_check vs lightsim2grid TimeSeriesCPP)", args)  # fmt: skip
    from gridsim.studies.ac_check_inputs import AcCheckSettings

    os.chdir(ROOT)
    rows, infos = [], []
    reps = 1 if args.quick else args.repeats
    if Path(args.run).is_dir():
        net, frames, prof = ningxia_case(Path(args.run))
        if args.quick:
            full = frames

            def frames(name, _f=full):  # type: ignore[no-redef]
                df = _f(name)
                return None if df is None else df.iloc[:500]

            prof = prof.iloc[:500] if prof is not None else None
        r, i = bench("Ningxia 2025", net, frames, prof, AcCheckSettings(), reps, AcCheckSettings(enforce_q_limits=True))  # fmt: skip
        rows += r
        infos.append(i)
    else:
        print(f"{args.run}: no results folder, Ningxia case skipped (run `gridsim run ningxia_2025`)", file=sys.stderr)  # fmt: skip
    if args.case != "none":
        n_t = 200 if args.quick else args.hours
        net, frames, prof, pf = matpower_case(args.case, n_t)
        r, i = bench(args.case, net, frames, prof, AcCheckSettings(load_power_factor=pf), reps)
        rows += r
        infos.append(i)
    print("## Timings (per item = per hour; gridsim/tool < 1: gridsim faster)")
    print()
    print(markdown_table(RATIO_HEADERS, rows))
    print()
    print("## Agreement and ratio")
    print()
    keys = list(infos[0])[1:]
    print(markdown_table(["case", *keys], [[i["case"], *[i[k] for k in keys]] for i in infos]))


if __name__ == "__main__":
    main()
