"""Sweeps on Dask: a LocalCluster, a running scheduler reached by address or by its
scheduler file, or a ``distributed.Client`` of the caller (e.g. on a dask-jobqueue
cluster, see ``docs/cluster.md``).

- Every worker is set up once (:class:`GridsimWorkerPlugin`): one thread for
  BLAS/OpenMP/numba, the input cache on (:mod:`gridsim.studies.input_cache`), the study
  modules imported. Workers that join later, or that a nanny restarts, are set up too.
- A case whose worker dies is run again by the scheduler on another worker (up to its
  ``distributed.scheduler.allowed-failures``, 3 by default); after that it is yielded as
  :class:`WorkerLost`, which the sweep records as a ``lost`` case. The other cases go on.
- A result is released on the cluster as soon as it is received: a worker that dies
  later holds nothing of the sweep, so no finished case is computed again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distributed import Client, LocalCluster, WorkerPlugin
from distributed import as_completed as dask_completed

from gridsim.batch.worker import THREAD_ENV, warm_up

if TYPE_CHECKING:
    from gridsim.batch.runner import CaseTask, Outcome

PLUGIN_NAME = "gridsim-worker"


class WorkerLost(RuntimeError):
    """A case whose worker died on every attempt the scheduler allowed."""


class GridsimWorkerPlugin(WorkerPlugin):  # type: ignore[misc]
    """Set a Dask worker up for sweep cases once, when it starts (or when registered):
    ``setup()`` (the sweep's :func:`gridsim.batch.runner.worker_setup`), then
    :func:`gridsim.batch.worker.warm_up`."""

    name = PLUGIN_NAME

    def __init__(self, setup: Callable[[], None]) -> None:
        self.prepare = setup

    def setup(self, worker: Any) -> None:
        self.prepare()
        warm_up()


def local_cluster(workers: int | None) -> LocalCluster:
    """A LocalCluster of ``workers`` single-threaded processes (default: one per core)
    whose BLAS/OpenMP thread variables are 1."""
    import dask

    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    # the nanny writes these into this process's environment too: leave numba's out
    # (numba re-reads it, and a change under a running thread pool raises); each worker
    # limits numba itself in worker_setup
    env.update({var: "1" for var in THREAD_ENV if var != "NUMBA_NUM_THREADS"})
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        return LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )


def connect(address: Any, workers: int | None = None) -> tuple[Client, Callable[[], None]]:
    """A client for ``address`` and what closes what was opened for it.

    ``address``: a ``distributed.Client`` (used as it is, left open), ``"local"`` or
    None (a :func:`local_cluster` of ``workers`` processes), a :class:`~pathlib.Path`
    (a scheduler file written by ``dask scheduler --scheduler-file``), or a scheduler
    address (``tcp://host:8786``).
    """
    if isinstance(address, Client):
        return address, lambda: None
    if address in (None, "local"):
        cluster = local_cluster(workers)
        client = Client(cluster)

        def close_both() -> None:
            client.close()
            cluster.close()

        return client, close_both
    if isinstance(address, Path):
        client = Client(scheduler_file=str(address))
    else:
        client = Client(address)
    return client, client.close


def describe_loss(err: BaseException) -> BaseException:
    """``err`` as a :class:`WorkerLost` naming the last worker when it is Dask's
    KilledWorker; other errors (a lost connection, ...) as they are."""
    from distributed.scheduler import KilledWorker

    if isinstance(err, KilledWorker):
        worker = getattr(err.last_worker, "address", err.last_worker)
        tries = err.allowed_failures + 1
        return WorkerLost(f"the worker running it died on each of {tries} attempts (last: {worker})")  # fmt: skip
    return err


def run_dask(
    tasks: list[CaseTask],
    address: Any,
    workers: int | None,
    fn: Callable[[CaseTask], dict[str, Any]],
    setup: Callable[[], None],
) -> Iterator[Outcome]:
    """Run ``fn`` on ``tasks`` on a Dask cluster (see :func:`connect`), each worker set
    up once by ``setup`` (:class:`GridsimWorkerPlugin`); yield outcomes (task, row or
    exception) as they complete."""
    client, close = connect(address, workers)
    futures: dict[Any, CaseTask] = {}
    try:
        client.register_plugin(GridsimWorkerPlugin(setup), name=PLUGIN_NAME)
        for t in tasks:
            key = f"gridsim-case-{t.case.id}-{os.urandom(4).hex()}"
            futures[client.submit(fn, t, pure=False, key=key)] = t
        for fut in dask_completed(list(futures)):
            task = futures.pop(fut)
            try:
                outcome: dict[str, Any] | BaseException = fut.result()
            except Exception as err:  # KilledWorker, lost connection, ...
                outcome = describe_loss(err)
            fut.release()  # nothing of a finished case stays on the cluster
            yield task, outcome
    finally:
        for fut in futures:
            fut.cancel()
        close()


__all__ = ["GridsimWorkerPlugin", "WorkerLost", "connect", "describe_loss", "local_cluster", "run_dask"]  # fmt: skip
