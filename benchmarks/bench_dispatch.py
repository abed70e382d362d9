"""Dispatch LP: gridsim ``solve_dispatch`` vs PyPSA (linopy + HiGHS) on the identical LP.

Both tools start from the same :class:`~gridsim.dispatch.DispatchProblem` and run in one
process with the same HiGHS settings (``SolverOptions().highs_options()``: one thread,
presolve on, dual simplex chosen by HiGHS, feasibility tolerances 1e-7):

- gridsim: ``solve_dispatch(problem, DispatchOptions(window_h=None))`` (perfect foresight,
  one LP) or the default rolling horizon (168 h windows + 24 h look-ahead): numpy COO ->
  CSR -> ``Highs.passModel``, solution arrays extracted.
- PyPSA: ``gridsim.interop.to_pypsa(problem)`` + ``n.optimize(solver_name="highs",
  linearized_unit_commitment=True, extra_functionality=pypsa_extra_functionality(problem))``,
  which is ``optimize_pypsa`` (the call of tests/test_pypsa_crosscheck.py) with
  ``progress=False`` and PyPSA's default ``io_api`` (LP file; ``--pypsa-io-api direct``
  for linopy's direct highspy hand-off). Solution written back to the network's tables.

Phases (wall seconds, ``time.perf_counter``): gridsim *build* = ``formulate`` (summed over
windows), *solve* = ``passModel`` + HiGHS run, *rest* = window slicing and result arrays.
PyPSA *build* = ``to_pypsa`` + ``n.optimize`` up to ``linopy.Model.solve`` (consistency
check, ``create_model``, extra rows), *solve* = ``linopy.Model.solve`` (LP file written and
read back by HiGHS, HiGHS run, solution parsed; HiGHS's own run clock in its own column),
*rest* = solution and duals assigned to the network, post-processing. *End to end* = from
the DispatchProblem to a solution in memory (the problem itself is built once, untimed,
by gridsim's balance layer). CPU = ``time.process_time`` of the whole process (all
threads). Memory: peak resident set above the start of the call (Linux high-water mark
reset through ``/proc/self/clear_refs``, freed heap returned with ``malloc_trim`` first),
i.e. a maxrss delta, not tracemalloc. Runs above 672 h are timed once per tool (no
warm-up: one untimed solve of a 24 h toy problem warms up both routes at the start).

Sections:

1. Ningxia 2025 (``scenarios/ningxia_2025.toml`` through ``prepare_network``,
   ``prepare_profiles``, ``build_options``, without the rules PyPSA cannot take exactly:
   ``bench_commitment.NOT_EXPORTABLE``), perfect foresight over the first
   ``--identical-hours`` hours (default 2190: the full year does not fit the ~10 minute
   budget of this script; ``--identical-hours 8760`` runs it). A shorter horizon keeps the
   first hours of the profiles and the annual energy targets pro rata, as the balance
   layer does for a sub-period (``study.whole_year = false``). If ``to_pypsa`` raised
   NotImplementedError, both tools would solve the ``commitment="none"`` variant (printed).
2. gridsim's default rolling horizon on the same hours against PyPSA's perfect foresight
   (objective gap; KPIs from both solutions with the same functions, ``gridsim.kpi`` and
   ``cost_breakdown``, PyPSA's tables being mapped back to gridsim's result arrays), plus
   gridsim's rolling full year.
3. Scaling: ``gridsim.dispatch.synthetic.toy_problem`` (a ring of N zones, transport
   model, 3 coal clusters + wind + solar + battery per zone, pumped hydro and a DC export
   with an energy target in zone 0, curtailable DR) for hours x zones; perfect foresight
   in both tools plus gridsim's rolling horizon; cells above a column budget are not run.

``--quick``: 168 h, 336 h rolling, 168 h x 5/20 zones, one repeat (smoke run only).
``--profile``: cProfile of both tools on Ningxia, ``--profile-hours`` (336) hours.

Targets: (1) gridsim >= 1.5x faster end to end than PyPSA on the identical LP;
(2) gridsim rolling within 0.5 % of PyPSA's perfect-foresight objective and >= 3x faster.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import gc
import logging
import os
import statistics
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from _common import header, markdown_table, parser, peak_extra_mib, profile_call
from _dispatch_solutions import KPIS, kpis, pypsa_arrays, rel

YEAR_H = 8760
WINDOW_H, LOOKAHEAD_H = 168, 24


# ------------------------------------------------------------------ quiet solvers
def quiet() -> None:
    """Silence linopy/PyPSA logging and warnings, and HiGHS's one-off banner on stdout."""
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    import highspy

    out = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()  # the banner is printed once per process, on the first Highs()
    finally:
        os.dup2(out, 1)
        os.close(out)


# ------------------------------------------------------------------ problems
def ningxia_problem(hours: int, network_model: str | None = None) -> Any:
    """The Ningxia 2025 problem of the balance layer over the first ``hours`` hours,
    without the operating rules PyPSA cannot take exactly (deep peak tiers, CHP at the
    heat load and its extraction derating, maintenance, the hydro river flow:
    ``bench_commitment.NOT_EXPORTABLE``), so that both tools solve the identical LP."""
    from bench_commitment import NOT_EXPORTABLE

    from gridsim.dispatch import build_problem
    from gridsim.studies.balance import (
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
    model = network_model or sc.study.network_model
    opts = build_options(sc, model, len(prof.snapshots) / year_hours, net, year_hours, prof)
    return build_problem(net, prof, dataclasses.replace(opts, **NOT_EXPORTABLE))


def toy(hours: int, zones: int) -> Any:
    """Synthetic ring of ``zones`` zones (transport model) over ``hours`` hours."""
    from gridsim.dispatch.synthetic import toy_problem

    return toy_problem(
        hours,
        "transport",
        n_zones=zones,
        export_band_pu=0.2,
        export_value_per_mwh=300.0,
        export_energy_mwh={"dc_export": hours * 1500.0 * 0.75},
        dr_curtailable_share=0.03,
        dr_curtailable_hours=4.0 * hours / 168.0,
    )


# ------------------------------------------------------------------ runs
@dataclass
class Run:
    """One end-to-end call: phases and CPU (s), peak memory (MiB), the solution."""

    wall: float
    cpu: float
    build: float
    solve: float
    highs: float
    rest: float
    mem_mib: float
    objective: float
    status: str
    size: str
    value: Any = None


@dataclass
class Series:
    """Repeated runs of one tool on one problem."""

    label: str
    runs: list[Run] = field(default_factory=list)

    def med(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    @property
    def last(self) -> Run:
        return self.runs[-1]

    @property
    def spread(self) -> str:
        w = [r.wall for r in self.runs]
        return f"{min(w):.4g}-{max(w):.4g}"


Phases = tuple[
    float, float, float, float, str, str, Any
]  # build, solve, highs, obj, status, size, value


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc ``malloc_trim``),
    so that the resident set at the start of a call does not already hold the freed
    memory of earlier calls (which would hide the next call's peak)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _measured(fn: Callable[[float], Phases]) -> Run:
    """Wall, CPU and peak extra memory of ``fn(t0)`` (``t0``: its perf_counter start)."""
    release_memory()
    box: dict[str, Any] = {}

    def call() -> Phases:
        box["c0"], box["t0"] = time.process_time(), time.perf_counter()
        out = fn(box["t0"])
        box["wall"] = time.perf_counter() - box["t0"]
        box["cpu"] = time.process_time() - box["c0"]
        return out

    mem, (build, solve, highs, obj, status, size, value) = peak_extra_mib(call)
    wall = box["wall"]
    return Run(wall, box["cpu"], build, solve, highs, wall - build - solve, mem, obj, status, size, value)  # fmt: skip


def gridsim_run(problem: Any, window_h: int | None, commitment: str = "linear") -> Run:
    """gridsim end to end: ``solve_dispatch`` (perfect foresight if ``window_h`` is None)."""
    from gridsim.dispatch import DispatchOptions, solve_dispatch

    opts = DispatchOptions(window_h=window_h, lookahead_h=LOOKAHEAD_H, commitment=commitment)

    def call(t0: float) -> Phases:
        res = solve_dispatch(problem, opts)
        w = res.windows
        build = float(sum(x.build_time_s for x in w))
        solve = float(sum(x.solve_time_s for x in w))
        # perfect foresight: the LP's optimum; rolling: the cost of the committed dispatch
        obj = w[0].objective if window_h is None else res.objective
        size = f"{w[0].n_cols} x {w[0].n_rows}" + (f" per window, {len(w)} windows" if len(w) > 1 else "")  # fmt: skip
        return build, solve, float("nan"), obj, res.status, size, res

    return _measured(call)


@contextlib.contextmanager
def linopy_solve_clock() -> Iterator[dict[str, float]]:
    """Record when ``linopy.Model.solve`` starts and ends, and HiGHS's run clock inside it."""
    import linopy

    orig = linopy.Model.solve
    clock: dict[str, float] = {}

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        clock["start"] = time.perf_counter()
        try:
            return orig(self, *args, **kwargs)
        finally:
            clock["end"] = time.perf_counter()
            h = getattr(getattr(self, "solver", None), "solver_model", None)
            clock["highs"] = float(h.getRunTime()) if h is not None else float("nan")

    linopy.Model.solve = timed  # type: ignore[method-assign]
    try:
        yield clock
    finally:
        linopy.Model.solve = orig  # type: ignore[method-assign]


def pypsa_run(problem: Any, io_api: str | None = None, commitment: str = "linear") -> Run:
    """PyPSA end to end: ``to_pypsa`` + ``n.optimize`` (= ``optimize_pypsa``), same HiGHS options."""
    from gridsim.dispatch import SolverOptions
    from gridsim.interop.pypsa_export import pypsa_extra_functionality, to_pypsa

    kw: dict[str, Any] = {"progress": False}
    if io_api is not None:
        kw["io_api"] = io_api

    def call(t0: float) -> Phases:
        with linopy_solve_clock() as clock:
            n = to_pypsa(problem, commitment)
            _, cond = n.optimize(
                solver_name="highs",
                linearized_unit_commitment=(commitment == "linear"),
                extra_functionality=pypsa_extra_functionality(problem, commitment),
                solver_options=SolverOptions().highs_options(),
                **kw,
            )
        build = clock["start"] - t0
        solve = clock["end"] - clock["start"]
        obj = float(n.objective) if n.objective is not None else float("nan")
        size = f"{n.model.nvars} x {n.model.ncons}"
        return build, solve, clock["highs"], obj, str(cond), size, n

    return _measured(call)


def repeat(label: str, fn: Callable[[], Run], repeats: int) -> Series:
    s = Series(label)
    for _ in range(repeats):
        s.runs.append(fn())
    return s


# ------------------------------------------------------------------ printing
def phase_rows(series: list[Series]) -> list[list[Any]]:
    rows = []
    for s in series:
        rows.append(
            [
                s.label,
                s.last.size,
                s.med("build"),
                s.med("solve"),
                s.med("highs"),
                s.med("rest"),
                s.med("wall"),
                s.spread,
                s.med("cpu"),
                max(r.mem_mib for r in s.runs),
                len(s.runs),
            ]
        )
    return rows


PHASE_HEADERS = [
    "tool",
    "LP cols x rows",
    "build (s)",
    "solve (s)",
    "HiGHS run (s)",
    "rest (s)",
    "end to end (s)",
    "min-max (s)",
    "CPU (s)",
    "peak extra RSS (MiB)",
    "repeats",
]


def ratio_row(label: str, num: Series, den: Series) -> list[Any]:
    """``num / den`` of each median column (> 1: ``den`` is faster / lighter)."""

    def r(attr: str) -> float:
        a, b = num.med(attr), den.med(attr)
        return a / b if b > 0 else float("nan")

    mem_n, mem_d = max(x.mem_mib for x in num.runs), max(x.mem_mib for x in den.runs)
    return [
        label,
        "",
        r("build"),
        r("solve"),
        float("nan"),
        r("rest"),
        r("wall"),
        "",
        r("cpu"),
        mem_n / mem_d if mem_d > 0 else float("nan"),
        "",
    ]


def met(ok: bool) -> str:
    return "**met**" if ok else "**NOT met**"


def section(title: str) -> None:
    print(f"## {title}")
    print()


# ------------------------------------------------------------------ sections
def exact_commitment(p: Any) -> tuple[str, Any]:
    """``("linear", p)`` if the exporter maps the problem exactly, else ``"none"`` and
    ``p`` without its DC sending-end stability rules, which need the commitment (said so)."""
    from gridsim.dispatch.problem import DcSupport, DcSupportUnits
    from gridsim.interop.pypsa_export import to_pypsa

    try:
        to_pypsa(p, "linear")
    except NotImplementedError as exc:
        print(
            f"**`to_pypsa` raised NotImplementedError: {exc}. Both tools solve the variant "
            'with `commitment="none"` instead (and without the DC sending-end stability '
            "rules, which need the commitment), which maps exactly.**"
        )
        print()
        bare = dataclasses.replace(p, dc_support=DcSupport.make(p.T, scr_min=0.0), dc_support_units=DcSupportUnits.make(p.T, mva_per_mw=0.0))  # fmt: skip
        return "none", bare
    return "linear", p


def identical(args: Any, hours: int) -> tuple[Any, Series, Series, str]:
    p = ningxia_problem(hours, args.network_model)
    section(
        f"1. Identical LP: Ningxia 2025, {p.network}, perfect foresight over {hours} h"
        + (
            ""
            if hours >= YEAR_H
            else " (not the full year: it does not fit the ~10 min budget of this script;"
            f" `--identical-hours {YEAR_H}` runs it)"
        )
    )
    uc, p = exact_commitment(p)
    reps = args.repeats if hours <= 672 else 1
    g = repeat(
        f"gridsim solve_dispatch(window_h=None, commitment={uc!r})",
        lambda: gridsim_run(p, None, uc),
        reps,
    )
    io = args.pypsa_io_api or "lp (default)"
    y = repeat(f"PyPSA optimize (io_api {io})", lambda: pypsa_run(p, args.pypsa_io_api, uc), reps)
    rows = phase_rows([g, y]) + [ratio_row("PyPSA / gridsim", y, g)]
    print(markdown_table(PHASE_HEADERS, rows))
    print()
    og, oy = g.last.objective, y.last.objective
    e2e = y.med("wall") / g.med("wall")
    e2e_cpu = y.med("cpu") / g.med("cpu")
    print(
        markdown_table(
            ["quantity", "value"],
            [
                [
                    "nodes / thermal / renewable / storage / links",
                    f"{p.nodes.n} / {p.thermal.n} / {p.renewable.n} / {p.storage.n} / {p.links.n}",
                ],  # fmt: skip
                ["status gridsim / PyPSA", f"{g.last.status} / {y.last.status}"],
                ["objective gridsim (CNY)", f"{og:.10g}"],
                ["objective PyPSA (CNY)", f"{oy:.10g}"],
                ["relative difference", f"{rel(og, oy):.2e}"],
                ["agree within 1e-6", "yes" if rel(og, oy) < 1e-6 else "**NO**"],
                ["end to end PyPSA / gridsim (wall)", f"{e2e:.2f}x"],
                ["end to end PyPSA / gridsim (CPU)", f"{e2e_cpu:.2f}x"],
                ["target: gridsim >= 1.5x faster end to end", met(e2e >= 1.5)],
            ],
        )
    )
    print()
    return p, g, y, uc


def rolling(args: Any, p: Any, g_pf: Series, y_pf: Series, uc: str, full_year_h: int) -> None:
    hours = p.T
    section(
        f"2. gridsim rolling horizon ({WINDOW_H} h + {LOOKAHEAD_H} h look-ahead) vs PyPSA "
        f"perfect foresight, {hours} h"
    )
    reps = args.repeats if hours <= 672 else 1
    r = repeat(
        f"gridsim rolling {WINDOW_H}+{LOOKAHEAD_H} h", lambda: gridsim_run(p, WINDOW_H, uc), reps
    )
    rows = phase_rows([r, y_pf, g_pf]) + [ratio_row("PyPSA perfect foresight / gridsim rolling", y_pf, r)]  # fmt: skip
    print(markdown_table(PHASE_HEADERS, rows))
    print()
    k_g = kpis(p, g_pf.last.value.arrays)
    k_y = kpis(p, pypsa_arrays(p, y_pf.last.value, uc))
    k_r = kpis(p, r.last.value.arrays)
    table = []
    for label, key in KPIS:
        if key not in k_y:
            continue
        vy, vr, vg = k_y[key], k_r[key], k_g[key]
        table.append([label, vg, vy, vr, vr - vy, (vr - vy) / abs(vy) if vy else float("nan")])
    print(
        "KPIs from each solution's arrays with the same functions (`gridsim.kpi`,"
        " `cost_breakdown`); PyPSA's tables mapped back to gridsim's arrays:"
    )
    print()
    print(
        markdown_table(
            [
                "quantity",
                "gridsim perfect foresight",
                "PyPSA perfect foresight",
                "gridsim rolling",
                "rolling - PyPSA",
                "relative",
            ],
            table,
        )
    )
    print()
    gap = (r.last.objective - y_pf.last.objective) / abs(y_pf.last.objective)
    ratio = y_pf.med("wall") / r.med("wall")
    ratio_cpu = y_pf.med("cpu") / r.med("cpu")
    check = [
        ["PyPSA LP objective (CNY)", f"{y_pf.last.objective:.10g}"],
        ["PyPSA dispatch cost recomputed from its arrays (CNY)", f"{k_y['cost']:.10g}"],
        ["  relative difference (read-back check)", f"{rel(k_y['cost'], y_pf.last.objective):.2e}"],
        ["gridsim rolling cost (CNY)", f"{r.last.objective:.10g}"],
        ["objective gap rolling vs PyPSA perfect foresight", f"{100 * gap:+.4f} %"],
        ["target: gap < 0.5 %", met(abs(gap) < 0.005)],
        ["end to end PyPSA perfect foresight / gridsim rolling (wall)", f"{ratio:.2f}x"],
        ["same, CPU", f"{ratio_cpu:.2f}x"],
        ["target: gridsim rolling >= 3x faster", met(ratio >= 3.0)],
    ]
    print(markdown_table(["quantity", "value"], check))
    print()
    if full_year_h > hours:
        py = ningxia_problem(full_year_h, args.network_model)
        ry = repeat(f"gridsim rolling {WINDOW_H}+{LOOKAHEAD_H} h, {full_year_h} h", lambda: gridsim_run(py, WINDOW_H, uc), 1)  # fmt: skip
        print(
            f"gridsim's rolling horizon over {full_year_h} h (PyPSA's perfect foresight over "
            f"{full_year_h} h not run: time budget; `--identical-hours {full_year_h}` runs it):"
        )
        print()
        print(markdown_table(PHASE_HEADERS, phase_rows([ry])))
        print()
        k = kpis(py, ry.last.value.arrays)
        print(
            markdown_table(
                ["quantity", f"gridsim rolling, {full_year_h} h"],
                [["status", ry.last.status]] + [[lab, k[key]] for lab, key in KPIS if key in k],
            )
        )
        print()


def scaling(args: Any, hours_list: list[int], zones_list: list[int]) -> None:
    from gridsim.dispatch.model import formulate

    section("3. Scaling: synthetic ring of N zones (transport model)")
    skip = "not run (time budget)"
    rows = []
    for zones in zones_list:
        base_cols = formulate(toy(WINDOW_H, zones)).shape[1]  # columns per 168 h
        for hours in hours_list:
            est = base_cols * hours / WINDOW_H
            n_win = -(-hours // WINDOW_H)
            est_roll = base_cols * (WINDOW_H + LOOKAHEAD_H) / WINDOW_H * n_win
            p = toy(hours, zones)
            reps = args.repeats if est <= args.repeat_cols else 1
            g = y = r = None
            if est <= args.max_cols_gridsim:
                g = repeat("gridsim", lambda p=p: gridsim_run(p, None), reps)
            if est <= args.max_cols_pypsa:
                y = repeat("PyPSA", lambda p=p: pypsa_run(p, args.pypsa_io_api), reps)
            if hours > WINDOW_H and est_roll <= args.max_cols_rolling:
                r = repeat("gridsim rolling", lambda p=p: gridsim_run(p, WINDOW_H), 1)
            both = g is not None and y is not None
            mem = f"{g.runs[-1].mem_mib:.0f} / {y.runs[-1].mem_mib:.0f}" if both else "-"  # type: ignore[union-attr]
            rows.append(
                [
                    hours,
                    zones,
                    g.last.size if g else f"~{est:,.0f} cols (est.)",
                    g.med("wall") if g else skip,
                    y.med("wall") if y else skip,
                    y.med("wall") / g.med("wall") if both else "-",  # type: ignore[union-attr]
                    y.med("cpu") / g.med("cpu") if both else "-",  # type: ignore[union-attr]
                    g.med("build") if g else "-",
                    y.med("build") if y else "-",
                    g.med("solve") if g else "-",
                    y.med("highs") if y else "-",
                    mem,
                    f"{rel(g.last.objective, y.last.objective):.1e}" if both else "-",  # type: ignore[union-attr]
                    reps if (g or y) else "-",
                    "= perfect foresight (one window)" if hours <= WINDOW_H else (r.med("wall") if r else skip),
                    f"{100 * (r.last.objective - g.last.objective) / abs(g.last.objective):+.3f} %" if r and g else "-",
                ]
            )  # fmt: skip
            print(f"<!-- {hours} h x {zones} zones done -->", flush=True)
    print()
    print(
        markdown_table(
            [
                "hours",
                "zones",
                "LP cols x rows (gridsim)",
                "gridsim end to end (s)",
                "PyPSA end to end (s)",
                "PyPSA / gridsim (wall)",
                "PyPSA / gridsim (CPU)",
                "gridsim build (s)",
                "PyPSA build (s)",
                "gridsim solve (s)",
                "PyPSA HiGHS run (s)",
                "peak extra RSS gridsim / PyPSA (MiB)",
                "objective rel. diff",
                "repeats",
                f"gridsim rolling {WINDOW_H}+{LOOKAHEAD_H} h (s)",
                "rolling cost vs perfect foresight",
            ],
            rows,
        )
    )
    print()
    print(
        "Perfect foresight in both tools (one LP over all hours), except the rolling column "
        "(gridsim's default, no PyPSA counterpart). A cell runs when its LP, estimated from "
        f"the 168 h model (columns x hours / 168), has at most {args.max_cols_gridsim:,} "
        f"columns for gridsim and {args.max_cols_pypsa:,} for PyPSA, and the rolling run at "
        f"most {args.max_cols_rolling:,} columns summed over its windows; medians over "
        f"{args.repeats} repeats up to {args.repeat_cols:,} columns, one run above."
    )
    print()


def main() -> None:
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--profile", action="store_true", help="cProfile both tools, short horizon")
    ap.add_argument("--profile-hours", type=int, default=336)
    ap.add_argument("--identical-hours", type=int, default=None, help="default 2190 (quick 168)")
    ap.add_argument("--full-year-hours", type=int, default=None, help="rolling run (default 8760)")
    ap.add_argument("--network-model", default=None, choices=["copperplate", "transport", "ptdf"])
    ap.add_argument("--pypsa-io-api", default=None, choices=["lp", "mps", "direct"])
    ap.add_argument("--repeats", type=int, default=None, help="repeats of small cases (3)")
    ap.add_argument("--max-cols-gridsim", type=int, default=320_000)
    ap.add_argument("--max-cols-pypsa", type=int, default=320_000)
    ap.add_argument("--max-cols-rolling", type=int, default=4_000_000)
    ap.add_argument("--repeat-cols", type=int, default=250_000)
    ap.add_argument("--skip", default="", help="comma list of sections to skip: 1,2,3")
    args = ap.parse_args()
    q = args.quick
    args.repeats = args.repeats or (1 if q else 3)
    hours = args.identical_hours or (168 if q else 2190)
    year = args.full_year_hours or (336 if q else YEAR_H)
    header("Dispatch LP: gridsim vs PyPSA (linopy + HiGHS)", args)
    print(", ".join(f"{d} {metadata.version(d)}" for d in ("pypsa", "linopy", "highspy", "xarray")))
    print()
    quiet()
    t_start = time.perf_counter()
    # untimed warm-up of both routes (imports, first HiGHS instance, numba/linopy caches)
    warm = toy(24, 2)
    gridsim_run(warm, None)
    pypsa_run(warm, args.pypsa_io_api)
    if args.profile:
        p = ningxia_problem(args.profile_hours, args.network_model)
        profile_call(f"gridsim perfect foresight, Ningxia {args.profile_hours} h", lambda: gridsim_run(p, None), top=25)  # fmt: skip
        print()
        profile_call(f"PyPSA perfect foresight, Ningxia {args.profile_hours} h", lambda: pypsa_run(p, args.pypsa_io_api), top=25)  # fmt: skip
        return
    skip = set(args.skip.split(","))
    if "1" not in skip:
        p, g, y, uc = identical(args, hours)
        if "2" not in skip:
            rolling(args, p, g, y, uc, year)
    if "3" not in skip:
        hrs = [168] if q else [168, 2190, 8760]
        zs = [5, 20] if q else [5, 20, 100]
        scaling(args, hrs, zs)
    load = os.getloadavg()
    print(
        f"Total {time.perf_counter() - t_start:.0f} s; load average at the end "
        f"{load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f} (2 cores)."
    )


if __name__ == "__main__":
    main()
