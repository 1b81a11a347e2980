"""The README's console sessions print what the program prints now."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def sessions() -> list[tuple[str, str]]:
    """(command, expected output) for each `$ newsbot ask ...` and `$ newsbot compare ...` in a console block."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if line.startswith(("$ newsbot ask ", "$ newsbot compare ")):
                output = []
                for following in lines[i + 1 :]:
                    if following.startswith("$ "):
                        break
                    output.append(following)
                found.append((line[2:], "\n".join(output)))
    return found


def ordered_sessions() -> list[list[tuple[str, str]]]:
    """The console blocks marked ``<!-- session -->``: their ``$ newsbot`` commands, each with its expected
    output, run in order in one data directory (a later command sees what an earlier one did)."""
    found = []
    for block in re.findall(r"<!-- session -->\n```console\n(.*?)```", README, flags=re.S):
        steps: list[tuple[str, list[str]]] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                assert line.startswith("$ newsbot "), f"a session runs newsbot commands only: {line}"
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
        found.append([(command, "\n".join(output)) for command, output in steps])
    return found


def test_the_readme_has_sessions() -> None:
    assert len(sessions()) >= 3
    assert len(ordered_sessions()) >= 2


@pytest.mark.parametrize(("command", "expected"), sessions())
def test_readme_session_output(command: str, expected: str) -> None:
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(cli, args)
    assert result.stdout.rstrip("\n") == expected


@pytest.mark.parametrize("session", ordered_sessions(), ids=lambda steps: steps[-1][0])
def test_readme_ordered_session_output(session: list[tuple[str, str]]) -> None:
    for command, expected in session:
        result = CliRunner().invoke(cli, shlex.split(command)[1:])
        assert (command, result.stdout.rstrip("\n")) == (command, expected)
