"""Hostile input: what an attacker or a careless operator can hand newsbot through a file, an import, a URL, a
page, a feed or a form. Each is refused with a clear message (file, line, field; exit status 2) and changes
nothing, or is taken safely; never a traceback, never markup or a link from article data in a reply.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from click.testing import CliRunner

from tests.markdown_check import constructs, kinds, link_targets

# isort: split
from bot.cli.main import cli
from bot.core.models import Answer, Headline, OutletCoverage, Quote, Sources, Timeline, TimelineEntry
from bot.present.render import render_answer, render_sources, render_timeline
from bot.present.style import DISCORD, PLAIN, escape_markdown, link_target

INJECTION = "https://news.example.com/x>)**INJECTED**[Verify your account](https://evil.example/login"
QUESTION = "What did Amazon pitch to ICE?"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


def article(**fields: Any) -> dict[str, Any]:
    base = {"title": "Harbour bridge closes", "source": "Coast Wire", "date": "2021-03-04"}
    base.update(fields)
    return base


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def seeded(clean_env: Path) -> None:
    """A data directory holding the shipped corpus (31 articles), as after a first command."""
    assert run("stats")[0] == 0


def count(clean_env: Path) -> int:
    with sqlite3.connect(clean_env / "newsbot.sqlite3") as db:
        found = int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    db.close()
    return found


# --- 1. markdown and link injection through an article's URL ------------------------------------------------


def hostile_answer(url: str | None, title: str, source: str, text: str) -> Answer:
    """An answer as the store could hold it, unchecked (model_construct): the renderer must not trust it."""
    quote = Quote.model_construct(
        article_id="a-1", title=title, source=source, date="2021-03-04", url=url, also_in=[source], text=text, score=1.0
    )
    headline = Headline.model_construct(
        article_id="a-2", title=title, source=source, date="2021-03", url=url, also_in=[]
    )
    return Answer.model_construct(question="q", answered=True, quotes=[quote], headlines=[headline])


HOSTILE_TITLE = "**Bold** _it_ [Verify](https://evil.example) <@123> @everyone ||spoiler|| `code` ~~gone~~"
HOSTILE_SOURCE = "__Evil__ Wire](https://evil.example)"
HOSTILE_TEXT = "# Heading\n> quoted\n1. listed\n- item\nVisit https://evil.example/login or <#42> now."


def test_an_injected_url_adds_no_link_or_emphasis_to_any_discord_reply() -> None:
    safe = render_answer(hostile_answer("https://news.example.com/x", "Title", "Wire", "Text."), DISCORD)
    hostile = render_answer(hostile_answer(INJECTION, HOSTILE_TITLE, HOSTILE_SOURCE, HOSTILE_TEXT), DISCORD)
    assert kinds(hostile) == kinds(safe) + Counter(quote=4)  # four more lines of quoted text, nothing else
    assert link_targets(hostile) == [link_target(INJECTION)] * 2
    assert link_target(INJECTION) == (
        "https://news.example.com/x%3E)**INJECTED**[Verify%20your%20account](https://evil.example/login"
    )
    assert "INJECTED" not in {span for kind, span in constructs(hostile) if kind == "bold"}

    entries = [TimelineEntry(article_id="a-1", date="2021-03-04", title=HOSTILE_TITLE, source=HOSTILE_SOURCE, url=None)]
    entries[0] = TimelineEntry.model_construct(**{**entries[0].model_dump(), "url": INJECTION})
    timeline = Timeline.model_construct(topic="**topic** [x](https://evil.example)", entries=entries)
    safe_timeline = Timeline.model_construct(
        topic="topic", entries=[TimelineEntry(article_id="a-1", date="2021-03-04", title="T", source="S", url=None)]
    )
    safe_timeline.entries[0] = TimelineEntry.model_construct(
        **{**safe_timeline.entries[0].model_dump(), "url": "https://n.example/x"}
    )
    assert kinds(render_timeline(timeline, DISCORD)) == kinds(render_timeline(safe_timeline, DISCORD))
    assert link_targets(render_timeline(timeline, DISCORD)) == [link_target(INJECTION)]

    coverage = OutletCoverage.model_construct(
        source=HOSTILE_SOURCE, articles=1, first_date="2021", last_date="2021", earliest_title=HOSTILE_TITLE,
        earliest_article_id="a-1", earliest_url=INJECTION,
    )  # fmt: skip
    plain = OutletCoverage.model_construct(**{**coverage.__dict__, "source": "S", "earliest_title": "T",
                                              "earliest_url": "https://n.example/x"})  # fmt: skip
    hostile_sources = render_sources(Sources.model_construct(topic="__t__", articles=1, outlets=[coverage]), DISCORD)
    plain_sources = render_sources(Sources.model_construct(topic="t", articles=1, outlets=[plain]), DISCORD)
    assert kinds(hostile_sources) == kinds(plain_sources)
    assert link_targets(hostile_sources) == [link_target(INJECTION)]


def test_a_link_is_made_only_to_a_web_address() -> None:
    for url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "  ", ""):
        text = render_answer(hostile_answer(url, "Title", "Wire", "Text."), DISCORD)
        assert "link" not in kinds(text), url
    assert (
        link_target("https://ru.example/новости 1")
        == "https://ru.example/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8%201"
    )


def test_the_terminal_never_gets_raw_escapes_from_article_data() -> None:
    answer = hostile_answer(INJECTION, "Title\x1b[2J\x1b]0;pwned\x07", "Wire\x9b31m", "Text \x1b[31mred\u202e.")
    text = render_answer(answer, PLAIN)
    assert not any(ch in text for ch in "\x1b\x07\x9b\u202e")
    assert "Title\\x1b[2J\\x1b]0;pwned\\x07" in text and "Wire\\x9b31m" in text


UNSAFE_URLS = {
    "injection": INJECTION,
    "space": "https://news.example.com/a b",
    "angle": "https://news.example.com/a<b",
    "quote": 'https://news.example.com/a"b',
    "backtick": "https://news.example.com/a`b",
    "pipe": "https://news.example.com/a|b",
    "brace": "https://news.example.com/{a}",
    "backslash": "https://news.example.com/a\\b",
    "control": "https://news.example.com/a\x1bb",
    "zero width": "https://news.example.com/a\u200bb",
    "bidi": "https://news.example.com/a\u202eb",
    "javascript": "javascript:alert(1)",
    "credentials": "https://user:secret@news.example.com/a",
    "double dot": "http://a..b/x",
    "long": "https://news.example.com/" + "a" * 9000,
}


@pytest.mark.parametrize("name", sorted(UNSAFE_URLS))
def test_an_unsafe_url_is_refused_at_intake(tmp_path: Path, clean_env: Path, name: str) -> None:
    story = write(tmp_path / "story.json", json.dumps(article(url=UNSAFE_URLS[name])))
    code, out, err = run("add", str(story))
    assert (code, out) == (2, "")
    assert err.startswith(f"newsbot: error: {story}: field 'url': "), err
    assert len(err) < 1_100 and "secret" not in err
    assert count(clean_env) == 31


def test_a_stored_injection_url_reaches_no_reply_as_a_link(clean_env: Path) -> None:
    """Whatever the store holds (written by an older newsbot, or by hand), the reply carries no injected link."""
    run("stats")
    body = "The harbour board closed the old bridge to all traffic on Monday after engineers found deep cracks."
    with sqlite3.connect(clean_env / "newsbot.sqlite3") as db:
        db.execute(
            "INSERT INTO articles (id, title, source, date, url, authors, body, added_at, added_by) "
            "VALUES ('bridge-1', ?, ?, '2021-03-04', ?, '[]', ?, '2021-03-04T00:00:00Z', 'test')",
            (HOSTILE_TITLE, HOSTILE_SOURCE, INJECTION, body),
        )
        db.execute(
            "INSERT INTO changes (at, actor, action, article_id, title) VALUES ('now', 't', 'add', 'bridge-1', 'x')"
        )
    db.close()
    from bot.core.config import load_settings
    from bot.service import NewsService

    service = NewsService.open(load_settings())
    try:
        answer = service.ask("Why did the harbour board close the old bridge?")
    finally:
        service.close()
    assert answer.quotes[0].text == body
    text = render_answer(answer, DISCORD, max_chars=2000)
    assert link_targets(text) == [link_target(INJECTION)]
    assert [kind for kind, _ in constructs(text)].count("bold") == 1  # the outlet, bold by the layout


# --- 3. charsets that are not text codecs --------------------------------------------------------------------

ARTICLE_HTML = (
    "<html><head><title>Bridge closed</title></head><body><article><h1>Bridge closed</h1><p>"
    + "The council met on Monday and voted to close the old harbour bridge to all traffic. " * 4
    + "</p></article></body></html>"
)


@pytest.mark.parametrize("charset", ["base64", "rot13", "hex", "zlib", "uu", "bz2"])
@pytest.mark.parametrize("where", ["meta", "xml"])
def test_a_saved_page_naming_a_codec_that_is_not_text_is_read_as_utf8(
    tmp_path: Path, clean_env: Path, charset: str, where: str
) -> None:
    head = f'<meta charset="{charset}">' if where == "meta" else f'<?xml version="1.0" encoding="{charset}"?>'
    page = write(tmp_path / "page.html", head + ARTICLE_HTML)
    code, out, err = run("add", str(page), "--source", "Coast Wire")
    assert (code, err) == (0, "") and out.startswith("bridge-closed-")


@pytest.fixture
def web_server() -> Iterator[tuple[str, dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]]]]:
    """A real HTTP server on 127.0.0.1 in its own thread (the command line runs its own event loop):
    (its base URL, the handlers by path, to fill in)."""
    handlers: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]] = {}

    async def dispatch(request: web.Request) -> web.StreamResponse:
        handler = handlers.get(request.path)
        if handler is None:
            raise web.HTTPNotFound()
        return await handler(request)

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", dispatch)
    runner = web.AppRunner(app)

    async def start() -> int:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    port = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield f"http://127.0.0.1:{port}", handlers
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


PRIVATE = {"NEWSBOT_ALLOW_PRIVATE_URLS": "1"}


def rss(base: str, links: list[str]) -> str:
    items = "".join(f"<item><title>Entry {i}</title><link>{base}{link}</link></item>" for i, link in enumerate(links))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Coast Wire</title>{items}</channel></rss>'


def test_a_fetched_page_and_feed_naming_a_codec_that_is_not_text_are_taken(web_server: Any, clean_env: Path) -> None:
    base, handlers = web_server

    async def page(request: web.Request) -> web.Response:
        body = ARTICLE_HTML if request.path == "/direct" else ARTICLE_HTML.replace("Monday", "Tuesday")
        return web.Response(body=body.encode(), headers={"Content-Type": "text/html; charset=base64"})

    async def feed(request: web.Request) -> web.Response:
        body = rss(base, ["/story"]).encode()
        return web.Response(body=body, headers={"Content-Type": "application/rss+xml; charset=zlib"})

    handlers["/story"] = page
    handlers["/feed"] = feed
    code, out, err = run("add", f"{base}/direct", env=PRIVATE)
    assert code == 1 and "answered HTTP 404" in err  # the server is there
    handlers["/direct"] = page
    code, out, err = run("add", f"{base}/direct", "--source", "Coast Wire", env=PRIVATE)
    assert (code, err) == (0, ""), err
    code, _, err = run("feeds", "add", f"{base}/feed", env=PRIVATE)
    assert code == 0, err
    code, out, err = run("feeds", "poll", env=PRIVATE)
    assert code == 0, err
    code, out, _ = run("feeds", "log", "1", "--json")
    log = json.loads(out)
    assert [entry["status"] for entry in log] == ["added"]  # recorded: not fetched again at every poll


# --- 8. pathological JSON ------------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = json.dumps(article(date=None))[:-1] + ', "date": ' + "7" * 5000 + "}"
PATHOLOGICAL = {
    "deep": (DEEP, "malformed JSON: nested too deeply (an article is one flat object)"),
    "deep in a field": ('{"title": ' + DEEP + ', "source": "W"}', "malformed JSON: nested too deeply"),
    "huge integer": (HUGE, "a number of 5,000 digits (at most 100 are read)"),
    "a string": ('"just a string"', "expected an article object, got a string"),
    "a number": ("42", "expected an article object, got a number"),
    "null": ("null", "expected an article object, got null"),
    "true": ("true", "expected an article object, got true or false"),
    "a list of lists": ("[[1, 2]]", "expected an article object, got a list"),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
@pytest.mark.parametrize("override", [False, True])
def test_add_refuses_pathological_json(tmp_path: Path, clean_env: Path, name: str, suffix: str, override: bool) -> None:
    text, message = PATHOLOGICAL[name]
    story = write(tmp_path / f"story{suffix}", text)
    code, out, err = run("add", str(story), *(["--title", "Given"] if override else []))
    assert (code, out) == (2, ""), err
    assert err.startswith(f"newsbot: error: {story}") and message in err, err
    assert count(clean_env) == 31


@pytest.mark.parametrize("skip", [False, True])
def test_import_reports_every_pathological_line_and_can_skip_them(tmp_path: Path, clean_env: Path, skip: bool) -> None:
    good = json.dumps(article(url="https://news.example.com/good"))
    lines = [good, DEEP, HUGE, '"just a string"', json.dumps(article(title="Bad URL", url="http://a..b/x"))]
    source = write(tmp_path / "many.jsonl", "\n".join(lines) + "\n")
    code, out, err = run("import", str(source), *(["--skip-invalid"] if skip else []))
    problems = [line for line in err.splitlines() if line.startswith("newsbot: error: ")]
    assert problems[:4] == [
        f"newsbot: error: {source}:2: malformed JSON: nested too deeply (an article is one flat object)",
        f"newsbot: error: {source}:3: a number of 5,000 digits (at most 100 are read)",
        f"newsbot: error: {source}:4: expected an article object, got a string",
        f"newsbot: error: {source}:5: field 'url': URL has an invalid host name 'a..b': 'http://a..b/x'",
    ]
    if skip:
        assert (
            code == 0 and out == "Imported 1 articles (0 already stored, 0 duplicates skipped, 4 bad lines skipped).\n"
        )
        assert count(clean_env) == 32
    else:
        assert code == 2 and count(clean_env) == 31


# --- 10. one sanitiser for every text field from outside -----------------------------------------------------

BAD_TEXT = {
    "NUL": ("Harbour\x00bridge", "contains a NUL byte"),
    "escape sequence": ("\x1b[31mHarbour", "contains a control character (U+001B ESCAPE) at character 1"),
    "bell": ("Harbour\x07", "contains a control character (U+0007) at character 8"),
    "C1 control": ("Harbour\x9b2J", "contains a control character (U+009B) at character 8"),
    "bidi override": ("Harbour\u202eegdirb", "contains a bidirectional override (U+202E RIGHT-TO-LEFT OVERRIDE)"),
    "zero-width only": ("\u200b\u200b\u2060", "must not be empty (it has no visible character)"),
    "blank letters only": ("\u3164\u3164 \u2800", "must not be empty (it has no visible character)"),
    "spaces only": ("  \t ", "String should have at least 1 character"),
}


@pytest.mark.parametrize("field", ["title", "source"])
@pytest.mark.parametrize("name", sorted(BAD_TEXT))
def test_control_and_invisible_text_is_refused(tmp_path: Path, clean_env: Path, field: str, name: str) -> None:
    value, message = BAD_TEXT[name]
    story = write(tmp_path / "story.json", json.dumps(article(**{field: value})))
    code, out, err = run("add", str(story))
    assert (code, out) == (2, "")
    assert err.startswith(f"newsbot: error: {story}: field '{field}': {message}"), err
    assert "\x1b" not in err and "\x00" not in err
    assert count(clean_env) == 31


def test_the_body_and_authors_pass_the_same_sanitiser(tmp_path: Path, clean_env: Path) -> None:
    story = write(tmp_path / "story.json", json.dumps(article(body="Text\x1b]0;pwned\x07 here.")))
    code, _, err = run("add", str(story))
    assert code == 2 and "field 'body': contains a control character (U+001B ESCAPE) at character 5" in err
    story = write(tmp_path / "story.json", json.dumps(article(authors=["Jane\x1b[8m"])))
    code, _, err = run("add", str(story))
    assert code == 2 and "field 'authors': contains a control character (U+001B ESCAPE) at character 5" in err
    story = write(tmp_path / "story.json", json.dumps(article(body="\u200b \n\u200b")))
    code, out, _ = run("add", str(story))
    assert code == 0  # text with nothing visible is no text: a headline-only article
    code, out, _ = run("list", "--json")
    assert next(a for a in json.loads(out) if a["title"] == "Harbour bridge closes")["has_text"] is False


def test_newsbot_list_never_prints_raw_terminal_escapes(clean_env: Path) -> None:
    run("stats")
    with sqlite3.connect(clean_env / "newsbot.sqlite3") as db:  # as an older newsbot could have stored it
        db.execute(
            "INSERT INTO articles (id, title, source, authors, body, added_at, added_by) "
            "VALUES ('x-1', ?, ?, '[]', '', 'now', 'test')",
            ("Clear\x1b[2J\x1b]0;pwned\x07", "Wire\x9b31m"),
        )
    db.close()
    code, out, _ = run("list")
    assert code == 0 and not any(ch in out for ch in "\x1b\x07\x9b")
    last = out.splitlines()[-1]
    assert last.startswith("x-1 ") and last.endswith(" undated  Wire\\x9b31m: Clear\\x1b[2J\\x1b]0;pwned\\x07")


# --- 11. error messages that quote outside data are bounded ------------------------------------------------


def test_an_error_quoting_a_huge_url_is_bounded(clean_env: Path) -> None:
    url = "http://a..b/" + "x" * 99_493
    assert len(url) == 99_505
    code, out, err = run("add", url)
    assert code == 2 and len(err) < 1_100, len(err)
    assert err.startswith("newsbot: error: URL has an invalid host name 'a..b': 'http://a..b/xxxx")
    assert "xxx…' (99,505 characters)" in err


def test_a_servers_huge_reply_is_bounded_in_errors_and_in_a_feeds_stored_error(web_server: Any) -> None:
    base, handlers = web_server
    state = {"fail": False}

    async def feed(request: web.Request) -> web.Response:
        if state["fail"]:
            return web.Response(status=503, reason="Busy " + "z" * 6_000)
        return web.Response(body=rss(base, []).encode(), headers={"Content-Type": "application/rss+xml"})

    handlers["/feed"] = feed
    code, _, err = run("feeds", "add", f"{base}/feed", "--outlet", "Coast Wire", env=PRIVATE)
    assert code == 0, err
    state["fail"] = True
    code, out, err = run("feeds", "poll", env=PRIVATE)
    assert code == 1 and "answered HTTP 503 Busy zzz" in out + err
    assert max(len(line) for line in (out + err).splitlines()) < 1_100 and "\x1b" not in out + err
    code, out, _ = run("feeds", "list", "--json")
    stored = json.loads(out)[0]["last_error"]
    assert "answered HTTP 503 Busy zzz" in stored and len(stored) <= 1_100 and "\x1b" not in stored


# --- 12. dates in the future ---------------------------------------------------------------------------------


def test_a_date_in_the_future_is_refused_unless_the_operator_allows_it(tmp_path: Path, clean_env: Path) -> None:
    today = dt.datetime.now(dt.UTC).date()
    story = write(tmp_path / "story.json", json.dumps(article(date="2200-01-01")))
    code, _, err = run("add", str(story))
    assert code == 2 and err == (
        f"newsbot: error: 'Harbour bridge closes': field 'date': 2200-01-01 is in the future (today is "
        f"{today.isoformat()}, UTC); an operator can allow future dates with NEWSBOT_ALLOW_FUTURE_DATES=1\n"
    )
    assert count(clean_env) == 31
    tomorrow = (today + dt.timedelta(days=1)).isoformat()  # already today somewhere
    write(story, json.dumps(article(date=tomorrow)))
    assert run("add", str(story))[0] == 0
    write(story, json.dumps(article(title="Embargoed", date="2200-01-01")))
    code, _, err = run("add", str(story), env={"NEWSBOT_ALLOW_FUTURE_DATES": "1"})
    assert (code, err) == (0, "")
    lines = [
        json.dumps(article(title="Fine", url="https://n.example/1")),
        json.dumps(article(title="Later", date="2199-05")),
    ]
    source = write(tmp_path / "many.jsonl", "\n".join(lines) + "\n")
    code, _, err = run("import", str(source), "--skip-invalid")
    assert code == 0 and f"newsbot: error: {source}:2: field 'date': 2199-05 is in the future" in err


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["deep", "huge integer", "a string", "null"])
async def test_corpus_add_file_refuses_pathological_json_privately(clean_env: Path, name: str) -> None:
    from bot.core.config import load_settings
    from tests.fakediscord import FakeDiscord, FakeFile
    from tests.helpers import start_newsbot, stop_newsbot

    text, message = PATHOLOGICAL[name]
    async with FakeDiscord() as fake:
        bot = await start_newsbot(fake, load_settings(data_dir=clean_env))
        try:
            ix = await fake.slash("corpus add", {"file": FakeFile("story.json", text.encode())})
            first = await ix.callback()
            reply = first if first.content else await ix.followup()
            assert reply.ephemeral and escape_markdown(message) in reply.content, reply.content  # shown as typed
            assert bot.service.count() == 31
        finally:
            await stop_newsbot(fake, bot)
