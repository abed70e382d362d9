"""Sweeps on a real Dask cluster: ``dask scheduler`` and two ``dask worker`` processes
started as subprocesses, reached by address and by scheduler file (API and CLI); a
worker killed mid-sweep; the per-worker input cache.

The reference is the same sweep on local processes (the executor of tests/test_batch.py,
itself checked there against direct run_balance runs). The cases are ningxia_2025 cut
to four July days, as in tests/test_batch.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from test_batch import KPIS, write_sweep  # noqa: E402

from gridsim.batch import run_sweep  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GRID = {"storage.battery_scale": [0.5, 1.0, 2.0, 4.0]}
SET = {"output.what": []}  # summary files only: the cases stay short


class DaskCluster:
    """A scheduler and workers started as subprocesses (each in its own session)."""

    def __init__(self, folder: Path, workers: int = 2, env: dict[str, str] | None = None, worker_args: tuple[str, ...] = ()) -> None:  # fmt: skip
        """``env``: more environment variables of every process; ``worker_args``: more
        arguments of ``dask worker``."""
        self.scheduler_file = folder / "scheduler.json"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            # one retry after a worker death (the default allows 3), and one case per
            # single-threaded worker at a time, so that a killed worker had one case
            "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
            "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
            **(env or {}),
        }
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs = folder

        def start(name: str, args: list[str]) -> None:
            log = (folder / f"{name}.log").open("wb")
            proc = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
            self.procs.append(proc)

        try:
            start("scheduler", ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(self.scheduler_file)])  # fmt: skip
            deadline = time.monotonic() + 60
            while not self.scheduler_file.is_file() and time.monotonic() < deadline:
                time.sleep(0.1)
            self.address = json.loads(self.scheduler_file.read_text())["address"]
            for i in range(workers):
                start(f"worker{i}", ["distributed.cli.dask_worker", self.address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard", "--host", "127.0.0.1", *worker_args])  # fmt: skip
            from distributed import Client

            with Client(self.address, timeout=60) as c:
                c.wait_for_workers(workers, timeout=120)
        except BaseException:
            self.close()
            raise

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> pid of its worker process (the nanny's child)."""
        from distributed import Client

        with Client(self.address, timeout=30) as c:
            return dict(c.run(os.getpid))

    def close(self) -> None:
        for proc in reversed(self.procs):  # workers first, then the scheduler
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    c = DaskCluster(tmp_path_factory.mktemp("dask"))
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sweep(tmp_path_factory.mktemp("sw") / "c.toml", "c", GRID, **SET)


@pytest.fixture(scope="module")
def reference(sweep_file: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The sweep on two local processes."""
    res = run_sweep(sweep_file, workers=2, progress=False, out=tmp_path_factory.mktemp("ref") / "out")  # fmt: skip
    assert res.ok
    return res.summary


def same_summary(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.index) == list(b.index) and list(a.status) == list(b.status)
    pd.testing.assert_frame_equal(a[KPIS], b[KPIS], rtol=1e-9)


def test_sweep_on_scheduler_and_worker_processes(cluster, sweep_file, reference, tmp_path) -> None:  # fmt: skip
    res = run_sweep(sweep_file, executor="dask", address=cluster.address, progress=False, out=tmp_path / "api")  # fmt: skip
    same_summary(res.summary, reference)
    assert res.ok and len(res.ran) == 4
    assert (res.summary.solve_s > 0).all() and (res.summary.solve_s < res.summary.time_s).all()
    # the command line, reaching the scheduler by its scheduler file
    cmd = [sys.executable, "-m", "gridsim.batch", str(sweep_file), "--scheduler-file", str(cluster.scheduler_file), "--quiet", "--out", str(tmp_path / "cli")]  # fmt: skip
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert f"4 cases on Dask {cluster.scheduler_file}" in out.stdout
    same_summary(pd.read_parquet(tmp_path / "cli" / "summary.parquet"), reference)
    # each worker read the network and the profile set once: one miss each, hits after
    from distributed import Client

    from gridsim.studies import input_cache

    with Client(cluster.address) as c:
        stats = c.run(input_cache.stats)
    assert len(stats) == 2 and sum(s["hits"] + s["misses"] for s in stats.values()) == 2 * 8
    assert all(s["misses"] <= 2 for s in stats.values()), stats


def _kill_when_running(runs: Path, case_id: str, times: int, killed: list[int], stop: threading.Event) -> None:  # fmt: skip
    """SIGKILL the worker process that runs ``case_id`` (its pid is in the name of the
    case's staging folder), ``times`` times."""
    seen: set[str] = set()
    while not stop.is_set() and len(killed) < times:
        for p in runs.glob(f".{case_id}.tmp-*") if runs.is_dir() else []:
            if p.name not in seen:
                seen.add(p.name)
                pid = int(p.name.split(".tmp-")[1].split("-")[0])
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        time.sleep(0.02)


def _finished(runs: Path) -> dict[str, int]:
    return {p.name: (p / "case.json").stat().st_mtime_ns for p in runs.iterdir() if (p / "case.json").is_file()}  # fmt: skip


def test_a_killed_worker_costs_no_case(cluster, sweep_file, reference, tmp_path) -> None:
    """The worker running the third case is killed: the scheduler runs the case again
    on a worker; every case ends optimal with the reference's KPIs, and the cases that
    had finished before the kill are not run again."""
    runs = tmp_path / "out" / "runs"
    victim = reference.index[2]
    killed: list[int] = []
    done_before: dict[str, int] = {}
    stop = threading.Event()

    def killer() -> None:
        _kill_when_running(runs, victim, 1, killed, stop)
        done_before.update(_finished(runs))

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    try:
        res = run_sweep(sweep_file, executor="dask", address=cluster.address, progress=False, out=tmp_path / "out")  # fmt: skip
    finally:
        stop.set()
        t.join()
    assert len(killed) == 1
    same_summary(res.summary, reference)
    assert res.ok and sorted(res.ran) == sorted(reference.index)
    assert done_before  # the killed worker had finished a case before
    assert {n: m for n, m in _finished(runs).items() if n in done_before} == done_before
    assert cluster.worker_pids()  # the nanny restarted the worker


@pytest.mark.slow  # worker restarts: 30-60 s on a busy 2-core machine
def test_a_case_that_kills_every_worker_is_lost_alone(cluster, sweep_file, reference, tmp_path) -> None:  # fmt: skip
    """The worker running the second case is killed on every attempt (the scheduler
    allows one retry here): that case is ``lost``, with an error naming the worker
    loss, and no folder; every other case is intact."""
    runs = tmp_path / "out" / "runs"
    victim = reference.index[1]
    killed: list[int] = []
    stop = threading.Event()
    t = threading.Thread(target=_kill_when_running, args=(runs, victim, 2, killed, stop), daemon=True)  # fmt: skip
    t.start()
    try:
        res = run_sweep(sweep_file, executor="dask", address=cluster.address, progress=False, out=tmp_path / "out")  # fmt: skip
    finally:
        stop.set()
        t.join()
    assert len(killed) == 2
    s = res.summary
    assert s.loc[victim, "status"] == "lost" and not (runs / victim).exists()
    assert "WorkerLost: the worker running it died on each of 2 attempts (last: tcp://127.0.0.1:" in s.loc[victim, "error"]  # fmt: skip
    others = [c for c in s.index if c != victim]
    same_summary(s.loc[others], reference.loc[others])
    assert all((runs / c / "case.json").is_file() for c in others)
    again = run_sweep(sweep_file, executor="dask", address=cluster.address, progress=False, out=tmp_path / "out")  # fmt: skip
    assert again.ran == [victim] and again.ok  # the lost case runs at the next start
    same_summary(again.summary, reference)


def test_parallel_year_windows_on_scheduler_and_worker_processes(cluster) -> None:  # type: ignore[no-untyped-def]
    """The parallel dispatch method reaches the same cluster by address: the windows run
    on the worker processes and the dispatch is the one solved in this process."""
    from gridsim.dispatch import DispatchOptions, solve_dispatch
    from gridsim.dispatch.synthetic import toy_problem

    p = toy_problem(240, "copperplate", export_band_pu=0.2, export_energy_mwh={"dc_export": 240 * 1500.0 * 0.72})  # fmt: skip
    opts = DispatchOptions(method="parallel", window_h=48, lookahead_h=24, coarse_h=6, executor="serial")  # fmt: skip
    here = solve_dispatch(p, opts)
    there = solve_dispatch(p, dataclasses.replace(opts, executor="dask", address=cluster.address))
    assert here.ok and there.ok
    assert there.stages["executor"] == "Client" and there.stages["workers"] == 2
    for name, a in here.arrays.items():
        np.testing.assert_array_equal(a, there.arrays[name], err_msg=name)
