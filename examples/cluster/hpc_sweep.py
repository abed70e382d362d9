"""Run a sweep on an HPC cluster: Dask workers in SLURM or PBS batch jobs (dask-jobqueue).

    python examples/cluster/hpc_sweep.py sweeps/storage_dr.toml --scheduler slurm --jobs 4
    python examples/cluster/hpc_sweep.py sweeps/storage_dr.toml --scheduler pbs --dry-run

Run it on the login node (or in a small job of its own): it starts the Dask scheduler
in this process, submits ``--jobs`` batch jobs of workers with the settings of
``--config`` (default: ``jobqueue.yaml`` beside this file; one single-threaded worker
per core), runs the sweep on them and ends the jobs when done. ``--dry-run`` prints the
batch script and submits nothing. The sweep's output folder, the network and the
profile files must be on a file system that every node sees at the same path. Killed
or timed-out workers cost only their running cases: run the same command again to
finish them (see docs/cluster.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gridsim.batch import run_sweep
from gridsim.batch.hpc import SCHEDULERS, jobqueue_cluster


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sweep", help="sweep TOML file")
    p.add_argument("--scheduler", choices=SCHEDULERS, default="slurm")
    p.add_argument("--config", default=str(Path(__file__).with_name("jobqueue.yaml")))
    p.add_argument("--jobs", type=int, default=2, help="batch jobs of workers (default 2)")
    p.add_argument("--out", help="output folder (default: the sweep file's)")
    p.add_argument("--dry-run", action="store_true", help="print the job script, submit nothing")
    args = p.parse_args()

    cluster = jobqueue_cluster(args.scheduler, args.config)
    try:
        if args.dry_run:
            print(cluster.job_script())
            return 0
        from distributed import Client

        cluster.scale(jobs=args.jobs)
        with Client(cluster) as client:
            res = run_sweep(args.sweep, executor="dask", address=client, out=args.out)
        print(res.summary.drop(columns=["run_dir"]).to_string())
        return 0 if res.ok else 1
    finally:
        cluster.close()


if __name__ == "__main__":
    raise SystemExit(main())
