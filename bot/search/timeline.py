"""The coverage in date order: all of it, or the articles on a topic, with since / until / outlet filters.

Dates keep their precision: an entry dated "2017-10" is shown as "Oct 2017", sorts at the start of its month,
and passes a ``since``/``until`` filter when the month overlaps the range (it *may* lie inside it). Undated
entries come last; a date filter leaves them out because nothing says they fall inside the range.
"""

from __future__ import annotations

from bot.core.errors import InvalidDate
from bot.core.models import Timeline, TimelineEntry, TimelineQuery, date_bounds, date_sort_key, parse_partial_date
from bot.search.index import ArticleRef, CoverageIndex
from bot.search.query import matching_articles

__all__ = ["build_timeline"]


def build_timeline(index: CoverageIndex, query: TimelineQuery) -> Timeline:
    """Entries oldest first; undated last. ``since``/``until`` are YYYY, YYYY-MM or YYYY-MM-DD, inclusive."""
    topic, since, until, outlet = query.topic, query.since, query.until, query.outlet
    low = _bound(since, "since", 0)
    high = _bound(until, "until", 1)
    if low and high and low > high:
        raise InvalidDate(f"since ({since}) is after until ({until})")
    refs = index.articles()
    if topic and topic.strip():
        wanted = matching_articles(index, topic)
        refs = [r for r in refs if r.id in wanted]
    if outlet and outlet.strip():
        name = outlet.strip().casefold()
        refs = [r for r in refs if r.source.casefold() == name] or [r for r in refs if name in r.source.casefold()]
    if low or high:
        refs = [r for r in refs if _overlaps(r, low, high)]
    refs.sort(key=lambda r: (date_sort_key(r.date), r.order))
    entries = [TimelineEntry(article_id=r.id, date=r.date, title=r.title, source=r.source, url=r.url) for r in refs]
    return Timeline(topic=topic.strip() if topic and topic.strip() else None, entries=entries)


def _bound(value: str | None, name: str, side: int) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        date = parse_partial_date(value)
    except ValueError as exc:
        raise InvalidDate(f"{name}: {exc}") from None
    return date_bounds(date)[side].isoformat()


def _overlaps(ref: ArticleRef, low: str | None, high: str | None) -> bool:
    if ref.date is None:
        return False
    first, last = (d.isoformat() for d in date_bounds(ref.date))
    return (low is None or last >= low) and (high is None or first <= high)
