"""Fetching a page by URL under the address guard: redirects followed by hand, and bounded work.

* **Redirects are followed by hand**, each hop going through all the checks again (:func:`bot.core.urls.check_url`,
  then :func:`bot.intake.guard.resolve_and_check` and the pinned connection): a public page that redirects to
  ``http://127.0.0.1/admin`` is refused.
* **Bounded work**: one total timeout for the whole fetch (a server that trickles bytes forever fails
  cleanly), a byte limit enforced while streaming (and up front from ``Content-Length``), and only textual
  content types (web pages and plain text, or the types a caller names, such as
  :data:`bot.intake.page.FEED_TYPES`).

Extraction (trafilatura) is CPU-bound and, on a hostile page, unbounded, so :func:`fetch_article` runs it in a
worker process (:mod:`bot.intake.worker`) within what is left of the same deadline and a memory cap.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

import aiohttp
from yarl import URL

from bot.core.errors import FetchError, UnsafeURL
from bot.core.sanitize import excerpt, quoted
from bot.core.urls import check_url, parse_url, without_credentials
from bot.intake.extract import ExtractedArticle
from bot.intake.guard import PINS, FetchPolicy, PinnedConnector, open_session, resolve_and_check
from bot.intake.page import HTML_TYPES, TEXT_TYPES, FetchedPage, decode_body, is_xml
from bot.intake.worker import extract_in_worker_async

__all__ = ["fetch_article", "fetch_page"]

log = logging.getLogger(__name__)

_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_CHUNK_SIZE: Final = 64 * 1024


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
    if session is not None and not isinstance(session.connector, PinnedConnector):
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
    current = parse_url(url)
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
        token = PINS.set({(asked_host, port): tuple(addresses)})
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
                        raise UnsafeURL(
                            f"{shown} redirected to an invalid URL {quoted(without_credentials(location))} ({exc})"
                        ) from None
                    continue
                return await _read_page(url, shown, resp, policy, accept)
        except aiohttp.ClientError as exc:
            raise FetchError(f"could not fetch {shown}: {_describe(exc)}") from None
        finally:
            PINS.reset(token)
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _describe(exc: aiohttp.ClientError) -> str:
    """A short reason for a client error; aiohttp's own messages are sometimes empty."""
    text = str(exc)
    return f"{type(exc).__name__}: {excerpt(text)}" if text else type(exc).__name__


async def _read_page(
    url: str, shown: str, resp: aiohttp.ClientResponse, policy: FetchPolicy, accept: frozenset[str] | None = None
) -> FetchedPage:
    """Check status, type and size, then stream the body and decode it."""
    if not 200 <= resp.status < 300:
        reason = f" {excerpt(resp.reason, 100)}" if resp.reason else ""  # the server's words: bounded
        raise FetchError(f"{excerpt(shown)} answered HTTP {resp.status}{reason}")
    wanted = "web pages and text" if accept is None else ", ".join(sorted(accept))
    if "Content-Type" not in resp.headers:
        raise FetchError(f"{shown} did not say what type of content it is; only {wanted} are fetched")
    content_type = resp.content_type.lower()[:100]
    if accept is not None and content_type not in accept:
        raise FetchError(f"{shown} is {content_type}; only {wanted} are fetched here")
    if accept is None and content_type not in TEXT_TYPES:
        raise FetchError(f"{shown} is {content_type}, not a web page or text; only HTML and plain text are fetched")
    if resp.content_length is not None and resp.content_length > policy.max_bytes:
        raise FetchError(f"{shown} is too large: {resp.content_length} bytes, the limit is {policy.max_bytes} bytes")
    body = bytearray()
    async for chunk in resp.content.iter_chunked(_CHUNK_SIZE):
        body += chunk
        if len(body) > policy.max_bytes:
            raise FetchError(f"{shown} is too large: more than the limit of {policy.max_bytes} bytes")
    # HTML and XML name their own encoding (meta charset, <?xml encoding?>) when the header does not.
    text, charset = decode_body(bytes(body), resp.charset, content_type in HTML_TYPES or is_xml(content_type))
    return FetchedPage(
        url=url,
        final_url=shown,
        status=resp.status,
        content_type=content_type,
        charset=charset,
        text=text,
    )


async def fetch_article(
    url: str, policy: FetchPolicy, session: aiohttp.ClientSession | None = None
) -> ExtractedArticle:
    """Fetch ``url`` safely and extract its article, all within ``policy.timeout``.

    Extraction runs in a worker process (:func:`bot.intake.worker.extract_in_worker_async`) with what is left of
    the deadline and ``policy.max_extract_memory``: trafilatura can take seconds on a large page, and running it
    on the event loop would freeze the Discord connection (heartbeats included) for that long.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    page = await fetch_page(url, policy, session)
    left = policy.timeout - (loop.time() - started)
    if left <= 0:
        raise FetchError(f"timed out after {policy.timeout:g} s fetching {url}")
    return await extract_in_worker_async(page, timeout=left, max_memory=policy.max_extract_memory)
