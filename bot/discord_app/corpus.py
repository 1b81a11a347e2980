"""``/corpus``: moderators add (by URL, file or form) and remove articles, and list and count them.

Only moderators may change the corpus: the commands are hidden from others by default permissions, and every
change is checked again in code (:func:`require_moderator`), so a server that re-grants the commands still cannot
let a non-moderator change anything. Every change is logged in the store with who made it, and confirmed
ephemerally.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.config import Settings
from bot.core.errors import InvalidArticle, InvalidInput, NewsBotError
from bot.core.models import Article, ArticleIn, now_iso
from bot.discord_app.replies import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_LIMIT,
    EMBED_TITLE_LIMIT,
    NO_PINGS,
    acknowledge,
    actor,
    clip,
    embed_url,
    guild_of,
    is_moderator,
    report_error,
    require_moderator,
    send,
    within_budget,
)
from bot.intake.article_files import SUFFIXES, articles_from_text, too_large
from bot.intake.ingest import article_from_fields, article_from_url, fetch_policy, looks_like_url
from bot.present.kept import render_feedback, render_gaps
from bot.present.listings import (
    article_choice,
    render_added,
    render_added_from_file,
    render_article_digest,
    render_preview_fields,
    render_preview_title,
    render_removed,
    render_stats,
)
from bot.present.notices import NOTHING_ADDED, render_changes_title, render_count, render_nothing_added
from bot.present.servers import render_audit_digest
from bot.present.style import DISCORD

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["ArticleModal", "ConfirmView", "CorpusCog"]

log = logging.getLogger("newsbot.corpus")


class ArticleModal(discord.ui.Modal, title="Add an article"):
    """The form a moderator fills in to add an article by hand."""

    headline: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Headline", max_length=500)
    outlet: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Outlet", max_length=100)
    date: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Date (YYYY-MM-DD, YYYY-MM or YYYY)", required=False, max_length=10
    )
    link: discord.ui.TextInput[Any] = discord.ui.TextInput(label="URL", required=False, max_length=1000)
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Article text", style=discord.TextStyle.paragraph, required=False, max_length=4000
    )

    def __init__(self, cog: CorpusCog, guild_id: int, owner_id: int) -> None:
        super().__init__()
        self.cog = cog
        self.guild_id = guild_id  # the server the form was opened in: the only one it can add to
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """The submission must come from the moderator who opened the form, in the same server, and that
        member must still be a moderator there (checked against the bot's copy of that server)."""
        if interaction.user.id != self.owner_id or interaction.guild_id != self.guild_id:
            await send(interaction, "This form is not yours here; nothing was added.", ephemeral=True)
            return False
        require_moderator(interaction, self.cog.bot.settings)
        return True

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await acknowledge(interaction, ephemeral=True)  # before the store, which another process may be holding
        article = article_from_fields(
            {
                "title": self.headline.value,
                "source": self.outlet.value,
                "date": self.date.value or None,
                "url": self.link.value or None,
                "body": self.text.value,
            },
            "the form",
        )
        await self.cog.store_article(interaction, article)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        await report_error(interaction, error, prefix=NOTHING_ADDED)


class ConfirmView(discord.ui.View):
    """Confirm / Cancel under a preview; only the moderator who asked can press them, in the server they asked
    in, while they are a moderator there."""

    def __init__(self, owner_id: int, guild_id: int, settings: Settings, timeout: float = 300.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.guild_id = guild_id
        self.settings = settings
        self.confirmed: bool | None = None
        self.interaction: discord.Interaction[Any] | None = None

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id != self.owner_id or interaction.guild_id != self.guild_id:
            await send(interaction, "This preview is not yours.", ephemeral=True)
            return False
        if not is_moderator(interaction.user, self.settings, self.guild_id):
            await send(interaction, "Only moderators can add articles here.", ephemeral=True)
            return False
        return True

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, item: Any, /) -> None:
        await report_error(interaction, error)

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer()  # acknowledged at once; the preview is edited when the article is stored
        self.confirmed, self.interaction = True, interaction
        self.stop()

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer()
        self.confirmed, self.interaction = False, interaction
        self.stop()


def preview_embed(article: ArticleIn) -> discord.Embed:
    """What a moderator confirms. The title links to the page when Discord can hold the address (2,048
    characters); a longer one (a tracking redirect) is shown shortened in a field instead."""
    url = embed_url(article.url)
    title = render_preview_title(article, DISCORD, max_chars=EMBED_TITLE_LIMIT)
    embed = discord.Embed(title=title, url=url, colour=discord.Colour.gold())
    if article.url and url is None:
        embed.add_field(name="Address", value=DISCORD.escape(clip(article.url, 200)), inline=False)
    for name, value, inline in render_preview_fields(article, DISCORD, field_chars=EMBED_FIELD_LIMIT):
        embed.add_field(name=name, value=value, inline=inline)
    return embed


@app_commands.default_permissions(manage_messages=True)
@app_commands.guild_only()
class CorpusCog(commands.GroupCog, group_name="corpus", group_description="Moderators: manage the coverage"):
    """Moderator commands. Hidden by default permissions, enforced in code."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        require_moderator(interaction, self.bot.settings)
        return True

    async def store_article(
        self, interaction: discord.Interaction[Any], article: ArticleIn, *, edit: bool = False
    ) -> Article:
        server = guild_of(interaction)
        stored = await asyncio.to_thread(self.bot.service.add, article, actor=actor(interaction.user), server=server)
        message = render_added(stored, DISCORD)
        if edit:
            await interaction.edit_original_response(content=message, embed=None, view=None)
        else:
            await send(interaction, message, ephemeral=True)
        return stored

    @app_commands.command(name="add")
    @app_commands.describe(
        url="The article's web address (fetched, previewed, then stored when you confirm)",
        file="An article file: .md with front matter, .json or .jsonl",
        title="Use this headline instead of the page's or file's",
        outlet="Use this outlet name instead of the page's or file's",
        date="Use this date (YYYY-MM-DD, YYYY-MM or YYYY)",
    )
    async def add(
        self,
        interaction: discord.Interaction[Any],
        url: app_commands.Range[str, 8, 2000] | None = None,
        file: discord.Attachment | None = None,
        title: app_commands.Range[str, 1, 500] | None = None,
        outlet: app_commands.Range[str, 1, 100] | None = None,
        date: app_commands.Range[str, 4, 10] | None = None,
    ) -> None:
        """Add an article by URL, by file, or (with neither) with a form."""
        overrides = {"title": title, "source": outlet, "date": date}
        if url and file:
            raise InvalidInput("give a url or a file, not both")
        if file is not None:
            await self._add_file(interaction, file, overrides)
        elif url is not None:
            await self._add_url(interaction, url, overrides)
        else:
            await interaction.response.send_modal(ArticleModal(self, guild_of(interaction), interaction.user.id))

    async def _add_file(
        self, interaction: discord.Interaction[Any], file: discord.Attachment, overrides: dict[str, Any]
    ) -> None:
        limit = self.bot.settings.max_attachment_bytes
        if file.size > limit:
            raise InvalidArticle(too_large(file.filename, file.size, limit))
        if not file.filename.lower().endswith(SUFFIXES):
            raise InvalidArticle(f"{file.filename}: use a .md, .json or .jsonl file")
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        articles = await asyncio.to_thread(articles_from_text, file.filename, data)  # parsing can take a while
        wanted = {k: v for k, v in overrides.items() if v}
        if wanted:
            if len(articles) != 1:
                raise InvalidInput("title, outlet and date apply to a file with one article")
            articles = [article_from_fields({**articles[0].model_dump(), **wanted}, file.filename)]
        who = actor(interaction.user)
        if len(articles) == 1:
            await self.store_article(interaction, articles[0])
            return
        server = guild_of(interaction)
        stored = await asyncio.to_thread(self.bot.service.add_many, articles, actor=who, action="add", server=server)
        await send(interaction, render_added_from_file(len(stored), file.filename, DISCORD), ephemeral=True)

    async def _add_url(self, interaction: discord.Interaction[Any], url: str, overrides: dict[str, Any]) -> None:
        if not looks_like_url(url):
            raise InvalidInput(f"{url!r} is not an http(s) URL")
        await interaction.response.defer(ephemeral=True, thinking=True)
        article = await article_from_url(url, fetch_policy(self.bot.settings), overrides)
        server = guild_of(interaction)
        duplicate = await asyncio.to_thread(self.bot.service.find_duplicate, article, server=server)
        if duplicate is not None:
            raise duplicate
        view = ConfirmView(interaction.user.id, server, self.bot.settings)
        await interaction.followup.send(
            "Add this article?",
            embed=preview_embed(article),
            view=view,
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        if await view.wait() or view.interaction is None:
            await interaction.edit_original_response(
                content="Nothing was added (no answer in time).", embed=None, view=None
            )
            return
        if not view.confirmed:
            await view.interaction.edit_original_response(
                content="Cancelled: nothing was added.", embed=None, view=None
            )
            return
        try:
            await self.store_article(view.interaction, article, edit=True)
        except NewsBotError as exc:
            refused = render_nothing_added(exc, DISCORD)
            await view.interaction.edit_original_response(content=refused, embed=None, view=None)
        except Exception:  # a bug: the moderator sees it on the preview they confirmed, the log has the details
            log.exception("storing a confirmed article failed")
            await view.interaction.edit_original_response(
                content="Something went wrong on my side; nothing was added.", embed=None, view=None
            )

    @app_commands.command(name="remove")
    @app_commands.describe(article="The article to remove (start typing its headline)")
    async def remove(self, interaction: discord.Interaction[Any], article: app_commands.Range[str, 1, 100]) -> None:
        """Remove an article from the coverage."""
        await acknowledge(interaction, ephemeral=True)
        removed = await asyncio.to_thread(
            self.bot.service.remove, article, actor=actor(interaction.user), server=guild_of(interaction)
        )
        await send(interaction, render_removed(removed, DISCORD), ephemeral=True)

    @remove.autocomplete("article")
    async def article_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        server = interaction.guild_id
        if server is None or not is_moderator(interaction.user, self.bot.settings, server):
            return []  # discord.py does not run interaction_check for autocomplete: the article list is for moderators
        refs = await within_budget(asyncio.to_thread(self.bot.service.find_articles, current, 25, server=server), [])
        return [app_commands.Choice(name=article_choice(r), value=r.id) for r in refs]

    @app_commands.command(name="list")
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        """The newest articles in the coverage, with their ids."""
        await acknowledge(interaction, ephemeral=True)
        refs = await asyncio.to_thread(self.bot.service.find_articles, "", 1_000_000, server=guild_of(interaction))
        text = render_article_digest(refs, DISCORD, max_chars=3800)
        embed = discord.Embed(title=render_count(len(refs), "article", "newest first"), description=text)
        await send(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="stats")
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        """Counts of the coverage and its last change."""
        await acknowledge(interaction, ephemeral=True)
        stats = await asyncio.to_thread(self.bot.service.stats, server=guild_of(interaction))
        await send(interaction, render_stats(stats, DISCORD), ephemeral=True)

    @app_commands.command(name="log")
    async def log_(self, interaction: discord.Interaction[Any]) -> None:
        """The newest changes to this server's coverage: when, who, what."""
        await acknowledge(interaction, ephemeral=True)
        server = guild_of(interaction)
        service = self.bot.service

        def read() -> str:
            names = {s.id: s.name for s in service.servers()}
            entries = service.log(25, server=server)
            return render_audit_digest(entries, names, DISCORD, max_chars=EMBED_DESCRIPTION_LIMIT - 100)

        text = await asyncio.to_thread(read)
        embed = discord.Embed(title=render_changes_title(service.describe_coverage(server)), description=text)
        await send(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="gaps")
    @app_commands.describe(limit="How many to list (1-25, 10 by default)")
    async def gaps(self, interaction: discord.Interaction[Any], limit: app_commands.Range[int, 1, 25] = 10) -> None:
        """Questions this server's coverage could not answer, most asked first."""
        await acknowledge(interaction, ephemeral=True)
        report = await asyncio.to_thread(self.bot.service.gaps, server=guild_of(interaction), limit=limit)
        text = render_gaps(report, DISCORD, today=now_iso()[:10], max_chars=EMBED_DESCRIPTION_LIMIT)
        await send(interaction, embed=discord.Embed(title="Knowledge gaps", description=text), ephemeral=True)

    @app_commands.command(name="feedback")
    @app_commands.describe(limit="How many quotes to list (1-25, 10 by default)")
    async def feedback(self, interaction: discord.Interaction[Any], limit: app_commands.Range[int, 1, 25] = 10) -> None:
        """The quotes readers here found least helpful, with the questions they answered."""
        await acknowledge(interaction, ephemeral=True)
        report = await asyncio.to_thread(self.bot.service.feedback, server=guild_of(interaction), limit=limit)
        text = render_feedback(report, DISCORD, max_chars=EMBED_DESCRIPTION_LIMIT)
        await send(interaction, embed=discord.Embed(title="Feedback", description=text), ephemeral=True)
