"""One field type for every declared datum: the network's table columns
(:mod:`gridsim.network.schema`), the scenario file's fields (:mod:`gridsim.scenario.schema`)
and the dispatch problem's arrays (:mod:`gridsim.dispatch.problem`).

A :class:`Field` says what a value is (``kind``), its default, its meaning and unit,
the rule it must keep (``check``, one vocabulary for all three uses, see :data:`CHECKS`)
and, for the problem's arrays, its ``shape``. Each declaration drives the defaults, the
validation and the docs of its owner.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

REQUIRED: Any = object()
"""Sentinel default of a field that must be given (a required network column or
scenario field)."""

KINDS = ("float", "int", "bool", "str", "date", "str_list", "int_list", "float_list", "map_float", "map_date", "map_str", "map_float_list", "map_str_list")  # fmt: skip
"""What a value is: the network's column dtypes (float, int, bool, str) and the scenario's
kinds (also an ISO date, lists and ``{key = value}`` tables)."""

SHAPES = ("", "n", "tn", "n_str")
"""Shape of a problem array: per element ``(n,)``, a time series ``(T, n)`` or per-element
labels; empty for a scalar field."""

CHECKS: dict[str, str] = {
    "": "",
    "> 0": "must be > 0",
    ">= 0": "must be >= 0",
    "!= 0": "must not be 0",
    "0..1": "must be within 0..1",
    "finite": "must be finite",
    "choice": "",
    "bus": "refers to an unknown bus",
}
"""The rule of a field, and the problem stated when a value breaks it. ``> 0``, ``>= 0``,
``!= 0`` and ``0..1`` are sign and range rules of numbers (which are then also finite),
``finite`` refuses only NaN and infinities, ``choice`` one of :attr:`Field.choices`,
``bus`` a bus name of the network."""

RANGE_CHECKS = ("> 0", ">= 0", "!= 0", "0..1")
"""The sign and range rules, tested by :func:`breaks`."""


@dataclass(frozen=True)
class Field:
    """One declared field: its kind, default, meaning, unit and rule.

    ``default`` is :data:`REQUIRED` for a field that must be given. ``bounds`` is the
    plausible range ``(lo, hi)``, both included: a value outside it is surely a mistake (a
    voltage in volts instead of kV, an efficiency above 1); ``hint`` says what a value
    above the range probably meant. ``shape`` is the shape of a problem array
    (:data:`SHAPES`). ``name`` is the field's name where its owner lists fields rather
    than mapping names to them (the network's tables). ``option`` is the
    :class:`~gridsim.dispatch.build.BuildOptions` field that a scenario field sets as is
    (the scenario's value becomes that option without a hand-written mapping).
    """

    kind: str
    default: Any = None
    doc: str = ""
    unit: str = ""
    check: str = ""
    choices: tuple[str, ...] = ()
    bounds: tuple[float, float] | None = None
    hint: str = ""
    shape: str = ""
    name: str = ""
    option: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r} (kinds: {', '.join(KINDS)})")
        if self.check not in CHECKS:
            raise ValueError(f"unknown field check {self.check!r} (checks: {list(CHECKS)})")
        if self.shape not in SHAPES:
            raise ValueError(f"unknown field shape {self.shape!r} (shapes: {SHAPES})")
        if (self.check == "choice") != bool(self.choices):
            raise ValueError("a field has choices exactly when its check is 'choice'")

    @property
    def required(self) -> bool:
        """The field must be given (it has no default)."""
        return self.default is REQUIRED

    def named(self, name: str) -> Field:
        """This field under ``name``."""
        return replace(self, name=name)


def breaks(check: str, values: Any) -> np.ndarray:
    """Where ``values`` (finite numbers) break the sign or range rule ``check``
    (one of :data:`RANGE_CHECKS`; any other check is never broken here)."""
    v = np.asarray(values, dtype=float)
    if check == "> 0":
        return ~(v > 0)
    if check == ">= 0":
        return ~(v >= 0)
    if check == "!= 0":
        return v == 0
    if check == "0..1":
        return ~((v >= 0.0) & (v <= 1.0))
    return np.zeros(v.shape, dtype=bool)


__all__ = ["CHECKS", "KINDS", "RANGE_CHECKS", "REQUIRED", "SHAPES", "Field", "breaks"]
