"""Where a scenario's values come from: file names as shown in messages, the file that
set each field (``origin``), and the :class:`~gridsim.errors.InputError` that names it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gridsim.errors import InputError


def display_path(p: Path | str) -> str:
    """``p`` relative to the working directory when it lies below it."""
    path = Path(p).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def is_file(p: Path) -> bool:
    """``p.is_file()``, False for names the OS refuses (too long, a NUL byte)."""
    try:
        return p.is_file()
    except (OSError, ValueError):
        return False


def origin_of(origin: dict[str, str], dotted: str, default: str) -> str:
    """The file that set ``dotted``: its own entry, a leaf below it, or the nearest parent."""
    if dotted in origin:
        return origin[dotted]
    below = sorted(o for o in origin if o.startswith(dotted + "."))
    if below:
        return origin[below[0]]
    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:i]) in origin:
            return origin[".".join(parts[:i])]
    return default


def field_error(source: str, dotted: str, problem: str, *value: Any) -> InputError:
    """``<source>: <dotted> <problem>[, got <value>]``."""
    return InputError(
        problem,
        source=source,
        field=dotted,
        value=value[0] if value else None,
        show_value=bool(value),
    )
