"""``newsbot servers`` (the coverages: the default collection and each Discord server's) and ``newsbot log``
(the audit trail: who changed which coverage, when, from which server)."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import data_dir_option, echo_json, open_service, parse_server, server_option, settings_for
from bot.present.servers import render_log, render_servers

__all__ = ["log", "servers"]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
def servers(as_json: bool, data_dir: Path | None) -> None:
    """List the coverages: the default collection, then each Discord server's: id, name when known, articles
    (and how many it added itself), feeds, last change.

    A server that never changed anything reads the default collection as it is.

    Example:

        newsbot servers --json
    """
    summaries = open_service(settings_for(data_dir)).servers()
    if as_json:
        echo_json([s.to_json() for s in summaries])
    else:
        click.echo(render_servers(summaries))


@click.command()
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1), help="How many changes.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@server_option
@data_dir_option
def log(limit: int, as_json: bool, server: str | None, data_dir: Path | None) -> None:
    """The audit trail, newest first: every change to a coverage (articles added, imported, removed; feeds
    subscribed and unsubscribed, their alerts set, changed or turned off, with the channel and topic), who made
    it, and the server it was made in. With --server (or
    NEWSBOT_SERVER), that server's coverage only; `--server default` for the default collection's.

    Example:

        newsbot log --server 123456789012345678 --limit 20
    """
    settings = settings_for(data_dir)
    where = parse_server(server, settings)
    service = open_service(settings)
    if where is not None:
        service.require_known_server(where)
    every = server is None and settings.server is None
    entries = service.log(limit, server=where, every_server=every)
    if as_json:
        echo_json([e.to_json() for e in entries])
        return
    names = {s.id: s.name for s in service.servers()}
    for line in render_log(entries, names):
        click.echo(line)
