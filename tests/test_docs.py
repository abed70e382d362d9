"""The documentation runs as written and builds.

Every ```python block of README.md and docs/*.md is executed, the blocks of one file in
order in one namespace, in a fresh working folder (so ``results/...`` paths land in a
temporary folder). A block preceded by ``<!-- no-run: REASON -->`` is left out; such
blocks must say why and stay rare. Pages that read runs written by ``gridsim run`` get
short runs of those scenarios first (:data:`RUNS`).

The site (mkdocs.yml: mkdocs + mkdocstrings) is built with ``--strict`` (warnings are
errors) when mkdocs and mkdocstrings are installed (``pip install -e ".[docs]"``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python[ \t]*\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)
NO_RUN = re.compile(r"<!--\s*no-run:\s*(?P<why>[^>]*?)\s*-->\s*$")
MAX_NO_RUN = 2
"""Blocks left out over all pages (each with its reason)."""
OPTIONAL = {"polars", "duckdb"}
"""Modules a block may use that gridsim does not install: its block is left out without them."""

SHORT = '[study]\nwhole_year = false\nstart = "2025-04-07"\nend = "2025-04-09"\ncurtailment_by_cause = false\n'  # fmt: skip
#: Page -> runs it reads: results folder -> (base scenario, extra TOML).
RUNS: dict[str, dict[str, tuple[str, str]]] = {
    "results.md": {
        "results/ningxia_2025": ("ningxia_2025", ""),
        "results/ningxia_2025_high_demand": ("ningxia_2025_high_demand", ""),
        "results/ningxia_2025_tidy": ("ningxia_2025", '[output]\nlayout = "tidy"\n'),
    },
    "calibration.md": {"results/ningxia_2025": ("ningxia_2025", "")},
}


def blocks(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, code, reason it is left out or None) of each ```python block of ``path``."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = NO_RUN.search(before)
        out.append((text.count("\n", 0, m.start()) + 1, m.group("code"), skip.group("why") if skip else None))  # fmt: skip
    return out


def _write_runs(page: str, where: Path) -> None:
    from gridsim.studies.balance import run_balance

    for folder, (base, extra) in RUNS.get(page, {}).items():
        name = Path(folder).name
        f = where / f"{name}.scenario.toml"
        f.write_text(f'base = "{base}"\n[scenario]\nname = "{name}"\n{SHORT}{extra}')
        res = run_balance(f)
        assert res.ok, (folder, res.status)
        res.write(where / folder)


def test_every_page_has_been_found() -> None:
    names = {p.name for p in PAGES}
    assert {"README.md", "results.md", "getting-started.md", "powerflow.md"} <= names
    assert sum(len(blocks(p)) for p in PAGES) >= 12


def test_left_out_blocks_are_rare_and_say_why() -> None:
    left = [(p.name, line, why) for p in PAGES for line, _, why in blocks(p) if why is not None]
    assert len(left) <= MAX_NO_RUN, left
    assert all(len(why) >= 10 for _, _, why in left), left


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)], ids=lambda p: p.name)
def test_python_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    _write_runs(page.name, tmp_path)
    namespace: dict[str, Any] = {"__name__": f"docs_{page.stem}"}
    ran = 0
    for line, code, why in blocks(page):
        if why is not None:
            continue
        try:
            exec(compile(code, f"{page.name}:{line}", "exec"), namespace)  # noqa: S102
        except ModuleNotFoundError as err:
            if err.name not in OPTIONAL:
                raise
            continue
        except Exception as err:
            raise AssertionError(f"{page.relative_to(ROOT)}, block at line {line}: {type(err).__name__}: {err}") from err  # fmt: skip
        ran += 1
    assert ran >= 1


def test_readme_examples_write_only_to_ignored_places() -> None:
    """Commands in the README write below results/ (git-ignored), not into the clone."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "/results/" in ignored
    outs = [o.rstrip("]") for o in re.findall(r"--out\s+(\S+)", text)]
    named = [o for o in outs if not o.isupper()]  # DIR, FILE: placeholders
    assert len(named) >= 2 and all(o.startswith("results/") for o in named), named
    assert "profiles/my_2025" not in text


def test_docs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="needs mkdocs (pip install -e '.[docs]')")
    pytest.importorskip("mkdocstrings", reason="needs mkdocstrings[python] (pip install -e '.[docs]')")  # fmt: skip
    site = tmp_path / "site"
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    cli = (site / "cli" / "index.html").read_text(encoding="utf-8")
    for command in ("gridsim pf", "gridsim results compare", "gridsim sweep", "--no-interactive"):
        assert command in cli, command
    pf = (site / "powerflow" / "index.html").read_text(encoding="utf-8")
    assert "Solve every snapshot" in pf and "PowerFlowOptions" in pf  # from the docstrings
    assert ":func:" not in pf and ":class:" not in pf
    scen = (site / "scenarios" / "index.html").read_text(encoding="utf-8")
    assert "Power-balance scenarios" in scen  # scenarios/README.md, included
    prof = (site / "profiles" / "index.html").read_text(encoding="utf-8")
    assert "Across machines, equal to 1e-12." in prof
    for page in ("index", "getting-started", "results", "kpi", "api"):
        assert (site / ("" if page == "index" else page) / "index.html").is_file(), page
