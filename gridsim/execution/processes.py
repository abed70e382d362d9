"""A local process pool whose workers are set up by
:func:`gridsim.execution.threads.init_worker` when they start."""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from gridsim.execution.threads import init_worker

START_METHODS = ("spawn", "forkserver")


def process_pool(
    workers: int,
    start: str = "spawn",
    preload: Sequence[str] = (),
    input_cache: bool = False,
    exit_with_parent: bool = False,
) -> ProcessPoolExecutor:
    """A ``ProcessPoolExecutor`` of ``workers`` processes, each with one thread for
    BLAS/OpenMP/numba, the input cache on when ``input_cache``, and an exit when its
    parent dies when ``exit_with_parent`` (``spawn`` only).

    ``start``: ``"spawn"`` or ``"forkserver"`` (then ``preload`` names modules the
    server imports once, so that each worker starts with them loaded)."""
    if start not in START_METHODS:
        raise ValueError(f"start must be one of {START_METHODS}, got {start!r}")
    if exit_with_parent and start != "spawn":  # a forkserver child's parent is the server
        raise ValueError("exit_with_parent needs start = 'spawn'")
    ctx = multiprocessing.get_context(start)
    if start == "forkserver" and preload:
        ctx.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=init_worker,
        initargs=(input_cache, exit_with_parent),
    )


__all__ = ["START_METHODS", "process_pool"]
