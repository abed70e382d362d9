"""Publishing output folders and files without ever touching what gridsim did not write.

Every folder gridsim writes (a run, a sweep, a sweep case, power-flow CSVs, a profile
set) holds a ``manifest.json`` whose ``written_by`` is ``"gridsim"``: that marker is
what lets gridsim replace the folder later. The rules, for every command and the
Python API alike:

- a destination that does not exist, or an empty folder, is written;
- an existing file where a folder is wanted, or a non-empty folder without the
  marker, is refused (:class:`OutputError` naming it), with or without ``overwrite``;
- a folder with the marker is replaced only with ``overwrite=True``;
- one writer at a time: ``<parent>/.<name>.lock`` (host and pid) is held while a
  destination is prepared and published; a second writer gets :class:`OutputError`.
  A lock left by a dead process on this host is taken over.

Folders are written into a hidden staging sibling (``.<name>.tmp-<pid>-<tag>``) and
renamed into place, so a reader never sees half a result.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from gridsim.errors import InputError

log = logging.getLogger(__name__)

#: The marker file of every folder gridsim writes, and its key and value.
MANIFEST = "manifest.json"
WRITTEN_BY = "written_by"
GRIDSIM = "gridsim"


class OutputError(InputError):
    """An output destination that gridsim refuses (not its own, a file, or busy)."""

    def __init__(self, problem: str, path: str | Path) -> None:
        super().__init__(problem, source=str(path))


def marker(kind: str = "power-balance") -> dict[str, str]:
    """The entries that mark a manifest as gridsim's (merge them into every manifest);
    ``kind`` says what the folder holds (``power-balance`` runs are what the results
    store lists)."""
    from gridsim import __version__

    return {WRITTEN_BY: GRIDSIM, "kind": kind, "gridsim_version": __version__}


def _json_object(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _ours(data: dict[str, Any] | None) -> bool:
    return data is not None and data.get(WRITTEN_BY) == GRIDSIM


def is_gridsim_folder(path: str | Path) -> bool:
    """True when ``path`` is a folder that gridsim wrote, shown by its marker file:

    - ``manifest.json`` (runs, power-flow results) with ``written_by = "gridsim"``, or
      from before that key a ``gridsim_version``;
    - ``case.json`` (a sweep case) or ``sweep.json`` (a sweep) with ``written_by``, or
      for older sweeps a ``case.json`` with ``case_id`` and ``row``, and ``runs/``
      beside ``summary.parquet``;
    - ``meta.json`` of a profile set whose ``generator`` is one of gridsim's.
    """
    p = Path(path)
    manifest = _json_object(p / MANIFEST)
    if _ours(manifest) or (manifest is not None and "gridsim_version" in manifest):
        return True
    case = _json_object(p / "case.json")
    if _ours(case) or (case is not None and "case_id" in case and "row" in case):
        return True
    if _ours(_json_object(p / "sweep.json")):
        return True
    if (p / "runs").is_dir() and (p / "summary.parquet").is_file():
        return True
    meta = _json_object(p / "meta.json")
    return meta is not None and str(meta.get("generator", "")).startswith("gridsim.")


def check_destination(out: str | Path, overwrite: bool = False, what: str = "folder") -> None:
    """Raise :class:`OutputError` unless gridsim may write the folder ``out`` (see the
    module docstring). Nothing is created or changed."""
    p = Path(out)
    if p.is_symlink() or (p.exists() and not p.is_dir()):
        raise OutputError(f"exists and is not a {what}: gridsim never replaces it", p)
    if not p.exists() or not any(p.iterdir()):
        return
    if not is_gridsim_folder(p):
        msg = (
            "is a non-empty folder that gridsim did not write (no manifest of gridsim's): "
            "gridsim never replaces it, with or without --overwrite; choose another folder"
        )
        raise OutputError(msg, p)
    if not overwrite:
        raise OutputError("holds an earlier gridsim result: pass --overwrite (overwrite=True) to replace it", p)  # fmt: skip


def check_file_destination(
    out: str | Path, overwrite: bool = False, is_ours: Callable[[Path], bool] | None = None
) -> None:
    """Raise :class:`OutputError` unless gridsim may write the file ``out``: a new file
    is written; an existing one is replaced only with ``overwrite`` and when
    ``is_ours(path)`` shows that gridsim wrote it; a folder is refused."""
    p = Path(out)
    if p.is_dir():
        raise OutputError("is a folder, not a file", p)
    if not p.exists() and not p.is_symlink():
        return
    if p.is_symlink() or is_ours is None or not is_ours(p):
        raise OutputError("exists and was not written by gridsim: gridsim never replaces it; choose another name", p)  # fmt: skip
    if not overwrite:
        raise OutputError("holds an earlier gridsim output: pass --overwrite (overwrite=True) to replace it", p)  # fmt: skip


#: The ``<meta name="generator">`` of gridsim's HTML files and the PNG ``Software`` text.
GENERATOR = "gridsim"


def written_by_gridsim(path: str | Path) -> bool:
    """True when the file ``path`` carries gridsim's mark: an HTML file with
    ``<meta name="generator" content="gridsim ...">`` in its head, or a PNG whose
    ``Software`` text starts with ``gridsim``. Other files carry no mark (False)."""
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix in (".html", ".htm"):
            with p.open("rb") as f:
                head = f.read(4096).decode("utf-8", errors="replace")
            return f'<meta name="generator" content="{GENERATOR}' in head
        if suffix == ".png":
            from PIL import Image

            with Image.open(p) as img:
                text = getattr(img, "text", {}) or {}
            return str(text.get("Software", "")).startswith(GENERATOR)
    except (OSError, ValueError, SyntaxError):
        return False
    return False


# ------------------------------------------------------------------ locks
_HELD: dict[tuple[Path, int], int] = {}
_HELD_GUARD = threading.Lock()


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    return True


@contextlib.contextmanager
def output_lock(out: str | Path, lock_file: str | Path | None = None) -> Iterator[None]:
    """Hold the lock of destination ``out`` (``<parent>/.<name>.lock``, or ``lock_file``).

    Re-entrant within a thread. A lock held by a live process raises
    :class:`OutputError` naming ``out`` and the holder; one left by a dead process on
    this host is taken over.
    """
    p = Path(out)
    path = Path(lock_file) if lock_file is not None else _lock_path(p)
    key = (path.resolve() if path.parent.exists() else path.absolute(), threading.get_ident())
    with _HELD_GUARD:
        if key in _HELD:
            _HELD[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _HELD_GUARD:
                _HELD[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    me = f"{socket.gethostname()} {os.getpid()}"
    for attempt in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = path.read_text(encoding="utf-8", errors="replace").strip()
            except FileNotFoundError:  # released in between
                continue
            host, _, pid = holder.partition(" ")
            stale = host == socket.gethostname() and pid.isdigit() and not _alive(int(pid))
            if stale and attempt == 0:
                log.warning("taking over the lock %s left by dead process %s", path, pid)
                path.unlink(missing_ok=True)
                continue
            msg = (
                f"is being written by another gridsim process ({holder or 'unknown'}); "
                f"wait for it, or delete {path} if no such process runs"
            )
            raise OutputError(msg, p) from None
        os.write(fd, me.encode())
        os.close(fd)
        break
    else:  # pragma: no cover - lost the race twice
        raise OutputError(f"could not take the lock {path}", p)
    with _HELD_GUARD:
        _HELD[key] = 1
    try:
        yield
    finally:
        with _HELD_GUARD:
            _HELD.pop(key, None)
        with contextlib.suppress(OSError):
            if path.read_text(encoding="utf-8", errors="replace").strip() == me:
                path.unlink()


# ---------------------------------------------------------------- publishing
def staging_dir(out: str | Path) -> Path:
    """A new empty hidden folder beside ``out`` to write into before :func:`publish_dir`."""
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.parent / f".{p.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    return tmp


def is_staging_name(name: str) -> bool:
    """True for the hidden names of :func:`staging_dir` and :func:`publish_dir`."""
    return name.startswith(".") and (".tmp-" in name or ".old-" in name)


def publish_dir(tmp: Path, out: str | Path, overwrite: bool = False) -> Path:
    """Move the finished folder ``tmp`` to ``out`` by renames, under ``out``'s lock.

    ``out`` must pass :func:`check_destination` (checked again here, under the lock).
    A replaced gridsim folder is renamed aside first and removed only after ``tmp`` is
    in place. On refusal ``tmp`` is removed and :class:`OutputError` raised.
    """
    p = Path(out)
    with output_lock(p):
        try:
            check_destination(p, overwrite)
        except OutputError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        old = None
        if p.exists():
            old = p.parent / f".{p.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            os.rename(p, old)
        try:
            os.rename(tmp, p)
        except OSError as err:
            if old is not None:
                os.rename(old, p)
            shutil.rmtree(tmp, ignore_errors=True)
            raise OutputError(f"could not be written ({err.strerror})", p) from err
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return p


def write_file_atomic(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp)`` on a hidden sibling of ``path``, then rename it to ``path``."""
    p = Path(path)
    tmp = p.parent / f".{p.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        write(tmp)
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p


def clean_staging(folder: Path) -> None:
    """Remove the staging folders that a killed gridsim process left in ``folder``
    (only names of :func:`is_staging_name`, in a folder gridsim owns)."""
    for p in folder.glob(".*"):
        if is_staging_name(p.name):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


__all__ = [
    "GENERATOR",
    "GRIDSIM",
    "MANIFEST",
    "WRITTEN_BY",
    "OutputError",
    "check_destination",
    "check_file_destination",
    "clean_staging",
    "is_gridsim_folder",
    "is_staging_name",
    "marker",
    "output_lock",
    "publish_dir",
    "staging_dir",
    "write_file_atomic",
    "written_by_gridsim",
]
