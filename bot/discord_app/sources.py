"""``/sources``: which outlets covered a topic, with their counts, dates and earliest headline."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.replies import EMBED_DESCRIPTION_LIMIT, acknowledge, send
from bot.present.render import DISCORD, render_sources

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["SourcesCog"]


class SourcesCog(commands.Cog):
    """Who covered the story."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources")
    @app_commands.describe(topic="Only coverage on this topic (leave empty for all of it)")
    async def sources(
        self, interaction: discord.Interaction[Any], topic: app_commands.Range[str, 1, 200] | None = None
    ) -> None:
        """Which outlets covered a topic: how many articles, first and last dates, earliest headline."""
        async with self.bot.reply_in_flight():
            await acknowledge(interaction, ephemeral=False)
            result = await asyncio.to_thread(self.bot.service.sources, topic, server=interaction.guild_id)
            text = render_sources(result, DISCORD, max_chars=EMBED_DESCRIPTION_LIMIT)
            await send(interaction, embed=discord.Embed(description=text, colour=discord.Colour.blurple()))
