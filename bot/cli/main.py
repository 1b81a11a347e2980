"""The ``newsbot`` command line: the root group and the list of its commands.

Each command group lives in its own module of :mod:`bot.cli` and is a thin layer over
:class:`bot.service.NewsService`: it parses options, calls the service, and prints what :mod:`bot.present`
renders. A new command goes in a module of its own and one ``cli.add_command`` line here.

Every command takes ``--data-dir`` (or ``NEWSBOT_DATA_DIR``). Errors are one line on stderr, ``newsbot: error:
...``, with exit status 2 for bad input and 1 otherwise; nothing is changed when a command fails.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.ask import ask
from bot.cli.bench import bench
from bot.cli.common import ErrorHandlingGroup, data_dir_option
from bot.cli.compare import compare
from bot.cli.corpus import add, export, import_, list_, remove
from bot.cli.discord import run, sync
from bot.cli.embed import embed
from bot.cli.evaluate import eval_command
from bot.cli.feeds import feeds
from bot.cli.kept import feedback, gaps
from bot.cli.migrate_store import migrate_store
from bot.cli.ops import backup, doctor, restore, stats
from bot.cli.servers import log, servers
from bot.cli.sources import sources
from bot.cli.timeline import timeline

__all__ = ["cli"]


@click.group(cls=ErrorHandlingGroup)
@click.version_option(package_name="newsbot")
@data_dir_option
def cli(data_dir: Path | None) -> None:
    """newsbot: ask the coverage of a news story, get back the reporters' own sentences.

    Each Discord server has its own coverage (NEWSBOT_COVERAGE=per-server, the default): the default collection
    plus its own additions, minus its own removals. With NEWSBOT_COVERAGE=shared every server reads the default
    collection and only NEWSBOT_EDITOR_GUILD_IDS change it. Commands act on the default collection, or with
    --server ID (or NEWSBOT_SERVER) on that server's; `newsbot servers` lists them, `newsbot log` shows who
    changed what.

    Example:

        newsbot ask "What did Amazon pitch to ICE?"
    """


cli.add_command(ask)
cli.add_command(timeline)
cli.add_command(sources)
cli.add_command(compare)
cli.add_command(add)
cli.add_command(import_)
cli.add_command(export)
cli.add_command(remove)
cli.add_command(list_)
cli.add_command(stats)
cli.add_command(servers)
cli.add_command(log)
cli.add_command(backup)
cli.add_command(restore)
cli.add_command(doctor)
cli.add_command(migrate_store)
cli.add_command(run)
cli.add_command(sync)
cli.add_command(bench)
cli.add_command(feeds)
cli.add_command(eval_command)
cli.add_command(embed)
cli.add_command(gaps)
cli.add_command(feedback)


def main() -> None:  # pragma: no cover - the console script
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
