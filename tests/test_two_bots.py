"""Two real `newsbot run` processes, the bot's two shards, on one store: each a subprocess running the command
line's `run` (the real discord.py client), pointed at the fake Discord the way the in-process tests point the bot at
it (discord.py's API and gateway addresses), each serving its share of the servers (NEWSBOT_SHARD_COUNT=2,
NEWSBOT_SHARD_IDS), as the README's multi-process deployment runs them.

A question asked in a server of one process is refused; a moderator of an editor server (served by the other
process) adds the article that answers it, in Discord; the first process answers with it. On SQLite (one data
directory shared by both) and PostgreSQL (a data directory each, as on two hosts). Waits are for conditions.

The fake's gateway holds a session per shard, each sent its servers' events only (tests/fakediscord/shards.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from tests.fakediscord import FakeDiscord, FakeFile, FakeGuild
from tests.fakediscord.shards import shard_of
from tests.helpers import deadline_test
from tests.test_multi_process import APPROVED, QUESTION, STORY

SHARDS = 2

#: `newsbot` (its command line, ARGV after the two addresses) with discord.py pointed at the fake Discord.
AGAINST_THE_FAKE = """
import sys
import discord
import yarl
discord.http.Route.BASE = sys.argv[1]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
from bot.cli.main import cli
cli(sys.argv[3:], prog_name="newsbot")
"""


class Process:
    """One `newsbot` subprocess against the fake; its log lines as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))
            self._changed.set()
        self._changed.set()

    async def logged(self, text: str) -> None:
        """Wait until a log line holds ``text`` (or the process ended, which fails)."""
        while not any(text in line for line in self.lines):
            assert self.process.returncode is None and not self._reader.done(), "\n".join(self.lines[-20:])
            self._changed.clear()
            await self._changed.wait()

    async def stop(self) -> int:
        """SIGTERM (what `newsbot run` stops on), and its exit status."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        code = await self.process.wait()
        await self._reader
        return code


@contextlib.asynccontextmanager
async def newsbot(fake: FakeDiscord, env: dict[str, str], *args: str) -> AsyncIterator[Process]:
    """``newsbot ARGS`` in a process of its own against ``fake``; stopped (SIGTERM) at the end."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        AGAINST_THE_FAKE,
        fake.api_base,
        fake.gateway_url,
        *args,
        env={**os.environ, **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    running = Process(process)
    try:
        yield running
    finally:
        await running.stop()


async def ask(fake: FakeDiscord, question: str, guild: FakeGuild | None = None) -> str:
    ix = await fake.slash(
        "ask", {"question": question}, guild=guild, user=fake.member if guild is None else guild.member
    )
    await ix.callback(timeout=15)
    return (await ix.followup(timeout=15)).content or ""


@deadline_test(240.0)
async def test_what_a_moderator_adds_through_one_bot_process_the_other_answers_with(
    store_backend: str, tmp_path: Path
) -> None:
    async with FakeDiscord() as fake:
        editors = fake.add_guild("Editors", shard=(1 - shard_of(fake.guild_id, SHARDS), SHARDS))  # the other shard
        common = {
            "DISCORD_TOKEN": fake.token,
            "NEWSBOT_COVERAGE": "shared",  # every server reads the default collection; the editors' server edits it
            "NEWSBOT_EDITOR_GUILD_IDS": str(editors.id),
            "NEWSBOT_SHARD_COUNT": str(SHARDS),
            "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
            "NEWSBOT_ASK_COOLDOWN_RATE": "100",
        }

        def host(shard: int) -> dict[str, str]:
            env = {**common, "NEWSBOT_SHARD_IDS": str(shard)}
            if store_backend == "postgresql":  # one store, a data directory each: two hosts
                env["NEWSBOT_DATA_DIR"] = str(tmp_path / f"host-{shard}")
            return env

        async with newsbot(fake, host(0), "sync") as sync:  # the slash commands, registered globally
            assert await sync.process.wait() == 0, "\n".join(sync.lines)
        readers, editing = shard_of(fake.guild_id, SHARDS), shard_of(editors.id, SHARDS)
        async with newsbot(fake, host(readers), "run") as first, newsbot(fake, host(editing), "run") as second:
            await asyncio.gather(first.logged("ready as"), second.logged("ready as"))
            shards = sorted(tuple(p["shard"]) for p in fake.identify_payloads)
            assert shards == [(0, SHARDS), (1, SHARDS)]

            assert (await ask(fake, QUESTION)).startswith("The coverage doesn't say.")  # the first process's server
            upload = FakeFile("lighthouse.json", json.dumps(STORY).encode())
            added = await fake.slash("corpus add", {"file": upload}, guild=editors, user=editors.owner)
            await added.callback(timeout=15)
            assert ((await added.followup(timeout=15)).content or "").startswith("Added")

            asked, answer = 2, await ask(fake, QUESTION)
            while store_backend == "postgresql" and answer.startswith("The coverage doesn't say."):
                # the first process hears of the other's commit from PostgreSQL's notification, in its own time
                # (on SQLite, every read checks the change log: the next question sees it)
                await asyncio.sleep(0.05)
                asked, answer = asked + 1, await ask(fake, QUESTION)
            assert answer.startswith(f"> {APPROVED}\n— **Elspeth Gazette**, 1 May 2024 · ")
        assert (await first.stop(), await second.stop()) == (0, 0)
        answers = [[line for line in p.lines if "newsbot.ask: answer " in line] for p in (first, second)]
        assert (len(answers[0]), answers[1]) == (asked, [])  # the first process served its server's questions
        assert all(f"answer guild={fake.guild_id} command=ask answered=" in line for line in answers[0]), answers
        assert ["answered=True" in line for line in answers[0]] == [False] * (asked - 1) + [True]
