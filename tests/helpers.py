"""Helpers shared by several test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.fakediscord import FakeDiscord

# isort: split
from bot.core.config import Settings
from bot.discord_app.client import NewsBot, build_bot


def deadline_test(seconds: float) -> Callable[[Callable[..., Awaitable[None]]], Any]:
    """Mark a coroutine as an asyncio test that fails if it runs longer than ``seconds``."""

    def mark(fn: Callable[..., Awaitable[None]]) -> Any:
        @functools.wraps(fn)
        async def bounded(*args: Any, **kwargs: Any) -> None:
            async with asyncio.timeout(seconds):
                await fn(*args, **kwargs)

        return pytest.mark.asyncio(bounded)

    return mark


async def start_newsbot(fake: FakeDiscord, settings: Settings) -> NewsBot:
    """The bot as `newsbot run` builds it, started against the fake Discord.

    The compiled search loops are loaded first, outside the start-up timeout: in a fresh checkout numba compiles
    them once (tens of seconds on a loaded machine, cached on disk after that), which the bot's own warm-up
    would otherwise do while the test waits for it to become ready."""
    from bot.search.kernels import kernels

    kernels()
    bot = build_bot(settings)
    await fake.start_bot(bot)
    return bot


async def stop_newsbot(fake: FakeDiscord, bot: NewsBot) -> None:
    """Stop the bot; whatever the test did, newsbot must not have pinged anyone (the fake decides as Discord)."""
    await fake.stop_bot(bot)
    bot.service.close()
    assert fake.pinging_messages() == [], "a message of newsbot pinged someone"
