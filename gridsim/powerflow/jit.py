"""The compiled power-flow kernels: compiled once, cached on disk (numba ``cache=True``),
and a notice on the first compile so that a first run is not silent for seconds."""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger("gridsim.powerflow")

_NOTIFIED = False


def _needs_compile(kernel: Any) -> bool:
    """True when ``kernel`` (a numba dispatcher) has no compiled version in this process
    and none in its on-disk cache."""
    if getattr(kernel, "signatures", None):
        return False
    cache = getattr(kernel, "_cache", None)
    index = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
    return not (isinstance(index, str) and os.path.exists(index))


def main_kernels() -> tuple[Any, ...]:
    """The compiled kernels every power-flow study runs (Newton, its Jacobian and LU)."""
    from gridsim.powerflow import factors, jacobian, nr_kernel, ordering

    return (nr_kernel.newton_one, jacobian.fill_jacobian, factors.refactor, ordering.minimum_degree)  # fmt: skip


def series_kernels() -> tuple[Any, ...]:
    """The compiled kernels an AC time series runs: :func:`main_kernels` and the Newton
    over many snapshots at a time (:mod:`gridsim.powerflow.nr_lanes`)."""
    from gridsim.powerflow import nr_lanes

    return (*main_kernels(), nr_lanes.newton_lanes_one)


def notify_first_compile(*kernels: Any) -> bool:
    """Log a notice (once per process) when any of ``kernels`` (default:
    :func:`main_kernels`) must be compiled before it runs, which takes seconds the first
    time gridsim runs on a machine; returns whether it did."""
    global _NOTIFIED
    if _NOTIFIED or not any(_needs_compile(k) for k in (kernels or main_kernels())):
        return False
    _NOTIFIED = True
    log.warning("compiling power-flow kernels, first run only (10-30 s; cached for later runs) ...")  # fmt: skip
    return True


__all__ = ["main_kernels", "notify_first_compile", "series_kernels"]
