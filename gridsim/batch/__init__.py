"""Sweeps over scenarios: many variants of one base scenario, run in parallel, resumable.

A sweep file names a base scenario and the changes to make to it, as dotted
scenario paths (the fields of :data:`gridsim.scenario.SCHEMA`)::

    [sweep]
    name = "storage_dr"
    base = "ningxia_2025"              # shipped scenario name or file (relative to this file)
    out = "results/sweeps/storage_dr"  # default results/sweeps/<name> (relative to the cwd)

    [sweep.set]                        # changes applied to every case (optional)
    "study.horizon_h" = 168

    [sweep.grid]                       # cartesian product: 3 x 2 = 6 cases
    "storage.battery_scale" = [0.5, 1.0, 2.0]
    "network.overrides.scale.solar" = [1.0, 1.5]

    [[sweep.cases]]                    # and/or explicit cases, added to the grid's
    id = "no_storage"
    changes = { "storage.battery" = false, "storage.pumped_hydro" = false }

A change replaces the value at its path; a table value merges key by key, as in
scenario inheritance (setting ``profiles.generate`` drops an inherited
``profiles.dir`` and vice versa). The key ``base`` in a case or the grid picks
another base scenario for it (e.g. ``base = ["ningxia_2025",
"ningxia_2025_high_demand"]``). Every case is validated before anything runs;
bad input raises :class:`~gridsim.errors.InputError` naming the sweep file, the
field path (``sweep.grid.storage.battery_scale``) and the value.

>>> res = run_sweep("sweeps/storage_dr.toml", workers=2)      # local processes
>>> res = run_sweep("sweeps/storage_dr.toml", executor="dask", address="local")
>>> res.summary[["storage.battery_scale", "renewable_utilisation", "status"]]

Output layout of ``<out>/``: ``sweep.toml`` (a copy of the sweep file),
``runs/<case_id>/`` (a normal run folder, see :mod:`gridsim.results.write`, plus
``case.json`` with the case's row and changes, and ``error.json`` when the case
failed) and ``summary.parquet`` / ``summary.csv`` (one row per case: parameters,
KPIs, status, time).

Case ids are ``<readable slug>-<hash>``, the hash (10 hex digits of a SHA-256)
covering the base and every change, so they are stable across runs. A case
folder is written in a temporary sibling and renamed into place at the end: a
folder ``runs/<case_id>/`` is always complete, and a sweep run again (after a
kill, a crash or ``limit``) skips the cases whose folder exists and whose
scenario hash (``case.json``) still matches. A failing case (an exception or a
non-optimal status) records its error and does not stop the others. One sweep at a
time per output folder (``<out>/.lock``).

Executors: ``"processes"`` (a :class:`~concurrent.futures.ProcessPoolExecutor`,
spawn start method, one worker per core by default) or ``"dask"`` (a
``distributed`` cluster at ``address``, a ``distributed.Client``, or ``"local"``
for a LocalCluster of one single-threaded process per core). On a cluster the
workers write the run folders themselves: ``out``, the network and the profile
files must be on a file system every worker sees at the same path. Each worker
runs its BLAS/OpenMP/numba pools with one thread (HiGHS already uses one).
"""

from gridsim.batch.runner import (
    KPI_COLUMNS,
    CaseTask,
    SweepResult,
    run_case,
    run_sweep,
    summary_frame,
    write_summary,
)
from gridsim.batch.spec import (
    Case,
    Sweep,
    apply_changes,
    check_sweep,
    load_sweep,
    sweep_from_dict,
)

__all__ = [
    "KPI_COLUMNS",
    "Case",
    "CaseTask",
    "Sweep",
    "SweepResult",
    "apply_changes",
    "check_sweep",
    "load_sweep",
    "run_case",
    "run_sweep",
    "summary_frame",
    "sweep_from_dict",
    "write_summary",
]
