"""Parse RSS 2.0 (and 0.9x/1.0) and Atom feeds into plain entries: which articles exist, where, and when.

Only parsing lives here; subscribing and polling are elsewhere. A feed is text fetched from an arbitrary
server, so it is parsed defensively:

* A document with a ``DOCTYPE`` is refused outright. Feeds never need one, and it is the only way to declare
  entities, which is what "billion laughs" expansion bombs and external-entity (XXE) reads rely on. defusedxml
  is not available, so the parse is driven from expat directly, with a handler that aborts at the ``DOCTYPE``
  before any of its declarations are processed.
* Malformed XML and documents that are not feeds raise :class:`FetchError` with the reason and position.
* Entry links are resolved against ``xml:base`` and the feed's own URL, and only ``http(s)`` links are kept.

Everything a user may see (titles, summaries) is plain text: HTML in titles and summaries is reduced to text.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Final
from urllib.parse import urljoin, urlsplit
from xml.parsers import expat

from bot.core.errors import FetchError

__all__ = ["Feed", "FeedEntry", "parse_feed"]

log = logging.getLogger(__name__)

ATOM_NS: Final = "http://www.w3.org/2005/Atom"
RSS1_NS: Final = "http://purl.org/rss/1.0/"
RDF_NS: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC_NS: Final = "http://purl.org/dc/elements/1.1/"
CONTENT_NS: Final = "http://purl.org/rss/1.0/modules/content/"
XML_BASE: Final = "{http://www.w3.org/XML/1998/namespace}base"


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed.

    ``id`` is the feed's own identifier for the item (RSS ``guid``, Atom ``id``), or its URL when it has
    none; it is what tells a poller it has seen an item before, even if the URL changes. ``url`` is absolute
    http(s). ``published`` is ``YYYY-MM-DD`` as the feed states it (the publisher's local date), or None.
    ``summary`` is plain text, possibly empty.
    """

    id: str
    url: str
    title: str
    published: str | None
    summary: str
    authors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Feed:
    """A parsed feed. Entries keep the feed's order; items without a usable http(s) link are left out."""

    title: str
    entries: list[FeedEntry]


# --------------------------------------------------------------------------------------------------- parsing


class _Refused(Exception):
    """Raised from an expat handler to abort the parse at a DOCTYPE or entity declaration."""


def _ns_name(name: str) -> str:
    """expat reports ``uri}local`` (with our separator); ElementTree spells it ``{uri}local``."""
    return "{" + name if "}" in name else name


def _parse_xml(text: str) -> ET.Element:
    """Parse ``text`` into an ElementTree element, refusing any DOCTYPE before expat acts on it."""
    parser = expat.ParserCreate(namespace_separator="}")
    builder = ET.TreeBuilder()

    def refuse(*_args: object) -> None:
        raise _Refused

    def start(name: str, attrs: dict[str, str]) -> None:
        builder.start(_ns_name(name), {_ns_name(k): v for k, v in attrs.items()})

    def end(name: str) -> None:
        builder.end(_ns_name(name))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(text, True)
    except _Refused:
        raise FetchError(
            "refusing a feed that declares a DOCTYPE or entities: feeds do not need them, and they can be "
            "used to expand the document without bound or to read other files"
        ) from None
    except expat.ExpatError as exc:
        reason = expat.ErrorString(exc.code) if exc.code is not None else str(exc)
        raise FetchError(f"malformed feed: {reason} at line {exc.lineno}, column {(exc.offset or 0) + 1}") from None
    return builder.close()


def parse_feed(text: str, base_url: str) -> Feed:
    """Parse an RSS or Atom document fetched from ``base_url`` (used to resolve relative links).

    Raises :class:`FetchError` for an empty or malformed document, a document with a DOCTYPE, or XML that is
    not a feed. A bad date or a missing title in one item is not an error: that field is just None or "".
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise FetchError(f"the feed at {base_url} is empty")
    root = _parse_xml(stripped)
    base = urljoin(base_url, root.get(XML_BASE, ""))
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise FetchError(f"malformed RSS feed at {base_url}: it has no <channel>")
        items = channel.findall("item")
        feed_title = _plain(_child_text(channel, "title"))
        entries = _rss_entries(items, base, RSS_TAGS)
    elif root.tag == f"{{{RDF_NS}}}RDF":
        channel = root.find(f"{{{RSS1_NS}}}channel")
        feed_title = _plain(_child_text(channel, f"{{{RSS1_NS}}}title")) if channel is not None else ""
        entries = _rss_entries(root.findall(f"{{{RSS1_NS}}}item"), base, RSS1_TAGS)
    elif root.tag == f"{{{ATOM_NS}}}feed":
        feed_title = _text_construct(root.find(f"{{{ATOM_NS}}}title"))
        entries = _atom_entries(root, base)
    else:
        local = root.tag.rpartition("}")[2]
        raise FetchError(f"{base_url} is not an RSS or Atom feed: its root element is <{local}>")
    return Feed(title=feed_title, entries=entries)


# --------------------------------------------------------------------------------------------------- RSS


@dataclass(frozen=True)
class _RssTags:
    title: str
    link: str
    description: str


RSS_TAGS: Final = _RssTags(title="title", link="link", description="description")
RSS1_TAGS: Final = _RssTags(
    title=f"{{{RSS1_NS}}}title", link=f"{{{RSS1_NS}}}link", description=f"{{{RSS1_NS}}}description"
)


def _rss_entries(items: Iterable[ET.Element], base: str, tags: _RssTags) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
    for item in items:
        item_base = urljoin(base, item.get(XML_BASE, ""))
        guid_el = item.find("guid")
        guid = _child_text(item, "guid")
        link = _child_text(item, tags.link)
        if not link:
            atom_link = _atom_link(item)
            if atom_link:
                link = atom_link
        # RSS 2.0: a guid is a permalink unless it says isPermaLink="false".
        if not link and guid and guid_el is not None and guid_el.get("isPermaLink", "true").lower() != "false":
            link = guid
        url = _absolute_http_url(item_base, link)
        if url is None:
            log.debug("skipping a feed item without an http(s) link: %r", link or guid)
            continue
        published = _rfc822_date(_child_text(item, "pubDate")) or _iso_date(_child_text(item, f"{{{DC_NS}}}date"))
        summary = _plain(_child_text(item, tags.description) or _child_text(item, f"{{{CONTENT_NS}}}encoded"))
        authors = [_rss_author(el.text or "") for el in item.findall("author")]
        authors += [_plain(el.text or "") for el in item.findall(f"{{{DC_NS}}}creator")]
        entries.append(
            FeedEntry(
                id=guid or url,
                url=url,
                title=_plain(_child_text(item, tags.title)),
                published=published,
                summary=summary,
                authors=_unique(authors),
            )
        )
    return entries


def _rss_author(value: str) -> str:
    """RSS ``<author>`` is "email (Name)"; keep the name, or the whole value when it is not in that form."""
    value = " ".join(value.split())
    if value.endswith(")") and " (" in value:
        name = value[value.index(" (") + 2 : -1].strip()
        if name:
            return name
    return value


# --------------------------------------------------------------------------------------------------- Atom


def _atom_entries(feed: ET.Element, base: str) -> list[FeedEntry]:
    feed_authors = _atom_authors(feed)
    entries: list[FeedEntry] = []
    for entry in feed.findall(f"{{{ATOM_NS}}}entry"):
        entry_base = urljoin(base, entry.get(XML_BASE, ""))
        link = _atom_link(entry)
        url = _absolute_http_url(entry_base, link)
        if url is None:
            log.debug("skipping an Atom entry without an http(s) link: %r", link)
            continue
        published = _iso_date(_child_text(entry, f"{{{ATOM_NS}}}published")) or _iso_date(
            _child_text(entry, f"{{{ATOM_NS}}}updated")
        )
        summary_el = entry.find(f"{{{ATOM_NS}}}summary")
        if summary_el is None:
            summary_el = entry.find(f"{{{ATOM_NS}}}content")
        entries.append(
            FeedEntry(
                id=_child_text(entry, f"{{{ATOM_NS}}}id") or url,
                url=url,
                title=_text_construct(entry.find(f"{{{ATOM_NS}}}title")),
                published=published,
                summary=_text_construct(summary_el),
                # Atom: an entry without authors inherits the feed's.
                authors=_atom_authors(entry) or feed_authors,
            )
        )
    return entries


def _atom_link(element: ET.Element) -> str:
    """The ``alternate`` link of an Atom element (a missing ``rel`` means alternate), preferring HTML."""
    candidates = [
        link
        for link in element.findall(f"{{{ATOM_NS}}}link")
        if link.get("rel", "alternate") == "alternate" and link.get("href")
    ]
    candidates.sort(key=lambda link: link.get("type", "text/html") not in ("text/html", "application/xhtml+xml"))
    if not candidates:
        return ""
    best = candidates[0]
    return urljoin(best.get(XML_BASE, ""), best.get("href", "").strip())


def _atom_authors(element: ET.Element) -> list[str]:
    names = [_child_text(author, f"{{{ATOM_NS}}}name") for author in element.findall(f"{{{ATOM_NS}}}author")]
    return _unique(" ".join(name.split()) for name in names)


def _text_construct(element: ET.Element | None) -> str:
    """Plain text of an Atom text construct, whatever its ``type`` (text, html or xhtml)."""
    if element is None:
        return ""
    kind = element.get("type", "text")
    if kind == "xhtml":
        return " ".join("".join(element.itertext()).split())
    if kind == "html":
        return _plain(element.text or "")
    return " ".join("".join(element.itertext()).split())


# --------------------------------------------------------------------------------------------------- helpers


def _child_text(element: ET.Element | None, tag: str) -> str:
    if element is None:
        return ""
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _absolute_http_url(base: str, link: str) -> str | None:
    """``link`` resolved against ``base``, or None when it is empty or not an http(s) URL."""
    link = link.strip()
    if not link:
        return None
    url = urljoin(base, link)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def _unique(values: Iterable[str]) -> list[str]:
    result: list[str] = []
    for value in values:
        if value and value not in result:
            result.append(value)
    return result


# Tags after which a browser starts a new line: their text must not run into the next block's ("a</p><p>b").
_BREAKING_TAGS: Final = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure"}
    | {"footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section"}
    | {"table", "td", "th", "tr", "ul"}
)


class _TextCollector(HTMLParser):
    """Collects the text of an HTML fragment, skipping scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _plain(value: str) -> str:
    """Reduce a title or description, which feeds often fill with (escaped) HTML, to one line of text."""
    if "<" not in value and "&" not in value:
        return " ".join(value.split())
    collector = _TextCollector()
    collector.feed(value)
    collector.close()
    return " ".join("".join(collector.parts).split())


def _rfc822_date(value: str) -> str | None:
    """An RSS ``pubDate`` ("Tue, 05 Mar 2024 10:00:00 GMT") as ``YYYY-MM-DD``; ISO dates are accepted too."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return _iso_date(value)


def _iso_date(value: str) -> str | None:
    """An RFC 3339 / ISO 8601 date or date-time as ``YYYY-MM-DD``: the date as written, not moved to UTC."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        pass
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None
