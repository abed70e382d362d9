"""The native network format: TOML (row-wise, for hand-written networks) or JSON.

Layout (TOML)::

    [network]
    name = "ningxia_2025"
    sn_mva = 100.0
    f_hz = 50.0
    [network.meta]          # free metadata (sources, notes)

    [[bus]]
    name = "shahu_750"
    vn_kv = 750.0
    zone = "north"

    [[line]]
    name = "helanshan-shahu"
    from_bus = "helanshan_750"
    ...

Columns left out take the schema default. Floats are written with ``repr`` so a
round trip is lossless; NaN is written as ``nan``. JSON uses the same structure
(``{"network": {...}, "bus": [{...}, ...], ...}``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from gridsim.errors import InputError
from gridsim.fields import Field
from gridsim.network import schema
from gridsim.network.io_text import detect_format, parse_json, parse_toml, read_text
from gridsim.network.network import Network

FORMAT_VERSION = 1


def network_to_dict(net: Network, *, skip_defaults: bool = True) -> dict[str, Any]:
    """The native dictionary form of ``net`` (columns equal to the default are left out)."""
    out: dict[str, Any] = {
        "network": {
            "name": net.name,
            "sn_mva": net.sn_mva,
            "f_hz": net.f_hz,
            "format_version": FORMAT_VERSION,
        }
    }
    if net.meta:
        out["network"]["meta"] = net.meta
    for table, df in net.tables().items():
        if df.empty:
            continue
        cols = schema.columns(table)
        rows: list[dict[str, Any]] = []
        arrays = {c.name: df[c.name].to_numpy() for c in cols}
        for i, name in enumerate(df.index):
            row: dict[str, Any] = {"name": str(name)}
            for c in cols:
                v = _py(arrays[c.name][i], c)
                if skip_defaults and not c.required and _same(v, c.default):
                    continue
                row[c.name] = v
            rows.append(row)
        out[table] = rows
    return out


def network_from_dict(data: Any, *, source: str | None = None) -> Network:
    """Build a :class:`Network` from its native dictionary form (parsed TOML or JSON)."""
    try:
        return _from_dict(data, source)
    except InputError as err:
        if source:
            raise err.with_source(source) from None
        raise


def _from_dict(data: Any, source: str | None) -> Network:
    if not isinstance(data, dict):
        raise InputError(
            "must hold a table (an object) of network data at the top",
            field="network",
            value=type(data).__name__,
        )
    head = data.get("network", {})
    if not isinstance(head, dict):
        raise InputError("must be a table", field="network", value=head)
    for key in ("sn_mva", "f_hz"):
        v = head.get(key, 0.0)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise InputError("must be a number", table="network", field=key, value=v)
    meta = head.get("meta", {})
    if not isinstance(meta, dict):
        raise InputError("must be a table", table="network", field="meta", value=meta)
    net = Network(
        name=str(head.get("name", "")),
        sn_mva=float(head.get("sn_mva", 100.0)),
        f_hz=float(head.get("f_hz", 50.0)),
    )
    net.meta = dict(meta)
    for key in data:
        if key != "network" and key not in schema.TABLES:
            raise InputError(f"unknown table (tables: {list(schema.TABLES)})", value=key)
    for table in schema.TABLE_ORDER:
        rows = data.get(table, [])
        if isinstance(rows, list) and not rows:
            continue
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            what = type(rows).__name__ if not isinstance(rows, list) else "a list of non-tables"
            raise InputError("must be an array of tables", field=table, value=what)
        names = []
        for k, row in enumerate(rows):
            if "name" not in row:
                raise InputError(
                    f"element #{k + 1} has no name", table=table, field="name", show_value=False
                )
            name = row["name"]
            if isinstance(name, bool) or not isinstance(name, str | int):
                raise InputError(
                    "must be text", table=table, element=f"#{k + 1}", field="name", value=name
                )
            names.append(str(name))
        cols = schema.columns(table)
        known = {c.name for c in cols} | {"name"}
        for row in rows:
            for key in row:
                if key not in known:
                    raise InputError(
                        f"is not a column of this table (columns: {sorted(known)})",
                        table=table,
                        element=row["name"],
                        field=key,
                        show_value=False,
                    )
        frame = {}
        for c in cols:
            if c.required:
                missing = [r["name"] for r in rows if c.name not in r]
                if missing:
                    raise InputError(
                        "is required",
                        table=table,
                        element=missing[0],
                        field=c.name,
                        show_value=False,
                    )
            frame[c.name] = [r.get(c.name, c.default) for r in rows]
        index = pd.Index(names, dtype=object)
        net.add_table(table, pd.DataFrame(frame, index=index, dtype=object))
    net.source = source
    return net


def write_native(net: Network, path: str | Path) -> None:
    """Write ``net`` to ``path`` (``.toml`` or ``.json``)."""
    path = Path(path)
    data = network_to_dict(net)
    if path.suffix == ".toml":
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
    elif path.suffix == ".json":
        path.write_text(json.dumps(data, indent=1, allow_nan=True), encoding="utf-8")
    else:
        raise InputError(
            "native networks are .toml or .json",
            source=str(path),
            field="suffix",
            value=path.suffix,
        )


def read_native(path: str | Path) -> Network:
    """Read a native network file: TOML, or JSON (told apart by the content)."""
    path = Path(path)
    text = read_text(path)
    if detect_format(text, path.suffix) == "json":
        data = parse_json(text, str(path))
    else:
        data = parse_toml(text, str(path))
    return network_from_dict(data, source=str(path))


def _py(v: Any, col: Field) -> Any:
    if col.kind == "float":
        return float(v)
    if col.kind == "int":
        return int(v)
    if col.kind == "bool":
        return bool(v)
    return str(v)


def _same(v: Any, default: Any) -> bool:
    if isinstance(v, float) and isinstance(default, float) and math.isnan(default):
        return math.isnan(v)
    if isinstance(v, float | int) and not isinstance(v, bool):
        return (
            isinstance(default, int | float)
            and not isinstance(default, bool)
            and float(v) == float(default)
        )
    return bool(v == default) if not isinstance(v, np.ndarray) else False
