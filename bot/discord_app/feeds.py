"""``/feeds``: moderators subscribe RSS and Atom feeds, and a background poller adds their new entries.

Moderators only, exactly like ``/corpus``: hidden from others by default permissions and checked again in code on
every command. Confirmations are ephemeral. The poller runs every ``NEWSBOT_FEED_POLL_MINUTES`` (first when the
bot is ready), in one of the processes that share the store (:class:`bot.feeds.schedule.OncePerPeriod`), and logs
what it added, skipped or failed and why. A feed added with ``channel:`` has an alert: after every poll, the
articles such feeds added are posted into their channel, one at a time (:mod:`bot.feeds.alerts`, through
:class:`bot.discord_app.alerts.ChannelSink`); ``/feeds alert`` changes where and on what topic, or turns it off.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.core.errors import InvalidInput
from bot.discord_app.alerts import ChannelSink, missing_permissions
from bot.discord_app.replies import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_LIMIT,
    acknowledge,
    actor,
    clip,
    guild_of,
    is_moderator,
    require_moderator,
    send,
    within_budget,
)
from bot.feeds.alerts import AlertDispatcher
from bot.feeds.schedule import OncePerPeriod
from bot.feeds.subscriptions import Subscriptions
from bot.intake.ingest import fetch_policy
from bot.present.alerts import (
    render_alert_changed,
    render_alert_lines,
    render_alert_off,
    render_alert_refused,
    render_alert_set,
)
from bot.present.feeds import describe_poll, feed_choice, render_feed_digest, render_subscribed, render_unsubscribed
from bot.present.notices import render_count
from bot.present.style import DISCORD

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["FeedsCog"]

log = logging.getLogger("newsbot.feeds")


@app_commands.default_permissions(manage_messages=True)
@app_commands.guild_only()
class FeedsCog(commands.GroupCog, group_name="feeds", group_description="Moderators: subscribe to news feeds"):
    """Moderator commands over :class:`Subscriptions`, and the poller that runs them on an interval."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.everywhere = Subscriptions(bot.service)  # the poller's: every feed whose coverage is read
        self.schedule = OncePerPeriod(bot.service, "feed-poll", bot.settings.feed_poll_minutes * 60)
        self.rounds = 0  # polls this process finished since the cog was loaded (tests and health checks wait on it)
        self.alerts = AlertDispatcher(bot.service, ChannelSink(bot))
        self._posting: asyncio.Task[None] | None = None
        super().__init__()

    async def cog_load(self) -> None:
        if not self.bot.background_tasks:  # a bot built only to compute the command payload
            return
        self.poller.change_interval(seconds=self.schedule.tick)
        self.poller.start()
        self._posting = asyncio.create_task(self.alerts.run(), name="newsbot-alerts")

    async def cog_unload(self) -> None:
        """Stop the poller and the alert poster and wait until both have stopped, so that a closed bot leaves no
        task of ours running (a poll cut short is retried on a later tick, a post cut short is taken over once its
        claim expires)."""
        stopping = [task for task in (self.poller.get_task(), self._posting) if task is not None]
        self.poller.cancel()
        if self._posting is not None:
            self._posting.cancel()
        await asyncio.gather(*stopping, return_exceptions=True)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        require_moderator(interaction, self.bot.settings)
        return True

    def subscriptions_of(self, interaction: discord.Interaction[Any]) -> Subscriptions:
        """The feeds of the server the interaction comes from (its coverage's, or in shared mode the default
        collection's): a feed id of another server is not found here."""
        return Subscriptions(self.bot.service, server=guild_of(interaction))

    # --- the poller ------------------------------------------------------------------------------------------

    @tasks.loop(minutes=1.0)
    async def poller(self) -> None:
        """One poll of every feed when it is due and no other process polls them (the outcome goes to the log,
        never to a channel), then the alerts of what any process's polls added."""
        polled = True
        try:
            polled, report = await self.schedule.run(
                lambda: self.everywhere.poll(policy=fetch_policy(self.bot.settings), every_server=True)
            )
        except Exception:  # a bug or the store unavailable must not stop the loop: the next tick may work
            log.exception("polling the feeds failed")
        else:
            if not polled:
                log.debug("the feeds are not due, or another process polls them")
            elif report is not None and report.feeds:
                log.info("%s", describe_poll(report)[-1])
            else:
                log.debug("no feeds to poll")
        try:
            await self.alerts.collect()  # what any process's polls added for a feed with an alert
        except Exception:
            log.exception("collecting the alerts failed")
        finally:
            if polled:
                self.rounds += 1

    @poller.before_loop
    async def _before_poll(self) -> None:
        await self.bot.wait_until_ready()

    # --- commands --------------------------------------------------------------------------------------------

    async def _cannot_post_in(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel, server: int
    ) -> bool:
        """True (said privately) when the bot lacks what an alert needs in ``channel``; InvalidInput when the
        channel is another server's."""
        if channel.guild.id != server:
            raise InvalidInput("channel: choose a channel of this server")
        missing = missing_permissions(channel, channel.guild.me)
        if missing:
            await send(interaction, render_alert_refused(channel.mention, missing), ephemeral=True)
        return bool(missing)

    @app_commands.command(name="add")
    @app_commands.describe(
        url="The feed's address (RSS or Atom)",
        outlet="The outlet its articles are credited to (default: the feed's title)",
        channel="Post each new article of this feed in this channel",
        topic="With channel: only the new articles on this topic",
    )
    async def add(
        self,
        interaction: discord.Interaction[Any],
        url: app_commands.Range[str, 8, 2000],
        outlet: app_commands.Range[str, 1, 100] | None = None,
        channel: discord.TextChannel | None = None,
        topic: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        """Subscribe to an RSS or Atom feed: its new entries are added at every poll (and posted, with channel)."""
        await acknowledge(interaction, ephemeral=True)
        service, server = self.bot.service, guild_of(interaction)
        if topic is not None and channel is None:
            raise InvalidInput("topic: only with channel: the topic says which of the feed's new articles are posted")
        if channel is not None:
            if await self._cannot_post_in(interaction, channel, server):
                return
            topic = await asyncio.to_thread(service.check_alert_topic, topic)  # before subscribing: all or nothing
        feed = await self.subscriptions_of(interaction).add(
            url, policy=fetch_policy(self.bot.settings), actor=actor(interaction.user), outlet=outlet
        )
        minutes = self.bot.settings.feed_poll_minutes
        text = render_subscribed(feed, DISCORD, poll_minutes=minutes)
        if channel is not None:
            who = actor(interaction.user)
            await asyncio.to_thread(service.set_alert, feed, channel.id, topic, actor=who, server=server)
            text += "\n" + render_alert_set(channel.mention, topic, DISCORD)
        await send(interaction, text, ephemeral=True)

    @app_commands.command(name="alert")
    @app_commands.describe(
        feed="The feed whose alert to change (start typing its title, outlet or URL)",
        channel="Post its new articles in this channel (default: the alert's current channel)",
        topic="Only the new articles on this topic (default: every new article)",
        off="True: the feed posts nothing from now on",
    )
    async def alert(
        self,
        interaction: discord.Interaction[Any],
        feed: app_commands.Range[str, 1, 2000],
        channel: discord.TextChannel | None = None,
        topic: app_commands.Range[str, 1, 200] | None = None,
        off: bool = False,
    ) -> None:
        """Change where and on what topic a feed posts its new articles, or turn its alert off."""
        await acknowledge(interaction, ephemeral=True)
        service, server = self.bot.service, guild_of(interaction)
        if off and (channel is not None or topic is not None):
            raise InvalidInput("off: alone: with off: the feed posts nothing, so channel: and topic: say nothing")
        if not off and channel is None and topic is None:
            raise InvalidInput("channel: or topic: say where and what the feed posts (or off: True turns it off)")
        record = await asyncio.to_thread(self.subscriptions_of(interaction).get, feed)
        if off:
            who = actor(interaction.user)
            had = await asyncio.to_thread(service.remove_alert, record, actor=who, server=server)
            await send(interaction, render_alert_off(record.id, had, DISCORD), ephemeral=True)
            return
        if channel is None:
            current = await asyncio.to_thread(service.alert_of, record)
            if current is None:
                raise InvalidInput(f"channel: feed {record.id} has no alert yet: choose the channel to post in")
            found = self.bot.get_channel(current.channel_id)
            if not isinstance(found, discord.TextChannel):
                raise InvalidInput(f"channel: the alert's channel {current.channel_id} is gone: choose another")
            channel = found
        if await self._cannot_post_in(interaction, channel, server):
            return
        kept = await asyncio.to_thread(service.check_alert_topic, topic)
        who = actor(interaction.user)
        await asyncio.to_thread(service.set_alert, record, channel.id, kept, actor=who, server=server)
        await send(interaction, render_alert_changed(record.id, channel.mention, kept, DISCORD), ephemeral=True)

    @alert.autocomplete("feed")
    async def alert_feed_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._feed_choices(interaction, current)

    @app_commands.command(name="remove")
    @app_commands.describe(feed="The feed to remove (start typing its title, outlet or URL)")
    async def remove(self, interaction: discord.Interaction[Any], feed: app_commands.Range[str, 1, 2000]) -> None:
        """Unsubscribe a feed. The articles it added stay in the coverage."""
        await acknowledge(interaction, ephemeral=True)
        subscriptions = self.subscriptions_of(interaction)
        removed = await asyncio.to_thread(subscriptions.remove, feed, actor=actor(interaction.user))
        await send(interaction, render_unsubscribed(removed, DISCORD), ephemeral=True)

    @remove.autocomplete("feed")
    async def feed_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._feed_choices(interaction, current)

    async def _feed_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """This server's feeds matching what the moderator typed, 25 at most (Discord's limit)."""
        if interaction.guild_id is None or not is_moderator(interaction.user, self.bot.settings, interaction.guild_id):
            return []  # autocomplete does not go through interaction_check
        found = await within_budget(asyncio.to_thread(self.subscriptions_of(interaction).find, current, 25), [])
        return [app_commands.Choice(name=feed_choice(f), value=str(f.id)) for f in found]

    @app_commands.command(name="list")
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        """The subscribed feeds, what their entries became, and their last poll."""
        await acknowledge(interaction, ephemeral=True)
        records = await asyncio.to_thread(self.subscriptions_of(interaction).list)
        alerts = await asyncio.to_thread(self.bot.service.alerts, server=guild_of(interaction))
        text = render_feed_digest(records, DISCORD, max_chars=EMBED_DESCRIPTION_LIMIT - 200)
        embed = discord.Embed(title=render_count(len(records), "feed"), description=text)
        if alerts:
            lines = render_alert_lines(alerts, DISCORD, lambda channel: f"<#{channel}>")
            embed.add_field(name="Alerts", value=clip("\n".join(lines), EMBED_FIELD_LIMIT), inline=False)
        await send(interaction, embed=embed, ephemeral=True)
