"""Each value of a scenario against :data:`~gridsim.scenario.schema.SCHEMA`: known tables
and fields, kinds, finite numbers, signs and ranges, choices and ISO dates. Returns the
values per table with the defaults filled in."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from copy import deepcopy
from typing import Any

import pandas as pd

from gridsim.fields import CHECKS, Field, breaks
from gridsim.scenario.schema import OPTIONAL_TABLES, PATTERNS, SCHEMA, TABLES
from gridsim.scenario.sources import field_error

ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$")  # fmt: skip
"""ISO 8601 dates and date-times: ``2025-07-01``, ``2025-07-01T06:00``, ``2025-07-01 06:00+08:00``."""

_STR_ITEM = Field("str")
"""An item of a ``str_list``."""
_INT_ITEM = Field("int", check=">= 0")
"""An item of an ``int_list`` (weather seeds)."""


def iso_timestamp(text: str) -> pd.Timestamp | None:
    """``text`` as a Timestamp if it is an ISO date or date-time of a real day, else None."""
    if not ISO_DATE_RE.match(text.strip()):
        return None
    try:
        ts = pd.Timestamp(text)
    except (ValueError, OverflowError):  # 2025-02-30, 25:00, outside pandas' range
        return None
    return None if pd.isna(ts) else ts


def local_time(text: str) -> pd.Timestamp:
    """An ISO date-time as naive local time (the snapshots' time zone)."""
    from gridsim.profiles.calendar import TZ

    ts = pd.Timestamp(text)
    return ts.tz_convert(TZ).tz_localize(None) if ts.tz is not None else ts


def validate_values(data: dict[str, Any], src: Callable[[str], str]) -> dict[str, dict[str, Any]]:
    """Check every key and value against SCHEMA; return the values (defaults filled in)
    per table. Pattern keys come back under ``<table>*``, keyed by the element named."""
    top = [t for t in TABLES if "." not in t]
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        prefix, d = stack.pop()
        if not isinstance(d, dict):
            raise field_error(src(prefix), prefix, "must be a table", d)
        for k, v in d.items():
            path = f"{prefix}.{k}" if prefix else k
            if path in SCHEMA:
                stack.append((path, v))
            elif not prefix:
                raise field_error(src(path), path, f"is not a known table (known: {', '.join(top)})")  # fmt: skip
            elif k not in SCHEMA.get(prefix, {}) and not _pattern(prefix, k):
                known = [*SCHEMA.get(prefix, {}), *(p[1].doc.split(":")[0] for p in PATTERNS.get(prefix, []))]  # fmt: skip
                raise field_error(src(path), path, f"is not a known field (known in [{prefix}]: {', '.join(known)})")  # fmt: skip
    out: dict[str, dict[str, Any]] = {}
    for table, fields in SCHEMA.items():
        node: Any = data
        for part in table.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None and table in OPTIONAL_TABLES:
            continue
        node = node or {}
        vals: dict[str, Any] = {}
        for name, spec in fields.items():
            dotted = f"{table}.{name}"
            if name in node:
                vals[name] = check_value(node[name], spec, dotted, src)
            elif spec.required:
                raise field_error(src(table), dotted, "must be given")
            else:
                vals[name] = deepcopy(spec.default)
        out[table] = vals
        extra: dict[str, dict[str, Any]] = {str(f.name): {} for _, f in PATTERNS.get(table, [])}
        for k, v in node.items():
            m = None if k in fields else _pattern(table, k)
            if m is not None:
                extra[str(m[1].name)][m[0]] = check_value(v, m[1], f"{table}.{k}", src)
        if extra:
            out[table + "*"] = extra
    return out


def _pattern(table: str, key: str) -> tuple[str, Field] | None:
    for rx, spec in PATTERNS.get(table, []):
        m = re.match(rx, key)
        if m:
            return m.group(1), spec
    return None


def check_value(v: Any, spec: Field, dotted: str, src: Callable[[str], str]) -> Any:
    """Type and range check of one value; returns it converted (float, str, ...)."""
    k, source = spec.kind, src(dotted)
    if k in ("int", "float"):
        integer = k == "int"
        if isinstance(v, bool) or not isinstance(v, int | float) or (integer and not isinstance(v, int)):  # fmt: skip
            raise field_error(source, dotted, f"must be {'an integer' if integer else 'a number'}", v)  # fmt: skip
        if isinstance(v, int) and not -(2**63) <= v < 2**63:  # TOML integers are 64-bit
            raise field_error(source, dotted, "must be a number within the 64-bit integer range", v)  # fmt: skip
        x = float(v)
        if not math.isfinite(x):
            raise field_error(source, dotted, "must be a finite number", v)
        if breaks(spec.check, x):
            raise field_error(source, dotted, CHECKS[spec.check], v)
        return int(v) if integer else x
    if k == "bool":
        if not isinstance(v, bool):
            raise field_error(source, dotted, "must be true or false", v)
        return v
    if k in ("str", "date"):
        if not isinstance(v, str) or not v:
            raise field_error(source, dotted, "must be a non-empty string", v)
        if spec.check == "choice" and v not in spec.choices:
            raise field_error(source, dotted, f"must be one of {', '.join(spec.choices)}", v)
        if k == "date" and iso_timestamp(v) is None:
            raise field_error(source, dotted, "must be an ISO date or date-time (2025-07-01)", v)
        return v
    if k in ("str_list", "int_list", "float_list"):
        if not isinstance(v, list):
            raise field_error(source, dotted, "must be a list", v)
        item = {"str_list": _STR_ITEM, "int_list": _INT_ITEM}.get(k) or Field("float", check=spec.check)  # fmt: skip
        return [check_value(x, item, f"{dotted}[{i}]", src) for i, x in enumerate(v)]
    if k.startswith("map_"):
        if not isinstance(v, dict):
            raise field_error(source, dotted, "must be a table such as {key = value}", v)
        inner = Field(k[4:], check=spec.check)
        return {str(key): check_value(x, inner, f"{dotted}.{key}", src) for key, x in v.items()}
    raise AssertionError(f"unknown field kind {k}")  # pragma: no cover
