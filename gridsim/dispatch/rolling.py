"""The driver (layer 3): the dispatch over all snapshots, by one of two methods.

``method="rolling"`` (:func:`gridsim.dispatch.windows.solve_rolling`): windows of
``window_h`` hours plus ``lookahead_h`` of look-ahead, solved one after another, each
keeping its first ``window_h`` hours and handing its state to the next (storage,
commitment, ramps, what remains of each energy budget); ``window_h=None`` is one
whole-horizon solve. ``method="parallel"`` (:mod:`gridsim.dispatch.parallel`): a coarse
pass over the whole horizon sets the state at every window boundary, then the windows
are solved side by side. A failed window is diagnosed (elastic re-solve) and kept in
the result's reports; nothing already solved is lost.
"""

from __future__ import annotations

from typing import Any

from gridsim.dispatch.lazy import FLOW_LIMITS
from gridsim.dispatch.parallel import solve_parallel
from gridsim.dispatch.problem import DispatchProblem
from gridsim.dispatch.result import DispatchResult
from gridsim.dispatch.windows import (
    METHODS,
    DispatchOptions,
    Progress,
    _recent,
    solve_rolling,
)


def solve_dispatch(
    problem: DispatchProblem,
    options: DispatchOptions | None = None,
    progress: Progress | None = None,
    pool: Any = None,
) -> DispatchResult:
    """Solve the dispatch over all snapshots; never raises for a numerical outcome.

    ``progress(report, n_windows)`` is called after each window; returning
    ``False`` cancels the run (status ``cancelled``). ``pool`` (``method="parallel"``):
    an executor to solve the windows on (a ``concurrent.futures.Executor`` or a
    ``distributed.Client``) instead of one started for the run.
    """
    opts = options or DispatchOptions()
    if opts.flow_limits not in FLOW_LIMITS:
        raise ValueError(f"flow_limits must be one of {FLOW_LIMITS}, got {opts.flow_limits!r}")
    if opts.method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {opts.method!r}")
    problem.check()
    if opts.method == "parallel" and opts.window_h is not None and opts.window_h < problem.T:
        return solve_parallel(problem, opts, progress, pool)
    return solve_rolling(problem, opts, progress)


__all__ = ["METHODS", "DispatchOptions", "_recent", "solve_dispatch"]
