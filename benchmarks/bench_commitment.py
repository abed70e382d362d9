"""Operating rules in the dispatch: what unit commitment, reserves and the other rules cost in solve time.

Three comparisons, side by side in one process, on the shipped Ningxia 2025 scenario
(``scenarios/ningxia_2025.toml`` through the balance layer: ``prepare_network``,
``prepare_profiles``, ``build_options`` -> ``build_problem``):

1. The rolling year (168 h windows + 24 h look-ahead) with the shipped operating rules
   (*rules*: ``scenarios/ningxia_rules.toml`` - 600 MW units with 8 h minimum up/down
   times in the clustered LP commitment, up and down reserves, deep peak regulation
   tiers, the CHP range at the heat load, maintenance, hydro by river flow) against the
   same scenario without them (*plain*: today's rolling year before the rules). Goal:
   rules <= 2x plain.
2. The identical problem in PyPSA through the exporter (``optimize_pypsa``: committable
   generators with ``min_up_time``/``min_down_time``, reserve rows in PyPSA's
   variables) against gridsim's single solve of the same hours. The rules PyPSA has no
   exact form for (deep peak tiers, the fractional CHP and maintenance availability,
   the daily river inflow) are left out of both. Goal: gridsim >= 2x faster; both
   objectives printed.
3. The MILP option (``commitment = "milp"``, whole units, HiGHS MIP to ``--mip-gap``)
   on a week: time, achieved gap and the cost above the LP relaxation.

``--quick``: 672 h rolling instead of the year, 168 h in PyPSA, 48 h of MILP.
Times are wall seconds (``time.perf_counter``) and CPU seconds (``time.process_time``).
"""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import header, markdown_table, parser

#: What the shipped rules add over today's rolling year, and what PyPSA cannot take exactly.
PLAIN = dict(
    reserve_up_load_share=0.0, reserve_up_largest_unit=False, reserve_down_load_share=0.0,
    reserve_down_mw=0.0, peak_normal_min_share={}, chp_heat_load=False, chp_power_loss_share=0.0,
    maintenance_weeks={}, hydro_monthly_shape=(),
)  # fmt: skip
NOT_EXPORTABLE = dict(
    peak_normal_min_share={}, chp_heat_load=False, chp_power_loss_share=0.0,
    maintenance_weeks={}, hydro_monthly_shape=(),
)  # fmt: skip


def problem(hours: int, level: str) -> Any:
    """The Ningxia 2025 problem over the first ``hours`` hours at rule ``level``:
    ``"rules"`` (the shipped operating rules), ``"uc_reserves"`` (only the unit
    commitment with minimum up/down times and the reserves: what PyPSA can take
    exactly), or ``"plain"`` (none of them: today's rolling year before the rules)."""
    from gridsim.dispatch import build_problem
    from gridsim.studies.balance import (  # fmt: skip
        build_options,
        load_scenario,
        prepare_network,
        prepare_profiles,
    )

    sc = load_scenario("ningxia_2025")
    net = prepare_network(sc)
    prof, year_hours = prepare_profiles(sc)
    if hours < len(prof.snapshots):
        prof = prof.rows(slice(0, hours))
    opts = build_options(sc, sc.study.network_model, len(prof.snapshots) / year_hours, net, year_hours)  # fmt: skip
    if level == "plain":
        gen = net.gen
        coal = gen.index[gen.fuel.str.lower() == "coal"]
        gen.loc[coal, ["min_up_time_h", "min_down_time_h"]] = 0.0
        gen.loc[coal, "unit_size_mw"] = np.nan
        opts = dataclasses.replace(opts, **PLAIN)
    elif level == "uc_reserves":
        opts = dataclasses.replace(opts, **NOT_EXPORTABLE)
    return build_problem(net, prof, opts)


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s, result) of ``fn()``."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def solve(p: Any, window_h: int | None, commitment: str = "linear", mip_gap: float = 1e-3, time_limit_s: float = np.inf) -> Any:  # fmt: skip
    from gridsim.dispatch import DispatchOptions, SolverOptions, solve_dispatch

    solver = SolverOptions(mip_gap=mip_gap, time_limit_s=time_limit_s)
    return solve_dispatch(p, DispatchOptions(window_h=window_h, commitment=commitment, solver=solver))  # fmt: skip


def pypsa(p: Any) -> tuple[float, str]:
    """PyPSA's optimum (CNY) and termination condition on the exported problem."""
    from gridsim.dispatch.model import SolverOptions
    from gridsim.interop import optimize_pypsa

    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opts = SolverOptions().highs_options()
            n, cond = optimize_pypsa(p, "linear", **{k: v for k, v in opts.items() if k != "solver"})  # fmt: skip
    finally:
        logging.disable(logging.NOTSET)
    return float(n.objective), cond


def reserve_line(res: Any) -> str:
    from gridsim.kpi import reserves

    return "; ".join(
        f"{k}: {v['hours_binding']:.0f} h binding, mean price {v['price_mean_per_mw']:.2f} CNY/MW, cost {v['cost_cny'] / 1e6:.1f} m CNY"  # noqa: E501
        for k, v in reserves(res).items()
    )


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--year-hours", type=int, default=8760, help="hours of the rolling run")
    ap.add_argument("--pypsa-hours", type=int, default=336, help="hours of the PyPSA comparison")
    ap.add_argument("--milp-hours", type=int, default=168, help="hours of the MILP run")
    ap.add_argument("--mip-gap", type=float, default=1e-3)
    ap.add_argument("--milp-time-limit", type=float, default=600.0, help="s per MILP window")
    args = ap.parse_args()
    if args.quick:
        args.year_hours, args.pypsa_hours, args.milp_hours = 672, 168, 48
    header("Unit commitment and reserves: solve time", args)
    solve(problem(24, "rules"), None)  # warm-up (imports, HiGHS)

    # 1. rolling year, plain vs rules
    rows = []
    runs = {}
    levels = {"plain": "plain (before the operating rules)", "uc_reserves": "LP commitment, min up/down, reserves", "rules": "all shipped operating rules"}  # fmt: skip
    for level, label in levels.items():
        p = problem(args.year_hours, level)
        wall, cpu, res = timed(lambda p=p: solve(p, 168))
        runs[level] = (wall, cpu, res)
        rows.append([label, f"{args.year_hours} h, {len(res.windows)} windows", res.status, f"{res.objective:,.0f}", f"{wall:.1f}", f"{cpu:.1f}"])  # fmt: skip
    print(f"\n## 1. Rolling {args.year_hours} h (168 h + 24 h look-ahead), Ningxia 2025\n")
    print(markdown_table(["rules", "horizon", "status", "objective (CNY)", "wall s", "CPU s"], rows))  # fmt: skip
    w0, c0, r0 = runs["plain"]
    for level in ("uc_reserves", "rules"):
        w1, c1, r1 = runs[level]
        print(f"\nratio {level} / plain: wall {w1 / w0:.2f}x, CPU {c1 / c0:.2f}x (goal <= 2x for uc_reserves); cost {(r1.objective - r0.objective) / r0.objective * 100:+.2f} %")  # fmt: skip
        print(f"reserves ({level}): {reserve_line(r1)}")

    # 2. gridsim vs PyPSA on the identical problem (the rules PyPSA can take exactly)
    p = problem(args.pypsa_hours, "uc_reserves")
    wg, cg, res = timed(lambda: solve(p, None))
    wp, cp, (obj, cond) = timed(lambda: pypsa(p))
    print(
        f"\n## 2. Identical problem (commitment, min up/down, reserves), {args.pypsa_hours} h, one solve: gridsim vs PyPSA\n"
    )
    print(markdown_table(
        ["tool", "status", "objective (CNY)", "wall s", "CPU s"],
        [["gridsim", res.status, f"{res.windows[0].objective:,.2f}", f"{wg:.2f}", f"{cg:.2f}"],
         ["PyPSA (exporter)", cond, f"{obj:,.2f}", f"{wp:.2f}", f"{cp:.2f}"]],
    ))  # fmt: skip
    gap = abs(obj - res.windows[0].objective) / abs(obj)
    print(f"\nPyPSA / gridsim: wall {wp / wg:.1f}x, CPU {cp / cg:.1f}x (goal >= 2x); objectives differ by {gap:.1e} (relative)")  # fmt: skip

    # 3. MILP on a week
    p = problem(args.milp_hours, "rules")
    wl, cl, lin = timed(lambda: solve(p, None))
    wm, cm, mip = timed(lambda: solve(p, None, "milp", args.mip_gap, args.milp_time_limit))
    w = mip.windows[0]
    print(f"\n## 3. MILP (whole units), {args.milp_hours} h, one solve, mip_gap {args.mip_gap:g}\n")
    print(markdown_table(
        ["commitment", "status", "objective (CNY)", "achieved gap", "wall s", "CPU s"],
        [["linear (LP relaxation)", lin.status, f"{lin.objective:,.0f}", "-", f"{wl:.2f}", f"{cl:.2f}"],
         ["milp", f"{mip.status} ({w.mip_status})", f"{mip.objective:,.0f}", f"{w.mip_gap:.2e}", f"{wm:.2f}", f"{cm:.2f}"]],
    ))  # fmt: skip
    print(f"\nMILP / LP: time {wm / wl:.1f}x, cost {(mip.objective - lin.objective) / lin.objective * 100:+.3f} %")  # fmt: skip


if __name__ == "__main__":
    main()
