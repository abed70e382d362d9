"""Dask clients for gridsim's workers: a running scheduler reached by address or by its
scheduler file, a LocalCluster of single-threaded workers, or a caller's
``distributed.Client``; and the set-up every worker runs once (:class:`SetupPlugin`).

Needs ``dask.distributed`` (the ``dask`` extra); import this module only where Dask is
used.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask
from dask.utils import parse_timedelta
from distributed import Client, LocalCluster, WorkerPlugin

from gridsim.errors import InputError
from gridsim.execution.threads import THREAD_ENV


class SetupPlugin(WorkerPlugin):  # type: ignore[misc]
    """Run ``steps`` (picklable functions without arguments, e.g.
    :func:`gridsim.execution.threads.limit_threads`) on a Dask worker once, when it
    starts or when the plugin is registered; workers that join later, or that a nanny
    restarts, run them too."""

    def __init__(self, *steps: Callable[[], None]) -> None:
        self.steps = steps

    def setup(self, worker: Any) -> None:
        for step in self.steps:
            step()


def set_up_workers(client: Client, name: str, *steps: Callable[[], None]) -> None:
    """Register a :class:`SetupPlugin` of ``steps`` under ``name`` on ``client``'s
    cluster (a plugin of the same name is replaced)."""
    client.register_plugin(SetupPlugin(*steps), name=name)


def local_cluster(workers: int | None) -> LocalCluster:
    """A LocalCluster of ``workers`` single-threaded processes (default: one per core)
    whose BLAS/OpenMP thread variables are 1."""
    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    # the nanny writes these into this process's environment too: leave numba's out
    # (numba re-reads it, and a change under a running thread pool raises); each worker
    # limits numba itself (gridsim.execution.threads.limit_threads)
    env.update({var: "1" for var in THREAD_ENV if var != "NUMBA_NUM_THREADS"})
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        return LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )


def scheduler_file_address(path: str | Path, timeout_s: float | None = None) -> str:
    """The scheduler address in ``path``, a scheduler file written by ``dask scheduler
    --scheduler-file``. A file not there yet is waited for up to ``timeout_s`` s
    (default: Dask's connect timeout, ``distributed.comm.timeouts.connect``); a file
    still missing then, or one without an address, is an :class:`InputError`."""
    src = Path(path)
    if timeout_s is None:
        timeout_s = float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s"))  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while not src.exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    def bad(problem: str) -> InputError:
        return InputError(problem, field="scheduler_file", value=str(src))

    if not src.is_file():
        what = "is not a file" if src.exists() else f"does not exist (waited {timeout_s:g} s)"
        raise bad(f"{what}: a scheduler file is written by `dask scheduler --scheduler-file FILE`")  # fmt: skip
    for _ in range(10):  # the scheduler may not have finished writing it (as Dask retries)
        try:
            address = json.loads(src.read_text()).get("address")
        except (OSError, ValueError, AttributeError) as err:
            problem = f"cannot be read as a scheduler file ({err})"
        else:
            if isinstance(address, str) and address:
                return address
            problem = 'names no scheduler address (no "address" entry)'
        time.sleep(0.02)
    raise bad(problem)


def connect(
    address: Any = None, workers: int | None = None, scheduler_file: str | Path | None = None
) -> tuple[Client, Callable[[], None]]:
    """A client and what closes what was opened for it.

    ``address``: a ``distributed.Client`` (used as it is, left open), ``"local"`` or
    None (a :func:`local_cluster` of ``workers`` processes), a :class:`~pathlib.Path`
    (a scheduler file, as ``scheduler_file``), or a scheduler address
    (``tcp://host:8786``). ``scheduler_file``: the file written by ``dask scheduler
    --scheduler-file`` (see :func:`scheduler_file_address`), instead of ``address``.

    A client opened here is not made the process's default: work goes to it explicitly
    (``client.submit``), and the caller's own Dask set-up (its default client or
    scheduler) is left as it was, during the run and after it.
    """
    if isinstance(address, Client):
        return address, lambda: None
    if isinstance(address, Path):
        address, scheduler_file = None, address
    if scheduler_file is not None:
        client = Client(scheduler_file_address(scheduler_file), set_as_default=False)
        return client, client.close
    if address in (None, "local"):
        cluster = local_cluster(workers)
        client = Client(cluster, set_as_default=False)

        def close_both() -> None:
            client.close()
            cluster.close()

        return client, close_both
    client = Client(address, set_as_default=False)
    return client, client.close


__all__ = ["SetupPlugin", "connect", "local_cluster", "scheduler_file_address", "set_up_workers"]
