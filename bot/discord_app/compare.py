"""``/compare``: how each outlet that covered a topic put it, side by side (an embed's inline fields)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import InvalidQuestion
from bot.discord_app.replies import (
    EMBED_FIELD_LIMIT,
    EMBED_FIELD_NAME_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    acknowledge,
    clip,
    send,
)
from bot.present.compare import comparison_parts, render_comparison
from bot.present.notices import render_error_reply
from bot.present.render import DISCORD

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["MAX_OUTLETS", "CompareCog"]

MAX_OUTLETS = 9  # three rows of three columns on a desktop; the rest are counted ("… and N more outlets")


class CompareCog(commands.Cog):
    """How the outlets put it."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="compare")
    @app_commands.describe(topic="What the outlets covered, e.g. “facial recognition”")
    async def compare(self, interaction: discord.Interaction[Any], topic: app_commands.Range[str, 1, 200]) -> None:
        """How each outlet that covered a topic put it: its most relevant sentence, side by side."""
        async with self.bot.reply_in_flight():
            await acknowledge(interaction, ephemeral=False)
            try:
                result = await asyncio.to_thread(self.bot.service.compare, topic, server=interaction.guild_id)
            except InvalidQuestion as exc:
                # private: the public placeholder goes away
                await send(interaction, render_error_reply(exc, DISCORD), ephemeral=True)
                return
            if not result.outlets:
                await send(interaction, render_comparison(result, DISCORD))
                return
            parts = comparison_parts(
                result, DISCORD, most=MAX_OUTLETS, total_chars=EMBED_TOTAL_LIMIT, entry_chars=EMBED_FIELD_LIMIT
            )
            embed = discord.Embed(title=clip(parts.title, EMBED_TITLE_LIMIT), colour=discord.Colour.blurple())
            for name, text in parts.entries:
                embed.add_field(name=clip(name, EMBED_FIELD_NAME_LIMIT), value=text, inline=True)
            if parts.more:
                embed.set_footer(text=parts.more)
            await send(interaction, embed=embed)
