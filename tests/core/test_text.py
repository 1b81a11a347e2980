from __future__ import annotations

import json
import random
import re
import sys
import unicodedata

import pytest

from bot.core import text as text_module
from bot.core.text import sentence_spans, split_sentences, tokenize
from tests.conftest import HUFFPOST


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
        # the word before a period ends at white space of any kind, an opening quote or bracket
        ("Met\u00a0Mr. Smith today. He left.", ["Met\u00a0Mr. Smith today.", "He left."]),
        ("Tab\tMr. Smith left. He went.", ["Tab\tMr. Smith left.", "He went."]),
        ("Met (Mr. Smith) today. He left.", ["Met (Mr. Smith) today.", "He left."]),
        ("I saw “Dr. Who” yesterday. It aired.", ["I saw “Dr. Who” yesterday.", "It aired."]),
        ("The firm (Acme Inc.) The deal.", ["The firm (Acme Inc.)", "The deal."]),
        ("It was at 5 p.m. The market closed.", ["It was at 5 p.m.", "The market closed."]),
        ("Plan A. It works.", ["Plan A.", "It works."]),
        ("See e.g. Smith. Then.", ["See e.g. Smith.", "Then."]),
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
    with HUFFPOST.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            text = f"{row.get('headline') or ''} {row.get('short_description') or ''}"
            words.update(w.casefold() for w in re.findall(r"[^\W_]+(?:'[^\W_]+)*", text))
    words |= {w + suffix for w in sorted(words)[::50] for suffix in ("s", "ing", "ed", "ly", "ness", "ational")}
    reference = EnglishStemmer()
    differing = [w for w in sorted(words) if _stemmer.stemWord(w) != reference.stemWord(w)]
    assert len(words) > 25_000
    assert differing == []


def _tokenize_by_definition(text: str) -> list[str]:
    """What :func:`tokenize` is defined to return: the words of the whole normalised text, each made a term."""
    text = unicodedata.normalize("NFKC", text).translate(text_module._APOSTROPHES)
    terms = (text_module.word_term(raw) for raw in text_module._WORD.findall(text))
    return [term for term in terms if term]


def test_no_character_a_word_can_hold_is_white_space() -> None:
    """tokenize splits at white space first: that gives the same words only if no word can hold any."""
    word_characters = re.compile(r"[\d.,'’]|[^\W_]")
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert len(spaces) > 20
    assert [c for c in spaces if word_characters.match(c)] == []


def test_a_letter_or_digit_is_exactly_what_a_plain_word_is_made_of() -> None:
    """A chunk for which str.isalnum() holds is taken as one word without the regex: that needs ``[^\\W_]``, what
    a word is made of, to be the characters isalnum() accepts, at every code point."""
    letter = re.compile(r"[^\W_]")
    differ = [hex(c) for c in range(sys.maxunicode + 1) if chr(c).isalnum() != bool(letter.fullmatch(chr(c)))]
    assert differ == []


def test_tokenize_gives_the_terms_of_its_definition() -> None:
    """The chunked, cached tokenizer against its definition (regex over the whole text, no cache): HuffPost
    headlines and descriptions, and random text of Unicode white space, apostrophes, backticks, ligatures,
    full-width letters, combining marks and initialisms."""
    texts: list[str] = []
    with HUFFPOST.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts += [row.get("headline") or "", row.get("short_description") or ""]
    alphabet = list("aAzZ09 .,!?;:'\"’‘ʼ`“”()[]-—…\n\t\u00a0\u2009\u3000\u1680_éßİﬁ²½ⅣＡ０\u0301ǅ$%&@#/")
    alphabet += ["U.S.", "3.5", "1,000", " the ", "’s", "'s", "ICE", "te`amim", "rose", "Mr."]
    rng = random.Random(14)
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(20_000)]
    assert [tokenize(t) for t in texts] == [_tokenize_by_definition(t) for t in texts]


def test_a_backtick_is_an_apostrophe_in_ascii_text_too() -> None:
    assert tokenize("te`amim g`m") == tokenize("te’amim g'm") == ["teamim", "gm"]


def test_the_chunk_cache_stays_bounded_and_gives_the_same_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = text_module._CHUNKS
    monkeypatch.setattr(text_module._ChunkTerms, "limit", 50)
    words = [f"word{i}s, Rising" for i in range(300)]
    first = [tokenize(w) for w in words]
    assert len(cache) <= 50
    assert first == [tokenize(w) for w in words] == [_tokenize_by_definition(w) for w in words]
