"""Shared pieces of the Discord glue: limits, safe replies, who did it, and the moderator check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.core.config import Settings
from bot.core.errors import NewsBotError, PermissionDenied
from bot.core.shorten import clip
from bot.present.notices import render_error_reply, render_slow_down
from bot.present.style import DISCORD

__all__ = [
    "acknowledge",
    "report_error",
    "within_budget",
    "CHOICES_LIMIT",
    "CHOICE_TEXT_LIMIT",
    "CONTENT_LIMIT",
    "CUSTOM_ID_LIMIT",
    "EMBED_DESCRIPTION_LIMIT",
    "EMBED_FIELDS_LIMIT",
    "EMBED_FIELD_LIMIT",
    "EMBED_FIELD_NAME_LIMIT",
    "EMBED_FOOTER_LIMIT",
    "EMBED_TITLE_LIMIT",
    "EMBED_TOTAL_LIMIT",
    "EMBED_URL_LIMIT",
    "ModeratorOnly",
    "actor",
    "embed_url",
    "clip",
    "guild_of",
    "is_moderator",
    "require_moderator",
    "send",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

# Discord's limits on what a bot sends (discord/discord-api-spec, specs/openapi.json, and the developer docs where
# they are stricter: a bot's message content is 2,000 characters, an autocomplete choice's value 100).
CONTENT_LIMIT = 2000  # IncomingWebhookInteractionRequest.content (a followup); a bot's channel message likewise
EMBED_TITLE_LIMIT = 256  # RichEmbed.title
EMBED_DESCRIPTION_LIMIT = 4096  # RichEmbed.description
EMBED_FIELD_NAME_LIMIT = 256  # RichEmbedField.name
EMBED_FIELD_LIMIT = 1024  # RichEmbedField.value
EMBED_FIELDS_LIMIT = 25  # RichEmbed.fields
EMBED_FOOTER_LIMIT = 2048  # RichEmbedFooter.text
EMBED_TOTAL_LIMIT = 6000  # every embed of one message together (docs: "Embed Limits")
EMBED_URL_LIMIT = 2048  # RichEmbed.url
CUSTOM_ID_LIMIT = 100  # ButtonComponentForMessageRequest.custom_id
CHOICES_LIMIT = 25  # InteractionApplicationCommandAutocompleteCallbackStringData.choices
CHOICE_TEXT_LIMIT = 100  # ApplicationCommandOptionStringChoice.name (and a value, by the docs)
NO_PINGS = discord.AllowedMentions.none()


def embed_url(url: str | None) -> str | None:
    """``url`` if Discord takes it as an embed's link (http or https, at most 2,048 characters), else None."""
    if url is None or len(url) > EMBED_URL_LIMIT or not url.lower().startswith(("http://", "https://")):
        return None
    return url


def actor(user: discord.abc.User) -> str:
    """How a change is attributed in the store's log."""
    return f"discord:{user.id} ({user.name})"


def is_moderator(user: discord.abc.User | discord.Member, settings: Settings, guild_id: int | None = None) -> bool:
    """Manage Messages in the guild, or one of NEWSBOT_MODERATOR_ROLE_IDS. Checked in code on every change.

    Computed by discord.py from the bot's own copy of the guild (its roles, its owner), never from the permissions
    an interaction says the member has: a member of one server, in an interaction that names another
    (``guild_id``), has that other server's roles only, which are none of theirs."""
    if not isinstance(user, discord.Member):
        return False
    guild = user.guild
    if guild_id is not None and guild.id != guild_id:
        return False
    if getattr(guild, "unavailable", False):
        return False  # no roles to check against: refuse rather than trust the interaction
    if user.guild_permissions.manage_messages:
        return True
    wanted = set(settings.moderator_role_ids)
    return any(role.id in wanted and role.guild.id == guild.id for role in user.roles)


def guild_of(interaction: discord.Interaction[Any]) -> int:
    """The server an interaction comes from: the coverage a moderator's change goes to. Refuses a DM."""
    if interaction.guild_id is None:
        raise ModeratorOnly("the coverage can only be changed from a server, not in direct messages")
    return interaction.guild_id


class ModeratorOnly(app_commands.CheckFailure, PermissionDenied):
    """A refused change; its message says why (the tree's error handler shows it ephemerally). A discord.py check
    failure, so that discord.py reports it as one, and a :class:`PermissionDenied` of the one error tree."""


def require_moderator(interaction: discord.Interaction[Any], settings: Settings) -> None:
    """Raise :class:`ModeratorOnly` (shown to the user ephemerally) unless the user is a moderator."""
    if interaction.guild is None or interaction.guild_id is None:
        raise ModeratorOnly("the corpus can only be changed from a server, not in direct messages")
    if not is_moderator(interaction.user, settings, interaction.guild_id):
        raise ModeratorOnly(
            "only moderators can change the corpus: you need the Manage Messages permission or a moderator role"
        )


PLACEHOLDER = "newsbot_placeholder"  # interaction.extras key: "public" while a public "thinking" message stands
AUTOCOMPLETE_BUDGET = 2.5  # seconds an autocomplete may take before it answers with no choices (Discord allows 3)
GENERIC_ERROR = "Something went wrong on my side; the moderators can find the details in the bot's log."


async def acknowledge(interaction: discord.Interaction[Any], *, ephemeral: bool) -> None:
    """Defer (Discord shows "thinking…") before any storage or index work, so the 3-second deadline is met
    whatever the store is doing. A public placeholder is remembered: an error that follows replaces it privately."""
    if interaction.response.is_done():
        return
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    if not ephemeral:
        interaction.extras[PLACEHOLDER] = "public"


async def send(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    ephemeral: bool = False,
    **kwargs: Any,
) -> None:
    """Answer an interaction whether or not it was answered (or deferred) already; never pings anyone.

    Discord's first followup after a defer takes the defer's visibility whatever it asks for, so a private
    reply after a public defer first deletes the public placeholder, then answers privately."""
    if content is not None:
        kwargs["content"] = clip(content, CONTENT_LIMIT)
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if not interaction.response.is_done():
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
        return
    if interaction.extras.get(PLACEHOLDER) == "public":
        interaction.extras[PLACEHOLDER] = "answered"
        if ephemeral:
            try:
                await interaction.delete_original_response()
            except discord.NotFound:
                pass  # someone (a moderator) deleted it already
    await interaction.followup.send(ephemeral=ephemeral, **kwargs)


async def within_budget(work: Awaitable[T], default: T, budget: float = AUTOCOMPLETE_BUDGET) -> T:
    """``work``'s result, or ``default`` when it takes longer than ``budget`` seconds (an autocomplete must
    answer within Discord's 3 s; the work goes on in its thread and the next keystroke finds it done)."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.wait_for(asyncio.shield(task), budget)
    except TimeoutError:
        log.info("autocomplete gave up after %.1f s (the store or the index is busy)", budget)
        task.add_done_callback(_consume)
        return default


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("a late autocomplete lookup failed", exc_info=task.exception())


def command_error_message(error: BaseException) -> str | None:
    """A message fit for the user for an expected error (a :class:`NewsBotError`, :class:`ModeratorOnly` among
    them), or None for a bug. An error's message is escaped: it may quote what the user typed or an article."""
    original = getattr(error, "original", error)
    if isinstance(original, NewsBotError):
        return render_error_reply(original, DISCORD)
    if isinstance(error, app_commands.CommandOnCooldown):
        return render_slow_down(error.retry_after)
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server, not in direct messages."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


async def report_error(interaction: discord.Interaction[Any], error: BaseException, *, prefix: str = "") -> None:
    """Tell the user privately what went wrong (an expected error says why; a bug is logged with its traceback and
    the user gets a generic line). Every command, view, button and form ends its errors here."""
    message = command_error_message(error)
    if message is None:
        where = interaction.command.qualified_name if interaction.command else interaction.data
        log.error("interaction %s failed", where, exc_info=error)
        message = GENERIC_ERROR
    else:
        message = prefix + message
    try:
        await send(interaction, message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the user about an error", exc_info=True)
