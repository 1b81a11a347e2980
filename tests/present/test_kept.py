"""The renderer of knowledge gaps: exact text in both styles, outside text escaped, Discord's limits."""

from __future__ import annotations

from bot.core.kept import GapReport, KnowledgeGap
from bot.present.kept import days_ago, render_gaps
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
