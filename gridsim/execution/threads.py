"""What a worker process does once, before its first task: one thread for
BLAS/OpenMP/numba (a worker per core, not a worker per core times the library's
threads), the input cache where it applies, and an exit when its parent dies.

HiGHS needs nothing here: every solve sets its own ``threads`` option
(:class:`gridsim.dispatch.model.SolverOptions`, 1 by default).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from typing import Any

#: Thread-count variables set to 1 in every worker (and in HPC job scripts).
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")

_DONE: set[str] = set()  # the once-per-process steps of init_worker already taken


def limit_threads() -> None:
    """One thread for BLAS/OpenMP (threadpoolctl) and numba in this process, and in the
    environment of processes it starts."""
    numba = sys.modules.get("numba")
    for var in THREAD_ENV:
        # numba reads NUMBA_NUM_THREADS when imported and re-reads its configuration
        # later: changing it once its thread pool runs raises in every parallel kernel
        # of this process (set_num_threads below is the in-process control)
        if var == "NUMBA_NUM_THREADS" and numba is not None:
            continue
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        pass
    if numba is not None:
        try:
            numba.set_num_threads(1)
        except (ValueError, RuntimeError):  # pragma: no cover
            pass


def exit_with_parent(poll_s: float = 0.5) -> None:
    """End this process (exit code 1) soon after its parent dies: a daemon thread polls
    the parent pid (every ``poll_s`` s). A sweep worker whose command was killed thus
    stops instead of finishing its case for a parent that is gone. For processes
    started by ``spawn`` (under ``forkserver`` the parent pid is the server's)."""
    spawner = multiprocessing.parent_process()  # known even if it died before this call
    parent = spawner.pid if spawner is not None and spawner.pid else os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="gridsim-exit-with-parent", daemon=True).start()


def init_worker(input_cache: bool = False, exit_with_parent_process: bool = False) -> None:
    """Set this worker process up: :func:`limit_threads` (every call), and once per
    process the input cache on when ``input_cache`` (:mod:`gridsim.studies.input_cache`,
    unless ``GRIDSIM_INPUT_CACHE=0``) and, when ``exit_with_parent_process`` and this is
    a child of a ``multiprocessing`` parent, :func:`exit_with_parent`."""
    limit_threads()
    if input_cache and "input_cache" not in _DONE:
        _DONE.add("input_cache")
        from gridsim.studies import input_cache as cache

        cache.enable(cache.env_allows())
    if exit_with_parent_process and "exit" not in _DONE:
        _DONE.add("exit")
        if multiprocessing.parent_process() is not None:
            exit_with_parent()


def thread_state() -> dict[str, Any]:
    """This process's thread settings: ``env`` (each of :data:`THREAD_ENV`, None when
    unset) and ``blas`` (threadpoolctl's thread count of each loaded BLAS/OpenMP
    library, by its ``internal_api``)."""
    from threadpoolctl import threadpool_info

    blas = {f"{i['internal_api']}:{i.get('filepath', '')}": int(i["num_threads"]) for i in threadpool_info()}  # fmt: skip
    return {"env": {var: os.environ.get(var) for var in THREAD_ENV}, "blas": blas}


__all__ = ["THREAD_ENV", "exit_with_parent", "init_worker", "limit_threads", "thread_state"]
