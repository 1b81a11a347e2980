"""The evaluation store, built once for the test modules that read real coverage through the whole service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.intake.bulk import read_import
from bot.service import NewsService

EVAL = Path(__file__).resolve().parents[2] / "benchmarks" / "eval"


@pytest.fixture(scope="session")
def news(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsService]:
    """Every Lee article and HuffPost item of benchmarks/eval (repeated texts skipped), so that the question words'
    rarity and the coverage's capitals are those of real coverage. Read only: no test may change it."""
    root = tmp_path_factory.mktemp("eval-store")
    (root / "corpus" / "articles").mkdir(parents=True)
    service = NewsService.open(load_settings(data_dir=root / "data", corpus_dir=root / "corpus", reader="off"))
    for path, kind in ((EVAL / "lee.jsonl", "newsbot"), (EVAL / "huffpost.jsonl", "huffpost")):
        items, errors = read_import(path, kind)  # type: ignore[arg-type]
        service.add_many(service.plan_import(items, errors).to_add, actor="test")
    yield service
    service.close()
