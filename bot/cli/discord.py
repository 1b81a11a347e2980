"""``newsbot run | sync``: start the Discord bot, or register its slash commands.

discord.py is imported only when one of these runs, so the rest of the command line starts without it.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import data_dir_option, settings_for

__all__ = ["run", "sync"]


@click.command()
@data_dir_option
def run(data_dir: Path | None) -> None:
    """Start the Discord bot (the token comes from DISCORD_TOKEN); stop it with Ctrl-C or SIGTERM.

    Example:

        DISCORD_TOKEN=... newsbot run
    """
    from bot.discord_app import run_bot

    run_bot(settings_for(data_dir))


@click.command()
@click.option("--guild", "guild_id", type=int, help="Sync to this guild only (instant); without it, globally.")
@data_dir_option
def sync(guild_id: int | None, data_dir: Path | None) -> None:
    """Register the slash commands with Discord: in one guild, or globally (may take up to an hour).

    Example:

        newsbot sync --guild 123456789012345678
    """
    from bot.discord_app import sync_commands

    names = sync_commands(settings_for(data_dir), guild_id)
    where = f"guild {guild_id}" if guild_id else "all guilds (global; Discord may take up to an hour)"
    click.echo(f"Synced {len(names)} commands to {where}: {', '.join('/' + n for n in sorted(names))}")
