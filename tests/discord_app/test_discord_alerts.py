"""New-coverage alerts end to end: ``/feeds add url: channel: topic:`` against the fake Discord (which enforces the
bot's permissions in each channel), a feed served on 127.0.0.1, and the background poller posting each new article
once, without pings."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.discord_app.test_discord_feeds import cog_of, start
from tests.fakediscord import FakeDiscord
from tests.fakediscord.world import discord
from tests.helpers import deadline_test, stop_newsbot

# isort: split
from bot.core.config import Settings, load_settings
from bot.intake.ingest import fetch_policy
from tests.feeds.test_subscriptions import OUTLET, Site, publish_first_edition

async_test = deadline_test(60.0)


def settings_for(data_dir: Path, **extra: Any) -> Settings:
    """Polls every 0.3 s unless told otherwise; the test server is on 127.0.0.1."""
    return load_settings(data_dir=data_dir, allow_private_urls=True, **{"feed_poll_minutes": 0.005, **extra})


def post(site: Site, path: str, title: str, date: str = "5 Mar 2024") -> dict[str, Any]:
    """An alert's message as Discord stores it: an embed of the headline linked to the article, outlet and date."""
    return {
        "flags": 0,
        "color": 5793266,
        "type": "rich",
        "title": title,
        "url": site.url(path),
        "description": f"**{OUTLET}** · {date}\nNew in the feed The Elspeth Gazette: Local",
    }


POSTS = [
    ("/news/lighthouse", "Port Elspeth approves lighthouse"),
    ("/news/library", "Glenmoor library reopens"),
    ("/news/ferry", "Ferry timetable changes at Inish Mor"),
]


@async_test
async def test_each_new_article_is_posted_once_without_pings(fake: FakeDiscord, clean_env: Path, site: Site) -> None:
    bot = await start(fake, settings_for(clean_env))
    try:
        news = fake.channels[fake.other_channel_id]
        url = publish_first_edition(site)
        ix = await fake.slash("feeds add", {"url": url, "outlet": OUTLET, "channel": news})
        await ix.callback()
        confirmation = await ix.followup(timeout=15)
        assert confirmation.ephemeral
        assert confirmation.content.split("\n")[1] == (
            f"From now on, each of its new articles will be posted in <#{news.id}> (headline, outlet, date and link)."
        )
        await fake.wait_for(lambda: len(fake.bot_messages_in(news.id)) == 3, timeout=30, description="three posts")
        rounds = cog_of(bot).rounds
        await fake.wait_for(lambda: cog_of(bot).rounds >= rounds + 3, timeout=30, description="three more polls")
        messages = fake.bot_messages_in(news.id)
        assert [m["embeds"] for m in messages] == [[post(site, path, title)] for path, title in POSTS]
        requests = fake.requests_to("POST", f"/channels/{news.id}/messages")
        assert len(requests) == 3 and all(r.json["allowed_mentions"] == {"parse": []} for r in requests)
        assert fake.bot_messages_in(fake.channel_id) == []  # nowhere else
        listing = await (await fake.slash("feeds list", {})).answer()
        assert listing.embeds[0]["fields"] == [
            {"name": "Alerts", "value": f"feed `1` posts its new articles in <#{news.id}>", "inline": False}
        ]
        posted = bot.service.alert_posts(1)
        assert sorted((status, message) for _, _, status, message, _ in posted) == sorted(
            ("posted", int(m["id"])) for m in messages
        )
    finally:
        await stop_newsbot(fake, bot)


@async_test
async def test_with_a_topic_only_the_articles_on_it_are_posted(fake: FakeDiscord, clean_env: Path, site: Site) -> None:
    bot = await start(fake, settings_for(clean_env))
    try:
        news = fake.channels[fake.other_channel_id]
        url = publish_first_edition(site)
        ix = await fake.slash("feeds add", {"url": url, "channel": news, "topic": "harbour lighthouse"})
        await ix.callback()
        assert (await ix.followup(timeout=15)).content.split("\n")[1] == (
            f"From now on, its new articles on “harbour lighthouse” will be posted in <#{news.id}> (headline, "
            "outlet, date and link)."
        )
        await fake.wait_for(
            lambda: sorted(p[2] for p in bot.service.alert_posts(1)) == ["off-topic", "off-topic", "posted"],
            timeout=30,
            description="the three articles judged, the one on the topic posted",
        )
        (message,) = fake.bot_messages_in(news.id)
        assert message["embeds"][0]["title"] == "Port Elspeth approves lighthouse"
        assert message["embeds"][0]["description"].endswith("· on “harbour lighthouse”")
        assert sorted(status for _, _, status, _, _ in bot.service.alert_posts(1)) == [
            "off-topic",
            "off-topic",
            "posted",
        ]
    finally:
        await stop_newsbot(fake, bot)


@async_test
async def test_an_alert_where_the_bot_cannot_post_is_refused_privately(
    fake: FakeDiscord, clean_env: Path, site: Site
) -> None:
    news = fake.channels[fake.other_channel_id]
    fake.set_overwrite(news, fake.bot_role, deny=discord.Permissions(send_messages=True, embed_links=True))
    bot = await start(fake, settings_for(clean_env))
    try:
        url = publish_first_edition(site)
        ix = await fake.slash("feeds add", {"url": url, "channel": news})
        await ix.callback()
        refused = await ix.followup(timeout=15)
        assert refused.ephemeral and refused.content == (
            f"I can't post alerts in <#{news.id}>: I lack Send Messages and Embed Links there. Give me that in the "
            "channel's settings, or choose another channel; nothing was changed."
        )
        assert bot.service.feeds(server=fake.guild_id) == [] and site.hits == {}
        topic_alone = await fake.slash("feeds add", {"url": url, "topic": "lighthouse"})
        await topic_alone.callback()
        assert (await topic_alone.followup(timeout=15)).content == (
            "topic: only with channel: the topic says which of the feed's new articles are posted"
        )
    finally:
        await stop_newsbot(fake, bot)


@async_test
async def test_a_permission_taken_away_later_fails_the_post_and_is_recorded(
    fake: FakeDiscord, clean_env: Path, site: Site
) -> None:
    """The bot's cache still says it may embed links (no CHANNEL_UPDATE reached it): the fake, like Discord,
    refuses the post (403), and the failure is recorded rather than retried or posted elsewhere."""
    bot = await start(fake, settings_for(clean_env, feed_poll_minutes=60))
    try:
        news = fake.channels[fake.other_channel_id]
        url = publish_first_edition(site)
        await (await fake.slash("feeds add", {"url": url, "channel": news})).followup(timeout=15)
        fake.set_overwrite(news, fake.bot_role, deny=discord.Permissions(embed_links=True))
        cog = cog_of(bot)
        # One round now (the poller's next is an hour away: the lease says the feeds were polled at the start).
        await cog.everywhere.poll(policy=fetch_policy(bot.settings), every_server=True)
        await cog.alerts.collect()
        await asyncio.wait_for(cog.alerts.queue.join(), 15)
        assert fake.bot_messages_in(news.id) == []
        details = {detail for _, _, status, _, detail in bot.service.alert_posts(1) if status == "failed"}
        assert details == {"Discord refused the post in #news: Missing Permissions"}
    finally:
        await stop_newsbot(fake, bot)
