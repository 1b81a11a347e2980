"""newsbot keeps Discord's rules whatever the store, the index and the articles do: every interaction is
acknowledged within 3 s (the fake refuses a later one, as Discord does), errors are private, and any article
content fits Discord's limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.fakediscord import FakeDiscord
from tests.helpers import start_newsbot, stop_newsbot

# isort: split
from bot.core.config import Settings, load_settings
from bot.discord_app.client import NewsBot

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta property="og:site_name" content="The Harbour Gazette"><meta property="og:title" content="Council votes to ban face scans">
<meta property="article:published_time" content="2021-03-04T09:00:00Z"></head><body><article>
<h1>Council votes to ban face scans</h1>
<p>The harbour council voted on Thursday to ban the use of face scanning cameras by city departments.</p>
<p>The ban passed by seven votes to two after a debate that lasted more than four hours, council records show.</p>
</article></body></html>"""


def settings_for(data_dir: Path, **extra: Any) -> Settings:
    return load_settings(data_dir=data_dir, ask_cooldown_rate=100, **extra)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord, clean_env: Path) -> AsyncIterator[NewsBot]:
    running = await start_newsbot(fake, settings_for(clean_env, allow_private_urls=True))
    yield running
    await stop_newsbot(fake, running)


@pytest_asyncio.fixture
async def long_redirect() -> AsyncIterator[tuple[str, str]]:
    """A page reached through a redirect to an address of 2,100 characters: (the link, where it lands)."""
    from aiohttp import web

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def go(request: web.Request) -> web.Response:
        raise web.HTTPFound("/news/face-scans?utm_campaign=" + "x" * 2100)

    app = web.Application()
    app.router.add_get("/news/face-scans", page)
    app.router.add_get("/go", go)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    yield f"{base}/go", f"{base}/news/face-scans?utm_campaign=" + "x" * 2100
    await runner.cleanup()


@pytest.mark.asyncio
async def test_a_preview_of_a_page_with_a_very_long_address_is_shown(
    fake: FakeDiscord, bot: NewsBot, long_redirect: tuple[str, str]
) -> None:
    link, landed = long_redirect
    ix = await fake.slash("corpus add", {"url": link})
    assert (await ix.callback()).ephemeral
    preview = await ix.followup()
    assert preview.content == "Add this article?", preview.content
    embed = preview.embeds[0]
    assert embed["title"] == "Council votes to ban face scans" and "url" not in embed
    address = next(f["value"] for f in embed["fields"] if f["name"] == "Address")
    assert len(address) == 200 and address.endswith("…") and landed.startswith(address[:-1])
