"""Build step: copy the shipped data folders into the package when a wheel is built.

``networks/``, ``profiles/`` and ``scenarios/`` stay at the top level of the repository,
where people read and edit them; a wheel carries copies in ``gridsim/_data/`` so that an
installed gridsim finds them through :mod:`importlib.resources` (``gridsim.shipped``).
Everything else is configured in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
FOLDERS = ("networks", "profiles", "scenarios")


class BuildPyWithData(build_py):
    """``build_py`` plus the shipped data folders under ``<build>/gridsim/_data/``."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "gridsim" / "_data"
        for name in FOLDERS:
            dst = target / name
            if dst.exists():  # a copy this step made in an earlier build
                shutil.rmtree(dst)
            shutil.copytree(ROOT / name, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))  # fmt: skip


setup(cmdclass={"build_py": BuildPyWithData})
