"""The one sanitiser for text that comes from outside, and the one way error messages quote it.

Every text field of an article (title, outlet, authors, text) passes through here on its way in, whether it came
from a file, a form, a web page or a feed, so the rules are the same everywhere:

* **Control characters are refused**, not stripped: NUL, the escape character that starts a terminal escape
  sequence, the other C0 and C1 controls and DEL, and the bidirectional overrides and isolates that make text
  display in another order than it reads (Unicode's "Trojan source" characters). A line break or a tab is white
  space: folded to one space in a one-line field, kept in an article's text.
* **Invisible text is empty text**: a title of only zero-width spaces, joiners, blank "filler" letters or white
  space has nothing to show, and is refused like an empty one.
* **Lengths** are the article model's (:mod:`bot.core.models`), counted after folding.

And anything quoted back in an error message (a URL, a field's value, a server's reply) goes through
:func:`quoted`: at most a few hundred characters, on one line, with control characters shown as escapes, so a
hostile page cannot make an error message huge or make it carry a terminal escape sequence. :func:`bounded` is
the same net for a whole message; every :class:`bot.core.errors.NewsBotError` passes its message through it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = [
    "MAX_MESSAGE_CHARS",
    "MAX_QUOTED_CHARS",
    "bounded",
    "clean_line",
    "clean_text",
    "excerpt",
    "forbidden_character",
    "is_visible",
    "quoted",
    "terminal_safe",
]

MAX_QUOTED_CHARS: Final = 200  # of one outside value quoted in a message
MAX_MESSAGE_CHARS: Final = 1_000  # of a whole error message

_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and symbols that draw nothing: used to fake an empty name.
_BLANK_LETTERS: Final = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")
_UNSAFE_FOR_TERMINAL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# Every character :func:`forbidden_character` refuses: Unicode's control characters (category Cc: C0, DEL, C1)
# except tab and line breaks, and the bidi overrides and isolates. One regex search runs in C over an article's
# text (a bulk import checks a million characters a second this way, not a hundred thousand); that it is the
# same set as the category test is checked over every code point in tests/core/test_sanitize.py.
_FORBIDDEN: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def forbidden_character(text: str) -> tuple[int, str] | None:
    """The first character of ``text`` that no field may hold (a control or bidi override), with its index."""
    found = _FORBIDDEN.search(text)
    return None if found is None else (found.start(), found.group())


def _describe(char: str) -> str:
    name = unicodedata.name(char, "") or {"\x00": "NUL", "\x1b": "ESCAPE", "\x7f": "DELETE"}.get(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def _refuse_forbidden(text: str) -> None:
    found = forbidden_character(text)
    if found is None:
        return
    index, char = found
    if char == "\x00":
        raise ValueError("contains a NUL byte")
    kind = "a bidirectional override" if char in _BIDI_CONTROLS else "a control character"
    raise ValueError(f"contains {kind} ({_describe(char)}) at character {index + 1}")


def is_visible(text: str) -> bool:
    """True if ``text`` has at least one character that draws something."""
    for char in text:
        category = unicodedata.category(char)
        if category[0] in "ZC" or category in ("Mn", "Me") or char in _BLANK_LETTERS:
            continue
        return True
    return False


def clean_line(value: str) -> str:
    """A one-line field (a headline, an outlet, an author): white space folded to single spaces; ValueError
    (pydantic's message for the field) if it holds a control character or nothing visible."""
    _refuse_forbidden(value)
    folded = " ".join(value.split())
    if not is_visible(folded):
        raise ValueError("must not be empty (it has no visible character)" if folded else "must not be empty")
    return folded


def clean_text(value: str) -> str:
    """An article's text: line breaks made ``\\n``; ValueError if it holds a control character. Text with
    nothing visible is no text (``""``: a headline-only article)."""
    _refuse_forbidden(value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value if is_visible(value) else ""


def quoted(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """``value`` for an error message: quoted like ``repr`` (control characters as escapes), at most ``limit``
    characters of it, the rest counted: ``'https://example.com/aaaa…' (99,505 characters)``."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    shown = repr(text[:limit])
    return f"{shown[:-1]}…{shown[-1]} ({len(text):,} characters)"


def excerpt(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """``value`` for a message without quotes (a URL, a server's reason phrase): control characters as escapes,
    at most ``limit`` characters, marked "…" when cut."""
    text = terminal_safe(value if isinstance(value, str) else str(value))
    return text if len(text) <= limit else text[:limit] + "…"


def bounded(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A whole message made safe to print: control characters as escapes, at most ``limit`` characters."""
    message = _UNSAFE_FOR_TERMINAL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), message)
    if len(message) <= limit:
        return message
    return f"{message[:limit]}… ({len(message) - limit:,} more characters)"


def terminal_safe(text: str) -> str:
    """Text for a terminal: control characters (a terminal escape sequence starts with one) and bidi overrides
    shown as visible escapes (``\\x1b``) instead of being obeyed. Line breaks and tabs are kept."""
    return _UNSAFE_FOR_TERMINAL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
