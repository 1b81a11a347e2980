"""``/help``: what the bot does, its commands (read from the command tree, so none is forgotten) and what it keeps,
shown privately to whoever asks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.replies import EMBED_DESCRIPTION_LIMIT, send
from bot.present.help import CommandHelp, render_help
from bot.present.style import DISCORD

if TYPE_CHECKING:
    from bot.discord_app.client import NewsBot

__all__ = ["HelpCog", "command_help"]


def command_help(tree: app_commands.CommandTree[Any]) -> list[CommandHelp]:
    """Every slash command and subcommand of ``tree``, in the order they were added; those whose default
    permissions need Manage Messages (or any permission) are the moderators'."""
    found: list[CommandHelp] = []

    def walk(item: app_commands.Command[Any, ..., Any] | app_commands.Group, moderators: bool) -> None:
        moderators = moderators or bool(item.default_permissions and item.default_permissions.value)
        if isinstance(item, app_commands.Group):
            for child in item.commands:
                walk(child, moderators)
        else:
            found.append(CommandHelp(item.qualified_name, item.description, moderators))

    for command in tree.get_commands(type=discord.AppCommandType.chat_input):
        if isinstance(command, app_commands.Command | app_commands.Group):
            walk(command, False)
    return found


class HelpCog(commands.Cog):
    """/help."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        """What newsbot does, its commands, and what it keeps of what you ask (and for how long)."""
        settings = self.bot.settings
        text = render_help(
            command_help(self.bot.tree),
            keep_gaps=settings.keep_gaps,
            keep_answers=settings.keep_answers,
            style=DISCORD,
            max_chars=EMBED_DESCRIPTION_LIMIT,
        )
        embed = discord.Embed(description=text, colour=discord.Colour.blurple())
        await send(interaction, embed=embed, ephemeral=True)
