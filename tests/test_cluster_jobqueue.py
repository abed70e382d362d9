"""The HPC configuration example (examples/cluster/jobqueue.yaml) through
gridsim.batch.hpc.jobqueue_cluster: the SLURM and PBS cluster objects are made and
their batch scripts rendered; no job is submitted. The expected directives are those
of the schedulers' own syntax (sbatch/qsub options) for the file's settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("dask_jobqueue")

from gridsim.batch.hpc import jobqueue_cluster  # noqa: E402
from gridsim.errors import InputError  # noqa: E402
from gridsim.execution.threads import THREAD_ENV  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "cluster" / "jobqueue.yaml"


def render(kind: str, **overrides: object) -> str:
    cluster = jobqueue_cluster(
        kind, CONFIG, scheduler_options={"dashboard_address": ":0"}, **overrides
    )
    try:
        assert cluster.workers == {}  # nothing submitted
        return str(cluster.job_script())
    finally:
        cluster.close()


def worker_command(script: str) -> str:
    (line,) = [x for x in script.splitlines() if "distributed.cli.dask_worker" in x]
    return line


def common(script: str) -> None:
    lines = script.splitlines()
    exports = [f"export {v}=1" for v in THREAD_ENV]
    assert [x for x in lines if x.startswith("export ")] == exports  # each once
    assert lines.index("source $HOME/gridsim/.venv/bin/activate") > lines.index(exports[-1])
    cmd = worker_command(script)
    assert lines.index(cmd) > lines.index(exports[-1])  # the worker starts after the exports
    assert "--nthreads 1 " in cmd and "--nworkers 8 " in cmd and "--nanny" in cmd
    assert re.search(r"--memory-limit 3\.7\dGiB", cmd)  # 32 GB over 8 workers
    assert "--lifetime 110m --lifetime-stagger 5m" in cmd and "--local-directory $TMPDIR" in cmd


def test_slurm_job_script_from_the_example() -> None:
    script = render("slurm")
    for directive in ("#SBATCH -J gridsim-worker", "#SBATCH -p compute", "#SBATCH -n 1",
                      "#SBATCH --cpus-per-task=8", "#SBATCH --mem=30G", "#SBATCH -t 02:00:00",
                      "#SBATCH -o logs/dask/gridsim-worker-%J.out"):  # fmt: skip
        assert directive in script.splitlines(), directive
    common(script)


def test_pbs_job_script_from_the_example() -> None:
    script = render("pbs")
    for directive in ("#PBS -N gridsim-worker", "#PBS -q workq", "#PBS -l select=1:ncpus=8:mem=32GB",
                      "#PBS -l walltime=02:00:00", "#PBS -o logs/dask/"):  # fmt: skip
        assert directive in script.splitlines(), directive
    common(script)


def test_overrides_and_thread_variables_added_when_missing(tmp_path: Path) -> None:
    f = tmp_path / "q.yaml"
    f.write_text("jobqueue:\n  slurm:\n    cores: 4\n    memory: 8GB\n    walltime: '00:10:00'\n")
    cluster = jobqueue_cluster("slurm", f, scheduler_options={"dashboard_address": ":0"}, cores=2, memory="4GB", account="grid")  # fmt: skip
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH --cpus-per-task=2" in script and "#SBATCH -A grid" in script
    assert "#SBATCH -t 00:10:00" in script
    assert "--nthreads 1 --memory-limit 1.86GiB --nworkers 2" in worker_command(script)
    assert all(f"export {v}=1" in script for v in THREAD_ENV)
    with pytest.raises(InputError, match="has no jobqueue.pbs table"):
        jobqueue_cluster("pbs", f)
    with pytest.raises(InputError, match="scheduler must be one of slurm, pbs, got 'lsf'"):
        jobqueue_cluster("lsf", f)


def test_the_hpc_sweep_example_prints_its_job_script(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, str(ROOT / "examples" / "cluster" / "hpc_sweep.py"), str(ROOT / "sweeps" / "storage_dr.toml"), "--scheduler", "slurm", "--dry-run"]  # fmt: skip
    out = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "#SBATCH --cpus-per-task=8" in out.stdout and "--nthreads 1 " in out.stdout
    assert not (tmp_path / "results").exists()  # nothing ran
