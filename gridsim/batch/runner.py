"""Running a sweep: the worker (one case -> one run folder), the executors (local
processes, Dask) and the summary table. See :mod:`gridsim.batch`."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.batch.spec import Case, Sweep, check_sweep, load_sweep
from gridsim.batch.worker import case_timings
from gridsim.errors import InputError
from gridsim.execution.processes import process_pool
from gridsim.execution.threads import init_worker
from gridsim.results.catalog import record_run
from gridsim.results.key_kpis import SWEEP_ORDER, sweep_values
from gridsim.results.publish import (
    OutputError,
    clean_staging,
    is_gridsim_folder,
    marker,
    output_lock,
    publish_dir,
    staging_dir,
    write_file_atomic,
)
from gridsim.results.write import jsonable
from gridsim.scenario import Scenario

#: Summary columns per case besides the parameters (units in the names): the key KPIs
#: with a sweep column (:data:`gridsim.results.key_kpis.SWEEP_ORDER`), then the case's
#: own columns.
KPI_COLUMNS = (
    *SWEEP_ORDER,
    "targets_met",  # scorecard: targets met / targets
    "battery_gw",  # installed in-service capacities after the changes
    "battery_gwh",
    "pumped_hydro_gw",
    "wind_gw",
    "solar_gw",
    "hours",  # simulated hours (solved_hours < hours after a failed window)
    "solved_hours",
)
#: Time columns per case (s): wall and CPU time in the worker, then the parts of the
#: wall time (:func:`gridsim.batch.worker.case_timings`).
TIME_COLUMNS = ("time_s", "cpu_s", "inputs_s", "build_s", "solve_s")


# ---------------------------------------------------------------- the worker
@dataclass(frozen=True)
class CaseTask:
    """What a worker needs to run one case (picklable)."""

    case: Case
    scenario: Scenario
    run_dir: str
    params: dict[str, Any]
    #: The sweep run's token, recorded in ``case.json``: a task run again (its worker
    #: died after it published the folder) reads the folder back instead of computing.
    token: str = ""


def worker_setup() -> None:
    """Set a sweep worker process up (every call; the once-per-process parts once): one
    thread for BLAS/OpenMP/numba, the input cache on (networks and profile sets read
    once), and an exit when its parent dies (see
    :func:`gridsim.execution.threads.init_worker`). HiGHS's start-up banner never
    reaches stdout: see :func:`gridsim.dispatch.model.new_highs`."""
    init_worker(input_cache=True, exit_with_parent_process=True)


def _dump(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(jsonable(obj), indent=2, ensure_ascii=False, default=str) + "\n")


def _gw(table: pd.DataFrame, mask: Any, col: str) -> float:
    return float(table.loc[mask & table.in_service.astype(bool), col].sum()) / 1e3


def kpi_row(
    kpis: dict[str, Any], scorecard: pd.DataFrame | None = None, net: Any = None
) -> dict[str, Any]:
    """The summary columns (:data:`KPI_COLUMNS`) from a run's KPI dict and network."""
    s = kpis.get("solver", {})
    row: dict[str, Any] = sweep_values(kpis)
    row.update(targets_met=None, hours=s.get("hours"), solved_hours=s.get("solved_hours"))
    if not s.get("solved_hours"):  # nothing solved: no KPI to speak of
        row = dict.fromkeys(row, None) | {"hours": s.get("hours"), "solved_hours": 0}
    if scorecard is not None and len(scorecard) and s.get("solved_hours"):
        row["targets_met"] = f"{int(scorecard.met.astype(bool).sum())}/{len(scorecard)}"
    if net is not None:
        st, gen = net.storage, net.gen
        fuel = gen.fuel.str.lower()
        row["battery_gw"] = _gw(st, st.kind == "battery", "max_p_mw")
        row["battery_gwh"] = _gw(st, st.kind == "battery", "max_e_mwh")
        row["pumped_hydro_gw"] = _gw(st, st.kind == "pumped_hydro", "max_p_mw")
        row["wind_gw"] = _gw(gen, fuel == "wind", "max_p_mw")
        row["solar_gw"] = _gw(gen, fuel == "solar", "max_p_mw")
    return {k: None if _nan(v) else v for k, v in row.items()}


def _nan(v: Any) -> bool:
    return isinstance(v, float) and not np.isfinite(v)


def _status_error(res: Any) -> dict[str, Any]:
    """``error.json`` content of a run that ended with a non-optimal status."""
    diag = res.dispatch.diagnosis
    first = f": {str(diag).splitlines()[0]}" if diag is not None else ""
    as_dict = asdict(diag) if is_dataclass(diag) and not isinstance(diag, type) else None
    return {
        "kind": "status",
        "status": res.status,
        "message": f"run {res.status}{first}",
        "diagnosis": as_dict,
        "diagnosis_text": str(diag) if diag is not None else None,
        "solved_hours": res.dispatch.solved_hours,
    }


def run_case(task: CaseTask) -> dict[str, Any]:
    """Run one case and write its folder atomically; returns its summary row.

    Never raises for a failing case: an exception becomes status ``error`` with
    ``error.json`` (type, message, traceback); a non-optimal status keeps the run's
    files (diagnosis.txt) and adds ``error.json`` with the diagnosis.
    """
    from gridsim.studies.balance import run_balance

    worker_setup()
    final = Path(task.run_dir)
    if task.token:
        done = _done_row(final, task.scenario.sha256(), False, task.token)
        if done is not None:
            return done
    tic, cpu = time.perf_counter(), time.process_time()
    tmp = staging_dir(final)
    row: dict[str, Any] = {"case_id": task.case.id, "label": task.case.slug, **task.params}
    error: dict[str, Any] | None = None
    try:
        res = run_balance(task.scenario)
        res.write(tmp)
        row.update(status=res.status, ok=bool(res.ok))
        row.update(kpi_row(res.kpis, res.scorecard, res.network))
        row.update(case_timings(res))  # inputs_s, build_s, solve_s
        if not res.ok:
            error = _status_error(res)
    except Exception as err:  # a failing case stays local
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        msg = str(err) or type(err).__name__
        tb = traceback.format_exc()
        error = {"kind": "exception", "type": type(err).__name__, "message": msg, "traceback": tb}
        row.update(status="error", ok=False)
    row["error"] = error["message"] if error else None
    row["time_s"] = round(time.perf_counter() - tic, 3)
    row["cpu_s"] = round(time.process_time() - cpu, 3)
    row["run_dir"] = str(final)
    if error is not None:
        _dump(tmp / "error.json", {"case_id": task.case.id, **error})
    info = {
        **marker("sweep-case"),
        "case_id": task.case.id,
        "label": task.case.slug,
        "base": task.case.base,
        "changes": task.case.changes,
        "scenario_sha256": task.scenario.sha256(),
        "token": task.token,
        "row": row,
    }
    _dump(tmp / "case.json", info)  # written last: its presence marks a complete folder
    publish_dir(tmp, final, overwrite=True)  # a case folder of this sweep is gridsim's
    return row


# ---------------------------------------------------------------- executors
Outcome = tuple[CaseTask, "dict[str, Any] | BaseException"]


def _run_processes(
    tasks: list[CaseTask], workers: int, fn: Callable[[CaseTask], dict[str, Any]] = run_case
) -> Iterator[Outcome]:
    """Run ``fn`` on ``tasks`` in a spawn-based process pool; yield outcomes as they complete.

    At most ``workers`` tasks are in flight, so when a worker process dies (the pool
    breaks) the suspects are the tasks in flight: each is run again alone in a fresh
    one-process pool (a second death makes it ``lost``), and the others go on in a
    new pool. One crashing case thus costs no other case.
    """
    queue, suspects = list(tasks), list[CaseTask]()
    while queue or suspects:
        alone = bool(suspects)
        batch, n = ([suspects.pop(0)], 1) if alone else (queue, workers)
        pool = process_pool(n, "spawn", input_cache=True, exit_with_parent=True)
        running: dict[Future[dict[str, Any]], CaseTask] = {}
        try:
            while batch or running:
                while batch and len(running) < n:
                    t = batch.pop(0)
                    running[pool.submit(fn, t)] = t
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = [f for f in done if isinstance(f.exception(), BrokenProcessPool)]
                for fut in done:
                    if fut not in broken:
                        task = running.pop(fut)
                        exc = fut.exception()
                        yield task, exc if exc is not None else fut.result()
                if broken:
                    crashed = list(running.values())
                    running.clear()
                    if alone:
                        yield crashed[0], BrokenProcessPool("the worker process died running it")  # fmt: skip
                    else:
                        suspects.extend(crashed)
                    break
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(tasks: list[CaseTask], address: Any, workers: int | None) -> Iterator[Outcome]:
    """Run ``tasks`` on a Dask cluster (address, scheduler file, Client or "local"); yield
    outcomes. See :mod:`gridsim.batch.cluster`."""
    try:
        from gridsim.batch.cluster import run_dask
    except ImportError as err:  # pragma: no cover - dask is an optional extra
        raise ImportError(f"the Dask executor needs dask.distributed: pip install 'gridsim[dask]' ({err})") from err  # fmt: skip
    return run_dask(tasks, address, workers, run_case, worker_setup)


# ------------------------------------------------------------------- sweeping
@dataclass
class SweepResult:
    """Outcome of :func:`run_sweep`: ``summary`` has one row per case (index ``case_id``,
    file order); ``ran``/``skipped``/``pending`` list case ids; ``elapsed_s`` (s)."""

    sweep: Sweep
    summary: pd.DataFrame
    out: Path
    ran: list[str]
    skipped: list[str]
    pending: list[str]
    elapsed_s: float

    @property
    def failures(self) -> pd.DataFrame:
        """Rows of the cases that ran (now or before) and did not end ``optimal``."""
        s = self.summary
        return s[(s.status != "pending") & ~s.ok.astype(bool)]

    @property
    def ok(self) -> bool:
        """Every case ran and ended optimal."""
        return not self.pending and self.failures.empty


def _done_row(run_dir: Path, sha: str, retry_failed: bool, token: str | None = None) -> dict[str, Any] | None:  # fmt: skip
    """The stored row of a finished case folder (None: run it); with ``token``, only of
    a folder that the sweep run of that token wrote."""
    try:
        info = json.loads((run_dir / "case.json").read_text())
    except (OSError, ValueError):
        return None
    row = info.get("row")
    if info.get("scenario_sha256") != sha or not isinstance(row, dict):
        return None
    if token is not None and info.get("token") != token:
        return None
    if retry_failed and not row.get("ok"):
        return None
    return row


def _arrow_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns of mixed or nested values as JSON text (Parquet needs one type)."""
    out = df.copy()
    for col in out.select_dtypes(include="object").columns:
        vals = [v for v in out[col] if v is not None and not _nan(v)]
        kinds = {type(v) for v in vals}
        if len(kinds) > 1 and kinds <= {int, float}:
            out[col] = pd.to_numeric(out[col])
        elif len(kinds) > 1 or kinds & {list, dict}:
            out[col] = [None if v is None else json.dumps(v, sort_keys=True) for v in out[col]]
    return out


def summary_frame(sweep: Sweep, rows: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per case in file order: case, label, parameters, status, KPIs, time."""
    records = []
    for c in sweep.cases:
        r = rows.get(c.id) or {"status": "pending", "ok": False}
        rec = {"case": c.index, "case_id": c.id, "label": c.slug}
        rec.update({p: c.changes.get(p) for p in sweep.params})
        rec.update({"status": r.get("status"), "ok": bool(r.get("ok"))})
        rec.update({k: r.get(k) for k in KPI_COLUMNS})
        rec.update({k: r.get(k) for k in (*TIME_COLUMNS, "error")})
        rec["run_dir"] = str(sweep.out / "runs" / c.id)
        records.append(rec)
    df = pd.DataFrame.from_records(records).set_index("case_id")
    for k in KPI_COLUMNS:
        if k != "targets_met":
            df[k] = pd.to_numeric(df[k], errors="coerce")
    for k in TIME_COLUMNS:
        df[k] = pd.to_numeric(df[k], errors="coerce")
    return df


def write_summary(df: pd.DataFrame, out: Path) -> None:
    """``<out>/summary.parquet`` and ``summary.csv``, each replaced atomically."""
    safe = _arrow_safe(df)
    write_file_atomic(out / "summary.parquet", lambda p: safe.to_parquet(p))
    write_file_atomic(out / "summary.csv", lambda p: safe.to_csv(p))


def _lost_row(task: CaseTask, err: BaseException) -> dict[str, Any]:
    msg = f"{type(err).__name__}: {err}".rstrip(": ")
    error = f"worker lost ({msg}); run the sweep again to retry"
    return {"case_id": task.case.id, "status": "lost", "ok": False, "error": error}


def run_sweep(
    sweep_or_path: Sweep | str | Path,
    executor: str = "processes",
    address: Any = None,
    workers: int | None = None,
    progress: bool = True,
    out: str | Path | None = None,
    limit: int | None = None,
    retry_failed: bool = False,
) -> SweepResult:
    """Run every case of a sweep not already done; write and return the summary.

    ``executor``: ``"processes"`` (``workers`` processes, default one per core) or
    ``"dask"`` (``address``: a scheduler address, a ``distributed.Client``, or
    ``"local"``/None for a LocalCluster of ``workers`` single-threaded processes).
    ``out`` overrides the sweep's output folder; ``limit`` runs at most that many of
    the remaining cases (the others stay ``pending``); ``retry_failed`` runs again
    the cases that finished with an error or a non-optimal status. Cases whose
    folder is complete and whose scenario hash matches are skipped. A case that
    fails is recorded (status, ``error.json``) and the sweep goes on; a worker that
    dies leaves its case ``lost`` (no folder: the next run retries it).
    """
    t0 = time.perf_counter()
    if isinstance(sweep_or_path, Sweep):
        sweep = sweep_or_path
        if out is not None:
            sweep = dataclasses.replace(sweep, out=Path(out))
    else:
        sweep = load_sweep(sweep_or_path, out)
    if executor not in ("processes", "dask"):
        raise InputError("must be 'processes' or 'dask'", field="executor", value=executor)
    if workers is not None and workers < 1:
        raise InputError("must be >= 1", field="workers", value=workers)
    scenarios = check_sweep(sweep)  # every case validated before anything runs
    with output_lock(sweep.out, lock_file=sweep.out / ".lock"):
        _claim_folder(sweep)
        runs = sweep.out / "runs"
        runs.mkdir(exist_ok=True)
        clean_staging(runs)
        return _run_locked(sweep, scenarios, executor, address, workers, progress, limit, retry_failed, t0)  # fmt: skip


def _claim_folder(sweep: Sweep) -> None:
    """Make sure ``sweep.out`` is new, empty or a sweep folder gridsim wrote (a sweep
    resumes in its own folder), then mark it with ``sweep.json``."""
    out = sweep.out
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError("exists and is not a folder: gridsim never replaces it", out)
    entries = [p for p in out.iterdir() if p.name != ".lock"] if out.is_dir() else []
    if entries and not is_gridsim_folder(out):
        msg = "is a non-empty folder that gridsim did not write (no sweep.json of gridsim's): a sweep never writes into it; choose another folder"  # fmt: skip
        raise OutputError(msg, out)
    if not (out / "sweep.json").is_file():
        _dump(out / "sweep.json", {**marker("sweep"), "name": sweep.name})


def _run_locked(
    sweep: Sweep,
    scenarios: dict[str, Scenario],
    executor: str,
    address: Any,
    workers: int | None,
    progress: bool,
    limit: int | None,
    retry_failed: bool,
    t0: float,
) -> SweepResult:
    """The body of :func:`run_sweep`, run while holding the output folder's lock."""
    runs = sweep.out / "runs"
    src = sweep.path
    if src is not None:
        write_file_atomic(sweep.out / "sweep.toml", lambda p: shutil.copyfile(src, p))
    rows: dict[str, dict[str, Any]] = {}
    todo: list[CaseTask] = []
    token = os.urandom(8).hex()  # this run's
    for c in sweep.cases:
        run_dir = runs / c.id
        done = _done_row(run_dir, scenarios[c.id].sha256(), retry_failed)
        if done is not None:
            rows[c.id] = done
        else:
            params = {p: c.changes.get(p) for p in sweep.params}
            todo.append(CaseTask(c, scenarios[c.id], str(run_dir), params, token))
    skipped = list(rows)
    todo = todo[:limit] if limit is not None else todo
    ran: list[str] = []
    bar = _progress_bar(len(sweep.cases), len(skipped), sweep.name, progress)
    last_write = time.perf_counter()
    try:
        if todo:
            n = min(workers or os.cpu_count() or 1, len(todo))
            if executor == "processes":
                outcomes = _run_processes(todo, n)
            else:
                outcomes = _run_dask(todo, address, workers)
            for task, result in outcomes:
                row = result if isinstance(result, dict) else _lost_row(task, result)
                rows[task.case.id] = row
                ran.append(task.case.id)
                if isinstance(result, dict):
                    record_run(task.run_dir)  # into the results catalogs above it, if any
                if bar is not None:
                    bad = sum(not r.get("ok") for r in rows.values())
                    bar.set_postfix_str(f"{task.case.slug}: {row['status']}; failed {bad}")
                    bar.update(1)
                if time.perf_counter() - last_write > 10.0:
                    write_summary(summary_frame(sweep, rows), sweep.out)
                    last_write = time.perf_counter()
    finally:
        if bar is not None:
            bar.close()
        summary = summary_frame(sweep, rows)
        write_summary(summary, sweep.out)
    pending = [c.id for c in sweep.cases if c.id not in rows]
    return SweepResult(sweep, summary, sweep.out, ran, skipped, pending, time.perf_counter() - t0)


def _progress_bar(total: int, done: int, name: str, enabled: bool) -> Any:
    """A tqdm bar on stderr (None when disabled or tqdm is missing)."""
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with dask
        return None
    return tqdm(total=total, initial=done, desc=f"sweep {name}", unit="case", dynamic_ncols=True)
