"""Helpers shared by several test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import pytest
from aiohttp import web

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


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def html_page(text: str) -> Handler:
    """A handler that serves ``text`` as an HTML page."""

    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=text, content_type="text/html")

    return serve


@contextlib.asynccontextmanager
async def web_site(pages: Mapping[str, Handler]) -> AsyncIterator[str]:
    """``pages`` (path: handler) served on 127.0.0.1 at a free port, for the bot to fetch; the site's address."""
    app = web.Application()
    for path, handler in pages.items():
        app.router.add_get(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
