"""``newsbot feeds ...``: subscribe to RSS and Atom feeds, poll them, and read what each poll did.

A click group over :class:`bot.feeds.subscriptions.Subscriptions`, added to the ``newsbot`` command line by
``cli.add_command(feeds)``. It shares ``--data-dir``, the error handling and the
attribution of changes with the rest of the command line through :mod:`bot.cli.common`.

Fetching honours ``NEWSBOT_ALLOW_PRIVATE_URLS`` through :func:`bot.intake.ingest.fetch_policy`.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import (
    ErrorHandlingGroup,
    actor,
    data_dir_option,
    echo_json,
    scoped_service,
    server_option,
    settings_for,
)
from bot.core.config import Settings
from bot.core.errors import InvalidInput
from bot.present.alerts import (
    alert_json,
    alert_post_json,
    render_alert_changed,
    render_alert_off,
    render_alert_set,
)
from bot.present.feeds import render_feed_list, render_feed_log, render_poll, render_subscribed, render_unsubscribed
from bot.present.style import PLAIN

if TYPE_CHECKING:
    from bot.feeds.subscriptions import Subscriptions
    from bot.intake.guard import FetchPolicy

__all__ = ["feeds"]


def _open(data_dir: Path | None, server: str | None) -> tuple[Settings, Subscriptions]:
    settings = settings_for(data_dir)
    from bot.feeds.subscriptions import (
        Subscriptions,  # fetching needs aiohttp and trafilatura: only feeds commands pay
    )

    service, where = scoped_service(data_dir, server)
    return settings, Subscriptions(service, server=where)


def _policy(settings: Settings) -> FetchPolicy:
    from bot.intake.ingest import fetch_policy

    return fetch_policy(settings)


@click.group(cls=ErrorHandlingGroup)
def feeds() -> None:
    """Subscribe to RSS and Atom feeds; their new entries become answerable at every poll.

    Example:

        newsbot feeds add https://example.com/world/rss.xml --outlet "The Example"
    """


@feeds.command(name="add")
@click.argument("url")
@click.option("--outlet", help="The outlet its articles are attributed to (default: the feed's title).")
@click.option(
    "--channel", type=click.IntRange(1, 2**63 - 1), help="Post each new article in this Discord channel (its id)."
)
@click.option("--topic", help="With --channel: only the new articles on this topic.")
@server_option
@data_dir_option
def add(
    url: str, outlet: str | None, channel: int | None, topic: str | None, server: str | None, data_dir: Path | None
) -> None:
    """Subscribe to the RSS or Atom feed at URL (fetched once to check it); with --channel, the bot posts each
    article it adds into that Discord channel.

    Example:

        newsbot feeds add https://example.com/world/rss.xml --outlet "The Example" --channel 123456789012345678
    """
    if topic is not None and channel is None:
        raise InvalidInput("--topic: only with --channel (the topic says which of the new articles are posted)")
    settings, subscriptions = _open(data_dir, server)
    service = subscriptions.service
    topic = service.check_alert_topic(topic)  # before subscribing: a wordless topic changes nothing
    feed = asyncio.run(subscriptions.add(url, policy=_policy(settings), actor=actor(), outlet=outlet))
    click.echo(render_subscribed(feed))
    if channel is not None:
        service.set_alert(feed, channel, topic, actor=actor(), server=subscriptions.server)
        click.echo(render_alert_set(f"the Discord channel {channel}", topic, PLAIN))
        click.echo(_WILL_CHECK)


_WILL_CHECK = (
    "The bot checks that it may post there (View Channel, Send Messages, Embed Links) before each post; "
    "a post it cannot make is logged."
)


@feeds.command(name="alert")
@click.argument("feed", metavar="ID")
@click.option(
    "--channel",
    type=click.IntRange(1, 2**63 - 1),
    help="Post the feed's new articles in this Discord channel (its id; default: the alert's current one).",
)
@click.option("--topic", help="Only the new articles on this topic (default: every new article).")
@click.option("--off", is_flag=True, help="Post nothing from now on.")
@server_option
@data_dir_option
def alert(
    feed: str, channel: int | None, topic: str | None, off: bool, server: str | None, data_dir: Path | None
) -> None:
    """Change the alert of the feed with this ID (or URL), or turn it off: from now on its new articles are posted
    in --channel (by default the alert's current channel), only those on --topic if given, or none with --off.

    Examples:

        newsbot feeds alert 3 --channel 123456789012345678 --topic "facial recognition"

        newsbot feeds alert 3 --off
    """
    if off and (channel is not None or topic is not None):
        raise InvalidInput("--off: alone (with --off the feed posts nothing, so --channel and --topic say nothing)")
    if not off and channel is None and topic is None:
        raise InvalidInput("give --channel ID (and --topic TEXT) to say where and what the feed posts, or --off")
    _, subscriptions = _open(data_dir, server)
    service, where = subscriptions.service, subscriptions.server
    record = subscriptions.get(feed)
    if off:
        click.echo(render_alert_off(record.id, service.remove_alert(record, actor=actor(), server=where), PLAIN))
        return
    kept = service.check_alert_topic(topic)
    if channel is None:
        current = service.alert_of(record)
        if current is None:
            raise InvalidInput(f"--channel: feed {record.id} has no alert yet: give the channel to post in")
        channel = current.channel_id
    service.set_alert(record, channel, kept, actor=actor(), server=where)
    click.echo(render_alert_changed(record.id, f"the Discord channel {channel}", kept, PLAIN))
    click.echo(_WILL_CHECK)


@feeds.command(name="remove")
@click.argument("feed", metavar="ID")
@server_option
@data_dir_option
def remove(feed: str, server: str | None, data_dir: Path | None) -> None:
    """Unsubscribe the feed with this ID (or URL). The articles it added stay.

    Example:

        newsbot feeds remove 3
    """
    _, subscriptions = _open(data_dir, server)
    removed = subscriptions.remove(feed, actor=actor())
    click.echo(render_unsubscribed(removed))


@feeds.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@server_option
@data_dir_option
def list_(as_json: bool, server: str | None, data_dir: Path | None) -> None:
    """List the subscribed feeds: id, outlet, what their entries became, last poll, and the alert of each.

    Example:

        newsbot feeds list
    """
    _, subscriptions = _open(data_dir, server)
    records = subscriptions.list()
    alerts = {a.feed_id: a for a in subscriptions.service.alerts(server=subscriptions.server)}
    if as_json:
        echo_json([{**r.to_json(), "alert": alert_json(alerts.get(r.id))} for r in records])
        return
    for line in render_feed_list(records, alerts):
        click.echo(line)


@feeds.command(name="log")
@click.argument("feed", metavar="ID")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1), help="How many lines.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@server_option
@data_dir_option
def log_(feed: str, limit: int, as_json: bool, server: str | None, data_dir: Path | None) -> None:
    """What became of the feed's entries, newest first: added, skipped or failed, and why; and what its alert did
    with each article (posted in which channel, or why not).

    Example:

        newsbot feeds log 3
    """
    _, subscriptions = _open(data_dir, server)
    record = subscriptions.get(feed)
    entries = subscriptions.log(record.id, limit)
    posts: dict[str, list[tuple[str, int, str, int | None, str]]] = {}
    for post in subscriptions.service.alert_posts(record.id):
        posts.setdefault(post[0], []).append(post)
    if as_json:
        echo_json(
            [
                {**e.to_json(), "alerts": [alert_post_json(p) for p in posts.get(e.article_id or "", [])]}
                for e in entries
            ]
        )
        return
    for line in render_feed_log(entries, posts):
        click.echo(line)


@feeds.command(name="poll")
@click.argument("feed", metavar="[ID]", required=False)
@click.option(
    "--max-new", default=20, show_default=True, type=click.IntRange(min=1), help="New entries taken per feed."
)
@server_option
@data_dir_option
def poll(feed: str | None, max_new: int, server: str | None, data_dir: Path | None) -> None:
    """Fetch new entries of every feed (or of feed ID) now; print what became of each, and a summary.

    Exit status 1 when a feed could not be fetched (the others are polled all the same).

    Example:

        newsbot feeds poll
    """
    settings, subscriptions = _open(data_dir, server)
    report = asyncio.run(subscriptions.poll(feed, policy=_policy(settings), max_new_per_feed=max_new))
    for line in render_poll(report):
        click.echo(line)
    if report.feeds and report.errors:
        sys.exit(1)
