"""New-coverage alerts as text: the post of one new article (headline, outlet, date, link), the confirmation that
an alert is set, and why it cannot be. In both styles; everything a feed, a page or a moderator chose is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.alerts import FeedAlert
from bot.core.models import Article, format_date
from bot.core.shorten import clip
from bot.present.style import Style, link_target

__all__ = ["AlertPost", "render_alert_lines", "render_alert_post", "render_alert_refused", "render_alert_set"]

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


def render_alert_refused(where: str, missing: Sequence[str]) -> str:
    """Why an alert cannot be set in ``where``: the permissions the bot lacks there; nothing was changed."""
    names = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
    return (
        f"I can't post alerts in {where}: I lack {names} there. Give me that in the channel's settings, or choose "
        "another channel; nothing was changed."
    )


def render_alert_lines(alerts: Sequence[FeedAlert], style: Style, where: Callable[[int], str]) -> list[str]:
    """One line an alert, for a listing of the feeds: which feed posts where (``where`` names a channel id, in our
    own words), and on what topic."""
    return [
        f"feed {style.code(str(a.feed_id))} posts its new articles in {where(a.channel_id)}"
        + (f", only those on “{style.escape(a.topic)}”" if a.topic else "")
        for a in alerts
    ]
