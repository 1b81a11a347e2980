"""``newsbot ask``: a question (or a file of them) answered with verbatim, attributed quotes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from bot.cli.common import data_dir_option, echo_json, scoped_service, server_option
from bot.core.errors import InvalidInput
from bot.core.models import Answer
from bot.present.context import render_answer_in_context
from bot.present.notices import render_batch_answer, render_error
from bot.present.render import PLAIN, render_answer
from bot.service import NewsService

__all__ = ["ask"]


@click.command()
@click.argument("question", required=False)
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="Answer one question per line of FILE.")
@click.option(
    "--context",
    "in_context",
    is_flag=True,
    help="Show each quote between the sentences before and after it in its article (JSON: before, after).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (JSON Lines with --batch).")
@server_option
@data_dir_option
def ask(
    question: str | None, batch: Any, in_context: bool, as_json: bool, server: str | None, data_dir: Path | None
) -> None:
    """Answer QUESTION with verbatim, attributed quotes from the coverage.

    With --context, each quote is shown as Discord's Context button shows it: the sentence before it, the quote,
    the sentence after it (word for word from the stored article; where the article starts or ends, it says so),
    then its article's outlet, date, headline and link. With --json, each quote gets "before" and "after" (null at
    the article's start or end).

    A question the coverage could not answer is kept (its text only) for `newsbot gaps`; the questions of a
    --batch file are not (a test set, not people's questions).

    With --batch --json, every line of FILE gets one line of output: the answer, or {"line", "question", "error"}
    for a line that cannot be asked (a blank one, or one with no word to search for).

    Example:

        newsbot ask "What did Amazon pitch to ICE?" --context
    """
    if (question is None) == (batch is None):
        raise InvalidInput("give either a QUESTION or --batch FILE (one question per line)")
    service, where = scoped_service(data_dir, server)
    if question is not None:
        answer = service.ask(question, server=where)
        if as_json:
            echo_json(_json(service, answer, where, in_context))
        else:
            click.echo(_render(service, answer, where, in_context))
        service.record_gap(answer, server=where)  # a question the coverage could not answer: see `newsbot gaps`
        return
    failed = 0
    for number, line in enumerate(batch, start=1):
        if not line.strip():
            if as_json:  # one output line for every input line, so the two files stay aligned
                click.echo(json.dumps({"line": number, "question": "", "error": "the line holds no question"}))
            continue
        try:
            answer = service.ask(line, server=where)
        except InvalidInput as exc:
            failed += 1
            click.echo(render_error(exc, where=f"{getattr(batch, 'name', '-')}:{number}"), err=True)
            if as_json:
                error = {"line": number, "question": line.strip(), "error": str(exc)}
                click.echo(json.dumps(error, ensure_ascii=False))
            continue
        if as_json:
            click.echo(json.dumps(_json(service, answer, where, in_context), ensure_ascii=False))
        else:
            click.echo(render_batch_answer(answer.question, _render(service, answer, where, in_context)))
    if failed:
        sys.exit(2)


def _render(service: NewsService, answer: Answer, server: int | None, in_context: bool) -> str:
    if answer.answered:
        if in_context:
            return render_answer_in_context(answer, service.answer_contexts(answer, server=server), PLAIN)
        return render_answer(answer)
    outlets = [name for name, _ in service.outlets(server=server)]
    return render_answer(answer, stats=service.stats(server=server), outlets=outlets)


def _json(service: NewsService, answer: Answer, server: int | None, in_context: bool) -> dict[str, Any]:
    """``ask --json``'s shape; with --context, each quote's sentence before and after it (null at the article's
    start or end, or when the article no longer holds the quote)."""
    data = answer.model_dump(mode="json")
    if in_context:
        for quote, context in zip(data["quotes"], service.answer_contexts(answer, server=server), strict=True):
            quote["before"], quote["after"] = context.before, context.after
    return data
