"""``newsbot compare``: how each outlet that covered a topic put it."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import data_dir_option, echo_json, scoped_service, server_option
from bot.present.compare import render_comparison
from bot.present.render import PLAIN

__all__ = ["compare"]


@click.command()
@click.argument("topic")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@server_option
@data_dir_option
def compare(topic: str, as_json: bool, server: str | None, data_dir: Path | None) -> None:
    """How each outlet that covered TOPIC put it: its most relevant sentence, with date and headline, the most
    relevant outlet first.

    Example:

        newsbot compare "facial recognition"
    """
    service, where = scoped_service(data_dir, server)
    result = service.compare(topic, server=where)
    if as_json:
        outlets = [
            {"source": o.article.source, "text": o.text, "headline": o.headline, "articles": o.articles,
             **{k: v for k, v in o.article.model_dump(mode="json").items() if k != "source"}}
            for o in result.outlets
        ]  # fmt: skip
        echo_json({"topic": result.topic, "outlets": outlets})
    else:
        click.echo(render_comparison(result, PLAIN))
