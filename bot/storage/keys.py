"""The duplicate rule's keys: the URL normalised, and the text's fingerprint.

The store indexes both columns and refuses an article whose key another stored article has; bulk import computes
the same keys for the lines of one file, so that a file that repeats itself is caught before anything is stored.
"""

from __future__ import annotations

import hashlib

from bot.core.urls import normalize_url

__all__ = ["MIN_DUPLICATE_WORDS", "body_key", "url_key"]

MIN_DUPLICATE_WORDS = 20


def body_key(body: str) -> str | None:
    """A fingerprint of an article's text with white space and case folded, for duplicate detection.

    None for a text under :data:`MIN_DUPLICATE_WORDS` words: a one-sentence teaser ("The streaming service
    announced the movies and shows arriving soon.") is shared by distinct articles, while a whole article's text
    is not."""
    words = body.split()
    if len(words) < MIN_DUPLICATE_WORDS:
        return None
    return hashlib.sha256(" ".join(words).casefold().encode()).hexdigest()


def url_key(url: str | None) -> str | None:
    """The URL normalised for duplicate detection (see :func:`bot.core.urls.normalize_url`), None without one."""
    return normalize_url(url) if url else None
