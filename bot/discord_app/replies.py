"""Shared pieces of the Discord glue: limits, safe replies, who did it, and the moderator check."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.core.config import Settings
from bot.core.shorten import clip

__all__ = [
    "CONTENT_LIMIT",
    "EMBED_DESCRIPTION_LIMIT",
    "EMBED_TITLE_LIMIT",
    "ModeratorOnly",
    "actor",
    "embed_url",
    "clip",
    "is_moderator",
    "require_moderator",
    "send",
]

log = logging.getLogger(__name__)

CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
EMBED_URL_LIMIT = 2048
NO_PINGS = discord.AllowedMentions.none()


def embed_url(url: str | None) -> str | None:
    """``url`` if Discord takes it as an embed's link (http or https, at most 2,048 characters), else None."""
    if url is None or len(url) > EMBED_URL_LIMIT or not url.lower().startswith(("http://", "https://")):
        return None
    return url


def actor(user: discord.abc.User) -> str:
    """How a change is attributed in the store's log."""
    return f"discord:{user.id} ({user.name})"


def is_moderator(user: discord.abc.User | discord.Member, settings: Settings) -> bool:
    """Manage Messages in the guild, or one of NEWSBOT_MODERATOR_ROLE_IDS. Checked in code on every change."""
    if not isinstance(user, discord.Member):
        return False
    if user.guild_permissions.manage_messages:
        return True
    wanted = set(settings.moderator_role_ids)
    return any(role.id in wanted for role in user.roles)


class ModeratorOnly(app_commands.CheckFailure):
    """A refused change; its message says why (the tree's error handler shows it ephemerally)."""


def require_moderator(interaction: discord.Interaction[Any], settings: Settings) -> None:
    """Raise :class:`ModeratorOnly` (shown to the user ephemerally) unless the user is a moderator."""
    if interaction.guild is None:
        raise ModeratorOnly("the corpus can only be changed from a server, not in direct messages")
    if not is_moderator(interaction.user, settings):
        raise ModeratorOnly(
            "only moderators can change the corpus: you need the Manage Messages permission or a moderator role"
        )


async def send(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    ephemeral: bool = False,
    **kwargs: Any,
) -> None:
    """Answer an interaction whether or not it was answered (or deferred) already; never pings anyone."""
    if content is not None:
        kwargs["content"] = clip(content, CONTENT_LIMIT)
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=ephemeral, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)


def command_error_message(error: app_commands.AppCommandError) -> str | None:
    """A message fit for the user for an expected error, or None for a bug."""
    from bot.core.errors import NewsBotError

    original = getattr(error, "original", error)
    if isinstance(original, NewsBotError):
        return str(original)
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"You're asking quickly: try again in {error.retry_after:.0f} s."
    if isinstance(error, ModeratorOnly):
        return str(error)
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server, not in direct messages."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None
