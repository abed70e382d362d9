"""Single AC power flow, end to end: gridsim vs pandapower and lightsim2grid.

All tools converge to a largest power mismatch of 1e-8 pu (pandapower's default
``tolerance_mva=1e-8`` is compared with the per-unit mismatch; gridsim's
``tol_mva=1e-6`` is on ``sn_mva=100``; lightsim2grid gets ``tol=1e-8``).

Rows (medians over repeats, one warm-up call each):

- pandapower ``runpp(numba=True)`` with its defaults: with lightsim2grid installed,
  pandapower's ``lightsim2grid="auto"`` hands the Newton iterations to lightsim2grid
  (checked: ``net._options["lightsim2grid"]`` is True); from the pandapower net to result
  tables, including pandapower's own conversion to ppc;
- pandapower ``runpp(numba=True, lightsim2grid=False)`` (pure pandapower), ``init="auto"``
  (a DC start here) and ``init="flat"``;
- lightsim2grid ``LSGrid.ac_pf`` cold (a fresh grid model each call: the solver analyses
  the matrix; conversion untimed) and warm (the same grid model again: symbolic analysis
  reused); both from a flat start; results stay inside the grid model;
- gridsim ``run_pf`` end to end from a converted ``Network`` (compile, Ybus, Newton, result
  tables); gridsim solve-only (compile and Ybus done once; ``newton_pf`` building its
  Jacobian map each call, and with the map prebuilt).

Conversions (pandapower -> gridsim ``Network``, pandapower -> lightsim2grid) are timed
separately: they are import, not solve.

``--profile`` only runs cProfile on 20 gridsim ``run_pf`` calls (``--profile-case``).

Target: gridsim ``run_pf`` >= 2x faster than pandapower ``runpp``: checked against the
default call and against pure pandapower.
"""

from __future__ import annotations

import numpy as np
from _common import (
    RATIO_HEADERS,
    header,
    lightsim_grid,
    lightsim_v0,
    markdown_table,
    parser,
    pp_case,
    profile_call,
    ratio_rows,
    time_it,
)

CASES = ["case118", "case1354pegase", "case2869pegase"]


def bench_case(name: str, repeats: int) -> tuple[list[list], list[list], dict]:
    import pandapower as pp

    from gridsim.network.io_pandapower import from_pandapower
    from gridsim.powerflow import compile_network
    from gridsim.powerflow.newton import JacobianPattern, newton_pf
    from gridsim.powerflow.ybus import make_ybus
    from gridsim.studies import run_pf
    from gridsim.studies.powerflow import initial_voltage

    ppn = pp_case(name)
    net = from_pandapower(ppn)

    t = []
    t.append(
        time_it(
            "pandapower runpp",
            lambda: pp.runpp(ppn, numba=True),
            repeats,
            note="defaults: lightsim2grid auto, i.e. used; init auto",
        )
    )
    assert ppn._options["lightsim2grid"], "expected pandapower to pick lightsim2grid"
    vm_pp = ppn.res_bus["vm_pu"].to_numpy().copy()
    va_pp = ppn.res_bus["va_degree"].to_numpy().copy()
    for init in ("auto", "flat"):
        t.append(
            time_it(
                "pandapower runpp",
                lambda init=init: pp.runpp(ppn, numba=True, lightsim2grid=False, init=init),
                repeats,
                note=f"numba, lightsim2grid=False, init {init}",
            )
        )
    v0 = lightsim_v0(ppn)
    t.append(
        time_it(
            "lightsim2grid ac_pf",
            lambda g: g.ac_pf(v0.copy(), 30, 1e-8),
            repeats,
            setup=lambda: lightsim_grid(ppn),
            note="cold: new grid model",
        )
    )
    grid = lightsim_grid(ppn)
    t.append(
        time_it(
            "lightsim2grid ac_pf",
            lambda: grid.ac_pf(v0.copy(), 30, 1e-8),
            repeats,
            note="warm: solver reused",
        )
    )
    v_ls = t[-1].value
    gs = time_it("gridsim run_pf", lambda: run_pf(net, "nr", tol_mva=1e-6), repeats)
    t.append(gs)
    res = gs.value
    c = compile_network(net)
    ybus, _, _ = make_ybus(c)
    s_bus = c.s_bus_pu()
    vi = initial_voltage(c)
    tol = 1e-6 / c.sn_mva
    t.append(
        time_it(
            "gridsim newton_pf",
            lambda: newton_pf(ybus, s_bus, vi, c.pv, c.pq, tol=tol),
            repeats,
            note="solve only",
        )
    )
    pat = JacobianPattern(ybus, c.pv, c.pq)
    t.append(
        time_it(
            "gridsim newton_pf",
            lambda: newton_pf(ybus, s_bus, vi, c.pv, c.pq, tol=tol, pattern=pat),
            repeats,
            note="solve only, Jacobian map prebuilt",
        )
    )
    rows = ratio_rows(name, t, "gridsim run_pf")

    conv = [
        time_it("pandapower -> gridsim Network (from_pandapower)", lambda: from_pandapower(ppn), 3),
        time_it(
            "pandapower -> lightsim2grid (init_from_pandapower)", lambda: lightsim_grid(ppn), 3
        ),
        time_it(
            "gridsim from_pandapower + run_pf",
            lambda: run_pf(from_pandapower(ppn), "nr", tol_mva=1e-6),
            repeats,
        ),
    ]
    ppd = t[0].median
    pure = t[1].median
    conv_rows = [[name, x.label, x.median, x.spread, len(x.times), ppd / x.median] for x in conv]
    # agreement (gridsim keeps pandapower's bus order for these cases)
    vm_gs = res.bus["vm_pu"].to_numpy()
    va_gs = res.bus["va_degree"].to_numpy()
    check = {
        "case": name,
        "n_bus": len(ppn.bus),
        "gridsim iterations": res.iterations,
        "gridsim converged": res.converged,
        "max abs dVm gridsim-pandapower (pu)": float(np.nanmax(np.abs(vm_gs - vm_pp))),
        "max abs dVa gridsim-pandapower (deg)": float(np.nanmax(np.abs(va_gs - va_pp))),
        "max abs dV gridsim-lightsim2grid (pu)": float(
            np.nanmax(np.abs(vm_gs * np.exp(1j * np.deg2rad(va_gs)) - v_ls))
        ),
        "target runpp/run_pf >= 2 (default runpp)": f"{ppd / gs.median:.2f}x "
        + ("met" if ppd / gs.median >= 2 else "NOT met"),
        "same, runpp lightsim2grid=False": f"{pure / gs.median:.2f}x "
        + ("met" if pure / gs.median >= 2 else "NOT met"),
    }
    return rows, conv_rows, check


def profile_run_pf(name: str, n: int = 20) -> None:
    from gridsim.network.io_pandapower import from_pandapower
    from gridsim.studies import run_pf

    net = from_pandapower(pp_case(name))
    run_pf(net, "nr", tol_mva=1e-6)  # warm-up

    def many():
        for _ in range(n):
            run_pf(net, "nr", tol_mva=1e-6)

    profile_call(f"{n} x gridsim run_pf, {name}", many)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--profile", action="store_true", help="only cProfile gridsim run_pf")
    p.add_argument("--profile-case", default="case2869pegase", help="case for --profile")
    args = p.parse_args()
    if args.profile:
        header("Single AC power flow: profile of gridsim run_pf", args)
        profile_run_pf(args.profile_case)
        return
    repeats = 3 if args.quick else 15
    cases = CASES[:1] if args.quick else CASES
    header("Single AC power flow (Newton-Raphson, 1e-8 pu)", args)
    all_rows, all_conv, checks = [], [], []
    for name in cases:
        rows, conv, check = bench_case(name, repeats)
        all_rows += rows
        all_conv += conv
        checks.append(check)
    print("## Solve (gridsim/tool < 1: gridsim faster; tool/gridsim = gridsim's speed-up)")
    print()
    print(markdown_table(RATIO_HEADERS, all_rows))
    print()
    print("## Conversions (not part of a solve) and gridsim from a pandapower net")
    print()
    print(
        markdown_table(
            ["case", "step", "median (s)", "min-max (s)", "repeats", "runpp (default)/step"],
            all_conv,
        )
    )
    print()
    print("## Agreement and target")
    print()
    keys = list(checks[0])
    print(markdown_table(keys, [[c[k] for k in keys] for c in checks]))


if __name__ == "__main__":
    main()
