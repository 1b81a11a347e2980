"""New-coverage alerts end to end: ``/feeds add url: channel: topic:`` against the fake Discord (which enforces the
bot's permissions in each channel), a feed served on 127.0.0.1, and the background poller posting each new article
once, without pings."""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path
from typing import Any

from tests.discord_app.test_discord_feeds import cog_of, start
from tests.fakediscord import FakeDiscord
from tests.fakediscord.world import discord
from tests.helpers import deadline_test, stop_newsbot

# isort: split
from bot.core.config import Settings, load_settings
from bot.discord_app.alerts import ChannelSink
from bot.feeds.alerts import AlertDispatcher, NewCoverage
from bot.intake.ingest import fetch_policy
from tests.feeds.test_alerts import collected
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


class DiesAfterPosting:
    """Posts through the real sink, then never records it: the process is killed after Discord created the
    message and before the store heard of it."""

    def __init__(self, sink: ChannelSink) -> None:
        self.sink = sink
        self.made: list[int] = []

    async def post(self, item: NewCoverage) -> int:
        self.made.append(await self.sink.post(item))
        await asyncio.Event().wait()  # killed here
        raise AssertionError("unreachable")


async def die_after_the_first_post(fake: FakeDiscord, bot: Any, site: Site) -> tuple[int, DiesAfterPosting]:
    """Subscribe with an alert, poll (three new articles), and let a dispatcher claim all three, post the first
    and be killed; what it claimed is left claimed. Returns the channel and the dying sink."""
    news = fake.channels[fake.other_channel_id]
    url = publish_first_edition(site)
    await (await fake.slash("feeds add", {"url": url, "outlet": OUTLET, "channel": news})).followup(timeout=15)
    await cog_of(bot).everywhere.poll(policy=fetch_policy(bot.settings), every_server=True)
    dying_sink = DiesAfterPosting(ChannelSink(bot))
    dying = AlertDispatcher(bot.service, dying_sink, holder="dying:1", claim_ttl=0.1)
    assert await dying.collect() == 3
    worker = asyncio.create_task(dying.run())
    await fake.wait_for(lambda: len(dying_sink.made) == 1, timeout=15, description="the first post made")
    worker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await worker
    assert [status for _, _, status, _, _ in bot.service.alert_posts(1)] == ["claimed"] * 3
    return news.id, dying_sink


async def take_over(bot: Any, sink: ChannelSink) -> AlertDispatcher:
    """Another process's dispatcher takes the three expired claims over and posts them."""
    survivor = AlertDispatcher(bot.service, sink, holder="survivor:2")
    assert await collected(survivor, 3) == 3
    while not survivor.queue.empty():
        await survivor.deliver(survivor.queue.get_nowait())
    return survivor


@async_test
async def test_a_post_retried_after_a_crash_is_the_same_message(fake: FakeDiscord, clean_env: Path, site: Site) -> None:
    """Another process takes the expired claims over; the post the dead one made is retried with the same nonce,
    and Discord (the fake enforces its rule) returns that message instead of posting it twice."""
    bot = await start(fake, settings_for(clean_env, feed_poll_minutes=60))
    try:
        channel, dying = await die_after_the_first_post(fake, bot, site)
        survivor = await take_over(bot, ChannelSink(bot))
        messages = fake.bot_messages_in(channel)
        assert [m["embeds"] for m in messages] == [[post(site, path, title)] for path, title in POSTS]
        requests = fake.requests_to("POST", f"/channels/{channel}/messages")
        nonces = [r.json["nonce"] for r in requests]
        assert len(requests) == 4 and nonces[0] == nonces[1] and len(set(nonces)) == 3  # the retry first
        assert all(r.json["enforce_nonce"] is True for r in requests)
        assert int(messages[0]["id"]) == dying.made[0]
        assert sorted((status, message) for _, _, status, message, _ in bot.service.alert_posts(1)) == sorted(
            ("posted", int(m["id"])) for m in messages
        )
        assert await survivor.collect() == 0
    finally:
        await stop_newsbot(fake, bot)


@async_test
async def test_a_crashed_post_older_than_the_nonce_window_is_looked_for_first(
    fake: FakeDiscord, clean_env: Path, site: Site
) -> None:
    """Past Discord's nonce window (shortened to nothing here, on both sides), the survivor looks for the dead
    process's post in the channel and records it rather than posting again; where it may not read the channel's
    history, it does not post it again and says why."""
    bot = await start(fake, settings_for(clean_env, feed_poll_minutes=60))
    try:
        channel, dying = await die_after_the_first_post(fake, bot, site)
        fake.nonce_window = 0.0
        await take_over(bot, ChannelSink(bot, nonce_window=0.0))
        messages = fake.bot_messages_in(channel)
        assert [m["embeds"][0]["title"] for m in messages] == [title for _, title in POSTS]
        assert len(fake.requests_to("POST", f"/channels/{channel}/messages")) == 3  # the first was not sent again
        assert len(fake.requests_to("GET", f"/channels/{channel}/messages")) == 1
        posted = [(status, message) for _, _, status, message, _ in bot.service.alert_posts(1)]
        assert sorted(posted) == sorted(("posted", int(m["id"])) for m in messages)
        assert ("posted", dying.made[0]) in posted
    finally:
        await stop_newsbot(fake, bot)


@async_test
async def test_a_crashed_post_that_cannot_be_checked_is_not_posted_again(
    fake: FakeDiscord, clean_env: Path, site: Site
) -> None:
    bot = await start(fake, settings_for(clean_env, feed_poll_minutes=60))
    try:
        channel, _ = await die_after_the_first_post(fake, bot, site)
        news = fake.channels[channel]
        fake.set_overwrite(news, fake.bot_role, deny=discord.Permissions(read_message_history=True))
        await fake.dispatch("CHANNEL_UPDATE", news.to_dict(fake.guild_id))
        seen = bot.get_channel(channel)
        assert isinstance(seen, discord.TextChannel)
        await fake.wait_for(
            lambda: not seen.permissions_for(seen.guild.me).read_message_history,
            timeout=10,
            description="the bot's cache sees the overwrite",
        )
        fake.nonce_window = 0.0
        await take_over(bot, ChannelSink(bot, nonce_window=0.0))
        assert len(fake.bot_messages_in(channel)) == 3
        failed = [detail for _, _, status, _, detail in bot.service.alert_posts(1) if status == "failed"]
        assert [re.sub(r"made \d+ seconds ago", "made N seconds ago", detail) for detail in failed] == [
            "an attempt at this post was made N seconds ago, and the bot lacks Read Message History in #news to see "
            "whether it went through; not posted again, to avoid posting it twice"
        ]
    finally:
        await stop_newsbot(fake, bot)


@async_test
async def test_a_rate_limited_post_waits_and_is_posted_once(fake: FakeDiscord, clean_env: Path, site: Site) -> None:
    """Discord answers the channel's first post with a 429 (its rate limit headers and retry_after): discord.py
    waits and sends the same request again, nonce and all; each article is posted once, one request at a time."""
    bot = await start(fake, settings_for(clean_env, feed_poll_minutes=60))
    try:
        news = fake.channels[fake.other_channel_id]
        url = publish_first_edition(site)
        await (await fake.slash("feeds add", {"url": url, "outlet": OUTLET, "channel": news})).followup(timeout=15)
        fake.rate_limit("POST", f"/channels/{news.id}/messages", count=1, retry_after=0.2, bucket="alerts")
        cog = cog_of(bot)
        await cog.everywhere.poll(policy=fetch_policy(bot.settings), every_server=True)
        assert await cog.alerts.collect() == 3
        await asyncio.wait_for(cog.alerts.queue.join(), 15)
        messages = fake.bot_messages_in(news.id)
        assert [m["embeds"] for m in messages] == [[post(site, path, title)] for path, title in POSTS]
        requests = fake.requests_to("POST", f"/channels/{news.id}/messages")
        assert [r.status for r in requests] == [429, 200, 200, 200]
        assert requests[0].json == requests[1].json  # the same request again: one nonce, one message
        assert all(r.json["allowed_mentions"] == {"parse": []} for r in requests)
        assert sorted(status for _, _, status, _, _ in bot.service.alert_posts(1)) == ["posted"] * 3
    finally:
        await stop_newsbot(fake, bot)


async def reply_to(fake: FakeDiscord, options: dict[str, Any], **kwargs: Any) -> str:
    ix = await fake.slash("feeds alert", options, **kwargs)
    await ix.callback()
    reply = await ix.followup(timeout=15)
    assert reply.ephemeral
    return reply.content


@async_test
async def test_a_moderator_changes_an_alert_and_turns_it_off(fake: FakeDiscord, clean_env: Path, site: Site) -> None:
    general, news = fake.channels[fake.channel_id], fake.channels[fake.other_channel_id]
    fake.set_overwrite(general, fake.bot_role, deny=discord.Permissions(embed_links=True))
    bot = await start(fake, settings_for(clean_env, feed_poll_minutes=60))
    try:
        url = publish_first_edition(site)
        await (await fake.slash("feeds add", {"url": url, "outlet": OUTLET, "channel": news})).followup(timeout=15)
        other = bot.service.subscribe_feed("https://f.example/rss", "f.example/rss", "", "Wire", actor="t")
        choices = await (await fake.autocomplete("feeds alert", {"feed": "gazette"}, focused="feed")).choices()
        assert choices == [{"name": f"1: The Elspeth Gazette: Local — {url}", "value": "1"}]  # this server's only

        def alert() -> tuple[int, str | None] | None:
            found = [(a.channel_id, a.topic) for a in bot.service.alerts(server=fake.guild_id)]
            return found[0] if found else None

        assert await reply_to(fake, {"feed": "1", "topic": "harbour  lighthouse"}) == (
            f"Feed `1`: from now on, its new articles on “harbour lighthouse” will be posted in <#{news.id}> "
            "(headline, outlet, date and link)."
        )
        assert alert() == (news.id, "harbour lighthouse")
        assert await reply_to(fake, {"feed": "1", "channel": general}) == (
            f"I can't post alerts in <#{general.id}>: I lack Embed Links there. Give me that in the channel's "
            "settings, or choose another channel; nothing was changed."
        )
        assert alert() == (news.id, "harbour lighthouse")
        assert await reply_to(fake, {"feed": "1", "channel": news}) == (
            f"Feed `1`: from now on, each of its new articles will be posted in <#{news.id}> (headline, outlet, "
            "date and link)."
        )
        assert alert() == (news.id, None)
        assert await reply_to(fake, {"feed": "1", "topic": "the"}) == (
            "'the' has no word to search for \\(only common words like 'what' or 'the'\\): name who or what you are "
            "asking about"
        )
        assert await reply_to(fake, {"feed": "1"}) == (
            "channel: or topic: say where and what the feed posts \\(or off: True turns it off\\)"
        )
        assert await reply_to(fake, {"feed": "1", "off": True, "channel": news}) == (
            "off: alone: with off: the feed posts nothing, so channel: and topic: say nothing"
        )
        assert await reply_to(fake, {"feed": str(other)}) == (
            "channel: or topic: say where and what the feed posts \\(or off: True turns it off\\)"
        )
        assert await reply_to(fake, {"feed": str(other), "channel": news}) == (
            f"no feed has the id {other} \\(see `newsbot feeds list`\\)"
        )  # the default collection's feed is not this server's
        member = await fake.slash("feeds alert", {"feed": "1", "off": True}, user=fake.member)
        assert (await member.answer()).content.startswith("only moderators")
        assert alert() == (news.id, None)
        assert await reply_to(fake, {"feed": "1", "off": True}) == (
            "Feed `1` posts no new articles from now on (its alert is off)."
        )
        assert alert() is None
        assert await reply_to(fake, {"feed": "1", "off": True}) == "Feed `1` had no alert: nothing was changed."
        assert await reply_to(fake, {"feed": "1", "topic": "ferry"}) == (
            "channel: feed 1 has no alert yet: choose the channel to post in"
        )
        await cog_of(bot).everywhere.poll(policy=fetch_policy(bot.settings), every_server=True)
        assert await cog_of(bot).alerts.collect() == 0  # off: nothing is posted
        assert fake.bot_messages_in(news.id) == []
    finally:
        await stop_newsbot(fake, bot)


@async_test
async def test_the_posts_keep_to_the_channels_rate_limit_headers(
    fake: FakeDiscord, clean_env: Path, site: Site
) -> None:
    """The channel takes two posts a second, and says so in every answer's headers: the third alert waits for the
    window to reset instead of going past it (no 429 is ever answered), and each article is posted once."""
    bot = await start(fake, settings_for(clean_env, feed_poll_minutes=60))
    try:
        news = fake.channels[fake.other_channel_id]
        fake.limit_channel(news.id, limit=2, per=1.0)
        url = publish_first_edition(site)
        await (await fake.slash("feeds add", {"url": url, "outlet": OUTLET, "channel": news})).followup(timeout=15)
        cog = cog_of(bot)
        await cog.everywhere.poll(policy=fetch_policy(bot.settings), every_server=True)
        assert await cog.alerts.collect() == 3
        await asyncio.wait_for(cog.alerts.queue.join(), 15)
        assert [m["embeds"] for m in fake.bot_messages_in(news.id)] == [
            [post(site, path, title)] for path, title in POSTS
        ]
        requests = fake.requests_to("POST", f"/channels/{news.id}/messages")
        assert [r.status for r in requests] == [200, 200, 200] and fake.channel_limits.refused == []
    finally:
        await stop_newsbot(fake, bot)


@async_test
async def test_a_crashed_post_deleted_since_is_not_posted_again(fake: FakeDiscord, clean_env: Path, site: Site) -> None:
    """A moderator deleted the post the dead process made: the retry's nonce tells Discord's 404 (discord.py's
    NotFound), recorded as such, and the post is not made again."""
    bot = await start(fake, settings_for(clean_env, feed_poll_minutes=60))
    try:
        channel, dying = await die_after_the_first_post(fake, bot, site)
        await fake.delete_message(dying.made[0])
        await take_over(bot, ChannelSink(bot))
        assert [m["embeds"][0]["title"] for m in fake.bot_messages_in(channel)] == [t for _, t in POSTS[1:]]
        outcomes = sorted((status, detail) for _, _, status, _, detail in bot.service.alert_posts(1))
        assert outcomes == [
            ("failed", "it was posted in #news and deleted there since"),
            ("posted", ""),
            ("posted", ""),
        ]
    finally:
        await stop_newsbot(fake, bot)
