"""Feeds as text: subscriptions confirmed and listed, a feed's log, and what a poll did.

The command line prints these lines as they are; Discord shows them in its style, with everything a feed or a page
chose (titles, outlets, errors) escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.alerts import FeedAlert
from bot.core.models import FeedLogEntry, FeedRecord, PollReport
from bot.core.shorten import clip
from bot.present.alerts import describe_alert, describe_alert_post
from bot.present.listings import CHOICE_CHARS, fit_lines
from bot.present.style import PLAIN, Style

AlertPostRow = tuple[str, int, str, int | None, str]  # article id, channel, status, message id, detail

__all__ = [
    "NO_FEEDS",
    "describe_entry",
    "describe_poll",
    "feed_choice",
    "render_feed_digest",
    "render_feed_list",
    "render_feed_log",
    "render_poll",
    "render_subscribed",
    "render_unsubscribed",
]


NO_FEEDS = "No feeds are subscribed (add one with: newsbot feeds add URL)."


def feed_name(feed: FeedRecord) -> str:
    """The feed as a confirmation names it: "title (outlet)", or the outlet alone when it is the title."""
    return f"{feed.name} ({feed.outlet})" if feed.title and feed.title != feed.outlet else feed.outlet


def render_subscribed(feed: FeedRecord, style: Style = PLAIN, *, poll_minutes: float | None = None) -> str:
    """The confirmation of a new subscription: what it is, whom its articles are credited to, when they come."""
    if style is PLAIN:
        return style.escape(
            f"Subscribed feed {feed.id}: {feed.title or feed.url}, attributed to {feed.outlet}.\n"
            f"Its entries are added at the next poll (now: newsbot feeds poll {feed.id})."
        )
    every = f" (every {poll_minutes:g} minutes)" if poll_minutes is not None else ""
    return (
        f"Subscribed feed {style.code(str(feed.id))}: {style.escape(feed_name(feed))}, credited to "
        f"{style.bold(style.escape(feed.outlet))}. Its new entries are added at the next poll{every}."
    )


def render_unsubscribed(feed: FeedRecord, style: Style = PLAIN) -> str:
    """The confirmation of an unsubscription; the articles the feed added stay, and it says so."""
    if style is PLAIN:
        kept = f" The {feed.added} articles it added stay in the coverage." if feed.added else ""
        return style.escape(f"Removed feed {feed.id}: {feed.name} ({feed.url}).{kept}")
    kept = (
        f" The {feed.added} articles it added stay in the coverage ({style.command('corpus remove')} removes one)."
        if feed.added
        else ""
    )
    return f"Removed feed {style.code(str(feed.id))}: {style.escape(feed_name(feed))}.{kept}"


def _counts(feed: FeedRecord) -> str:
    return f"{feed.added} added, {feed.skipped} skipped, {feed.failed} failed"


def feed_choice(feed: FeedRecord) -> str:
    """A feed as an autocomplete choice names it (plain text: Discord shows choices without markdown)."""
    return clip(f"{feed.id}: {feed.name} — {feed.url}", CHOICE_CHARS)


def render_feed_list(records: Sequence[FeedRecord], alerts: Mapping[int, FeedAlert] | None = None) -> list[str]:
    """Two lines a feed for a terminal: id, outlet, title and URL; then its counts, last poll and last error; and
    a third for a feed with an alert (``alerts``, by feed id): the Discord channel it posts in, and its topic."""
    if not records:
        return [NO_FEEDS]
    lines = []
    for r in records:
        polled = f"last polled {r.last_polled_at}" if r.last_polled_at else "not polled yet"
        lines.append(f"{r.id:>3}  {r.outlet}: {r.title or '(untitled)'}  {r.url}")
        lines.append(f"     {_counts(r)}; {polled}" + (f"; last error: {r.last_error}" if r.last_error else ""))
        alert = (alerts or {}).get(r.id)
        if alert is not None:
            lines.append(f"     alert: {describe_alert(alert, PLAIN, f'the Discord channel {alert.channel_id}')}")
    return [PLAIN.escape(line) for line in lines]  # feed data carries no terminal escape sequence


def render_feed_digest(records: Sequence[FeedRecord], style: Style, *, max_chars: int) -> str:
    """The feeds as Discord lists them (each with its counts, last poll and error), as many as fit."""
    lines = [_digest_line(r, style) for r in records]
    text = fit_lines(lines, max_chars, f"see {style.code('newsbot feeds list')}")
    return text or f"No feeds are subscribed: add one with {style.command('feeds add')}."


def _digest_line(feed: FeedRecord, style: Style) -> str:
    polled = f"last poll {feed.last_polled_at}" if feed.last_polled_at else "not polled yet"
    error = f"\n  ⚠ {style.escape(clip(feed.last_error, 300))}" if feed.last_error else ""
    return (
        f"{style.code(str(feed.id))} {style.bold(style.escape(clip(feed.outlet, 100)))} · "
        f"{style.escape(clip(feed.name, 150))}\n"
        f"  {style.address(feed.url)} · {_counts(feed)} · {polled}{error}"
    )


def describe_entry(entry: FeedLogEntry) -> str:
    """One line for a log or a poll report: status, feed, article, headline and why."""
    article = f" {entry.article_id}" if entry.article_id else ""
    title = entry.title or entry.url or entry.entry_key
    return PLAIN.escape(f"{entry.status:<7} feed {entry.feed_id}{article}: {title}: {entry.reason}")


def render_feed_log(
    entries: Sequence[FeedLogEntry], posts: Mapping[str, Sequence[AlertPostRow]] | None = None
) -> list[str]:
    """A feed's log for a terminal, newest first: when, then what became of the entry, and under an article its
    alert posts (``posts``, by article id: what the feed's alert did with it)."""
    if not entries:
        return ["Nothing yet: the feed has not been polled (newsbot feeds poll)."]
    lines = []
    for entry in entries:
        lines.append(f"{PLAIN.escape(entry.at)}  {describe_entry(entry)}")
        for _, channel, status, message, detail in (posts or {}).get(entry.article_id or "", ()):
            lines.append(f"{'':<22}{PLAIN.escape(describe_alert_post(channel, status, message, detail))}")
    return lines


def render_poll(report: PollReport) -> list[str]:
    """What ``newsbot feeds poll`` prints: :func:`describe_poll`, or that there is no feed to poll."""
    return describe_poll(report) if report.feeds else [NO_FEEDS]


def describe_poll(report: PollReport) -> list[str]:
    """The lines of a poll report: one per entry taken, one per feed that failed, then a summary."""
    lines: list[str] = []
    for polled in report.feeds:
        lines.extend(describe_entry(e) for e in polled.entries)
        if polled.error is not None:
            lines.append(PLAIN.escape(f"{'failed':<7} feed {polled.feed.id} ({polled.feed.name}): {polled.error}"))
    n = len(report.feeds)
    summary = (
        f"Polled {n} feed{'s' if n != 1 else ''}: {report.count('added')} added, "
        f"{report.count('skipped')} skipped, {report.count('failed')} failed"
    )
    if report.errors:
        summary += f"; {len(report.errors)} feed{'s' if len(report.errors) != 1 else ''} could not be polled"
    if report.waiting:
        summary += f"; {report.waiting} new entries wait for the next poll"
    lines.append(summary + ".")
    return lines
