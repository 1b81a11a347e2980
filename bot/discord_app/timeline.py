"""``/timeline``: the coverage in date order, ten entries a page, with buttons only the asker can press.

The page buttons keep their state in their ``custom_id`` (a :class:`discord.ui.DynamicItem`): the query, the page
they lead to and who asked. They work for as long as the message stands, after a restart too, because nothing
about them lives in the process. A query too long for Discord's 100-character ``custom_id`` is kept in memory
instead, under a short key; after a restart such buttons say privately that the pages have expired.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import re
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.models import Timeline, TimelineQuery
from bot.discord_app.buttons import PersistentButton, persistent_view
from bot.discord_app.replies import (
    AUTOCOMPLETE_BUDGET,
    CHOICE_TEXT_LIMIT,
    CHOICES_LIMIT,
    CUSTOM_ID_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    NO_PINGS,
    acknowledge,
    clip,
    send,
    within_budget,
)
from bot.present.notices import render_page_footer
from bot.present.render import DISCORD, render_timeline, timeline_filters, timeline_pages

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["PER_PAGE", "PageButton", "TimelineCog", "TimelineQuery", "page_buttons", "timeline_embed"]

PER_PAGE = 10
CHART_NAME = "timeline.png"
# Seconds a page turn may take and still answer by editing the message at once; later it acknowledges first and
# edits when the page is ready. Discord's 3 s count from its own receipt of the click, and on a loaded machine the
# event reaches the bot late: 0.5 s leaves most of the 3 s to that delay (1.5 s, before, left half).
QUICK_EDIT = 0.5


class _LongQueries:
    """Queries too long for a custom_id, under short keys, most recent 1,000 (lost on a restart)."""

    def __init__(self, size: int = 1000) -> None:
        self._size = size
        self._keys = itertools.count(1)
        self._queries: OrderedDict[str, TimelineQuery] = OrderedDict()

    def put(self, query: TimelineQuery) -> str:
        key = format(next(self._keys), "x")
        self._queries[key] = query
        while len(self._queries) > self._size:
            self._queries.popitem(last=False)
        return key

    def get(self, key: str) -> TimelineQuery | None:
        return self._queries.get(key)


LONG_QUERIES = _LongQueries()


def timeline_embed(timeline: Timeline, page: int, filters: str = "", chart: bool = False) -> discord.Embed:
    text = render_timeline(
        timeline, DISCORD, page=page, per_page=PER_PAGE, filters=filters, max_chars=EMBED_DESCRIPTION_LIMIT
    )
    embed = discord.Embed(description=clip(text, EMBED_DESCRIPTION_LIMIT), colour=discord.Colour.blurple())
    pages = timeline_pages(len(timeline.entries), PER_PAGE)
    if pages > 1:
        embed.set_footer(text=render_page_footer(page, pages))
    if chart:
        embed.set_image(url=f"attachment://{CHART_NAME}")
    return embed


_TEMPLATE = (
    r"tl:(?P<direction>[pn]):(?P<page>\d+):(?P<owner>\d+):(?P<chart>[01]):"
    r"(?:q:(?P<since>[0-9-]*):(?P<until>[0-9-]*):(?P<outlet_length>\d+):(?P<rest>.*)|k:(?P<key>[0-9a-f]+))"
)


def _custom_id(direction: str, page: int, owner: int, chart: bool, query: TimelineQuery) -> str:
    head = f"tl:{direction}:{page}:{owner}:{int(chart)}:"
    outlet, topic = query.outlet or "", query.topic or ""
    inline = f"{head}q:{query.since or ''}:{query.until or ''}:{len(outlet)}:{outlet}{topic}"
    dates_fit = all(re.fullmatch(r"[0-9-]*", d or "") for d in (query.since, query.until))
    if len(inline) <= CUSTOM_ID_LIMIT and dates_fit:
        return inline
    return f"{head}k:{LONG_QUERIES.put(query)}"


class PageButton(PersistentButton, template=_TEMPLATE):
    """Previous or Next: shows page ``page`` of the query in its custom_id, for the person who asked only."""

    def __init__(
        self,
        direction: str,
        page: int,
        owner: int,
        chart: bool,
        query: TimelineQuery | None,
        *,
        disabled: bool = False,
        custom_id: str | None = None,
    ) -> None:
        label, style = ("Previous", discord.ButtonStyle.secondary)
        if direction == "n":
            label, style = ("Next", discord.ButtonStyle.primary)
        custom_id = custom_id or _custom_id(direction, page, owner, chart, query or TimelineQuery())
        super().__init__(custom_id, label, style=style, disabled=disabled)
        self.page, self.owner, self.chart, self.query = page, owner, chart, query

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> PageButton:
        if match["key"] is not None:
            query = LONG_QUERIES.get(match["key"])
        else:
            outlet_length = int(match["outlet_length"])
            rest = match["rest"]
            query = TimelineQuery(
                topic=rest[outlet_length:] or None,
                since=match["since"] or None,
                until=match["until"] or None,
                outlet=rest[:outlet_length] or None,
            )
        page, owner, chart = int(match["page"]), int(match["owner"]), match["chart"] == "1"
        return cls(match["direction"], page, owner, chart, query, custom_id=item.custom_id)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner:
            return True
        await send(
            interaction, "Only the person who asked can turn these pages; use `/timeline` for your own.", ephemeral=True
        )
        return False

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        if self.query is None:
            await send(
                interaction, "These pages have expired (newsbot restarted): run `/timeline` again.", ephemeral=True
            )
            return
        bot: NewsBot = interaction.client
        query = self.query
        work = asyncio.ensure_future(asyncio.to_thread(bot.service.timeline, query, server=interaction.guild_id))
        done, _ = await asyncio.wait({work}, timeout=QUICK_EDIT)
        if not done:
            await interaction.response.defer()  # the store is slow: acknowledge now, edit when the page is ready
        timeline = await work
        pages = timeline_pages(len(timeline.entries), PER_PAGE)
        page = min(self.page, max(0, pages - 1))
        embed = timeline_embed(timeline, page, timeline_filters(query, DISCORD), self.chart)
        view = page_buttons(page, pages, self.owner, self.chart, query)
        if interaction.response.is_done():
            await interaction.edit_original_response(embed=embed, view=view)
        else:
            await interaction.response.edit_message(embed=embed, view=view)


def page_buttons(page: int, pages: int, owner: int, chart: bool, query: TimelineQuery) -> discord.ui.View:
    """Previous / Next under page ``page`` (0-based) of ``pages``."""
    return persistent_view(
        PageButton("p", max(0, page - 1), owner, chart, query, disabled=page == 0),
        PageButton("n", min(pages - 1, page + 1), owner, chart, query, disabled=page >= pages - 1),
    )


class TimelineCog(commands.Cog):
    """The coverage in date order."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton)  # page buttons of any timeline message, sent before a restart too

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton)

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
            await acknowledge(interaction, ephemeral=False)
            service = self.bot.service
            query = TimelineQuery(topic=topic, since=since, until=until, outlet=outlet)
            server = interaction.guild_id  # None in a direct message: the default collection
            result = await asyncio.to_thread(service.timeline, query, server=server)
            png = None
            if any(entry.date for entry in result.entries):
                png = await asyncio.to_thread(service.timeline_chart, query, server=server)
            embed = timeline_embed(result, 0, timeline_filters(query, DISCORD), chart=png is not None)
            files = [discord.File(io.BytesIO(png), filename=CHART_NAME)] if png is not None else []
            pages = timeline_pages(len(result.entries), PER_PAGE)
            extra: dict[str, Any] = {}
            if pages > 1:
                extra["view"] = page_buttons(0, pages, interaction.user.id, png is not None, query)
            await send(interaction, embed=embed, files=files, allowed_mentions=NO_PINGS, **extra)

    @timeline.autocomplete("outlet")
    async def outlet_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        outlets = await within_budget(
            asyncio.to_thread(self.bot.service.outlets, server=interaction.guild_id), [], AUTOCOMPLETE_BUDGET
        )
        needle = current.casefold()
        names = [name for name, _ in outlets if needle in name.casefold()]
        return [
            app_commands.Choice(name=clip(name, CHOICE_TEXT_LIMIT), value=name[:CHOICE_TEXT_LIMIT])
            for name in names[:CHOICES_LIMIT]
        ]
