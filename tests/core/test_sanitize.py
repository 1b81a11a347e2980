from __future__ import annotations

import sys
import unicodedata

import pytest

from bot.core.sanitize import clean_text, forbidden_character

BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_forbidden_characters_are_the_controls_and_bidi_overrides_of_every_code_point() -> None:
    """The one regex refuses exactly Unicode's control characters (category Cc) but tab and line breaks, and the
    bidi overrides and isolates; checked over every code point of this Python's Unicode database."""
    expected = [
        c
        for c in map(chr, range(sys.maxunicode + 1))
        if (unicodedata.category(c) == "Cc" and c not in "\t\n\r") or c in BIDI
    ]
    found = [c for c in map(chr, range(sys.maxunicode + 1)) if forbidden_character(f"ok {c} ok") == (3, c)]
    assert found == expected
    assert len(expected) == 62 + len(BIDI)


def test_the_first_forbidden_character_is_reported_where_it_is() -> None:
    assert forbidden_character("plain text,\ttabs\nand lines\r\n") is None
    assert forbidden_character("ab\x1b[31mc\u202e") == (2, "\x1b")
    assert forbidden_character("ab\u2067c\x00") == (2, "\u2067")
    with pytest.raises(ValueError, match=r"contains a control character \(U\+0085\) at character 4"):
        clean_text("abc\x85")
