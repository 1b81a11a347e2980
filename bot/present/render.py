"""Answers and timelines as text: the one renderer shared by the command line and Discord.

Two styles of the same layout: ``PLAIN`` for a terminal and ``DISCORD`` for Discord messages, where quoted text is
escaped (so an article cannot break the layout or form a mention) and headlines are masked links. A reply can be
bounded (Discord's 2,000 characters): related headlines are dropped first, then quotes are shortened at a word
boundary, marked with "…", never rewritten.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import (
    Answer,
    Attribution,
    Headline,
    Quote,
    Sources,
    Stats,
    Timeline,
    TimelineEntry,
    TimelineQuery,
    format_date,
)
from bot.core.shorten import clip, shorten
from bot.present.style import DISCORD, PLAIN, Style, link_target

__all__ = [
    "DISCORD",
    "PLAIN",
    "Style",
    "attribution_line",
    "headline_list",
    "render_answer",
    "render_sources",
    "render_timeline",
    "timeline_filters",
    "timeline_pages",
]


def render_answer(
    answer: Answer,
    style: Style = PLAIN,
    *,
    max_chars: int | None = None,
    stats: Stats | None = None,
    outlets: Sequence[str] = (),
) -> str:
    """The reply to a question: quotes with attribution, then related coverage; or a plain "doesn't say".

    Bounded by ``max_chars``: related headlines go first; then the room left is shared fairly between the quotes
    (a short quote stays whole and leaves its share to the others, each long one is cut at a word and marked "…");
    the attributions are always shown whole, so when even that does not fit, the weakest quotes are left out."""
    headlines = list(answer.headlines)
    quotes = list(answer.quotes)
    text = _answer_text(answer, quotes, headlines, style, None, stats, outlets)
    while max_chars is not None and len(text) > max_chars and headlines:
        headlines.pop()
        text = _answer_text(answer, quotes, headlines, style, None, stats, outlets)
    if max_chars is None or len(text) <= max_chars:
        return text
    while quotes:
        lengths = [len(q.text) for q in quotes]
        low, high = 0, sum(lengths)  # the largest total of quoted characters whose reply fits (binary search)
        while low < high:
            middle = (low + high + 1) // 2
            fits = len(_answer_text(answer, quotes, [], style, fair_shares(lengths, middle), stats, outlets))
            low, high = (middle, high) if fits <= max_chars else (low, middle - 1)
        limits = fair_shares(lengths, low)
        if all(limit >= min(length, MIN_QUOTE_CHARS) for limit, length in zip(limits, lengths, strict=True)):
            fitted = _answer_text(answer, quotes, [], style, limits, stats, outlets)
            if len(fitted) <= max_chars:
                return fitted
        if len(quotes) == 1:
            break
        quotes = quotes[:-1]  # no room for every quote with its attribution: keep the best ones
        text = _answer_text(answer, quotes, [], style, None, stats, outlets)
    return clip(text, max_chars)


MIN_QUOTE_CHARS = 60  # a quote cut shorter than this says too little to be worth its attribution


def fair_shares(lengths: Sequence[int], budget: int) -> list[int]:
    """How many characters each text may keep so that together they fit ``budget``: a text within its fair share
    keeps all of it, and what it leaves is shared by the longer ones (max-min fairness)."""
    shares = list(lengths)
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    left = budget
    for done, i in enumerate(order):
        shares[i] = max(0, min(lengths[i], left // (len(order) - done)))
        left -= shares[i]
    return shares


def _answer_text(
    answer: Answer,
    quotes: list[Quote],
    headlines: list[Headline],
    style: Style,
    limits: Sequence[int] | None,
    stats: Stats | None,
    outlets: Sequence[str],
) -> str:
    blocks: list[str] = []
    if not answer.answered:
        blocks.append(_not_answered(style, stats, outlets))
        if headlines:
            blocks.append(headline_list("Nearest coverage", headlines, style))
        return "\n\n".join(blocks)
    for i, quote in enumerate(quotes):
        blocks.append(_quote_block(quote, style, None if limits is None else limits[i]))
    if headlines:
        blocks.append(headline_list("Related coverage" if quotes else "Headlines on this", headlines, style))
    return "\n\n".join(blocks)


def headline_list(title: str, headlines: Sequence[Headline], style: Style) -> str:
    """A titled list of headlines, one a line: an answer's related coverage."""
    return style.bold(title) + "\n" + "\n".join(_headline_line(h, style) for h in headlines)


def _quote_block(quote: Quote, style: Style, limit: int | None) -> str:
    text = quote.text
    if limit is not None and len(text) > limit:
        text = shorten(text, limit)
    body = "\n".join("> " + style.escape(line) for line in text.split("\n"))
    return body + "\n" + attribution_line(quote, style)


LINK_MAX_CHARS = 512  # a longer address (a tracking redirect) would crowd out the quotes: the headline goes unlinked


def _linkable(url: str | None) -> str | None:
    """``url`` if its link address (percent-encoded, which can triple it) is short enough to be shown."""
    target = link_target(url)
    return url if target is not None and len(target) <= LINK_MAX_CHARS else None


def attribution_line(item: Attribution, style: Style) -> str:
    """Where a quote comes from: "— **outlet**, date (also in ...) · headline", the headline linked."""
    also = f" (also in {', '.join(style.escape(o) for o in item.also_in)})" if item.also_in else ""
    headline = style.link(style.escape(item.title), _linkable(item.url))
    return f"— {style.bold(style.escape(item.source))}, {format_date(item.date)}{also} · {headline}"


def _headline_line(headline: Headline, style: Style) -> str:
    also = f" (also in {', '.join(style.escape(o) for o in headline.also_in)})" if headline.also_in else ""
    link = style.link(style.escape(headline.title), _linkable(headline.url))
    return f"• {link} — {style.escape(headline.source)}, {format_date(headline.date)}{also}"


def _not_answered(style: Style, stats: Stats | None, outlets: Sequence[str]) -> str:
    line = "The coverage doesn't say."
    if stats is None or stats.articles == 0:
        return line + " No article in the corpus answers that question."
    span = ""
    if stats.first_date and stats.last_date:
        span = f" from {format_date(stats.first_date)} to {format_date(stats.last_date)}"
    who = ""
    if outlets:
        named = ", ".join(style.escape(o) for o in outlets[:4])
        more = len(outlets) - 4
        who = f" by {named}" + (f" and {more} more outlet{'s' if more > 1 else ''}" if more > 0 else "")
    return (
        f"{line} No sentence in its {stats.articles} articles{span}{who} answers that question. "
        f"Try different words, or browse the coverage with {style.command('timeline')}."
    )


def render_timeline(
    timeline: Timeline,
    style: Style = PLAIN,
    *,
    page: int = 0,
    per_page: int | None = None,
    filters: str = "",
    max_chars: int | None = None,
) -> str:
    """One page of a timeline (all of it when ``per_page`` is None); headlines are shortened to fit ``max_chars``."""
    entries = timeline.entries
    pages = timeline_pages(len(entries), per_page)
    shown = entries if per_page is None else entries[page * per_page : (page + 1) * per_page]
    about = f" on {style.escape(timeline.topic)}" if timeline.topic else ""
    count = f"{len(entries)} article{'s' if len(entries) != 1 else ''}"
    head = style.bold(f"Timeline of the coverage{about}") + f" ({count}{filters})"
    if per_page is not None and pages > 1:
        head += f" · page {page + 1}/{pages}"
    if not entries:
        target = f"on {style.escape(timeline.topic)}" if timeline.topic else "in the corpus"
        return head + f"\nNo article {target} matches" + (f"{filters}." if filters else ".")
    limit: int | None = None
    while True:
        text = head + "\n" + "\n".join(_timeline_line(e, style, limit) for e in shown)
        if max_chars is None or len(text) <= max_chars:
            return text
        longest = max(len(e.title) for e in shown)
        if limit is not None and limit <= 20:
            return clip(text, max_chars)
        over = (len(text) - max_chars) // max(1, len(shown)) + 5
        limit = max(20, (longest if limit is None else limit) - over)


def render_sources(sources: Sources, style: Style = PLAIN, *, max_chars: int | None = None) -> str:
    """Who covered the topic: one line an outlet, best first; cut to ``max_chars`` by dropping the last outlets."""
    about = style.escape(sources.topic) if sources.topic else "it"
    n = len(sources.outlets)
    head = style.bold(f"Who covered {about}") + f" ({sources.articles} articles, {n} outlet{'s' if n != 1 else ''})"
    if not sources.outlets:
        return (
            head + "\n" + (f"No article on {style.escape(sources.topic)}." if sources.topic else "The corpus is empty.")
        )
    lines = []
    for outlet in sources.outlets:
        span = format_date(outlet.first_date)
        if outlet.last_date and outlet.last_date != outlet.first_date:
            span += f" to {format_date(outlet.last_date)}"
        count = f"{outlet.articles} article{'s' if outlet.articles != 1 else ''}"
        first = style.link(style.escape(outlet.earliest_title), outlet.earliest_url)
        lines.append(f"• {style.bold(style.escape(outlet.source))}: {count}, {span}; first: {first}")
    text = head + "\n" + "\n".join(lines)
    while max_chars is not None and len(text) > max_chars and len(lines) > 1:
        lines.pop()
        more = len(sources.outlets) - len(lines)
        text = head + "\n" + "\n".join(lines) + f"\n… and {more} more outlets"
    return text if max_chars is None else clip(text, max_chars)


def timeline_filters(query: TimelineQuery, style: Style = PLAIN) -> str:
    """What a timeline was filtered by, as its heading says it: ", since 2019, from Reuters" ("" for none)."""
    parts = [
        f"since {style.escape(query.since)}" if query.since else "",
        f"until {style.escape(query.until)}" if query.until else "",
        f"from {style.escape(query.outlet)}" if query.outlet else "",
    ]
    return "".join(f", {part}" for part in parts if part)


def timeline_pages(count: int, per_page: int | None) -> int:
    if per_page is None or count == 0:
        return 1
    return (count + per_page - 1) // per_page


def _timeline_line(entry: TimelineEntry, style: Style, limit: int | None = None) -> str:
    date = format_date(entry.date)
    title = entry.title if limit is None else shorten(entry.title, limit)
    url = entry.url if limit is None or entry.url is None or len(entry.url) <= 4 * limit else None
    link = style.link(style.escape(title), url)
    if style is PLAIN:
        return f"{date:>11} · {style.escape(entry.source)} · {link}"
    return f"`{date}` {style.bold(style.escape(entry.source))} · {link}"
