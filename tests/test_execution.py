"""Worker processes shared by the sweeps and the parallel dispatch (gridsim.execution,
gridsim.dispatch.pool): thread limits inside the workers, the parallel year on a Dask
scheduler reached by its scheduler file, and bad executor settings.

References: the thread settings a worker has without gridsim's set-up (a bare process
pool, a Dask worker before the dispatch reaches it), read inside the workers through
threadpoolctl; the parallel dispatch solved in this process (``executor="serial"``),
which the windows solved on the cluster must reproduce bit for bit.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from gridsim.dispatch import DispatchOptions, solve_dispatch
from gridsim.dispatch.synthetic import toy_problem
from gridsim.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
OPTS = DispatchOptions(method="parallel", window_h=48, lookahead_h=24, coarse_h=6, executor="serial")  # fmt: skip
#: Thread counts the workers start with, unlike gridsim's limit of 1.
THREE = {"OMP_NUM_THREADS": "3", "OPENBLAS_NUM_THREADS": "3", "MKL_NUM_THREADS": "3"}


def _problem():  # type: ignore[no-untyped-def]
    return toy_problem(240, "copperplate", export_band_pu=0.2, export_energy_mwh={"dc_export": 240 * 1500.0 * 0.72})  # fmt: skip


def _limited(state: dict) -> bool:  # type: ignore[type-arg]
    return all(v == "1" for v in state["env"].values()) and set(state["blas"].values()) == {1}


POOLS = """
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy  # noqa: F401 - BLAS loaded, as in every worker

from gridsim.dispatch import DispatchOptions
from gridsim.dispatch.pool import open_runner
from gridsim.execution.processes import process_pool
from gridsim.execution.threads import thread_state


def cache_and_threads():
    from gridsim.studies import input_cache

    return {"cache": input_cache.enabled(), **thread_state()}


if __name__ == "__main__":
    runner, close = open_runner(DispatchOptions(method="parallel", executor="processes", workers=2))
    try:
        dispatch = [runner.submit(thread_state).result() for _ in range(3)]
    finally:
        close()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as bare:
        control = bare.submit(thread_state).result()
    with process_pool(1, "spawn", input_cache=True, exit_with_parent=True) as sweep:
        swept = sweep.submit(cache_and_threads).result()
    print(json.dumps({"dispatch": dispatch, "control": control, "sweep": swept}))
"""


def test_process_pool_workers_run_with_one_thread(tmp_path: Path) -> None:
    """In a process whose environment asks for 3 BLAS threads: the dispatch's pool
    (forkserver) and a sweep's (spawn) run their workers with 1, where a bare pool of
    the same server keeps 3; the sweep's workers have the input cache on."""
    script = tmp_path / "pools.py"
    script.write_text(POOLS)
    env = {**os.environ, **THREE, "PYTHONPATH": str(ROOT)}
    env.pop("NUMBA_NUM_THREADS", None)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    control = doc["control"]
    assert control["env"]["OMP_NUM_THREADS"] == "3" and max(control["blas"].values()) > 1
    assert all(_limited(s) for s in doc["dispatch"]), doc["dispatch"]
    assert _limited(doc["sweep"]) and doc["sweep"]["cache"] is True


def test_bad_executor_settings_are_named(tmp_path: Path) -> None:
    p = _problem()
    bad = {
        "workers": dict(executor="processes", workers=0),
        "executor": dict(executor="threads"),
        "address": dict(executor="dask", address=8786),
    }
    for field, kw in bad.items():
        with pytest.raises(InputError) as err:
            solve_dispatch(p, dataclasses.replace(OPTS, **kw))  # type: ignore[arg-type]
        assert err.value.field == field and repr(err.value.value) in str(err.value)
    sched = str(tmp_path / "sched.json")
    for kw, words in (
        (dict(executor="processes"), "needs executor = 'dask'"),
        (dict(executor="dask", address="tcp://127.0.0.1:8786"), "set one"),
    ):
        with pytest.raises(InputError, match=words) as err:
            solve_dispatch(p, dataclasses.replace(OPTS, scheduler_file=sched, **kw))  # type: ignore[arg-type]
        assert err.value.field == "scheduler_file" and err.value.value == sched


def test_bad_scheduler_file_is_an_input_error(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    from gridsim.execution.dask_cluster import scheduler_file_address

    missing = tmp_path / "none.json"
    with pytest.raises(InputError, match=r"scheduler_file does not exist \(waited 0.2 s\)") as err:
        scheduler_file_address(missing, timeout_s=0.2)
    assert err.value.value == str(missing)
    (tmp_path / "empty.json").write_text("{}")
    (tmp_path / "text.json").write_text("not json")
    (tmp_path / "ok.json").write_text('{"type": "Scheduler", "address": "tcp://10.0.0.1:8786"}')
    assert scheduler_file_address(tmp_path / "ok.json", timeout_s=0) == "tcp://10.0.0.1:8786"
    with pytest.raises(InputError, match="names no scheduler address"):
        scheduler_file_address(tmp_path / "empty.json", timeout_s=0)
    with pytest.raises(InputError, match="cannot be read as a scheduler file"):
        scheduler_file_address(tmp_path / "text.json", timeout_s=0)
    with pytest.raises(InputError, match="is not a file"):
        scheduler_file_address(tmp_path, timeout_s=0)
    # through the dispatch: named before any solve
    opts = dataclasses.replace(OPTS, executor="dask", scheduler_file=str(tmp_path / "empty.json"))
    with pytest.raises(InputError, match="scheduler_file names no scheduler address"):
        solve_dispatch(_problem(), opts)


def test_scheduler_file_in_the_scenario_and_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from gridsim.cli import main
    from gridsim.scenario import load_scenario

    base = ROOT / "scenarios" / "ningxia_2025.toml"
    path = tmp_path / "sub" / "sc.toml"
    path.parent.mkdir()
    path.write_text(
        f'base = "{base}"\n[scenario]\nname = "sched"\n'
        '[study]\nwhole_year = false\nstart = "2025-03-03"\nend = "2025-03-05"\nhorizon_h = 24\n'
        'executor = "dask"\nscheduler_file = "sched.json"\n[output]\nwhat = []\n'
    )
    sc = load_scenario(path)
    assert sc.study.scheduler_file == str(path.parent / "sched.json")  # beside the scenario
    pytest.importorskip("distributed")
    (tmp_path / "bad.json").write_text('{"type": "Scheduler"}')
    monkeypatch.chdir(tmp_path)  # the flag's file is relative to the current folder
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet", "--method", "parallel", "--scheduler-file", "bad.json"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert f"scheduler_file names no scheduler address (no \"address\" entry), got '{tmp_path / 'bad.json'}'" in err  # fmt: skip
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.fixture(scope="module")
def fresh_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A scheduler and two workers as subprocesses, without a nanny (so no Dask thread
    variables) and with 3 BLAS threads asked for in their environment."""
    pytest.importorskip("distributed")
    from test_batch_cluster import DaskCluster

    env = dict(THREE)
    c = DaskCluster(tmp_path_factory.mktemp("dask"), env=env, worker_args=("--no-nanny",))
    try:
        yield c
    finally:
        from distributed import Client

        try:  # the scheduler stops the workers; one whose process lingers is killed
            with Client(c.address, timeout=30, set_as_default=False) as client:
                client.shutdown()
            for proc in c.procs:
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        finally:
            c.close()


def _worker_threads(address: str) -> dict[str, dict]:  # type: ignore[type-arg]
    from distributed import Client

    from gridsim.execution.threads import thread_state

    with Client(address, timeout=60, set_as_default=False) as c:
        c.run(__import__, "numpy")  # BLAS loaded before it is read
        return dict(c.run(thread_state))


def test_parallel_year_through_a_scheduler_file(fresh_cluster) -> None:  # type: ignore[no-untyped-def]
    """The windows run on the workers of the scheduler that wrote the file, set up with
    one thread each, and the dispatch is the one solved here, bit for bit."""
    before = _worker_threads(fresh_cluster.address)
    assert len(before) == 2
    assert all(s["env"]["OMP_NUM_THREADS"] == "3" and max(s["blas"].values()) > 1 for s in before.values())  # fmt: skip
    p = _problem()
    here = solve_dispatch(p, OPTS)
    opts = dataclasses.replace(OPTS, executor="dask", scheduler_file=str(fresh_cluster.scheduler_file))  # fmt: skip
    there = solve_dispatch(p, opts)
    assert here.ok and there.ok
    assert there.stages["executor"] == "Client" and there.stages["workers"] == 2
    assert there.objective == here.objective
    for name, a in here.arrays.items():
        np.testing.assert_array_equal(a, there.arrays[name], err_msg=name)
    after = _worker_threads(fresh_cluster.address)
    assert all(_limited(s) for s in after.values()), after


def test_gridsim_clients_leave_the_callers_dask_set_up_alone() -> None:
    """The LocalCluster client a parallel dispatch opens is not the process's default:
    while the windows run, ``dask.compute`` still uses the caller's scheduler; after
    the run neither a client nor a changed scheduler is left behind."""
    pytest.importorskip("distributed")
    import dask
    from distributed.client import _get_global_client

    seen: list[tuple[object, object]] = []

    def progress(rep, n):  # type: ignore[no-untyped-def]
        seen.append((_get_global_client(), dask.config.get("scheduler", None)))

    with dask.config.set(scheduler="synchronous"):
        res = solve_dispatch(_problem(), dataclasses.replace(OPTS, executor="dask", workers=1), progress=progress)  # fmt: skip
        assert res.ok and res.stages["executor"] == "Client"
        assert seen and all(client is None and sched == "synchronous" for client, sched in seen), seen  # fmt: skip
        assert dask.config.get("scheduler") == "synchronous"
    assert _get_global_client() is None
