"""``/corpus log`` shows who set, changed and turned off a feed's alert in Discord (``/feeds add channel: topic:``,
``/feeds alert``), with the channel as Discord links it and the topic; on both backends."""

from __future__ import annotations

from pathlib import Path

from bot.present.style import DISCORD
from tests.discord_app.test_discord_alerts import async_test, reply_to, settings_for
from tests.discord_app.test_discord_feeds import start
from tests.fakediscord import FakeDiscord
from tests.feeds.test_subscriptions import OUTLET, Site, publish_first_edition
from tests.helpers import stop_newsbot


@async_test
async def test_corpus_log_shows_the_alert_changes_made_in_discord(
    store_backend: str, fake: FakeDiscord, clean_env: Path, site: Site
) -> None:
    general, news = fake.channels[fake.channel_id], fake.channels[fake.other_channel_id]
    bot = await start(fake, settings_for(clean_env, feed_poll_minutes=60))
    try:
        url = publish_first_edition(site)
        options = {"url": url, "outlet": OUTLET, "channel": news, "topic": "harbour lighthouse"}
        await (await fake.slash("feeds add", options)).followup(timeout=15)
        assert (await reply_to(fake, {"feed": "1", "channel": general})).startswith("Feed `1`: from now on")
        member = await fake.slash("feeds alert", {"feed": "1", "off": True}, user=fake.member)
        assert (await member.answer()).content.startswith("only moderators")  # refused: not logged
        assert (await reply_to(fake, {"feed": "1", "off": True})).endswith("(its alert is off).")

        log = await fake.slash("corpus log", {})
        await log.callback()
        (embed,) = (await log.followup(timeout=15)).embeds
        lines = [line.split("  ", 1)[1] for line in embed["description"].splitlines()]
        where, who = f"server {fake.guild_id} (Fake Guild)", DISCORD.escape(f"discord:{fake.owner.id} (alice)")
        feed = f"feed 1: {OUTLET} ({DISCORD.escape(url)})"
        assert lines[:4] == [
            f"{where}  {who}  alert-off {feed}: no longer posts its new articles in <#{general.id}>",
            f"{where}  {who}  alert {feed}: posts its new articles in <#{general.id}>",
            f"{where}  {who}  alert {feed}: posts its new articles in <#{news.id}>, only those on “harbour lighthouse”",
            f"{where}  {who}  subscribe {feed}",
        ]
        assert len(lines) == 4  # this server changed nothing else (the seeding is the default collection's)
    finally:
        await stop_newsbot(fake, bot)
