"""``/timeline``: the coverage in date order, ten entries a page, with buttons only the asker can press."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.models import Timeline, TimelineQuery
from bot.discord_app.replies import EMBED_DESCRIPTION_LIMIT, NO_PINGS, clip, send
from bot.present.render import DISCORD, render_timeline, timeline_filters, timeline_pages

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["PER_PAGE", "TimelineCog", "TimelineView", "timeline_embed"]

PER_PAGE = 10
VIEW_TIMEOUT = 180.0


CHART_NAME = "timeline.png"


def timeline_embed(timeline: Timeline, page: int, filters: str = "", chart: bool = False) -> discord.Embed:
    text = render_timeline(
        timeline, DISCORD, page=page, per_page=PER_PAGE, filters=filters, max_chars=EMBED_DESCRIPTION_LIMIT
    )
    embed = discord.Embed(description=clip(text, EMBED_DESCRIPTION_LIMIT), colour=discord.Colour.blurple())
    pages = timeline_pages(len(timeline.entries), PER_PAGE)
    if pages > 1:
        embed.set_footer(text=f"Page {page + 1} of {pages}")
    if chart:
        embed.set_image(url=f"attachment://{CHART_NAME}")
    return embed


class TimelineView(discord.ui.View):
    """Previous / Next; only the person who asked can turn the pages; disabled after a few minutes."""

    def __init__(
        self, timeline: Timeline, owner_id: int, filters: str = "", chart: bool = False, timeout: float = VIEW_TIMEOUT
    ) -> None:
        super().__init__(timeout=timeout)
        self.timeline = timeline
        self.chart = chart
        self.owner_id = owner_id
        self.filters = filters
        self.page = 0
        self.pages = timeline_pages(len(timeline.entries), PER_PAGE)
        self.message: discord.Message | discord.WebhookMessage | None = None
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "Only the person who asked can turn these pages; use `/timeline` for your own.",
            ephemeral=True, allowed_mentions=NO_PINGS,
        )  # fmt: skip
        return False

    async def _show(self, interaction: discord.Interaction[Any]) -> None:
        self._sync_buttons()
        embed = timeline_embed(self.timeline, self.page, self.filters, self.chart)
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, custom_id="timeline:previous")
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.page = max(0, self.page - 1)
        await self._show(interaction)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary, custom_id="timeline:next")
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.page = min(self.pages - 1, self.page + 1)
        await self._show(interaction)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                pass


class TimelineCog(commands.Cog):
    """The coverage in date order."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="timeline")
    @app_commands.describe(
        topic="Only coverage on this topic (leave empty for all of it)",
        since="Only coverage on or after this date: YYYY, YYYY-MM or YYYY-MM-DD",
        until="Only coverage on or before this date: YYYY, YYYY-MM or YYYY-MM-DD",
        outlet="Only this outlet's coverage",
    )
    async def timeline(
        self,
        interaction: discord.Interaction[Any],
        topic: app_commands.Range[str, 1, 200] | None = None,
        since: app_commands.Range[str, 4, 10] | None = None,
        until: app_commands.Range[str, 4, 10] | None = None,
        outlet: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """The coverage of a topic (or all of it) in date order, oldest first."""
        async with self.bot.reply_in_flight():
            await interaction.response.defer(thinking=True)
            service = self.bot.service
            query = TimelineQuery(topic=topic, since=since, until=until, outlet=outlet)
            result = await asyncio.to_thread(service.timeline, query)
            png = None
            if any(entry.date for entry in result.entries):
                png = await asyncio.to_thread(service.timeline_chart, query)
            filters = timeline_filters(query, DISCORD)
            view = TimelineView(result, interaction.user.id, filters, chart=png is not None)
            embed = timeline_embed(result, 0, filters, chart=png is not None)
            files = [discord.File(io.BytesIO(png), filename=CHART_NAME)] if png is not None else []
            if view.pages > 1:
                view.message = await interaction.followup.send(
                    embed=embed, view=view, files=files, wait=True, allowed_mentions=NO_PINGS
                )
            else:
                await send(interaction, embed=embed, files=files)

    @timeline.autocomplete("outlet")
    async def outlet_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        outlets = await asyncio.to_thread(self.bot.service.outlets)
        needle = current.casefold()
        names = [name for name, _ in outlets if needle in name.casefold()]
        return [app_commands.Choice(name=clip(name, 100), value=name[:100]) for name in names[:25]]


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(TimelineCog(bot))
