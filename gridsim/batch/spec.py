"""The sweep file: its format, validation, the cases it expands to, and scenario changes.

See :mod:`gridsim.batch` for the format. :func:`apply_changes` applies dotted-path
changes to a loaded scenario (the scenario module has no such function: it merges
files, so this one re-implements that merge for paths, then validates with
:func:`gridsim.scenario.scenario_from_dict`).
"""

from __future__ import annotations

import hashlib
import json
import re
from copy import deepcopy
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

from gridsim.errors import InputError
from gridsim.paths import check_path_name
from gridsim.scenario import (
    EXCLUSIVE,
    Scenario,
    display_path,
    is_file,
    load_scenario,
    read_toml,
    resolve_scenario_path,
    scenario_from_dict,
)

SWEEP_KEYS = ("name", "base", "out", "description", "set", "grid", "cases")
CASE_KEYS = ("id", "changes")


# ------------------------------------------------------------------- changes
def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c.d": 2}`` -> ``{"a.b": 1, "c.d": 2}`` (empty tables kept)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(flatten(v, path + "."))
        else:
            out[path] = v
    return out


def _forget(origin: dict[str, str], path: str) -> None:
    for key in [o for o in origin if o == path or o.startswith(path + ".")]:
        del origin[key]


def apply_changes(sc: Scenario, changes: dict[str, Any], source: str = "<changes>") -> Scenario:
    """A new, validated Scenario: ``sc`` with ``changes`` (dotted path -> value) applied.

    Values replace what is at their path; tables merge key by key; setting one of a
    pair of alternatives (``profiles.dir`` / ``profiles.generate``, ``network.name`` /
    ``network.file``) drops the other. Errors name ``source`` (the file the changes
    come from; relative paths in values resolve against its folder) and the path.
    ``sc`` is not modified. Built on :func:`gridsim.scenario.scenario_from_dict`.
    """
    data, origin = deepcopy(sc.data), dict(sc.origin)
    for path, value in flatten(changes).items():
        parts = path.split(".")
        if not all(parts):
            raise InputError("is not a dotted scenario path", source=source, field=path)
        for pair in EXCLUSIVE:
            for mine, other in (pair, pair[::-1]):
                if path == mine or path.startswith(mine + "."):
                    head, _, leaf = other.rpartition(".")
                    parent = data
                    for p in head.split("."):
                        parent = parent.get(p, {}) if isinstance(parent, dict) else {}
                    if isinstance(parent, dict):
                        parent.pop(leaf, None)
                    _forget(origin, other)
        node = data
        for i, p in enumerate(parts[:-1]):
            if not isinstance(node.get(p), dict):
                node[p] = {}
                origin[".".join(parts[: i + 1])] = source
            node = node[p]
        node[parts[-1]] = deepcopy(value)
        _forget(origin, path)
        for leaf in flatten({path: value}) if isinstance(value, dict) else [path]:
            origin[leaf] = source
        origin[path] = source
    return scenario_from_dict(data, path=sc.path, origin=origin, files=list(sc.files))


# --------------------------------------------------------------------- sweep
@dataclass(frozen=True)
class Case:
    """One case of a sweep: ``id`` = ``<slug>-<hash>``; ``changes`` are its own (flattened)
    changes, ``where`` the part of the sweep file they come from (for messages)."""

    index: int
    id: str
    slug: str
    base: str
    changes: dict[str, Any]
    where: str


@dataclass
class Sweep:
    """A validated sweep file (see the module docstring); ``cases`` in file order."""

    name: str
    base: str
    out: Path
    description: str
    set: dict[str, Any]
    grid: dict[str, list[Any]]
    cases: list[Case]
    source: str = "<sweep>"
    path: Path | None = None
    _bases: dict[str, Scenario] = field(default_factory=dict, repr=False)

    @property
    def params(self) -> list[str]:
        """The parameter columns: every path some case changes (file order)."""
        seen: dict[str, None] = {}
        for c in self.cases:
            seen.update(dict.fromkeys(c.changes))
        return list(seen)

    def base_scenario(self, ref: str) -> Scenario:
        """The base scenario ``ref`` (a shipped name or a file relative to the sweep file)."""
        if ref not in self._bases:
            where = self.path.parent if self.path else None
            self._bases[ref] = load_scenario(resolve_scenario_path(ref, where))
        return self._bases[ref]

    def scenario(self, case: Case) -> Scenario:
        """The case's validated scenario: base + ``[sweep.set]`` + the case's changes."""
        try:
            base = self.base_scenario(case.base)
        except InputError as err:
            where = f"{case.where}.base" if "base" in case.changes else "sweep.base"
            problem = f"is {err.problem}" if err.problem.startswith("no such") else err.problem
            raise InputError(problem, source=self.source, field=where, value=case.base) from None
        desc = ", ".join(f"{k} = {v!r}" for k, v in case.changes.items())
        described = {"scenario.description": f"sweep {self.name}, case {case.slug}: {desc}"}
        changes = {**self.set, **{k: v for k, v in case.changes.items() if k != "base"}}
        try:
            sc = apply_changes(base, {**changes, **described}, self.source)
        except InputError as err:
            raise self._case_error(case, err) from None
        # The case's name labels its results: <sweep name>:<case id>, both checked path
        # names. It never becomes a path (the case's folder is <out>/runs/<case id>),
        # so it is set after validation, where the rule for scenario.name would refuse ':'.
        label = f"{self.name}:{case.id}"
        sc.name = label
        sc.data.setdefault("scenario", {})["name"] = label
        sc.origin["scenario.name"] = self.source
        return sc

    def _case_error(self, case: Case, err: InputError) -> InputError:
        """``err`` re-addressed to the sweep file's field (sweep.grid.<path>, ...)."""
        f = err.field or ""
        for where, keys in ((case.where, case.changes), ("sweep.set", self.set)):
            for k in keys:
                if f == k or f.startswith(k + ".") or k.startswith(f + "."):
                    f = f"{where}.{f if f.startswith(k) else k}"
                    break
            else:
                continue
            break
        got = f", got {err.value!r}" if err.value is not None else ""
        src = err.source if f == (err.field or "") else self.source
        return InputError(f"{err.problem}{got} (case {case.id})", source=src, field=f or None)


def _fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return json.dumps(v, sort_keys=True, separators=(",", ":")) if isinstance(v, list | dict) else str(v)  # fmt: skip


def case_slug(changes: dict[str, Any]) -> str:
    """A readable name from the changes: ``battery_scale-0.5_solar-1.5`` (<= 80 chars)."""
    lasts = [k.rsplit(".", 1)[-1] for k in changes]
    parts = []
    for k, last in zip(changes, lasts):
        short = last if lasts.count(last) == 1 else ".".join(k.split(".")[-2:])
        parts.append(f"{short}-{_fmt_value(changes[k])}")
    slug = re.sub(r"[^A-Za-z0-9_.=+-]+", "-", "_".join(parts)).strip("-_.") or "base"
    return slug[:80]


def case_hash(base: str, set_: dict[str, Any], changes: dict[str, Any]) -> str:
    """10 hex digits of the SHA-256 of the base and every change (stable across runs)."""
    blob = json.dumps({"base": base, "set": set_, "changes": changes}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:10]


def _check_id(v: Any, source: str, where: str, from_file_name: bool = False) -> str:
    """A sweep name or case id that becomes a folder name (:func:`check_path_name`)."""
    if not from_file_name:
        return check_path_name(v, source=source, field=where)
    try:
        return check_path_name(v, source=source, field=where)
    except InputError as err:
        problem = f"(unset: the file name) {err.problem}; set sweep.name"
        raise InputError(problem, source=source, field=where, value=v) from None


def sweep_from_dict(data: dict[str, Any], path: Path | None = None, out: str | Path | None = None) -> Sweep:  # fmt: skip
    """Validate a parsed sweep file (the whole TOML document) and expand its cases.

    ``out`` overrides ``sweep.out``. Raises :class:`InputError` naming the field path.
    """
    src = display_path(path) if path else "<sweep>"

    def fail(fld: str, problem: str, *value: Any) -> InputError:
        return InputError(problem, source=src, field=fld, value=value[0] if value else None, show_value=bool(value))  # fmt: skip

    extra = sorted(set(data) - {"sweep"})
    if extra:
        raise fail(extra[0], "is not a known table (a sweep file has one table: [sweep])")
    sw = data.get("sweep")
    if not isinstance(sw, dict):
        raise fail("sweep", "must be given as a table [sweep]")
    for k in sw:
        if k not in SWEEP_KEYS:
            raise fail(f"sweep.{k}", f"is not a known field (known: {', '.join(SWEEP_KEYS)})")
    name = _check_id(
        sw.get("name", path.stem if path else None), src, "sweep.name", "name" not in sw
    )
    base = sw.get("base")
    if not isinstance(base, str) or not base:
        raise fail("sweep.base", "must be a scenario name or file", base)
    for key in ("out", "description"):
        if key in sw and (not isinstance(sw[key], str) or (key == "out" and not sw[key].strip())):
            raise fail(f"sweep.{key}", "must be a non-empty string", sw[key])
    if "out" in sw and any(ord(c) < 32 for c in sw["out"]):
        raise fail("sweep.out", "must be a path (no control characters)", sw["out"])
    for key in ("set", "grid"):
        if key in sw and not isinstance(sw[key], dict):
            raise fail(f"sweep.{key}", "must be a table of dotted scenario paths", sw[key])
    set_ = flatten(sw.get("set", {}))
    if "base" in set_:
        raise fail("sweep.set.base", "is not allowed: use sweep.base")
    grid: dict[str, list[Any]] = {}
    for k, v in flatten(sw.get("grid", {})).items():
        if not isinstance(v, list) or not v:
            raise fail(f"sweep.grid.{k}", "must be a non-empty list of values", v)
        dup = [x for i, x in enumerate(v) if x in v[:i]]
        if dup:
            raise fail(f"sweep.grid.{k}", "has duplicate values", dup[0])
        grid[k] = v
    raw_cases = sw.get("cases", [])
    if not isinstance(raw_cases, list):
        raise fail("sweep.cases", "must be an array of tables [[sweep.cases]]", raw_cases)
    if not grid and not raw_cases:
        raise fail("sweep", "needs [sweep.grid] or [[sweep.cases]] (nothing to run)")
    specs: list[tuple[str | None, dict[str, Any], str]] = []
    for combo in product(*grid.values()):
        specs.append((None, flatten(dict(zip(grid, combo))), "sweep.grid"))
    for i, c in enumerate(raw_cases):
        where = f"sweep.cases[{i}]"
        if not isinstance(c, dict):
            raise fail(where, "must be a table with id and changes", c)
        for k in c:
            if k not in CASE_KEYS:
                raise fail(f"{where}.{k}", f"is not a known field (known: {', '.join(CASE_KEYS)})")  # fmt: skip
        ch = c.get("changes", {})
        if not isinstance(ch, dict):
            raise fail(f"{where}.changes", "must be a table of dotted scenario paths", ch)
        cid = _check_id(c["id"], src, f"{where}.id") if "id" in c else None
        specs.append((cid, flatten(ch), f"{where}.changes"))
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for i, (cid, ch, where) in enumerate(specs):
        b = ch.get("base", base)
        if not isinstance(b, str) or not b:
            raise fail(f"{where}.base", "must be a scenario name or file", b)
        slug = cid or case_slug(ch)
        h = case_hash(b, set_, {k: v for k, v in ch.items() if k != "base"})
        case_id = f"{slug}-{h}"
        if h in seen or slug in seen and cid:
            other = seen.get(h) or seen[slug]
            what = ch if h in seen else cid
            raise fail(where.removesuffix(".changes"), f"repeats case {other} (same changes or id)", what)  # fmt: skip
        seen[h] = seen[slug] = case_id
        cases.append(Case(i, case_id, slug, b, ch, where))
    default_out = Path("results") / "sweeps" / name
    out_dir = Path(out) if out is not None else Path(sw.get("out", default_out))
    return Sweep(name, base, out_dir, sw.get("description", ""), set_, grid, cases, src, path)


def load_sweep(path: str | Path, out: str | Path | None = None) -> Sweep:
    """Read and validate a sweep file; see the module docstring for the format."""
    p = Path(path)
    if not is_file(p):
        raise InputError("no such sweep file", field="sweep", value=str(path))
    return sweep_from_dict(read_toml(p), p.resolve(), out)


def check_sweep(sweep: Sweep) -> dict[str, Scenario]:
    """Every case's validated scenario, by case id (raises the first InputError)."""
    return {c.id: sweep.scenario(c) for c in sweep.cases}
