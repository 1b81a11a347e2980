"""The Helpful / Not helpful buttons under an answer: one vote per person per answer, changeable, told privately.

Each is a :class:`discord.ui.DynamicItem` whose ``custom_id`` (``ans:up:<id>`` or ``ans:down:<id>``, at most 27
characters of Discord's 100) names the kept answer, so the buttons of an answer sent before a restart still count.
The service checks that the answer was drawn from the coverage the click's server reads, and stores a keyed hash
of the voter, never the user id (:mod:`bot.service.feedback`).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.discord_app.buttons import PersistentButton
from bot.discord_app.replies import acknowledge, send
from bot.present.kept import render_vote

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["FeedbackButton"]


class FeedbackButton(PersistentButton, template=r"ans:(?P<vote>up|down):(?P<answer>[0-9]{1,19})"):
    """Helpful (``up``) or Not helpful (``down``) on one kept answer."""

    def __init__(self, answer_id: int, *, helpful: bool) -> None:
        super().__init__(
            f"ans:{'up' if helpful else 'down'}:{answer_id}",
            "Helpful" if helpful else "Not helpful",
            emoji="👍" if helpful else "👎",
        )
        self.answer_id, self.helpful = answer_id, helpful

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> FeedbackButton:
        return cls(int(match["answer"]), helpful=match["vote"] == "up")

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        bot: NewsBot = interaction.client
        await acknowledge(interaction, ephemeral=True)  # before the store: Discord's 3 seconds are met
        outcome = await asyncio.to_thread(
            bot.service.vote,
            self.answer_id,
            user_id=interaction.user.id,
            helpful=self.helpful,
            server=interaction.guild_id,
        )
        await send(interaction, render_vote(outcome, self.helpful), ephemeral=True)
