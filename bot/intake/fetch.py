"""Fetch a news page by URL without becoming a proxy into our own network, and extract its article.

Anyone on Discord can hand the bot a URL, so every URL is hostile until checked. The defences, and why:

* **Static checks** (:func:`check_url`): only ``http``/``https`` (no ``file:``, ``ftp:``, ``gopher:``
  tricks), no ``user:pass@`` (credentials would end up in logs and the corpus, and ``http://trusted@evil/``
  fools people), and a syntactically valid host.
* **Address checks** (:func:`resolve_and_check`): the host is resolved and refused if *any* address is
  loopback, private, link-local (``169.254.169.254`` is the cloud metadata service), multicast, reserved,
  unspecified or otherwise not globally routable, including those addresses hidden inside IPv4-mapped,
  IPv4-compatible, 6to4 and NAT64 IPv6 forms. "Any" rather than "all", because the connector may pick any
  one of them.
* **Pinning**: the connection goes to exactly the addresses that were checked. Our sessions use
  :class:`_PinnedResolver`, which answers only from the addresses checked for the current hop, so a DNS server
  that answers "public" to the check and "127.0.0.1" to the connect (DNS rebinding) gets nowhere. Connections
  are never pooled, so no connection made under an earlier check is reused for a later one.
* **Redirects are followed by hand**, each hop going through all the checks again: a public page that
  redirects to ``http://127.0.0.1/admin`` is refused.
* **Bounded work**: one total timeout for the whole fetch (a server that trickles bytes forever fails
  cleanly), a byte limit enforced while streaming (and up front from ``Content-Length``), and only textual
  content types (web pages and plain text, or the types a caller names, such as :data:`FEED_TYPES`).

Extraction uses trafilatura, which is CPU-bound, so :func:`fetch_article` runs it in a worker thread.
"""

from __future__ import annotations

import asyncio
import codecs
import contextvars
import errno
import ipaddress
import logging
import re
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final
from urllib.parse import quote, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot import __version__
from bot.core.errors import FetchError, UnsafeURL

__all__ = [
    "decode_html",
    "DEFAULT_USER_AGENT",
    "FEED_TYPES",
    "MIN_ARTICLE_CHARS",
    "ExtractedArticle",
    "FetchPolicy",
    "FetchedPage",
    "check_url",
    "extract_article",
    "fetch_article",
    "fetch_page",
    "normalize_url",
    "open_session",
    "resolve_and_check",
]

log = logging.getLogger(__name__)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_USER_AGENT: Final = f"newsbot/{__version__} (news article fetcher)"

#: Below this many characters of body text a page is treated as having no article: a cookie wall, an index
#: page or an error page yields a line or two, and quoting that as "coverage" would mislead.
MIN_ARTICLE_CHARS: Final = 100

_ALLOWED_SCHEMES: Final = frozenset({"http", "https"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_TEXT_TYPES: Final = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
_HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
#: The content types RSS and Atom feeds are served as (RSS 1.0 as RDF); pass ``accept=FEED_TYPES`` to
#: :func:`fetch_page` to fetch a feed.
FEED_TYPES: Final = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml"}
)
_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_CHUNK_SIZE: Final = 64 * 1024

# Query parameters that only say how a reader arrived (campaigns, click ids, share buttons). Two links to the
# same story that differ only in these are the same story.
_TRACKING_PARAMS: Final = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "igshid",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "ocid",
        "smid",
        "smtyp",
        "s_cid",
        "at_medium",
        "at_campaign",
        "__twitter_impression",
    }
)
_TRACKING_PREFIXES: Final = ("utm_", "pk_", "mtm_", "hsa_")

# One DNS label after IDNA encoding. Underscores are not valid in host names but do occur in the wild.
_LABEL_RE: Final = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_CONTROL_OR_SPACE_RE: Final = re.compile(r"[\x00-\x20\x7f]")
_META_CHARSET_RE: Final = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING_RE: Final = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_META_SCAN_BYTES: Final = 16 * 1024
_ISO_DATE_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ----------------------------------------------------------------------------------------------------- URLs


def _parse(url: str) -> URL:
    """Parse ``url`` with yarl (aiohttp's own URL type, so we check exactly what aiohttp will request)."""
    try:
        return URL(url.strip())
    except (ValueError, TypeError) as exc:
        raise UnsafeURL(f"not a valid URL: {_safe(url)!r} ({exc})") from None


def _checked_host(parsed: URL, url: str) -> str:
    """Return the IDNA-encoded, lowercased host of ``parsed``; raise UnsafeURL if it is missing or malformed.

    yarl accepts hosts such as ``exa mple.com`` or ``a..b``; refusing them here gives a clear message instead
    of an obscure DNS or connection error later.
    """
    host = parsed.raw_host
    if not host:
        raise UnsafeURL(f"URL has no host: {_safe(url)!r}")
    if ":" in host:  # an IPv6 literal, already validated by yarl
        return host
    labels = host.rstrip(".").split(".") if host != "." else []
    if not labels or len(host) > 253 or not all(_LABEL_RE.match(label) for label in labels):
        raise UnsafeURL(f"URL has an invalid host name {host!r}: {_safe(url)!r}")
    return host


def check_url(url: str) -> None:
    """Refuse a URL on its face, before any network traffic: scheme, credentials, host.

    Raises :class:`UnsafeURL` naming the problem. Passing this check says nothing about where the host points;
    :func:`resolve_and_check` does that.
    """
    stripped = url.strip()
    if _CONTROL_OR_SPACE_RE.search(stripped):
        raise UnsafeURL(f"URL contains spaces or control characters: {_safe(url)!r}")
    parsed = _parse(stripped)
    scheme = parsed.scheme.lower()
    if scheme not in _ALLOWED_SCHEMES:
        shown = f"{scheme}:" if scheme else "a URL without a scheme"
        raise UnsafeURL(f"only http and https URLs can be fetched, not {shown} ({_safe(url)!r})")
    # yarl drops an empty userinfo ("http://@host/"), so look at the raw authority as well.
    if parsed.raw_user is not None or parsed.raw_password is not None or "@" in urlsplit(stripped).netloc:
        raise UnsafeURL(f"URLs with a user name or password are refused: {_redact(parsed)}")
    _checked_host(parsed, url)
    try:
        port = parsed.port
    except ValueError as exc:
        raise UnsafeURL(f"URL has an invalid port: {_safe(url)!r} ({exc})") from None
    if port is None or not 0 < port < 65536:
        raise UnsafeURL(f"URL has an invalid port: {_safe(url)!r}")


def _redact(parsed: URL) -> str:
    """The URL without its credentials, so an error message never repeats a password."""
    return str(parsed.with_user(None).with_password(None))


_USERINFO_RE: Final = re.compile(r"(?<=//)[^/?#]*@")


def _safe(url: str) -> str:
    """``url`` as typed, minus any ``user:password@``: error messages are shown in Discord and logged."""
    return _USERINFO_RE.sub("", url)


def _is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """Return a canonical form of ``url`` so that two links to the same story compare equal.

    Lowercases scheme and host, encodes the host with IDNA, drops credentials, default ports, the fragment
    and tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ``ref``...), sorts the remaining query
    parameters by name (keeping the order of repeated names, which can matter), and strips a trailing slash
    from the path (but not from ``/``). Raises :class:`UnsafeURL` for a URL that is not http(s) or has no
    valid host.

    The result is a *key* for duplicate detection, not necessarily a URL that serves the same bytes.
    """
    parsed = _parse(url)
    scheme = parsed.scheme.lower()
    if scheme not in _ALLOWED_SCHEMES:
        raise UnsafeURL(f"only http and https URLs can be stored, not {scheme or 'no scheme'} ({_safe(url)!r})")
    host = _checked_host(parsed, url).rstrip(".")
    netloc = f"[{host}]" if ":" in host else host
    try:
        port = parsed.explicit_port
    except ValueError as exc:
        raise UnsafeURL(f"URL has an invalid port: {_safe(url)!r} ({exc})") from None
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = parsed.raw_path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    params = [(k, v) for k, v in parsed.query.items() if not _is_tracking_param(k)]
    params.sort(key=lambda kv: kv[0])  # stable: repeated names keep their relative order
    query = "&".join(f"{_quote_qs(k)}={_quote_qs(v)}" for k, v in params)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def _quote_qs(text: str) -> str:
    """Percent-encode a query name or value the same way every time, whatever encoding the input used.

    ``+`` becomes ``%2B`` and a space ``%20``, so ``a+b`` and ``a%20b`` (both "a b" to a server) compare
    equal.
    """
    return quote(text, safe="-._~!$'()*,;:@/?")


# ------------------------------------------------------------------------------------------------ addresses


@dataclass(frozen=True)
class FetchPolicy:
    """What a fetch may do. The defaults are for fetching arbitrary public news sites.

    ``allow_private`` turns the address check off entirely (for a deployment that deliberately fetches from an
    intranet). ``allowed_networks`` is narrower: addresses inside these networks count as public, which lets
    tests serve pages from ``127.0.0.2`` while ``127.0.0.1`` stays forbidden.
    """

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    timeout: float = 15.0  # seconds, for the whole fetch: every DNS lookup, redirect and byte of the body
    max_bytes: int = 5_000_000  # of (decompressed) body
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError(f"FetchPolicy.timeout must be positive, not {self.timeout!r}")
        if self.max_bytes <= 0:
            raise ValueError(f"FetchPolicy.max_bytes must be positive, not {self.max_bytes!r}")
        if self.max_redirects < 0:
            raise ValueError(f"FetchPolicy.max_redirects must not be negative, not {self.max_redirects!r}")
        for network in self.allowed_networks:
            if not isinstance(network, ipaddress.IPv4Network | ipaddress.IPv6Network):
                raise TypeError(f"FetchPolicy.allowed_networks needs ipaddress networks, not {network!r}")


_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is one of the forms that reach IPv4 hosts."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _forbidden_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be fetched from ("loopback", ...), or None if it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = _forbidden_kind(embedded)
            return f"{inner} ({embedded} in IPv6 form)" if inner else None
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    if not ip.is_global:
        return "not globally routable"
    return None


def _address_allowed(ip: IPAddress, policy: FetchPolicy) -> bool:
    if policy.allow_private:
        return True
    candidates: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)) is not None:
        candidates.append(embedded)
    return any(c.version == net.version and c in net for c in candidates for net in policy.allowed_networks)


async def resolve_and_check(host: str, port: int, policy: FetchPolicy) -> list[str]:
    """Resolve ``host`` and return its addresses, refusing it if *any* of them is not public.

    Raises :class:`UnsafeURL` naming the host and the offending address, or :class:`FetchError` if the name
    does not resolve. Uses the event loop's ``getaddrinfo`` (in a thread) so a slow DNS server does not block
    the bot; the caller's timeout bounds it. IP literals go through the same path, which also turns obsolete
    spellings such as ``2130706433`` or ``0x7f.1`` into the address they really mean.
    """
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(name, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise FetchError(f"could not resolve host {host!r}: {reason}") from None
    addresses: list[str] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        text = str(sockaddr[0])
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        kind = _forbidden_kind(ip)
        if kind is not None and not _address_allowed(ip, policy):
            raise UnsafeURL(
                f"refusing to fetch from {host!r}: it resolves to {text}, which is not a public address "
                f"(it is {kind}); newsbot only fetches from public addresses"
            )
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise FetchError(f"could not resolve host {host!r}: no IPv4 or IPv6 address")
    return addresses


# -------------------------------------------------------------------------------------------------- pinning

# The addresses checked for the request in flight, keyed by (host as aiohttp will ask for it, port). A context
# variable rather than resolver state, so concurrent fetches through one session cannot see each other's pins:
# aiohttp resolves inside the task that makes the request.
_PINS: contextvars.ContextVar[Mapping[tuple[str, int], tuple[str, ...]]] = contextvars.ContextVar("_PINS")


class _PinnedResolver(AbstractResolver):
    """A resolver that never asks DNS: it answers only with the addresses :func:`fetch_page` has just checked.

    A lookup for anything else fails, so a request that did not go through the checks cannot connect anywhere.
    """

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        pinned = _PINS.get({}).get((host, port))
        if not pinned:
            raise OSError(errno.EPERM, f"{host}:{port} was not checked before connecting; refusing to resolve it")
        results: list[ResolveResult] = []
        for address in pinned:
            addr_family = socket.AF_INET6 if ":" in address else socket.AF_INET
            if family not in (socket.AF_UNSPEC, addr_family):
                continue
            results.append(
                ResolveResult(
                    hostname=host,
                    host=address,
                    port=port,
                    family=addr_family,
                    proto=0,
                    flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                )
            )
        if not results:
            raise OSError(errno.EPERM, f"{host}:{port} has no checked address of the requested family")
        return results

    async def close(self) -> None:
        """Nothing to release: this resolver holds no sockets or threads."""


class _PinnedConnector(aiohttp.TCPConnector):
    """A connector that resolves only through :class:`_PinnedResolver` and never keeps a connection alive.

    No pooling, because a pooled connection was checked under an earlier lookup (maybe under another policy).
    """

    def __init__(self) -> None:
        super().__init__(resolver=_PinnedResolver(), use_dns_cache=False, force_close=True, limit=20)


def open_session() -> aiohttp.ClientSession:
    """A session :func:`fetch_page` may use: it connects only to addresses checked for the current request.

    Use it as ``async with open_session() as session:`` to share one session across many fetches. Proxies from
    the environment are ignored (``trust_env=False``): a proxy would resolve names itself, unchecked.
    """
    return aiohttp.ClientSession(connector=_PinnedConnector(), trust_env=False)


# ------------------------------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class FetchedPage:
    """A fetched page, decoded. ``url`` is the URL asked for; ``final_url`` where the redirects ended."""

    url: str
    final_url: str
    status: int
    content_type: str
    charset: str
    text: str


async def fetch_page(
    url: str,
    policy: FetchPolicy,
    session: aiohttp.ClientSession | None = None,
    *,
    accept: frozenset[str] | None = None,
) -> FetchedPage:
    """Fetch ``url`` under ``policy``, following redirects by hand and checking every hop.

    Raises :class:`UnsafeURL` for a URL (or redirect target) that must not be fetched and :class:`FetchError`
    for everything else that goes wrong: DNS, connection, non-2xx status, too many redirects, wrong content
    type, too large, too slow. ``session``, if given, must come from :func:`open_session`; any other session
    would resolve names itself and undo the address checks, so it is refused with ``ValueError``.

    ``accept`` is the set of content types (lowercase, without parameters) that may be fetched instead of web
    pages and plain text, e.g. :data:`FEED_TYPES`; every other check stays the same.
    """
    if session is not None and not isinstance(session.connector, _PinnedConnector):
        raise ValueError("fetch_page needs a session from open_session(): others connect to unchecked addresses")
    if accept is not None and not accept:
        raise ValueError("fetch_page: accept must name at least one content type")
    check_url(url)  # fail fast, before opening anything
    try:
        async with asyncio.timeout(policy.timeout):
            if session is not None:
                return await _fetch(url, policy, session, accept)
            async with open_session() as own:
                return await _fetch(url, policy, own, accept)
    except TimeoutError:
        raise FetchError(f"timed out after {policy.timeout:g} s fetching {url}") from None


async def _fetch(
    url: str, policy: FetchPolicy, session: aiohttp.ClientSession, accept: frozenset[str] | None = None
) -> FetchedPage:
    current = _parse(url)
    headers = {
        "User-Agent": policy.user_agent,
        "Accept": ",".join(sorted(accept)) if accept else "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8",
    }
    for redirects in range(policy.max_redirects + 1):
        shown = str(current)
        check_url(shown)
        host = current.raw_host
        port = current.port
        assert host is not None and port is not None  # guaranteed by check_url
        addresses = await resolve_and_check(host, port, policy)
        log.debug("fetching %s from %s (hop %d)", shown, ", ".join(addresses), redirects)
        # aiohttp collapses trailing dots before resolving; pin under the name it will ask for.
        asked_host = host.rstrip(".") + "." if host.endswith("..") else host
        token = _PINS.set({(asked_host, port): tuple(addresses)})
        try:
            async with session.get(current, headers=headers, allow_redirects=False) as resp:
                if resp.status in _REDIRECT_STATUSES:
                    location = resp.headers.get("Location")
                    if not location:
                        raise FetchError(f"{shown} answered HTTP {resp.status} (redirect) without a Location")
                    if redirects == policy.max_redirects:
                        raise FetchError(f"too many redirects fetching {url}: gave up after {policy.max_redirects}")
                    try:
                        current = current.join(URL(location))
                    except ValueError as exc:
                        raise UnsafeURL(f"{shown} redirected to an invalid URL {_safe(location)!r} ({exc})") from None
                    continue
                return await _read_page(url, shown, resp, policy, accept)
        except aiohttp.ClientError as exc:
            raise FetchError(f"could not fetch {shown}: {_describe(exc)}") from None
        finally:
            _PINS.reset(token)
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _describe(exc: aiohttp.ClientError) -> str:
    """A short reason for a client error; aiohttp's own messages are sometimes empty."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _read_page(
    url: str, shown: str, resp: aiohttp.ClientResponse, policy: FetchPolicy, accept: frozenset[str] | None = None
) -> FetchedPage:
    """Check status, type and size, then stream the body and decode it."""
    if not 200 <= resp.status < 300:
        reason = f" {resp.reason}" if resp.reason else ""
        raise FetchError(f"{shown} answered HTTP {resp.status}{reason}")
    wanted = "web pages and text" if accept is None else ", ".join(sorted(accept))
    if "Content-Type" not in resp.headers:
        raise FetchError(f"{shown} did not say what type of content it is; only {wanted} are fetched")
    content_type = resp.content_type.lower()
    if accept is not None and content_type not in accept:
        raise FetchError(f"{shown} is {content_type}; only {wanted} are fetched here")
    if accept is None and content_type not in _TEXT_TYPES:
        raise FetchError(f"{shown} is {content_type}, not a web page or text; only HTML and plain text are fetched")
    if resp.content_length is not None and resp.content_length > policy.max_bytes:
        raise FetchError(f"{shown} is too large: {resp.content_length} bytes, the limit is {policy.max_bytes} bytes")
    body = bytearray()
    async for chunk in resp.content.iter_chunked(_CHUNK_SIZE):
        body += chunk
        if len(body) > policy.max_bytes:
            raise FetchError(f"{shown} is too large: more than the limit of {policy.max_bytes} bytes")
    # HTML and XML name their own encoding (meta charset, <?xml encoding?>) when the header does not.
    text, charset = _decode(bytes(body), resp.charset, content_type in _HTML_TYPES or _is_xml(content_type))
    return FetchedPage(
        url=url,
        final_url=shown,
        status=resp.status,
        content_type=content_type,
        charset=charset,
        text=text,
    )


# ------------------------------------------------------------------------------------------------- decoding


def _is_xml(content_type: str) -> bool:
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
        info = codecs.lookup(label.strip().strip("\"'"))
        b"".decode(info.name)  # LookupError for bytes-to-bytes codecs such as base64 or rot13
    except (LookupError, ValueError):
        return None
    name = info.name
    if name in _WINDOWS_1252_ALIASES:
        return "cp1252"
    if name in {"utf-16", "utf-16-le", "utf-16-be", "utf-7"}:
        return "utf-8"  # WHATWG: a page cannot declare these for itself, only a BOM can
    return name


def _decode(body: bytes, declared: str | None, is_html: bool) -> tuple[str, str]:
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


# ----------------------------------------------------------------------------------------------- extraction


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


async def fetch_article(
    url: str, policy: FetchPolicy, session: aiohttp.ClientSession | None = None
) -> ExtractedArticle:
    """Fetch ``url`` safely and extract its article; extraction runs in a worker thread.

    trafilatura can take hundreds of milliseconds on a large page; running it on the event loop would freeze
    the Discord connection (heartbeats included) for that long.
    """
    page = await fetch_page(url, policy, session)
    return await asyncio.to_thread(extract_article, page)


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode a saved HTML file as a fetched page would be (BOM, meta charset, else UTF-8 or windows-1252)."""
    return _decode(data, None, True)
