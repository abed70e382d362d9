"""N-1 contingency screening over many snapshots, with an AC re-check of the worst cases.

Screening uses the DC model and line-outage distribution factors. An outage takes
out one circuit of a branch (``per_circuit=True``, the default: a share
``a = 1/parallel`` of its admittance) or the whole branch (``a = 1``). With pre-outage
flows ``F`` (m x T) and ``h[l, k] = PTDF[l] (e_f(k) - e_t(k))``::

    F_post[l, t | k] = F[l, t] + a h[l, k] / (1 - a h[k, k]) F[k, t]

which is the classical LODF for ``a = 1``; for ``l = k`` it gives the flow per
remaining circuit share of branch ``k``. Every outage is screened over every
snapshot, chunk by chunk. Outages that split the network are listed separately. The ``n_recheck`` worst (outage, snapshot)
pairs are then solved with a full AC Newton-Raphson on the network without the
outaged branch.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.network.network import Network
from gridsim.powerflow.compile import compile_network
from gridsim.powerflow.dc import DcSolver, dc_injection_pu
from gridsim.powerflow.flows import branch_flows
from gridsim.powerflow.jit import notify_first_compile
from gridsim.powerflow.newton import newton_pf
from gridsim.powerflow.sensitivity import BRIDGE_TOL, branch_ptdf, ptdf_matrix
from gridsim.powerflow.ybus import assemble_ybus
from gridsim.studies.powerflow import initial_voltage
from gridsim.studies.timeseries import dc_loading_factor, injection_series


@dataclass
class ContingencyResult:
    """Outcome of an N-1 screening.

    ``worst``: one row per outage (outage, branch, loading_percent, snapshot) with the
    most loaded branch after that outage over all snapshots, most severe first.
    ``branch_max_loading``: per branch, the highest post-contingency loading (%) and the
    outage causing it. ``islanding``: outages that split the network.
    ``ac_recheck``: AC results for the worst pairs (outage, snapshot, branch,
    dc_loading_percent, ac_loading_percent, converged).
    """

    worst: pd.DataFrame
    branch_max_loading: pd.DataFrame
    islanding: list[str]
    ac_recheck: pd.DataFrame
    base_loading_max: pd.Series
    time_s: float
    meta: dict = field(default_factory=dict)


def run_contingency(
    net: Network,
    inputs: Mapping[str, pd.DataFrame] | None = None,
    *,
    branches: Sequence[str] | None = None,
    per_circuit: bool = True,
    n_recheck: int = 5,
    chunk: int = 512,
) -> ContingencyResult:
    """Screen every single outage (or those of ``branches``) over all snapshots.

    ``per_circuit``: an outage takes out one circuit of a multi-circuit line (or one
    unit of parallel transformers), a true N-1; with ``False`` the whole branch goes.

    ``inputs`` are time series as in :func:`gridsim.studies.timeseries.run_timeseries`;
    without them the network's own operating point is the single snapshot.
    """
    t0 = time.perf_counter()
    c = compile_network(net)
    notify_first_compile()  # after the checks: bad input never waits for a compile
    if inputs:
        index, s_bus = injection_series(c, net, inputs)
    else:
        index, s_bus = pd.Index([0], name="snapshot"), c.s_bus_pu()[:, None]
    names = c.branch_names
    if branches is None:
        out_idx = np.arange(c.n_branch)
    else:
        pos = {n: i for i, n in enumerate(names)}
        missing = [b for b in branches if b not in pos]
        if missing:
            raise InputError(
                "is not an in-service line or transformer", field="branches", value=missing[0]
            )
        out_idx = np.array([pos[b] for b in branches], dtype=np.int64)
    solver = DcSolver(c)
    ptdf = ptdf_matrix(c, solver.model)
    h = branch_ptdf(ptdf, c)
    share = 1.0 / c.parallel if per_circuit else np.ones(c.n_branch)
    denom = 1.0 - share * np.diag(h)
    bridge = np.abs(denom) < BRIDGE_TOL
    # loading (%) per MW of DC flow, the same rule as the DC time series
    inv_rating = dc_loading_factor(c)
    inv_rating[~np.isfinite(inv_rating)] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = h * np.where(bridge, np.nan, share / denom)[None, :]
    screen = out_idx[~bridge[out_idx]]
    n_t = s_bus.shape[1]
    # per outage: worst loading, its branch and snapshot
    worst_val = np.full(len(screen), -np.inf)
    worst_br = np.zeros(len(screen), np.int64)
    worst_t = np.zeros(len(screen), np.int64)
    br_max = np.full(c.n_branch, -np.inf)
    br_cause = np.full(c.n_branch, -1)
    base_max = np.full(c.n_branch, -np.inf)
    shunt_p = c.y_bus_shunt.real[:, None]
    rated = np.isfinite(inv_rating)
    for start in range(0, n_t, chunk):
        sl = slice(start, min(n_t, start + chunk))
        theta = solver.solve(s_bus[:, sl].real - shunt_p)
        flows = solver.flows_pu(theta) * c.sn_mva  # (m, Tc)
        base_max = np.fmax(base_max, np.nanmax(np.abs(flows) * inv_rating[:, None], axis=1))
        for j, k in enumerate(screen):
            post = flows + factor[:, k][:, None] * flows[k][None, :]
            load = np.abs(post) * inv_rating[:, None]
            if share[k] >= 1.0:
                load[k] = -np.inf
            load[~rated] = -np.inf
            per_t_br = np.argmax(load, axis=0)
            vals = load[per_t_br, np.arange(load.shape[1])]
            tt = int(np.argmax(vals))
            if vals[tt] > worst_val[j]:
                worst_val[j], worst_br[j], worst_t[j] = vals[tt], per_t_br[tt], start + tt
            per_br = load.max(axis=1)
            better = per_br > br_max
            br_max[better] = per_br[better]
            br_cause[better] = k
    order = np.argsort(-worst_val)
    worst = pd.DataFrame(
        {
            "outage": names[screen[order]],
            "circuits_out": np.where(share[screen[order]] < 1.0, 1, c.parallel[screen[order]]),
            "branch": names[worst_br[order]],
            "loading_percent": worst_val[order],
            "snapshot": np.asarray(index)[worst_t[order]],
        }
    )
    bmax = pd.DataFrame(
        {
            "loading_percent": np.where(np.isfinite(br_max), br_max, np.nan),
            "outage": np.where(br_cause >= 0, names[np.maximum(br_cause, 0)], ""),
        },
        index=pd.Index(names, name="branch"),
    )
    recheck = _ac_recheck(
        c,
        s_bus,
        share,
        screen[order][:n_recheck],
        worst_t[order][:n_recheck],
        worst_br[order][:n_recheck],
        worst_val[order][:n_recheck],
        index,
    )
    return ContingencyResult(
        worst=worst,
        branch_max_loading=bmax,
        islanding=[str(x) for x in names[out_idx[bridge[out_idx]]]],
        ac_recheck=recheck,
        base_loading_max=pd.Series(np.where(np.isfinite(base_max), base_max, np.nan), index=names),
        time_s=time.perf_counter() - t0,
        meta={
            "n_snapshots": n_t,
            "n_outages": int(len(out_idx)),
            "model": "dc-lodf",
            "per_circuit": per_circuit,
        },
    )


def _ac_recheck(c, s_bus, share, outages, snaps, branches, dc_vals, index) -> pd.DataFrame:
    """Solve the worst (outage, snapshot) pairs with AC Newton-Raphson."""
    cols = [
        "outage",
        "snapshot",
        "branch",
        "dc_loading_percent",
        "ac_loading_percent",
        "ac_max_loading_percent",
        "converged",
    ]
    if not len(outages):
        return pd.DataFrame(columns=cols)
    rows = []
    v0 = initial_voltage(c)
    for k, t, b, dcv in zip(outages, snaps, branches, dc_vals):
        keep = np.ones(c.n_branch)
        keep[k] = 1.0 - share[k]
        ybus, yf, yt = assemble_ybus(
            c.n_bus,
            c.f,
            c.t,
            c.y_series * keep,
            c.y_shunt_from * keep,
            c.y_shunt_to * keep,
            c.tap,
            c.y_bus_shunt,
        )
        st = newton_pf(ybus, s_bus[:, t], v0, c.pv, c.pq, tol=1e-8)
        fl = branch_flows(c, yf, yt, st.v)
        load = fl.loading_percent.copy()
        if share[k] >= 1.0:
            load[k] = np.nan
        else:  # remaining circuits carry the branch flow against their share of the rating
            load[k] /= 1.0 - share[k]
        rows.append(
            {
                "outage": c.branch_names[k],
                "snapshot": np.asarray(index)[t],
                "branch": c.branch_names[b],
                "dc_loading_percent": float(dcv),
                "ac_loading_percent": float(load[b]),
                "ac_max_loading_percent": float(np.nanmax(load)),
                "converged": bool(st.converged),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def dc_outage_flows(net: Network, outage: str) -> pd.Series:
    """DC branch flows (MW) with ``outage`` removed, solved directly (for checks)."""
    n2 = net.copy()
    table = "line" if outage in n2.line.index else "trafo"
    n2.table(table).loc[outage, "in_service"] = False
    c = compile_network(n2)
    s = DcSolver(c)
    flows = s.flows_pu(s.solve(dc_injection_pu(c))) * c.sn_mva
    return pd.Series(flows, index=c.branch_names)
