"""The speller against the vocabulary of a real article: the shipped Washington Post story's own terms."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from bot.core.text import sentence_spans, tokenize
from bot.search.spelling import Speller, max_edits

STORY = Path(__file__).resolve().parents[2] / "corpus" / "articles"


def _story_vocabulary() -> Counter[str]:
    path = next(STORY.glob("00-washington-post-*.md"))
    body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
    counts: Counter[str] = Counter()
    for start, end in sentence_spans(body):
        counts.update(set(tokenize(body[start:end])))
    return counts


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("jnue", ["june"]), ("bezso", ["bezo"]), ("lettre", ["letter"]), ("emials", ["email"]), ("amazn", ["amazon"])],
)
def test_swapped_letters_count_one_edit(typed: str, expected: list[str]) -> None:
    counts = _story_vocabulary()
    assert all(term in counts for term in expected)
    speller = Speller()
    found = speller.corrections(typed, tokenize(typed)[0], 1, lambda: counts, lambda t: counts.get(t, 0))
    assert found == expected


def test_a_short_word_with_two_letters_swapped_is_beyond_levenshtein() -> None:
    # why the distance is optimal string alignment: Levenshtein counts the swap in "jnue" as two edits, more than
    # a four-letter word is allowed
    assert Levenshtein.distance("jnue", "june") == 2 > max_edits("jnue")


def test_a_word_the_story_does_not_use_is_not_corrected_to_a_far_one() -> None:
    counts = _story_vocabulary()
    speller = Speller()
    assert speller.corrections("zebra", "zebra", 1, lambda: counts, lambda t: counts.get(t, 0)) == []
