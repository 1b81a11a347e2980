"""The answer-type patterns searched case-sensitively over lower-cased text decide exactly as with IGNORECASE.

bot/search/answer_type.py compiles each case-insensitive pattern twice: with IGNORECASE (the reference) and as
written, to search the text lower-cased (:func:`bot.search.answer_type.folded`). These tests hold the two to the
same matches: every pattern is written in lower case, no character the folded search may meet matches an ASCII
letter under IGNORECASE or changes class when lower-cased, and over generated texts (news-like words, dates,
numbers, mixed case, typographic and other non-ASCII letters) every pattern finds the same spans, and
``holds`` / ``strong`` give the same answer as the IGNORECASE patterns alone."""

from __future__ import annotations

import re
import string
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search import answer_type, casefold
from bot.search.answer_type import Kind, holds, strong
from bot.search.casefold import CASE_SAFE as _CASE_SAFE
from bot.search.casefold import Folded as _Folded
from bot.search.casefold import folded

FOLDED = {name: value for name, value in vars(answer_type).items() if isinstance(value, _Folded)}
KINDS: tuple[Kind, ...] = ("who", "when", "how_many", "why", "where", "how", "say", "what")

# Words the patterns look for, in every case, among others; and characters that are not ASCII, safe or not.
_WORDS = [
    *"because since after over amid said told wrote according to january jan. march may friday monday christmas day"
    " new year's eve last week this year in the summer 1999 2004 2010s ago 5 p.m. 10am o'clock noon dozens of"
    " hundreds a few none all once twice percent per cent half quarter through using via by walking as a way"
    " in response to protest led to due to the reason why hoped to aimed at died of".split(),
    "Geoff Catt",
    "Labor MP",
    "“quoted”",
    "it’s",
    "Mr.",
    "$2000",
    "1,999",
    "2000 percent",
    "12 March",
]
_ODD = "ıİſ\u212aµßÿéÉàÀñÑ’‘“”–—…\u00a0ΣσςﬁǅǄ"
_piece = st.one_of(
    st.sampled_from(_WORDS),
    st.text(alphabet=string.ascii_letters + string.digits + " .,'-:$%", max_size=8),
    st.text(alphabet=_ODD, min_size=1, max_size=2),
    st.text(max_size=3),
)


def _cases(word: str, pattern: int) -> str:
    return "".join(c.upper() if pattern >> (i % 16) & 1 else c for i, c in enumerate(word))


_text = st.builds(
    lambda pieces, shape: " ".join(_cases(p, shape + i) for i, p in enumerate(pieces)),
    st.lists(_piece, max_size=12),
    st.integers(0, 1 << 16),
)


def _spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


def test_every_case_insensitive_pattern_is_written_in_lower_case() -> None:
    assert set(FOLDED) >= {"_DATE", "_QUANTITY", "_REASON", "_STATEMENT", "_CALENDAR", "_MANNER", "_STRONG_DATE"}
    for pattern in FOLDED.values():
        assert pattern.lower.pattern == pattern.lower.pattern.lower()
        assert pattern.exact.flags & re.IGNORECASE and not pattern.lower.flags & re.IGNORECASE
    with pytest.raises(ValueError, match="lower case"):
        _Folded(r"\bfoo\W")
    for name, value in vars(answer_type).items():  # none left behind with IGNORECASE alone
        if isinstance(value, re.Pattern):
            assert not value.flags & re.IGNORECASE, name


def test_no_safe_character_matches_ascii_or_changes_class() -> None:
    for c in _CASE_SAFE:
        low = c.lower()
        assert len(low) == 1 and not low.isascii()
        for a in string.printable:
            assert re.fullmatch(re.escape(a), c, re.IGNORECASE) is None, (c, a)
        for cls in (r"\w", r"\d", r"\s"):
            assert bool(re.fullmatch(cls, c)) == bool(re.fullmatch(cls, low)), (c, cls)
    for c in "ıİſ\u212a":
        assert folded(f"on friday {c}") is None
    assert folded("On Friday “Jan” é") == "on friday “jan” é"


@settings(max_examples=1500, deadline=None)
@given(_text)
def test_folded_patterns_find_the_same_spans(text: str) -> None:
    for name, pattern in FOLDED.items():
        assert _spans(pattern.finditer(text)) == _spans(pattern.exact.finditer(text)), name
        assert bool(pattern.search(text)) == bool(pattern.exact.search(text)), name
        assert bool(pattern.fullmatch(text)) == bool(pattern.exact.fullmatch(text)), name
        for word in text.split():
            assert bool(pattern.fullmatch(word)) == bool(pattern.exact.fullmatch(word)), (name, word)


@settings(max_examples=800, deadline=None)
@given(_text, st.frozensets(st.sampled_from(["2004", "5", "friday", "geoff", "catt", "two", "all"]), max_size=3))
def test_holds_and_strong_decide_as_with_ignorecase(text: str, names: frozenset[str]) -> None:
    folded_results = [(holds(k, text, names), strong(k, text, names)) for k in KINDS]
    with patch.object(casefold, "folded", lambda text: None):  # every text searched with IGNORECASE, as before
        exact_results = [(holds(k, text, names), strong(k, text, names)) for k in KINDS]
    assert folded_results == exact_results


def test_the_gate_reads_what_every_match_starts_with() -> None:
    date = FOLDED["_DATE"].gate
    assert date is not None and date.digits and {"last", "ago", "o", "eid", "the"} <= date.closed
    assert FOLDED["_STATEMENT"].gate is None  # it may start with a quotation mark
    assert _Folded(r"\bfoo[a-z]*").gate is not None and _Folded(r"[a-z]oo").gate is None
    assert _Folded(r"(?:x)?").gate is None  # it may match nothing at all
    texts = ["labo si gobe vacibi fa hipebe", "the", "blast weeks", "xmondays", "o'clock", "1999s", "mid-may"]
    for pattern in FOLDED.values():
        gate = pattern.gate
        words = [] if gate is None else sorted(gate.closed)
        if gate is not None and gate.open is not None:
            words += gate.open.pattern.split("|")
        for word in words:  # each word the gate looks for, alone and among others, in several cases
            texts += [word, f"{word} week", f"on {word.upper()} 5 ago", f"x{word}s the", f"{word}-{word}"]
    for text in texts:
        for name, pattern in FOLDED.items():
            assert _spans(pattern.finditer(text)) == _spans(pattern.exact.finditer(text)), (name, text)
