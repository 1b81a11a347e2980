"""The Context button's messages (and `newsbot ask --context`): both styles, and Discord's 2,000 characters whatever
the sentences."""

from __future__ import annotations

from bot.core.models import Answer, Attribution, Headline, Quote
from bot.core.quoting import QuoteContext
from bot.present.context import render_answer_in_context, render_contexts
from bot.present.render import DISCORD, PLAIN, render_answer

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


def test_an_answer_in_context_keeps_its_related_coverage_and_one_without_quotes_is_shown_as_it_is() -> None:
    quote = Quote(text="He cited @everyone.", **ARTICLE.model_dump())
    headline = Headline(article_id="b", title="Council *meets*", source="Herald", date="2020-02-03", url=None)
    answer = Answer(question="Why did the mayor quit?", answered=True, quotes=[quote], headlines=[headline])
    context = QuoteContext(text=quote.text, status="found", article=ARTICLE, before="The mayor resigned.")
    assert render_answer_in_context(answer, [context], PLAIN) == (
        "The mayor resigned.\n> He cited @everyone.\n(the article ends here)\n"
        "— Gazette, Jan 2020 · Mayor *quits* <https://g.example/a>\n\n"
        "Related coverage\n• Council *meets* — Herald, 3 Feb 2020"
    )
    assert render_answer_in_context(answer, [context], DISCORD) == (
        "The mayor resigned.\n> He cited \\@everyone.\n(the article ends here)\n"
        "— **Gazette**, Jan 2020 · [Mayor \\*quits\\*](<https://g.example/a>)\n\n"
        "**Related coverage**\n• *Council \\*meets\\** — Herald, 3 Feb 2020"
    )
    headlines_only = Answer(question="When did the council meet?", answered=True, headlines=[headline])
    refused = Answer(question="Who won the cup?", answered=False)
    for other in (headlines_only, refused):
        assert render_answer_in_context(other, [], PLAIN) == render_answer(other, PLAIN)
    assert (
        render_answer_in_context(headlines_only, [], PLAIN)
        == "Headlines on this\n• Council *meets* — Herald, 3 Feb 2020"
    )
