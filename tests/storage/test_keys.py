"""The text key of the duplicate rule: the same key as the plain definition (split into words, join with single
spaces, case fold, SHA-256), whatever the text, on the fast path for plain ASCII texts as on the general one."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.storage.keys import _NOT_PLAIN, MIN_DUPLICATE_WORDS, _plain, body_key


def reference(body: str) -> str | None:
    words = body.split()
    if len(words) < MIN_DUPLICATE_WORDS:
        return None
    return hashlib.sha256(" ".join(words).casefold().encode()).hexdigest()


def test_the_fast_path_knows_every_ascii_white_space() -> None:
    spaces = {chr(c) for c in range(128) if chr(c).isspace()}
    assert spaces - {" "} == {mark for mark in _NOT_PLAIN if len(mark) == 1}
    assert "  " in _NOT_PLAIN


def test_texts_on_and_off_the_fast_path() -> None:
    words = " ".join(f"Word{i}" for i in range(MIN_DUPLICATE_WORDS))
    texts = [
        words, f"  {words} ", f"{words}\n", f"{words}  more", words.replace(" ", "\t", 1), words.replace(" ", "\x1f"),
        words.replace(" ", "\xa0"), words.replace(" ", "\u3000"), f"{words} Straße", " ".join(words.split()[:-1]),
        f" {' '.join(words.split()[:-1])} ", "", " ", "\n", "İ" * 30,
    ]  # fmt: skip
    for text in texts:
        assert body_key(text) == reference(text), repr(text)
    assert _plain(words) and _plain(f"  {words}".lstrip()) and not _plain(f"{words}\n") and not _plain(f"{words} é")


_ALPHABET = st.sampled_from(
    ["a", "B", "z", ".", "'", " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u2028",
     "\u3000", "ß", "İ", "Σ", "ς", "\ufb03"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join), st.integers(min_value=0, max_value=25))
def test_the_key_is_the_plain_definition(text: str, more: int) -> None:
    body = " ".join(["w"] * more) + " " + text
    assert body_key(body) == reference(body)
    assert body_key(text) == reference(text)
