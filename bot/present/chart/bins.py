"""The numbers behind the coverage chart: dated articles binned by week, month or year and counted per outlet.

Pure Python (no matplotlib), so the counts, the notes and the labels can be tested without looking at pixels.
Dates keep their precision (see :mod:`bot.core.models`). An article is counted in the bin of the first day its date
can stand for; when the date is coarser than the bins (a "2017-10" article on a weekly chart, a "2019" article
on a monthly one) that bin is a guess, so such articles are counted in ``imprecise`` and the image says so.
Undated articles cannot be placed at all: they are left out of the bars and counted in a note.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from bot.core.errors import InvalidDate, InvalidInput
from bot.core.models import date_bounds, date_precision, format_date, parse_partial_date
from bot.core.shorten import shorten

__all__ = [
    "HEADLINE_CHARS",
    "MAX_BINS",
    "MAX_HIGHLIGHTS",
    "MAX_OUTLETS",
    "MONTHLY_MAX_BINS",
    "OTHER",
    "OTHER_ALT",
    "WEEKLY_MAX_DAYS",
    "ChartData",
    "ChartItem",
    "Period",
    "chart_data",
    "notes",
    "plural",
    "range_label",
    "shorten_line",
]

Period = Literal["week", "month", "year"]

WEEKLY_MAX_DAYS = 120
"""``auto`` uses weekly bins when the dated span (first to last article) is under this many days (~4 months):
at most 18 bars, each wide enough to carry its own date label."""

MONTHLY_MAX_BINS = 96
"""``auto`` uses monthly bins up to 96 months (8 years), else yearly ones. At 1200 px the plot is about
1,080 px wide, so 96 bars are 11 px each (about 5 px in Discord's ~550 px preview): still separate bars with
visible gaps, labelled by year, not by month. The shipped corpus (Oct 2017 - Jan 2025) is 88 months, so it is
charted by month, which shows its bursts (June 2020) that a yearly chart would flatten into one bar."""

MAX_BINS = 480
"""An explicit period that would need more bars than this (e.g. weeks over ten years) is refused: the bars
would be thinner than a pixel and the render slow. ``auto`` never gets near it."""

OTHER = "other"
OTHER_ALT = "other outlets"  # the "other" series' name when an outlet is itself called "other"
MAX_OUTLETS = 7  # colours in the palette below (besides grey for "other")
MAX_HIGHLIGHTS = 5  # more labels than this do not fit above the bars
HEADLINE_CHARS = 48  # a highlighted headline is shortened to this many characters, "…" included
_PERIODS: tuple[str, ...] = get_args(Period)
_RANK = {"day": 0, "week": 0, "month": 1, "year": 2}


@dataclass(frozen=True)
class ChartItem:
    """One article as the chart sees it; ``relevance`` (e.g. a search score) picks the labelled headlines."""

    date: str | None
    source: str
    title: str
    relevance: float = 0.0


@dataclass(frozen=True)
class ChartData:
    """Everything the picture shows, as numbers and labels, so tests can check it without reading pixels.

    ``bins`` are consecutive periods from the first dated article's to the last one's, empty ones included
    (a gap in coverage is information): ``"2019-12-16"`` (the Monday an ISO week starts), ``"2018-10"`` or
    ``"2019"``. ``outlets`` lists the stacked series, bottom first: the outlets with the most dated articles
    (ties by name), then ``"other"`` if any outlets remain. ``counts[outlet][i]`` is that series' count in
    ``bins[i]``. ``highlights`` holds ``(bin label, shortened headline, source)``, most relevant first.
    ``total`` is every article given, undated ones included.
    """

    period: Period
    bins: list[str]
    outlets: list[str]
    counts: dict[str, list[int]]
    undated: int
    imprecise: int
    highlights: list[tuple[str, str, str]]
    total: int

    @property
    def charted(self) -> int:
        """How many articles the bars show (every dated one)."""
        return sum(sum(row) for row in self.counts.values())

    def bin_totals(self) -> list[int]:
        """The height of each stacked bar."""
        return [sum(column) for column in zip(*self.counts.values(), strict=True)] if self.counts else []


def chart_data(
    items: Sequence[ChartItem],
    *,
    period: Literal["auto", "week", "month", "year"] = "auto",
    top_outlets: int = 5,
    highlights: int = 4,
) -> ChartData:
    """Bin the dated ``items`` by ``period`` and count them per outlet.

    ``auto`` chooses by the dated span: weeks under :data:`WEEKLY_MAX_DAYS` days, months up to
    :data:`MONTHLY_MAX_BINS` months, else years; then, if more than half of the dated articles are known less
    precisely than that (e.g. mostly year-dated), the next coarser period, so that most bars are not guesses.

    Raises :class:`InvalidInput` when no item has a date (an empty chart tells nobody anything) or when an
    explicit ``period`` would need more than :data:`MAX_BINS` bars; :class:`InvalidDate` for a malformed date.
    """
    if period != "auto" and period not in _PERIODS:
        raise InvalidInput(f"unknown period {period!r}: use auto, week, month or year")
    if not 1 <= top_outlets <= MAX_OUTLETS:
        raise ValueError(f"top_outlets must be 1 to {MAX_OUTLETS}, not {top_outlets}")
    if not 0 <= highlights <= MAX_HIGHLIGHTS:
        raise ValueError(f"highlights must be 0 to {MAX_HIGHLIGHTS}, not {highlights}")

    dated: list[tuple[ChartItem, dt.date, int]] = []  # item, first day, precision rank
    starts: dict[str, tuple[dt.date, int]] = {}
    for item in items:
        if item.date is None:
            continue
        known = starts.get(item.date)
        if known is None:
            known = starts[item.date] = _start_and_rank(item.date)
        dated.append((item, *known))
    if not dated:
        raise InvalidInput("no dated coverage to chart")

    first = min(start for _, start, _ in dated)
    last = max(start for _, start, _ in dated)
    chosen: Period = _auto_period(first, last, [rank for _, _, rank in dated]) if period == "auto" else period
    n_bins = _bin_index(last, first, chosen) + 1
    if n_bins > MAX_BINS:
        raise InvalidInput(
            f"{n_bins} {chosen}s from {format_date(first.isoformat())} to {format_date(last.isoformat())} "
            f"are too many bars to chart (at most {MAX_BINS}): use a coarser period"
        )
    bins = _bin_labels(_bin_start(first, chosen), n_bins, chosen)

    by_outlet = Counter(item.source for item, _, _ in dated)
    ranked = sorted(by_outlet, key=lambda name: (-by_outlet[name], name.casefold(), name))
    shown = ranked[:top_outlets]
    other = OTHER if OTHER not in shown else OTHER_ALT
    series = {name: name for name in shown}
    outlets = list(shown)
    if len(ranked) > top_outlets:
        outlets.append(other)
    counts = {name: [0] * n_bins for name in outlets}
    imprecise = 0
    period_rank = _RANK[chosen]
    bin_of: list[int] = []
    for item, start, rank in dated:
        index = _bin_index(start, first, chosen)
        bin_of.append(index)
        counts[series.get(item.source, other)][index] += 1
        if rank > period_rank:
            imprecise += 1

    return ChartData(
        period=chosen,
        bins=bins,
        outlets=outlets,
        counts=counts,
        undated=len(items) - len(dated),
        imprecise=imprecise,
        highlights=_pick_highlights(dated, bin_of, bins, highlights),
        total=len(items),
    )


def _start_and_rank(date: str) -> tuple[dt.date, int]:
    try:
        checked = parse_partial_date(date)
    except ValueError as exc:
        raise InvalidDate(str(exc)) from None
    precision = date_precision(checked)
    assert precision is not None
    return date_bounds(checked)[0], _RANK[precision]


def _auto_period(first: dt.date, last: dt.date, ranks: list[int]) -> Period:
    """See :func:`chart_data`: by span, then coarser while most articles would be guesses."""
    if (last - first).days < WEEKLY_MAX_DAYS:
        chosen: Period = "week"
    elif _bin_index(last, first, "month") + 1 <= MONTHLY_MAX_BINS:
        chosen = "month"
    else:
        chosen = "year"
    while chosen != "year" and 2 * sum(rank > _RANK[chosen] for rank in ranks) > len(ranks):
        chosen = "month" if chosen == "week" else "year"
    return chosen


def _bin_start(day: dt.date, period: Period) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())  # ISO weeks start on Monday
    if period == "month":
        return day.replace(day=1)
    return dt.date(day.year, 1, 1)


def _bin_index(day: dt.date, first: dt.date, period: Period) -> int:
    """Which bin ``day`` falls in, counting from the bin of ``first``."""
    if period == "week":
        return (_bin_start(day, "week") - _bin_start(first, "week")).days // 7
    if period == "month":
        return (day.year - first.year) * 12 + day.month - first.month
    return day.year - first.year


def _bin_labels(start: dt.date, count: int, period: Period) -> list[str]:
    if period == "week":
        return [(start + dt.timedelta(weeks=i)).isoformat() for i in range(count)]
    if period == "month":
        months = (start.year * 12 + start.month - 1 + i for i in range(count))
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    return [f"{start.year + i:04d}" for i in range(count)]


def _pick_highlights(
    dated: list[tuple[ChartItem, dt.date, int]], bin_of: list[int], bins: list[str], count: int
) -> list[tuple[str, str, str]]:
    """The ``count`` most relevant headlines (ties: the older first); a headline syndicated under several
    outlets is shown once, so the labels show different stories."""

    def relevance(item: ChartItem) -> float:
        return item.relevance if math.isfinite(item.relevance) else 0.0

    order = sorted(
        range(len(dated)),
        key=lambda i: (-relevance(dated[i][0]), dated[i][1], dated[i][0].title, dated[i][0].source),
    )
    picked: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for i in order:
        if len(picked) == count:
            break
        item = dated[i][0]
        key = " ".join(item.title.casefold().split())
        if key in seen:
            continue
        seen.add(key)
        picked.append((bins[bin_of[i]], shorten_line(item.title, HEADLINE_CHARS), item.source))
    return picked


def shorten_line(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters with "…" when cut (and no
    dangling punctuation before the "…")."""
    return shorten(" ".join(text.split()), limit, trailing=" ,;:.-–—")


def notes(data: ChartData) -> str:
    """What the bars leave out or place by guess, in words."""
    parts = []
    if data.undated:
        parts.append(f"{data.undated} undated {plural(data.undated, 'article')} not shown")
    if data.imprecise:
        coarser = "a month or year" if data.period == "week" else "a year"
        noun = plural(data.imprecise, "article")
        its = "its" if data.imprecise == 1 else "their"
        parts.append(f"{data.imprecise} {noun} dated only to {coarser}, counted in {its} first {data.period}")
    return " · ".join(parts)


def plural(count: int, noun: str) -> str:
    return noun if count == 1 else noun + "s"


def range_label(data: ChartData) -> str:
    """The span the bars cover, as precisely as the bins and without repeating a shared year or month:
    "Oct 2017 – Jan 2025", "Mar – Jun 2024", "2017 – 2025", "4 – 10 Mar 2024", "16 Dec 2019 – 9 Feb 2020"."""
    first, last = data.bins[0], data.bins[-1]
    if data.period == "week":
        last = (dt.date.fromisoformat(last) + dt.timedelta(days=6)).isoformat()
    start, end = format_date(first), format_date(last)
    if start == end:
        return start
    if data.period != "year" and first[:4] == last[:4]:
        start = start.removesuffix(f" {first[:4]}")  # "Mar 2024" -> "Mar", "4 Mar 2024" -> "4 Mar"
        if data.period == "week" and first[:7] == last[:7]:
            start = start.split()[0]  # "4 Mar" -> "4"
    return f"{start} – {end}"
