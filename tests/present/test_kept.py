"""The renderer of knowledge gaps and feedback: exact text in both styles, outside text escaped, Discord's limits."""

from __future__ import annotations

from bot.core.kept import FeedbackReport, GapReport, KnowledgeGap, QuoteFeedback
from bot.present.kept import days_ago, render_feedback, render_gaps, render_vote
from bot.present.style import DISCORD, PLAIN

TODAY = "2026-12-01"


def gap(question: str, count: int, *, answered: bool = False, others: tuple[str, ...] = ()) -> KnowledgeGap:
    return KnowledgeGap(
        terms=["cup", "world"],
        questions=[question, *others],
        count=count,
        first_asked="2026-11-20T10:00:00Z",
        last_asked="2026-11-28T10:00:00Z",
        answered_at="2026-11-30T23:59:59Z" if answered else None,
        answered_by="cup-final-1a2b3c" if answered else None,
        answered_by_title="The *final* of the cup" if answered else None,
    )


def test_days_ago() -> None:
    assert [days_ago(at, TODAY) for at in ("2026-12-01T23:00:00Z", "2026-11-30T01:00:00Z", "2026-09-02T00:00:00Z")] == [
        "today",
        "yesterday",
        "90 days ago",
    ]


def test_gaps_in_both_styles_with_outside_text_escaped() -> None:
    report = GapReport(
        server_id=1,
        keep_days=90,
        gaps=[
            gap("Who won the **cup** <@&1>?", 3, others=("who won the world cup", "cup world?", "world cup")),
            gap("Who won the cup?", 1, answered=True),
        ],
    )
    assert render_gaps(report, PLAIN, today=TODAY) == (
        "Questions the coverage could not answer, most asked first (kept 90 days):\n"
        "• 3× “Who won the **cup** <@&1>?” · terms: cup world · last asked 3 days ago\n"
        "  also asked as: “who won the world cup”; “cup world?”\n"
        "Answered since by a new article:\n"
        "• 1× “Who won the cup?” · answered yesterday by The *final* of the cup"
    )
    assert render_gaps(report, DISCORD, today=TODAY) == (
        "Questions the coverage could not answer, most asked first (kept 90 days):\n"
        "• **3×** “Who won the \\*\\*cup\\*\\* \\<\\@&1\\>?” · terms: cup world · last asked 3 days ago\n"
        "  also asked as: “who won the world cup”; “cup world?”\n"
        "Answered since by a new article:\n"
        "• **1×** “Who won the cup?” · answered yesterday by The \\*final\\* of the cup"
    )


def test_gaps_fit_discords_limit_whole_entries_first() -> None:
    report = GapReport(server_id=1, keep_days=90, gaps=[gap("why " * 60 + str(i), 100 - i) for i in range(40)])
    text = render_gaps(report, DISCORD, today=TODAY, max_chars=4096)
    assert len(text) <= 4096
    lines = text.splitlines()
    assert lines[-1] == f"… and {40 - (len(lines) - 2)} more"
    assert all(line.endswith("· last asked 3 days ago") for line in lines[1:-1])


def test_gaps_empty_and_off() -> None:
    assert render_gaps(GapReport(server_id=0, keep_days=30), today=TODAY) == (
        "No question went unanswered in the last 30 days."
    )
    assert render_gaps(GapReport(server_id=0, keep_days=0), today=TODAY) == (
        "Knowledge gaps are off (NEWSBOT_KEEP_GAPS=0): questions the coverage could not answer are not kept."
    )


def test_feedback_in_both_styles_with_outside_text_escaped() -> None:
    report = FeedbackReport(
        server_id=1,
        keep_days=90,
        quotes=[
            QuoteFeedback(
                article_id="a-1",
                start=0,
                end=30,
                text="The company said **nothing** to @everyone.",
                title="Amazon [pitched] ICE",
                source="Washington Post",
                url="https://www.washingtonpost.com/a",
                helpful=1,
                not_helpful=3,
                questions=["What did Amazon say?", "Did Amazon <@1> reply?"],
            ),
            QuoteFeedback(
                article_id="b-2",
                start=5,
                end=9,
                text="Gone.",
                title=None,
                source=None,
                url=None,
                helpful=0,
                not_helpful=1,
            ),
        ],
    )
    assert render_feedback(report, PLAIN) == (
        "Quotes readers voted on, the least helpful first:\n"
        "• 3 not helpful, 1 helpful · Washington Post · Amazon [pitched] ICE <https://www.washingtonpost.com/a>\n"
        "> The company said **nothing** to @everyone.\n"
        "  asked: “What did Amazon say?”; “Did Amazon <@1> reply?”\n"
        "• 1 not helpful, 0 helpful · b-2 (removed since)\n"
        "> Gone."
    )
    assert render_feedback(report, DISCORD) == (
        "Quotes readers voted on, the least helpful first:\n"
        "• **3 not helpful, 1 helpful** · Washington Post · [Amazon \\[pitched\\] ICE](<https://www.washingtonpost.com/a>)\n"
        "> The company said \\*\\*nothing\\*\\* to \\@everyone.\n"
        "  asked: “What did Amazon say?”; “Did Amazon \\<\\@1\\> reply?”\n"
        "• **1 not helpful, 0 helpful** · `b-2` (removed since)\n"
        "> Gone."
    )


def test_feedback_empty_and_off() -> None:
    assert render_feedback(FeedbackReport(server_id=0, keep_days=90)) == (
        "No votes yet: every answer in Discord carries Helpful / Not helpful buttons."
    )
    assert render_feedback(FeedbackReport(server_id=0, keep_days=0)) == (
        "Feedback is off (NEWSBOT_KEEP_ANSWERS=0): answers carry no vote buttons."
    )


def test_what_a_voter_is_told() -> None:
    assert render_vote("counted", True) == "Thanks: your vote (helpful) is counted."
    assert render_vote("changed", False) == "Your vote is changed to not helpful."
    assert render_vote("already", False) == "Your vote (not helpful) is already counted."


def test_what_is_left_out_is_counted_from_the_entries_whatever_their_text_ends_with() -> None:
    """Headings are told from entries by the listing's structure: a headline or question ending in ":" (or with
    markdown in it) is an entry like any other, counted in "… and N more"; a heading is never shown alone."""
    colons = GapReport(
        server_id=1,
        keep_days=90,
        gaps=[
            gap("Who won the **cup**:", 3),
            gap("And the `final` [score]:", 2),
            KnowledgeGap(
                terms=["play"],
                questions=["Where was it played:"],
                count=1,
                first_asked="2026-11-20T10:00:00Z",
                last_asked="2026-11-28T10:00:00Z",
                answered_at="2026-11-30T23:59:59Z",
                answered_by="final-1a2b3c",
                answered_by_title="The *final*, as it happened:",
            ),
        ],
        total=4,  # one more beyond the listing's limit
    )
    assert render_gaps(colons, PLAIN, today=TODAY) == (
        "Questions the coverage could not answer, most asked first (kept 90 days):\n"
        "• 3× “Who won the **cup**:” · terms: cup world · last asked 3 days ago\n"
        "• 2× “And the `final` [score]:” · terms: cup world · last asked 3 days ago\n"
        "Answered since by a new article:\n"
        "• 1× “Where was it played:” · answered yesterday by The *final*, as it happened:\n"
        "… and 1 more"
    )
    assert render_gaps(colons, DISCORD, today=TODAY, max_chars=260) == (
        "Questions the coverage could not answer, most asked first (kept 90 days):\n"
        "• **3×** “Who won the \\*\\*cup\\*\\*:” · terms: cup world · last asked 3 days ago\n"
        "• **2×** “And the \\`final\\` \\[score\\]:” · terms: cup world · last asked 3 days ago\n"
        "… and 2 more"  # the answered one (its heading not shown alone) and the one beyond the limit
    )
    assert render_gaps(colons, DISCORD, today=TODAY, max_chars=200) == (
        "Questions the coverage could not answer, most asked first (kept 90 days):\n"
        "• **3×** “Who won the \\*\\*cup\\*\\*:” · terms: cup world · last asked 3 days ago\n"
        "… and 3 more"
    )
    assert render_gaps(colons, DISCORD, today=TODAY, max_chars=150) == "… and 4 more"
    whole = render_gaps(colons, DISCORD, today=TODAY)
    assert render_gaps(colons, DISCORD, today=TODAY, max_chars=len(whole)) == whole  # it fits exactly


def test_feedback_left_out_is_counted_from_the_quotes() -> None:
    def quote(title: str, text: str) -> QuoteFeedback:
        return QuoteFeedback(
            article_id="a-1",
            start=0,
            end=len(text),
            text=text,
            title=title,
            source="WP",
            url=None,
            helpful=0,
            not_helpful=2,
        )

    report = FeedbackReport(
        server_id=1, keep_days=90, quotes=[quote("Amazon:", "It said:"), quote("*ICE*:", "Nothing:")], total=2
    )
    assert render_feedback(report, PLAIN) == (
        "Quotes readers voted on, the least helpful first:\n"
        "• 2 not helpful, 0 helpful · WP · Amazon:\n"
        "> It said:\n"
        "• 2 not helpful, 0 helpful · WP · *ICE*:\n"
        "> Nothing:"
    )
    assert render_feedback(report, DISCORD, max_chars=125) == (
        "Quotes readers voted on, the least helpful first:\n"
        "• **2 not helpful, 0 helpful** · WP · *Amazon:*\n"
        "> It said:\n"
        "… and 1 more"
    )
