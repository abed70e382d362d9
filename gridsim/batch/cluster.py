"""Sweeps on Dask: a LocalCluster, a running scheduler reached by address or by its
scheduler file, or a ``distributed.Client`` of the caller (e.g. on a dask-jobqueue
cluster, see ``docs/cluster.md``).

- Every worker is set up once (:class:`gridsim.execution.dask_cluster.SetupPlugin`):
  one thread for BLAS/OpenMP/numba, the input cache on
  (:mod:`gridsim.studies.input_cache`), the study modules imported. Workers that join
  later, or that a nanny restarts, are set up too. The client comes from
  :func:`gridsim.execution.dask_cluster.connect`.
- A case whose worker dies is run again by the scheduler on another worker (up to its
  ``distributed.scheduler.allowed-failures``, 3 by default); after that it is yielded as
  :class:`WorkerLost`, which the sweep records as a ``lost`` case. The other cases go on.
- A result is released on the cluster as soon as it is received: a worker that dies
  later holds nothing of the sweep, so no finished case is computed again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from distributed import as_completed as dask_completed

from gridsim.batch.worker import warm_up
from gridsim.execution.dask_cluster import connect, set_up_workers

if TYPE_CHECKING:
    from gridsim.batch.runner import CaseTask, Outcome

PLUGIN_NAME = "gridsim-worker"


class WorkerLost(RuntimeError):
    """A case whose worker died on every attempt the scheduler allowed."""


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
    """Run ``fn`` on ``tasks`` on a Dask cluster (``address`` and ``workers`` as in
    :func:`gridsim.execution.dask_cluster.connect`), each worker set up once by
    ``setup``, then :func:`gridsim.batch.worker.warm_up`; yield outcomes (task, row or
    exception) as they complete."""
    client, close = connect(address, workers)
    futures: dict[Any, CaseTask] = {}
    try:
        set_up_workers(client, PLUGIN_NAME, setup, warm_up)
        for t in tasks:
            key = f"gridsim-case-{t.case.id}-{os.urandom(4).hex()}"
            futures[client.submit(fn, t, pure=False, key=key)] = t
        for fut in dask_completed(list(futures), loop=client.loop):
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


__all__ = ["PLUGIN_NAME", "WorkerLost", "describe_loss", "run_dask"]
