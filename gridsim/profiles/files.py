"""Reading profile files at the boundary: Parquet, JSON and text, with errors that name the file.

A damaged or foreign file makes pyarrow, pandas and json raise their own exceptions
(``ArrowInvalid``, ``OSError``, ``JSONDecodeError``, ``UnicodeDecodeError``, a
``KeyError`` from broken pandas metadata, ...). The functions here catch exactly
those and raise :class:`~gridsim.errors.InputError` naming the file instead.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from gridsim.errors import InputError

PARQUET_ERRORS: tuple[type[BaseException], ...] = (
    pa.ArrowException,  # ArrowInvalid (bad magic bytes, bad pages), ArrowNotImplementedError, ...
    OSError,  # truncated files, unreadable files, failed decompression
    ValueError,  # JSONDecodeError / UnicodeDecodeError of the pandas metadata, bad values
    KeyError,  # pandas metadata that names missing columns
    TypeError,  # pandas metadata of the wrong shape
    IndexError,
)
"""What reading a damaged Parquet file raises in pyarrow and pandas."""


def reason(err: BaseException, limit: int = 160) -> str:
    """The first line of an exception's message, at most ``limit`` characters."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def decode_utf8(blob: bytes, source: str) -> str:
    """``blob`` as text (a UTF-8 byte-order mark is dropped); InputError naming the line."""
    try:
        return blob.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = blob[: err.start].count(b"\n") + 1
        raise InputError(
            f"is not UTF-8 text (line {line}: byte 0x{blob[err.start]:02x}); save it as UTF-8",
            source=source,
        ) from None


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``; InputError naming it if it is missing or cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("is missing", source=str(path)) from None
    except (OSError, ValueError) as err:  # ValueError: a NUL byte in the path
        raise InputError(f"cannot be read ({reason(err)})", source=str(path)) from None


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex), for the provenance of inputs."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_parquet_frame(path: Path, table: str | None = None) -> pd.DataFrame:
    """A Parquet file as a DataFrame; InputError naming the file if it is not readable Parquet."""
    if not path.is_file():
        raise InputError("is missing", source=str(path), table=table)
    try:
        return pd.read_parquet(path)
    except PARQUET_ERRORS as err:
        raise InputError(
            f"is not a readable Parquet file ({reason(err)})", source=str(path), table=table
        ) from None


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON file that holds one object; InputError naming the file, line and column."""
    text = decode_utf8(read_bytes(path), str(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            f"is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})",
            source=str(path),
        ) from None
    except ValueError:  # an integer of more than 4300 digits (Python's limit)
        raise InputError("is not valid JSON (a number is too long)", source=str(path)) from None
    except RecursionError:
        raise InputError("is not valid JSON (nested too deeply)", source=str(path)) from None
    if not isinstance(data, dict):
        raise InputError(
            "must hold a JSON object {...}", source=str(path), value=type(data).__name__
        )
    return data


__all__ = [
    "PARQUET_ERRORS",
    "decode_utf8",
    "file_sha256",
    "read_bytes",
    "read_json_object",
    "read_parquet_frame",
    "reason",
]
