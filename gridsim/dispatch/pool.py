"""Where the parallel year's windows run (:mod:`gridsim.dispatch.parallel`): the
executor that ``DispatchOptions.executor`` names, from :mod:`gridsim.execution`.

- ``"processes"``: a local process pool (``forkserver``, this package preloaded) of
  ``workers`` processes;
- ``"dask"``: a Dask cluster: the scheduler at ``address`` or in ``scheduler_file``, or
  a LocalCluster of ``workers`` processes when neither is set;
- ``"serial"``: this process.

Every worker runs with one thread for BLAS/OpenMP/numba (HiGHS: one thread per solve,
``SolverOptions.threads``), set when it starts, or, on Dask, by a worker plugin
registered on the cluster (also on a ``distributed.Client`` passed in as ``pool``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gridsim.errors import InputError
from gridsim.execution.processes import process_pool
from gridsim.execution.threads import limit_threads

if TYPE_CHECKING:
    from gridsim.dispatch.windows import DispatchOptions

EXECUTORS = ("processes", "dask", "serial")
#: Name of the worker plugin that sets Dask workers up for windows.
PLUGIN_NAME = "gridsim-dispatch-worker"


def check_executor(opts: DispatchOptions) -> None:
    """``executor``, ``workers``, ``address`` and ``scheduler_file`` of ``opts`` make
    sense together (else an :class:`InputError` naming the field and its value)."""
    if opts.executor not in EXECUTORS:
        raise InputError(f"must be one of {', '.join(EXECUTORS)}", field="executor", value=opts.executor)  # fmt: skip
    if opts.workers is not None and (not isinstance(opts.workers, int) or opts.workers < 1):
        raise InputError("must be a whole number >= 1 (or None: one per core)", field="workers", value=opts.workers)  # fmt: skip
    if opts.address is not None and not isinstance(opts.address, str):
        raise InputError("must be a scheduler address such as 'tcp://host:8786', or 'local'", field="address", value=opts.address)  # fmt: skip
    sf = opts.scheduler_file
    if sf is None:
        return
    if not isinstance(sf, (str, Path)) or not str(sf).strip():
        raise InputError("must be the path of a scheduler file", field="scheduler_file", value=sf)
    if opts.executor != "dask":
        raise InputError(f"needs executor = 'dask', got executor = {opts.executor!r}", field="scheduler_file", value=str(sf))  # fmt: skip
    if opts.address not in (None, "local"):
        raise InputError(f"and address ({opts.address!r}) both name a scheduler: set one", field="scheduler_file", value=str(sf))  # fmt: skip


def open_runner(opts: DispatchOptions, pool: Any = None) -> tuple[Any, Callable[[], None]]:
    """(executor with ``submit``, what closes what was opened for it) for ``opts``; the
    executor is None for this process. ``pool``: the caller's executor (left open)."""
    check_executor(opts)
    if pool is not None:
        if _is_client(pool):
            _set_up(pool)
        return pool, lambda: None
    workers = opts.workers or os.cpu_count() or 1
    if opts.executor == "serial" or (opts.executor == "processes" and workers == 1):
        return None, lambda: None
    if opts.executor == "processes":
        runner = process_pool(workers, "forkserver", preload=["gridsim.dispatch.parallel"])
        return runner, runner.shutdown
    try:
        from gridsim.execution.dask_cluster import connect
    except ImportError as err:  # pragma: no cover - dask is an optional extra
        raise ImportError(f"executor 'dask' needs dask.distributed: pip install 'gridsim[dask]' ({err})") from err  # fmt: skip
    client, close = connect(opts.address, opts.workers, opts.scheduler_file)
    try:
        _set_up(client)
    except BaseException:
        close()
        raise
    return client, close


def _is_client(obj: Any) -> bool:
    distributed = sys.modules.get("distributed")  # a Client was made: it is imported
    return distributed is not None and isinstance(obj, distributed.Client)


def _set_up(client: Any) -> None:
    from gridsim.execution.dask_cluster import set_up_workers

    set_up_workers(client, PLUGIN_NAME, limit_threads)


def worker_count(runner: Any, opts: DispatchOptions) -> int:
    """Workers of ``runner`` (1 for this process), for the result's report."""
    if runner is None:
        return 1
    if isinstance(runner, ProcessPoolExecutor):
        return int(getattr(runner, "_max_workers", opts.workers or 0))
    try:
        return len(runner.scheduler_info()["workers"])
    except Exception:  # noqa: BLE001 - a count for the report only
        return int(opts.workers or 0)


def executor_name(runner: Any) -> str:
    """``"serial"``, ``"processes"`` or the type name of ``runner`` (``"Client"``)."""
    if runner is None:
        return "serial"
    return "processes" if isinstance(runner, ProcessPoolExecutor) else type(runner).__name__


__all__ = ["EXECUTORS", "PLUGIN_NAME", "check_executor", "executor_name", "open_runner", "worker_count"]  # fmt: skip
