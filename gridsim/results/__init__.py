"""Results: a study returns a result; this package writes, indexes and reads it.

- :mod:`~gridsim.results.write`: a power-balance result to a run folder
  (:func:`write_results`), atomically, with its manifest;
- :mod:`~gridsim.results.layout`: the hourly groups and arrays of a run folder;
- :mod:`~gridsim.results.store`: open a run folder (:func:`load_run` -> :class:`Run`,
  hourly series read lazily) or a sweep's summary (:func:`load_sweep`);
- :mod:`~gridsim.results.listing`: list (:func:`list_runs`) and compare
  (:func:`compare_runs`) runs;
- :mod:`~gridsim.results.key_kpis`: the key KPIs, their units and the views that show them;
- :mod:`~gridsim.results.publish`: publishing folders safely (destination checks,
  locks, staging);
- :mod:`~gridsim.results.integrity`: checking that what a manifest lists is intact;
- :mod:`~gridsim.results.catalog`: one Parquet table of every run below a folder, kept
  current as runs finish, and queries over it (pandas, DuckDB SQL); its rows are
  :mod:`~gridsim.results.catalog_rows`, its Arrow typing and merge
  :mod:`~gridsim.results.catalog_table`, and :mod:`~gridsim.results.catalog_analysis`
  finds the cheapest variant meeting the plan and a KPI's response surface.
"""

from gridsim.results.integrity import file_records, reseal, verify_files
from gridsim.results.key_kpis import KEY_KPIS, flatten, unit_of
from gridsim.results.layout import ELEMENT, GROUP_ARRAYS, hourly_frame
from gridsim.results.listing import compare_runs, list_runs, run_row
from gridsim.results.publish import (
    OutputError,
    check_destination,
    check_file_destination,
    is_gridsim_folder,
    output_lock,
    publish_dir,
    staging_dir,
    write_file_atomic,
)
from gridsim.results.store import Run, is_sweep, load_run, load_sweep, week_of, weeks
from gridsim.results.write import jsonable, read_summary, write_hourly, write_results

__all__ = [
    "ELEMENT",
    "GROUP_ARRAYS",
    "KEY_KPIS",
    "OutputError",
    "Run",
    "check_destination",
    "check_file_destination",
    "compare_runs",
    "file_records",
    "flatten",
    "hourly_frame",
    "is_gridsim_folder",
    "is_sweep",
    "jsonable",
    "list_runs",
    "load_run",
    "load_sweep",
    "output_lock",
    "publish_dir",
    "read_summary",
    "reseal",
    "run_row",
    "staging_dir",
    "unit_of",
    "verify_files",
    "week_of",
    "weeks",
    "write_file_atomic",
    "write_hourly",
    "write_results",
]
