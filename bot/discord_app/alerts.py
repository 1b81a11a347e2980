"""Posting new-coverage alerts into Discord channels: the sink the feed dispatcher (:mod:`bot.feeds.alerts`) posts
through, and the permission check made when an alert is set and again before every post.

The bot's permissions in a channel are discord.py's ``channel.permissions_for(me)``: computed from its roles and the
channel's overwrites, from the bot's own copy of the server. A post needs View Channel, Send Messages (Send
Messages in Threads in a thread) and Embed Links. Posts never ping (mentions disabled, text escaped) and go out one
at a time (the dispatcher's queue); discord.py keeps to the channel's rate limit headers and waits out any 429.

Every post request carries the post's nonce with ``enforce_nonce`` (discord.py sets it with a nonce): "If another
message was created by the same author with the same nonce, that message will be returned and no new message will
be created", checked "in the past few minutes" (Discord's Create Message). A retried post (a process died after
sending it) therefore returns the message the first attempt made. Discord does not say how many minutes: when the
first attempt is older than ``NONCE_WINDOW_S``, the sink first looks for that message in the channel's history
since then (which needs Read Message History), and posts only if it is not there.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.core.errors import AlertUndeliverable
from bot.discord_app.replies import NO_PINGS, embed_url
from bot.feeds.alerts import NewCoverage
from bot.present.alerts import render_alert_post
from bot.present.style import DISCORD

UNKNOWN_CHANNEL = 10003  # Discord's error code

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["NONCE_WINDOW_S", "ChannelSink", "missing_permissions"]

NONCE_WINDOW_S = 60.0  # how long a nonce is taken to return its message ("a few minutes": at least one, we assume)
HISTORY_MARGIN_S = 60.0  # how far before the first attempt the history is read (the hosts' clocks differ)
HISTORY_LIMIT = 1000  # messages read at most to find an earlier attempt's post


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

    def __init__(self, bot: NewsBot, *, nonce_window: float = NONCE_WINDOW_S) -> None:
        self.bot = bot
        self.nonce_window = nonce_window

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
        earlier = item.earlier_attempt_at
        if earlier is not None and time.time() - earlier > self.nonce_window:
            found = await self._posted_since(channel, me, embed, earlier)
            if found is not None:
                return found
        messageable: Any = channel
        try:
            message = await messageable.send(embed=embed, allowed_mentions=NO_PINGS, nonce=item.pending.nonce)
        except discord.Forbidden as exc:
            raise AlertUndeliverable(f"Discord refused the post in #{channel.name}: {exc.text}") from None
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_CHANNEL:
                raise AlertUndeliverable(f"channel {alert.channel_id} no longer exists") from None
            # The nonce of a message deleted shortly before: an earlier attempt posted it, and someone removed it.
            raise AlertUndeliverable(f"it was posted in #{channel.name} and deleted there since") from None
        return int(message.id)

    async def _posted_since(
        self, channel: discord.abc.GuildChannel | discord.Thread, me: Any, embed: discord.Embed, since: float
    ) -> int | None:
        """The message an earlier attempt (first sent at ``since``, Unix seconds) posted, if the channel holds
        it: the bot's own, with this embed's headline and link. AlertUndeliverable when it cannot be known."""
        elapsed = time.time() - since
        ago = f"{elapsed:.0f} seconds ago" if elapsed < 120 else f"{elapsed / 60:.0f} minutes ago"
        if not channel.permissions_for(me).read_message_history:
            raise AlertUndeliverable(
                f"an attempt at this post was made {ago}, and the bot lacks Read Message History in #{channel.name} "
                "to see whether it went through; not posted again, to avoid posting it twice"
            )
        after = discord.Object(discord.utils.time_snowflake(datetime.fromtimestamp(since - HISTORY_MARGIN_S, UTC)))
        messageable: Any = channel
        read = 0
        async for message in messageable.history(limit=HISTORY_LIMIT, after=after, oldest_first=True):
            read += 1
            same = any(e.title == embed.title and e.url == embed.url for e in message.embeds)
            if message.author.id == me.id and same:
                return int(message.id)
        if read >= HISTORY_LIMIT:
            raise AlertUndeliverable(
                f"an attempt at this post was made {ago}, and #{channel.name} has more than {HISTORY_LIMIT} messages "
                "since, too many to see whether it went through; not posted again, to avoid posting it twice"
            )
        return None
