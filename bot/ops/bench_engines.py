"""The BM25 engines newsbot is compared with, behind one small interface, so each runs on the very same tokens.

Why: users choose between newsbot's index and the engines they could use instead; a comparison is fair only if
every engine gets the same token lists (no engine's own tokenizer, stemmer or stopwords) and the same queries,
in the same process, one after the other. Each contender is an optional install (``pip install
'newsbot[bench]'``); a missing one is reported with its install command instead of failing the run.

- rank-bm25 (``BM25Okapi``): the reference whose scores newsbot equals bit for bit; get_scores + argsort.
- rank-bm25-rs: a Rust port with the same (exact) scores; get_scores + a top-10 partition.
- bm25s, numba backend: precomputed per-posting scores in float32 with Lucene's idf (not rank-bm25's numbers).
- tantivy: a Lucene-like engine in Rust, in RAM, whitespace tokenizer over our tokens, term frequencies only.
- SQLite FTS5: the full-text index of the SQLite newsbot stores articles in, in memory, contentless, ranked
  by its bm25(); tokens are renamed to plain ASCII words so its tokenizer cannot split them differently.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ENGINES", "Engine", "renamed"]

Docs = Sequence[Sequence[str]]


@dataclass(frozen=True)
class Engine:
    """One contender: how to build it over token lists and answer a top-k query (row numbers, best first)."""

    name: str
    package: str | None  # what to pip install; None for what is always there
    exact: bool  # scores equal rank_bm25.BM25Okapi's
    note: str
    build: Callable[[Docs], Any]
    top_k: Callable[[Any, list[str], int], list[int]]
    scores: Callable[[Any, list[str]], Any] | None = None  # dense scores, for the exact engines

    def missing(self) -> str | None:
        """Why this engine cannot run here (with the command that fixes it), or None."""
        if self.name == "sqlite-fts5":
            return None if _fts5_available() else "this Python's SQLite was built without FTS5"
        if self.package is None:
            return None
        import importlib.util

        module = {"rank-bm25-rs": "rank_bm25_rs"}.get(self.package, self.package)
        if importlib.util.find_spec(module) is None:
            return f"{self.package} is not installed: pip install 'newsbot[bench]' (or pip install {self.package})"
        return None


def _dense_top(scores: Any, k: int) -> list[int]:
    """The k best rows of a dense score array (what a caller of a get_scores-only engine has to do)."""
    if len(scores) > k:
        part = np.argpartition(-scores, k - 1)[:k]
        best: list[int] = part[np.argsort(-scores[part], kind="stable")].tolist()
        return best
    order: list[int] = np.argsort(-scores, kind="stable").tolist()
    return order


# --- rank-bm25 and rank-bm25-rs ----------------------------------------------------------------------------


def _rank_build(docs: Docs) -> Any:
    from rank_bm25 import BM25Okapi

    return BM25Okapi([list(d) for d in docs])


def _rank_rs_build(docs: Docs) -> Any:
    import rank_bm25_rs

    return rank_bm25_rs.BM25Okapi([list(d) for d in docs])


def _rank_top(bm: Any, query: list[str], k: int) -> list[int]:
    top: list[int] = np.argsort(bm.get_scores(query))[::-1][:k].tolist()  # what BM25Okapi.get_top_n does
    return top


def _scores_top(bm: Any, query: list[str], k: int) -> list[int]:
    return _dense_top(bm.get_scores(query), k)


# --- bm25s ---------------------------------------------------------------------------------------------------


def _bm25s_build(docs: Docs) -> Any:
    import bm25s

    retriever = bm25s.BM25(backend="numba")  # k1=1.5, b=0.75, Lucene idf, float32 scores
    retriever.index([list(d) for d in docs], show_progress=False)
    return retriever


def _bm25s_top(retriever: Any, query: list[str], k: int) -> list[int]:
    k = min(k, int(retriever.scores["num_docs"]))
    docs, _ = retriever.retrieve([query], k=k, show_progress=False, n_threads=1, backend_selection="numba")
    top: list[int] = docs[0].tolist()
    return top


# --- tantivy ---------------------------------------------------------------------------------------------------


def renamed(docs: Docs) -> tuple[list[str], dict[str, str]]:
    """Each passage as one string of plain ASCII words (``w0``, ``w1``...), one per token, and the renaming.

    Full-text engines tokenize text themselves; renaming every distinct token to a word no tokenizer splits or
    stems keeps their tokens exactly ours.
    """
    names: dict[str, str] = {}

    def name(token: str) -> str:
        found = names.get(token)
        if found is None:
            found = names[token] = f"w{len(names)}"
        return found

    return [" ".join(map(name, doc)) for doc in docs], names


class _Tantivy:
    def __init__(self, docs: Docs) -> None:
        import tantivy

        texts, self.names = renamed(docs)
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("row", stored=True, fast=True)
        builder.add_text_field("body", stored=False, tokenizer_name="whitespace", index_option="freq")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)  # in RAM
        writer = self.index.writer(heap_size=256_000_000, num_threads=1)
        for row, text in enumerate(texts):
            writer.add_document(tantivy.Document(row=row, body=text))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        self.tantivy = tantivy

    def top(self, query: list[str], k: int) -> list[int]:
        tv = self.tantivy
        terms = [self.names[t] for t in query if t in self.names]
        if not terms:
            return []
        q = tv.Query.boolean_query([(tv.Occur.Should, tv.Query.term_query(self.schema, "body", t)) for t in terms])
        hits = self.searcher.search(q, k, count=False).hits
        return [int(self.searcher.doc(address)["row"][0]) for _, address in hits]


# --- SQLite FTS5 -----------------------------------------------------------------------------------------------


class _Fts5:
    def __init__(self, docs: Docs) -> None:
        texts, self.names = renamed(docs)
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE passages USING fts5(body, content='', tokenize='ascii')")
        with self.db:
            self.db.executemany(
                "INSERT INTO passages(rowid, body) VALUES (?, ?)", ((row, text) for row, text in enumerate(texts))
            )
        self.db.execute("INSERT INTO passages(passages) VALUES ('optimize')")

    def top(self, query: list[str], k: int) -> list[int]:
        terms = [self.names[t] for t in query if t in self.names]
        if not terms:
            return []
        match = " OR ".join(terms)
        rows = self.db.execute("SELECT rowid FROM passages WHERE passages MATCH ? ORDER BY rank LIMIT ?", (match, k))
        return [row for (row,) in rows]


def _fts5_available() -> bool:
    try:
        db = sqlite3.connect(":memory:")
        db.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
        db.close()
    except sqlite3.Error:
        return False
    return True


ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (
        Engine(
            "rank-bm25",
            None,
            True,
            "the reference; get_scores + argsort (its get_top_n)",
            _rank_build,
            _rank_top,
            lambda bm, q: bm.get_scores(q),
        ),
        Engine(
            "rank-bm25-rs",
            "rank-bm25-rs",
            True,
            "Rust, exact; get_scores + top-k partition",
            _rank_rs_build,
            _scores_top,
            lambda bm, q: bm.get_scores(q),
        ),
        Engine(
            "bm25s",
            "bm25s",
            False,
            "numba backend; Lucene idf, float32 (inexact)",
            _bm25s_build,
            _bm25s_top,
        ),
        Engine(
            "tantivy",
            "tantivy",
            False,
            "in RAM, one thread; Lucene BM25 (inexact)",
            _Tantivy,
            lambda e, q, k: e.top(q, k),
        ),
        Engine(
            "sqlite-fts5",
            None,
            False,
            "in memory, contentless; FTS5 bm25() (inexact)",
            _Fts5,
            lambda e, q, k: e.top(q, k),
        ),
    )
}
