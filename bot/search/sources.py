"""Who covered it: the outlets of a topic (or of the whole corpus), with their counts, first and last dates and
earliest headline, best first (most articles, then earliest coverage)."""

from __future__ import annotations

from bot.core.models import OutletCoverage, Sources, date_sort_key
from bot.search.index import ArticleRef, CoverageIndex
from bot.search.query import matching_articles

__all__ = ["outlet_coverage"]


def outlet_coverage(index: CoverageIndex, topic: str | None = None) -> Sources:
    """The outlets covering ``topic`` (all articles when None), most articles first."""
    refs = index.articles()
    if topic and topic.strip():
        wanted = matching_articles(index, topic)
        refs = [r for r in refs if r.id in wanted]
    by_outlet: dict[str, list[ArticleRef]] = {}
    for ref in refs:
        by_outlet.setdefault(ref.source, []).append(ref)
    outlets = []
    firsts: dict[str, int] = {}
    for source, items in by_outlet.items():
        items.sort(key=lambda r: (date_sort_key(r.date), r.order))
        dated = [r.date for r in items if r.date]
        first = items[0]
        firsts[source] = first.order
        outlets.append(
            OutletCoverage(
                source=source,
                articles=len(items),
                first_date=dated[0] if dated else None,
                last_date=max(dated) if dated else None,
                earliest_title=first.title,
                earliest_article_id=first.id,
                earliest_url=first.url,
            )
        )
    outlets.sort(key=lambda o: (-o.articles, date_sort_key(o.first_date), firsts[o.source]))
    return Sources(topic=topic.strip() if topic and topic.strip() else None, articles=len(refs), outlets=outlets)
