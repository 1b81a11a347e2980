"""``newsbot timeline``: the coverage in date order, optionally drawn as a PNG chart."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import data_dir_option, echo_json, scoped_service, server_option
from bot.core.models import TimelineQuery
from bot.present.notices import render_chart_written
from bot.present.render import render_timeline, timeline_filters

__all__ = ["timeline"]


@click.command()
@click.argument("topic", required=False)
@click.option("--since", help="Only coverage on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", help="Only coverage on or before DATE.")
@click.option("--outlet", help="Only this outlet's coverage.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--chart", type=click.Path(dir_okay=False, path_type=Path), help="Also write a PNG chart of the coverage to FILE."
)
@server_option
@data_dir_option
def timeline(
    topic: str | None,
    since: str | None,
    until: str | None,
    outlet: str | None,
    as_json: bool,
    chart: Path | None,
    server: str | None,
    data_dir: Path | None,
) -> None:
    """The coverage of TOPIC (or all of it) in date order, oldest first.

    Example:

        newsbot timeline "police" --since 2019
        newsbot timeline --chart coverage.png
    """
    service, where = scoped_service(data_dir, server)
    query = TimelineQuery(topic=topic, since=since, until=until, outlet=outlet)
    result = service.timeline(query, server=where)
    if chart is not None:
        png = service.timeline_chart(query, server=where)
        partial = chart.with_name(chart.name + ".partial")
        partial.write_bytes(png)
        partial.replace(chart)
        click.echo(render_chart_written(chart), err=True)
    if as_json:
        echo_json(result.model_dump(mode="json"))
    else:
        click.echo(render_timeline(result, filters=timeline_filters(query)))
