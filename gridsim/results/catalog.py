"""The results catalog: one Parquet table of every run below a folder, for queries over
thousands of runs without opening them.

``<root>/catalog.parquet`` holds one row per run folder below ``<root>`` (any depth;
sweep cases included), the columns of :mod:`gridsim.results.catalog_rows`. It is a file
gridsim wrote: its Parquet metadata carries ``written_by = "gridsim"`` and ``kind =
"results-catalog"``, and gridsim never replaces a file at that path without that mark.

- :func:`build` (``gridsim results index DIR``) scans ``root`` and writes the catalog;
- :func:`update` adds or replaces the rows of some runs, by path;
- :func:`record_run` is called when a run or a sweep case is written: it updates every
  catalog in the folders above it (a folder without a catalog gets none);
- :func:`load` and :func:`query` read it (building it first when it is missing).

Every write holds the catalog's lock (``<root>/.catalog.parquet.lock``, see
:func:`gridsim.results.publish.output_lock`), writes a hidden temporary sibling and
renames it over the catalog, so a reader sees the old catalog or the new one, never a
part. A run that cannot be read is a row with its ``problem``; it never stops a build.

>>> build("results")                                   # gridsim results index results
>>> query("results", "renewable_utilisation < 0.95")   # a pandas query
>>> query("results", sql="SELECT scenario, avg(co2_t) FROM runs GROUP BY 1")  # DuckDB
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from gridsim.errors import InputError
from gridsim.results.catalog_rows import catalog_row, catalog_rows
from gridsim.results.catalog_table import from_frame, merge, to_frame
from gridsim.results.publish import (
    GRIDSIM,
    WRITTEN_BY,
    OutputError,
    check_file_destination,
    output_lock,
    write_file_atomic,
)

log = logging.getLogger(__name__)

#: The catalog's file name in its root folder.
CATALOG = "catalog.parquet"
#: The ``kind`` in the catalog's Parquet metadata.
KIND = "results-catalog"
#: The table name of SQL queries.
TABLE = "runs"
#: How long a writer waits for another one to release the catalog's lock (s).
LOCK_WAIT_S = 30.0


def catalog_path(root: str | Path) -> Path:
    """The catalog file of the folder ``root``."""
    return Path(root) / CATALOG


def is_catalog(path: str | Path) -> bool:
    """True when ``path`` is a Parquet file with gridsim's catalog mark."""
    import pyarrow.parquet as pq

    p = Path(path)
    if not p.is_file() or p.is_symlink():
        return False
    try:
        meta = pq.read_schema(p).metadata or {}
    except Exception:  # noqa: BLE001 - any unreadable file is not ours
        return False
    return meta.get(WRITTEN_BY.encode()) == GRIDSIM.encode() and meta.get(b"kind") == KIND.encode()  # fmt: skip


@contextlib.contextmanager
def _locked(path: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold ``path``'s output lock, waiting up to ``wait_s`` for another writer."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            lock = output_lock(path)
            lock.__enter__()
        except OutputError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)
            continue
        break
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def _write(table: pa.Table, path: Path) -> None:
    """Write ``table`` atomically to ``path`` with the catalog's mark (lock held)."""
    import pyarrow.parquet as pq

    from gridsim import __version__

    mark = {WRITTEN_BY: GRIDSIM, "kind": KIND, "gridsim_version": __version__}
    table = table.replace_schema_metadata({k.encode(): v.encode() for k, v in mark.items()})
    write_file_atomic(
        path, lambda tmp: pq.write_table(table, tmp, compression="snappy", write_statistics=False)
    )


def _check_ours(path: Path) -> None:
    """Refuse ``path`` unless it is new or a catalog gridsim wrote."""
    check_file_destination(path, overwrite=True, is_ours=is_catalog)


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    """The catalog table of ``rows`` (the columns path, status, problem when empty)."""
    if not rows:
        return pa.table({c: pa.array([], pa.string()) for c in ("path", "status", "problem")})
    return from_frame(pd.DataFrame(rows))


def _root(root: str | Path) -> Path:
    r = Path(root)
    if not r.exists():
        raise InputError("no such results folder", source=str(r))
    if not r.is_dir():
        raise InputError("is not a folder", source=str(r))
    return r.resolve()


def build(root: str | Path = "results") -> pd.DataFrame:
    """Scan ``root`` and write ``<root>/catalog.parquet`` anew; returns the catalog.

    A file at that path that is not gridsim's catalog is refused
    (:class:`~gridsim.results.OutputError`); a run that cannot be read is a row with
    its ``problem``."""
    r = _root(root)
    path = catalog_path(r)
    with _locked(path):
        _check_ours(path)
        table = _table(catalog_rows(r))
        _write(table, path)
    return to_frame(table)


def update(root: str | Path, run_dirs: Iterable[str | Path]) -> Path:
    """Add or replace the rows of ``run_dirs`` (folders below ``root``) in ``root``'s
    catalog, by path; a folder that no longer exists loses its row. Builds the catalog
    when there is none. Returns the catalog's path."""
    import pyarrow.parquet as pq

    r = _root(root)
    path = catalog_path(r)
    with _locked(path):
        _check_ours(path)
        if not path.exists():
            _write(_table(catalog_rows(r)), path)
            return path
        dirs = [Path(d).resolve() for d in run_dirs]
        rows = [catalog_row(d, r) for d in dirs if d.is_dir()]
        gone = [_rel_key(d, r) for d in dirs]
        table = merge(pq.read_table(path), [x for x in rows if x is not None], gone)
        _write(table, path)
    return path


def _rel_key(d: Path, root: Path) -> str:
    try:
        return d.relative_to(root).as_posix() or "."
    except ValueError:
        return d.as_posix()


def record_run(run_dir: str | Path) -> list[Path]:
    """Add the run folder ``run_dir`` to every gridsim catalog in the folders above it
    (called when ``gridsim run`` or a sweep case has written it). Returns the catalogs
    updated. Never raises: a catalog that cannot be updated is logged as a warning
    (``gridsim results index`` rebuilds it); a user's file named catalog.parquet is left
    alone."""
    d = Path(run_dir).resolve()
    done: list[Path] = []
    for root in d.parents:
        path = catalog_path(root)
        if not path.is_file():
            continue
        if not is_catalog(path):
            log.debug("%s: not a gridsim catalog, left alone", path)
            continue
        try:
            update(root, [d])
            done.append(path)
        except (InputError, OSError, ValueError) as err:
            log.warning("%s: catalog not updated with %s (%s); run 'gridsim results index %s'", path, d, err, root)  # fmt: skip
    return done


def _existing(root: str | Path) -> Path:
    """The catalog file of ``root``, built first when there is none; a file there that
    gridsim did not write is refused."""
    r = _root(root)
    path = catalog_path(r)
    if not path.exists():
        log.info("no catalog in %s: building it", r)
        build(r)
    elif not is_catalog(path):
        raise OutputError("is not a catalog that gridsim wrote: gridsim never reads or replaces it as one; choose another folder", path)  # fmt: skip
    return path


def load(root: str | Path = "results") -> pd.DataFrame:
    """The catalog of ``root`` as a DataFrame (one row per run, paths relative to
    ``root``); built first when ``root`` has none."""
    import pyarrow.parquet as pq

    return to_frame(pq.read_table(_existing(root)))


def query(root: str | Path = "results", expr: str | None = None, sql: str | None = None) -> pd.DataFrame:  # fmt: skip
    """The runs of ``root``'s catalog that match ``expr`` (a pandas query:
    ``"renewable_utilisation < 0.95"``, dotted names in back-quotes:
    ```total_cost.total` < 2e10``), or the result of ``sql`` over the table ``runs``
    (DuckDB; an :class:`~gridsim.errors.InputError` when it is not installed). Exactly
    one of ``expr`` and ``sql``."""
    if (expr is None) == (sql is None):
        raise InputError("needs exactly one of a pandas expression and --sql", field="query", value=expr if expr is not None else sql)  # fmt: skip
    if sql is not None:
        return sql_query(root, sql)
    df = load(root)
    try:
        out = df.query(str(expr), engine="python")
    except Exception as err:  # noqa: BLE001 - pandas raises many kinds for a bad query
        raise InputError(f"is not a query over the catalog's columns ({type(err).__name__}: {err}); dotted names go in back-quotes", field="query", value=expr) from None  # fmt: skip
    if not isinstance(out, pd.DataFrame):
        raise InputError("must be a condition that selects rows", field="query", value=expr)
    return out.reset_index(drop=True)


def sql_query(root: str | Path, sql: str) -> pd.DataFrame:
    """The result of ``sql`` over the catalog of ``root`` as the table ``runs`` (DuckDB,
    reading the Parquet file itself)."""
    try:
        import duckdb
    except ImportError:
        raise InputError("needs DuckDB, which is not installed: pip install 'gridsim[catalog]' (or use a pandas expression)", field="--sql", value=sql) from None  # fmt: skip
    path = str(_existing(root)).replace("'", "''")
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW {TABLE} AS SELECT * FROM read_parquet('{path}')")
        return con.execute(sql).df()
    except duckdb.Error as err:
        raise InputError(f"failed in DuckDB ({type(err).__name__}: {err})", field="--sql", value=sql) from None  # fmt: skip
    finally:
        con.close()


__all__ = [
    "CATALOG",
    "KIND",
    "TABLE",
    "build",
    "catalog_path",
    "is_catalog",
    "load",
    "query",
    "record_run",
    "sql_query",
    "update",
]
