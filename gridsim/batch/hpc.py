"""Dask clusters of batch jobs on an HPC system (SLURM, PBS) through dask-jobqueue, set
up for sweeps: one single-threaded worker per core, one thread for BLAS/OpenMP/numba.

>>> cluster = jobqueue_cluster("slurm", "examples/cluster/jobqueue.yaml")  # doctest: +SKIP
>>> print(cluster.job_script())          # the batch script, nothing submitted yet  # doctest: +SKIP
>>> cluster.scale(jobs=4)                # submit 4 jobs                            # doctest: +SKIP
>>> run_sweep("sweeps/storage_dr.toml", executor="dask", address=Client(cluster))  # doctest: +SKIP

See ``docs/cluster.md`` and ``examples/cluster/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gridsim.errors import InputError
from gridsim.execution.threads import THREAD_ENV

SCHEDULERS = ("slurm", "pbs")


def _cluster_class(kind: str) -> Any:
    try:
        from dask_jobqueue import PBSCluster, SLURMCluster
    except ImportError as err:  # pragma: no cover - an optional extra
        raise ImportError(f"HPC clusters need dask-jobqueue: pip install 'gridsim[dask]' ({err})") from err  # fmt: skip
    return {"slurm": SLURMCluster, "pbs": PBSCluster}[kind]


def jobqueue_cluster(kind: str, config: str | Path | None = None, **overrides: Any) -> Any:
    """A dask-jobqueue cluster (``kind``: ``"slurm"`` or ``"pbs"``) from the
    ``jobqueue.<kind>`` table of the Dask configuration file ``config`` (YAML, e.g.
    ``examples/cluster/jobqueue.yaml``; None: Dask's own configuration), with
    ``overrides`` (``cores``, ``memory``, ``walltime``, ``queue``, ... as in
    dask-jobqueue).

    Every job's workers are single-threaded (``processes`` defaults to ``cores``), and
    its script exports ``OMP_NUM_THREADS`` and the other thread variables of
    :data:`gridsim.execution.threads.THREAD_ENV` as 1 unless the configuration sets them.
    No job is submitted until ``cluster.scale(jobs=N)`` or ``cluster.adapt(...)``.
    """
    import dask
    import yaml

    if kind not in SCHEDULERS:
        raise InputError(f"must be one of {', '.join(SCHEDULERS)}", field="scheduler", value=kind)  # fmt: skip
    settings: dict[str, Any] = {}
    if config is not None:
        path = Path(config)
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as err:
            raise InputError(f"cannot be read as YAML: {err}", source=str(path), show_value=False) from None  # fmt: skip
        settings = (data.get("jobqueue") or {}).get(kind) or {}
        if not settings:
            raise InputError(f"has no jobqueue.{kind} table", source=str(path), show_value=False)  # fmt: skip
    # the file's settings as keyword arguments: the cluster reads Dask's configuration
    # again whenever it makes a job, so a temporary configuration would not last
    kwargs = {k.replace("-", "_"): v for k, v in settings.items() if v is not None}
    if "name" in kwargs:  # the jobs' name (the keyword "name" names the cluster)
        kwargs["job_name"] = kwargs.pop("name")
    kwargs.update(overrides)

    def setting(name: str) -> Any:
        return kwargs.get(name, dask.config.get(f"jobqueue.{kind}.{name.replace('_', '-')}", None))

    if setting("processes") is None:
        kwargs["processes"] = setting("cores")  # one single-threaded worker per core
    prologue = list(setting("job_script_prologue") or [])
    have = " ".join(prologue)
    kwargs["job_script_prologue"] = [f"export {v}=1" for v in THREAD_ENV if f"{v}=" not in have] + prologue  # fmt: skip
    return _cluster_class(kind)(**kwargs)


__all__ = ["SCHEDULERS", "jobqueue_cluster"]
