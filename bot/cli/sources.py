"""``newsbot sources``: which outlets covered a topic."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import data_dir_option, echo_json, scoped_service, server_option
from bot.present.render import render_sources

__all__ = ["sources"]


@click.command()
@click.argument("topic", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@server_option
@data_dir_option
def sources(topic: str | None, as_json: bool, server: str | None, data_dir: Path | None) -> None:
    """Which outlets covered TOPIC (or anything): articles, first and last dates, earliest headline; best first.

    Example:

        newsbot sources "police"
    """
    service, where = scoped_service(data_dir, server)
    result = service.sources(topic, server=where)
    if as_json:
        echo_json(result.model_dump(mode="json"))
    else:
        click.echo(render_sources(result))
