"""mark_names counts a question word's mentions with str.find where that finds exactly what its case-insensitive
patterns find: the same positions, on any text (tricky case folds included), as the patterns themselves."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search.question import _Folded

# Letters, their other cases, the characters that fold onto ASCII letters under re.IGNORECASE, one whose lower
# case is two characters, word continuations and separators.
_ALPHABET = "abkisAKIS\u0130\u0131\u017f\u212a\u00e9\u00c9\u03a3'\u2019- \n.\u201c\t_1"
_WORDS = st.text(alphabet="abkisAKISé", min_size=1, max_size=4)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60), _WORDS, _WORDS)
def test_word_starts_and_pairs_are_what_the_patterns_find(text: str, word: str, following: str) -> None:
    folded = _Folded(text)
    stem = re.compile(rf"(?:^|(?<=[^\w'’-]))({re.escape(word)})", re.IGNORECASE | re.MULTILINE)
    assert folded.word_starts(word) == [m.start(1) for m in stem.finditer(text)]
    pair = rf"(?<![\w'’-]){re.escape(word)}\s+{re.escape(following)}(?![\w'’-])"
    assert folded.pair(word, following) == (re.search(pair, text, re.IGNORECASE) is not None)
    capitalised = re.escape(word[:1].upper()) + re.escape(word[1:])
    then = re.escape(following[:1].upper()) + re.escape(following[1:])
    phrase = rf"(?<=[^\s.!?:\"“(]\s){capitalised}\s+(?:(?:and|of|for|the|&)\s+)?{then}\b"
    assert folded.phrases(word, following) == len(re.findall(phrase, text))


def test_a_text_with_a_letter_that_folds_onto_ascii_is_scanned_by_the_pattern() -> None:
    assert _Folded("the \u212aing of kings").low is None  # Kelvin sign: re.IGNORECASE matches it as "k"
    assert _Folded("The \u212aing of kings").word_starts("kin") == [4, 12]
    assert _Folded("Istanbul \u0130stanbul").low is None  # its lower case is two characters
    assert _Folded("“Amazon’s” workers").word_starts("amaz") == [1]
    assert _Folded("Jeff  Bezos said; jeff\nbezos").pair("jeff", "bezos")
    assert not _Folded("Jeff Bezos-led").pair("jeff", "bezos")
