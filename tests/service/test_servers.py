"""Each Discord server's coverage: exact BM25 per server through any history, isolation, shared mode, the
migration of a data directory made by the previous release, and the command line's --server, servers and log."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.config import load_settings
from bot.core.errors import PermissionDenied
from bot.core.models import ArticleIn, TimelineQuery
from bot.service import NewsService
from bot.storage.store import Store
from tests.paths import DATA

A, B = 111111111111111111, 222222222222222222
FIXTURE = DATA / "release-c2325f9" / "newsbot.sqlite3"
WORDS = ["harbour", "ferry", "council", "lighthouse", "keeper", "tower", "vote", "camera", "library", "storm"]


# ----------------------------------------------------------------------------------------------------- isolation

STORY = ArticleIn(
    title="Glenmoor council approves face-scanning cameras",
    source="Glenmoor Courier",
    date="2024-05-02",
    url="https://courier.example/glenmoor-cameras",
    body="The Glenmoor council approved face-scanning cameras at the ferry terminal on Thursday by seven votes to two.",
)
QUESTION = "Did the Glenmoor council approve face-scanning cameras?"
SHIPPED_ID = "amazon-met-with-ice-officials-over-173ada"


def test_a_change_in_one_server_never_reaches_another(service: NewsService) -> None:
    service.record_servers([(A, "Alpha"), (B, "Beta")])
    before_b = [(q.text, q.source) for q in service.ask("What did Amazon pitch to ICE?", server=B).quotes]
    service.add(STORY, actor="discord:1 (alice)", server=A)
    service.remove(SHIPPED_ID, actor="discord:1 (alice)", server=A)
    assert service.ask(QUESTION, server=A).answered
    assert not service.ask(QUESTION, server=B).answered and not service.ask(QUESTION).answered
    assert service.count(server=A) == 31 and service.count(server=B) == 31 and service.count() == 31
    assert SHIPPED_ID not in {r.id for r in service.find_articles("", 100, server=A)}
    assert SHIPPED_ID in {r.id for r in service.find_articles("", 100, server=B)}
    after_b = [(q.text, q.source) for q in service.ask("What did Amazon pitch to ICE?", server=B).quotes]
    assert after_b == before_b
    assert [e.title for e in service.timeline(TimelineQuery("Glenmoor"), server=B).entries] == []
    assert [e.title for e in service.timeline(TimelineQuery("Glenmoor"), server=A).entries] == [STORY.title]
    # the same URL is a duplicate in A only; B may add it on its own
    service.add(STORY, actor="discord:2 (bob)", server=B)
    assert service.count(server=B) == 32
    summaries = {s.id: s for s in service.servers()}
    assert (summaries[A].articles, summaries[A].own_articles, summaries[A].name) == (31, 1, "Alpha")
    assert (summaries[B].articles, summaries[B].own_articles) == (32, 1)
    assert summaries[0].articles == 31


def test_what_the_default_collection_gains_reaches_every_server_that_did_not_remove_it(service: NewsService) -> None:
    service.add(ArticleIn(title="Own story", source="Alpha Times", body="Alpha's own story."), actor="t", server=A)
    service.ask("anything about Amazon", server=A)  # A's index is loaded, and is caught up later
    service.add(STORY, actor="cli:operator")
    assert service.ask(QUESTION, server=A).answered and service.ask(QUESTION, server=B).answered
    story_id = service.articles()[-1].id
    service.remove(story_id, actor="t", server=B)
    service.remove(story_id, actor="cli:operator")
    assert not service.ask(QUESTION, server=A).answered and not service.ask(QUESTION, server=B).answered


def test_the_audit_trail_names_the_server(service: NewsService) -> None:
    service.add(STORY, actor="discord:1 (alice)", server=A)
    service.remove(SHIPPED_ID, actor="discord:2 (bob)", server=B, reason="off topic")
    a_log = service.log(server=A)
    assert [(e.server_id, e.guild_id, e.actor, e.action) for e in a_log] == [(A, A, "discord:1 (alice)", "add")]
    b_log = service.log(server=B)
    assert [(e.server_id, e.action, e.article_id, e.detail) for e in b_log] == [(B, "remove", SHIPPED_ID, "off topic")]
    everything = service.log(every_server=True, limit=3)
    assert [e.server_id for e in everything] == [B, A, 0]


def test_shared_mode_an_editor_changes_every_server_and_any_other_server_is_refused(clean_env: Path) -> None:
    settings = load_settings(coverage="shared", editor_guild_ids=[A])
    service = NewsService.open(settings)
    try:
        version = service.version()
        with pytest.raises(PermissionDenied, match="not one of those that edit it"):
            service.add(STORY, actor="discord:2 (bob)", server=B)
        with pytest.raises(PermissionDenied):
            service.remove(SHIPPED_ID, actor="discord:2 (bob)", server=B)
        with pytest.raises(PermissionDenied):
            service.subscribe_feed("https://x.example/rss", "https://x.example/rss", "X", "X", actor="b", server=B)
        assert service.version() == version
        service.add(STORY, actor="discord:1 (alice)", server=A)
        for server in (A, B, None, 333333333333333333):
            assert service.ask(QUESTION, server=server).answered
        entry = service.log(server=B, limit=1)[0]
        assert (entry.server_id, entry.guild_id, entry.actor) == (0, A, "discord:1 (alice)")
    finally:
        service.close()


# ----------------------------------------------------------------------------------------------------- migration


def test_a_data_directory_of_the_previous_release_becomes_the_default_collection(clean_env: Path) -> None:
    """tests/data/release-c2325f9 was made by `newsbot add`, `remove`, `feeds add` and `feeds poll` at c2325f9:
    the shipped corpus seeded, one article added, one removed, one feed subscribed and polled once."""
    clean_env.mkdir(parents=True)
    shutil.copy(FIXTURE, clean_env / "newsbot.sqlite3")
    with closing(sqlite3.connect(FIXTURE)) as old:
        old_ids = [r[0] for r in old.execute("SELECT id FROM articles ORDER BY seq")]
        old_changes = old.execute("SELECT count(*) FROM changes").fetchone()[0]
    service = NewsService.open(load_settings())
    try:
        assert [a.id for a in service.articles()] == old_ids and len(old_ids) == 32
        assert service.seed(service_corpus()) == 0  # the removed article is not brought back
        assert "microsoft-joins-amazon-in-banning-face-6110f6" not in old_ids
        assert service.ask("When does the harbour ferry run every twenty minutes?").answered
        feeds = service.feeds()
        assert [(f.id, f.server_id, f.outlet, f.added) for f in feeds] == [(1, 0, "Harbour Gazette", 1)]
        log = service.log(every_server=True, limit=100)
        assert len([e for e in log if e.feed_id is None]) == old_changes
        assert {e.server_id for e in log} == {0}
        assert [e.action for e in log[:3]] == ["add", "subscribe", "remove"]  # in the order they happened
        # and a server's own coverage can start from it
        service.add(STORY, actor="t", server=A)
        assert service.count(server=A) == 33 and service.count() == 32
    finally:
        service.close()
    with closing(sqlite3.connect(clean_env / "newsbot.sqlite3")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("SELECT count(*) FROM feed_items").fetchone()[0] == 1


def service_corpus() -> Path:
    from bot.service import shipped_corpus_dir

    return shipped_corpus_dir()


# -------------------------------------------------------------------------------------------------- command line


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_command_line_acts_on_one_server_with_server(tmp_path: Path, clean_env: Path) -> None:
    story = tmp_path / "story.json"
    story.write_text(STORY.model_dump_json(), encoding="utf-8")
    code, _, err = run("add", str(story), "--server", str(A))
    assert code == 2 and f"no server {A} is known" in err
    code, _, err = run("add", str(story), "--server", "alpha")
    assert code == 2 and "--server 'alpha': give a Discord server id" in err
    service = NewsService.open(load_settings())
    service.record_servers([(A, "Alpha **bold**")])
    service.close()
    code, out, _ = run("add", str(story), "--server", str(A), "--json")
    assert code == 0
    article_id = json.loads(out)["article_id"]
    assert run("ask", QUESTION, "--server", str(A))[1].startswith("> The Glenmoor council")
    assert run("ask", QUESTION)[1].startswith("The coverage doesn't say.")
    code, out, _ = run("servers", "--json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert (rows[A]["name"], rows[A]["articles"], rows[A]["own_articles"], rows[0]["articles"]) == (
        "Alpha **bold**",
        32,
        1,
        31,
    )
    code, out, _ = run("log", "--server", str(A), "--json")
    assert [(e["server_id"], e["action"], e["article_id"]) for e in json.loads(out)] == [(A, "add", article_id)]
    code, out, _ = run("log", "--limit", "1")
    assert out.startswith("20") and f"server {A} (Alpha **bold**)" in out and f"add {article_id}" in out
    code, out, _ = run("list", "--server", "default")
    assert article_id not in out


def test_newsbot_server_in_the_environment_is_the_default_server(
    tmp_path: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = NewsService.open(load_settings())
    service.record_servers([(B, "Beta")])
    service.close()
    monkeypatch.setenv("NEWSBOT_SERVER", str(B))
    code, out, _ = run("remove", SHIPPED_ID)
    assert code == 0 and out.startswith(f"Removed {SHIPPED_ID}")
    assert SHIPPED_ID not in run("list")[1]
    assert SHIPPED_ID in run("list", "--server", "default")[1]


def test_a_server_that_made_an_article_its_own_keeps_it_whatever_the_default_collection_does_later(
    tmp_path: Path,
) -> None:
    """Replayed on a loaded index (not only built afresh): an article id a server removed stays removed when the
    default collection removes it and adds it again; one it added itself stays when the default's goes."""
    service = NewsService(Store(tmp_path / "db.sqlite3"), index_dir=tmp_path / "index")
    story = ArticleIn(id="story-x", title="Lighthouse story", source="Wire", body="The lighthouse keeper returned.")
    service.add(story, actor="t")
    service.add(ArticleIn(id="story-y", title="Y", source="Wire", body="The ferry was late."), actor="t", server=A)
    service.add(ArticleIn(id="story-z", title="Z", source="Wire", body="The tower was painted."), actor="t", server=B)
    for server in (A, B):
        assert "story-x" in service.index_of(server)  # loaded, and from now on caught up by replaying
    service.remove("story-x", actor="t", server=A)
    service.remove("story-x", actor="t")
    service.add(story.model_copy(update={"body": "The lighthouse keeper left again."}), actor="t")
    assert "story-x" not in service.index_of(A)
    assert [a.body for a in service.articles(server=B) if a.id == "story-x"] == ["The lighthouse keeper left again."]
    assert "The lighthouse keeper left again." in sentences(service, B)
    service.add(story.model_copy(update={"body": "The keeper of the lighthouse was honoured."}), actor="t", server=A)
    service.remove("story-x", actor="t")
    assert "The keeper of the lighthouse was honoured." in sentences(service, A)
    assert "story-x" not in service.index_of(B) and "story-x" not in service.index_of(None)
    service.close()
    again = NewsService(Store(tmp_path / "db.sqlite3"), index_dir=tmp_path / "index")
    assert [a.body for a in again.articles(server=A) if a.id == "story-x"] == [
        "The keeper of the lighthouse was honoured."
    ]
    assert "The keeper of the lighthouse was honoured." in sentences(again, A)
    again.close()


def sentences(service: NewsService, server: int | None) -> list[str]:
    index = service.index_of(server)
    return list(index._texts(index._collections["sentence"].doc_ids(), "sentence").values())
