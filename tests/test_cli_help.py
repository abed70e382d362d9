"""The ``gridsim`` command's help: every command and option explains itself.

Walks :func:`gridsim.cli.build_parser` recursively: every argument of every command
(options and positionals, help excepted) has a help line, every command has a help or
description, no text carries Sphinx markup (``:mod:``, ``:func:``, double back-quotes),
and the top level says what gridsim does with an example epilog.
"""

from __future__ import annotations

import argparse
import re

import pytest

from gridsim.cli import build_parser

SPHINX = re.compile(r":(mod|func|class|meth|data|attr|ref|doc|obj|exc):`|``")
#: Help texts not yet written, by test id: strict, so a test passes only while its entry
#: here is true, and the entry goes once the text is there.
MISSING: dict[str, str] = {}


def _param(test_id: str, *values: object) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=MISSING[test_id])] if test_id in MISSING else []
    return pytest.param(*values, id=test_id, marks=marks)


def _commands(
    p: argparse.ArgumentParser, path: tuple[str, ...] = ("gridsim",)
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser, str | None]]:
    """(command path, parser, help line in its parent's list) of every (sub)command."""
    out: list[tuple[tuple[str, ...], argparse.ArgumentParser, str | None]] = [(path, p, None)]
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            helps = {c.dest: c.help for c in a._choices_actions}
            for name, sub in a.choices.items():
                for cmd in _commands(sub, (*path, name)):
                    out.append(cmd if cmd[0] != (*path, name) else (cmd[0], cmd[1], helps.get(name)))  # fmt: skip
    return out


COMMANDS = _commands(build_parser())
ARGUMENTS = [
    _param(" ".join(path) + " " + ("/".join(a.option_strings) or a.dest), p, a)
    for path, p, _ in COMMANDS
    for a in p._actions
    if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
]


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(path) for path, _, _ in COMMANDS}
    assert {"gridsim pf", "gridsim network plot", "gridsim profiles generate", "gridsim run",
            "gridsim report", "gridsim results compare", "gridsim sweep"} <= names  # fmt: skip
    assert len(ARGUMENTS) > 40


@pytest.mark.parametrize("parser, action", ARGUMENTS)
def test_every_argument_has_a_help_line(parser: argparse.ArgumentParser, action: argparse.Action) -> None:  # fmt: skip
    assert action.help and action.help.strip() and action.help != argparse.SUPPRESS


@pytest.mark.parametrize("path, parser, line", COMMANDS[1:], ids=[" ".join(c[0]) for c in COMMANDS[1:]])  # fmt: skip
def test_every_command_has_a_help_line(path: tuple[str, ...], parser: argparse.ArgumentParser, line: str | None) -> None:  # fmt: skip
    assert line and line.strip(), f"{' '.join(path)} has no help line in its parent's list"


@pytest.mark.parametrize("path, parser", [_param(" ".join(c[0]), c[0], c[1]) for c in COMMANDS])
def test_no_sphinx_markup_in_help_text(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:  # fmt: skip
    texts = [parser.description or "", parser.epilog or "", parser.format_help()]
    texts += [a.help or "" for a in parser._actions]
    for text in texts:
        assert not SPHINX.search(text), f"{' '.join(path)}: {SPHINX.search(text)} in {text[:200]!r}"


@pytest.mark.parametrize("case", [_param("top level", "top level")])
def test_top_level_says_what_gridsim_does_with_examples(case: str) -> None:
    p = build_parser()
    desc = p.description or ""
    assert len(desc) > 60 and "power flow" in desc and "power balance" in desc, desc
    assert p.epilog and "gridsim run ningxia_2025" in p.epilog and "examples" in p.epilog.lower()
    text = p.format_help()
    assert "gridsim report" in text  # the epilog keeps its lines (RawDescriptionHelpFormatter)
