"""Asking: a message that mentions the bot, and ``/ask``. Both answer with the shared renderer."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import InvalidQuestion, NewsBotError
from bot.core.models import Answer
from bot.discord_app.replies import CONTENT_LIMIT, NO_PINGS, send
from bot.present.render import DISCORD, render_answer

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["AskCog", "answer_text"]

log = logging.getLogger("newsbot.ask")

RESTARTING = "newsbot is restarting: ask again in a minute."
HELP = (
    "Ask me about the coverage, e.g. “@newsbot What did Amazon pitch to ICE?” or `/ask`. "
    "I answer with the reporters' own sentences, each with its outlet, date and headline."
)


def answer_text(bot: NewsBot, question: str) -> tuple[Answer, str]:
    """Answer and render (runs in a worker thread: SQLite and BM25 never block the event loop)."""
    service = bot.service
    answer = service.ask(question)
    if answer.answered:
        return answer, render_answer(answer, DISCORD, max_chars=CONTENT_LIMIT)
    outlets = [name for name, _ in service.outlets()]
    return answer, render_answer(answer, DISCORD, max_chars=CONTENT_LIMIT, stats=service.stats(), outlets=outlets)


class AskCog(commands.Cog):
    """Questions about the coverage."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._cooldowns: dict[int, app_commands.Cooldown] = {}

    def _retry_after(self, user_id: int) -> float | None:
        """Per-user cooldown shared by /ask and mentions; the seconds to wait, or None."""
        settings = self.bot.settings
        cooldown = self._cooldowns.get(user_id)
        if cooldown is None:
            cooldown = self._cooldowns[user_id] = app_commands.Cooldown(
                settings.ask_cooldown_rate, settings.ask_cooldown_per
            )
        if len(self._cooldowns) > 10_000:  # forget users who have not asked for a while
            now = time.time()
            for key, value in list(self._cooldowns.items()):
                if now - value._last > settings.ask_cooldown_per:
                    del self._cooldowns[key]
        return cooldown.update_rate_limit()

    async def _answer(self, question: str, where: str) -> str:
        started = time.perf_counter()
        answer, text = await asyncio.to_thread(answer_text, self.bot, question)
        log.info(
            "answer %s answered=%s quotes=%d latency_ms=%.0f",
            where, answer.answered, len(answer.quotes), (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        log.debug("question %s text=%r", where, question)
        return text

    @app_commands.command(name="ask")
    @app_commands.describe(question="What you want to know about the coverage")
    async def ask(self, interaction: discord.Interaction[Any], question: app_commands.Range[str, 1, 500]) -> None:
        """Ask the coverage a question; get the reporters' own sentences back."""
        if self.bot.stopping:
            await send(interaction, RESTARTING, ephemeral=True)
            return
        retry = self._retry_after(interaction.user.id)
        if retry is not None:
            await send(interaction, f"You're asking quickly: try again in {retry:.0f} s.", ephemeral=True)
            return
        async with self.bot.reply_in_flight():
            await interaction.response.defer(thinking=True)
            where = f"guild={interaction.guild_id} command=ask"
            try:
                text = await self._answer(question, where)
            except InvalidQuestion as exc:
                await interaction.followup.send(str(exc), ephemeral=True, allowed_mentions=NO_PINGS)
                return
            await interaction.followup.send(text, allowed_mentions=NO_PINGS)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or not any(m.id == me.id for m in message.mentions):
            return
        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        if self.bot.stopping:
            await message.reply(RESTARTING, mention_author=False, allowed_mentions=NO_PINGS)
            return
        if not question:
            await message.reply(HELP, mention_author=False, allowed_mentions=NO_PINGS)
            return
        retry = self._retry_after(message.author.id)
        if retry is not None:
            await message.reply(
                f"You're asking quickly: try again in {retry:.0f} s.",
                mention_author=False, allowed_mentions=NO_PINGS, delete_after=10,
            )  # fmt: skip
            return
        where = f"guild={message.guild.id if message.guild else None} command=mention"
        async with self.bot.reply_in_flight():
            try:
                async with message.channel.typing():
                    text = await self._answer(question, where)
            except NewsBotError as exc:
                text = str(exc)[:1].upper() + str(exc)[1:]
            await message.reply(text, mention_author=False, allowed_mentions=NO_PINGS)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(AskCog(bot))
