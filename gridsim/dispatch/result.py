"""Dispatch results: arrays over the whole horizon, per-window reports, diagnosis.

:class:`DispatchResult` keeps plain ``(T, n)`` arrays (NaN where a window was
not solved) and turns them into pandas DataFrames only at the edge
(:meth:`DispatchResult.frame`, :meth:`DispatchResult.to_parquet`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.dispatch.declarations import ARRAYS, OUTPUTS, SOURCE, cost_keys
from gridsim.dispatch.model import LinearProgram, LpSolution
from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.reserves import reserve_outputs
from gridsim.dispatch.stability import FAMILY as DC_FAMILY
from gridsim.dispatch.stability import dc_support_outputs
from gridsim.dispatch.variables import define_variables, objective_offset

Arr = np.ndarray


@dataclass
class Violation:
    """One constraint family that needed slack in the elastic re-solve."""

    family: str
    group: str
    elements: list[str]
    hours: list[str]
    n_rows: int
    max_abs: float
    total: float
    direction: str

    def describe(self) -> str:
        el = ", ".join(self.elements[:5]) + (" ..." if len(self.elements) > 5 else "")
        hrs = ", ".join(self.hours[:3]) + (" ..." if len(self.hours) > 3 else "")
        return (
            f"{self.family} ({self.direction}) at {self.group} [{el}] in {self.n_rows} rows,"
            f" max {self.max_abs:.4g}, hours {hrs}"
        )


@dataclass
class Diagnosis:
    """Why a window failed: the families with nonzero elastic slack and a suggestion."""

    window: int
    start: str
    end: str
    status: str
    violations: list[Violation] = field(default_factory=list)
    suggestion: str = ""

    def __str__(self) -> str:
        lines = [f"window {self.window} ({self.start} .. {self.end}): {self.status}"]
        lines += ["  " + v.describe() for v in self.violations]
        if self.suggestion:
            lines.append("  suggestion: " + self.suggestion)
        return "\n".join(lines)


@dataclass
class WindowReport:
    """Outcome of one rolling-horizon window. ``t0:t1`` is kept, ``t1:t_end`` is look-ahead.

    ``mip_gap`` is the relative gap HiGHS achieved (NaN for an LP) and ``mip_status``
    ``optimal`` (within the requested gap) or ``time_limit`` (a feasible solution kept).
    With lazy flow limits (ptdf model), ``flow_iterations`` is the number of solves and
    ``flow_rows_added`` the branch-limit rows added (both 0 otherwise);
    ``security_rows_added`` the post-contingency rows (N-1 security) and
    ``security_islanding`` the outages skipped because they split the network (comma
    separated); ``seam`` is ``"relaxed"`` for a window of the parallel method solved
    without its rows into the next window (:mod:`gridsim.dispatch.seams`)."""

    index: int
    t0: int
    t1: int
    t_end: int
    start: str
    end: str
    status: str
    objective: float
    build_time_s: float
    solve_time_s: float
    n_cols: int
    n_rows: int
    diagnosis: Diagnosis | None = None
    mip_gap: float = float("nan")
    mip_status: str = ""
    flow_iterations: int = 0
    flow_rows_added: int = 0
    security_rows_added: int = 0
    security_islanding: str = ""
    seam: str = ""


_SUGGEST = {
    ("balance", "surplus"): "must-run and minimum generation exceed demand + exports + storage:"
    " lower CHP floors or minimum-load shares, widen the DC export band, add storage or"
    " AC export capacity",
    ("balance", "shortage"): "supply cannot cover demand and forced exports: lower DC export"
    " floors/targets, add import capacity or allow unserved energy",
    ("must_run", "shortage"): "a heat-driven floor exceeds the unit's available capacity:"
    " check chp_min_share, capacity and commission dates",
    ("link_energy", "shortage"): "a DC energy target cannot be met within the link bounds and"
    " the available supply: lower the target or raise the link's upper bound",
    ("link_energy_max", "surplus"): "a DC link cannot send as little as its energy cap within"
    " its schedule band: widen exports.energy_band_share or band_pu, or check the energy",
    ("storage_terminal", "shortage"): "storage cannot reach its final state of charge:"
    " relax the terminal (cyclic) condition or lengthen the look-ahead",
    ("branch_limit", "surplus"): "branch limits are too tight for the required transfers",
    ("branch_limit", "shortage"): "branch limits are too tight for the required transfers",
}


def diagnose(
    p: DispatchProblem,
    lp: LinearProgram,
    slack: Arr,
    window: int,
    start: str,
    end: str,
    status: str,
    tol: float = 1e-6,
) -> Diagnosis:
    """Group nonzero slack (``slack`` per row, > 0: row activity too low) by family."""
    ts = p.snapshots.strftime("%Y-%m-%d %H:%M")
    groups = {"node": p.nodes.names, **{g.kind: g.names for g in p.groups().values()}}
    out = Diagnosis(window, start, end, status)
    offsets = lp.row_offsets()
    for b, r0 in zip(lp.blocks, offsets):
        s = slack[r0 : r0 + b.n_rows]
        for sign, direction in ((1.0, "shortage"), (-1.0, "surplus")):
            hit = np.flatnonzero(sign * s > tol)
            if hit.size == 0:
                continue
            names = groups.get(b.group, np.array([b.group]))
            els = sorted({str(names[e]) if e < len(names) else str(e) for e in b.element[hit]})
            tt = np.unique(b.t[hit])
            hours = [ts[t] if t >= 0 else "whole window" for t in tt]
            out.violations.append(
                Violation(
                    b.family,
                    b.group,
                    els,
                    hours,
                    int(hit.size),
                    float(np.abs(s[hit]).max()),
                    float(np.abs(s[hit]).sum()),
                    direction,
                )
            )
    out.violations.sort(key=lambda v: -v.total)
    tips = [
        _SUGGEST.get((v.family, v.direction), f"check the inputs of {v.family}")
        for v in out.violations
    ]
    out.suggestion = "; ".join(dict.fromkeys(tips)) or (
        "no constraint needed slack, so the failure is numerical: try"
        " SolverOptions(method='ipm') or a looser tolerance"
    )
    return out


def arrays_from_solution(p: DispatchProblem, lp: LinearProgram, sol: LpSolution) -> dict[str, Arr]:
    """Named ``(T, n)`` output arrays from one LP solution (MW, MWh, CNY/MWh)."""
    n0 = lp.variables.n_cols
    blocks = lp.variables.split(sol.x[:n0])
    out = {name: blocks[src].copy() for name, src in SOURCE.items() if src in blocks}
    out["renewable_curtail_mw"] = np.maximum(p.renewable.available_mw - out["renewable_p_mw"], 0.0)
    lk = p.links
    out["link_loss_mw"] = lk.loss_share * out["link_p_mw"] + lk.loss_fixed_mw
    out["load_mw"] = p.nodes.load_mw.copy()
    out["network_loss_mw"] = p.nodes.load_mw * p.nodes.loss_factor
    br = p.branches
    if "flow_fwd" in blocks:
        f, b = blocks["flow_fwd"], blocks["flow_bwd"]
        out["flow_mw"] = f - b
        out["branch_loss_mw"] = br.loss_share * (f + b)
    elif "injection" in blocks and p.ptdf is not None:
        out["flow_mw"] = np.zeros((p.T, br.n))
        for ts, ptdf in p.ptdf_periods():
            out["flow_mw"][ts] = blocks["injection"][ts] @ ptdf.T
        out["branch_loss_mw"] = np.zeros((p.T, br.n))
    else:
        out["flow_mw"] = np.zeros((p.T, br.n))
        out["branch_loss_mw"] = np.zeros((p.T, br.n))
    N = p.nodes.n
    out["price_per_mwh"] = sol.row_dual[: p.T * N].reshape(p.T, N) / p.dt_h
    rows = {
        b.family[len("reserve_") :]: (b, sol.row_dual[r0 : r0 + b.n_rows])
        for b, r0 in zip(lp.blocks, lp.row_offsets())
        if b.family in ("reserve_up", "reserve_down")
    }
    out.update(reserve_outputs(p, lp.variables, blocks, rows))
    dc = [(b, r0) for b, r0 in zip(lp.blocks, lp.row_offsets()) if b.family == DC_FAMILY]
    dual = sol.row_dual[dc[0][1] : dc[0][1] + dc[0][0].n_rows] if dc else None
    out.update(dc_support_outputs(p, blocks, dual))
    return out


def cost_breakdown(
    p: DispatchProblem, a: dict[str, Arr], rows: slice | None = None
) -> dict[str, float]:
    """Cost components (CNY) of a dispatch, summed over snapshots ``rows`` (all by default).

    Each component is ``Σ_t Σ_k x_{t,k} c_{t,k}`` over the output arrays that
    :data:`~gridsim.dispatch.declarations.OUTPUTS` assigns to it, with ``c`` the cost
    vector of the output's own LP variable block (the objective's coefficients);
    ``export_value`` adds the constant for the fixed losses of export links over the
    snapshots counted. NaN hours (unsolved) count zero.
    """
    sl = rows or slice(None)
    commitment = (
        "linear" if "thermal_su_mw" in a or "thermal_u_mw" in a else "none"
    )  # same costs in the MILP
    cost = {n: b.cost for n, b in define_variables(p, commitment).blocks.items()}
    out = dict.fromkeys(cost_keys(), 0.0)
    for o in OUTPUTS:
        if o.cost is None or o.block is None or o.name not in a or o.block not in cost:
            continue
        out[o.cost] += float(np.nansum((a[o.name] * cost[o.block])[sl]))
    hours = np.zeros(p.T, dtype=bool)
    hours[sl] = True
    solved = np.isfinite(a["link_p_mw"]).all(axis=1) if "link_p_mw" in a else hours
    out["export_value"] += objective_offset(p) / max(p.T, 1) * float((hours & solved).sum())
    out["total"] = float(sum(out.values()))
    return out


@dataclass
class DispatchResult:
    """Outcome of a dispatch run.

    ``status``: ``optimal`` (every window solved), ``infeasible``, ``error``,
    ``time_limit`` or ``cancelled`` (the first failing window's status); results of
    windows solved before the failure are kept, later hours are NaN.
    ``stages`` (the parallel method): the coarse pass's status, objective (CNY) and
    time (s), the windows' time, the executor and its workers.
    """

    problem: DispatchProblem
    status: str
    arrays: dict[str, Arr]
    windows: list[WindowReport]
    options: dict[str, Any] = field(default_factory=dict)
    stages: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "optimal"

    @property
    def solved_hours(self) -> int:
        """Number of snapshots with a committed solution."""
        return int(sum(w.t1 - w.t0 for w in self.windows if w.status == "optimal"))

    @property
    def diagnosis(self) -> Diagnosis | None:
        """The diagnosis of the first failed window, if any."""
        return next((w.diagnosis for w in self.windows if w.diagnosis is not None), None)

    @property
    def objective(self) -> float:
        """Total cost of the committed dispatch (CNY), summed over solved hours."""
        return self.costs()["total"]

    def costs(self) -> dict[str, float]:
        """Cost components (CNY) of the committed dispatch."""
        return cost_breakdown(self.problem, self.arrays)

    def summary(self) -> dict[str, float]:
        """Energy totals over the solved hours (MWh), utilisation (share), coal (tce), CO2 (t)."""
        p, a, dt = self.problem, self.arrays, self.problem.dt_h

        def tot(x: Arr) -> float:
            return float(np.nansum(x) * dt)

        out: dict[str, float] = {
            "demand_mwh": tot(a["load_mw"]),
            "thermal_mwh": tot(a["thermal_p_mw"]),
            "hydro_mwh": tot(a["hydro_p_mw"]),
        }
        for fuel in sorted(set(map(str, p.renewable.fuel))):
            sel = p.renewable.fuel == fuel
            gen, cur = tot(a["renewable_p_mw"][:, sel]), tot(a["renewable_curtail_mw"][:, sel])
            out[f"{fuel}_mwh"] = gen
            out[f"{fuel}_curtailed_mwh"] = cur
            out[f"{fuel}_utilisation"] = gen / (gen + cur) if gen + cur > 0 else float("nan")
        gen, cur = tot(a["renewable_p_mw"]), tot(a["renewable_curtail_mw"])
        out["renewable_utilisation"] = gen / (gen + cur) if gen + cur > 0 else float("nan")
        out["unserved_mwh"] = tot(a["unserved_mw"])
        out["dr_curtailed_mwh"] = tot(a["dr_curtail_mw"])
        out["dc_sent_mwh"] = tot(a["link_p_mw"][:, p.links.to_node < 0])
        out["ac_import_mwh"] = tot(a["import_mw"])
        out["ac_export_mwh"] = tot(a["export_mw"])
        out["storage_discharge_mwh"] = tot(a["storage_discharge_mw"])
        out["losses_mwh"] = (
            tot(a["network_loss_mw"]) + tot(a["branch_loss_mw"]) + tot(a["link_loss_mw"])
        )
        out["coal_tce"] = tot(a["thermal_p_mw"] * p.thermal.coal_gce_per_kwh) / 1000.0
        out["co2_t"] = tot(a["thermal_p_mw"] * p.thermal.co2_t_per_mwh)
        return out

    def frame(self, name: str) -> pd.DataFrame:
        """Array ``name`` as a DataFrame: index snapshot, columns element names."""
        grp = ARRAYS[name]
        cols = self.problem.nodes.names if grp == "nodes" else getattr(self.problem, grp).names
        return pd.DataFrame(
            self.arrays[name],
            index=self.problem.snapshots,
            columns=pd.Index([str(c) for c in cols], name=grp),
        )

    def windows_frame(self) -> pd.DataFrame:
        """One row per window: times, status, objective, timings, sizes."""
        rows = []
        for w in self.windows:
            d = asdict(w)
            d["diagnosis"] = str(w.diagnosis) if w.diagnosis else ""
            rows.append(d)
        return pd.DataFrame(rows)

    def to_parquet(self, directory: str | Path) -> Path:
        """Write each array to ``<name>.parquet``, the windows and a manifest.json."""
        from gridsim import __version__

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        for name in self.arrays:
            if name in ARRAYS:
                self.frame(name).to_parquet(d / f"{name}.parquet")
        self.windows_frame().to_parquet(d / "windows.parquet")
        manifest = {
            "gridsim_version": __version__,
            "problem": self.problem.name,
            "inputs_sha256": self.problem.digest(),
            "status": self.status,
            "objective_cny": self.objective,
            "costs_cny": self.costs(),
            "solved_hours": self.solved_hours,
            "snapshots": [str(self.problem.snapshots[0]), str(self.problem.snapshots[-1])]
            if self.problem.T
            else [],
            "options": self.options,
            "seed": self.options.get("random_seed", 0),
            "diagnosis": str(self.diagnosis) if self.diagnosis else None,
        }
        (d / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        return d
