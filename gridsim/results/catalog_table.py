"""The results catalog as an Arrow table: typed columns, their order, and the merge of
new rows into an existing catalog without a round trip through pandas.

Each column holds one type: booleans, float64 numbers (integers too), timestamps
(Asia/Shanghai) or text; a column whose values mix types holds text
(:func:`gridsim.results.catalog_rows.tidy`). A full build types the columns with pandas;
an incremental update (:func:`merge`) types the new rows with Arrow and casts them to
the catalog's types, falling back to the full typing only when a column must change
type. Both give the same file, read back by :func:`to_frame`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from gridsim.results.catalog_rows import MET, PARAM, TIMING, tidy
from gridsim.results.key_kpis import SHORTLIST

TZ = "Asia/Shanghai"

#: The leading columns of the catalog, in order; then the key KPIs, ``met.*``,
#: ``param.*`` and ``timings_s.*``, each sorted, and any other column.
LEAD = (
    "path", "scenario", "status", "problem", "created", "start", "end", "hours",
    "solved_hours", "sweep", "case_id", "label", "base", "changed", "error",
    "scenario_file", "scenario_sha256", "targets_met", "targets", "all_targets_met",
)  # fmt: skip


def column_order(names: Iterable[str]) -> list[str]:
    """The catalog's order of the columns ``names``."""
    have = list(dict.fromkeys(names))
    s = set(have)
    out = [c for c in LEAD if c in s] + [k.key for k in SHORTLIST if k.key in s]
    for prefix in (MET, PARAM, TIMING):
        out += sorted(c for c in have if c.startswith(prefix))
    taken = set(out)
    return out + sorted(c for c in have if c not in taken)


def from_frame(df: pd.DataFrame) -> pa.Table:
    """The Arrow table of a catalog frame: typed (:func:`tidy`), in catalog order, rows
    by path, without pandas' own metadata (the file reads the same from any tool)."""
    typed = tidy(df)
    typed = typed[column_order(typed.columns)].sort_values("path", kind="stable").reset_index(drop=True)  # fmt: skip
    return pa.Table.from_pandas(typed, preserve_index=False).replace_schema_metadata(None)


def to_frame(table: pa.Table) -> pd.DataFrame:
    """The catalog as a DataFrame: booleans as pandas' nullable ``boolean``, numbers as
    float64 (NaN when missing), times tz-aware, text as objects (None when missing)."""
    df = table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
    for c in df.columns:
        if pa.types.is_null(table.schema.field(c).type):
            df[c] = pd.Series([None] * len(df), dtype=object)
    return df


def _cell(v: Any) -> Any:
    """One value of a new row as Arrow types it like the full build: integers as floats,
    times in Asia/Shanghai (a time without a zone is local time), NaN and NaT as missing."""
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return float(v)
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else (v.tz_localize(TZ) if v.tz is None else v).tz_convert(TZ)  # fmt: skip
    if v is pd.NaT:
        return None
    return v


def _rows_table(rows: Sequence[dict[str, Any]]) -> pa.Table | None:
    """The Arrow table of ``rows`` (None when a column mixes types)."""
    names = column_order(k for r in rows for k in r)
    arrays = []
    for c in names:
        cells = [_cell(r.get(c)) for r in rows]
        present = [v for v in cells if v is not None]
        try:
            if present and all(isinstance(v, pd.Timestamp) for v in present):
                # times as nanoseconds since the epoch (UTC): no reading of wall times
                ns = [None if v is None else int(v.value) for v in cells]
                arrays.append(pa.array(ns, type=pa.timestamp("ns", tz=TZ)))
            else:
                arrays.append(pa.array(cells, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
    return pa.table(dict(zip(names, arrays)))


def _aligned(old: pa.Table, new: pa.Table) -> tuple[pa.Table, pa.Table] | None:
    """``old`` and ``new`` with the same columns and types (a column missing from one
    is null there); None when a column would have to change type."""
    ot = {f.name: f.type for f in old.schema}
    nt = {f.name: f.type for f in new.schema}
    oc = dict(zip(old.column_names, old.columns))
    nc = dict(zip(new.column_names, new.columns))
    order = column_order([*ot, *nt])
    for name in order:
        if name not in ot:
            oc[name] = pa.chunked_array([pa.nulls(len(old), nt[name])])
        elif name not in nt:
            nc[name] = pa.chunked_array([pa.nulls(len(new), ot[name])])
        elif ot[name] == nt[name]:
            continue
        elif pa.types.is_null(ot[name]):
            oc[name] = oc[name].cast(nt[name])
        elif pa.types.is_null(nt[name]) or (pa.types.is_timestamp(ot[name]) and pa.types.is_timestamp(nt[name])):  # fmt: skip
            nc[name] = nc[name].cast(ot[name])
        else:
            return None
    return pa.table({n: oc[n] for n in order}), pa.table({n: nc[n] for n in order})


def _without(table: pa.Table, paths: Iterable[str]) -> tuple[pa.Table, list[str]]:
    """``table`` (rows sorted by path) without the rows of ``paths``, and its paths;
    the rows are cut out by slices, not copied."""
    have = table.column("path").to_pylist()
    if any(a >= b for a, b in zip(have, have[1:])):  # not sorted: a catalog from elsewhere
        table = table.sort_by("path")
        have = table.column("path").to_pylist()
    cuts = sorted(i for p in set(paths) if (i := bisect.bisect_left(have, p)) < len(have) and have[i] == p)  # fmt: skip
    if not cuts:
        return table, have
    parts, start = [], 0
    for i in cuts:
        parts.append(table.slice(start, i - start))
        start = i + 1
    parts.append(table.slice(start))
    gone = set(cuts)
    return pa.concat_tables(parts), [p for k, p in enumerate(have) if k not in gone]


def _inserted(table: pa.Table, have: list[str], new: pa.Table) -> pa.Table:
    """The rows of ``new`` put in path order into ``table`` (sorted, paths ``have``)."""
    if len(new) != 1:
        return pa.concat_tables([table, new]).sort_by("path")
    at = bisect.bisect_left(have, new.column("path")[0].as_py())
    return pa.concat_tables([table.slice(0, at), new, table.slice(at)])


def merge(old: pa.Table, rows: Sequence[dict[str, Any]], drop: Iterable[str]) -> pa.Table:
    """``old`` without the rows whose path is in ``drop``, plus ``rows``; typed like a
    full build of the same rows, in catalog order, rows by path."""
    kept, have = _without(old, drop)
    if not rows:
        return kept.replace_schema_metadata(None)
    new = _rows_table(rows)
    pair = _aligned(kept, new) if new is not None else None
    if pair is None:  # a column changes type: type everything again
        both = pd.concat([to_frame(kept), pd.DataFrame(list(rows))], ignore_index=True)
        return from_frame(both)
    return _inserted(pair[0], have, pair[1]).replace_schema_metadata(None)


__all__ = ["LEAD", "column_order", "from_frame", "merge", "to_frame"]
