"""Cases: the data of one grid (a province, a plan), kept apart from the generic toolkit.

A case is a package below ``gridsim/cases/`` holding everything that belongs to one
grid and nothing else: its network builder, its zones and export links, its plan
targets. The generic layers (network, profiles, KPIs, dispatch, studies) never import
a case; they reach one only through this registry, by name:

- :data:`CASES` maps a case name to its package; :func:`get_case` imports it. A case
  package provides ``ZONES`` (:class:`~gridsim.profiles.zones.Zone` tuple), ``LINKS``
  (:class:`~gridsim.profiles.zones.Link` tuple) and ``build_network(year)``.
- :data:`DEFAULT_CASE` is the case whose zones and links generated profiles use when
  none are given.
- :data:`TARGET_SETS` maps the name of a shipped target set (a scenario's
  ``[scenario] targets``) to its TOML file; :data:`DEFAULT_TARGETS` is the set a
  scenario uses when it names none. Files are read by :func:`gridsim.targets.load_targets`.

Adding a province or a plan means a new package here and a line in these tables; no
generic module changes.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from gridsim.errors import InputError

CASES_DIR = Path(__file__).resolve().parent

#: Case name -> its package.
CASES: dict[str, str] = {
    "ningxia": "gridsim.cases.ningxia",
}
#: The case of the generic defaults (zones and links of generated profiles).
DEFAULT_CASE = "ningxia"

#: Shipped target set name -> its TOML file, relative to ``gridsim/cases/``.
TARGET_SETS: dict[str, str] = {
    "ningxia_14th_plan": "ningxia/targets.toml",
}
#: The target set of a scenario that names none.
DEFAULT_TARGETS = "ningxia_14th_plan"


def get_case(name: str | None = None) -> ModuleType:
    """The package of case ``name`` (default :data:`DEFAULT_CASE`), imported on first use."""
    key = DEFAULT_CASE if name is None else name
    if key not in CASES:
        raise InputError(f"is not a known case (known: {', '.join(CASES)})", field="case", value=key)  # fmt: skip
    return importlib.import_module(CASES[key])


def targets_file(name: str) -> Path | None:
    """The TOML file of the shipped target set ``name``, or None if there is no such set."""
    rel = TARGET_SETS.get(name)
    return CASES_DIR / rel if rel is not None else None


__all__ = [
    "CASES",
    "DEFAULT_CASE",
    "DEFAULT_TARGETS",
    "TARGET_SETS",
    "get_case",
    "targets_file",
]
