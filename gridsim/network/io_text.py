"""The reading boundary shared by the network readers: bytes -> text -> parsed data.

Every failure here is an :class:`~gridsim.errors.InputError` naming the file: a file
that cannot be read, text that is not UTF-8 (the position of the first bad byte),
JSON or TOML that does not parse (the line and column), and nesting too deep to parse.
A UTF-8 byte-order mark is accepted.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from gridsim.errors import InputError


def read_text(path: str | Path) -> str:
    """The text of ``path``, decoded as UTF-8 (a leading byte-order mark is dropped)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(
            f"cannot be read: {err.strerror or err}", source=str(path), show_value=False
        ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise InputError(
            f"is not UTF-8 text: byte 0x{raw[err.start]:02x} on line {line}, column {col} "
            "cannot be decoded (save the file as UTF-8)",
            source=str(path),
            show_value=False,
        ) from None


def parse_json(text: str, source: str, **kwargs: Any) -> Any:
    """``json.loads(text, **kwargs)``; a syntax error names ``source``, the line and column."""
    kwargs.setdefault("parse_int", _parse_int)
    try:
        return json.loads(text, **kwargs)
    except InputError:  # raised by an object hook: already worded
        raise
    except json.JSONDecodeError as err:
        raise InputError(
            f"is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})",
            source=source,
            show_value=False,
        ) from None
    except RecursionError:
        raise InputError(
            "is not valid JSON: nested too deeply to read", source=source, show_value=False
        ) from None
    except ValueError as err:  # e.g. an integer longer than Python converts (4300 digits)
        raise InputError(f"is not valid JSON: {err}", source=source, show_value=False) from None


def _parse_int(digits: str) -> int | float:
    """A JSON integer; one too long for a 64-bit integer is read as a float (may be inf)."""
    return int(digits) if len(digits) < 19 else float(digits)


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)|\(at end of document\)")


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """``tomllib.loads(text)``; a syntax error names ``source``, the line and column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = str(err)
        m = _TOML_AT.search(msg)
        if m and m.group(1) is None:  # "at end of document": name the last line
            msg = _TOML_AT.sub(f"(at line {text.count(chr(10)) + 1}, end of the file)", msg)
        raise InputError(f"is not valid TOML: {msg}", source=source, show_value=False) from None
    except RecursionError:
        raise InputError(
            "is not valid TOML: nested too deeply to read", source=source, show_value=False
        ) from None
    except ValueError as err:  # e.g. an integer longer than Python converts
        raise InputError(f"is not valid TOML: {err}", source=source, show_value=False) from None


_MATPOWER = re.compile(r"^[ \t]*(function\b[^\n]*=|mpc[ \t]*\.[ \t]*\w+[ \t]*=)", re.MULTILINE)


def detect_format(text: str, suffix: str = "") -> str:
    """The format of a network file's ``text``: ``"json"`` (native or pandapower, told
    apart once parsed), ``"matpower"`` or ``"toml"``; ``suffix`` breaks ties."""
    start = text.lstrip()[:1]
    if start == "{":
        return "json"
    if _MATPOWER.search(text):
        return "matpower"
    return {".m": "matpower", ".json": "json"}.get(suffix.lower(), "toml")
