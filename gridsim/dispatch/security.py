"""N-1 security of the ptdf dispatch: post-contingency branch limits from the LODF
(layer 2: the maths).

With base-case flows ``f = PTDF · injection`` (MW), the outage of contingency ``c`` (a
share ``a_c`` of the admittance of branch ``c``: one circuit, ``1 / circuits``, or the
whole branch, 1) moves flow onto monitored branch ``m``::

    f_m|c = f_m + L[m, c] f_c,   L[m, c] = a_c h[m, c] / (1 - a_c h[c, c])
    h[m, c] = PTDF_m (e_from(c) - e_to(c))

and the limit is ``|f_m|c| <= share · p_max_m`` (``share``: the post-contingency rating,
:attr:`SecuritySets.rating_share`). For a whole-branch outage ``L[c, c] = -1`` (the
branch is out, not monitored); for one circuit of ``k`` the formula on ``m = c`` gives
the branch's flow on its remaining circuits scaled to the full rating, so the same
limit applies. An outage with ``1 - a_c h[c, c] = 0`` splits the network (LODF
undefined): it is skipped and listed (:attr:`SecurityCuts.islanding`), as
:func:`gridsim.studies.contingency.run_contingency` does.

The rows are ``(PTDF_m + L[m, c] PTDF_c) · injection`` in ``[-limit, limit]``, one per
(snapshot, contingency, monitored branch), with one PTDF per topology period. They
are added lazily (:func:`gridsim.dispatch.lazy.solve_lazy`): after each solve every
triple is checked (numpy, chunks of hours to bound memory) and, for each (snapshot,
monitored branch) with a violation, the row of the outage that violates most is added
(the other outages of that pair mostly follow; they are checked again after the
re-solve); ``flow_limits="full"`` adds them all up front (same optimum).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gridsim.dispatch.constraints import RowBlock
from gridsim.dispatch.model import LinearProgram, with_rows
from gridsim.dispatch.problem import DispatchProblem
from gridsim.errors import InputError

Arr = np.ndarray

SECURITY = ("none", "n-1")
#: Default sets: contingencies are the lines of this voltage (kV), monitored every
#: branch of these voltages (kV), each within :data:`KV_RTOL`.
CONTINGENCY_KV = (750.0,)
MONITORED_KV = (750.0, 330.0)
KV_RTOL = 0.05
#: A post-contingency flow counts as violated above ``limit * (1 + TOL_SHARE)`` and at
#: least ``TOL_MW`` above (as the base-case limits of :mod:`gridsim.dispatch.lazy`).
TOL_SHARE = 1e-7
TOL_MW = 1e-6
#: ``|1 - a h[c, c]|`` below this: the outage splits the network.
BRIDGE_TOL = 1e-9
#: Entries of a row at most this large (absolute) are left out.
ZERO = 1e-10
#: (hour, contingency, branch) triples checked at once.
CHUNK = 1 << 22
FAMILY = "security_limit"


@dataclass(frozen=True)
class SecuritySets:
    """The N-1 sets, as indices into the problem's branches: ``contingency`` (C,) with
    ``outage_share`` (C,) of each one's admittance taken out, ``monitored`` (M,) branches
    with a finite rating, and the post-contingency rating ``rating_share`` (of
    ``p_max_mw``)."""

    contingency: Arr
    outage_share: Arr
    monitored: Arr
    rating_share: float = 1.0


def _near_kv(vn_kv: Arr, levels: Sequence[float]) -> Arr:
    v = np.asarray(vn_kv, float)
    return np.any([np.abs(v - k) <= KV_RTOL * k for k in levels], axis=0)


def _resolve(names: Arr, given: Sequence[str], field_name: str, src: str | None) -> Arr:
    pos = {str(n): i for i, n in enumerate(names)}
    out = []
    for g in given:
        if str(g) not in pos:
            near = difflib.get_close_matches(str(g), list(pos), n=3, cutoff=0.6)
            hint = f"; close: {', '.join(near)}" if near else ""
            raise InputError(
                f"is not a line or transformer of the ptdf model{hint}",
                source=src,
                field=field_name,
                value=g,
            )
        out.append(pos[str(g)])
    return np.unique(np.asarray(out, dtype=np.int64))


def security_sets(
    p: DispatchProblem,
    contingencies: Sequence[str] | None = None,
    monitored: Sequence[str] | None = None,
    rating_share: float = 1.0,
    per_circuit: bool = True,
    source: str | None = None,
) -> SecuritySets:
    """The sets of ``p``'s branches by name (None: the defaults, every line of
    :data:`CONTINGENCY_KV` and every branch of :data:`MONITORED_KV`); ``per_circuit``: an
    outage takes out one circuit of a multi-circuit branch (else the whole branch).
    Unknown names raise :class:`InputError` with close matches; monitored branches
    without a finite rating are left out."""
    if p.network != "ptdf":
        raise InputError(
            "needs network_model = 'ptdf' (post-contingency flows from the PTDF)",
            source=source,
            field="security",
            value="n-1",
        )
    if not rating_share > 0:
        raise InputError("must be > 0", source=source, field="post_contingency_rating_share", value=rating_share)  # fmt: skip
    br = p.branches
    if contingencies is None:
        c = np.flatnonzero((br.branch_type == "line") & _near_kv(br.vn_kv, CONTINGENCY_KV))
    else:
        c = _resolve(br.names, contingencies, "security_contingencies", source)
    if monitored is None:
        m = np.flatnonzero(_near_kv(br.vn_kv, MONITORED_KV))
    else:
        m = _resolve(br.names, monitored, "security_monitored", source)
    m = m[np.isfinite(br.p_max_mw[m])]
    circuits = np.maximum(np.asarray(br.circuits, float)[c], 1.0)
    share = 1.0 / circuits if per_circuit else np.ones(c.size)
    return SecuritySets(c, share, m, float(rating_share))


@dataclass
class _Period:
    """One topology period: its snapshots, PTDF, and the LODF of the usable pairs."""

    ts: Arr
    ptdf: Arr
    lodf: Arr  # (M, C), NaN where the pair is not limited
    cons: Arr  # (C,) usable contingencies (in service, not islanding)


@dataclass
class SecurityCuts:
    """The post-contingency limits of one window's problem ``p``: checks a solution's
    flows and makes the rows of the violated (snapshot, contingency, branch) triples.

    ``rows_added`` counts the rows made; ``islanding`` names the outages skipped because
    they split the network (in some topology period)."""

    p: DispatchProblem
    sets: SecuritySets
    rows_added: int = 0
    islanding: list[str] = field(default_factory=list)
    _periods: list[_Period] = field(default_factory=list)
    _added: Arr = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        p, s = self.p, self.sets
        br = p.branches
        C, M = s.contingency, s.monitored
        island: set[int] = set()
        for ts, ptdf in p.ptdf_periods():
            on = br.avail_pu[ts[0]] > 0 if ts.size else np.ones(br.n, bool)
            h = ptdf[:, br.node[C]] - ptdf[:, br.to_node[C]]  # (K, C)
            a = s.outage_share
            denom = 1.0 - a * h[C, np.arange(C.size)]
            bridge = np.abs(denom) < BRIDGE_TOL
            island.update(C[bridge & on[C]].tolist())
            with np.errstate(divide="ignore", invalid="ignore"):
                lodf = (h * (a / np.where(bridge, np.nan, denom))[None, :])[M]  # (M, C)
            whole = a >= 1.0
            same = M[:, None] == C[None, :]
            lodf[same & whole[None, :]] = np.nan  # the branch is out, not monitored
            cons = on[C] & ~bridge
            lodf[:, ~cons] = np.nan
            lodf[~on[M], :] = np.nan
            self._periods.append(_Period(ts, ptdf, lodf, cons))
        self.islanding = [str(br.names[k]) for k in sorted(island)]

    @property
    def limit_mw(self) -> Arr:
        """Post-contingency limit of each monitored branch (M,), MW."""
        return self.sets.rating_share * self.p.branches.p_max_mw[self.sets.monitored]

    def _triples(self, flow_mw: Arr | None) -> tuple[Arr, Arr, Arr]:
        """(t, contingency position, monitored position) of the violated triples (all the
        usable ones with ``flow_mw`` None), not yet added."""
        lim = self.limit_mw
        tol = np.maximum(TOL_MW, TOL_SHARE * lim)
        C, M = self.sets.contingency, self.sets.monitored
        nc, nm = C.size, M.size
        out: list[tuple[Arr, Arr, Arr]] = []
        for per in self._periods:
            valid = np.isfinite(per.lodf.T)  # (C, M)
            if flow_mw is None:
                ci, mi = np.nonzero(valid)
                t = np.repeat(per.ts, ci.size)
                out.append((t, np.tile(ci, per.ts.size), np.tile(mi, per.ts.size)))
                continue
            L = np.nan_to_num(per.lodf.T)  # (C, M)
            step = max(1, CHUNK // max(nc * nm, 1))
            for a in range(0, per.ts.size, step):
                ts = per.ts[a : a + step]
                f = flow_mw[ts]
                post = f[:, M][:, None, :] + f[:, C][:, :, None] * L[None]
                excess = np.where(valid[None], np.abs(post) - lim[None, None, :], -np.inf)
                done = self._added_in(ts)
                excess[np.searchsorted(ts, done[0]), done[1], done[2]] = -np.inf  # rows in the LP
                # per (hour, branch) the worst outage only: the others often follow
                worst = excess.argmax(axis=1)  # (Tc, M)
                top = np.take_along_axis(excess, worst[:, None, :], axis=1)[:, 0, :]
                tt, mi = np.nonzero(top > tol[None, :])
                out.append((ts[tt], worst[tt, mi], mi))
        if not out:
            e = np.zeros(0, dtype=np.int64)
            return e, e, e
        t, ci, mi = (np.concatenate(x).astype(np.int64) for x in zip(*out))
        key = (t * nc + ci) * nm + mi
        fresh = ~np.isin(key, self._added)
        self._added = np.union1d(self._added, key[fresh])
        return t[fresh], ci[fresh], mi[fresh]

    def _added_in(self, ts: Arr) -> tuple[Arr, Arr, Arr]:
        """(t, contingency position, monitored position) of the rows added so far whose
        hour is in ``ts`` (sorted hours)."""
        nc, nm = self.sets.contingency.size, self.sets.monitored.size
        t, rest = np.divmod(self._added, nc * nm)
        sel = np.isin(t, ts)
        ci, mi = np.divmod(rest[sel], nm)
        return t[sel], ci, mi

    def violated_rows(self, flow_mw: Arr, inj_idx: Arr) -> RowBlock | None:
        """Rows of the triples whose post-contingency flow (from the base-case flows
        ``flow_mw`` (T, K), MW) exceeds its limit; None if there is none (``inj_idx``: the
        (T, N) column indices of the injections)."""
        t, ci, mi = self._triples(flow_mw)
        return self._rows(t, ci, mi, inj_idx) if t.size else None

    def all_rows(self, inj_idx: Arr) -> RowBlock | None:
        """The rows of every usable triple (the full formulation)."""
        t, ci, mi = self._triples(None)
        return self._rows(t, ci, mi, inj_idx) if t.size else None

    def _rows(self, t: Arr, ci: Arr, mi: Arr, inj_idx: Arr) -> RowBlock:
        C, M = self.sets.contingency, self.sets.monitored
        lim = self.limit_mw[mi]
        blk = RowBlock(FAMILY, "branch", int(t.size), -lim, lim.copy(), t, M[mi])
        period = np.zeros(self.p.T, dtype=np.int64)
        for j, per in enumerate(self._periods):
            period[per.ts] = j
        n_nodes = self.p.nodes.n
        step = max(1, CHUNK // max(n_nodes, 1))
        for j, per in enumerate(self._periods):
            rows = np.flatnonzero(period[t] == j)
            for a in range(0, rows.size, step):
                r = rows[a : a + step]
                H = per.ptdf[M[mi[r]]] + per.lodf[mi[r], ci[r]][:, None] * per.ptdf[C[ci[r]]]
                rr, nn = np.nonzero(np.abs(H) > ZERO)
                blk.term(r[rr], inj_idx[t[r[rr]], nn], H[rr, nn])
        self.rows_added += blk.n_rows
        return blk


def post_contingency_counts(
    p: DispatchProblem, sets: SecuritySets, flow_mw: Arr, hours: Arr | None = None
) -> tuple[Arr, Arr]:
    """Hours in which each monitored branch's post-contingency flow is at its limit
    (within 1e-6 of it, relative, or 1e-6 MW): ``any`` (M,) over the contingencies and
    ``by`` (C, M) per contingency; over the snapshots ``hours`` (bool (T,), default all)
    of the base-case flows ``flow_mw`` (T, K), MW."""
    cuts = SecurityCuts(p, sets)
    lim = cuts.limit_mw
    tol = np.maximum(1e-6, 1e-6 * lim)
    C, M = sets.contingency, sets.monitored
    nc, nm = C.size, M.size
    use = np.ones(p.T, bool) if hours is None else np.asarray(hours, bool)
    anyh = np.zeros(nm, dtype=np.int64)
    by = np.zeros((nc, nm), dtype=np.int64)
    for per in cuts._periods:
        valid = np.isfinite(per.lodf.T)
        L = np.nan_to_num(per.lodf.T)
        ts_all = per.ts[use[per.ts]]
        step = max(1, CHUNK // max(nc * nm, 1))
        for a in range(0, ts_all.size, step):
            f = np.nan_to_num(flow_mw[ts_all[a : a + step]])
            post = f[:, M][:, None, :] + f[:, C][:, :, None] * L[None]
            at = (np.abs(post) >= lim[None, None, :] - tol[None, None, :]) & valid[None]
            by += at.sum(axis=0)
            anyh += at.any(axis=1).sum(axis=0)
    return anyh, by


def binding_table(p: DispatchProblem, sets: SecuritySets | None, flow_mw: Arr) -> pd.DataFrame:
    """Per branch that is ever at a limit: ``base_hours`` at its rating in the base case,
    ``n1_hours`` at its post-contingency limit under some outage, ``n1_outage`` the
    outage that puts it there in the most hours and ``n1_outage_hours`` those hours;
    most binding first. Solved hours only (``flow_mw`` (T, K), MW, NaN: not solved)."""
    br = p.branches
    solved = np.isfinite(flow_mw).all(axis=1)
    f = np.nan_to_num(flow_mw[solved])
    rating = br.p_max_mw
    tol = np.maximum(1e-6, 1e-6 * np.where(np.isfinite(rating), rating, 0.0))
    on = br.avail_pu[solved] > 0
    base = ((np.abs(f) >= rating[None, :] - tol[None, :]) & on & np.isfinite(rating)[None, :]).sum(axis=0)  # fmt: skip
    n1 = np.zeros(br.n, dtype=np.int64)
    outage = np.full(br.n, "", dtype=object)
    outage_h = np.zeros(br.n, dtype=np.int64)
    if sets is not None and sets.contingency.size and sets.monitored.size:
        anyh, by = post_contingency_counts(p, sets, flow_mw, solved)
        n1[sets.monitored] = anyh
        best = by.argmax(axis=0)
        outage_h[sets.monitored] = by[best, np.arange(best.size)]
        outage[sets.monitored] = np.where(anyh > 0, br.names[sets.contingency[best]], "")
    df = pd.DataFrame(
        {
            "base_hours": base,
            "n1_hours": n1,
            "n1_outage": outage,
            "n1_outage_hours": outage_h,
        },
        index=pd.Index([str(n) for n in br.names], name="branch"),
    )
    df = df[(df.base_hours > 0) | (df.n1_hours > 0)]
    order = np.lexsort((-df.n1_hours.to_numpy(), -(df.base_hours + df.n1_hours).to_numpy()))
    return df.iloc[order]


def with_security_blocks(full: LinearProgram, solved: LinearProgram) -> LinearProgram:
    """``full`` plus the security rows that ``solved`` (a lazy window's LP) holds: the
    failed window's diagnosis then sees the limits added so far."""

    for blk in solved.blocks:
        if blk.family == FAMILY:
            full = with_rows(full, blk)
    return full


def options_sets(p: DispatchProblem, opts: object) -> SecuritySets | None:
    """The sets of ``opts`` (a :class:`~gridsim.dispatch.rolling.DispatchOptions` or its
    ``as_dict()``, as a result's ``options``) for ``p``; None without N-1 security."""
    d = opts if isinstance(opts, dict) else vars(opts)
    sec = d.get("security", "none")
    if sec not in SECURITY:
        raise ValueError(f"security must be one of {SECURITY}, got {sec!r}")
    if sec == "none":
        return None
    cont, mon = d.get("security_contingencies"), d.get("security_monitored")
    return security_sets(
        p,
        None if cont is None else list(cont),
        None if mon is None else list(mon),
        float(d.get("post_contingency_rating_share", 1.0)),
        bool(d.get("security_per_circuit", True)),
    )


__all__ = [
    "SECURITY",
    "SecurityCuts",
    "SecuritySets",
    "binding_table",
    "options_sets",
    "post_contingency_counts",
    "security_sets",
    "with_security_blocks",
]
