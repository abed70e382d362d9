"""mkdocs hooks of the gridsim documentation (``mkdocs.yml: hooks``).

Two markers in a page's Markdown are replaced when the site is built:

- ``<!-- include: PATH -->``: the Markdown file ``PATH`` (relative to the repository
  root), so that the READMEs next to the data (``scenarios/README.md``,
  ``profiles/README.md``) stay the one place they are written;
- ``<!-- cli-reference -->``: the help of every ``gridsim`` command and subcommand,
  generated from :func:`gridsim.cli.build_parser`, so the page cannot drift from the
  command.

The docstrings that mkdocstrings renders use Sphinx roles (``:func:`run_pf```); on the
rendered page the role is dropped and the name kept (``~`` prefixes shortened).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = re.compile(r"^<!--\s*include:\s*(?P<path>\S+)\s*-->\s*$", re.M)
CLI = "<!-- cli-reference -->"
ROLE = re.compile(r":(?:mod|func|class|meth|data|attr|exc|obj|const):<code>(?P<name>[^<]*)</code>")
WIDTH = "88"
"""Columns of the generated help text."""


def _include(match: re.Match[str]) -> str:
    path = ROOT / match.group("path")
    return path.read_text(encoding="utf-8")


def _commands(
    p: argparse.ArgumentParser, path: tuple[str, ...] = ("gridsim",)
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser, str]]:
    """(command words, parser, help line) of the command and every subcommand below it."""
    out = [(path, p, "")]
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            helps = {c.dest: c.help or "" for c in a._choices_actions}
            for name, sub in a.choices.items():
                below = _commands(sub, (*path, name))
                out.append((below[0][0], below[0][1], helps.get(name, "")))
                out += below[1:]
    return out


def cli_reference() -> str:
    """Markdown: one section per ``gridsim`` command with its ``--help`` text."""
    from gridsim.cli import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH  # argparse wraps to the terminal width
    try:
        parts = []
        for words, parser, line in _commands(build_parser()):
            level = "#" * min(len(words) + 1, 4)
            title = " ".join(words)
            head = f"{level} `{title}`\n\n" + (f"{line[0].upper()}{line[1:]}.\n\n" if line else "")
            parts.append(f"{head}```text\n{parser.format_help().rstrip()}\n```\n")
        return "\n".join(parts)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Drop the Sphinx roles of rendered docstrings, keep the names."""

    def name(m: re.Match[str]) -> str:
        text = m.group("name")
        return f"<code>{text.rsplit('.', 1)[-1] if text.startswith('~') else text}</code>"

    return ROLE.sub(name, html)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace the include and CLI markers of a page."""
    markdown = INCLUDE.sub(_include, markdown)
    if CLI in markdown:
        markdown = markdown.replace(CLI, cli_reference())
    return markdown
