"""The last charts drawn, kept so that the same picture is not drawn twice (drawing costs far more than counting).

A chart is a function of what it shows: the items, the topic and the period. The cache is keyed by a digest of
exactly that, so it can never hand out a stale picture (a changed coverage gives other items, hence another key)
and it holds no articles, only the digests and the PNG bytes of the last :data:`KEPT` charts.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Literal

from bot.present.chart.bins import ChartItem

__all__ = ["KEPT", "ChartCache", "cached_chart_png"]

KEPT = 32  # charts kept, least recently used dropped first

Period = Literal["auto", "week", "month", "year"]


def _digest(items: Sequence[ChartItem], topic: str | None, period: Period) -> bytes:
    hasher = hashlib.blake2b(digest_size=20)
    hasher.update(repr((topic, period)).encode())
    for item in items:
        hasher.update(repr((item.date, item.source, item.title, item.relevance)).encode())
    return hasher.digest()


class ChartCache:
    """PNG bytes of the last ``kept`` charts by what they show. Thread-safe."""

    def __init__(self, kept: int = KEPT) -> None:
        self.kept = kept
        self._charts: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def png(self, items: Sequence[ChartItem], *, topic: str | None, period: Period = "auto") -> bytes:
        """:func:`bot.present.chart.chart_png` of these arguments, drawn once while it is among the last kept."""
        from bot.present.chart import chart_png

        key = _digest(items, topic, period)
        with self._lock:
            cached = self._charts.get(key)
            if cached is not None:
                self._charts.move_to_end(key)
                return cached
        png = chart_png(items, topic=topic, period=period)  # outside the lock: other charts are drawn meanwhile
        with self._lock:
            self._charts[key] = png
            self._charts.move_to_end(key)
            while len(self._charts) > self.kept:
                self._charts.popitem(last=False)
        return png

    def __len__(self) -> int:
        return len(self._charts)


_CHARTS = ChartCache()


def cached_chart_png(items: Sequence[ChartItem], *, topic: str | None, period: Period = "auto") -> bytes:
    """The chart of ``items``, from the process's cache of the last :data:`KEPT` charts when it was drawn."""
    return _CHARTS.png(items, topic=topic, period=period)
