"""Hostile content through the real discord.py client and the fake Discord, which refuses what Discord refuses:
huge headlines, many quotes, long outlet names, markdown and mentions in any text newsbot shows. Every reply must
be accepted (the fake answers 400 on a broken limit) and hold no markup but newsbot's own layout."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.fakediscord import FakeDiscord, FakeFile
from tests.helpers import start_newsbot, stop_newsbot
from tests.markdown_check import constructs

# isort: split
from bot.core.config import load_settings
from bot.discord_app.client import NewsBot

HOSTILE = "**Bold** @everyone <@&123> [x](https://evil.example) `code` ||spoiler|| # head"


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord, clean_env: Path) -> AsyncIterator[NewsBot]:
    running = await start_newsbot(fake, load_settings(data_dir=clean_env, ask_cooldown_rate=1000))
    yield running
    await stop_newsbot(fake, running)


def articles_file(articles: list[dict[str, Any]]) -> FakeFile:
    return FakeFile("hostile.jsonl", "\n".join(json.dumps(a) for a in articles).encode())


@pytest.mark.asyncio
async def test_an_error_reply_escapes_what_the_user_typed(fake: FakeDiscord, bot: NewsBot) -> None:
    reply = await (await fake.slash("corpus remove", {"article": "**x** <@1> [a](https://evil.example)"})).answer()
    assert reply.ephemeral
    assert reply.content == (
        "no article has the id '\\*\\*x\\*\\* \\<\\@1\\> \\[a\\]\\(https\\://evil.example\\)' \\(see `newsbot list`\\)"
    )
    assert constructs(reply.content) == [("code", "`newsbot list`")]
