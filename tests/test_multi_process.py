"""Two newsbot processes, as on two hosts: the bot (the real discord.py client against the fake Discord) with its
data directory, and command lines run as real subprocesses with another data directory, one PostgreSQL store.

What the command line adds, the running bot answers from without a restart (it was told by its listener); what a
moderator removes in Discord, the command line no longer quotes. Waits are for conditions, never timed.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fakediscord import DEFERRED_CHANNEL_MESSAGE, FakeDiscord
from tests.helpers import deadline_test, start_newsbot, stop_newsbot
from tests.pgproxy import running_proxy, through

# isort: split
from bot.core.config import load_settings
from bot.core.errors import StoreUnavailable
from bot.discord_app.client import NewsBot

QUESTION = "What did the Port Elspeth harbour authority approve?"
APPROVED = "The Port Elspeth harbour authority approved a new granite lighthouse on the north breakwater on Tuesday."
STORY = {
    "title": "Harbour authority approves a lighthouse for Port Elspeth",
    "source": "Elspeth Gazette",
    "date": "2024-05-01",
    "url": "https://gazette.example/lighthouse",
    "body": f"{APPROVED} The lighthouse will cost about four million pounds and should be lit next autumn.",
}


async def newsbot(data_dir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``newsbot ARGS`` in a process of its own, over ``data_dir`` and the shared store."""
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_DATABASE_URL": database_url}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def answer(fake: FakeDiscord, question: str) -> str:
    ix = await fake.slash("ask", {"question": question})
    await ix.callback()
    return (await ix.followup(timeout=15)).content or ""


@deadline_test(180.0)
async def test_a_command_line_on_another_host_and_the_running_bot_see_each_others_changes(
    fake: FakeDiscord, pg_url: str, tmp_path: Path
) -> None:
    bot: NewsBot = await start_newsbot(fake, load_settings(data_dir=tmp_path / "host-a", database_url=pg_url))
    try:
        guild = str(fake.guild_id)
        assert (await answer(fake, QUESTION)).startswith("The coverage doesn't say.")
        story = tmp_path / "story.json"
        story.write_text(json.dumps(STORY), encoding="utf-8")

        added = await newsbot(tmp_path / "host-b", pg_url, "add", str(story), "--server", guild, "--json")
        assert added.returncode == 0, added.stderr
        article_id = json.loads(added.stdout)["article_id"]
        # The bot was told of the commit and caught its loaded index up: no restart, no polling.
        await fake.wait_for(
            lambda: article_id in {r.id for r in bot.service.index_of(fake.guild_id).articles()},
            timeout=30,
            description="the running bot to hear of the article added on the other host",
        )
        assert (await answer(fake, QUESTION)).startswith("> " + APPROVED)

        removed = await fake.slash("corpus remove", {"article": article_id})
        await removed.callback()
        assert ((await removed.followup(timeout=15)).content or "").startswith(f"Removed `{article_id}`")
        asked = await newsbot(tmp_path / "host-b", pg_url, "ask", QUESTION, "--server", guild, "--json")
        assert asked.returncode == 0, asked.stderr
        reply = json.loads(asked.stdout)
        assert reply["answered"] is False and APPROVED not in json.dumps(reply)
    finally:
        await stop_newsbot(fake, bot)


@deadline_test(180.0)
async def test_the_bot_says_try_again_while_the_store_is_gone_and_recovers_by_itself(
    fake: FakeDiscord, pg_url: str, tmp_path: Path
) -> None:
    with running_proxy() as proxy:
        settings = load_settings(data_dir=tmp_path / "host-a", database_url=through(pg_url, proxy))
        bot: NewsBot = await start_newsbot(fake, settings)
        try:
            assert (await answer(fake, QUESTION)).startswith("The coverage doesn't say.")
            proxy.cut()
            ix = await fake.slash("ask", {"question": QUESTION})
            first = await ix.callback()  # acknowledged in time, whatever the store does
            assert first.type == DEFERRED_CHANNEL_MESSAGE
            told = await ix.followup(timeout=30)
            assert told.ephemeral and "unavailable" in (told.content or "") and "try again" in (told.content or "")
            proxy.restore()
            added = await newsbot(tmp_path / "host-b", pg_url, "add", str(_story(tmp_path)), "--json")
            assert added.returncode == 0, added.stderr
            # No restart: the pool and the listener reconnect by themselves, and the listener catches up.
            await fake.wait_for(
                lambda: _answers_from_the_story(bot), timeout=60, description="the bot to recover and catch up"
            )
            assert (await answer(fake, QUESTION)).startswith("> " + APPROVED)
        finally:
            await stop_newsbot(fake, bot)


def _story(tmp_path: Path) -> Path:
    story = tmp_path / "story.json"
    story.write_text(json.dumps(STORY), encoding="utf-8")
    return story


def _answers_from_the_story(bot: NewsBot) -> bool:
    try:
        quotes = bot.service.ask(QUESTION).quotes
    except StoreUnavailable:
        return False
    return bool(quotes) and quotes[0].text == APPROVED
