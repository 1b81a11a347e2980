"""The semantic reader's costs: embedding speed, a question's latency, and a whole answer at 100k and 1M sentences.

1. Embedding: real texts as they are embedded ("headline: description" of HuffPost items, and the shipped story's
   "headline: sentence"), with the numpy all-MiniLM-L6-v2 of bot/search/minilm.py, batched by length.
2. A question: the evaluation set's questions (benchmarks/eval/questions.jsonl), each embedded alone.
3. A whole answer at N sentences: an index of N synthetic sentences (bot/ops/bench_service.py's articles, 10
   sentences each) and a vector cache holding a vector for each of its texts (random unit vectors: embedding a
   million sentences would take hours, and a lookup costs the same whatever the vector). Per question: the BM25
   answer (answer_question) and, separately, the reader over the sentences of that question's top 300 BM25
   hits (embed the question, hash the candidates' texts, look their vectors up, cosines), p50 / p95 / max.
   Memory: the cache file's size, and the process's resident memory before and after the lookups.

Run from the repository root, with the semantic extra installed:
    python benchmarks/reader.py [--sizes 100000,1000000] [--questions 200] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.models import Article  # noqa: E402
from bot.core.text import tokenize  # noqa: E402
from bot.ops.bench_corpora import VOCABULARY, pseudo_words  # noqa: E402
from bot.ops.bench_service import synthetic_articles  # noqa: E402
from bot.search.answers import answer_question  # noqa: E402
from bot.search.index import CoverageIndex  # noqa: E402
from bot.search.minilm import DIMENSIONS, MODEL_NAME, MiniLMEncoder, find_model  # noqa: E402
from bot.search.semantic import EmbeddingReader, article_texts  # noqa: E402
from bot.storage.vectors import VectorCache, text_key  # noqa: E402

HUFFPOST = ROOT / "benchmarks" / "eval" / "huffpost.jsonl"
QUESTIONS = ROOT / "benchmarks" / "eval" / "questions.jsonl"
CANDIDATES = 300


def ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered) * 1000, 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 2),
        "max": round(ordered[-1] * 1000, 2),
    }


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def embedding_speed(encoder: MiniLMEncoder, count: int) -> dict[str, Any]:
    rows = [json.loads(line) for line in itertools.islice(HUFFPOST.open(encoding="utf-8"), count * 2)]
    texts = [f"{r['headline']}: {r['short_description']}" for r in rows if r.get("short_description")][:count]
    tokens = [len(e.ids) for e in encoder._tokenizer.encode_batch(texts)]
    started = time.perf_counter()
    encoder.encode(texts)
    seconds = time.perf_counter() - started
    mean_tokens = round(float(np.mean(tokens)), 1)
    return {"texts": len(texts), "mean_tokens": mean_tokens, "texts_per_s": round(len(texts) / seconds, 1)}


def question_latency(encoder: MiniLMEncoder, count: int) -> dict[str, Any]:
    questions = [json.loads(line)["question"] for line in QUESTIONS.open(encoding="utf-8")][:count]
    times = []
    for question in questions:
        started = time.perf_counter()
        encoder.encode([question])
        times.append(time.perf_counter() - started)
    return {"questions": len(questions), **ms(times)}


def whole_answer(encoder: MiniLMEncoder, sentences: int, questions: int, say: Any) -> dict[str, Any]:
    articles = sentences // 10
    with tempfile.TemporaryDirectory(prefix="newsbot-reader-bench-") as tmp:
        say(f"{sentences:,} sentences: building the index")
        index = CoverageIndex()
        batch: list[Article] = []
        stored: list[Article] = []
        for i, item in enumerate(synthetic_articles(articles, 10, seed=1)):
            article = Article.model_validate({**item.model_dump(), "id": f"a{i}", "added_at": "x", "added_by": "bench"})
            batch.append(article)
            if len(batch) == 5000:
                index.add_articles(batch)
                stored.extend(batch)
                batch = []
        index.add_articles(batch)
        stored.extend(batch)
        say(f"{sentences:,} sentences: filling the vector cache")
        cache = VectorCache(Path(tmp) / "v.sqlite3", model=MODEL_NAME, dimensions=DIMENSIONS)
        rng = np.random.default_rng(0)
        started = time.perf_counter()
        for first in range(0, len(stored), 5000):
            keys = [text_key(t) for a in stored[first : first + 5000] for t in article_texts(a)]
            vectors = rng.standard_normal((len(keys), DIMENSIONS)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            cache.put_many(zip(keys, vectors, strict=True))
        fill_s = time.perf_counter() - started
        del stored, batch
        reader = EmbeddingReader(lambda: encoder, cache, name=MODEL_NAME)
        reader.load()
        words = pseudo_words(VOCABULARY)
        qrng = np.random.default_rng(7)
        texts = [" ".join(words[int(r)] for r in qrng.integers(0, 2000, size=4)) for _ in range(questions)]
        say(f"{sentences:,} sentences: {questions} questions")
        answer_question(index, "what did amazon pitch to ice")  # warm up (compiles BM25's loops)
        reader.similarities("warm up", [h.passage for h in index.search(tokenize(texts[0]), "sentence", 10)])
        rss_before = rss_mb()
        bm25_t, reader_t, total_t, scored = [], [], [], []
        for text in texts:
            question = f"what did {text}?"
            started = time.perf_counter()
            answer_question(index, question)
            bm25 = time.perf_counter() - started
            hits = index.search(tokenize(question), "sentence", CANDIDATES)
            started = time.perf_counter()
            scores = reader.similarities(question, [h.passage for h in hits])
            read = time.perf_counter() - started
            scored.append(sum(s is not None for s in scores) / max(len(scores), 1))
            bm25_t.append(bm25)
            reader_t.append(read)
            total_t.append(bm25 + read)
        rss_after = rss_mb()
        result = {
            "sentences": index.size("sentence"),
            "headlines": index.size("headline"),
            "vectors": len(cache),
            "cache_file_mb": round((Path(tmp) / "v.sqlite3").stat().st_size / 1e6, 1),
            "cache_fill_s": round(fill_s, 1),
            "candidates": CANDIDATES,
            "scored_share": round(float(np.mean(scored)), 3),
            "bm25_answer_ms": ms(bm25_t),
            "reader_ms": ms(reader_t),
            "answer_with_reader_ms": ms(total_t),
            "rss_mb_before_lookups": round(rss_before, 1),
            "rss_mb_after_lookups": round(rss_after, 1),
        }
        cache.close()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="Sentence counts for the whole-answer runs.")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--texts", type=int, default=512, help="Texts for the embedding speed.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    def say(message: str) -> None:
        print(f"... {message}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    encoder = MiniLMEncoder(find_model())
    load_s = time.perf_counter() - started
    result: dict[str, Any] = {
        "load_average": os.getloadavg(),
        "model_load_s": round(load_s, 2),
        "embedding": embedding_speed(encoder, args.texts),
        "question_ms": question_latency(encoder, args.questions),
        "answers": [whole_answer(encoder, int(n), args.questions, say) for n in args.sizes.split(",") if n.strip()],
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000, 1),
    }
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
