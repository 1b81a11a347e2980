"""What Discord would make of a message: the markdown constructs in it that are *not* escaped.

Modelled on the rules of Discord's markdown (simple-markdown): a backslash before any character that is not a
letter, a digit or white space makes it plain; masked links ``[text](url)`` and ``[text](<url>)``; bare web
addresses, which Discord links; bold, italics, underline, strike-through, spoilers, inline code; mentions of
everyone, users, roles, channels, commands and timestamps; headings, block quotes, lists and subtext at the start
of a line. Used by the hostile tests to check that nothing from article data comes out as markup: a rendering of
hostile data must hold exactly the constructs that the renderer's own layout puts there.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["constructs", "kinds", "link_targets"]

_ESCAPE = re.compile(r"\\([^0-9A-Za-z\s])")
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("link", re.compile(r"\[[^\[\]\n]*\]\((?:<[^>\n]*>|[^)\s]*)\)")),
    ("autolink", re.compile(r"(?i)https?://")),
    ("bold", re.compile(r"\*\*[^*\n]+\*\*")),
    ("italic", re.compile(r"(?<!\*)\*[^*\s][^*\n]*\*(?!\*)")),
    ("underline", re.compile(r"__[^_\n]+__")),
    ("italic_", re.compile(r"(?<![A-Za-z0-9_])_[^_\s][^_\n]*_(?![A-Za-z0-9_])")),
    ("strike", re.compile(r"~~[^~\n]+~~")),
    ("spoiler", re.compile(r"\|\|[^|\n]+\|\|")),
    ("code", re.compile(r"`[^`\n]+`")),
    ("mention", re.compile(r"@(?:everyone|here)\b|<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|/[^:>\n]+:\d+|t:\d+(?::\w)?)>")),
    ("heading", re.compile(r"(?m)^\s*#{1,3}\s")),
    ("quote", re.compile(r"(?m)^\s*>{1,3}\s")),
    ("list", re.compile(r"(?m)^\s*(?:[-*+]|\d+\.)\s")),
    ("subtext", re.compile(r"(?m)^\s*-#\s")),
]


def _masked(text: str) -> str:
    """``text`` with every escaped character (and its backslash) replaced by inert filler of the same length."""
    return _ESCAPE.sub(lambda m: "\x01" * len(m.group()), text)


_TARGET = re.compile(r"\]\((?:<[^>\n]*>|[^)\s]*)\)")


def constructs(text: str) -> list[tuple[str, str]]:
    """Every unescaped markdown construct in ``text``: (kind, the text it spans). A masked link's address is
    not markdown (Discord reads it up to its closing ``>``), so nothing inside it counts but the link."""
    masked = _masked(text)
    kind, links = _PATTERNS[0]
    found = [(kind, text[m.start() : m.end()]) for m in links.finditer(masked)]
    for match in links.finditer(masked):
        target = _TARGET.search(masked, match.start())
        assert target is not None
        masked = (
            masked[: target.start() + 2] + "\x01" * (target.end() - target.start() - 3) + masked[target.end() - 1 :]
        )
    for kind, pattern in _PATTERNS[1:]:
        for match in pattern.finditer(masked):
            found.append((kind, text[match.start() : match.end()]))
    return found


def kinds(text: str) -> Counter[str]:
    """How many constructs of each kind ``text`` holds."""
    return Counter(kind for kind, _ in constructs(text))


def link_targets(text: str) -> list[str]:
    """The addresses of the masked links in ``text``, without their ``<>``."""
    masked = _masked(text)
    targets = []
    for match in _PATTERNS[0][1].finditer(masked):
        target = _TARGET.search(masked, match.start())
        assert target is not None
        address = text[target.start() + 2 : target.end() - 1]
        targets.append(address[1:-1] if address.startswith("<") else address)
    return targets
