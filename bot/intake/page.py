"""A page as text: what a fetch returns, and how its bytes are decoded (the way a browser would).

No network here, so a saved web page (an article file ending in .html) is decoded and extracted exactly as a fetched
one, without importing aiohttp.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Final

__all__ = ["FEED_TYPES", "HTML_TYPES", "TEXT_TYPES", "FetchedPage", "decode_body", "decode_html", "is_xml"]

#: What is fetched when a caller names no types: web pages and plain text.
TEXT_TYPES: Final = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
#: The content types RSS and Atom feeds are served as (RSS 1.0 as RDF); pass ``accept=FEED_TYPES`` to
#: :func:`bot.intake.http.fetch_page` to fetch a feed.
FEED_TYPES: Final = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml"}
)

_META_CHARSET_RE: Final = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING_RE: Final = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_META_SCAN_BYTES: Final = 16 * 1024


@dataclass(frozen=True)
class FetchedPage:
    """A fetched page, decoded. ``url`` is the URL asked for; ``final_url`` where the redirects ended."""

    url: str
    final_url: str
    status: int
    content_type: str
    charset: str
    text: str


def is_xml(content_type: str) -> bool:
    return content_type in ("application/xml", "text/xml") or content_type.endswith("+xml")


# WHATWG: these labels mean windows-1252 on the web. Pages that say iso-8859-1 routinely contain
# “smart quotes” in 0x80-0x9f, which true latin-1 would turn into invisible control characters.
_WINDOWS_1252_ALIASES: Final = frozenset({"latin_1", "iso8859-1", "ascii", "cp1252"})
_FRIENDLY_NAMES: Final = {"cp1252": "windows-1252", "utf-8": "utf-8", "utf_8": "utf-8"}


def _codec(label: str | None) -> str | None:
    """Python codec name for a charset label from a page, or None if unknown or not a text encoding."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'")[:40])
        # LookupError for bytes-to-bytes codecs such as base64, hex, zlib or rot13 (not for empty input: b"" passes)
        b"x".decode(info.name, errors="replace")
    except (LookupError, ValueError):
        return None
    name = info.name
    if name in _WINDOWS_1252_ALIASES:
        return "cp1252"
    if name in {"utf-16", "utf-16-le", "utf-16-be", "utf-7"}:
        return "utf-8"  # WHATWG: a page cannot declare these for itself, only a BOM can
    return name


def decode_body(body: bytes, declared: str | None, is_html: bool) -> tuple[str, str]:
    """Decode a body: byte-order mark, else the HTTP charset, else the HTML meta charset, else UTF-8.

    Undeclared bytes that are not valid UTF-8 are decoded as windows-1252, which is what browsers do for
    legacy Western pages; it never fails and gets the common case (an old site in latin-1) right.
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), name
    codec = _codec(declared)
    if codec is None and is_html:
        head = body[:_META_SCAN_BYTES]
        match = _XML_ENCODING_RE.match(head) or _META_CHARSET_RE.search(head)
        if match:
            codec = _codec(match.group(1).decode("ascii", errors="replace"))
    if codec is not None:
        return body.decode(codec, errors="replace"), _FRIENDLY_NAMES.get(codec, codec)
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace"), "windows-1252"


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode a saved HTML file as a fetched page would be (BOM, meta charset, else UTF-8 or windows-1252)."""
    return decode_body(data, None, True)
