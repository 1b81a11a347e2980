"""``newsbot add | remove | list | import | export``: what is in the coverage, one article or many at a time.

Adding by URL fetches the page (aiohttp and trafilatura are imported only then); an import is one transaction,
all or nothing unless ``--skip-invalid``; an export writes the corpus/ format that ``import`` reads back.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click

from bot.cli.common import actor, data_dir_option, echo_json, scoped_service, server_option, settings_for
from bot.cli.embed import wait_for_vectors
from bot.intake.article_files import read_article_file
from bot.present.listings import render_article_list, render_import_problems, render_import_report, render_removed
from bot.present.notices import render_exported, render_import_refused

__all__ = ["add", "export", "import_", "list_", "remove"]


@click.command()
@click.argument("source", metavar="FILE|URL")
@click.option("--title", help="Use this headline instead of the file's or page's.")
@click.option("--source", "outlet", help="Use this outlet instead of the file's or page's.")
@click.option("--date", help="Use this date (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--url", help="Use this URL.")
@click.option("--json", "as_json", is_flag=True, help='Print {"article_id": ...}.')
@server_option
@data_dir_option
def add(
    source: str,
    title: str | None,
    outlet: str | None,
    date: str | None,
    url: str | None,
    as_json: bool,
    server: str | None,
    data_dir: Path | None,
) -> None:
    """Add the article in FILE (.md with front matter, .json, .jsonl, .txt, .html) or at URL; print its id.

    A URL is fetched safely (public addresses only unless NEWSBOT_ALLOW_PRIVATE_URLS=1) and its article
    extracted; the options replace what the file or page says.

    Example:

        newsbot add story.md
        newsbot add https://www.example.com/news/story --source "Example News"
    """
    from bot.intake.ingest import (  # fetching needs aiohttp and trafilatura
        article_from_url,
        fetch_policy,
        looks_like_url,
    )

    overrides = {"title": title, "source": outlet, "date": date, "url": url}
    settings = settings_for(data_dir)
    service, where = scoped_service(data_dir, server)
    if looks_like_url(source):
        articles = [asyncio.run(article_from_url(source, fetch_policy(settings), overrides))]
    else:
        articles = read_article_file(Path(source), overrides=overrides)
    if len(articles) == 1:
        stored = [service.add(articles[0], actor=actor(), server=where)]
    else:
        stored = service.add_many(articles, actor=actor(), action="add", server=where)
    wait_for_vectors(service)  # the semantic reader's vectors of the new sentences (nothing without it)
    for article in stored:
        click.echo(json.dumps({"article_id": article.id}) if as_json else article.id)


@click.command(name="import")
@click.argument("path", metavar="FILE|DIR", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["newsbot", "huffpost"]), default="newsbot", show_default=True,
    help="newsbot: the article format (JSON Lines, or a corpus/ directory); huffpost: the News Category Dataset.",
)  # fmt: skip
@click.option("--skip-invalid", is_flag=True, help="Store the good articles even if some lines are bad.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@server_option
@data_dir_option
def import_(path: Path, fmt: str, skip_invalid: bool, as_json: bool, server: str | None, data_dir: Path | None) -> None:
    """Import many articles in one transaction: all or nothing unless --skip-invalid.

    Every bad line is reported with its number and field. Articles already stored exactly as given are left
    alone, so importing an export again changes nothing.

    Example:

        newsbot import articles.jsonl
        newsbot import huffpost.jsonl --format huffpost --skip-invalid
    """
    from bot.intake.bulk import read_import

    service, where = scoped_service(data_dir, server)
    lines = _count_lines(path)
    with click.progressbar(length=lines, label="Reading", file=sys.stderr, show_pos=True) as bar:
        position = [0]

        def advance(number: int) -> None:
            bar.update(number - position[0])
            position[0] = number

        items, errors = read_import(path, fmt, on_line=advance)  # type: ignore[arg-type]
        bar.update(lines - position[0])
    plan = service.plan_import(items, errors, server=where)
    for line in render_import_problems(plan.duplicates, plan.errors):
        click.echo(line, err=True)
    if plan.errors and not skip_invalid:
        click.echo(render_import_refused(len(plan.errors)), err=True)
        sys.exit(2)
    stored = service.add_many(plan.to_add, actor=actor(), action="import", server=where) if plan.to_add else []
    wait_for_vectors(service)
    report = {
        "read": plan.read,
        "added": len(stored),
        "unchanged": plan.unchanged,
        "duplicates": len(plan.duplicates),
        "invalid": len(plan.errors),
    }
    if as_json:
        click.echo(json.dumps(report))
    else:
        click.echo(render_import_report(report))


def _count_lines(path: Path) -> int:
    if path.is_dir():
        return 0
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


@click.command()
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace what DIR holds (by default DIR must be empty).")
@server_option
@data_dir_option
def export(directory: Path, force: bool, server: str | None, data_dir: Path | None) -> None:
    """Write the corpus to DIR in the corpus/ format (one Markdown file an article); `newsbot import DIR` reads it.

    DIR must be empty: files of an earlier export would bring removed articles back on the next import. --force
    replaces what is there.

    Example:

        newsbot export backup-corpus/
    """
    service, where = scoped_service(data_dir, server)
    count = service.export(directory, server=where, replace=force)
    click.echo(render_exported(count, directory / "articles"))


@click.command()
@click.argument("article_id", metavar="ID")
@server_option
@data_dir_option
def remove(article_id: str, server: str | None, data_dir: Path | None) -> None:
    """Remove the article with this ID (see `newsbot list`).

    Example:

        newsbot remove amazon-met-with-ice-officials-over-173ada
    """
    service, where = scoped_service(data_dir, server)
    removed = service.remove(article_id, actor=actor(), server=where)
    click.echo(render_removed(removed))


@click.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@server_option
@data_dir_option
def list_(as_json: bool, server: str | None, data_dir: Path | None) -> None:
    """List the stored articles: id, date, outlet, headline.

    Example:

        newsbot list --json
    """
    service, where = scoped_service(data_dir, server)
    articles = service.articles(server=where)
    if as_json:
        echo_json(
            [
                {
                    "article_id": a.id, "title": a.title, "source": a.source, "date": a.date, "url": a.url,
                    "authors": a.authors, "has_text": bool(a.body), "added_at": a.added_at, "added_by": a.added_by,
                }
                for a in articles
            ]
        )  # fmt: skip
        return
    if articles:
        click.echo(render_article_list(articles))
