"""A sent answer's quotes in their articles (the Context button, ``newsbot ask --context``): each quote with the
sentence before and after it, and its article's link, as one or more messages.

The layout, in both styles: the sentence before, the quote as a block quote, the sentence after, then the
attribution. Bounded by ``max_chars`` a message (Discord's 2,000): quotes go to the next message at their boundary;
a single quote in its context too long for one message has its neighbours shortened first (the sentence before
keeps its end, the one after its start, each marked "…"), then the quote itself; the attribution stays whole."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Answer, Stats
from bot.core.quoting import QuoteContext
from bot.core.shorten import clip, shorten, shorten_start
from bot.present.render import attribution_line, fair_shares, headline_list, render_answer
from bot.present.style import Style

__all__ = ["render_answer_in_context", "render_contexts"]

_START = "(the article starts here)"
_END = "(the article ends here)"
_REMOVED = "This article is no longer in the coverage, so its context cannot be shown."
_CHANGED = "This article has changed since: it no longer holds this sentence."


def render_contexts(contexts: Sequence[QuoteContext], style: Style, *, max_chars: int | None = None) -> list[str]:
    """The messages that show ``contexts``: one when ``max_chars`` is None or everything fits in it."""
    if not contexts:
        return ["This answer has no quotes to show in context."]
    blocks = [_fitted_block(context, style, max_chars) for context in contexts]
    messages: list[str] = []
    for block in blocks:
        if messages and (max_chars is None or len(messages[-1]) + 2 + len(block) <= max_chars):
            messages[-1] += "\n\n" + block
        else:
            messages.append(block)
    return messages


def render_answer_in_context(
    answer: Answer,
    contexts: Sequence[QuoteContext],
    style: Style,
    *,
    stats: Stats | None = None,
    outlets: Sequence[str] = (),
) -> str:
    """An answer whose quotes are shown in their context (what the Context button shows), then its related
    coverage; an answer without quotes (headlines only, or refused) as :func:`render_answer` shows it."""
    if not answer.answered or not answer.quotes:
        return render_answer(answer, style, stats=stats, outlets=outlets)
    text = "\n\n".join(render_contexts(contexts, style))
    if answer.headlines:
        text += "\n\n" + headline_list("Related coverage", answer.headlines, style)
    return text


def _fitted_block(context: QuoteContext, style: Style, max_chars: int | None) -> str:
    parts = [context.before or "", context.text, context.after or ""]
    block = _block(context, style, parts)
    if max_chars is None or len(block) <= max_chars:
        return block
    lengths = [len(part) for part in parts]
    low, high = 0, sum(lengths)  # the most characters of the three sentences that fit (binary search)
    while low < high:
        middle = (low + high + 1) // 2
        fits = len(_block(context, style, _cut(parts, _neighbours_first(lengths, middle)))) <= max_chars
        low, high = (middle, high) if fits else (low, middle - 1)
    return clip(_block(context, style, _cut(parts, _neighbours_first(lengths, low))), max_chars)


def _neighbours_first(lengths: list[int], budget: int) -> list[int]:
    """How many characters the sentence before, the quote and the sentence after may keep within ``budget``: the
    quote keeps all it can, and what it leaves is shared fairly by its neighbours."""
    quote = min(lengths[1], budget)
    before, after = fair_shares([lengths[0], lengths[2]], budget - quote)
    if budget - quote < min(lengths[0] + lengths[2], 2 * _MIN_NEIGHBOUR):  # too little for the neighbours: share
        before, quote, after = fair_shares(lengths, budget)
    return [before, quote, after]


_MIN_NEIGHBOUR = 80  # a neighbour cut shorter than this says too little; the quote gives up room for it first


def _cut(parts: list[str], limits: list[int]) -> list[str]:
    before, quote, after = parts
    return [
        shorten_start(before, limits[0]) if limits[0] > 1 else "",
        shorten(quote, max(limits[1], 1)),
        shorten(after, limits[2]) if limits[2] > 1 else "",
    ]


def _block(context: QuoteContext, style: Style, parts: list[str]) -> str:
    before, quote, after = parts
    found = context.status == "found"
    lines = [style.escape(line) for line in before.split("\n") if line] if before else []
    if found and context.before is None:
        lines.append(_START)
    lines += ["> " + style.escape(line) for line in quote.split("\n")]
    lines += [style.escape(line) for line in after.split("\n") if line] if after else []
    if found and context.after is None:
        lines.append(_END)
    if context.status == "removed" or context.article is None:
        return "\n".join([*lines, _REMOVED])
    lines.append(attribution_line(context.article, style))
    if context.status == "changed":
        lines.append(_CHANGED)
    return "\n".join(lines)
