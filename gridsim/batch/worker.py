"""What a sweep worker process does once, before its first case, and the timing columns
of a case (see :mod:`gridsim.batch`).

Once per worker process (local process pool or Dask worker), besides the thread limits
of :mod:`gridsim.execution.threads`:

- the input cache is turned on (:mod:`gridsim.studies.input_cache`): networks and
  profile sets are read by the worker's first case and copied from memory for the next
  ones (``GRIDSIM_INPUT_CACHE=0`` in the workers' environment turns it off);
- :func:`warm_up` imports the study modules and the solver before the first case
  arrives (several seconds), so that the first case's time is its own.

A sweep case (a dispatch) calls no numba kernel: the compiled kernels are the AC power
flow's (:mod:`gridsim.powerflow.jit`), which a case does not run, so there is none to
load; numba itself is limited to one thread in every worker.
"""

from __future__ import annotations

from typing import Any

_WARM = False


def warm_up() -> None:
    """Import what a case runs (the study, the dispatch, HiGHS) once per process."""
    global _WARM
    if _WARM:
        return
    import gridsim.results.write  # noqa: F401 - the run folder writer
    import gridsim.studies.balance  # noqa: F401 - network, profiles, dispatch, KPIs
    from gridsim.dispatch.model import new_highs

    new_highs()  # the solver library loaded (its banner kept off stdout)
    _WARM = True


def case_timings(res: Any) -> dict[str, float]:
    """Wall times of a case from its :class:`~gridsim.studies.balance.BalanceResult`
    (s): ``inputs_s`` (network and profiles prepared), ``build_s`` (the dispatch
    problem built) and ``solve_s`` (every dispatch solve: the run, its copper-plate and
    unsecured re-runs, weather years)."""
    t = getattr(res, "timings_s", {}) or {}
    solve = sum(t.get(k, 0.0) for k in ("dispatch", "copperplate", "without_security", "weather_years"))  # fmt: skip
    return {
        "inputs_s": round(float(t.get("inputs", 0.0)), 4),
        "build_s": round(float(t.get("build", 0.0)), 4),
        "solve_s": round(float(solve), 4),
    }


__all__ = ["case_timings", "warm_up"]
