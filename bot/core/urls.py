"""URLs as newsbot accepts them: checked on their face, and normalised into the key that finds duplicates.

Pure functions over text (yarl, the URL type aiohttp uses, so the checks see exactly what a fetch would request;
no network and no aiohttp). They live in the core because both sides need them: the store keys every article by
its normalised URL, and fetching refuses a URL with :func:`check_url` before it opens anything.

* :func:`check_url`: only ``http``/``https`` (no ``file:``, ``ftp:``, ``gopher:`` tricks), no ``user:pass@``
  (credentials would end up in logs and the corpus, and ``http://trusted@evil/`` fools people), and a
  syntactically valid host. Where the host points is :mod:`bot.intake.guard`'s job.
* :func:`normalize_url`: two links to the same story compare equal (case, default ports, tracking parameters...).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import quote, urlsplit

from yarl import URL

from bot.core.errors import UnsafeURL
from bot.core.sanitize import quoted

__all__ = ["MAX_URL_CHARS", "check_stored_url", "check_url", "normalize_url", "parse_url", "without_credentials"]

ALLOWED_SCHEMES: Final = frozenset({"http", "https"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


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


def parse_url(url: str) -> URL:
    """Parse ``url`` with yarl (aiohttp's own URL type, so we check exactly what aiohttp will request)."""
    try:
        return URL(url.strip())
    except (ValueError, TypeError) as exc:
        raise UnsafeURL(f"not a valid URL: {quoted(without_credentials(url))} ({exc})") from None


def _checked_host(parsed: URL, url: str) -> str:
    """Return the IDNA-encoded, lowercased host of ``parsed``; raise UnsafeURL if it is missing or malformed.

    yarl accepts hosts such as ``exa mple.com`` or ``a..b``; refusing them here gives a clear message instead
    of an obscure DNS or connection error later.
    """
    host = parsed.raw_host
    if not host:
        raise UnsafeURL(f"URL has no host: {quoted(without_credentials(url))}")
    if ":" in host:  # an IPv6 literal, already validated by yarl
        return host
    labels = host.rstrip(".").split(".") if host != "." else []
    if not labels or len(host) > 253 or not all(_LABEL_RE.match(label) for label in labels):
        raise UnsafeURL(f"URL has an invalid host name {quoted(host)}: {quoted(without_credentials(url))}")
    return host


def check_url(url: str) -> None:
    """Refuse a URL on its face, before any network traffic: scheme, credentials, host.

    Raises :class:`UnsafeURL` naming the problem. Passing this check says nothing about where the host points;
    :func:`resolve_and_check` does that.
    """
    stripped = url.strip()
    if _CONTROL_OR_SPACE_RE.search(stripped):
        raise UnsafeURL(f"URL contains spaces or control characters: {quoted(without_credentials(url))}")
    parsed = parse_url(stripped)
    scheme = parsed.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"{scheme}:" if scheme else "a URL without a scheme"
        raise UnsafeURL(f"only http and https URLs can be fetched, not {shown} ({quoted(without_credentials(url))})")
    # yarl drops an empty userinfo ("http://@host/"), so look at the raw authority as well.
    if parsed.raw_user is not None or parsed.raw_password is not None or "@" in urlsplit(stripped).netloc:
        raise UnsafeURL(f"URLs with a user name or password are refused: {_redact(parsed)}")
    _checked_host(parsed, url)
    try:
        port = parsed.port
    except ValueError as exc:
        raise UnsafeURL(f"URL has an invalid port: {quoted(without_credentials(url))} ({exc})") from None
    if port is None or not 0 < port < 65536:
        raise UnsafeURL(f"URL has an invalid port: {quoted(without_credentials(url))}")


MAX_URL_CHARS: Final = 8_192  # the request line most web servers accept
# RFC 3986 allows these ASCII characters in a URL unencoded; the others (space, controls, < > " \\ ^ ` { | })
# must be percent-encoded, and one that is not can end a markdown link or a terminal line early.
_URL_ASCII: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&'()*+,;=%")


def check_stored_url(url: str) -> str:
    """The URL an article may be stored with, or :class:`UnsafeURL` saying what is wrong with it.

    Stored URLs are shown to people and linked in Discord, so on top of :func:`check_url`'s rules (http or https,
    no credentials, a valid host and port) a URL must be at most :data:`MAX_URL_CHARS` long, must hold no ASCII
    character that RFC 3986 wants percent-encoded (``<``, ``>``, ``"``, space, ``\\``, ``^``, `````, ``{``,
    ``|``, ``}``, controls) and no invisible or direction-changing character, and must normalise into a
    duplicate key (:func:`normalize_url`). Letters beyond ASCII (an IRI, ``https://ru.example/новости``) are
    kept: they are not markup, and the renderer encodes them where a link needs it."""
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise UnsafeURL(f"the URL is {len(url):,} characters long; the limit is {MAX_URL_CHARS:,}: {quoted(url)}")
    for index, char in enumerate(url):
        unsafe = char not in _URL_ASCII if char < "\x80" else unicodedata.category(char)[0] in "CZ"
        if unsafe:
            raise UnsafeURL(
                f"the URL holds {quoted(char)} at character {index + 1}, which a URL may not hold unencoded "
                f"(percent-encode it): {quoted(without_credentials(url))}"
            )
    check_url(url)
    normalize_url(url)
    return url


def _redact(parsed: URL) -> str:
    """The URL without its credentials, so an error message never repeats a password."""
    return str(parsed.with_user(None).with_password(None))


_USERINFO_RE: Final = re.compile(r"(?<=//)[^/?#]*@")


def without_credentials(url: str) -> str:
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
    parsed = parse_url(url)
    scheme = parsed.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL(
            f"only http and https URLs can be stored, not {scheme or 'no scheme'} ({quoted(without_credentials(url))})"
        )
    host = _checked_host(parsed, url).rstrip(".")
    netloc = f"[{host}]" if ":" in host else host
    try:
        port = parsed.explicit_port
    except ValueError as exc:
        raise UnsafeURL(f"URL has an invalid port: {quoted(without_credentials(url))} ({exc})") from None
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
