"""How each outlet put it (``compare``): one entry an outlet, its quote and where it comes from, in both styles.

The same entries make the command line's text and the Discord embed's inline fields (side by side): the outlet
(with the outlets that printed the same sentence, and how many of its articles are on the topic), the quote as a
block quote, its date and its article's linked headline. Bounded (Discord's embed: 1,024 characters a field, 6,000
in all) by showing fewer outlets, the most relevant kept, with "… and N more outlets", and by sharing the room
fairly between the quotes (a long one is cut at a word and marked "…"); never rewritten."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import format_date
from bot.core.quoting import OutletComparison, OutletQuote
from bot.core.shorten import clip, shorten
from bot.present.render import LINK_MAX_CHARS, MIN_QUOTE_CHARS, fair_shares
from bot.present.style import Style

__all__ = ["ComparisonParts", "comparison_parts", "render_comparison"]


@dataclass(frozen=True)
class ComparisonParts:
    """A comparison laid out: its title, one (name, text) entry an outlet shown, and the line saying how many
    more outlets there are ("" when every one is shown)."""

    title: str
    entries: list[tuple[str, str]]
    more: str

    def size(self) -> int:
        return len(self.title) + len(self.more) + sum(len(name) + len(text) for name, text in self.entries)


def comparison_parts(
    comparison: OutletComparison,
    style: Style,
    *,
    most: int | None = None,
    total_chars: int | None = None,
    entry_chars: int | None = None,
) -> ComparisonParts:
    """The comparison's parts: at most ``most`` outlets, within ``total_chars`` together and ``entry_chars`` an
    entry's text (None: no bound)."""
    outlets = list(comparison.outlets)
    title = f"How the outlets put it: {style.escape(comparison.topic)}"
    shown = len(outlets) if most is None else min(most, len(outlets))
    while True:
        parts = _fitted(title, outlets, shown, style, total_chars, entry_chars)
        if parts is not None or shown <= 1:
            break
        shown -= 1
    if parts is None:  # one outlet whose attribution alone is too long: cut what must be cut
        parts = _parts(title, outlets, 1, style, [MIN_QUOTE_CHARS])
        parts = ComparisonParts(
            parts.title,
            [(name, clip(text, entry_chars or len(text))) for name, text in parts.entries],
            parts.more,
        )
    return parts


def _fitted(
    title: str, outlets: list[OutletQuote], shown: int, style: Style, total: int | None, entry: int | None
) -> ComparisonParts | None:
    """The parts with ``shown`` outlets, their quotes shortened as little as fits; None when they cannot fit."""

    def fits(parts: ComparisonParts) -> bool:
        return (total is None or parts.size() <= total) and (
            entry is None or all(len(text) <= entry for _, text in parts.entries)
        )

    whole = _parts(title, outlets, shown, style, None)
    if fits(whole):
        return whole
    lengths = [len(o.text) for o in outlets[:shown]]
    low, high = 0, sum(lengths)
    while low < high:  # the most quoted characters that fit, shared fairly (binary search)
        middle = (low + high + 1) // 2
        fitting = fits(_parts(title, outlets, shown, style, fair_shares(lengths, middle)))
        low, high = (middle, high) if fitting else (low, middle - 1)
    limits = fair_shares(lengths, low)
    parts = _parts(title, outlets, shown, style, limits)
    too_short = any(limit < min(length, MIN_QUOTE_CHARS) for limit, length in zip(limits, lengths, strict=True))
    return None if too_short or not fits(parts) else parts
    return parts


def _parts(
    title: str, outlets: list[OutletQuote], shown: int, style: Style, limits: list[int] | None
) -> ComparisonParts:
    entries = [_entry(o, style, None if limits is None else limits[i]) for i, o in enumerate(outlets[:shown])]
    more = len(outlets) - shown
    return ComparisonParts(title, entries, f"… and {more} more outlet{'s' if more != 1 else ''}" if more else "")


def _entry(outlet: OutletQuote, style: Style, limit: int | None) -> tuple[str, str]:
    article = outlet.article
    name = style.escape(article.source)
    if article.also_in:
        name += f" (also in {', '.join(style.escape(o) for o in article.also_in)})"
    if outlet.articles > 1:
        name += f" · {outlet.articles} articles on this"
    text = outlet.text if limit is None or len(outlet.text) <= limit else shorten(outlet.text, max(limit, 1))
    quote = "\n".join("> " + style.escape(line) for line in text.split("\n"))
    url = article.url if article.url is not None and len(article.url) <= LINK_MAX_CHARS else None
    if outlet.headline:
        source = "its headline" + (f" · {style.link('the article', url)}" if url else "")
    else:
        source = style.link(style.escape(article.title), url)
    return name, f"{quote}\n— {format_date(article.date)} · {source}"


def render_comparison(comparison: OutletComparison, style: Style, *, max_chars: int | None = None) -> str:
    """The comparison as text: a heading, then each outlet's entry; or a plain refusal when no outlet's coverage
    holds the topic."""
    if not comparison.outlets:
        return (
            f"No outlet's coverage holds “{style.escape(comparison.topic)}”: there is nothing to compare. Try "
            f"other words, or see who covered what with {style.command('sources')}."
        )
    n = len(comparison.outlets)
    parts = comparison_parts(comparison, style, total_chars=max_chars)
    head = style.bold(parts.title) + f" ({n} outlet{'s' if n != 1 else ''})"
    blocks = [head] + [f"{style.bold(name)}\n{text}" for name, text in parts.entries]
    text = "\n\n".join(blocks) + (f"\n\n{parts.more}" if parts.more else "")
    return text if max_chars is None else clip(text, max_chars)
