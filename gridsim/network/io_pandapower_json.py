"""Read pandapower JSON files (``pandapower.to_json``) as data, never as code.

pandapower's own reader (``pandapower.from_json``) imports the Python module named by
every ``"_module"`` entry of the file before it decides whether to accept it, so a file
can make it run code. This reader never imports anything a file names: it parses the
JSON with :func:`json.loads` and an object hook that accepts only the serialisation
tags pandapower writes for its own data (``pandapower.*``, ``pandas``, ``numpy``,
``builtins`` containers, ``networkx``, ``shapely``, ``geopandas``) and raises an
:class:`~gridsim.errors.InputError` naming the file and the ``_module`` value for any
other. Accepted tags are decoded here (tables from their ``orient="split"`` JSON) or
kept as inert placeholders (controllers, characteristics, graphs); no class is looked up.

Element tables are rebuilt from their JSON with the column dtypes the file declares
(a value that does not fit names the table, element index, column and value), then
converted by :func:`~gridsim.network.io_pandapower.from_pandapower`. Files written by
pandapower 2.x are brought to the 3.x layout for the fields gridsim reads (tap-changer
type, bus coordinates, renamed columns); files older than pandapower 2.0 (kW units)
are refused.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridsim.errors import InputError
from gridsim.network.io_pandapower import _UNSUPPORTED, from_pandapower
from gridsim.network.io_text import parse_json, read_text
from gridsim.network.network import Network

SAFE_ROOTS = ("pandapower", "pandas", "numpy", "builtins", "networkx", "shapely", "geopandas")
"""Top-level packages whose serialisation tags a pandapower file may carry (never imported)."""

_USED = (
    "bus line trafo ext_grid gen sgen load shunt ward dcline storage switch impedance "
    "poly_cost bus_geodata"
).split()
TABLES: tuple[str, ...] = tuple(_USED) + tuple(_UNSUPPORTED)
"""The pandapower tables gridsim reads (the rest of the file is parsed but not used)."""

_REQUIRED = {
    "line": ("from_bus", "to_bus"),
    "trafo": ("hv_bus", "lv_bus"),
    "impedance": ("from_bus", "to_bus"),
    "dcline": ("from_bus", "to_bus"),
    "ext_grid": ("bus",),
    "gen": ("bus",),
    "sgen": ("bus",),
    "load": ("bus",),
    "shunt": ("bus",),
    "ward": ("bus",),
    "storage": ("bus",),
    "switch": ("bus", "element", "et"),
    "poly_cost": ("element", "et", "cp1_eur_per_mw"),
}
"""Columns a non-empty table must have."""

_KIND_OF_COLUMN = {
    "bus": "int",
    "from_bus": "int",
    "to_bus": "int",
    "hv_bus": "int",
    "lv_bus": "int",
    "element": "int",
    "in_service": "bool",
    "closed": "bool",
}
"""Columns whose kind gridsim relies on, whatever dtype the file declares."""


class PandapowerTables(dict[str, Any]):
    """The parsed content of a pandapower net: tables and scalars by key, also as
    attributes (the interface :func:`from_pandapower` reads)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


class _Frame:
    """A serialised pandas DataFrame, decoded on demand."""

    def __init__(self, obj: Any, meta: dict[str, Any]) -> None:
        self.obj = obj
        self.meta = meta


class _Opaque:
    """An object of a pandapower/numpy/... class gridsim does not use, kept inert."""

    def __init__(self, module: str, cls: str) -> None:
        self.module = module
        self.cls = cls

    def __repr__(self) -> str:
        return f"<{self.module}.{self.cls}>"


def _hook_for(source: str) -> Any:
    def hook(d: dict[str, Any]) -> Any:
        if "_module" not in d and "_class" not in d:
            return d
        module, cls = d.get("_module"), d.get("_class")
        if not isinstance(module, str) or module.split(".")[0] not in SAFE_ROOTS:
            raise InputError(
                "names a Python module outside pandapower's file format; gridsim reads "
                "pandapower files as data and does not import it",
                source=source,
                field="_module",
                value=module,
            )
        if not isinstance(cls, str):
            raise InputError("must be a class name", source=source, field="_class", value=cls)
        obj = d.get("_object")
        if cls == "DataFrame" and module.startswith("pandas"):
            return _Frame(obj, d)
        if cls == "pandapowerNet":
            return PandapowerTables(_net_object(obj, source))
        if module == "numpy" or module.startswith("numpy."):
            return _numpy_value(obj, cls)
        if module == "builtins" and cls in ("tuple", "set", "frozenset", "list"):
            return obj
        return _Opaque(module, cls)

    return hook


def _decode(obj: Any, hook: Any) -> Any:
    """Apply ``hook`` to every object of parsed JSON, innermost first (as ``object_hook``)."""
    if isinstance(obj, dict):
        return hook({k: _decode(v, hook) for k, v in obj.items()})
    if isinstance(obj, list):
        return [_decode(v, hook) for v in obj]
    return obj


def _net_object(obj: Any, source: str) -> dict[str, Any]:
    if isinstance(obj, str):  # older files: the net's content as a JSON string
        obj = parse_json(obj, source, object_hook=_hook_for(source))
    if not isinstance(obj, dict):
        raise InputError(
            "must be an object of tables", source=source, field="pandapowerNet", show_value=False
        )
    return obj


def _numpy_value(obj: Any, cls: str) -> Any:
    if cls == "array":
        return obj
    if cls.startswith("bool"):
        return obj is True or obj == "true"
    if isinstance(obj, str):  # NaN is written as a string
        try:
            return float(obj)
        except ValueError:
            return obj
    return obj


# ------------------------------------------------------------------------- reading
def read_pandapower_json(path: str | Path) -> Network:
    """Read a pandapower JSON file into a :class:`Network` without importing anything
    the file names (see the module docstring)."""
    path = Path(path)
    return pandapower_json_to_network(read_text(path), str(path))


def pandapower_json_to_network(text: str, source: str) -> Network:
    """Convert the text of a pandapower JSON file; errors name ``source``."""
    tables = parse_pandapower_json(text, source)
    net = from_pandapower(tables, source=source)
    net.source = source
    return net


def parse_pandapower_json(text: str, source: str) -> PandapowerTables:
    """The tables and scalars of a pandapower JSON text (see the module docstring)."""
    return pandapower_tables(parse_json(text, source), source)


def pandapower_tables(raw: Any, source: str) -> PandapowerTables:
    """The tables and scalars of the plain parsed JSON ``raw`` of a pandapower file
    (``json.loads`` output: the serialisation tags are decoded here)."""
    hook = _hook_for(source)
    try:
        data = _decode(raw, hook)
    except RecursionError:
        raise InputError("is nested too deeply to read", source=source, show_value=False) from None
    if isinstance(data, dict) and not isinstance(data, PandapowerTables):
        if isinstance(data.get("bus"), dict) and "_module" not in data:
            raise _old(source, "a pandapower file of the pre-2.0 layout")
    if not isinstance(data, PandapowerTables):
        raise InputError(
            "is not a pandapower network (no pandapowerNet object at the top)",
            source=source,
            show_value=False,
        )
    version = _version(data.get("format_version", data.get("version")))
    if version is not None and version < (2, 0):
        raise _old(source, f"written by pandapower {data.get('version')}")
    out = PandapowerTables()
    for key, value in data.items():
        if isinstance(value, _Frame):
            if key in TABLES:
                out[key] = _frame(value, key, source)
            elif isinstance(value.obj, str) and "_module" in value.obj:
                parse_json(value.obj, source, object_hook=_hook_for(source))  # screen only
        elif key not in ("bus", "line", "trafo", "load", "shunt", "dcline", "storage"):
            out[key] = value
    if "bus" not in out:
        raise InputError(
            "has no bus table (not a pandapower network)", source=source, show_value=False
        )
    for key in ("line", "trafo", "load", "shunt", "dcline", "storage"):
        out.setdefault(key, pd.DataFrame())
    out["name"] = data.get("name")
    for key, default in (("sn_mva", 1.0), ("f_hz", 50.0)):
        v = data.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise InputError("must be a number", source=source, table="network", field=key, value=v)
        out[key] = float(v)
    options = data.get("user_pf_options")
    out["user_pf_options"] = options if isinstance(options, dict) else {}
    if version is not None and version < (3, 0):
        _from_2x(out)
    return out


def _old(source: str, what: str) -> InputError:
    return InputError(
        f"is {what}; gridsim reads pandapower >= 2.0 files: load and save it again with "
        "a current pandapower (pandapower.from_json, then pandapower.to_json)",
        source=source,
        show_value=False,
    )


def _version(v: Any) -> tuple[int, int] | None:
    m = re.match(r"\s*(\d+)\.(\d+)", str(v)) if isinstance(v, str | int | float) else None
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2))


def _from_2x(t: PandapowerTables) -> None:
    """Bring the fields gridsim reads from the pandapower 2.x layout to 3.x (as
    ``pandapower.convert_format`` does)."""
    tr = t["trafo"]
    if len(tr) and "tap_changer_type" not in tr:
        deg = pd.to_numeric(tr.get("tap_step_degree"), errors="coerce")
        pct = pd.to_numeric(tr.get("tap_step_percent"), errors="coerce")
        deg = deg.fillna(0.0) if deg is not None else pd.Series(0.0, tr.index)
        pct = pct.fillna(0.0) if pct is not None else pd.Series(0.0, tr.index)
        kind = np.full(len(tr), None, dtype=object)
        kind[((pct != 0) & (deg != 90)).to_numpy()] = "Ratio"
        kind[((pct != 0) & (deg == 90)).to_numpy()] = "Symmetrical"
        kind[((deg != 0) & (pct == 0)).to_numpy()] = "Ideal"
        t["trafo"] = tr.assign(tap_changer_type=kind)
    line = t["line"]
    if "imax_ka" in line and "max_i_ka" not in line:
        t["line"] = line.rename(columns={"imax_ka": "max_i_ka"})
    for table in ("gen",):
        df = t.get(table)
        if isinstance(df, pd.DataFrame):
            t[table] = df.rename(columns={"qmin_mvar": "min_q_mvar", "qmax_mvar": "max_q_mvar"})
    geo = t.get("bus_geodata")
    bus = t["bus"]
    if isinstance(geo, pd.DataFrame) and len(geo) and "geo" not in bus and {"x", "y"} <= set(geo):
        x = pd.to_numeric(geo["x"], errors="coerce").reindex(bus.index)
        y = pd.to_numeric(geo["y"], errors="coerce").reindex(bus.index)
        points = [
            {"type": "Point", "coordinates": [a, b]} if a == a and b == b else None
            for a, b in zip(x.to_numpy(float), y.to_numpy(float))
        ]
        t["bus"] = bus.assign(geo=points)


# ------------------------------------------------------------------------- tables
def _frame(frame: _Frame, table: str, source: str) -> pd.DataFrame:
    """Decode one serialised table (``orient="split"``) with its declared dtypes."""

    def fail(
        problem: str, element: Any = None, field: str | None = None, value: Any = None
    ) -> InputError:
        return InputError(
            problem,
            source=source,
            table=table,
            element=element,
            field=field,
            value=value,
            show_value=value is not None,
        )

    orient = frame.meta.get("orient", "split")
    if orient != "split" or not isinstance(frame.obj, str):
        raise fail(f"has a layout gridsim does not read (orient {orient!r}); expected 'split'")
    body = parse_json(frame.obj, source, object_hook=_hook_for(source))
    if not isinstance(body, dict):
        raise fail("must be a table (an object with columns, index and data)")
    cols, rows = body.get("columns", []), body.get("data", [])
    index = body.get("index", list(range(len(rows))) if isinstance(rows, list) else None)
    if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
        raise fail("must have a list of column names", field="columns", value=cols)
    if len(set(cols)) != len(cols):
        dup = next(c for c in cols if cols.count(c) > 1)
        raise fail("duplicate column", field="columns", value=dup)
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise fail("must have a list of rows", field="data")
    if not isinstance(index, list) or len(index) != len(rows):
        n = len(index) if isinstance(index, list) else index
        raise fail(f"must have one index entry per row ({len(rows)})", field="index", value=n)
    bad = [i for i in index if isinstance(i, bool) or not isinstance(i, int)]
    if bad:
        raise fail("must be an integer element index", field="index", value=bad[0])
    if len(set(index)) != len(index):
        dup = next(i for i in index if index.count(i) > 1)
        raise fail("duplicate element index", element=dup, field="index", value=dup)
    for k, row in enumerate(rows):
        if len(row) != len(cols):
            msg = f"has {len(row)} values, expected {len(cols)} (one per column)"
            raise fail(msg, element=index[k], field="data")
    declared = frame.meta.get("dtype")
    declared = declared if isinstance(declared, dict) else {}
    data: dict[str, np.ndarray] = {}
    for j, col in enumerate(cols):
        values = [row[j] for row in rows]
        kind = _KIND_OF_COLUMN.get(col) or _kind(declared.get(col))
        data[col] = _column(values, kind, lambda k, v, p, c=col: fail(p, index[k], c, v))
    df = pd.DataFrame(data, index=pd.Index(index, dtype=np.int64), columns=cols)
    for col in _REQUIRED.get(table, ()) if len(df) else ():
        if col not in df:
            raise fail("is missing (a pandapower table needs it)", field=col)
    return df


def _kind(dtype: Any) -> str:
    s = str(dtype)
    if s.startswith("float"):
        return "float"
    if s.startswith(("int", "uint")):
        return "int"
    if s.startswith(("Int", "UInt")):  # pandas' nullable integers
        return "int?"
    if s in ("bool", "boolean"):
        return "bool"
    return "object"


def _column(values: list[Any], kind: str, fail: Any) -> np.ndarray:
    """``values`` as an array of ``kind``; ``fail(k, value, problem)`` words an error."""
    if kind == "object":
        return np.array(values + [None], dtype=object)[:-1]  # keeps lists as cells
    if kind == "bool":
        for k, v in enumerate(values):
            if not (isinstance(v, bool) or (isinstance(v, int | float) and v in (0, 1))):
                raise fail(k, v, "must be true or false")
        return np.array(values, dtype=bool)
    out = np.empty(len(values), dtype=float)
    for k, v in enumerate(values):
        if v is None:
            out[k] = math.nan
        elif isinstance(v, int | float):
            out[k] = float(v)
        elif isinstance(v, str) and v.strip().lower() in ("nan", "inf", "-inf", "infinity"):
            out[k] = float(v)
        else:
            raise fail(k, v, "must be a number")
    if kind == "float":
        return out
    if kind == "int?":
        finite = np.isfinite(out)
        bad = np.isinf(out) | (finite & (out != np.round(np.where(finite, out, 0.0))))
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise fail(k, values[k], "must be an integer or null")
        return out
    bad = ~np.isfinite(out) | (out != np.round(out)) | (np.abs(out) >= 2**63)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise fail(k, values[k], "must be an integer")
    return out.astype(np.int64)


def is_pandapower_data(data: Any) -> bool:
    """Whether parsed JSON ``data`` is a pandapower file (it carries serialisation tags)."""
    return isinstance(data, dict) and ("_module" in data or "_class" in data)


__all__ = [
    "PandapowerTables",
    "is_pandapower_data",
    "pandapower_tables",
    "parse_pandapower_json",
    "pandapower_json_to_network",
    "read_pandapower_json",
]
