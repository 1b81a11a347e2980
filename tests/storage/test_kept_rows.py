"""What is kept of what people ask, on both backends: knowledge gaps (per server, tallied per question, answered,
pruned) and votes on sent answers (one per voter, changeable, counted per quote, pruned with their answers)."""

from __future__ import annotations

from collections.abc import Callable

from tests.storage.conftest import AnyStore

# isort: split
from bot.core.quoting import QuoteSpan

A, B = 111111111111111111, 222222222222222222


def test_gaps_are_kept_per_server_tallied_answered_and_pruned(store: AnyStore) -> None:
    store.record_gap(A, "Who won the cup?", "cup win", "2026-11-01T10:00:00Z")
    store.record_gap(A, "Who won the cup?", "cup win", "2026-11-03T10:00:00Z")
    store.record_gap(A, "who won the cup", "cup win", "2026-11-02T10:00:00Z")
    store.record_gap(B, "Who won the cup?", "cup win", "2026-11-02T10:00:00Z")
    store.record_gap(0, "Where is the pilot?", "pilot", "2026-10-01T10:00:00Z")

    tallies = sorted(store.gap_tallies(A, "2026-01-01T00:00:00Z"), key=lambda t: t.question)
    assert [(t.question, t.asked, t.open, t.first_asked, t.last_asked) for t in tallies] == [
        ("Who won the cup?", 2, 2, "2026-11-01T10:00:00Z", "2026-11-03T10:00:00Z"),
        ("who won the cup", 1, 1, "2026-11-02T10:00:00Z", "2026-11-02T10:00:00Z"),
    ]
    assert [t.question for t in store.gap_tallies(A, "2026-11-02T12:00:00Z")] == ["Who won the cup?"]
    assert [(g.server_id, g.question) for g in store.open_gaps([B, 0], "2026-01-01T00:00:00Z")] == [
        (0, "Where is the pilot?"),
        (B, "Who won the cup?"),
    ]
    assert len(store.open_gaps(None, "2026-01-01T00:00:00Z")) == 4
    assert store.open_gaps([], "2026-01-01T00:00:00Z") == []

    assert store.mark_gap_answered(A, "Who won the cup?", "cup-final", "2026-11-04T00:00:00Z") == 2
    [answered] = [t for t in store.gap_tallies(A, "2026-01-01T00:00:00Z") if t.question == "Who won the cup?"]
    assert (answered.open, answered.answered_at, answered.answered_by) == (0, "2026-11-04T00:00:00Z", "cup-final")
    assert [t.open for t in store.gap_tallies(B, "2026-01-01T00:00:00Z")] == [1]  # B's is B's

    assert store.prune_gaps("2026-11-02T00:00:00Z") == 2  # A's first asking and the default collection's
    assert sum(t.asked for t in store.gap_tallies(A, "2000-01-01T00:00:00Z")) == 2
    assert store.prune_gaps(None) == 3
    assert store.open_gaps(None, "2000-01-01T00:00:00Z") == []


def test_votes_are_one_per_voter_changeable_and_counted_per_quote(store: AnyStore) -> None:
    first = store.record_answer(
        A, "Why?", [QuoteSpan("art-1", 0, 20, "The first sentence."), QuoteSpan("art-2", 5, 9, "Two.")]
    )
    second = store.record_answer(A, "How?", [QuoteSpan("art-1", 0, 20, "The first sentence.")])
    assert store.record_vote(first, "v1", A, False, "2026-11-01T00:00:00Z") == "counted"
    assert store.record_vote(first, "v1", A, False, "2026-11-01T00:00:01Z") == "already"
    assert store.record_vote(first, "v2", A, False, "2026-11-01T00:00:02Z") == "counted"
    assert store.record_vote(first, "v1", A, True, "2026-11-01T00:00:03Z") == "changed"
    assert store.record_vote(second, "v1", A, False, "2026-11-01T00:00:04Z") == "counted"
    assert store.record_vote(second + 100, "v1", A, False, "2026-11-01T00:00:05Z") is None
    tallies = store.quote_tallies(A, 20)
    assert [(t.article_id, t.helpful, t.not_helpful, t.questions) for t in tallies] == [
        ("art-1", 1, 2, ("How?", "Why?")),
        ("art-2", 1, 1, ("Why?",)),
    ]
    assert store.quote_tallies(B, 20) == []
    assert [t.article_id for t in store.quote_tallies(A, 1)] == ["art-1"]
    assert (store.voted_quote_count(A), store.voted_quote_count(B)) == (2, 0)
    key = store.vote_key()
    assert len(bytes.fromhex(key)) == 32 and store.vote_key() == key

    with store.transaction() as db:
        db.execute("UPDATE answers SET at = '2020-01-01T00:00:00Z' WHERE id = ?", (first,))
    assert store.prune_answers("2026-01-01T00:00:00Z") == 1
    assert store.answer_record(first) is None and store.answer_record(second) is not None
    assert store.record_vote(first, "v3", A, True, "2026-11-02T00:00:00Z") is None
    # the counts stay; the questions are those of the answers still kept
    assert [(t.article_id, t.helpful, t.not_helpful, t.questions) for t in store.quote_tallies(A, 20)] == [
        ("art-1", 1, 2, ("How?",)),
        ("art-2", 1, 1, ()),
    ]
    assert store.prune_answers(None) == 1


def test_the_gaps_an_article_answered_are_moved_or_reopened_per_server(open_store: Callable[[], AnyStore]) -> None:
    store = open_store()
    for server, question in ((A, "Who won?"), (A, "Who won?"), (A, "Who lost?"), (B, "Who won?"), (0, "Who won?")):
        store.record_gap(server, question, "won", "2026-11-01T10:00:00Z")
    for server in (A, B, 0):
        store.mark_gap_answered(server, "Who won?", "final", "2026-11-02T00:00:00Z")
    store.mark_gap_answered(A, "Who lost?", "semi", "2026-11-02T00:00:00Z")
    assert [(g.server_id, g.question) for g in store.gaps_answered_by(None, "final")] == [
        (0, "Who won?"),
        (A, "Who won?"),
        (B, "Who won?"),
    ]
    assert [(g.server_id, g.question) for g in store.gaps_answered_by([A], "final")] == [(A, "Who won?")]
    assert store.gaps_answered_by([], "final") == []

    assert store.move_gap_answer(A, "Who won?", "final", None, "2026-11-05T00:00:00Z") == 2  # A's open again
    assert store.move_gap_answer(A, "Who won?", "final", None, "2026-11-05T00:00:00Z") == 0  # done (by another)
    assert store.move_gap_answer(B, "Who won?", "final", "replay", "2026-11-05T00:00:00Z") == 1  # another answers

    again = open_store()  # another connection (a restart) sees the same
    tallies = {(t.question, t.open, t.answered_at, t.answered_by) for t in again.gap_tallies(A, "2026-01-01T00:00:00Z")}
    assert tallies == {("Who won?", 2, None, None), ("Who lost?", 0, "2026-11-02T00:00:00Z", "semi")}
    [b] = again.gap_tallies(B, "2026-01-01T00:00:00Z")
    assert (b.open, b.answered_at, b.answered_by) == (0, "2026-11-05T00:00:00Z", "replay")  # when "replay" did
    [default] = again.gap_tallies(0, "2026-01-01T00:00:00Z")
    assert (default.open, default.answered_by) == (0, "final")
    assert [(g.server_id, g.question) for g in again.open_gaps(None, "2026-01-01T00:00:00Z")] == [(A, "Who won?")]
