"""Votes through the service and `newsbot feedback`: keyed hashes of the voters, counts per quote, the listing."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.config import load_settings
from bot.core.errors import AnswerNotFound, InvalidInput
from bot.service import NewsService

A, B = 111111111111111111, 222222222222222222
USER = 333333333333333333
QUESTION = "What did Amazon pitch to ICE?"


def test_a_voter_is_kept_as_a_keyed_hash_that_differs_per_answer(clean_env: Path) -> None:
    service = NewsService.open(load_settings())
    try:
        service.record_servers([(A, "Alpha")])
        first = service.record_answer(service.ask(QUESTION, server=A), server=A)
        second = service.record_answer(service.ask(QUESTION, server=A), server=A)
        assert first is not None and second is not None
        assert service.vote(first, user_id=USER, helpful=False, server=A) == "counted"
        assert service.vote(second, user_id=USER, helpful=False, server=A) == "counted"
        with pytest.raises(AnswerNotFound):
            service.vote(first, user_id=USER, helpful=True, server=B)  # drawn from A's coverage, clicked in B
        with closing(sqlite3.connect(clean_env / "newsbot.sqlite3")) as db:
            voters = [r[0] for r in db.execute("SELECT voter FROM answer_votes ORDER BY answer_id")]
            key = bytes.fromhex(db.execute("SELECT value FROM meta WHERE key = 'vote_key'").fetchone()[0])
        expected = [hmac.new(key, f"{i}:{USER}".encode(), hashlib.sha256).hexdigest() for i in (first, second)]
        assert voters == expected and voters[0] != voters[1] and str(USER) not in "".join(voters)
        [quote, *_] = service.feedback(server=A).quotes
        assert (quote.not_helpful, quote.helpful, quote.questions) == (2, 0, [QUESTION])
        assert quote.source == "Washington Post"
        assert service.feedback(server=B).quotes == []
    finally:
        service.close()


def test_newsbot_feedback_lists_the_least_helpful_quotes(clean_env: Path) -> None:
    service = NewsService.open(load_settings())
    try:
        answer = service.ask(QUESTION)
        answer_id = service.record_answer(answer)
        assert answer_id is not None
        service.vote(answer_id, user_id=USER, helpful=False)
        service.vote(answer_id, user_id=USER + 1, helpful=True)
        service.vote(answer_id, user_id=USER + 2, helpful=False)
    finally:
        service.close()
    result = CliRunner().invoke(cli, ["feedback"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "Quotes readers voted on, the least helpful first:",
        "• 2 not helpful, 1 helpful · Washington Post · Amazon met with ICE officials over facial-recognition system "
        "that could identify immigrants",
    ]
    assert lines[2] == "> " + answer.quotes[0].text  # 287 characters: shown whole
    assert lines[3] == f"  asked: “{QUESTION}”"
    data = json.loads(CliRunner().invoke(cli, ["feedback", "--json"]).stdout)
    assert (data["server_id"], data["keep_days"], len(data["quotes"])) == (0, 90, len(answer.quotes))
    first = data["quotes"][0]
    assert {k: first[k] for k in ("article_id", "text", "helpful", "not_helpful", "questions")} == {
        "article_id": answer.quotes[0].article_id,
        "text": answer.quotes[0].text,
        "helpful": 1,
        "not_helpful": 2,
        "questions": [QUESTION],
    }


def test_newsbot_feedback_without_votes_and_when_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert CliRunner().invoke(cli, ["feedback"]).stdout == (
        "No votes yet: every answer in Discord carries Helpful / Not helpful buttons.\n"
    )
    monkeypatch.setenv("NEWSBOT_KEEP_ANSWERS", "0")
    assert CliRunner().invoke(cli, ["feedback"]).stdout == (
        "Feedback is off (NEWSBOT_KEEP_ANSWERS=0): answers carry no vote buttons.\n"
    )


def test_feedback_limit_lists_the_least_helpful_and_says_how_many_more(store_backend: str) -> None:
    """On both backends (``store_backend``); the votes survive a restart, per server."""
    service = NewsService.open(load_settings())
    try:
        service.record_servers([(A, "Alpha")])
        answer = service.ask(QUESTION, server=A)
        answer_id = service.record_answer(answer, server=A)
        assert answer_id is not None
        service.vote(answer_id, user_id=USER, helpful=False, server=A)
        assert [len(answer.quotes), service.feedback(server=A, limit=1).total] == [2, 2]
    finally:
        service.close()
    again = NewsService.open(load_settings())  # the votes are in the store, A's only
    try:
        report = again.feedback(server=A, limit=1)
        assert [(q.text, q.not_helpful) for q in report.quotes] == [(answer.quotes[0].text, 1)]
        assert report.total == 2 and again.feedback().quotes == [] and again.feedback().total == 0
        with pytest.raises(InvalidInput, match="limit 0: give a whole number of quotes, 1 or more"):
            again.feedback(server=A, limit=0)
    finally:
        again.close()
    result = CliRunner().invoke(cli, ["feedback", "--server", str(A), "--limit", "1"])
    assert result.stdout == (
        "Quotes readers voted on, the least helpful first:\n"
        "• 1 not helpful, 0 helpful · Washington Post · Amazon met with ICE officials over facial-recognition system "
        "that could identify immigrants\n"
        f"> {answer.quotes[0].text}\n"
        f"  asked: “{QUESTION}”\n"
        "… and 1 more\n"
    )
    data = json.loads(CliRunner().invoke(cli, ["feedback", "--server", str(A), "--limit", "1", "--json"]).stdout)
    assert (data["total"], [q["text"] for q in data["quotes"]]) == (2, [answer.quotes[0].text])
    refused = CliRunner().invoke(cli, ["feedback", "--limit", "0"])
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[-1] == "Error: Invalid value for '--limit': 0 is not in the range x>=1."
