"""The Context button's messages: both styles, and Discord's 2,000 characters whatever the sentences."""

from __future__ import annotations

from bot.core.models import Attribution
from bot.core.quoting import QuoteContext
from bot.present.context import render_contexts
from bot.present.render import DISCORD, PLAIN

ARTICLE = Attribution(
    article_id="a", title="Mayor *quits*", source="Gazette", date="2020-01", url="https://g.example/a"
)


def test_both_styles_show_the_neighbours_the_quote_and_the_link() -> None:
    context = QuoteContext(text="He cited @everyone.", status="found", article=ARTICLE, before="The mayor resigned.")
    assert render_contexts([context], PLAIN) == [
        "The mayor resigned.\n> He cited @everyone.\n(the article ends here)\n"
        "— Gazette, Jan 2020 · Mayor *quits* <https://g.example/a>"
    ]
    assert render_contexts([context], DISCORD, max_chars=2000) == [
        "The mayor resigned.\n> He cited \\@everyone.\n(the article ends here)\n"
        "— **Gazette**, Jan 2020 · [Mayor \\*quits\\*](<https://g.example/a>)"
    ]


def test_what_does_not_fit_goes_to_the_next_message_and_a_long_one_is_shortened() -> None:
    long = "word " * 600  # 3,000 characters
    contexts = [
        QuoteContext(text="Short quote.", status="found", article=ARTICLE, before=long.strip() + ".", after=long),
        QuoteContext(text="Second quote.", status="found", article=ARTICLE, before="Before.", after="After."),
    ]
    first, second = render_contexts(contexts, DISCORD, max_chars=2000)
    lines = first.split("\n")
    assert len(first) <= 2000 and len(first) > 1900
    assert lines[0].startswith("…word") and lines[0].endswith("word.") and lines[1] == "> Short quote."
    assert lines[2].startswith("word word") and lines[2].endswith("…")
    assert (
        second
        == "Before.\n> Second quote.\nAfter.\n— **Gazette**, Jan 2020 · [Mayor \\*quits\\*](<https://g.example/a>)"
    )
    huge = QuoteContext(text=long.strip(), status="found", article=ARTICLE, before=long, after=long)
    (only,) = render_contexts([huge], DISCORD, max_chars=2000)
    assert len(only) <= 2000 and "> word word" in only and only.split("\n")[-1].startswith("— **Gazette**")
