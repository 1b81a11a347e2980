"""``/feeds``: moderators subscribe RSS and Atom feeds, and a background poller adds their new entries.

Moderators only, exactly like ``/corpus``: hidden from others by default permissions and checked again in code on
every command. Confirmations are ephemeral. The poller runs every ``NEWSBOT_FEED_POLL_MINUTES`` (first when the
bot is ready), logs what it added, skipped or failed and why, and never posts anything.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.discord_app.replies import (
    EMBED_DESCRIPTION_LIMIT,
    acknowledge,
    actor,
    guild_of,
    is_moderator,
    require_moderator,
    send,
    within_budget,
)
from bot.feeds.subscriptions import Subscriptions
from bot.intake.ingest import fetch_policy
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
        self.rounds = 0  # polls finished since the cog was loaded (tests and health checks wait on it)
        super().__init__()

    async def cog_load(self) -> None:
        if not self.bot.background_tasks:  # a bot built only to compute the command payload
            return
        self.poller.change_interval(minutes=self.bot.settings.feed_poll_minutes)
        self.poller.start()

    async def cog_unload(self) -> None:
        self.poller.cancel()

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        require_moderator(interaction, self.bot.settings)
        return True

    def subscriptions_of(self, interaction: discord.Interaction[Any]) -> Subscriptions:
        """The feeds of the server the interaction comes from (its coverage's, or in shared mode the default
        collection's): a feed id of another server is not found here."""
        return Subscriptions(self.bot.service, server=guild_of(interaction))

    # --- the poller ------------------------------------------------------------------------------------------

    @tasks.loop(minutes=30.0)
    async def poller(self) -> None:
        """One poll of every feed; the outcome goes to the log, never to a channel."""
        try:
            report = await self.everywhere.poll(policy=fetch_policy(self.bot.settings), every_server=True)
        except Exception:  # a bug must not stop the loop: the next poll may work
            log.exception("polling the feeds failed")
        else:
            if report.feeds:
                log.info("%s", describe_poll(report)[-1])
            else:
                log.debug("no feeds to poll")
        finally:
            self.rounds += 1

    @poller.before_loop
    async def _before_poll(self) -> None:
        await self.bot.wait_until_ready()

    # --- commands --------------------------------------------------------------------------------------------

    @app_commands.command(name="add")
    @app_commands.describe(
        url="The feed's address (RSS or Atom)",
        outlet="The outlet its articles are credited to (default: the feed's title)",
    )
    async def add(
        self,
        interaction: discord.Interaction[Any],
        url: app_commands.Range[str, 8, 2000],
        outlet: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Subscribe to an RSS or Atom feed: its new entries are added at every poll."""
        await acknowledge(interaction, ephemeral=True)
        feed = await self.subscriptions_of(interaction).add(
            url, policy=fetch_policy(self.bot.settings), actor=actor(interaction.user), outlet=outlet
        )
        minutes = self.bot.settings.feed_poll_minutes
        await send(interaction, render_subscribed(feed, DISCORD, poll_minutes=minutes), ephemeral=True)

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
        if interaction.guild_id is None or not is_moderator(interaction.user, self.bot.settings, interaction.guild_id):
            return []  # autocomplete does not go through interaction_check
        found = await within_budget(asyncio.to_thread(self.subscriptions_of(interaction).find, current, 25), [])
        return [app_commands.Choice(name=feed_choice(f), value=str(f.id)) for f in found]

    @app_commands.command(name="list")
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        """The subscribed feeds, what their entries became, and their last poll."""
        await acknowledge(interaction, ephemeral=True)
        records = await asyncio.to_thread(self.subscriptions_of(interaction).list)
        text = render_feed_digest(records, DISCORD, max_chars=EMBED_DESCRIPTION_LIMIT - 200)
        embed = discord.Embed(title=render_count(len(records), "feed"), description=text)
        await send(interaction, embed=embed, ephemeral=True)
