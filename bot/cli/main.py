"""The ``newsbot`` command line: a thin layer over :class:`bot.service.NewsService`.

Every command takes ``--data-dir`` (or ``NEWSBOT_DATA_DIR``). Errors are one line on stderr, ``newsbot: error:
...``, with exit status 2 for bad input and 1 otherwise; nothing is changed when a command fails.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import click

from bot.cli.common import ErrorHandlingGroup, actor, data_dir_option, echo_json, open_service
from bot.cli.feeds import feeds
from bot.core.config import Settings, load_settings
from bot.core.errors import InvalidInput
from bot.core.models import format_date
from bot.intake.corpus import read_article_file
from bot.present.render import render_answer, render_sources, render_timeline
from bot.service import NewsService

__all__ = ["cli"]


def _settings(data_dir: Path | None) -> Settings:
    return load_settings(data_dir=data_dir)


def _service(data_dir: Path | None) -> NewsService:
    return open_service(_settings(data_dir))


@click.group(cls=ErrorHandlingGroup)
@click.version_option(package_name="newsbot")
def cli() -> None:
    """newsbot: ask the coverage of a news story, get back the reporters' own sentences.

    Example:

        newsbot ask "What did Amazon pitch to ICE?"
    """


@cli.command()
@click.argument("question", required=False)
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="Answer one question per line of FILE.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (JSON Lines with --batch).")
@data_dir_option
def ask(question: str | None, batch: Any, as_json: bool, data_dir: Path | None) -> None:
    """Answer QUESTION with verbatim, attributed quotes from the coverage.

    Example:

        newsbot ask "What did Amazon pitch to ICE?"
    """
    if (question is None) == (batch is None):
        raise InvalidInput("give either a QUESTION or --batch FILE (one question per line)")
    service = _service(data_dir)
    if question is not None:
        answer = service.ask(question)
        if as_json:
            echo_json(answer.model_dump(mode="json"))
        else:
            click.echo(_render(service, answer))
        return
    failed = 0
    for number, line in enumerate(batch, start=1):
        if not line.strip():
            continue
        try:
            answer = service.ask(line)
        except InvalidInput as exc:
            failed += 1
            click.echo(f"newsbot: error: {getattr(batch, 'name', '-')}:{number}: {exc}", err=True)
            continue
        if as_json:
            click.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False))
        else:
            click.echo(f"## {answer.question}\n\n{_render(service, answer)}\n")
    if failed:
        sys.exit(2)


def _render(service: NewsService, answer: Any) -> str:
    if answer.answered:
        return render_answer(answer)
    return render_answer(answer, stats=service.stats(), outlets=[name for name, _ in service.outlets()])


@cli.command()
@click.argument("topic", required=False)
@click.option("--since", help="Only coverage on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", help="Only coverage on or before DATE.")
@click.option("--outlet", help="Only this outlet's coverage.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--chart", type=click.Path(dir_okay=False, path_type=Path), help="Also write a PNG chart of the coverage to FILE."
)
@data_dir_option
def timeline(
    topic: str | None,
    since: str | None,
    until: str | None,
    outlet: str | None,
    as_json: bool,
    chart: Path | None,
    data_dir: Path | None,
) -> None:
    """The coverage of TOPIC (or all of it) in date order, oldest first.

    Example:

        newsbot timeline "police" --since 2019
        newsbot timeline --chart coverage.png
    """
    service = _service(data_dir)
    result = service.timeline(topic, since=since, until=until, outlet=outlet)
    if chart is not None:
        png = service.timeline_chart(topic, since=since, until=until, outlet=outlet)
        partial = chart.with_name(chart.name + ".partial")
        partial.write_bytes(png)
        partial.replace(chart)
        click.echo(f"Wrote the chart to {chart}", err=True)
    if as_json:
        echo_json(result.model_dump(mode="json"))
    else:
        click.echo(render_timeline(result, filters=_filters(since, until, outlet)))


def _filters(since: str | None, until: str | None, outlet: str | None) -> str:
    parts = [
        f"since {since}" if since else "",
        f"until {until}" if until else "",
        f"from {outlet}" if outlet else "",
    ]
    text = ", ".join(p for p in parts if p)
    return f", {text}" if text else ""


@cli.command()
@click.argument("topic", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
def sources(topic: str | None, as_json: bool, data_dir: Path | None) -> None:
    """Which outlets covered TOPIC (or anything): articles, first and last dates, earliest headline; best first.

    Example:

        newsbot sources "police"
    """
    result = _service(data_dir).sources(topic)
    if as_json:
        echo_json(result.model_dump(mode="json"))
    else:
        click.echo(render_sources(result))


@cli.command()
@click.argument("source", metavar="FILE|URL")
@click.option("--title", help="Use this headline instead of the file's or page's.")
@click.option("--source", "outlet", help="Use this outlet instead of the file's or page's.")
@click.option("--date", help="Use this date (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--url", help="Use this URL.")
@click.option("--json", "as_json", is_flag=True, help='Print {"article_id": ...}.')
@data_dir_option
def add(
    source: str,
    title: str | None,
    outlet: str | None,
    date: str | None,
    url: str | None,
    as_json: bool,
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
    settings = _settings(data_dir)
    if looks_like_url(source):
        articles = [asyncio.run(article_from_url(source, fetch_policy(settings), overrides))]
    else:
        articles = read_article_file(Path(source), overrides=overrides)
    service = open_service(settings)
    if len(articles) == 1:
        stored = [service.add(articles[0], actor=actor())]
    else:
        stored = service.add_many(articles, actor=actor(), action="add")
    for article in stored:
        click.echo(json.dumps({"article_id": article.id}) if as_json else article.id)


@cli.command(name="import")
@click.argument("path", metavar="FILE|DIR", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["newsbot", "huffpost"]), default="newsbot", show_default=True,
    help="newsbot: the article format (JSON Lines, or a corpus/ directory); huffpost: the News Category Dataset.",
)  # fmt: skip
@click.option("--skip-invalid", is_flag=True, help="Store the good articles even if some lines are bad.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@data_dir_option
def import_(path: Path, fmt: str, skip_invalid: bool, as_json: bool, data_dir: Path | None) -> None:
    """Import many articles in one transaction: all or nothing unless --skip-invalid.

    Every bad line is reported with its number and field. Articles already stored exactly as given are left
    alone, so importing an export again changes nothing.

    Example:

        newsbot import articles.jsonl
        newsbot import huffpost.jsonl --format huffpost --skip-invalid
    """
    from bot.intake.bulk import plan_import, read_import

    service = _service(data_dir)
    lines = _count_lines(path)
    with click.progressbar(length=lines, label="Reading", file=sys.stderr, show_pos=True) as bar:
        position = [0]

        def advance(number: int) -> None:
            bar.update(number - position[0])
            position[0] = number

        items, errors = read_import(path, fmt, on_line=advance)  # type: ignore[arg-type]
        bar.update(lines - position[0])
    plan = plan_import(service.store, items, errors)
    for line in plan.duplicates[:50]:
        click.echo(f"newsbot: skipped duplicate: {line}", err=True)
    for line in plan.errors[:50]:
        click.echo(f"newsbot: error: {line}", err=True)
    if len(plan.errors) > 50:
        click.echo(f"newsbot: error: ... and {len(plan.errors) - 50} more bad lines", err=True)
    if plan.errors and not skip_invalid:
        click.echo(
            f"newsbot: nothing was imported: {len(plan.errors)} bad line(s); fix them or use --skip-invalid", err=True
        )
        sys.exit(2)
    stored = service.add_many(plan.to_add, actor=actor(), action="import") if plan.to_add else []
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
        click.echo(
            f"Imported {report['added']} articles ({report['unchanged']} already stored, "
            f"{report['duplicates']} duplicates skipped, {report['invalid']} bad lines skipped)."
        )


def _count_lines(path: Path) -> int:
    if path.is_dir():
        return 0
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


@cli.command()
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@data_dir_option
def export(directory: Path, data_dir: Path | None) -> None:
    """Write the corpus to DIR in the corpus/ format (one Markdown file an article); `newsbot import DIR` reads it.

    Example:

        newsbot export backup-corpus/
    """
    from bot.intake.bulk import export_corpus

    count = export_corpus(_service(data_dir).store, directory)
    click.echo(f"Exported {count} articles to {directory / 'articles'}")


@cli.command()
@click.argument("article_id", metavar="ID")
@data_dir_option
def remove(article_id: str, data_dir: Path | None) -> None:
    """Remove the article with this ID (see `newsbot list`).

    Example:

        newsbot remove amazon-met-with-ice-officials-over-173ada
    """
    removed = _service(data_dir).remove(article_id, actor=actor())
    click.echo(f"Removed {removed.id}: {removed.title} ({removed.source}, {format_date(removed.date)})")


@cli.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@data_dir_option
def list_(as_json: bool, data_dir: Path | None) -> None:
    """List the stored articles: id, date, outlet, headline.

    Example:

        newsbot list --json
    """
    articles = _service(data_dir).articles()
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
    width = max((len(a.id) for a in articles), default=0)
    for a in articles:
        click.echo(f"{a.id:<{width}}  {format_date(a.date):>11}  {a.source}: {a.title}")


@cli.command()
@data_dir_option
def stats(data_dir: Path | None) -> None:
    """Counts of the corpus: articles, sentences, outlets, dates.

    Example:

        newsbot stats
    """
    service = _service(data_dir)
    s = service.stats()
    click.echo(f"articles:        {s.articles} ({s.with_text} with text, {s.headlines_only} headlines only)")
    click.echo(f"sentences:       {s.sentences}")
    click.echo(f"outlets:         {s.outlets}")
    dates = f"{format_date(s.first_date)} to {format_date(s.last_date)}" if s.first_date else "none"
    click.echo(f"dates:           {dates} ({s.undated} undated)")
    click.echo(f"last change:     {s.last_change or 'none'}")
    click.echo(f"data directory:  {service.store.path}")


@cli.command()
@data_dir_option
def run(data_dir: Path | None) -> None:
    """Start the Discord bot (the token comes from DISCORD_TOKEN); stop it with Ctrl-C or SIGTERM.

    Example:

        DISCORD_TOKEN=... newsbot run
    """
    from bot.discord_app import run_bot

    run_bot(_settings(data_dir))


@cli.command()
@click.option("--guild", "guild_id", type=int, help="Sync to this guild only (instant); without it, globally.")
@data_dir_option
def sync(guild_id: int | None, data_dir: Path | None) -> None:
    """Register the slash commands with Discord: in one guild, or globally (may take up to an hour).

    Example:

        newsbot sync --guild 123456789012345678
    """
    from bot.discord_app import sync_commands

    names = sync_commands(_settings(data_dir), guild_id)
    where = f"guild {guild_id}" if guild_id else "all guilds (global; Discord may take up to an hour)"
    click.echo(f"Synced {len(names)} commands to {where}: {', '.join('/' + n for n in sorted(names))}")


@cli.command()
@click.argument("target", metavar="FILE", type=click.Path(path_type=Path))
@data_dir_option
def backup(target: Path, data_dir: Path | None) -> None:
    """Back up the database to FILE with SQLite's online backup; safe while the bot runs.

    Example:

        newsbot backup /var/backups/newsbot-2026-11-29.sqlite3
    """
    from bot.ops.maintenance import backup as run_backup

    service = open_service(_settings(data_dir), seed=False)
    size = run_backup(service.store, target)
    click.echo(f"Backed up {service.store.path} to {target} ({size:,} bytes)")


@cli.command()
@click.argument("source", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@data_dir_option
def restore(source: Path, yes: bool, data_dir: Path | None) -> None:
    """Replace the database with the backup in FILE (checked first). Stop the bot before restoring.

    Example:

        newsbot restore /var/backups/newsbot-2026-11-29.sqlite3 --yes
    """
    from bot.ops.maintenance import restore as run_restore

    settings = _settings(data_dir)
    if not yes:
        click.confirm(f"Replace the corpus in {settings.database_path} with {source}?", abort=True, err=True)
    count, moved = run_restore(settings.database_path, source)
    if moved is not None:
        click.echo(f"The damaged database was moved to {moved}", err=True)
    click.echo(f"Restored {count} articles from {source}")


@cli.command()
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

    settings = _settings(data_dir)
    checks = run_doctor(settings, lambda service: command_payload(settings, service))
    for check in checks:
        if quiet and check.ok and not check.fix:
            continue
        mark = "FAIL" if not check.ok else "WARN" if check.fix else "ok  "
        click.echo(f"{mark} {check.name}: {check.detail}" + (f" — {check.fix}" if check.fix else ""))
    if not all(check.ok for check in checks):
        sys.exit(1)


@cli.command()
@click.option("--sizes", default="10000,100000,1000000", show_default=True, help="Synthetic corpus sizes, in passages.")
@click.option("--queries", default=200, show_default=True, help="Queries per corpus.")
@click.option("--no-bm25s", is_flag=True, help="Leave bm25s (timed for reference only) out.")
@click.option("--skip-rank-bm25-above", type=int, help="Do not run rank-bm25 on corpora larger than this.")
@click.option(
    "--cold-start", "cold_articles", type=int, default=0,
    help="Also time a new process's first answer over a data directory of this many articles (e.g. 100000).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
def bench(
    sizes: str, queries: int, no_bm25s: bool, skip_rank_bm25_above: int | None, cold_articles: int, as_json: bool
) -> None:
    """Benchmark retrieval against rank-bm25 (and bm25s) side by side, in one run; see BENCHMARKS.md.

    Example:

        newsbot bench --sizes 10000,100000 --queries 100
    """
    from bot.ops.bench import format_report, run_benchmark

    try:
        size_list = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise InvalidInput(f"--sizes: {sizes!r} is not a comma-separated list of numbers") from None
    try:
        result = run_benchmark(
            sizes=size_list,
            queries=queries,
            include_bm25s=not no_bm25s,
            skip_rank_bm25_above=skip_rank_bm25_above,
            progress=lambda message: click.echo(message, err=True),
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if cold_articles:
        from bot.ops.bench_service import cold_start

        result["cold_start"] = cold_start(cold_articles, progress=lambda message: click.echo(message, err=True))
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(format_report(result))
    if cold_articles:
        cold = result["cold_start"]
        first = cold["first_answer_seconds"]
        click.echo(
            f"\nCold start: {cold['articles']:,} articles, {cold['passages']:,} passages; first answer in a new "
            f"process {first['best']} s with the saved index ({first['rebuilding_the_index']} s rebuilding it); "
            f"index build and save {cold['index_build_and_save_seconds']} s, {cold['index_megabytes']} MB."
        )


cli.add_command(feeds)


def main() -> None:  # pragma: no cover - the console script
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
