"""``newsbot stats | backup | restore | doctor``: looking after a data directory.

A backup is SQLite's online backup (safe while the bot runs); a restore checks the backup before it replaces
anything; ``doctor`` says what is wrong and what to do about it (exit status 1 when something is).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli.common import data_dir_option, open_service, scoped_service, server_option, settings_for
from bot.core.errors import NewsBotError
from bot.present.listings import render_findings, render_stats
from bot.present.notices import render_backed_up, render_moved_aside, render_restore_question, render_restored

__all__ = ["backup", "doctor", "restore", "stats"]


@click.command()
@server_option
@data_dir_option
def stats(server: str | None, data_dir: Path | None) -> None:
    """Counts of the corpus: articles, sentences, outlets, dates.

    Example:

        newsbot stats
    """
    service, where = scoped_service(data_dir, server)
    click.echo(render_stats(service.stats(server=where), database=service.health().path))


@click.command()
@click.argument("target", metavar="FILE", type=click.Path(path_type=Path))
@data_dir_option
def backup(target: Path, data_dir: Path | None) -> None:
    """Back up the database to FILE with SQLite's online backup; safe while the bot runs.

    Example:

        newsbot backup /var/backups/newsbot-2026-11-29.sqlite3
    """
    settings = settings_for(data_dir)
    service = open_service(settings, seed=False)
    size = service.backup(target)
    click.echo(render_backed_up(settings.database_path, target, size))


@click.command()
@click.argument("source", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("-v", "--verbose", is_flag=True, help="When the backup is refused, print every detail of why.")
@data_dir_option
def restore(source: Path, yes: bool, verbose: bool, data_dir: Path | None) -> None:
    """Replace the database with the backup in FILE (checked first). Stop the bot before restoring.

    Example:

        newsbot restore /var/backups/newsbot-2026-11-29.sqlite3 --yes
    """
    from bot.service import NewsService

    settings = settings_for(data_dir)
    if not yes and settings.database_url is None:  # PostgreSQL's are pg_restore's: the restore says so, asks nothing
        click.confirm(render_restore_question(settings.database_path, source), abort=True, err=True)
    try:
        count, moved = NewsService.restore(settings, source)
    except NewsBotError as exc:
        if verbose and exc.details:
            click.echo(exc.details, err=True)
        raise
    if moved is not None:
        click.echo(render_moved_aside(moved), err=True)
    click.echo(render_restored(count, source))


@click.command()
@click.option("--quiet", is_flag=True, help="Print only the problems.")
@data_dir_option
def doctor(quiet: bool, data_dir: Path | None) -> None:
    """Check the token, the data directory, the database, the corpus, the index and the commands' sync state.

    Exit status 0 when all is well, 1 otherwise; each problem says what to do about it.

    Example:

        newsbot doctor
    """
    from bot.discord_app.client import command_payload
    from bot.ops.maintenance import doctor as run_doctor

    settings = settings_for(data_dir)
    checks = run_doctor(settings, lambda service: command_payload(settings, service))
    for line in render_findings(checks, quiet=quiet):
        click.echo(line)
    if not all(check.ok for check in checks):
        sys.exit(1)
