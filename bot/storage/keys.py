"""The duplicate rule, written once: an article is a duplicate of a stored one when their URLs normalise alike,
or when they carry the same text (a whole article's, see :func:`body_key`) from the same outlet. The same text from
another outlet is a syndicated copy (an AP story in The Hindu): it is stored, and answers show it as "also in".

:class:`DuplicateKeys` is what the rule compares. The store indexes both keys and looks them up when it adds an
article; a bulk import looks up the keys of its lines (never every stored article) and compares its lines with each
other by the same keys, so that a file that repeats itself is caught before anything is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.core.errors import UnsafeURL
from bot.core.models import ArticleIn
from bot.core.urls import normalize_url

__all__ = ["MIN_DUPLICATE_WORDS", "DuplicateKeys", "body_key", "url_key"]

MIN_DUPLICATE_WORDS = 20


def body_key(body: str) -> str | None:
    """A fingerprint of an article's text with white space and case folded, for duplicate detection.

    None for a text under :data:`MIN_DUPLICATE_WORDS` words: a one-sentence teaser ("The streaming service
    announced the movies and shows arriving soon.") is shared by distinct articles, while a whole article's text
    is not."""
    if _plain(body):  # the usual text: " ".join(body.split()) is the text without its outer spaces
        text = body.strip(" ")
        words = text.count(" ") + 1 if text else 0
    else:
        split = body.split()
        text, words = " ".join(split), len(split)
    if words < MIN_DUPLICATE_WORDS:
        return None
    return hashlib.sha256(text.casefold().encode()).hexdigest()


# Every ASCII white space character but the space, and two spaces: a text holding none of them (and nothing beyond
# ASCII) has its words separated by single spaces, so splitting it and joining the words again is stripping it.
_NOT_PLAIN = ("  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


def _plain(body: str) -> bool:
    """Whether ``body`` is ASCII with no white space but single spaces (a few scans in C: about a quarter of the
    cost of splitting a 1,250-character text into its words, which a bulk add did for every article)."""
    return body.isascii() and not any(mark in body for mark in _NOT_PLAIN)


def url_key(url: str | None) -> str | None:
    """The URL normalised for duplicate detection (see :func:`bot.core.urls.normalize_url`), None without one.

    Also None for a URL that cannot be normalised: the article model refuses those on the way in, but a database
    written by an older newsbot may hold one, and it must not stop an import or a seed."""
    if not url:
        return None
    try:
        return normalize_url(url)
    except UnsafeURL:
        return None


@dataclass(frozen=True)
class DuplicateKeys:
    """What the duplicate rule compares of an article: its URL's key, and its text's key with its outlet
    (case folded); either is None when the article has no URL or too short a text to tell."""

    url: str | None
    text: tuple[str, str] | None

    @classmethod
    def of(cls, article: ArticleIn) -> DuplicateKeys:
        body = body_key(article.body)
        return cls(url=url_key(article.url), text=(body, article.source.casefold()) if body else None)
