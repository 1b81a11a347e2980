"""Check the evaluation question set against its corpora (no newsbot code is used).

    python benchmarks/eval/check_set.py [questions.jsonl]
    python benchmarks/eval/check_set.py benchmarks/eval/questions-full.jsonl    # the Lee part
    python benchmarks/eval/check_set.py benchmarks/eval/questions-fresh.jsonl   # the fresh held-out set
    python benchmarks/eval/check_set.py benchmarks/eval/questions-fresh2.jsonl  # the second fresh held-out set
    python benchmarks/eval/check_set.py --all                                   # every questions*.jsonl here

For every line: the fields and kind are valid, the id is unique, an answerable question has at least one answer span
and a near_miss or off_topic has none, the named source exists (a file in corpus/articles/ or a HuffPost link in
huffpost.jsonl, or "lee_background.cor line N" / "lee.cor line N" in lee.jsonl), and every answer span occurs letter for letter (case-sensitive) in the text of the source or of one
of its other_sources: for the shipped story the body after the front matter, for HuffPost the headline or the
short_description, for the Lee corpus the article's body. Prints the problems, then the counts per kind and per corpus; exits 1 if any line fails.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARTICLES = HERE.parent.parent / "corpus" / "articles"
ANSWERABLE = {"who", "when", "how_many", "why", "what"}
KINDS = ANSWERABLE | {"near_miss", "off_topic"}
FIELDS = {"id", "question", "kind", "answers", "source", "note", "other_sources"}


def story_texts() -> dict[str, str]:
    texts = {}
    for path in sorted(ARTICLES.glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        _, _front, body = raw.split("---\n", 2)
        texts[path.name] = body.strip()
    return texts


def huffpost_texts() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    with (HERE / "huffpost.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            texts.setdefault(row["link"], []).extend([row["headline"], row["short_description"]])
    return texts


def lee_texts() -> dict[str, str]:
    """lee.jsonl's bodies by source name: "lee_background.cor line 7" for id lee-background-007, "lee.cor line 9"
    for lee-cor-009 (make_lee.py numbers the ids by corpus line)."""
    texts = {}
    with (HERE / "lee.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            prefix, number = row["id"].rsplit("-", 1)
            name = {"lee-background": "lee_background.cor", "lee-cor": "lee.cor"}[prefix]
            texts[f"{name} line {int(number)}"] = row["body"]
    return texts


def main(path: Path) -> int:
    story, huffpost, lee = story_texts(), huffpost_texts(), lee_texts()
    problems: list[str] = []
    seen: set[str] = set()
    by_kind: collections.Counter[str] = collections.Counter()
    by_corpus: collections.Counter[tuple[str, str]] = collections.Counter()
    typed = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        where = f"{path.name}:{number} {item.get('id')}"
        missing = {"id", "question", "kind", "answers", "source"} - item.keys()
        if missing or item.keys() - FIELDS:
            problems.append(f"{where}: missing {sorted(missing)}, unknown {sorted(item.keys() - FIELDS)}")
            continue
        if item["id"] in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(item["id"])
        kind, answers = item["kind"], item["answers"]
        if kind not in KINDS:
            problems.append(f"{where}: kind {kind!r} is not one of {sorted(KINDS)}")
            continue
        by_kind[kind] += 1
        if kind in ANSWERABLE and not answers:
            problems.append(f"{where}: an answerable question needs answer spans")
        if kind not in ANSWERABLE and answers:
            problems.append(f"{where}: a {kind} question has no answers")
        if kind == "near_miss" and not item.get("note"):
            problems.append(f"{where}: a near_miss needs a note saying what was changed")
        sources = [item["source"], *item.get("other_sources", [])]
        if kind == "off_topic":
            by_corpus[("none", kind)] += 1
            if item["source"] is not None:
                problems.append(f"{where}: an off_topic question has no source")
            continue
        texts: list[str] = []
        corpus = "story" if item["source"] in story else "lee" if item["source"] in lee else "huffpost"
        by_corpus[(corpus, kind)] += 1
        for source in sources:
            if source in story:
                texts.append(story[source])
            elif source in huffpost:
                texts.extend(huffpost[source])
            elif source in lee:
                texts.append(lee[source])
            else:
                problems.append(f"{where}: source {source!r} is not a corpus file, a HuffPost link or a Lee line")
        if item["question"] != item["question"].strip() or not item["question"]:
            problems.append(f"{where}: empty or padded question")
        for span in answers:
            if not any(span in text for text in texts):
                problems.append(f"{where}: answer {span!r} is not verbatim in {sources}")
        for source in sources[1:]:
            source_texts = (
                story.get(source) and [story[source]] or lee.get(source) and [lee[source]] or huffpost.get(source, [])
            )
            if not any(span in text for span in answers for text in source_texts):
                problems.append(f"{where}: other source {source!r} holds none of the answer spans")
        if item["question"] == item["question"].lower():
            typed += 1
    for problem in problems:
        print(problem)
    total = sum(by_kind.values())
    print(f"\n{total} questions, {len(problems)} problems, {typed} typed all in lower case")
    print("kind        " + "  ".join(f"{c:>8}" for c in ("story", "huffpost", "lee", "none", "all")))
    for kind in ["who", "when", "how_many", "why", "what", "near_miss", "off_topic"]:
        cells = [by_corpus[(c, kind)] for c in ("story", "huffpost", "lee", "none")]
        print(f"{kind:<12}" + "  ".join(f"{n:>8}" for n in [*cells, sum(cells)]))
    answerable = sum(by_kind[k] for k in ANSWERABLE)
    print(f"answerable {answerable}, to refuse {by_kind['near_miss'] + by_kind['off_topic']}")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--all"]:
        results = [main(path) for path in sorted(HERE.glob("questions*.jsonl"))]
        sys.exit(max(results))
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "questions.jsonl"))
