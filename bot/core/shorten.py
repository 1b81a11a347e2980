"""Making text fit: the one way newsbot shortens a headline, a quote or a reply, marked with "…" when cut.

Kept in the core because every outer layer needs it (the renderer, the chart's labels, Discord's limits) and none of
them should own it. Shortening never rewrites what it keeps: the result is a prefix of the text plus "…".
"""

from __future__ import annotations

__all__ = ["ELLIPSIS", "clip", "shorten", "shorten_start"]

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, "…" included, wherever the limit falls."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def shorten(text: str, limit: int, *, trailing: str | None = None) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, "…" included (mid-word only when the
    last space is in the first half). What is kept loses its trailing white space, or the characters in
    ``trailing`` (the chart also drops dangling punctuation: "Mayor resigns, …" reads as "Mayor resigns…")."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    if cut < limit // 2:
        cut = limit - 1
    return text[:cut].rstrip(trailing) + ELLIPSIS


def shorten_start(text: str, limit: int) -> str:
    """``text`` cut from its start at a word boundary to at most ``limit`` characters, "…" included: what is kept
    is the end of the text (the part of a sentence nearest to what follows it)."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text.find(" ", len(text) - limit + 1)
    if cut < 0 or cut > len(text) - limit // 2:
        cut = len(text) - limit + 1
    return ELLIPSIS + text[cut:].lstrip()
