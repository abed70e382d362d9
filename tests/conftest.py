"""Shared fixtures: pandapower reference cases and small hand-built networks."""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from gridsim.network import Network


@functools.cache
def pandapower_case(name: str):
    """A pandapower network from ``pandapower.networks`` (cached, never mutated by tests)."""
    import pandapower.networks as pn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(pn, name)()


def fresh_pandapower_case(name: str):
    """A private deep copy of a pandapower case, safe to solve and modify."""
    import copy

    return copy.deepcopy(pandapower_case(name))


def three_bus() -> Network:
    """A 3-bus 330 kV loop: slack at a, PV generator at b, load at c."""
    net = Network("three-bus")
    for b in "abc":
        net.add_bus(b, vn_kv=330.0, zone="z")
    net.add_line(
        "ab",
        "a",
        "b",
        length_km=100,
        r_ohm_per_km=0.04,
        x_ohm_per_km=0.32,
        c_nf_per_km=11.2,
        max_i_ka=1.7,
    )
    net.add_line(
        "bc",
        "b",
        "c",
        length_km=80,
        r_ohm_per_km=0.04,
        x_ohm_per_km=0.32,
        c_nf_per_km=11.2,
        max_i_ka=1.7,
    )
    net.add_line(
        "ca",
        "c",
        "a",
        length_km=120,
        r_ohm_per_km=0.04,
        x_ohm_per_km=0.32,
        c_nf_per_km=11.2,
        max_i_ka=1.7,
    )
    net.add_gen("slack", "a", slack=True, vm_pu=1.02)
    net.add_gen("g_b", "b", p_mw=200.0, vm_pu=1.01, min_q_mvar=-100, max_q_mvar=100)
    net.add_load("load_c", "c", p_mw=450.0, q_mvar=120.0)
    return net


@pytest.fixture
def net3() -> Network:
    return three_bus()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` run only when the marker expression asks for them
    (``python -m pytest -m slow``); the default run skips them with a reason."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def quiet(fn: Callable[[], Any]) -> Any:
    """``fn()`` with logging below ERROR and warnings silenced (PyPSA and linopy chatter)."""
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    finally:
        logging.disable(logging.NOTSET)
