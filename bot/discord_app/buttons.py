"""The one shape of newsbot's buttons: state in the ``custom_id``, errors told privately, views that never time out.

Every button newsbot puts under a message (an answer's Helpful / Not helpful / Context, a timeline's Previous /
Next) is a :class:`PersistentButton`: a :class:`discord.ui.DynamicItem` whose ``custom_id`` carries all it needs
(its subclass's ``template`` reads it back in ``from_custom_id``), so it keeps working after a restart; a press
runs the subclass's :meth:`PersistentButton.pressed`, and anything that goes wrong there reaches the presser
privately through :func:`report_error` (discord.py would only log it). :func:`persistent_view` puts buttons under
one message. Each ``custom_id`` is checked against Discord's 100 characters here, once, for every button.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.discord_app.replies import CUSTOM_ID_LIMIT, report_error

__all__ = ["PersistentButton", "persistent_view"]


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """A button whose state is its ``custom_id``. Subclasses give a ``template`` that matches their ids, a
    ``from_custom_id`` that rebuilds the button from a match, and :meth:`pressed`. (This base's own template
    matches nothing: it is never registered nor made.)"""

    def __init__(
        self,
        custom_id: str,
        label: str,
        *,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        emoji: str | None = None,
        disabled: bool = False,
    ) -> None:
        if not 1 <= len(custom_id) <= CUSTOM_ID_LIMIT:
            raise ValueError(f"a custom_id has 1 to {CUSTOM_ID_LIMIT} characters, not {len(custom_id)}")
        super().__init__(
            discord.ui.Button(label=label, style=style, emoji=emoji, custom_id=custom_id, disabled=disabled)
        )

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self.pressed(interaction)
        except Exception as exc:  # discord.py only logs a dynamic item's errors: the user hears about it here
            await report_error(interaction, exc)

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        """What the button does; an error raised here is told to the presser privately."""
        raise NotImplementedError


def persistent_view(*buttons: PersistentButton) -> discord.ui.View:
    """``buttons`` in one row under a message, for as long as the message stands (no timeout: the state is in
    each button's ``custom_id``, not in this process)."""
    view = discord.ui.View(timeout=None)
    for button in buttons:
        view.add_item(button)
    return view
