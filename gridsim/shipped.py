"""Where the shipped data lives: networks, profile sets and scenarios.

In a checkout (and an editable install) they are the top-level folders ``networks/``,
``profiles/`` and ``scenarios/``, where people read and edit them. A built wheel carries
copies of the three folders inside the package (``gridsim/_data/``, written by the build
step in ``setup.py``), found through :mod:`importlib.resources`, so that an installed
gridsim runs its shipped scenarios from any working directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: The shipped data folders (the same names in a checkout and in a wheel).
FOLDERS = ("networks", "profiles", "scenarios")


def shipped_root() -> Path:
    """The folder holding ``networks/``, ``profiles/`` and ``scenarios/``: the package's
    ``_data`` when installed from a wheel, else the checkout's top level."""
    packaged = Path(str(files("gridsim"))) / "_data"
    if (packaged / "scenarios").is_dir():
        return packaged
    return Path(__file__).resolve().parents[1]


def shipped_dir(folder: str) -> Path:
    """One of the shipped data folders (``networks``, ``profiles`` or ``scenarios``)."""
    if folder not in FOLDERS:
        raise ValueError(f"folder must be one of {FOLDERS}, got {folder!r}")
    return shipped_root() / folder


__all__ = ["FOLDERS", "shipped_dir", "shipped_root"]
