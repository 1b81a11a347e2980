"""The README's console sessions print what the program prints now."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.config import load_settings
from tests.fakediscord import FakeDiscord
from tests.feeds.test_subscriptions import RSS_TYPE, rss, running_site
from tests.helpers import start_newsbot, stop_newsbot
from tests.pg import PG_ADMIN_URL

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


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


def ordered_sessions(marker: str = "session") -> list[list[tuple[str, str]]]:
    """The console blocks marked ``<!-- session -->`` (or ``<!-- MARKER -->``): their ``$ newsbot`` commands, each
    with its expected output, run in order in one data directory (a later command sees what an earlier one did)."""
    found = []
    for block in re.findall(rf"<!-- {marker} -->\n```console\n(.*?)```", README, flags=re.S):
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
    assert len(ordered_sessions()) >= 3
    assert votes_session()[1][0][0].startswith("newsbot feedback ")
    assert len(ordered_sessions("session: feed")) >= 1


@pytest.mark.parametrize(("command", "expected"), sessions())
def test_readme_session_output(command: str, expected: str) -> None:
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(cli, args)
    assert result.stdout.rstrip("\n") == expected


@pytest.mark.parametrize("session", ordered_sessions(), ids=lambda steps: steps[-1][0])
def test_readme_ordered_session_output(session: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # in the folder of the README, as it says (a session may name docs/examples/ files)
    for command, expected in session:
        result = CliRunner().invoke(cli, shlex.split(command)[1:])
        assert (command, result.stdout.rstrip("\n")) == (command, expected)


# --- the feedback listing after votes cast in Discord ---------------------------------------------------------

README_SERVER = "123456789012345678"  # the server id the README's commands name; the test uses the fake's


def votes_session() -> tuple[str, list[tuple[str, str]]]:
    """The question voted on and the commands, each with its output, of the block marked ``<!-- votes: Q -->``."""
    [(question, block)] = re.findall(r"<!-- votes: (.*?) -->\n```console\n(.*?)```", README, flags=re.S)
    return question, console_steps(block)


@pytest.mark.asyncio
async def test_the_feedback_session_after_votes_in_discord(fake: FakeDiscord, clean_env: Path) -> None:
    """The README's votes, cast as it says (two Not helpful, one Helpful under one answer) with the real client
    against the fake Discord; then its commands print what it shows."""
    question, steps = votes_session()
    bot = await start_newsbot(fake, load_settings(data_dir=clean_env, ask_cooldown_rate=100))
    try:
        asked = await fake.slash("ask", {"question": question}, user=fake.member)
        await asked.callback()
        answer = await asked.followup(timeout=15)
        carol = fake.add_user("carol")
        for label, user in (("Not helpful", fake.member), ("Not helpful", carol), ("Helpful", fake.owner)):
            click = await fake.click(answer, answer.button(label)["custom_id"], user=user)
            await click.callback()
            assert (await click.followup(timeout=15)).content.startswith("Thanks: your vote")
    finally:
        await stop_newsbot(fake, bot)
    for command, expected in steps:
        args = shlex.split(command.replace(README_SERVER, str(fake.guild_id)))[1:]
        result = CliRunner().invoke(cli, args)
        assert (command, result.stdout.rstrip("\n")) == (command, expected)


README_SITE = "https://www.example.com"  # where the README's feed is: served on 127.0.0.1 by the test


@pytest.mark.parametrize("session", ordered_sessions("session: feed"), ids=lambda steps: steps[-1][0])
def test_readme_feed_session_output(session: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """The sessions marked ``<!-- session: feed -->`` subscribe to the README's feed: the test serves it (a feed
    titled "World news") on 127.0.0.1 and runs the commands with its address in place of the README's, which it
    puts back in what they print; everything else is compared exactly."""
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    with running_site() as site:
        site.serve("/world/rss.xml", rss("World news", []), RSS_TYPE)
        local = site.url("")
        for command, expected in session:
            result = CliRunner().invoke(cli, shlex.split(command.replace(README_SITE, local))[1:])
            printed = result.stdout.rstrip("\n").replace(local, README_SITE)
            assert (command, result.exit_code, printed) == (command, 0, expected)


# --- the two-host walkthrough of the PostgreSQL section, run as written on one machine --------------------------

WALKTHROUGH_DB = "newsbot_hosts"  # the database the walkthrough creates; the test gives it a name of its own


def walkthrough() -> list[tuple[str, str]]:
    """(command, expected output) of the console block of the PostgreSQL section that creates the database."""
    section = README.split("### PostgreSQL: one store for several hosts", 1)[1].split("\n### ", 1)[0]
    block = next(b for b in re.findall(r"```console\n(.*?)```", section, flags=re.S) if "createdb" in b)
    return console_steps(block)


def console_steps(block: str) -> list[tuple[str, str]]:
    """The ``$ `` commands of a console block, each with the output lines under it."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in steps]


def test_the_several_hosts_walkthrough_works_as_written(pg_server: str, tmp_path: Path) -> None:
    """Every command of the walkthrough, in one shell, in an empty folder: each prints what the README shows."""
    steps = walkthrough()
    assert [c.split()[0] for c, _ in steps[:2]] == ["createdb", "export"]
    database = f"newsbot_t_walk_{uuid.uuid4().hex[:8]}"
    script = ["set -e"]
    for n, (command, _) in enumerate(steps):
        script += [f"echo '@@step {n}'", command.replace(WALKTHROUGH_DB, database)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")} | {"NEWSBOT_READER": "off"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # newsbot, as installed
    try:
        done = subprocess.run(
            ["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    assert done.returncode == 0, done.stderr
    printed = re.split(r"^@@step \d+\n", done.stdout, flags=re.M)[1:]
    assert len(printed) == len(steps)
    for (command, expected), output in zip(steps, printed, strict=True):
        assert output.rstrip("\n") == expected, command
    assert (tmp_path / "host-a").is_dir() and (tmp_path / "host-b").is_dir()  # two data directories, one store
