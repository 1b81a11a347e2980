"""Tests for fetching (bot.core.urls, bot.intake.guard, http, page, extract) against a real aiohttp server.

The server runs on 127.0.0.2 and the policies used here allow exactly 127.0.0.2/32, so the first hop passes
the address check while 127.0.0.1, 169.254.169.254 and every other non-public address stay forbidden: the
hostile cases are then refused by the real checks, not by a test double. Each test is bounded by
``asyncio.timeout`` (see ``async_test``) on top of the short fetch timeouts in its policy.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from bot.core.errors import FetchError, UnsafeURL
from bot.core.urls import check_url, normalize_url
from bot.intake.extract import ExtractedArticle, extract_article
from bot.intake.guard import FetchPolicy, open_session, resolve_and_check
from bot.intake.http import fetch_article, fetch_page
from bot.intake.page import FetchedPage
from tests.helpers import deadline_test

HOST = "127.0.0.2"
TEST_NETWORKS = (ipaddress.ip_network("127.0.0.2/32"),)
TEST_DEADLINE = 15.0  # seconds; no test may take longer, whatever the server does
FIFTY_MB = 50 * 1024 * 1024


def policy(**overrides: Any) -> FetchPolicy:
    """A policy that treats the test server's address as public, with a short timeout."""
    settings: dict[str, Any] = {"allowed_networks": TEST_NETWORKS, "timeout": 5.0}
    settings.update(overrides)
    return FetchPolicy(**settings)


async_test = deadline_test(TEST_DEADLINE)


# ---------------------------------------------------------------------------------------------------- pages

PARAGRAPHS = [
    "The city council voted 7–2 on Tuesday to approve a new pedestrian bridge across the river, ending a "
    "debate that has run for more than a decade.",
    "“This is a historic day for our city,” said Mayor Ana López, who has championed the project since 2015.",
    "Opponents argued that the $40 million cost would strain the budget, but supporters said federal grants "
    "would cover most of it.",
    "Construction is expected to begin next spring and take about two years to complete, officials said.",
]

ARTICLE_HTML = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Council approves new bridge | The Daily Example</title>
<meta property="og:title" content="Council approves new bridge">
<meta property="og:site_name" content="The Daily Example">
<meta property="article:published_time" content="2024-03-05T10:00:00Z">
<meta name="author" content="Jane Doe; John Smith">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Council approves new bridge</h1>
<p>{PARAGRAPHS[0]}</p>
<p>{PARAGRAPHS[1]}</p>
<p>{PARAGRAPHS[2]}</p>
<p>{PARAGRAPHS[3]}</p>
</article>
<section class="comments" id="comments"><h2>Comments</h2>
<div class="comment"><p>First! This comment is not part of the article and must not be quoted.</p></div>
</section>
<footer><p>Copyright 2024 The Daily Example. All rights reserved.</p></footer>
</body></html>"""

BROKEN_HTML = """<html><head><title>Storm closes harbour</title><body>
<div class="story"><h1>Storm closes harbour
<p>A winter storm closed the harbour on Monday, stranding <b>dozens of fishing boats</b> at their moorings
and cutting power to several thousand homes along the coast.
<p>Harbour master Tom Reyes said the closure would last at least until Wednesday, when the winds are forecast
to ease and inspectors can check the breakwater for damage.</span></td>
<p>Residents were asked to stay indoors and to avoid the sea front until further notice.
</div></div></table>"""

SMART_TEXT = (
    "“Smart quotes” and café au lait – the naïve reporter’s guide to the new bakery on Rue de la Paix, which "
    "opened its doors this week to long queues of curious customers."
)
SMART_TEXT_2 = "Its owner, Zoë Müller, says the crème brûlée sells out “by ten o’clock” every morning."
CP1252_HTML = (
    "<html><head><title>Bakery opens</title>{meta}</head><body><article><h1>Bakery opens</h1>"
    f"<p>{SMART_TEXT}</p><p>{SMART_TEXT_2}</p></article></body></html>"
)

EMPTY_HTML = """<html><head><title>Home</title></head><body>
<nav><a href="/a">News</a> <a href="/b">Sport</a> <a href="/c">Weather</a></nav>
<div class="cookie">Accept cookies</div></body></html>"""

PLAIN_TEXT = "Council approves new bridge\n\n" + "\n\n".join(PARAGRAPHS) + "\n"


@dataclass
class Server:
    """The running test server: its base URL and what it has sent."""

    port: int
    sent: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"


async def _stream(request: web.Request, server: Server, total: int, with_length: bool) -> web.StreamResponse:
    """Send ``total`` bytes of HTML in 64 KiB chunks, counting what actually left the server."""
    resp = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
    if with_length:
        resp.content_length = total
    await resp.prepare(request)
    chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
    key = request.path
    server.sent[key] = 0
    while server.sent[key] < total:
        await resp.write(chunk)
        server.sent[key] += len(chunk)
    return resp


def _make_app(server: Server) -> web.Application:
    async def html(request: web.Request, body: str | bytes, content_type: str) -> web.Response:
        data = body.encode("utf-8") if isinstance(body, str) else body
        return web.Response(body=data, headers={"Content-Type": content_type})

    async def article(request: web.Request) -> web.Response:
        return await html(request, ARTICLE_HTML, "text/html; charset=utf-8")

    async def chain(request: web.Request) -> web.Response:
        remaining = int(request.match_info["n"])
        location = f"/chain/{remaining - 1}" if remaining > 0 else "/article"
        raise web.HTTPFound(location)

    async def redirect_to(request: web.Request) -> web.Response:
        targets = {
            "loopback": f"http://127.0.0.1:{server.port}/article",
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "ipv6-loopback": f"http://[::1]:{server.port}/article",
            "ftp": "ftp://127.0.0.2/article.txt",
            "file": "file:///etc/passwd",
            "credentials": f"http://user:secret@{HOST}:{server.port}/article",
            "relative": "../article",
        }
        raise web.HTTPFound(targets[request.match_info["target"]])

    async def big(request: web.Request) -> web.StreamResponse:
        return await _stream(request, server, FIFTY_MB, with_length=request.query.get("length") == "1")

    async def gzip_bomb(request: web.Request) -> web.Response:
        body = gzip.compress(b" " * FIFTY_MB, compresslevel=9)
        return web.Response(body=body, headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"})

    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        while True:
            await resp.write(b"<p>still going</p>\n")
            await asyncio.sleep(0.05)

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def typed(request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        bodies = {
            "png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
            "pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
            "json": (b'{"a": 1}', "application/json"),
        }
        data, content_type = bodies[kind]
        return web.Response(body=data, headers={"Content-Type": content_type})

    async def broken(request: web.Request) -> web.Response:
        return await html(request, BROKEN_HTML, "text/html; charset=utf-8")

    async def cp1252(request: web.Request) -> web.Response:
        variant = request.match_info["variant"]
        if variant == "header":
            page, content_type = CP1252_HTML.format(meta=""), "text/html; charset=windows-1252"
        elif variant == "meta-latin1":
            page, content_type = CP1252_HTML.format(meta='<meta charset="iso-8859-1">'), "text/html"
        elif variant == "http-equiv":
            meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            page, content_type = CP1252_HTML.format(meta=meta), "text/html"
        else:  # undeclared
            page, content_type = CP1252_HTML.format(meta=""), "text/html"
        return await html(request, page.encode("cp1252"), content_type)

    async def empty(request: web.Request) -> web.Response:
        return await html(request, EMPTY_HTML, "text/html; charset=utf-8")

    async def plain(request: web.Request) -> web.Response:
        return await html(request, PLAIN_TEXT, "text/plain; charset=utf-8")

    async def missing(request: web.Request) -> web.Response:
        raise web.HTTPNotFound(text="gone")

    async def moved_without_location(request: web.Request) -> web.Response:
        return web.Response(status=302)

    app = web.Application()
    app.router.add_get("/article", article)
    app.router.add_get("/chain/{n}", chain)
    app.router.add_get("/redirect/{target}", redirect_to)
    app.router.add_get("/big", big)
    app.router.add_get("/gzip-bomb", gzip_bomb)
    app.router.add_get("/endless", endless)
    app.router.add_get("/hang", hang)
    app.router.add_get("/typed/{kind}", typed)
    app.router.add_get("/broken", broken)
    app.router.add_get("/cp1252/{variant}", cp1252)
    app.router.add_get("/empty", empty)
    app.router.add_get("/plain", plain)
    app.router.add_get("/missing", missing)
    app.router.add_get("/moved", moved_without_location)
    return app


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Server]:
    """A real HTTP server on 127.0.0.2; handlers are cancelled when their client goes away."""
    state = Server(port=0)
    runner = web.AppRunner(_make_app(state), shutdown_timeout=0.5, handler_cancellation=True, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    state.port = runner.addresses[0][1]
    try:
        yield state
    finally:
        await runner.cleanup()


# -------------------------------------------------------------------------------------------- normalize_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("HTTPS://News.Example.COM/World/Story", "https://news.example.com/World/Story"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?utm_source=x&utm_medium=social&UTM_Campaign=y", "https://example.com/a"),
        (
            "https://example.com/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref=tw&ocid=5&igshid=6",
            "https://example.com/a",
        ),
        ("https://example.com/a?id=7&utm_source=x&page=2", "https://example.com/a?id=7&page=2"),
        ("https://example.com/a?page=2&id=7", "https://example.com/a?id=7&page=2"),
        ("https://example.com/a?tag=b&tag=a", "https://example.com/a?tag=b&tag=a"),
        ("https://example.com/world/", "https://example.com/world"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com", "https://example.com/"),
        ("https://Bücher.Example/x", "https://xn--bcher-kva.example/x"),
        ("https://user:pw@example.com/a", "https://example.com/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://example.com/a?q=a+b", "https://example.com/a?q=a%20b"),
        ("http://[::1]:8080/a/", "http://[::1]:8080/a"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_normalize_url_makes_variants_of_one_story_equal() -> None:
    variants = [
        "https://www.example.com/2024/03/bridge/?utm_source=twitter&utm_medium=social",
        "HTTPS://WWW.EXAMPLE.COM:443/2024/03/bridge#top",
        "https://www.example.com/2024/03/bridge?fbclid=IwAR0abc",
    ]
    assert len({normalize_url(v) for v in variants}) == 1


@pytest.mark.parametrize("url", ["ftp://example.com/a", "file:///etc/passwd", "javascript:alert(1)", "example.com/a"])
def test_normalize_url_refuses_non_http(url: str) -> None:
    with pytest.raises(UnsafeURL, match="only http and https"):
        normalize_url(url)


# ------------------------------------------------------------------------------------------------ check_url


def test_check_url_accepts_ordinary_urls() -> None:
    check_url("https://www.example.com/news/story?id=1#top")
    check_url("http://127.0.0.2:8080/article")  # static checks only: addresses are resolve_and_check's job


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://user:secret@example.com/a", "user name or password"),
        ("https://user@example.com/a", "user name or password"),
        ("https://@example.com/a", "user name or password"),
        ("ftp://example.com/file.txt", "not ftp:"),
        ("file:///etc/passwd", "not file:"),
        ("gopher://example.com/", "not gopher:"),
        ("//example.com/a", "without a scheme"),
        ("http:///a", "no host"),
        ("http://exa mple.com/", "spaces or control characters"),
        ("http://example.com/a\nb", "spaces or control characters"),
        ("http://a..b/", "invalid host name"),
        ("http://example.com:0/", "invalid port"),
        ("http://example.com:99999/", "(?i)port out of range"),
    ],
)
def test_check_url_refuses(url: str, message: str) -> None:
    with pytest.raises(UnsafeURL, match=message):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    ["https://user:hunter2@example.com/a", "https://user:hunter2@example.com:99999/", "ftp://u:hunter2@x/"],
)
def test_check_url_never_repeats_the_password(url: str) -> None:
    with pytest.raises(UnsafeURL) as info:
        check_url(url)
    assert "hunter2" not in str(info.value)


# ---------------------------------------------------------------------------------------- resolve_and_check


@async_test
async def test_resolve_and_check_refuses_localhost() -> None:
    with pytest.raises(UnsafeURL, match=r"'localhost'.*(127\.0\.0\.1|::1).*loopback"):
        await resolve_and_check("localhost", 80, FetchPolicy())


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("[::1]", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not globally routable"),
        ("::ffff:127.0.0.1", r"loopback \(127\.0\.0\.1 in IPv6 form\)"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 wrapping 169.254.169.254
        ("2130706433", "loopback"),  # 127.0.0.1 as one decimal number
        ("0x7f.1", "loopback"),
        ("fc00::1", "private"),
    ],
)
@async_test
async def test_resolve_and_check_refuses_non_public_addresses(host: str, kind: str) -> None:
    with pytest.raises(UnsafeURL, match=kind) as info:
        await resolve_and_check(host, 80, FetchPolicy())
    assert repr(host) in str(info.value)


@async_test
async def test_resolve_and_check_accepts_public_literals() -> None:
    assert await resolve_and_check("8.8.8.8", 80, FetchPolicy()) == ["8.8.8.8"]
    assert await resolve_and_check("2606:4700::1111", 443, FetchPolicy()) == ["2606:4700::1111"]
    assert await resolve_and_check("::ffff:8.8.8.8", 80, FetchPolicy()) == ["::ffff:8.8.8.8"]


@async_test
async def test_resolve_and_check_policy_exceptions() -> None:
    assert await resolve_and_check(HOST, 80, policy()) == [HOST]
    with pytest.raises(UnsafeURL):
        await resolve_and_check("127.0.0.1", 80, policy())  # 127.0.0.2/32 does not open all of 127/8
    assert await resolve_and_check("127.0.0.1", 80, FetchPolicy(allow_private=True)) == ["127.0.0.1"]


@async_test
async def test_resolve_and_check_unknown_host_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match="could not resolve host 'no-such-host.invalid'"):
        await resolve_and_check("no-such-host.invalid", 80, FetchPolicy())


def test_policy_validates_its_fields() -> None:
    with pytest.raises(ValueError, match="timeout"):
        FetchPolicy(timeout=0)
    with pytest.raises(ValueError, match="max_bytes"):
        FetchPolicy(max_bytes=0)
    with pytest.raises(TypeError, match="allowed_networks"):
        FetchPolicy(allowed_networks=("127.0.0.2/32",))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------- fetching


@async_test
async def test_fetch_page_serves_an_article(server: Server) -> None:
    page = await fetch_page(server.url("/article"), policy())
    assert page.url == server.url("/article")
    assert page.final_url == server.url("/article")
    assert page.status == 200
    assert page.content_type == "text/html"
    assert page.charset == "utf-8"
    assert PARAGRAPHS[1] in page.text


@async_test
async def test_fetch_article_extracts_title_body_date_source_authors(server: Server) -> None:
    article = await fetch_article(server.url("/article"), policy())
    assert article == ExtractedArticle(
        url=server.url("/article"),
        title="Council approves new bridge",
        body="\n\n".join(PARAGRAPHS),
        date="2024-03-05",
        source="The Daily Example",
        authors=["Jane Doe", "John Smith"],
    )


@async_test
async def test_redirects_are_followed_up_to_the_limit(server: Server) -> None:
    page = await fetch_page(server.url("/chain/4"), policy())  # 5 redirects: 4, 3, 2, 1, 0 -> /article
    assert page.url == server.url("/chain/4")
    assert page.final_url == server.url("/article")
    relative = await fetch_page(server.url("/redirect/relative"), policy())
    assert relative.final_url == server.url("/article")


@async_test
async def test_more_than_max_redirects_fails(server: Server) -> None:
    with pytest.raises(FetchError, match="too many redirects.*5"):
        await fetch_page(server.url("/chain/5"), policy())  # needs 6
    with pytest.raises(FetchError, match="too many redirects"):
        await fetch_page(server.url("/chain/1"), policy(max_redirects=1))


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("loopback", r"'127\.0\.0\.1'.*loopback"),
        ("metadata", r"'169\.254\.169\.254'.*link-local"),
        ("ipv6-loopback", r"'::1'.*loopback"),
        ("ftp", "not ftp:"),
        ("file", "not file:"),
        ("credentials", "user name or password"),
    ],
)
@async_test
async def test_redirects_to_forbidden_places_are_refused(server: Server, target: str, message: str) -> None:
    with pytest.raises(UnsafeURL, match=message):
        await fetch_page(server.url(f"/redirect/{target}"), policy())


@async_test
async def test_redirect_without_location_fails(server: Server) -> None:
    with pytest.raises(FetchError, match="302.*without a Location"):
        await fetch_page(server.url("/moved"), policy())


@pytest.mark.parametrize("with_length", [True, False])
@async_test
async def test_fifty_megabyte_body_is_cut_at_the_limit(server: Server, with_length: bool) -> None:
    query = "?length=1" if with_length else ""
    with pytest.raises(FetchError, match="too large.*5000000 bytes"):
        await fetch_page(server.url(f"/big{query}"), policy())
    await asyncio.sleep(0.1)  # let the server notice the closed connection
    # The client stopped reading at the limit: the server could only push what the socket buffers took.
    assert server.sent.get("/big", 0) < 25 * 1024 * 1024


@async_test
async def test_compressed_body_is_limited_after_decompression(server: Server) -> None:
    with pytest.raises(FetchError, match="too large"):
        await fetch_page(server.url("/gzip-bomb"), policy(max_bytes=1_000_000))


@async_test
async def test_body_that_never_ends_times_out(server: Server) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 1 s"):
        await fetch_page(server.url("/endless"), policy(timeout=1.0))
    assert time.monotonic() - started < 3


@async_test
async def test_server_that_never_answers_times_out(server: Server) -> None:
    with pytest.raises(FetchError, match="timed out"):
        await fetch_page(server.url("/hang"), policy(timeout=0.5))


@pytest.mark.parametrize(
    ("kind", "content_type"), [("png", "image/png"), ("pdf", "application/pdf"), ("json", "application/json")]
)
@async_test
async def test_wrong_content_type_is_refused(server: Server, kind: str, content_type: str) -> None:
    with pytest.raises(FetchError, match=f"is {content_type}, not a web page"):
        await fetch_page(server.url(f"/typed/{kind}"), policy())


@async_test
async def test_missing_content_type_is_refused() -> None:
    """aiohttp's server always sends a Content-Type, so this one answers from a bare socket server."""
    body = ARTICLE_HTML.encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(head + body)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    raw = await asyncio.start_server(answer, HOST, 0)
    async with raw:
        port = raw.sockets[0].getsockname()[1]
        with pytest.raises(FetchError, match="did not say what type"):
            await fetch_page(f"http://{HOST}:{port}/no-type", policy())


@async_test
async def test_non_2xx_status_is_a_fetch_error_with_the_status(server: Server) -> None:
    with pytest.raises(FetchError, match="HTTP 404 Not Found"):
        await fetch_page(server.url("/missing"), policy())


@async_test
async def test_broken_html_still_extracts(server: Server) -> None:
    article = await fetch_article(server.url("/broken"), policy())
    assert article.title == "Storm closes harbour"
    assert "stranding dozens of fishing boats at their moorings and cutting power" in article.body
    assert "Residents were asked to stay indoors" in article.body
    assert "\n\n" in article.body  # paragraphs stay separate even with no closing tags


@pytest.mark.parametrize(
    ("variant", "charset"),
    [
        ("header", "windows-1252"),
        ("meta-latin1", "windows-1252"),
        ("http-equiv", "windows-1252"),
        ("undeclared", "windows-1252"),
    ],
)
@async_test
async def test_windows_1252_page_is_decoded_correctly(server: Server, variant: str, charset: str) -> None:
    page = await fetch_page(server.url(f"/cp1252/{variant}"), policy())
    assert page.charset == charset
    assert SMART_TEXT in page.text
    assert SMART_TEXT_2 in page.text
    assert "\ufffd" not in page.text
    article = extract_article(page)
    assert article.body == f"{SMART_TEXT}\n\n{SMART_TEXT_2}"


@async_test
async def test_page_without_article_text_fails_clearly(server: Server) -> None:
    with pytest.raises(FetchError, match="no article text found at http://127.0.0.2"):
        await fetch_article(server.url("/empty"), policy())


@async_test
async def test_plain_text_page(server: Server) -> None:
    article = await fetch_article(server.url("/plain"), policy())
    assert article.title == "Council approves new bridge"
    assert article.body == "\n\n".join(PARAGRAPHS)
    assert article.source == "127.0.0.2"
    assert article.date is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://user:secret@127.0.0.2/article", "user name or password"),
        ("ftp://127.0.0.2/article", "not ftp:"),
        ("file:///etc/passwd", "not file:"),
        ("http://localhost:{port}/article", r"'localhost'.*loopback"),
        ("http://[::1]:{port}/article", r"'::1'.*loopback"),
        ("http://127.0.0.1:{port}/article", r"'127\.0\.0\.1'.*loopback"),
        ("http://2130706433:{port}/article", r"127\.0\.0\.1.*loopback"),
    ],
)
@async_test
async def test_hostile_urls_are_refused_before_connecting(server: Server, url: str, message: str) -> None:
    with pytest.raises(UnsafeURL, match=message):
        await fetch_page(url.format(port=server.port), policy())


@async_test
async def test_connection_goes_to_the_checked_address_not_a_second_lookup(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name answers 127.0.0.2 the first time and 127.0.0.1 afterwards.

    The fetch succeeds with exactly one lookup per hop, so the connection used the checked answer (aiohttp's
    own resolver could not have found the made-up name at all). A redirect back to the same name is looked up
    again, gets the rebound answer and is refused.
    """
    loop = asyncio.get_running_loop()
    real_getaddrinfo = loop.getaddrinfo
    answers = iter(["127.0.0.2", "127.0.0.1", "127.0.0.1", "127.0.0.1"])
    lookups: list[str] = []

    async def rebinding_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "news.rebind.test":
            return await real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(loop, "getaddrinfo", rebinding_getaddrinfo)
    page = await fetch_page(f"http://news.rebind.test:{server.port}/article", policy())
    assert page.final_url == f"http://news.rebind.test:{server.port}/article"
    assert lookups == ["news.rebind.test"]
    with pytest.raises(UnsafeURL, match=r"'news\.rebind\.test'.*127\.0\.0\.1"):
        await fetch_page(f"http://news.rebind.test:{server.port}/chain/1", policy())


@async_test
async def test_fetch_page_with_a_shared_session(server: Server) -> None:
    async with open_session() as session:
        first, second = await asyncio.gather(
            fetch_page(server.url("/article"), policy(), session),
            fetch_page(server.url("/chain/2"), policy(), session),
        )
        assert first.status == second.status == 200
        with pytest.raises(UnsafeURL):
            await fetch_page(server.url("/redirect/loopback"), policy(), session)


@async_test
async def test_pinned_session_refuses_names_that_were_not_checked(server: Server) -> None:
    async with open_session() as session:
        with pytest.raises(aiohttp.ClientConnectorError, match="not checked"):
            await session.get(f"http://localhost:{server.port}/article")


@async_test
async def test_an_ordinary_session_is_refused() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ValueError, match="open_session"):
            await fetch_page("http://127.0.0.2/article", policy(), session)


@async_test
async def test_connection_refused_is_a_fetch_error() -> None:
    with socket.socket() as sock:  # find a port nobody listens on
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="could not fetch"):
        await fetch_page(f"http://{HOST}:{port}/article", policy())


# ------------------------------------------------------------------------------------------ extract_article


def _page(text: str, url: str = "https://www.example.com/news/story", content_type: str = "text/html") -> FetchedPage:
    return FetchedPage(url=url, final_url=url, status=200, content_type=content_type, charset="utf-8", text=text)


def test_extract_article_falls_back_to_the_host_for_the_source() -> None:
    page_html = "<html><head><title>Bridge vote</title></head><body><article><h1>Bridge vote</h1>"
    page_html += "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>"
    article = extract_article(_page(page_html))
    assert article.source == "example.com"
    assert article.title == "Bridge vote"
    assert article.body == "\n\n".join(PARAGRAPHS)
    assert article.authors == []


def test_extract_article_leaves_out_boilerplate_and_comments() -> None:
    article = extract_article(_page(ARTICLE_HTML))
    assert "First!" not in article.body
    assert "Copyright" not in article.body
    assert "Home" not in article.body


def test_extract_article_keeps_line_breaks_and_list_items() -> None:
    page_html = (
        "<html><head><title>Poem</title></head><body><article><h1>Poem</h1>"
        f"<p>{PARAGRAPHS[0]}</p><p>Roses are red,<br>violets are blue.</p>"
        f"<ul><li>{PARAGRAPHS[2]}</li><li>{PARAGRAPHS[3]}</li></ul></article></body></html>"
    )
    body = extract_article(_page(page_html)).body
    assert "Roses are red,\nviolets are blue." in body.split("\n\n")
    assert PARAGRAPHS[2] in body.split("\n\n")
    assert PARAGRAPHS[3] in body.split("\n\n")


@pytest.mark.parametrize("text", ["", "<html></html>", "<p>Too short.</p>", EMPTY_HTML])
def test_extract_article_without_text_fails(text: str) -> None:
    with pytest.raises(FetchError, match="no article text found at https://www.example.com/news/story"):
        extract_article(_page(text))


def test_extract_article_plain_text_too_short_fails() -> None:
    with pytest.raises(FetchError, match="no article text"):
        extract_article(_page("Title only\n\nshort", content_type="text/plain"))
