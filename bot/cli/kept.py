"""``newsbot gaps`` (the questions a coverage could not answer) and ``newsbot feedback`` (the quotes readers found
least helpful): what newsbot keeps of what people asked, for the operator and the moderators."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import data_dir_option, echo_json, scoped_service, server_option
from bot.core.models import now_iso
from bot.present.kept import render_feedback, render_gaps

__all__ = ["feedback", "gaps"]


@click.command()
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many gaps (groups) to list."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@server_option
@data_dir_option
def gaps(limit: int, as_json: bool, server: str | None, data_dir: Path | None) -> None:
    """The questions the coverage could not answer (knowledge gaps), grouped by their search terms: how often
    each was asked and when last, the most asked first; then those a later article answered.

    Only the question's text is kept, never who asked it, for NEWSBOT_KEEP_GAPS days (90 by default; 0 keeps
    none). Without --server (or NEWSBOT_SERVER): the default collection's, asked in direct messages and here.
    A gap is answered when an article added later answers it, and open again when that article is removed (unless
    another article still answers it). --limit lists the first N; the listing says how many more there are.

    Example:

        newsbot gaps --server 123456789012345678 --limit 5
    """
    service, where = scoped_service(data_dir, server)
    report = service.gaps(server=where, limit=limit)
    if as_json:
        echo_json(report.to_json())
    else:
        click.echo(render_gaps(report, today=now_iso()[:10]))


@click.command()
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many quotes to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@server_option
@data_dir_option
def feedback(limit: int, as_json: bool, server: str | None, data_dir: Path | None) -> None:
    """The quotes readers voted on with the Helpful / Not helpful buttons under answers in Discord, the least
    helpful first, with the questions they answered.

    Votes are kept with their answers for NEWSBOT_KEEP_ANSWERS days (90 by default), under a keyed hash of each
    voter, never the user id; the counts per quote stay. Votes never change how answers are ranked. --limit lists
    the first N; the listing says how many more there are.

    Example:

        newsbot feedback --server 123456789012345678 --limit 5 --json
    """
    service, where = scoped_service(data_dir, server)
    report = service.feedback(server=where, limit=limit)
    if as_json:
        echo_json(report.to_json())
    else:
        click.echo(render_feedback(report))
