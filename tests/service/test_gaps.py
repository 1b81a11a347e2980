"""Knowledge gaps through the service and the command line: what is kept (the question's text only, per server),
grouping by search terms, retention and pruning, the re-check after an add, restarts, NEWSBOT_KEEP_GAPS=0."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.config import load_settings
from bot.core.models import ArticleIn, now_iso
from bot.present.kept import render_gaps
from bot.service import NewsService

A, B = 111111111111111111, 222222222222222222
CUP = "Who won the 2022 World Cup?"
CUP_AGAIN = "who won the world cup in 2022"
ORLANDO = "Did Orlando end the Rekognition pilot?"
STORY = ArticleIn(
    title="Rekognition pilot ends in Orlando",
    source="Orlando Sentinel",
    date="2019-07-18",
    body="Orlando police ended their second pilot of Amazon's Rekognition software on Thursday.",
)


def ask_and_keep(service: NewsService, question: str, server: int | None = None) -> bool:
    return service.record_gap(service.ask(question, server=server), server=server)


def rows(data_dir: Path) -> list[tuple[object, ...]]:
    """Every column of every kept gap, read from the database file itself."""
    with closing(sqlite3.connect(data_dir / "newsbot.sqlite3")) as db:
        return [tuple(r) for r in db.execute("SELECT * FROM gaps ORDER BY id")]


def test_a_refused_question_is_kept_as_text_only_and_an_answered_one_is_not(
    service: NewsService, clean_env: Path
) -> None:
    assert not ask_and_keep(service, "What did Amazon pitch to ICE?")
    assert ask_and_keep(service, CUP)
    [(ident, server, question, terms, asked_at, answered_at, answered_by)] = rows(clean_env)
    assert (server, question, terms, answered_at, answered_by) == (0, CUP, "2022 cup win world", None, None)
    with closing(sqlite3.connect(clean_env / "newsbot.sqlite3")) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(gaps)")]
    assert columns == ["id", "server_id", "question", "terms", "asked_at", "answered_at", "answered_by"]


def test_gaps_are_grouped_by_their_terms_most_asked_first(service: NewsService) -> None:
    for question in (ORLANDO, CUP, CUP_AGAIN, CUP):
        ask_and_keep(service, question)
    report = service.gaps()
    assert [(g.terms, g.questions, g.count) for g in report.gaps] == [
        (["2022", "cup", "win", "world"], [CUP, CUP_AGAIN], 3),
        (["end", "orlando", "pilot", "rekognit"], [ORLANDO], 1),
    ]
    assert report.keep_days == 90 and all(g.answered_at is None for g in report.gaps)


def test_each_server_keeps_its_own_gaps(service: NewsService) -> None:
    service.record_servers([(A, "Alpha"), (B, "Beta")])
    ask_and_keep(service, CUP, A)
    ask_and_keep(service, ORLANDO, B)
    assert [g.questions for g in service.gaps(server=A).gaps] == [[CUP]]
    assert [g.questions for g in service.gaps(server=B).gaps] == [[ORLANDO]]
    assert service.gaps().gaps == []


def test_a_later_article_marks_the_gap_answered_in_its_server_only(service: NewsService) -> None:
    service.record_servers([(A, "Alpha"), (B, "Beta")])
    ask_and_keep(service, ORLANDO, A)
    ask_and_keep(service, ORLANDO, B)
    ask_and_keep(service, CUP, A)
    stored = service.add(STORY, actor="discord:1 (alice)", server=A)
    service.wait_for_gap_checks()
    [cup, orlando] = service.gaps(server=A).gaps
    assert (cup.questions, cup.answered_at) == ([CUP], None)
    assert (orlando.answered_by, orlando.answered_by_title) == (stored.id, STORY.title)
    assert orlando.answered_at is not None and orlando.answered_at >= orlando.last_asked
    assert [g.answered_at for g in service.gaps(server=B).gaps] == [None]  # B's coverage still cannot answer it


def test_an_article_added_to_the_default_collection_answers_every_servers_gap(service: NewsService) -> None:
    service.record_servers([(A, "Alpha")])
    ask_and_keep(service, ORLANDO, A)
    ask_and_keep(service, ORLANDO)
    service.add(STORY, actor="cli:test")
    service.wait_for_gap_checks()
    assert service.gaps(server=A).gaps[0].answered_at is not None
    assert service.gaps().gaps[0].answered_at is not None


def test_gaps_survive_a_restart_and_the_check_runs_before_a_command_line_exits(clean_env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["ask", ORLANDO]).exit_code == 0
    story = clean_env.parent / "story.json"
    story.write_text(STORY.model_dump_json(), encoding="utf-8")
    assert runner.invoke(cli, ["add", str(story)]).exit_code == 0  # a process of its own: it checks, then exits
    service = NewsService.open(load_settings())
    try:
        [gap] = service.gaps().gaps
        assert gap.answered_by_title == STORY.title
    finally:
        service.close()


def test_gaps_older_than_the_kept_days_are_deleted(clean_env: Path) -> None:
    service = NewsService.open(load_settings(keep_gaps=30))
    try:
        ask_and_keep(service, CUP)
        ask_and_keep(service, ORLANDO)
        with closing(sqlite3.connect(clean_env / "newsbot.sqlite3")) as db, db:
            db.execute("UPDATE gaps SET asked_at = '2020-01-01T00:00:00Z' WHERE question = ?", (CUP,))
        assert [g.questions for g in service.gaps().gaps] == [[ORLANDO]]  # never shown, even before the pruning
        assert service.prune_gaps() == 1
        assert [r[2] for r in rows(clean_env)] == [ORLANDO]  # and gone from the file
    finally:
        service.close()


def test_keep_gaps_0_keeps_nothing_and_deletes_what_was_kept(clean_env: Path) -> None:
    service = NewsService.open(load_settings())
    ask_and_keep(service, CUP)
    service.close()
    off = NewsService.open(load_settings(keep_gaps=0))
    try:
        assert not ask_and_keep(off, ORLANDO)
        assert off.gaps().keep_days == 0 and off.gaps().gaps == []
        assert off.prune_gaps() == 1
        assert rows(clean_env) == []
    finally:
        off.close()


def test_newsbot_gaps_lists_them_grouped_with_counts_and_last_asked(clean_env: Path) -> None:
    runner = CliRunner()
    for question in (CUP, ORLANDO, CUP_AGAIN):
        assert runner.invoke(cli, ["ask", question]).exit_code == 0
    result = runner.invoke(cli, ["gaps"])
    assert result.exit_code == 0
    assert result.stdout == (
        "Questions the coverage could not answer, most asked first (kept 90 days):\n"
        "• 2× “who won the world cup in 2022” · terms: 2022 cup win world · last asked today\n"
        "  also asked as: “Who won the 2022 World Cup?”\n"
        "• 1× “Did Orlando end the Rekognition pilot?” · terms: end orlando pilot rekognit · last asked today\n"
    )
    data = json.loads(runner.invoke(cli, ["gaps", "--json"]).stdout)
    assert (data["server_id"], data["keep_days"]) == (0, 90)
    first = data["gaps"][0]
    assert {k: v for k, v in first.items() if not k.endswith("_asked")} == {
        "terms": ["2022", "cup", "win", "world"],
        "questions": [CUP_AGAIN, CUP],
        "count": 2,
        "answered_at": None,
        "answered_by": None,
        "answered_by_title": None,
    }
    assert first["first_asked"] <= first["last_asked"] <= now_iso()


def test_newsbot_gaps_of_an_unknown_server_is_refused(clean_env: Path) -> None:
    result = CliRunner().invoke(cli, ["gaps", "--server", str(A)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"newsbot: error: no server {A} is known: the bot records each server it is in (see `newsbot servers`)\n"
    )


def test_a_batch_of_questions_is_not_kept(clean_env: Path) -> None:
    batch = clean_env.parent / "questions.txt"
    batch.write_text(f"{CUP}\n{ORLANDO}\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["ask", "--batch", str(batch)]).exit_code == 0
    assert CliRunner().invoke(cli, ["gaps"]).stdout == "No question went unanswered in the last 90 days.\n"


@pytest.mark.parametrize(
    ("keep", "problem"),
    [("-1", "Input should be greater than or equal to 0"), ("x", "Input should be a valid integer, unable to parse")],
)
def test_a_bad_setting_is_a_clear_error(keep: str, problem: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_KEEP_GAPS", keep)
    result = CliRunner().invoke(cli, ["gaps"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"newsbot: error: invalid configuration: NEWSBOT_KEEP_GAPS: {problem}")


def test_newsbot_gaps_says_when_gaps_are_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_KEEP_GAPS", "0")
    assert CliRunner().invoke(cli, ["gaps"]).stdout == (
        "Knowledge gaps are off (NEWSBOT_KEEP_GAPS=0): questions the coverage could not answer are not kept.\n"
    )


OTHER = ArticleIn(
    title="Orlando drops Amazon face recognition",
    source="WESH",
    date="2019-07-19",
    body="The city of Orlando ended its Rekognition pilot with Amazon after 15 months, officials said.",
)


def answered_by(service: NewsService, server: int | None = None) -> list[str | None]:
    return [g.answered_by for g in service.gaps(server=server).gaps]


def test_hiding_the_answering_article_in_a_server_reopens_its_gap_there_only_and_it_stays_so(
    store_backend: str,
) -> None:
    """On both backends (``store_backend``): SQLite, and PostgreSQL as several hosts would share it."""
    service = NewsService.open(load_settings())
    try:
        service.record_servers([(A, "Alpha"), (B, "Beta")])
        for server in (A, B, None):
            ask_and_keep(service, ORLANDO, server)
        story = service.add(STORY, actor="cli:test")  # the default collection: every server's coverage
        service.wait_for_gap_checks()
        assert [answered_by(service, s) for s in (A, B, None)] == [[story.id]] * 3
        service.remove(story.id, actor="discord:1 (alice)", server=A)  # hidden from A's coverage only
        service.wait_for_gap_checks()
        assert [answered_by(service, s) for s in (A, B, None)] == [[None], [story.id], [story.id]]
    finally:
        service.close()
    again = NewsService.open(load_settings())  # what the check wrote is in the store
    try:
        [gap] = again.gaps(server=A).gaps
        assert (gap.questions, gap.count, gap.answered_at, gap.answered_by) == ([ORLANDO], 1, None, None)
        assert [answered_by(again, s) for s in (B, None)] == [[story.id], [story.id]]
    finally:
        again.close()


def test_removing_a_default_collection_article_reopens_every_servers_gap_it_answered(
    service: NewsService,
) -> None:
    service.record_servers([(A, "Alpha")])
    ask_and_keep(service, ORLANDO, A)
    ask_and_keep(service, ORLANDO)
    story = service.add(STORY, actor="cli:test")
    service.wait_for_gap_checks()
    service.remove(story.id, actor="cli:test")
    service.wait_for_gap_checks()
    assert [answered_by(service, s) for s in (A, None)] == [[None], [None]]


def test_a_gap_another_article_still_answers_moves_to_that_one_answered_when_it_moved(
    store_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listing's "answered … by X" is when X became the answer (the removal's recheck), not when the removed
    article answered it; on both backends."""
    service = NewsService.open(load_settings())
    try:
        service.record_servers([(A, "Alpha")])
        ask_and_keep(service, ORLANDO, A)
        today = now_iso()[:10]
        two_days_ago = (dt.date.fromisoformat(today) - dt.timedelta(days=2)).isoformat() + "T08:00:00Z"
        with monkeypatch.context() as clock:  # the first answer, 2 days ago
            clock.setattr("bot.service.gaps.now_iso", lambda: two_days_ago)
            first = service.add(STORY, actor="discord:1 (alice)", server=A)
            service.wait_for_gap_checks()
        other = service.add(OTHER, actor="discord:1 (alice)", server=A)
        service.wait_for_gap_checks()
        [gap] = service.gaps(server=A).gaps
        assert (gap.answered_at, gap.answered_by) == (two_days_ago, first.id)
        assert render_gaps(service.gaps(server=A), today=today).endswith(
            "answered 2 days ago by Rekognition pilot ends in Orlando"
        )
        removed_at = now_iso()
        service.remove(first.id, actor="discord:1 (alice)", server=A)
        service.wait_for_gap_checks()
        [gap] = service.gaps(server=A).gaps
        assert (gap.answered_by, gap.answered_by_title) == (other.id, OTHER.title)
        assert gap.answered_at is not None and removed_at <= gap.answered_at <= now_iso()
        assert render_gaps(service.gaps(server=A), today=gap.answered_at[:10]) == (
            "Answered since by a new article:\n"
            "• 1× “Did Orlando end the Rekognition pilot?” · answered today by Orlando drops Amazon face recognition"
        )
    finally:
        service.close()
    again = NewsService.open(load_settings())  # the moved time is in the store
    try:
        assert [(g.answered_at, g.answered_by) for g in again.gaps(server=A).gaps] == [(gap.answered_at, other.id)]
        again.remove(other.id, actor="discord:1 (alice)", server=A)
        again.wait_for_gap_checks()
        assert answered_by(again, A) == [None]
    finally:
        again.close()


def test_a_removal_leaves_the_gaps_other_articles_answered(service: NewsService) -> None:
    ask_and_keep(service, ORLANDO)
    ask_and_keep(service, CUP)
    story = service.add(STORY, actor="cli:test")
    service.wait_for_gap_checks()
    service.remove("amazon-met-with-ice-officials-over-173ada", actor="cli:test")
    service.wait_for_gap_checks()
    assert answered_by(service) == [None, story.id]  # the cup gap open, Orlando's still answered by its article


def test_newsbot_remove_reopens_the_gap_before_it_exits(clean_env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["ask", ORLANDO]).exit_code == 0
    story = clean_env.parent / "story.json"
    story.write_text(STORY.model_dump_json(), encoding="utf-8")
    added = runner.invoke(cli, ["add", str(story), "--json"])
    article_id = json.loads(added.stdout)["article_id"]
    assert runner.invoke(cli, ["gaps"]).stdout == (
        "Answered since by a new article:\n"
        "• 1× “Did Orlando end the Rekognition pilot?” · answered today by Rekognition pilot ends in Orlando\n"
    )
    assert runner.invoke(cli, ["remove", article_id]).exit_code == 0  # a process of its own: it checks, then exits
    assert runner.invoke(cli, ["gaps"]).stdout == (
        "Questions the coverage could not answer, most asked first (kept 90 days):\n"
        "• 1× “Did Orlando end the Rekognition pilot?” · terms: end orlando pilot rekognit · last asked today\n"
    )
    assert [r[5:] for r in rows(clean_env)] == [(None, None)]


def test_gaps_limit_lists_the_first_ones_and_says_how_many_more(service: NewsService, clean_env: Path) -> None:
    for question in (CUP, CUP, ORLANDO, "Who designed the Sydney Opera House?"):
        ask_and_keep(service, question)
    report = service.gaps(limit=1)
    assert ([g.questions for g in report.gaps], report.total) == ([[CUP]], 3)
    result = CliRunner().invoke(cli, ["gaps", "--limit", "2"])
    assert result.stdout == (
        "Questions the coverage could not answer, most asked first (kept 90 days):\n"
        "• 2× “Who won the 2022 World Cup?” · terms: 2022 cup win world · last asked today\n"
        "• 1× “Who designed the Sydney Opera House?” · terms: design hous opera sydney · last asked today\n"
        "… and 1 more\n"
    )
    data = json.loads(CliRunner().invoke(cli, ["gaps", "--limit", "1", "--json"]).stdout)
    assert (data["total"], [g["questions"] for g in data["gaps"]]) == (3, [[CUP]])
    assert len(json.loads(CliRunner().invoke(cli, ["gaps", "--json"]).stdout)["gaps"]) == 3


@pytest.mark.parametrize(
    ("limit", "problem"),
    [
        ("0", "0 is not in the range x>=1."),
        ("-3", "-3 is not in the range x>=1."),
        ("x", "'x' is not a valid integer range."),
    ],
)
def test_a_bad_gaps_limit_is_refused(limit: str, problem: str) -> None:
    result = CliRunner().invoke(cli, ["gaps", "--limit", limit])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: Invalid value for '--limit': {problem}"


def test_an_article_removed_by_another_process_while_its_gap_was_being_marked_leaves_it_open(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interleaving a removal's own recheck cannot see: this process found the answer, another removed the
    article (and rechecked: nothing marked yet), then this one marks the gap. It sees the removal and reopens it."""
    here, other = NewsService.open(load_settings()), NewsService.open(load_settings())
    try:
        ask_and_keep(here, ORLANDO)
        mark = here._store.mark_gap_answered

        def removed_just_before(server: int, question: str, article_id: str, at: str) -> int:
            other.remove(article_id, actor="cli:other")
            other.wait_for_gap_checks()
            return mark(server, question, article_id, at)

        monkeypatch.setattr(here._store, "mark_gap_answered", removed_just_before)
        here.add(STORY, actor="cli:test")
        here.wait_for_gap_checks()
        [gap] = here.gaps().gaps
        assert (gap.answered_at, gap.answered_by) == (None, None)
        assert [r[5:] for r in rows(clean_env)] == [(None, None)]
    finally:
        here.close()
        other.close()
