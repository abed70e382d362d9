"""N-1 of all branches of case118: gridsim vs lightsim2grid and pandapower.

Read the rows carefully, they do not all compute the same thing:

- lightsim2grid ``ContingencyAnalysisCPP``: a full AC Newton-Raphson per outage (KLU, one
  thread), every outage started from the base-case solution; outages that split the
  grid are skipped (lightsim2grid's default). ``compute`` + ``compute_flows`` +
  ``get_voltages`` are timed, from a grid model converted once;
- pandapower ``contingency.run_contingency``: a full ``runpp`` per outage (numba, defaults:
  ``lightsim2grid="auto"`` puts lightsim2grid's Newton inside each runpp) plus
  pandapower's min/max bookkeeping; ``run_contingency_ls2g`` (pandapower driving
  lightsim2grid's contingency class) is tried too: pandapower 3.5.6 imports
  ``lightsim2grid.gridmodel.from_pandapower``, which lightsim2grid 1.2.0 no longer has, so
  it reports itself unavailable;
- gridsim ``run_contingency``: **not** a full AC per outage. It screens every outage with
  the DC model and LODFs, then re-checks the ``n_recheck=5`` worst (outage, snapshot)
  pairs with AC Newton-Raphson. This is the study gridsim offers, and its time is shown
  against the full-AC anchors only for orientation;
- gridsim ``run_contingency_ac`` (like for like with lightsim2grid): a full AC
  Newton-Raphson per outage from the base-case solution, compiled, with one Jacobian
  structure and LU analysis for all outages (each outage subtracts its branch's stamps
  from ``Ybus`` in place) and flows/loadings of every branch; islanding outages are
  listed and skipped; from a ``Network`` (compile and base case inside the timer);
- gridsim AC per outage (the same with the general-purpose API): written here with
  gridsim's numerics (``compile_network`` once, then per outage ``assemble_ybus`` without the
  branch, ``newton_pf`` warm-started from the base case, ``branch_flows``); islanding
  outages are skipped as lightsim2grid does.

Also shown: gridsim's DC screen over a full year of snapshots (no anchor).
"""

from __future__ import annotations

import copy

import numpy as np
from _common import (
    RATIO_HEADERS,
    gridsim_inputs,
    header,
    lightsim_grid,
    lightsim_v0,
    make_profiles,
    markdown_table,
    parser,
    pp_case,
    ratio_rows,
    time_it,
)
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

TOL_PU = 1e-8


def islanding(c) -> np.ndarray:
    """(m,) True where taking the branch out splits the compiled network."""
    n, m = c.n_bus, c.n_branch
    out = np.zeros(m, bool)
    for k in range(m):
        keep = np.arange(m) != k
        g = coo_matrix((np.ones(keep.sum()), (c.f[keep], c.t[keep])), shape=(n, n))
        out[k] = connected_components(g, directed=False)[0] > 1
    return out


def gridsim_ac_per_outage(c, s_bus, v_base, yf, yt, skip: np.ndarray) -> dict:
    """Full AC Newton-Raphson for every non-islanding single-branch outage."""
    from gridsim.powerflow.flows import branch_flows
    from gridsim.powerflow.newton import newton_pf
    from gridsim.powerflow.ybus import assemble_ybus

    m = c.n_branch
    v_out = np.zeros((m, c.n_bus), complex)
    max_loading = np.full(m, np.nan)
    converged = np.zeros(m, bool)
    all_idx = np.arange(m)
    for k in all_idx[~skip]:
        keep = all_idx != k
        ybus, _, _ = assemble_ybus(
            c.n_bus,
            c.f[keep],
            c.t[keep],
            c.y_series[keep],
            c.y_shunt_from[keep],
            c.y_shunt_to[keep],
            c.tap[keep],
            c.y_bus_shunt,
        )
        st = newton_pf(ybus, s_bus, v_base, c.pv, c.pq, tol=TOL_PU)
        fl = branch_flows(c, yf, yt, st.v)
        load = fl.loading_percent
        load[k] = np.nan
        v_out[k] = st.v
        max_loading[k] = np.nanmax(load)
        converged[k] = st.converged
    return {"v": v_out, "max_loading": max_loading, "converged": converged}


def run_lightsim(grid, v_base: np.ndarray) -> dict:
    from lightsim2grid.contingencyAnalysis import ContingencyAnalysisCPP

    ca = ContingencyAnalysisCPP(grid)
    ca.add_all_n1()
    ca.compute(v_base.copy(), 30, TOL_PU)
    amps = ca.compute_flows()
    return {
        "v": ca.get_voltages(),
        "amps": amps,
        "order": [d[0] if len(d) == 1 else -1 for d in ca.my_defaults()],
        "converged": np.asarray(ca.converged_mask()),
    }


def main() -> None:
    args = parser(__doc__.splitlines()[0]).parse_args()
    repeats, pp_repeats, n_year = (2, 1, 500) if args.quick else (7, 3, 8760)
    name = "case118"
    header(f"N-1 contingency analysis, {name}, all branches, AC", args)
    import pandapower as pp
    from pandapower.contingency import run_contingency as pp_run_contingency
    from pandapower.contingency import run_contingency_ls2g

    from gridsim.network.io_pandapower import from_pandapower
    from gridsim.powerflow import compile_network
    from gridsim.powerflow.newton import newton_pf
    from gridsim.powerflow.ybus import make_ybus
    from gridsim.studies.contingency import run_contingency
    from gridsim.studies.contingency_ac import run_contingency_ac
    from gridsim.studies.powerflow import initial_voltage

    ppn = pp_case(name)
    pp.runpp(ppn, numba=True)  # numba compilation and base case, untimed
    net = from_pandapower(ppn)
    grid = lightsim_grid(ppn)
    v_ls_base = grid.ac_pf(lightsim_v0(ppn), 30, TOL_PU)

    c = compile_network(net)
    ybus, yf, yt = make_ybus(c)
    s_bus = c.s_bus_pu()
    base = newton_pf(ybus, s_bus, initial_voltage(c), c.pv, c.pq, tol=TOL_PU)
    skip = islanding(c)
    n_out = int((~skip).sum())

    t_ls = time_it(
        "lightsim2grid ContingencyAnalysisCPP",
        lambda: run_lightsim(grid, v_ls_base),
        repeats,
        note="full AC per outage",
    )
    cases = {
        "line": {"index": ppn.line.index.to_numpy()},
        "trafo": {"index": ppn.trafo.index.to_numpy()},
    }
    t_pp = time_it(
        "pandapower run_contingency",
        lambda n: pp_run_contingency(n, cases, numba=True),
        pp_repeats,
        warmup=0,
        setup=lambda: copy.deepcopy(ppn),
        note="runpp per outage",
    )
    timings = [t_ls, t_pp]
    try:
        t_pp_ls = time_it(
            "pandapower run_contingency_ls2g",
            lambda n: run_contingency_ls2g(n, cases),
            repeats,
            warmup=1,
            setup=lambda: copy.deepcopy(ppn),
            note="pandapower driving lightsim2grid",
        )
        timings.append(t_pp_ls)
    except Exception as exc:  # an anchor failing must not stop the benchmark
        print(f"pandapower run_contingency_ls2g not timed: {type(exc).__name__}: {exc}")
        print()
    t_loop = time_it(
        "gridsim AC per outage",
        lambda: gridsim_ac_per_outage(c, s_bus, base.v, yf, yt, skip),
        repeats,
        note="newton_pf loop, like for like",
    )
    t_ac = time_it(
        "gridsim run_contingency_ac",
        lambda: run_contingency_ac(net, per_circuit=False, tol_mva=TOL_PU * c.sn_mva),
        repeats,
        note="full AC per outage, compiled, one LU analysis for all",
    )
    t_gs = time_it(
        "gridsim run_contingency",
        lambda: run_contingency(net, n_recheck=5),
        repeats,
        note="DC-LODF screen + AC re-check of 5 worst",
    )
    timings += [t_ac, t_loop, t_gs]
    rows = ratio_rows(
        f"{name}, {c.n_branch} outages", timings, "gridsim run_contingency_ac", per=n_out
    )

    prof = make_profiles(ppn, n_year)
    inputs = gridsim_inputs(net, ppn, prof)
    t_year = time_it(
        "gridsim run_contingency",
        lambda: run_contingency(net, inputs, n_recheck=5),
        max(1, repeats // 2),
        note=f"DC-LODF screen over {n_year} snapshots + 5 AC re-checks",
    )
    year_row = ratio_rows(
        f"{name}, {c.n_branch} outages x {n_year} snapshots", [t_year], t_year.label
    )
    year_row[0][3] = t_year.median / (n_out * n_year) * 1e3

    print("## Timings (per item = per simulated outage; ratios against gridsim run_contingency_ac)")
    print()
    print(markdown_table(RATIO_HEADERS, rows))
    print()
    print(
        f"{c.n_branch} branches, {int(skip.sum())} of them islanding (skipped by lightsim2grid "
        f"and by the gridsim loop; pandapower solves them with isolated buses). "
        f"gridsim run_contingency is a DC screen, not an AC solve per outage: "
        f"run_contingency / lightsim2grid = {t_gs.median / t_ls.median:.3g}, "
        f"gridsim AC per outage / lightsim2grid = {t_loop.median / t_ls.median:.3g}, "
        f"gridsim run_contingency_ac / lightsim2grid = {t_ac.median / t_ls.median:.3g}."
    )
    print()
    print("## gridsim's DC screen over a year (no anchor)")
    print()
    print(markdown_table(RATIO_HEADERS, year_row))
    print()

    # agreement of the full-AC results
    ls, loop, acr = t_ls.value, t_loop.value, t_ac.value
    order = np.asarray(ls["order"])
    dv, dvm = [], []
    for row, k in enumerate(order):
        if k < 0 or skip[k] or not ls["converged"][row] or not loop["converged"][k]:
            continue
        dv.append(np.max(np.abs(ls["v"][row] - loop["v"][k])))
        dvm.append(np.max(np.abs(np.abs(ls["v"][row]) - acr.vm_pu[k])))
    res = t_gs.value
    dc_worst = res.worst.iloc[0]
    k_ac = int(np.nanargmax(loop["max_loading"]))
    ac_max = dict(zip(c.branch_names, loop["max_loading"], strict=True))
    dc_vs_ac = [
        abs(row.loading_percent - ac_max[row.outage])
        for row in res.worst.itertuples()
        if row.outage in ac_max and np.isfinite(ac_max[row.outage])
    ]
    check = [
        ["outages solved (not islanding)", n_out],
        ["gridsim AC loop converged", f"{int(loop['converged'].sum())}/{n_out}"],
        ["lightsim2grid converged", f"{int(ls['converged'].sum())}/{len(order)}"],
        ["max abs dV gridsim loop - lightsim2grid over outages (pu)", max(dv) if dv else np.nan],
        [
            "max abs dVm gridsim run_contingency_ac - lightsim2grid over outages (pu)",
            max(dvm) if dvm else np.nan,
        ],
        [
            "gridsim run_contingency_ac converged / islanding",
            f"{int(acr.outages['converged'].sum())}/{len(acr.islanding)}",
        ],
        ["gridsim islanding outages (run_contingency)", len(res.islanding)],
        [
            "worst outage, DC screen",
            f"{dc_worst.outage} ({dc_worst.loading_percent:.2f} % on {dc_worst.branch})",
        ],
        [
            "worst outage, full AC loop",
            f"{c.branch_names[k_ac]} ({loop['max_loading'][k_ac]:.2f} %)",
        ],
        [
            "per outage: max abs (DC-screen worst loading - AC worst loading), % points",
            max(dc_vs_ac) if dc_vs_ac else np.nan,
        ],
        [
            "AC re-check: converged",
            f"{int(res.ac_recheck['converged'].sum())}/{len(res.ac_recheck)}",
        ],
    ]
    print("## Agreement")
    print()
    print(markdown_table(["quantity", "value"], check))


if __name__ == "__main__":
    main()
