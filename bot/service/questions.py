"""The questions part of the service: what a coverage says (answers, timelines and their charts, outlets, stats).

Every method reads the index of the coverage ``server`` reads, caught up with the store first, and hands it to a
picker of :mod:`bot.search` (answers, timeline, sources, compare); none of them changes anything.
"""

from __future__ import annotations

from collections import Counter

from bot.core.models import Answer, Sources, Stats, Timeline, TimelineQuery
from bot.core.quoting import OutletComparison
from bot.search.answers import answer_question
from bot.search.compare import compare_outlets
from bot.search.keeper import DEFAULT
from bot.search.sources import outlet_coverage
from bot.search.timeline import build_timeline
from bot.service.part import ServicePart

__all__ = ["QuestionsPart"]


class QuestionsPart(ServicePart):
    """Questions about a coverage."""

    def ask(self, question: str, *, server: int | None = None) -> Answer:
        if self._reader is not None:
            self._reader.load_in_background()  # the model loads while the index does (a command line's first answer)
        return answer_question(self.index_of(server), question, reader=self.reader)

    def timeline(self, query: TimelineQuery, *, server: int | None = None) -> Timeline:
        """The coverage of ``query`` (its topic, or all of it, within its filters) in date order."""
        return build_timeline(self.index_of(server), query)

    def timeline_chart(self, query: TimelineQuery, *, server: int | None = None) -> bytes:
        """A PNG of the timeline's coverage per period, stacked by outlet (the last charts drawn are kept by
        :mod:`bot.present.chart.cache`).

        Raises :class:`bot.core.errors.InvalidInput` when there is nothing dated to chart."""
        from bot.present.chart import ChartItem
        from bot.present.chart.cache import cached_chart_png
        from bot.search.query import matching_articles

        index = self.index_of(server)
        timeline = build_timeline(index, query)
        topic = query.topic
        relevance = matching_articles(index, topic) if topic and topic.strip() else {}
        items = [ChartItem(e.date, e.source, e.title, relevance.get(e.article_id, 0.0)) for e in timeline.entries]
        return cached_chart_png(items, topic=timeline.topic)

    def sources(self, topic: str | None = None, *, server: int | None = None) -> Sources:
        """Which outlets covered ``topic`` (or anything), best first."""
        return outlet_coverage(self.index_of(server), topic)

    def compare(self, topic: str, *, server: int | None = None) -> OutletComparison:
        """How each outlet that covered ``topic`` put it: its most relevant sentence, the most relevant outlet
        first (none when no outlet's coverage holds it)."""
        return compare_outlets(self.index_of(server), topic)

    def outlets(self, *, server: int | None = None) -> list[tuple[str, int]]:
        """Outlets with their article counts, most articles first."""
        counts = Counter(r.source for r in self.index_of(server).articles())
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))

    def stats(self, *, server: int | None = None) -> Stats:
        coverage = self.reads(server)
        index = self._indexes.index(coverage)[0]
        refs = index.articles()
        dated = sorted(r.date for r in refs if r.date)
        headline_only = sum(1 for r in refs if index.passage_count(r.id) == 1)
        changes = self._store.changes(limit=1, servers=(DEFAULT,) if coverage == DEFAULT else (DEFAULT, coverage))
        return Stats(
            articles=len(refs),
            with_text=len(refs) - headline_only,
            headlines_only=headline_only,
            sentences=index.size("sentence"),
            outlets=len({r.source for r in refs}),
            first_date=dated[0] if dated else None,
            last_date=dated[-1] if dated else None,
            undated=len(refs) - len(dated),
            last_change=changes[0].at if changes else None,
        )
