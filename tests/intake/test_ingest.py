"""Growing the corpus: add by URL (a real HTTP server on 127.0.0.x), .txt and .html files, bulk import, export."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from click.testing import CliRunner

from bot.cli.main import cli
from bot.storage.store import Store
from tests.conftest import HUFFPOST

PAGE = """<!doctype html>
<html><head>
<meta charset="utf-8">
<title>Council votes to ban face scans | The Harbour Gazette</title>
<meta property="og:site_name" content="The Harbour Gazette">
<meta property="og:title" content="Council votes to ban face scans">
<meta name="author" content="Ada Lovelace">
<meta property="article:published_time" content="2021-03-04T09:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article>
<h1>Council votes to ban face scans</h1>
<p>The harbour council voted on Thursday to ban the use of face scanning cameras by city departments.</p>
<p>The ban passed by seven votes to two after a debate that lasted more than four hours, council records show.</p>
<p>Supporters said the cameras misidentified residents; opponents said the police would lose a useful tool.</p>
</article>
<footer>Subscribe to our newsletter. Copyright 2021.</footer>
</body></html>"""


class Server:
    """A real aiohttp server on 127.0.0.1 in a thread, so that the synchronous CLI can fetch from it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self.pages: dict[str, tuple[str, str]] = {}
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_get("/{path:.*}", self._handle)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())
        self.loop.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        if path not in self.pages:
            raise web.HTTPNotFound()
        body, content_type = self.pages[path]
        return web.Response(text=body, content_type=content_type)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Server:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


@pytest.fixture
def server() -> Iterator[Server]:
    with Server() as running:
        running.pages["/news/face-scans"] = (PAGE, "text/html")
        running.pages["/blank"] = ("<html><body><nav>Home</nav></body></html>", "text/html")
        yield running


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def count(data_dir: Path) -> tuple[int, int]:
    store = Store(data_dir / "newsbot.sqlite3")
    try:
        return store.count(), store.version()
    finally:
        store.close()


def test_add_by_url_then_answer_from_it(server: Server, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    code, out, err = run("add", server.url("/news/face-scans"), "--json")
    assert code == 0, err
    article_id = json.loads(out)["article_id"]
    code, out, _ = run("ask", "How did the harbour council vote on face scanning cameras?", "--json")
    quote = json.loads(out)["quotes"][0]
    assert quote["text"] == (
        "The harbour council voted on Thursday to ban the use of face scanning cameras by city departments."
    )
    assert (quote["article_id"], quote["source"], quote["date"]) == (article_id, "The Harbour Gazette", "2021-03-04")
    assert quote["url"] == server.url("/news/face-scans")
    assert quote["title"] == "Council votes to ban face scans"


def test_add_by_url_with_overrides(server: Server, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    args = ["add", server.url("/news/face-scans"), "--source", "Gazette", "--date", "2021-03", "--title", "Ban passes"]
    code, out, _ = run(*args)
    assert code == 0
    _, listing, _ = run("list", "--json")
    stored = next(a for a in json.loads(listing) if a["article_id"] == out.strip())
    assert (stored["title"], stored["source"], stored["date"]) == ("Ban passes", "Gazette", "2021-03")
    assert stored["authors"] == ["Ada Lovelace"]


def test_the_same_url_again_is_refused(server: Server, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    _, first, _ = run("add", server.url("/news/face-scans"))
    before = count(clean_env)
    variant = server.url("/news/face-scans").replace("http://127.0.0.1", "HTTP://127.0.0.1") + "?utm_source=x#top"
    code, _, err = run("add", variant)
    assert code == 2
    assert f"that URL is already stored as {first.strip()} ('Council votes to ban face scans')" in err
    assert count(clean_env) == before


def test_the_same_text_under_another_url_is_refused(
    server: Server, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    server.pages["/amp/face-scans"] = (PAGE, "text/html")
    _, first, _ = run("add", server.url("/news/face-scans"))
    before = count(clean_env)
    code, _, err = run("add", server.url("/amp/face-scans"))
    assert code == 2 and f"the same text is already stored as {first.strip()}" in err
    assert count(clean_env) == before


def test_private_addresses_are_refused_unless_allowed(server: Server, clean_env: Path) -> None:
    run("stats")
    before = count(clean_env)
    code, out, err = run("add", server.url("/news/face-scans"))
    assert code == 2 and out == ""
    assert err.startswith("newsbot: error: ") and "127.0.0.1" in err and "loopback" in err
    assert count(clean_env) == before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://user:secret@127.0.0.1/news", "user name or password"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ],
)
def test_hostile_urls_are_refused(clean_env: Path, url: str, message: str) -> None:
    run("stats")
    before = count(clean_env)
    code, _, err = run("add", url)
    assert code == 2 and message in err and "secret" not in err
    assert count(clean_env) == before


def test_a_page_with_no_article_is_refused(server: Server, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    run("stats")
    before = count(clean_env)
    code, _, err = run("add", server.url("/blank"))
    assert code == 1 and "no article text" in err
    assert count(clean_env) == before


def test_add_a_text_file(tmp_path: Path, clean_env: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Ferry strike ends\n\nThe ferry crews returned to work on Monday after a nine-day strike.\n")
    code, out, err = run("add", str(path), "--source", "Island Radio", "--date", "2022-08-15")
    assert code == 0, err
    _, answer, _ = run("ask", "When did the ferry crews return to work?", "--json")
    quote = json.loads(answer)["quotes"][0]
    assert (quote["text"], quote["title"], quote["source"]) == (
        "The ferry crews returned to work on Monday after a nine-day strike.", "Ferry strike ends", "Island Radio",
    )  # fmt: skip


def test_add_a_saved_web_page(tmp_path: Path, clean_env: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE)
    code, out, err = run("add", str(path))
    assert code == 0, err
    _, listing, _ = run("list", "--json")
    stored = next(a for a in json.loads(listing) if a["article_id"] == out.strip())
    assert (stored["title"], stored["source"], stored["date"]) == (
        "Council votes to ban face scans", "The Harbour Gazette", "2021-03-04",
    )  # fmt: skip


def _huffpost_copy(tmp_path: Path, extra: str = "") -> Path:
    source = HUFFPOST
    copy = tmp_path / "huffpost.jsonl"
    data = source.read_bytes()
    copy.write_bytes(data + (b"" if data.endswith(b"\n") else b"\n") + extra.encode())
    return copy


def test_import_huffpost_all_or_nothing(tmp_path: Path, clean_env: Path) -> None:
    bad = json.dumps({"headline": "No date here", "date": "2020-13-01", "link": "https://www.huffpost.com/x"})
    path = _huffpost_copy(tmp_path, bad + "\n")
    run("stats")
    before = count(clean_env)
    code, out, err = run("import", str(path), "--format", "huffpost")
    assert code == 2 and out == ""
    assert f"newsbot: error: {path}:10000: field 'date': '2020-13-01': there is no month 13" in err
    assert "nothing was imported: 1 bad line(s)" in err
    assert count(clean_env) == before


def test_import_huffpost_skip_invalid_then_answer(tmp_path: Path, clean_env: Path) -> None:
    path = _huffpost_copy(tmp_path, "{not json\n")
    code, out, err = run("import", str(path), "--format", "huffpost", "--skip-invalid", "--json")
    assert code == 0, err
    report = json.loads(out.splitlines()[-1])
    assert report == {"read": 10000, "added": 9998, "unchanged": 0, "duplicates": 1, "invalid": 1}
    assert f"{path}:10000: malformed JSON" in err
    assert f"skipped duplicate: {path}:5227: the same text from HuffPost is already at {path}:5226" in err
    assert count(clean_env)[0] == 31 + 9998
    _, answer, _ = run("ask", "How many Americans rolled up their sleeves for Omicron boosters?", "--json")
    headline = json.loads(answer)["headlines"][0]
    assert headline["title"] == "Over 4 Million Americans Roll Up Sleeves For Omicron-Targeted COVID Boosters"
    assert (headline["source"], headline["date"]) == ("HuffPost", "2022-09-23")


def test_import_is_one_transaction(tmp_path: Path, clean_env: Path) -> None:
    path = tmp_path / "two.jsonl"
    rows = [
        {"title": "First wire story", "source": "Wire", "body": "Something happened on Monday."},
        {"title": "Second wire story", "source": "Wire", "body": "Something else happened on Tuesday."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    code, out, _ = run("import", str(path))
    assert code == 0 and out == "Imported 2 articles (0 already stored, 0 duplicates skipped, 0 bad lines skipped).\n"
    code, out, _ = run("import", str(path))
    assert out == "Imported 0 articles (2 already stored, 0 duplicates skipped, 0 bad lines skipped).\n"


def test_export_then_import_gives_the_same_corpus(tmp_path: Path, clean_env: Path) -> None:
    story = tmp_path / "story.json"
    story.write_text(json.dumps({"title": "Local story", "source": "Town Crier", "date": "2023", "body": "A. B. C."}))
    run("add", str(story))
    code, out, _ = run("export", str(tmp_path / "exported"))
    assert code == 0 and out == f"Exported 32 articles to {tmp_path / 'exported' / 'articles'}\n"
    other = tmp_path / "other"
    code, out, err = run("import", str(tmp_path / "exported"), "--data-dir", str(other))
    assert code == 0, err
    assert out == "Imported 1 articles (31 already stored, 0 duplicates skipped, 0 bad lines skipped).\n"
    _, first, _ = run("list", "--json")
    _, second, _ = run("list", "--json", "--data-dir", str(other))
    keys = ("article_id", "title", "source", "date", "url", "authors", "has_text")
    assert [{k: a[k] for k in keys} for a in json.loads(first)] == [{k: a[k] for k in keys} for a in json.loads(second)]
    a = Store(clean_env / "newsbot.sqlite3")
    b = Store(other / "newsbot.sqlite3")
    assert [x.body for x in a.all()] == [x.body for x in b.all()]
    a.close()
    b.close()
