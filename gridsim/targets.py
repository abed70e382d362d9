"""Target sets: the rows a run's scorecard checks, read from a TOML file.

A target set is data, not code: a TOML file with an optional ``description`` and one
``[[target]]`` table per row::

    description = "Ningxia 14th Five-Year energy plan, 2025 targets"

    [[target]]
    label = "new-energy utilisation"      # shown in the scorecard
    kpi = "renewable_utilisation"         # a key of summary.json (gridsim.kpi.summary)
    op = ">="                             # ">=", ">", "<=" or "<"
    value = 0.95                          # in the KPI's unit
    unit = "share"

Shipped sets are named in :data:`gridsim.cases.TARGET_SETS` (``ningxia_14th_plan``);
:func:`load_targets` takes such a name or a path. :func:`gridsim.kpi.scorecard`
checks a run's KPIs against the rows. Bad rows raise
:class:`~gridsim.errors.InputError` naming the file, the row's field and the value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridsim.errors import InputError

#: Comparison operators a target may use.
OPS = (">=", ">", "<=", "<")
FIELDS = ("label", "kpi", "op", "value", "unit")


@dataclass(frozen=True)
class Target:
    """One scorecard row: the KPI ``kpi`` must be ``op value`` (``unit``)."""

    label: str
    kpi: str
    op: str
    value: float
    unit: str = ""

    def met(self, x: float) -> bool:
        """Whether the KPI value ``x`` meets the target. ``>=`` and ``<=`` accept a value
        within 1e-9 (relative, at least absolute) of the target despite rounding; a NaN
        value is not met."""
        if not math.isfinite(x):
            return False
        tol = 1e-9 * max(1.0, abs(self.value))
        if self.op == ">=":
            return x >= self.value - tol
        if self.op == "<=":
            return x <= self.value + tol
        return x > self.value if self.op == ">" else x < self.value


def shipped_targets() -> list[str]:
    """Names of the shipped target sets."""
    from gridsim.cases import TARGET_SETS

    return sorted(TARGET_SETS)


def resolve_targets(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """The TOML file of a shipped target set name, or of a path (relative paths are
    tried against ``relative_to`` first). InputError when neither exists."""
    from gridsim.cases import targets_file

    if isinstance(name_or_path, str):
        shipped = targets_file(name_or_path)
        if shipped is not None:
            return shipped
    p = Path(name_or_path)
    candidates = [p] if p.is_absolute() or relative_to is None else [relative_to / p, p]
    for c in candidates:
        try:
            if c.is_file():
                return c.resolve()
        except (OSError, ValueError):  # a name the OS refuses (too long, a NUL byte)
            continue
    msg = f"is no such file or shipped target set (shipped: {', '.join(shipped_targets())})"
    raise InputError(msg, field="targets", value=str(name_or_path))


def load_targets(name_or_path: str | Path) -> tuple[Target, ...]:
    """The rows of a target set: a shipped name (``"ningxia_14th_plan"``) or a TOML file."""
    from gridsim.network.io_text import parse_toml, read_text

    path = resolve_targets(name_or_path)
    src = str(path)
    data = parse_toml(read_text(path), src)
    unknown = sorted(set(data) - {"description", "target"})
    if unknown:
        raise InputError("is not a known key (known: description, target)", source=src, field=unknown[0])  # fmt: skip
    rows = data.get("target")
    if not isinstance(rows, list) or not rows:
        raise InputError("must hold at least one [[target]] table", source=src, field="target")
    return tuple(_target(row, f"target[{i}]", src) for i, row in enumerate(rows))


def _target(row: Any, where: str, src: str) -> Target:
    """One ``[[target]]`` table checked field by field."""

    def bad(name: str, problem: str, value: Any) -> InputError:
        return InputError(problem, source=src, field=f"{where}.{name}", value=value)

    if not isinstance(row, dict):
        raise InputError("must be a table", source=src, field=where, value=row)
    for name in row:
        if name not in FIELDS:
            raise bad(name, f"is not a known field (known: {', '.join(FIELDS)})", row[name])
    for name in ("label", "kpi", "op", "value"):
        if name not in row:
            raise InputError("must be given", source=src, field=f"{where}.{name}")
    for name in ("label", "kpi", "unit"):
        v = row.get(name, "")
        if not isinstance(v, str) or (name != "unit" and not v.strip()):
            raise bad(name, "must be a non-empty string" if name != "unit" else "must be a string", v)  # fmt: skip
    if row["op"] not in OPS:
        raise bad("op", f"must be one of {', '.join(OPS)}", row["op"])
    v = row["value"]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
        raise bad("value", "must be a finite number", v)
    return Target(row["label"], row["kpi"], row["op"], float(v), row.get("unit", ""))


__all__ = ["OPS", "Target", "load_targets", "resolve_targets", "shipped_targets"]
