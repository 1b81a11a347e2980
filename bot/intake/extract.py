"""Finding the article on a page: headline, the page's own paragraphs, date, outlet and authors.

Favours precision (trafilatura without comments, tables or boilerplate): quoting a cookie banner as coverage would
mislead, so a page with too little text (:data:`MIN_ARTICLE_CHARS`) has no article. Used for fetched pages and for
saved ``.html`` article files alike; no network here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from yarl import URL

from bot.core.errors import FetchError
from bot.intake.page import FetchedPage

__all__ = ["MIN_ARTICLE_CHARS", "ExtractedArticle", "extract_article"]

#: Below this many characters of body text a page is treated as having no article: a cookie wall, an index
#: page or an error page yields a line or two, and quoting that as "coverage" would mislead.
MIN_ARTICLE_CHARS: Final = 100

_ISO_DATE_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ExtractedArticle:
    """The article found on a page.

    ``url`` is where the article actually is (the page's final URL, after redirects). ``body`` is the page's
    own text, paragraphs separated by a blank line, so quotes taken from it are verbatim. ``title`` is "" if
    the page has none. ``date`` is the publication date as ``YYYY-MM-DD`` when the page states one.
    ``source`` is the outlet's name, or the host without ``www.``.
    """

    url: str
    title: str
    body: str
    date: str | None
    source: str | None
    authors: list[str] = field(default_factory=list)


_BLOCK_TAGS: Final = frozenset({"p", "head", "list", "item", "quote", "code", "div", "table", "row", "cell"})


def _inline_text(element: Any) -> str:
    """The text of one block in trafilatura's output tree, with its ``<lb/>`` line breaks as newlines."""
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == "lb" else _inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _blocks(element: Any) -> Iterator[str]:
    """Paragraph texts of a trafilatura output element, one per block, recursing into nested blocks."""
    if not any(child.tag in _BLOCK_TAGS for child in element):
        yield _inline_text(element)
        return
    yield element.text or ""
    for child in element:
        if child.tag in _BLOCK_TAGS:
            yield from _blocks(child)
        else:
            yield _inline_text(child)
        yield child.tail or ""


def _clean_block(text: str) -> str:
    """Collapse runs of whitespace inside each line (as a browser renders them) and drop blank lines."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _host_source(final_url: str) -> str | None:
    host = URL(final_url).host
    if not host:
        return None
    host = host.rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _split_authors(raw: str | None) -> list[str]:
    """trafilatura joins several authors with "; "."""
    authors: list[str] = []
    for part in (raw or "").split(";"):
        name = " ".join(part.split())
        if name and name not in authors:
            authors.append(name)
    return authors


def _valid_date(value: str | None) -> str | None:
    if not value or not _ISO_DATE_RE.match(value):
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        return None
    return value


def _extract_plain(page: FetchedPage) -> tuple[str, list[str]]:
    """A plain-text page: the first line is the title; blank-line-separated blocks are the paragraphs."""
    text = page.text.replace("\r\n", "\n").replace("\r", "\n").strip()
    title, _, rest = text.partition("\n")
    paragraphs = [_clean_block(block) for block in re.split(r"\n\s*\n", rest)]
    return " ".join(title.split()), [p for p in paragraphs if p]


def extract_article(page: FetchedPage) -> ExtractedArticle:
    """Extract the article from a fetched page, favouring precision: no comments, no tables, no boilerplate.

    CPU-bound (trafilatura parses and scores the whole page): call it through ``asyncio.to_thread`` from async
    code, as :func:`fetch_article` does. Raises :class:`FetchError` when the page has no article text (or
    too little to be one, see :data:`MIN_ARTICLE_CHARS`).
    """
    fallback_source = _host_source(page.final_url)
    if page.content_type == "text/plain":
        title, paragraphs = _extract_plain(page)
        doc_date: str | None = None
        source, authors = fallback_source, []
    else:
        import trafilatura  # slow to import (0.1 s); only extraction needs it

        doc = trafilatura.bare_extraction(
            page.text,
            url=page.final_url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            favor_precision=True,
            date_extraction_params={
                "extensive_search": False,  # precision: no dates guessed from running text
                "original_date": True,  # the publication date, not the last update
                "max_date": date.today().isoformat(),
            },
        )
        if doc is None or isinstance(doc, dict):  # dict only with the deprecated as_dict=True
            raise FetchError(f"no article text found at {page.final_url}")
        title = " ".join((doc.title or "").split())
        paragraphs = []
        if doc.body is not None:
            paragraphs = [b for b in (_clean_block(block) for block in _blocks(doc.body)) if b]
        elif doc.text:
            paragraphs = [b for b in (_clean_block(line) for line in doc.text.split("\n")) if b]
        # trafilatura keeps the headline as the first block; the title field already carries it.
        if paragraphs and title and paragraphs[0].casefold() == title.casefold():
            paragraphs = paragraphs[1:]
        doc_date = _valid_date(doc.date)
        sitename = " ".join((doc.sitename or "").split())
        source = (sitename[4:] if sitename.startswith("www.") else sitename) or fallback_source
        authors = _split_authors(doc.author)
    body = "\n\n".join(paragraphs)
    if len(body) < MIN_ARTICLE_CHARS:
        raise FetchError(f"no article text found at {page.final_url}")
    return ExtractedArticle(url=page.final_url, title=title, body=body, date=doc_date, source=source, authors=authors)
