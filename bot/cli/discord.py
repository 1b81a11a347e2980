"""``newsbot run | sync``: start the Discord bot, or register its slash commands.

discord.py is imported only when one of these runs, so the rest of the command line starts without it.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import data_dir_option, service_for, settings_for
from bot.present.notices import render_commands_cleared, render_commands_synced, render_commands_twice

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
@click.option("--clear", is_flag=True, help="Remove the commands from that guild (or the global ones) instead.")
@data_dir_option
def sync(guild_id: int | None, clear: bool, data_dir: Path | None) -> None:
    """Register the slash commands with Discord: in one guild, or globally (may take up to an hour).

    With --clear, remove them from that one scope: a guild that has its own copy and the global one shows every
    command twice.

    Examples:

        newsbot sync --guild 123456789012345678
        newsbot sync --guild 123456789012345678 --clear
    """
    from bot.discord_app import sync_commands

    settings = settings_for(data_dir)
    names = sync_commands(settings, guild_id, clear=clear)
    if clear:
        click.echo(render_commands_cleared(names, guild_id))
        return
    click.echo(render_commands_synced(names, guild_id))
    service = service_for(data_dir)
    scopes = service.command_scopes()
    twice = [s for s in scopes if s.startswith("guild ")] if "global" in scopes else []
    for scope in twice:
        click.echo(render_commands_twice(scope))
