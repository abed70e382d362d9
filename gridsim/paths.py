"""Names that become paths: one check for scenario names, case ids and sweep names.

A name that gridsim turns into a file or folder name (``results/<scenario name>``,
``<sweep out>/runs/<case id>``) must stay inside the folder it is meant for: no path
separators, no ``..``, not absolute, not empty, and made of portable characters.
"""

from __future__ import annotations

import re
from typing import Any

from gridsim.errors import InputError

#: A letter or digit, then letters, digits and ``_ . = + -`` (so never hidden, ``.`` or ``..``).
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=+\-]*$")
MAX_NAME_LENGTH = 80


def check_path_name(value: Any, *, source: str | None = None, field: str = "name") -> str:
    """``value`` if it is safe as one path component, else :class:`InputError`.

    Safe means a string of at most 80 letters, digits and ``_ . = + -`` that starts
    with a letter or digit (so no separators, no ``..``, nothing absolute or hidden). The error names ``source``, ``field`` and the value.
    """
    problem = (
        f"must be a name of letters, digits and _ . = + - (at most {MAX_NAME_LENGTH} "
        "characters, starting with a letter or digit)"
    )
    if not isinstance(value, str) or not NAME_RE.match(value) or len(value) > MAX_NAME_LENGTH:
        raise InputError(problem, source=source, field=field, value=value)
    return value


__all__ = ["MAX_NAME_LENGTH", "NAME_RE", "check_path_name"]
