"""Case-insensitive regular expressions searched fast: case-sensitively over the lower-cased text, and first
through a gate that rules most texts out by their words alone.

Why: sre's IGNORECASE compares every character through a case table, and a pattern of many alternatives (the
answer-type recognisers of :mod:`bot.search.answer_type`: dates, reasons, quantities) is tried at every word of
a text; an answer reads hundreds of candidate sentences with them. A :class:`Folded` pattern finds exactly what
the same pattern with IGNORECASE finds (tests/search/test_answer_type_folded.py holds them to the same spans):

* the pattern is written in lower case (no upper-case literal, range or escape such as ``[A-Z]``, ``\\W``, ``\\B``
  whose meaning lower-casing would change), so on a text whose every character lower-cases one for one, and
  none of which IGNORECASE takes for an ASCII letter (:data:`CASE_SAFE`: not "ı", "ſ", "K" or "İ"), a
  case-sensitive search of the lower-cased text matches at the same places; another text is searched with
  IGNORECASE;
* :class:`_Gate`, read from the pattern's parse tree: every match of it starts at a run of word characters that
  is one of a set of words (``closed``: "last" in ``last\\s+week``), starts with one of a set of prefixes
  (``open``: "monday" in an unanchored ``monday``), or starts with a digit. A text holding none of them cannot
  match, and is ruled out without running the pattern. A pattern whose start the gate cannot read (a branch
  that may begin with a character class other than digits, or a non-word character) has no gate.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found]  # sre, as re itself reads its patterns
import re._parser as sre_parse  # type: ignore[import-not-found]
from collections.abc import Iterator
from typing import Any

__all__ = ["CASE_SAFE", "Folded", "folded"]

# Characters beside ASCII that the folded search may leave in a text: lower-cased one for one, and no case of
# them is ASCII (not "ı", "ſ", "K" or "İ", which IGNORECASE matches as "i", "s", "k"). Typographic punctuation,
# currency signs, Latin-1 and Latin Extended-A/B letters: the text of most news.
CASE_SAFE = "".join(
    c
    for c in map(chr, (*range(0xA0, 0x250), *range(0x2000, 0x2070), *range(0x20A0, 0x20C0)))
    if len(c.lower()) == len(c.upper()) == len(c.casefold()) == 1
    and not any(x.isascii() for x in (c.lower(), c.upper(), c.casefold()))
)
_CASE_UNSAFE = re.compile(f"[^\\x00-\\x7f{re.escape(CASE_SAFE)}]")
_RUN = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")


def folded(text: str) -> str | None:
    """``text`` lower-cased, when a lower-case pattern searched case-sensitively in it finds exactly what the
    same pattern with IGNORECASE finds in ``text`` (same places, same lengths); None when ``text`` holds a
    character that would not be (one not in :data:`CASE_SAFE`)."""
    if text.isascii() or _CASE_UNSAFE.search(text) is None:
        return text.lower()
    return None


class Folded:
    """A case-insensitive pattern, written in lower case (see the module doc)."""

    __slots__ = ("exact", "gate", "lower")

    def __init__(self, pattern: str) -> None:
        if pattern != pattern.lower():
            raise ValueError(f"a case-folded pattern must be written in lower case: {pattern[:60]!r}")
        self.exact = re.compile(pattern, re.IGNORECASE)
        self.lower = re.compile(pattern)
        self.gate = _Gate.of(pattern)

    def search(self, text: str) -> re.Match[str] | None:
        lowered = folded(text)
        if lowered is None:
            return self.exact.search(text)
        if self.gate is not None and not self.gate.may_match(lowered):
            return None
        return self.lower.search(lowered)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        lowered = folded(text)
        return self.exact.fullmatch(text) if lowered is None else self.lower.fullmatch(lowered)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Matches at the places of ``text`` (their text lower-cased when ``text`` could be)."""
        lowered = folded(text)
        if lowered is None:
            return self.exact.finditer(text)
        if self.gate is not None and not self.gate.may_match(lowered):
            return iter(())
        return self.lower.finditer(lowered)


class _Unreadable(Exception):
    """The gate cannot tell what a match of the pattern starts with."""


_OPEN, _CLOSED, _DIGITS = "open", "closed", "digits"


class _Gate:
    """What every match of a pattern starts with (see the module doc): a run of word characters equal to one of
    ``closed``, starting with one of ``open`` (found as a substring), or (``digits``) holding a digit."""

    __slots__ = ("closed", "digits", "open")

    def __init__(self, starts: set[tuple[str, str]]) -> None:
        self.digits = any(how == _DIGITS or _DIGIT.match(p) for p, how in starts)  # any digit opens the gate,
        self.closed = frozenset(p for p, how in starts if how == _CLOSED and not _DIGIT.match(p))  # so the rest
        opening = sorted(p for p, how in starts if how == _OPEN and not _DIGIT.match(p))  # need no digit
        # a run starting with one of them holds it: searching the text for them is a superset, in one pass of C
        self.open = re.compile("|".join(map(re.escape, opening))) if opening else None

    @classmethod
    def of(cls, pattern: str) -> _Gate | None:
        try:
            starts = _starts(list(sre_parse.parse(pattern)), "")
        except _Unreadable:
            return None
        return cls(starts)

    def may_match(self, lowered: str) -> bool:
        if self.digits and _DIGIT.search(lowered) is not None:
            return True
        runs = _RUN.findall(lowered)
        if not self.closed.isdisjoint(runs):
            return True
        return self.open is not None and self.open.search(lowered) is not None


_END = object()  # the rest of the pattern may be anything (after a repeated item): the run stays open


def _starts(items: list[Any], prefix: str) -> set[tuple[str, str]]:
    """Every way a match of ``items`` may start, as (the word characters it starts with, whether the run of word
    characters may go on after them), ``prefix`` being the word characters matched before ``items``."""
    if not items or items[0] is _END:
        if not prefix:
            raise _Unreadable("a match may start with nothing read")
        return {(prefix, _OPEN)}
    (op, arg), rest = items[0], items[1:]
    if op is sre_c.LITERAL:
        char = chr(arg)
        if re.fullmatch(r"\w", char):
            return _starts(rest, prefix + char)
        if not prefix:
            raise _Unreadable(f"a match may start with {char!r}")
        return {(prefix, _CLOSED)}  # a non-word character ends the run
    if op is sre_c.AT:
        if arg is sre_c.AT_BOUNDARY and prefix:
            return {(prefix, _CLOSED)}  # \b after a word character: the run ends here
        return _starts(rest, prefix)  # zero width: \b at the start, or another assertion (a superset either way)
    if op is sre_c.SUBPATTERN:
        return _starts(list(arg[-1]) + rest, prefix)
    if op is sre_c.BRANCH:
        return set().union(*(_starts(list(branch) + rest, prefix) for branch in arg[1]))
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
        low, high, sub = arg
        found = _starts(rest, prefix) if low == 0 else set()
        if high == 1:  # optional: once, then the rest
            return found | _starts([*sub, *rest], prefix)
        return found | _starts([*sub, _END], prefix)  # once at least, then anything
    if op is sre_c.IN or op is sre_c.ANY or op is sre_c.NOT_LITERAL:
        if prefix:  # a class of no word character ends the run; another may go on with one
            return {(prefix, _CLOSED if op is sre_c.IN and _no_word(arg) else _OPEN)}
        if op is sre_c.IN and _digits_only(arg):
            return {("", _DIGITS)}
        raise _Unreadable("a match may start with a character class")
    raise _Unreadable(f"not read: {op}")


def _digits_only(items: list[tuple[Any, Any]]) -> bool:
    """Whether a character class holds digits only (``\\d``, ``[0-9]`` or a part of it)."""
    for op, arg in items:
        if op is sre_c.CATEGORY and arg is sre_c.CATEGORY_DIGIT:
            continue
        if op is sre_c.RANGE and 48 <= arg[0] <= arg[1] <= 57:
            continue
        if op is sre_c.LITERAL and 48 <= arg <= 57:
            continue
        return False
    return True


def _no_word(items: list[tuple[Any, Any]]) -> bool:
    """Whether a character class holds no word character (``\\s``, or non-word literals such as ``[’']``)."""
    for op, arg in items:
        if op is sre_c.CATEGORY and arg is sre_c.CATEGORY_SPACE:
            continue
        if op is sre_c.LITERAL and not re.fullmatch(r"\w", chr(arg)):
            continue
        return False
    return True
