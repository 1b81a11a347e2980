"""Asking: a message that mentions the bot (or its role), a direct message, and ``/ask``. All answer with the
shared renderer."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import InvalidQuestion, NewsBotError, StoreError
from bot.core.models import Answer
from bot.discord_app.answer_view import ANSWER_BUTTONS, answer_view
from bot.discord_app.replies import CONTENT_LIMIT, NO_PINGS, acknowledge, send
from bot.present.notices import render_error_reply, render_slow_down
from bot.present.render import DISCORD, render_answer

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot
    from bot.service import NewsService

__all__ = ["AskCog", "answer_text"]

log = logging.getLogger("newsbot.ask")

RESTARTING = "newsbot is restarting: ask again in a minute."
HELP = (
    "Ask me about the coverage, e.g. “@newsbot What did Amazon pitch to ICE?” or `/ask`. "
    "I answer with the reporters' own sentences, each with its outlet, date and headline: in a server, from "
    "that server's coverage; in direct messages, from the default collection."
)
ROLE_HELP = (
    "You mentioned my role, and Discord does not show me the text of such a message: mention me "
    "(“@newsbot …”), send me a direct message, or use `/ask`."
)


DM_FOOTER = "-# From the default collection: in a server, I answer from that server's coverage."


def kept_answer(bot: NewsBot, answer: Answer, server: int | None) -> int | None:
    """Keep an answer for the buttons under it (runs in the worker thread); its id, or None when it quotes nothing
    or the store cannot take it now (the answer is sent without buttons rather than not at all), or when answers
    are not kept (NEWSBOT_KEEP_ANSWERS=0: no buttons)."""
    if not bot.service.keeps_answers:
        return None
    try:
        return bot.service.record_answer(answer, server=server)
    except StoreError:
        log.warning("answer sent without buttons: the store could not keep it", exc_info=True)
        return None


def answer_text(service: NewsService, question: str, server: int | None = None) -> tuple[Answer, str]:
    """Answer from the coverage of ``server`` (None: a direct message, the default collection) and render (runs
    in an answering worker process, or thread: SQLite, BM25 and the answerer never run on the event loop). A
    direct message's reply says where it came from."""
    footer = f"\n{DM_FOOTER}" if server is None else ""
    limit = CONTENT_LIMIT - len(footer)
    answer = service.ask(question, server=server)
    if answer.answered:
        return answer, render_answer(answer, DISCORD, max_chars=limit) + footer
    outlets = [name for name, _ in service.outlets(server=server)]
    stats = service.stats(server=server)
    return answer, render_answer(answer, DISCORD, max_chars=limit, stats=stats, outlets=outlets) + footer


class AskCog(commands.Cog):
    """Questions about the coverage."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._cooldowns: dict[int, app_commands.Cooldown] = {}

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*ANSWER_BUTTONS)  # buttons under any answer, sent before a restart too

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*ANSWER_BUTTONS)

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

    async def _answer(self, question: str, where: str, server: int | None) -> tuple[Answer, str, dict[str, Any]]:
        """The answer, the reply's text, and its buttons (``view``) when the answer quotes something."""
        started = time.perf_counter()
        answer, text = await self.bot.answer(answer_text, question, server)  # never on the event loop
        log.info(
            "answer %s answered=%s quotes=%d latency_ms=%.0f",
            where, answer.answered, len(answer.quotes), (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        log.debug("question %s text=%r", where, question)
        answer_id = await asyncio.to_thread(kept_answer, self.bot, answer, server) if answer.quotes else None
        return answer, text, {} if answer_id is None else {"view": answer_view(answer_id)}

    async def _keep_gap(self, answer: Answer, server: int | None) -> None:
        """After the reply: a question the coverage could not answer is kept for the moderators (its text only)."""
        if not answer.answered:
            await asyncio.to_thread(self.bot.service.record_gap, answer, server=server)

    @app_commands.command(name="ask")
    @app_commands.describe(question="What you want to know about the coverage")
    async def ask(self, interaction: discord.Interaction[Any], question: app_commands.Range[str, 1, 500]) -> None:
        """Ask the coverage a question; get the reporters' own sentences back."""
        if self.bot.stopping:
            await send(interaction, RESTARTING, ephemeral=True)
            return
        retry = self._retry_after(interaction.user.id)
        if retry is not None:
            await send(interaction, render_slow_down(retry), ephemeral=True)
            return
        async with self.bot.reply_in_flight():
            await acknowledge(interaction, ephemeral=False)
            where = f"guild={interaction.guild_id} command=ask"
            try:
                answer, text, buttons = await self._answer(question, where, interaction.guild_id)
            except InvalidQuestion as exc:
                # private: the public placeholder goes away
                await send(interaction, render_error_reply(exc, DISCORD), ephemeral=True)
                return
            await send(interaction, text, **buttons)
            await self._keep_gap(answer, interaction.guild_id)

    def _question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, or None if it is not addressed to the bot: a DM, a mention of
        the bot, or a mention of the bot's own (managed) role. The mentions are taken out of the text."""
        me = self.bot.user
        if me is None or message.author.bot:
            return None
        role = message.guild.self_role if message.guild is not None else None
        mentioned = any(m.id == me.id for m in message.mentions)
        role_mentioned = role is not None and any(r.id == role.id for r in message.role_mentions)
        if message.guild is not None and not mentioned and not role_mentioned:
            return None
        text = re.sub(rf"<@!?{me.id}>", " ", message.content)
        if role is not None:
            text = text.replace(f"<@&{role.id}>", " ")
        return text.strip()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        question = self._question_in(message)
        if question is None:
            return
        if self.bot.stopping:
            await _reply(message, RESTARTING)
            return
        if not question:
            await _reply(message, HELP if message.content or message.guild is None else ROLE_HELP)
            return
        retry = self._retry_after(message.author.id)
        if retry is not None:
            await _reply(message, render_slow_down(retry), delete_after=10)
            return
        where = f"guild={message.guild.id if message.guild else None} command=mention"
        server = message.guild.id if message.guild else None
        async with self.bot.reply_in_flight():
            buttons: dict[str, Any] = {}
            answer = None
            try:
                async with message.channel.typing():
                    answer, text, buttons = await self._answer(question, where, server)
            except NewsBotError as exc:
                text = render_error_reply(exc, DISCORD, capitalize=True)
            await _reply(message, text, **buttons)
            if answer is not None:
                await self._keep_gap(answer, server)


async def _reply(message: discord.Message, text: str, **kwargs: Any) -> None:
    """Reply to ``message`` without pinging anyone; still answered (unthreaded) if the question was deleted."""
    reference = message.to_reference(fail_if_not_exists=False)
    await message.channel.send(text, reference=reference, mention_author=False, allowed_mentions=NO_PINGS, **kwargs)
