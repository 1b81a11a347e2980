"""``newsbot embed``, and the progress bar that ``add`` and ``import`` show while they compute sentence vectors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli.common import data_dir_option, open_service, settings_for
from bot.core.errors import ConfigError, ModelUnavailable
from bot.present.notices import EMBEDDING_STOPPED, render_embedded
from bot.search.embedding import EmbeddingProgress
from bot.search.semantic import NO_READER
from bot.service import NewsService

__all__ = ["embed", "wait_for_vectors"]


def wait_for_vectors(service: NewsService, *, catch_up: bool = False) -> EmbeddingProgress:
    """Compute the vectors of what this command added (or, with ``catch_up``, of everything stored that has none),
    with a progress bar on stderr; nothing without the semantic reader."""
    if service.reader is NO_READER:
        return EmbeddingProgress(0, 0)
    try:
        with click.progressbar(length=1, label="Embedding", file=sys.stderr, show_pos=True) as bar:

            def advance(progress: EmbeddingProgress) -> None:
                bar.length = max(progress.done + progress.waiting, 1)
                bar.update(progress.done - bar.pos)

            if catch_up:
                done = service.embed_missing(advance)
            else:
                done = service.wait_for_vectors(advance)
            bar.length = max(done.done, 1)
            bar.update(done.done - bar.pos)
    except KeyboardInterrupt:  # the articles are stored; only their vectors wait
        click.echo(EMBEDDING_STOPPED, err=True)
        return EmbeddingProgress(0, 0)
    return done


@click.command()
@click.option("--json", "as_json", is_flag=True, help='Print {"model", "embedded", "stored"}.')
@data_dir_option
def embed(as_json: bool, data_dir: Path | None) -> None:
    """Compute the sentence vectors the semantic reader lacks (after installing the semantic extra).

    Only texts without a stored vector are embedded; stopping it loses at most one batch. The bot does the
    same by itself, in the background, when it starts.

    Example:

        newsbot embed
    """
    settings = settings_for(data_dir)
    if settings.reader == "off":
        raise ConfigError("the semantic reader is off (NEWSBOT_READER=off): there is nothing to embed")
    service = open_service(settings.model_copy(update={"reader": "minilm"}))  # a missing extra is an error here
    reader = service.reader
    done = wait_for_vectors(service, catch_up=True)
    failure = service.embedding_failure()
    if failure:
        raise ModelUnavailable(f"the vectors could not be computed: {failure}")
    stored = service.vector_count()
    if as_json:
        click.echo(json.dumps({"model": reader.name, "embedded": done.done, "stored": stored}))
    else:
        click.echo(render_embedded(done.done, reader.name, stored))
