"""`newsbot ask --context`: each quote between the sentences before and after it in its stored article, as the
Discord Context button shows it (the same service call and renderer), in text and JSON, per server."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.config import load_settings
from bot.core.models import ArticleIn
from bot.present.context import render_contexts
from bot.present.notices import render_batch_answer
from bot.present.render import PLAIN
from bot.service import NewsService
from tests.discord_app.test_discord_context import LETTER, OFFICIAL, PITCHED

QUESTION = "What did Amazon pitch to ICE?"
POST = (
    "— Washington Post, 23 Oct 2018 (also in LA Times) · Amazon met with ICE officials over facial-recognition system that could "
    "identify immigrants"
)
IN_CONTEXT = (
    f"(the article starts here)\n> {PITCHED}\n{OFFICIAL}\n{POST}\n\n"  # the first quote opens the article
    f"{PITCHED}\n> {OFFICIAL}\n{LETTER}\n{POST}\n"
)
A = 111111111111111111
LIGHTHOUSE = ArticleIn(
    title="Quillport lighthouse votes",
    source="Harbour Gazette",
    date="2020-05-01",
    url="https://gazette.example/quillport",
    body="The harbour board met on Monday. The lighthouse keeper Zorbin voted against the new lamp. The lamp was "
    "installed anyway.",
)


def test_ask_context_shows_each_quote_between_its_neighbours(clean_env: Path) -> None:
    result = CliRunner().invoke(cli, ["ask", QUESTION, "--context"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, IN_CONTEXT, "")


def test_the_context_attributes_each_quote_as_the_answer_does(clean_env: Path) -> None:
    """The shipped story: the Washington Post's, reprinted by the LA Times; the answer and its context say so."""
    runner = CliRunner()

    def attributions(text: str) -> list[str]:
        return [line for line in text.split("\n") if line.startswith("— ")]

    answer = runner.invoke(cli, ["ask", QUESTION]).stdout
    assert attributions(runner.invoke(cli, ["ask", QUESTION, "--context"]).stdout) == attributions(answer)
    assert attributions(answer) == [POST, POST]


def test_ask_context_json_gives_each_quote_its_sentence_before_and_after(clean_env: Path) -> None:
    plain = json.loads(CliRunner().invoke(cli, ["ask", QUESTION, "--json"]).stdout)
    data = json.loads(CliRunner().invoke(cli, ["ask", QUESTION, "--json", "--context"]).stdout)
    assert [(q["text"], q["before"], q["after"]) for q in data["quotes"]] == [
        (PITCHED, None, OFFICIAL),
        (OFFICIAL, PITCHED, LETTER),
    ]
    for quote in data["quotes"]:  # the rest of the shape is ask --json's
        del quote["before"], quote["after"]
    assert data == plain


def test_the_context_is_the_one_the_discord_button_shows(service: NewsService) -> None:
    answer = service.ask(QUESTION)
    answer_id = service.record_answer(answer)  # what Discord keeps when it sends the answer with its buttons
    assert answer_id is not None
    assert service.answer_contexts(answer) == service.quote_contexts(answer_id)
    assert "\n".join(render_contexts(service.answer_contexts(answer), PLAIN)) + "\n" == IN_CONTEXT


def test_ask_context_of_a_question_without_quotes_is_the_plain_answer(clean_env: Path) -> None:
    runner = CliRunner()
    for question in ("Who won the 2022 World Cup?", "When did Amazon ban police use of its face recognition?"):
        assert runner.invoke(cli, ["ask", question, "--context"]).stdout == runner.invoke(cli, ["ask", question]).stdout
    assert runner.invoke(cli, ["gaps"]).stdout.count("2× “Who won the 2022 World Cup?”") == 1  # kept as before


def test_ask_context_reads_the_servers_own_coverage(clean_env: Path) -> None:
    service = NewsService.open(load_settings())
    try:
        service.record_servers([(A, "Alpha")])
        service.add(LIGHTHOUSE, actor="discord:1 (alice)", server=A)
        service.wait_for_gap_checks()
    finally:
        service.close()
    question = "How did the lighthouse keeper Zorbin vote?"
    result = CliRunner().invoke(cli, ["ask", question, "--context", "--server", str(A)])
    assert result.stdout == (
        "The harbour board met on Monday.\n"
        "> The lighthouse keeper Zorbin voted against the new lamp.\n"
        "The lamp was installed anyway.\n"
        "— Harbour Gazette, 1 May 2020 · Quillport lighthouse votes <https://gazette.example/quillport>\n"
    )
    assert CliRunner().invoke(cli, ["ask", question, "--context"]).stdout.startswith("The coverage doesn't say.")


def test_ask_batch_context(clean_env: Path) -> None:
    batch = clean_env.parent / "questions.txt"
    batch.write_text(f"{QUESTION}\n", encoding="utf-8")
    text = CliRunner().invoke(cli, ["ask", "--batch", str(batch), "--context"]).stdout
    assert text == render_batch_answer(QUESTION, IN_CONTEXT.rstrip("\n")) + "\n"
    [line] = CliRunner().invoke(cli, ["ask", "--batch", str(batch), "--context", "--json"]).stdout.splitlines()
    assert [(q["before"], q["after"]) for q in json.loads(line)["quotes"]] == [(None, OFFICIAL), (PITCHED, LETTER)]
