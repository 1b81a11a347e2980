"""Posting new-coverage alerts into Discord channels: the sink the feed dispatcher (:mod:`bot.feeds.alerts`) posts
through, and the permission check made when an alert is set and again before every post.

The bot's permissions in a channel are discord.py's ``channel.permissions_for(me)``: computed from its roles and the
channel's overwrites, from the bot's own copy of the server. A post needs View Channel, Send Messages (Send
Messages in Threads in a thread) and Embed Links. Posts never ping (mentions disabled, text escaped) and go out one
at a time (the dispatcher's queue); discord.py waits out any 429 Discord answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.core.errors import AlertUndeliverable
from bot.discord_app.replies import NO_PINGS, embed_url
from bot.feeds.alerts import NewCoverage
from bot.present.alerts import render_alert_post
from bot.present.style import DISCORD

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["ChannelSink", "missing_permissions"]


def missing_permissions(channel: discord.abc.GuildChannel | discord.Thread, me: discord.Member) -> list[str]:
    """What the bot lacks to post an alert in ``channel`` (names as Discord's settings show them); [] if nothing."""
    have = channel.permissions_for(me)
    send = ("Send Messages in Threads", have.send_messages_in_threads)
    if not isinstance(channel, discord.Thread):
        send = ("Send Messages", have.send_messages)
    needed = [("View Channel", have.view_channel), send, ("Embed Links", have.embed_links)]
    return [name for name, ok in needed if not ok]


class ChannelSink:
    """Posts an alert into its channel, after checking (from the bot's cache) that it may."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    def _channel(self, item: NewCoverage) -> discord.abc.GuildChannel | discord.Thread:
        alert = item.pending.alert
        channel = self.bot.get_channel(alert.channel_id)
        if not isinstance(channel, (discord.abc.GuildChannel, discord.Thread)) or not isinstance(
            channel, discord.abc.Messageable
        ):
            raise AlertUndeliverable(f"channel {alert.channel_id} is not a server text channel the bot can see")
        if alert.server_id and self.bot.service.reads(channel.guild.id) != alert.server_id:
            raise AlertUndeliverable(f"channel {alert.channel_id} is not in the server whose feed this is")
        return channel

    async def post(self, item: NewCoverage) -> int:
        channel = self._channel(item)
        me = channel.guild.me
        missing = missing_permissions(channel, me) if me is not None else ["View Channel"]
        if missing:
            raise AlertUndeliverable(f"the bot lacks {', '.join(missing)} in #{channel.name}")
        alert = item.pending.alert
        post = render_alert_post(item.article, alert, item.pending.feed_name, DISCORD)
        embed = discord.Embed(title=post.title, url=embed_url(post.url), description=post.text)
        embed.colour = discord.Colour.blurple()
        messageable: Any = channel
        try:
            message = await messageable.send(embed=embed, allowed_mentions=NO_PINGS)
        except discord.Forbidden as exc:
            raise AlertUndeliverable(f"Discord refused the post in #{channel.name}: {exc.text}") from None
        except discord.NotFound:
            raise AlertUndeliverable(f"channel {alert.channel_id} no longer exists") from None
        return int(message.id)
