"""``newsbot eval FILE``: how well the answers answer, on a question set, next to a plain baseline.

A thin click command over :mod:`bot.ops.evaluate`, added to the command line by ``cli.add_command(eval_command)``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from bot.cli.common import data_dir_option, echo_json, open_service, settings_for
from bot.cli.embed import wait_for_vectors

__all__ = ["eval_command"]


@click.command(name="eval")
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--corpus", "corpora", multiple=True, metavar="SPEC",
    help="Build a temporary store from SPEC instead of using --data-dir: 'shipped' (the shipped corpus), a newsbot "
    ".jsonl file or corpus directory, or 'huffpost:FILE'. Repeat to combine.",
)  # fmt: skip
@click.option(
    "--vectors",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="With --corpus and the semantic reader: keep its vector cache in DIR between runs, so that the corpora's "
    "sentences are embedded once (the first run waits for them, with a progress bar).",
)
@click.option("--baseline/--no-baseline", default=True, show_default=True, help="Run the rank-bm25 baseline too.")
@click.option("--halves", is_flag=True, help="Also count the even-id (development) and odd-id (held-out) halves.")
@click.option("--json", "as_json", is_flag=True, help="Print every count and every question's quotes as JSON.")
@data_dir_option
def eval_command(
    files: tuple[Path, ...],
    corpora: tuple[str, ...],
    vectors: Path | None,
    baseline: bool,
    halves: bool,
    as_json: bool,
    data_dir: Path | None,
) -> None:
    """Answer every question of each FILE (JSON Lines: id, question, kind, answers) and count, per kind, how
    often one of the first 3 quotes holds an answer, the first quote does, and the question is refused.

    Example (the repository's sets, reproducible from a clean clone):

    \b
        newsbot eval benchmarks/eval/questions.jsonl benchmarks/eval/questions-full.jsonl \\
          --corpus shipped --corpus huffpost:benchmarks/eval/huffpost.jsonl --corpus benchmarks/eval/lee.jsonl
    """
    from bot.core.errors import InvalidInput
    from bot.ops.evaluate import build_store, format_report, load_questions, run_eval

    if vectors is not None and not corpora:
        raise InvalidInput("--vectors goes with --corpus (a data directory keeps its own vectors)")
    questions = load_questions(files)
    with tempfile.TemporaryDirectory(prefix="newsbot-eval-") as tmp:
        service = build_store(Path(tmp), corpora, vectors=vectors) if corpora else open_service(settings_for(data_dir))
        try:
            wait_for_vectors(service, catch_up=True)  # the reader judges every sentence, or none is measured
            with click.progressbar(length=len(questions), label="Answering", file=sys.stderr) as bar:
                report = run_eval(service, questions, baseline=baseline, on_question=lambda _: bar.update(1))
        finally:
            if corpora:
                service.close()  # before its temporary directory goes
    if as_json:
        echo_json(report.as_json())
    else:
        click.echo(format_report(report, halves=halves))
