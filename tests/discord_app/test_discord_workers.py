"""Answering in worker processes (NEWSBOT_ANSWER_PROCESSES), end to end: the real discord.py client, built as
`newsbot run` builds it, against the fake Discord; the answers come from spawned processes over the same store."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fakediscord import DEFERRED_CHANNEL_MESSAGE, FakeDiscord, FakeFile
from tests.helpers import deadline_test, start_newsbot, stop_newsbot

# isort: split
from bot.core.config import load_settings
from bot.discord_app.client import NewsBot
from bot.service import NewsService

# How long a test waits for a reply after the defer (Discord allows 15 minutes): under load 15-21 on 2 cores, the
# workers (at nice 5) took more than 5 s to catch up with an add and answer four questions.
WAIT = 120.0
BODY = "Orlando police ended their second pilot of Amazon's Rekognition software on Thursday."


def story() -> FakeFile:
    article = {"title": "Rekognition pilot ends in Orlando", "source": "Orlando Sentinel", "date": "2019-07-18"}
    return FakeFile("story.json", json.dumps({**article, "body": BODY}).encode())


def alive(pid: int) -> bool:
    """Whether process ``pid`` still exists (a zombie counts: it was not waited for)."""
    return Path(f"/proc/{pid}").exists() if Path("/proc").is_dir() else _signalled(pid)


def _signalled(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def hold(service: NewsService, where: str) -> str:
    """Work for a worker (sent by name): say it started, then wait (at most 60 s) until the test lets it go."""
    started, go = Path(where, "started"), Path(where, "go")
    started.touch()
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return "released"


def not_here(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("answered in the bot's own process, not in a worker")


async def start_pooled(fake: FakeDiscord, data_dir: Path, processes: int) -> NewsBot:
    settings = load_settings(data_dir=data_dir, ask_cooldown_rate=100, answer_processes=processes)
    bot = await start_newsbot(fake, settings)
    assert bot.answer_workers is not None and len(bot.answer_workers.pids()) == processes
    return bot


@deadline_test(240)
async def test_an_article_a_moderator_just_added_is_answered_by_every_worker_at_once(
    fake: FakeDiscord, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await start_pooled(fake, clean_env, 2)
    workers = bot.answer_workers
    assert workers is not None
    pids = workers.pids()
    monkeypatch.setattr(bot.service, "ask", not_here)  # the bot's own service never answers
    try:
        added = await fake.slash("corpus add", {"file": story()})
        await added.callback()
        assert (await added.followup(timeout=WAIT)).content.startswith("Added `rekognition-pilot-ends-in-orlando-")
        # At once, four at a time: both workers answer, each caught up with the add from the store's change log.
        asked = [await fake.slash("ask", {"question": "Did Orlando police end the Rekognition pilot?"}) for _ in "abcd"]
        replies = [(await ix.followup(timeout=WAIT)).content for ix in asked]
        assert all(reply.startswith("> Orlando police ended their second pilot") for reply in replies), replies
        bad = await fake.slash("ask", {"question": "what is the"})  # an error raised in a worker, told privately
        assert (await bad.callback()).type == DEFERRED_CHANNEL_MESSAGE
        refusal = await bad.followup(timeout=WAIT)
        assert refusal.ephemeral and refusal.content.startswith("'what is the' has no word to search for")
        assert workers.pids() == pids and workers.replaced == 0
    finally:
        await stop_newsbot(fake, bot)
    assert not any(alive(pid) for pid in pids), "a worker outlived the bot"


@deadline_test(240)
async def test_a_worker_killed_under_a_question_is_replaced_and_the_question_answered(
    fake: FakeDiscord, clean_env: Path, tmp_path: Path
) -> None:
    bot = await start_pooled(fake, clean_env, 1)
    workers = bot.answer_workers
    assert workers is not None
    [first] = workers.pids()
    try:
        held = asyncio.wrap_future(workers.submit(hold, str(tmp_path)))  # the only worker is busy
        for _ in range(3000):
            if (tmp_path / "started").exists():
                break
            await asyncio.sleep(0.01)
        asked = await fake.slash("ask", {"question": "What did Amazon pitch to ICE?"})
        assert (await asked.callback()).type == DEFERRED_CHANNEL_MESSAGE  # acknowledged while no worker is free
        os.kill(first, signal.SIGKILL)
        (tmp_path / "go").touch()  # the held work, asked again in the new worker, returns at once
        reply = await asked.followup(timeout=120)
        assert reply.content.startswith("> Amazon.com Inc. pitched its facial")
        assert await held == "released"
        assert workers.replaced == 1 and workers.pids() != [first] and not alive(first)
        now = workers.pids()
    finally:
        await stop_newsbot(fake, bot)
    assert not any(alive(pid) for pid in now), "a worker outlived the bot"
