"""The buttons under an answer (``/ask``, a mention, a direct message), which keep working after a restart.

An answer that quotes something is kept in the store when it is sent (:meth:`NewsService.record_answer`); its
buttons are :class:`discord.ui.DynamicItem` s whose ``custom_id`` carries only that answer's id (``ans:<what>:<id>``,
far below Discord's 100 characters whatever the articles), so nothing about them lives in the process. Each button
is a :class:`~bot.discord_app.buttons.PersistentButton` of its own; :func:`answer_view` puts them under one answer
and :data:`ANSWER_BUTTONS` is what the bot registers at start.

- **Helpful** / **Not helpful** (:mod:`bot.discord_app.feedback`): one vote per person per answer, changeable.
- **Context** shows, privately, each quote with the sentence before and after it in its article, and its link.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.discord_app.buttons import PersistentButton, persistent_view
from bot.discord_app.feedback import FeedbackButton
from bot.discord_app.replies import CONTENT_LIMIT, acknowledge, send
from bot.present.context import render_contexts
from bot.present.render import DISCORD

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["ANSWER_BUTTONS", "ContextButton", "answer_view"]


class ContextButton(PersistentButton, template=r"ans:ctx:(?P<answer>[0-9]{1,19})"):
    """Context: each quote of the answer with its neighbouring sentences, shown only to whoever pressed it."""

    def __init__(self, answer_id: int) -> None:
        super().__init__(f"ans:ctx:{answer_id}", "Context")
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> ContextButton:
        return cls(int(match["answer"]))

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        bot: NewsBot = interaction.client
        await acknowledge(interaction, ephemeral=True)  # before the store: Discord's 3 seconds are met
        contexts = await asyncio.to_thread(bot.service.quote_contexts, self.answer_id, server=interaction.guild_id)
        for message in render_contexts(contexts, DISCORD, max_chars=CONTENT_LIMIT):
            await send(interaction, message, ephemeral=True)


ANSWER_BUTTONS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (FeedbackButton, ContextButton)


def answer_view(answer_id: int) -> discord.ui.View:
    """The buttons under the kept answer ``answer_id``: Helpful, Not helpful, Context."""
    return persistent_view(
        FeedbackButton(answer_id, helpful=True), FeedbackButton(answer_id, helpful=False), ContextButton(answer_id)
    )
