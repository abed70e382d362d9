"""Size and SHA-256 of every file a manifest lists, recorded on write, checked on read.

A run's ``manifest.json`` has ``files``: ``{relative path: {"size": bytes, "sha256":
hex}}``. :func:`verify_files` checks that each listed file exists with its size (cheap,
done when a run is opened); :func:`verify_hash` checks one file's content (done before
the file is first read).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gridsim.errors import InputError


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of the file ``path``."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_records(folder: Path, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{name: {"size": bytes, "sha256": hex}}`` of the files ``names`` below ``folder``."""
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(names):
        f = folder / name
        out[name] = {"size": f.stat().st_size, "sha256": sha256_of(f)}
    return out


def listed_files(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The manifest's file records; a list of names (older runs) gives empty records."""
    files = manifest.get("files") or {}
    if isinstance(files, list):
        return {str(n): {} for n in files}
    if isinstance(files, dict):
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in files.items()}
    return {}


def verify_files(folder: Path, manifest: dict[str, Any], skip: Iterable[str] = ("manifest.json",)) -> None:  # fmt: skip
    """Raise :class:`InputError` naming the first listed file that is missing or whose
    size differs from the manifest's record."""
    skipped = set(skip)
    for name, rec in listed_files(manifest).items():
        if name in skipped:
            continue
        f = folder / name
        if not f.is_file():
            raise InputError("is listed in manifest.json but missing: the results are damaged", source=str(f))  # fmt: skip
        size = rec.get("size")
        if isinstance(size, int) and f.stat().st_size != size:
            msg = f"has {f.stat().st_size} bytes, manifest.json records {size}: the results are damaged"  # fmt: skip
            raise InputError(msg, source=str(f))


def verify_hash(folder: Path, manifest: dict[str, Any], name: str) -> None:
    """Raise :class:`InputError` when the file ``name`` does not have the SHA-256 that
    the manifest records (no record: nothing to check)."""
    rec = listed_files(manifest).get(name) or {}
    want = rec.get("sha256")
    if not isinstance(want, str):
        return
    f = folder / name
    if sha256_of(f) != want:
        raise InputError("does not match the SHA-256 in manifest.json: the results are damaged", source=str(f))  # fmt: skip


def reseal(folder: str | Path) -> None:
    """Record again the size and SHA-256 of every file that ``folder``'s manifest lists
    and that still exists (dropping the missing ones): for a result edited on purpose.
    Reading a folder whose files no longer match its manifest is refused otherwise."""
    p = Path(folder)
    manifest_path = p / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    names = [n for n in listed_files(manifest) if n != "manifest.json" and (p / n).is_file()]
    manifest["files"] = file_records(p, names)
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


__all__ = ["reseal", "file_records", "listed_files", "sha256_of", "verify_files", "verify_hash"]
