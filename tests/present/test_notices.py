"""Error replies and the preview's headline: what came from outside is escaped, a command's code span is kept."""

from __future__ import annotations

from bot.core.models import ArticleIn
from bot.present.listings import render_preview_title
from bot.present.notices import render_error_reply, render_nothing_added
from bot.present.style import DISCORD
from tests.markdown_check import constructs


def test_an_error_reply_escapes_what_it_quotes_and_keeps_a_commands_code_span() -> None:
    message = "no article has the id '**x** <@123> [a](https://evil.example)' (see `newsbot list`)"
    assert render_error_reply(message, DISCORD) == (
        "no article has the id '\\*\\*x\\*\\* \\<\\@123\\> \\[a\\]\\(https\\://evil.example\\)' \\(see `newsbot list`\\)"
    )


def test_backticks_that_name_no_command_are_text() -> None:
    assert render_error_reply("bad value `rm -rf /` and `/timeline`", DISCORD) == (
        "bad value \\`rm \\-rf /\\` and `/timeline`"
    )
    assert render_error_reply("no feed at <@&1>", DISCORD, capitalize=True) == "No feed at \\<\\@&1\\>"


def test_a_refused_addition_escapes_its_reason() -> None:
    assert (
        render_nothing_added("file **x**.md: no title", DISCORD) == "Nothing was added: file \\*\\*x\\*\\*.md: no title"
    )


def test_the_preview_title_is_escaped_then_cut() -> None:
    article = ArticleIn(title="**Big** <@1> news " + "word " * 60, source="Wire", body="")
    title = render_preview_title(article, DISCORD, max_chars=256)
    assert len(title) == 256 and title.startswith("\\*\\*Big\\*\\* \\<\\@1\\> news word") and title.endswith("…")
    assert constructs(title) == []
