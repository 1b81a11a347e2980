"""New-coverage alerts as text: the post of one new article (headline, outlet, date, link), the confirmation that
an alert is set, and why it cannot be. In both styles; everything a feed, a page or a moderator chose is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.alerts import FeedAlert
from bot.core.models import Article, format_date
from bot.core.shorten import clip
from bot.present.style import Style, link_target

__all__ = [
    "AlertPost",
    "alert_json",
    "alert_post_json",
    "describe_alert",
    "describe_alert_post",
    "describe_posting",
    "render_alert_changed",
    "render_alert_lines",
    "render_alert_off",
    "render_alert_post",
    "render_alert_refused",
    "render_alert_set",
]

TITLE_LIMIT = 256  # Discord's embed title


@dataclass(frozen=True)
class AlertPost:
    """One post: its title (the headline), the link it leads to (None: none to give), and its text."""

    title: str
    url: str | None
    text: str


def render_alert_post(article: Article, alert: FeedAlert, feed_name: str, style: Style) -> AlertPost:
    """The post of a new article: its headline linked to it, then its outlet and date, the feed it came from and
    the alert's topic."""
    topic = f" · on “{style.escape(alert.topic)}”" if alert.topic else ""
    text = (
        f"{style.bold(style.escape(article.source))} · {format_date(article.date)}\n"
        f"New in the feed {style.escape(feed_name)}{topic}"
    )
    return AlertPost(title=clip(style.escape(article.title), TITLE_LIMIT), url=link_target(article.url), text=text)


def render_alert_set(where: str, topic: str | None, style: Style) -> str:
    """The confirmation that the feed's new articles will be posted in ``where`` (a channel, as the caller names
    it: our own words, not escaped), or only those on ``topic``."""
    which = f"its new articles on “{style.escape(topic)}”" if topic else "each of its new articles"
    return f"From now on, {which} will be posted in {where} (headline, outlet, date and link)."


def render_alert_changed(feed_id: int, where: str, topic: str | None, style: Style) -> str:
    """The confirmation that feed ``feed_id``'s alert now posts in ``where`` (our own words), on ``topic``."""
    said = render_alert_set(where, topic, style)
    return f"Feed {style.code(str(feed_id))}: {said[0].lower()}{said[1:]}"


def render_alert_refused(where: str, missing: Sequence[str]) -> str:
    """Why an alert cannot be set in ``where``: the permissions the bot lacks there; nothing was changed."""
    names = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
    return (
        f"I can't post alerts in {where}: I lack {names} there. Give me that in the channel's settings, or choose "
        "another channel; nothing was changed."
    )


def describe_alert(alert: FeedAlert, style: Style, where: str) -> str:
    """Where an alert posts (``where`` names its channel, in our own words) and on what topic."""
    return describe_posting(where, alert.topic, style)


def describe_posting(where: str, topic: str | None, style: Style) -> str:
    """``posts its new articles in WHERE, only those on “topic”``: ``where`` names a channel in our own words."""
    on = f", only those on “{style.escape(topic)}”" if topic else ""
    return f"posts its new articles in {where}{on}"


def describe_alert_post(channel_id: int, status: str, message_id: int | None, detail: str) -> str:
    """What became of an article's alert post, for a feed's log in a terminal."""
    where = f"the Discord channel {channel_id}"
    if status == "posted":
        return f"alert: posted in {where} (message {message_id})"
    if status == "off-topic":
        return f"alert: not posted in {where}: not on the alert's topic"
    if status == "claimed":
        return f"alert: being posted in {where}"
    return f"alert: not posted in {where}: {detail}"


def render_alert_lines(alerts: Sequence[FeedAlert], style: Style, where: Callable[[int], str]) -> list[str]:
    """One line an alert, for a listing of the feeds: which feed posts where (``where`` names a channel id, in our
    own words), and on what topic."""
    return [f"feed {style.code(str(a.feed_id))} {describe_alert(a, style, where(a.channel_id))}" for a in alerts]


def render_alert_off(feed_id: int, had_one: bool, style: Style) -> str:
    """The confirmation that feed ``feed_id`` posts nothing from now on (or that it posted nothing already)."""
    if not had_one:
        return f"Feed {style.code(str(feed_id))} had no alert: nothing was changed."
    return f"Feed {style.code(str(feed_id))} posts no new articles from now on (its alert is off)."


def alert_json(alert: FeedAlert | None) -> dict[str, Any] | None:
    """A feed's alert as ``feeds list --json`` gives it (None: no alert)."""
    if alert is None:
        return None
    return {
        "channel_id": alert.channel_id,
        "topic": alert.topic,
        "added_at": alert.added_at,
        "added_by": alert.added_by,
    }


def alert_post_json(post: tuple[str, int, str, int | None, str]) -> dict[str, Any]:
    """An article's alert post as ``feeds log --json`` gives it."""
    _, channel_id, status, message_id, detail = post
    return {"channel_id": channel_id, "status": status, "message_id": message_id, "detail": detail}
