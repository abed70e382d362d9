"""What a sweep worker process does once, before its first case, and the timing columns
of a case (see :mod:`gridsim.batch`).

Once per worker process (local process pool or Dask worker):

- the input cache is turned on (:mod:`gridsim.studies.input_cache`): networks and
  profile sets are read by the worker's first case and copied from memory for the next
  ones (``GRIDSIM_INPUT_CACHE=0`` in the workers' environment turns it off);
- :func:`warm_up` imports the study modules and the solver before the first case
  arrives (about 4 s on a laptop), so that the first case's time is its own.

The dispatch of a sweep case runs no numba kernel (the compiled kernels are the power
flow's, :mod:`gridsim.powerflow.jit`); ``warm_up(kernels=True)`` loads those too, for
workers that will run power flows.
"""

from __future__ import annotations

import logging
from typing import Any

from gridsim.studies import input_cache

log = logging.getLogger(__name__)

#: Thread-count variables set to 1 in every worker (and in HPC job scripts).
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")

_PREPARED = False
_WARM = False


def prepare_worker() -> None:
    """Once per process: turn the input cache on unless the environment forbids it."""
    global _PREPARED
    if _PREPARED:
        return
    _PREPARED = True
    input_cache.enable(input_cache.env_allows())


def warm_up(kernels: bool = False) -> None:
    """Import what a case runs (the study, the dispatch, HiGHS) once per process;
    ``kernels``: also load the power flow's compiled kernels (from numba's disk cache,
    compiled the first time on a machine)."""
    global _WARM
    if not _WARM:
        import gridsim.results.write  # noqa: F401 - the run folder writer
        import gridsim.studies.balance  # noqa: F401 - network, profiles, dispatch, KPIs
        from gridsim.dispatch.model import new_highs

        new_highs()  # the solver library loaded (its banner kept off stdout)
        _WARM = True
    if kernels:
        _warm_kernels()


def _warm_kernels() -> None:
    """One AC power flow of the shipped ``ningxia_2025`` network: every main kernel of
    the power flow compiled, or loaded from numba's disk cache."""
    from gridsim.studies.powerflow import run_pf

    run_pf(input_cache.network("ningxia_2025"), algorithm="nr")


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


__all__ = ["THREAD_ENV", "case_timings", "prepare_worker", "warm_up"]
