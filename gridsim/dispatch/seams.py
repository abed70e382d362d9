"""Rows that join a window to the one after it (layer 2: the maths).

A window solved after the window that follows it (the parallel year,
:mod:`gridsim.dispatch.parallel`) must end where that window starts:

- storage: ``soc[T-1] <= soc_end_max_mwh`` (with ``soc_end_min_mwh``: an exact end);
- thermal, with commitment, the ramp of the next snapshot's fixed output ``p_next``,
  ``u_next`` (the rolling ramp rows with ``t = T``)::

      p[T-1] + (r - 1) u[T-1] >= p_next - u_next
      p[T-1] - u[T-1]         <= p_next - (1 - r) u_next

  without commitment ``|p_next - p[T-1]| <= r p_max``; and ``u[T-1] >= u_end_min_mw``
  (the committed capacity the next window started from);
- DC links: ``|p_next - p[T-1]| <= ramp_mw_per_h dt``.

Every field is NaN by default: no row.
"""

from __future__ import annotations

import numpy as np

from gridsim.dispatch.constraints import INF, RowBlock, _block
from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.variables import Variables

Arr = np.ndarray


def _last_rows(family: str, group: str, sel: Arr, lower: Arr, upper: Arr, T: int) -> tuple[RowBlock, Arr]:  # fmt: skip
    blk, rid = _block(family, group, 1, sel.size, lower, upper, per_t=False)
    blk.element = sel
    blk.t[:] = T - 1
    return blk, rid


def storage_end_max(p: DispatchProblem, v: Variables) -> list[RowBlock]:
    """``soc[T-1] <= soc_end_max_mwh`` where given (MWh)."""
    st = p.storage
    sel = np.flatnonzero(np.isfinite(st.soc_end_max_mwh))
    if sel.size == 0 or p.T == 0:
        return []
    blk, rid = _last_rows("storage_end_max", "storage", sel, np.full(sel.size, -INF), st.soc_end_max_mwh[sel], p.T)  # fmt: skip
    blk.term(rid, v.idx("storage_soc")[-1, sel], 1.0)
    return [blk]


def thermal_into_next(p: DispatchProblem, v: Variables) -> list[RowBlock]:
    """The last snapshot ramps into ``p_next_mw`` / ``u_next_mw``; ``u[T-1] >= u_end_min_mw``."""
    th, T = p.thermal, p.T
    if T == 0:
        return []
    out: list[RowBlock] = []
    commit = "thermal_u" in v
    pp = v.idx("thermal_p")[-1]
    sel = np.flatnonzero(np.isfinite(th.p_next_mw) & np.isfinite(th.ramp_pu_per_h))
    if sel.size:
        r = np.minimum(th.ramp_pu_per_h[sel] * p.dt_h, 1.0)
        p_next = th.p_next_mw[sel]
        if commit:
            u_next = np.where(np.isfinite(th.u_next_mw[sel]), th.u_next_mw[sel], th.p_max_mw[sel])
            u = v.idx("thermal_u")[-1]
            up, ru = _last_rows("ramp_into_next_up", "thermal", sel, p_next - u_next, np.full(sel.size, INF), T)  # fmt: skip
            up.term(ru, pp[sel], 1.0)
            up.term(ru, u[sel], r - 1.0)
            dn, rd = _last_rows("ramp_into_next_down", "thermal", sel, np.full(sel.size, -INF), p_next - (1.0 - r) * u_next, T)  # fmt: skip
            dn.term(rd, pp[sel], 1.0)
            dn.term(rd, u[sel], -1.0)
            out += [up, dn]
        else:
            lim = r * th.p_max_mw[sel]
            blk, rid = _last_rows("ramp_into_next", "thermal", sel, p_next - lim, p_next + lim, T)
            blk.term(rid, pp[sel], 1.0)
            out.append(blk)
    sel = np.flatnonzero(np.isfinite(th.u_end_min_mw))
    if commit and sel.size:
        blk, rid = _last_rows("commitment_end_min", "thermal", sel, th.u_end_min_mw[sel], np.full(sel.size, INF), T)  # fmt: skip
        blk.term(rid, v.idx("thermal_u")[-1, sel], 1.0)
        out.append(blk)
    return out


def links_into_next(p: DispatchProblem, v: Variables) -> list[RowBlock]:
    """``|p_next_mw - p[T-1]| <= ramp_mw_per_h dt`` for links with both given."""
    lk, T = p.links, p.T
    sel = np.flatnonzero(np.isfinite(lk.p_next_mw) & np.isfinite(lk.ramp_mw_per_h))
    if sel.size == 0 or T == 0:
        return []
    lim = lk.ramp_mw_per_h[sel] * p.dt_h
    blk, rid = _last_rows("link_ramp_into_next", "link", sel, lk.p_next_mw[sel] - lim, lk.p_next_mw[sel] + lim, T)  # fmt: skip
    blk.term(rid, v.idx("link_p")[-1, sel], 1.0)
    return [blk]


def seam_rows(p: DispatchProblem, v: Variables) -> list[RowBlock]:
    """Every row that joins the last snapshot to a later window's fixed first snapshot."""
    return storage_end_max(p, v) + thermal_into_next(p, v) + links_into_next(p, v)
