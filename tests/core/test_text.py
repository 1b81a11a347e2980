from __future__ import annotations

import json
import re

import pytest

from bot.core.text import sentence_spans, split_sentences, tokenize
from tests.conftest import shared_file


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Amazon.com Inc. pitched its system to ICE. It was summer.",
            ["Amazon.com Inc. pitched its system to ICE.", "It was summer."],
        ),
        (
            "Workers were angry at the U.S.-Mexico border. They wrote a letter.",
            ["Workers were angry at the U.S.-Mexico border.", "They wrote a letter."],
        ),
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        (
            "The system costs 3.5 million dollars. That is a lot.",
            ["The system costs 3.5 million dollars.", "That is a lot."],
        ),
        (
            "He said: “We refuse to build it.” Then he left.",
            ["He said: “We refuse to build it.”", "Then he left."],
        ),
        ("Is it legal? Nobody knows! Maybe.", ["Is it legal?", "Nobody knows!", "Maybe."]),
        ("“Why?” she asked. He shrugged.", ["“Why?” she asked.", "He shrugged."]),
        (
            "He sold it to Amazon.com Inc. The deal closed.",
            ["He sold it to Amazon.com Inc.", "The deal closed."],
        ),
        (
            "The U.S. President spoke. The U.S. It rained.",
            ["The U.S. President spoke.", "The U.S.", "It rained."],
        ),
        ("See No. 5 on the list. Done.", ["See No. 5 on the list.", "Done."]),
        ("First paragraph without a stop\n\nSecond one.", ["First paragraph without a stop", "Second one."]),
        ("A hard-wrapped\nsentence goes on. Next.", ["A hard-wrapped\nsentence goes on.", "Next."]),
        ("  ", []),
        ("Ends with (a parenthesis.) Next one.", ["Ends with (a parenthesis.)", "Next one."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_spans_are_slices_of_the_text() -> None:
    text = "  Amazon.com Inc. pitched it.  “Quote.” Another one!\n\nLast"
    for start, end in sentence_spans(text):
        assert text[start:end] == text[start:end].strip()
        assert text[start:end] in text


def test_tokenize_folds_case_punctuation_and_stems() -> None:
    assert tokenize("Amazon’s “facial-recognition” systems — pitched to ICE!") == [
        "amazon",
        "facial",
        "recognit",
        "system",
        "pitch",
        "ice",
    ]


def test_tokenize_drops_stopwords_but_keeps_initialisms() -> None:
    assert tokenize("What did they tell us about the U.S. and the US?") == ["us", "us"]
    assert tokenize("what is the") == []


def test_tokenize_is_the_same_for_questions_and_documents() -> None:
    assert tokenize("Who pitched?") == tokenize("pitching")[:1] == ["pitch"]
    assert tokenize("Driver's licenses") == tokenize("drivers license") == ["driver", "licens"]


def test_tokenize_numbers_and_unicode() -> None:
    assert tokenize("3.5 million, 1,000 people in 2018") == ["3.5", "million", "1000", "peopl", "2018"]
    assert tokenize("Café ÉLAN naïve") == ["café", "élan", "naïv"]


def test_the_compiled_stemmer_gives_the_pure_python_snowball_stems() -> None:
    """PyStemmer replaced the pure-Python snowballstemmer (same Snowball English algorithm, in C) without
    changing a single term: checked word for word on the whole HuffPost vocabulary, plus a few suffixed forms."""
    from snowballstemmer.english_stemmer import EnglishStemmer

    from bot.core.text import _stemmer

    words: set[str] = set()
    with shared_file("data", "huffpost-headlines-2018-2022.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            text = f"{row.get('headline') or ''} {row.get('short_description') or ''}"
            words.update(w.casefold() for w in re.findall(r"[^\W_]+(?:'[^\W_]+)*", text))
    words |= {w + suffix for w in sorted(words)[::50] for suffix in ("s", "ing", "ed", "ly", "ness", "ational")}
    reference = EnglishStemmer()
    differing = [w for w in sorted(words) if _stemmer.stemWord(w) != reference.stemWord(w)]
    assert len(words) > 25_000
    assert differing == []
