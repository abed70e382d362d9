"""The first compile of the power-flow kernels is announced once; a cached one is not."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from gridsim.powerflow import jit

ROOT = Path(__file__).resolve().parents[1]


def _kernel(signatures: list, index: str) -> SimpleNamespace:
    """A stand-in for a numba dispatcher: compiled signatures and its cache index file."""
    return SimpleNamespace(signatures=signatures, _cache=SimpleNamespace(_cache_file=SimpleNamespace(_index_path=index)))  # fmt: skip


def test_notice_only_when_a_kernel_must_be_compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    cached = tmp_path / "k.nbi"
    cached.write_bytes(b"")
    monkeypatch.setattr(jit, "_NOTIFIED", False)
    with caplog.at_level(logging.WARNING, logger="gridsim"):
        assert not jit.notify_first_compile(_kernel([], str(cached)), _kernel(["sig"], "missing"))
        assert not caplog.records
        assert jit.notify_first_compile(_kernel([], str(tmp_path / "none.nbi")))
        assert not jit.notify_first_compile(_kernel([], str(tmp_path / "none.nbi")))  # once
    assert [r.getMessage() for r in caplog.records] == [
        "compiling power-flow kernels, first run only (10-30 s; cached for later runs) ..."
    ]


def test_real_kernels_are_found() -> None:
    kernels = jit.main_kernels()
    assert {k.py_func.__name__ for k in kernels} == {"newton_one", "fill_jacobian", "refactor", "minimum_degree"}  # fmt: skip
    series = jit.series_kernels()  # a time series also runs the lanes Newton
    assert {k.py_func.__name__ for k in series} == {k.py_func.__name__ for k in kernels} | {"newton_lanes_one"}  # fmt: skip
    assert all(hasattr(k, "signatures") for k in series)


@pytest.mark.slow
def test_first_and_second_pf_in_a_fresh_cache(tmp_path: Path) -> None:
    """``gridsim pf`` with an empty numba cache says it compiles; the second run loads the
    cache, says nothing, and is faster."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "gridsim", "pf", str(ROOT / "networks" / "ningxia_2025.toml")]
    runs = []
    for _ in range(2):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
        runs.append((time.perf_counter() - t0, p))
    (first_s, first), (second_s, second) = runs
    assert first.returncode == 0 and second.returncode == 0
    assert "compiling power-flow kernels, first run only" in first.stderr
    assert "compiling" not in second.stderr
    assert second_s < first_s
