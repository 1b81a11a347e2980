"""``/feeds`` end to end: the real discord.py client against the fake Discord of tests/fakediscord.py, subscribing a
feed served by a real HTTP server on 127.0.0.1, and the background poller adding its entries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.fakediscord import DEFERRED_CHANNEL_MESSAGE, FakeDiscord
from tests.helpers import deadline_test, start_newsbot, stop_newsbot

# isort: split
from bot.core.config import Settings, load_settings
from bot.discord_app.client import NewsBot
from bot.discord_app.feeds import FeedsCog
from bot.feeds.subscriptions import Subscriptions
from tests.feeds.test_subscriptions import LIGHTHOUSE, OUTLET, Site, publish_first_edition

TEST_DEADLINE = 30.0  # seconds, for any one test


async_test = deadline_test(TEST_DEADLINE)


def settings_for(data_dir: Path, **extra: Any) -> Settings:
    return load_settings(data_dir=data_dir, allow_private_urls=True, **extra)


async def start(fake: FakeDiscord, settings: Settings) -> NewsBot:
    bot = await start_newsbot(fake, settings)
    # The poller's first round runs as soon as the bot is ready (over no feeds yet): let it finish, so that it
    # cannot race the test's own subscriptions.
    await fake.wait_for(lambda: cog_of(bot).rounds >= 1, description="the first (empty) poll")
    return bot


stop = stop_newsbot


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord, clean_env: Path) -> AsyncIterator[NewsBot]:
    running = await start(fake, settings_for(clean_env))
    yield running
    await stop(fake, running)


def cog_of(bot: NewsBot) -> FeedsCog:
    cog = next(c for c in bot.cogs.values() if isinstance(c, FeedsCog))
    return cog


@async_test
async def test_a_moderator_subscribes_and_lists_a_feed(fake: FakeDiscord, bot: NewsBot, site: Site) -> None:
    url = publish_first_edition(site)
    ix = await fake.slash("feeds add", {"url": url, "outlet": OUTLET})
    first = await ix.callback()
    assert first.type == DEFERRED_CHANNEL_MESSAGE and first.ephemeral
    confirmation = await ix.followup(timeout=15)
    assert confirmation.ephemeral
    assert confirmation.content == (
        "Subscribed feed `1`: The Elspeth Gazette: Local \\(Elspeth Gazette\\), credited to **Elspeth Gazette**. "
        "Its new entries are added at the next poll (every 30 minutes)."
    )
    feeds = Subscriptions(bot.service, server=fake.guild_id).list()
    assert [(f.id, f.url, f.outlet, f.added_by) for f in feeds] == [
        (1, url, OUTLET, f"discord:{fake.owner.id} ({fake.owner.username})")
    ]

    listing = await (await fake.slash("feeds list", {})).answer()
    assert listing.ephemeral
    embed = listing.embeds[0]
    assert embed["title"] == "1 feed"
    assert embed["description"].splitlines() == [
        "`1` **Elspeth Gazette** · The Elspeth Gazette: Local",
        f"  <{url}> · 0 added, 0 skipped, 0 failed · not polled yet",
    ]

    again = await fake.slash("feeds add", {"url": url})
    await again.callback()
    refused = await again.followup(timeout=15)
    assert refused.ephemeral
    assert refused.content == "that feed is already subscribed as feed 1 \\(The Elspeth Gazette: Local\\)"


@async_test
async def test_a_non_moderator_is_refused_and_nothing_changes(fake: FakeDiscord, bot: NewsBot, site: Site) -> None:
    url = publish_first_edition(site)
    ix = await fake.slash("feeds add", {"url": url}, user=fake.member)
    reply = await ix.callback()
    assert reply.ephemeral
    assert reply.content.startswith("only moderators can change the corpus")
    listing = await (await fake.slash("feeds list", {}, user=fake.member)).answer()
    assert listing.content.startswith("only moderators")
    assert Subscriptions(bot.service, server=fake.guild_id).list() == []
    assert site.hits == {}  # nothing was even fetched

    await (await fake.slash("feeds add", {"url": url})).followup(timeout=15)  # a moderator subscribes
    choices = await (
        await fake.autocomplete("feeds remove", {"feed": "elsp"}, focused="feed", user=fake.member)
    ).choices()
    assert choices == []  # autocomplete shows nothing to a non-moderator
    removal = await fake.slash("feeds remove", {"feed": "1"}, user=fake.member)
    assert (await removal.answer()).content.startswith("only moderators")
    assert len(Subscriptions(bot.service, server=fake.guild_id).list()) == 1


@async_test
async def test_a_moderator_removes_a_feed_found_by_autocomplete(fake: FakeDiscord, bot: NewsBot, site: Site) -> None:
    url = publish_first_edition(site)
    await (await fake.slash("feeds add", {"url": url, "outlet": OUTLET})).followup(timeout=15)
    choices = await (await fake.autocomplete("feeds remove", {"feed": "gazette"}, focused="feed")).choices()
    assert choices == [{"name": f"1: The Elspeth Gazette: Local — {url}", "value": "1"}]
    reply = await (await fake.slash("feeds remove", {"feed": "1"})).answer()
    assert reply.ephemeral and reply.content == "Removed feed `1`: The Elspeth Gazette: Local \\(Elspeth Gazette\\)."
    assert Subscriptions(bot.service, server=fake.guild_id).list() == []
    missing = await (await fake.slash("feeds remove", {"feed": "1"})).answer()
    assert missing.ephemeral and missing.content == "no feed has the id 1 \\(see `newsbot feeds list`\\)"


@async_test
async def test_the_background_poller_adds_new_entries_and_only_logs(
    fake: FakeDiscord, clean_env: Path, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    running = await start(fake, settings_for(clean_env, feed_poll_minutes=0.005))  # every 0.3 s
    try:
        cog = cog_of(running)
        assert cog.poller.is_running()
        url = publish_first_edition(site)
        await (await fake.slash("feeds add", {"url": url, "outlet": OUTLET})).followup(timeout=15)
        subscriptions = Subscriptions(running.service, server=fake.guild_id)
        await fake.wait_for(
            lambda: subscriptions.get(1).added == 3, timeout=20, description="the poller to add the three entries"
        )
        answer = await asyncio.to_thread(
            running.service.ask, "What did the Port Elspeth harbour authority approve?", server=fake.guild_id
        )
        assert answer.quotes[0].text == LIGHTHOUSE[0] and answer.quotes[0].source == OUTLET
        assert any("Polled 1 feed: 3 added" in r.getMessage() for r in caplog.records)
        assert fake.bot_messages_in(fake.channel_id) == []  # the poller posts nothing
    finally:
        await stop(fake, running)
    assert not cog.poller.is_running()  # cancelled when the cog is unloaded at close


@async_test
async def test_the_feeds_commands_are_for_moderators_in_servers_only(fake: FakeDiscord, clean_env: Path) -> None:
    running = await start(fake, settings_for(clean_env, dev_guild_id=fake.guild_id))
    try:
        commands = {c["name"]: c for c in fake.registered_commands(fake.guild_id)}
        assert commands["feeds"]["default_member_permissions"] == str(1 << 13)  # Manage Messages
        assert {o["name"] for o in commands["feeds"]["options"]} == {"add", "alert", "remove", "list"}
        assert commands["feeds"]["contexts"] == [0]  # guild only: not in direct messages
    finally:
        await stop(fake, running)
