"""A per-process cache of the study inputs read from files: networks and profile sets.

A sweep worker runs many cases of one base scenario; each case would otherwise parse
the same network file and read the same profile set again. With the cache on
(:func:`enable`, done by every sweep worker, see :func:`gridsim.execution.threads.init_worker`),
the first case of a worker reads them and the next ones get a copy of what it read.

- The key of a file is its resolved path and its ``stat`` signature (size, modification
  time in ns, inode): a file changed in place or replaced (an atomic rename makes a new
  inode) is read again. A profile set's key is the signature of every file in its folder.
- Callers get a deep copy (a study changes its network and profiles), so a cached value
  never changes and a cached run gives the same numbers as an uncached one.
- Off by default: outside sweep workers nothing is kept. At most :data:`MAX_ENTRIES`
  values per kind are kept (least recently used dropped first).
- Generated profile sets (``[profiles.generate]``) are cached by their arguments.
"""

from __future__ import annotations

import copy
import os
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from gridsim.network.io import load_network, resolve_network_path
from gridsim.network.network import Network
from gridsim.profiles import ProfileSet, generate_profiles
from gridsim.profiles.profileset import KINDS

T = TypeVar("T")

MAX_ENTRIES = 8
"""Values kept per kind (networks, profile sets read, profile sets generated)."""

_enabled = False
_stores: dict[str, OrderedDict[Hashable, Any]] = {}
_stats = {"hits": 0, "misses": 0}


def enable(on: bool = True) -> None:
    """Turn the cache of this process on (or off: then it is also emptied)."""
    global _enabled
    _enabled = on
    if not on:
        clear()


def enabled() -> bool:
    """Whether the cache of this process is on."""
    return _enabled


def clear() -> None:
    """Forget every cached value and reset the hit and miss counts."""
    _stores.clear()
    _stats.update(hits=0, misses=0)


def stats() -> dict[str, int]:
    """Hits, misses and cached values (``entries``) of this process so far."""
    return {**_stats, "entries": sum(len(s) for s in _stores.values())}


def file_signature(path: Path) -> tuple[str, int, int, int]:
    """(resolved path, size in bytes, modification time in ns, inode) of ``path``."""
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino


def folder_signature(path: Path) -> tuple[Any, ...]:
    """The folder's resolved path and the :func:`file_signature` of each file in it."""
    files = sorted(p for p in path.iterdir() if p.is_file())
    return (str(path.resolve()), *(file_signature(p) for p in files))


def _cached(kind: str, key: Hashable, load: Callable[[], T], dup: Callable[[T], T]) -> T:
    store = _stores.setdefault(kind, OrderedDict())
    if key in store:
        _stats["hits"] += 1
        store.move_to_end(key)
    else:
        _stats["misses"] += 1
        store[key] = load()  # a failed read raises here and caches nothing
        while len(store) > MAX_ENTRIES:
            store.popitem(last=False)
    return dup(store[key])


def copy_profiles(prof: ProfileSet) -> ProfileSet:
    """A deep copy of a profile set (every table, the derived heat load and meta)."""
    tables = {k: getattr(prof, k).copy() for k in KINDS}
    heat = None if prof.heat_load_pu is None else prof.heat_load_pu.copy()
    return replace(prof, meta=copy.deepcopy(prof.meta), heat_load_pu=heat, **tables)


def network(name_or_path: str | Path) -> Network:
    """:func:`gridsim.network.io.load_network` of ``name_or_path`` (a file or a shipped
    network's name), from the cache when it is on and the file is unchanged."""
    if not _enabled:
        return load_network(name_or_path)
    path = resolve_network_path(name_or_path)
    if not path.is_file():  # a folder: load_network's own error
        return load_network(name_or_path)
    return _cached("network", file_signature(path), lambda: load_network(path), Network.copy)


def profile_set(folder: str | Path) -> ProfileSet:
    """:meth:`ProfileSet.from_dir` of ``folder``, from the cache when it is on and no
    file of the folder changed."""
    src = Path(folder)
    if not _enabled or not src.is_dir():
        return ProfileSet.from_dir(src)
    return _cached("profiles", folder_signature(src), lambda: ProfileSet.from_dir(src), copy_profiles)  # fmt: skip


def generated_profiles(year: int, seed: int, **opts: Any) -> ProfileSet:
    """:func:`gridsim.profiles.generate_profiles` (deterministic in its arguments), from
    the cache when it is on."""
    if not _enabled:
        return generate_profiles(year, seed, **opts)
    key = (year, seed, tuple(sorted((k, repr(v)) for k, v in opts.items())))
    return _cached("generated", key, lambda: generate_profiles(year, seed, **opts), copy_profiles)  # fmt: skip


def env_allows() -> bool:
    """False when the environment variable ``GRIDSIM_INPUT_CACHE`` is ``0`` (or ``off``,
    ``false``, ``no``): sweep workers then read every input again for every case."""
    return os.environ.get("GRIDSIM_INPUT_CACHE", "1").strip().lower() not in ("0", "off", "false", "no")  # fmt: skip


__all__ = [
    "MAX_ENTRIES",
    "clear",
    "copy_profiles",
    "enable",
    "enabled",
    "env_allows",
    "file_signature",
    "folder_signature",
    "generated_profiles",
    "network",
    "profile_set",
    "stats",
]
