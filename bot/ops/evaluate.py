"""``newsbot eval``: run a question set through the answerer and a plain rank-bm25 baseline, side by side.

Why it exists: answer quality can only be argued from a fixed set of questions, judged before any tuning, and
counted the same way every time. A question set is JSON Lines, one question a line::

    {"id": "hp-042", "question": "how much did the webb telescope cost", "kind": "how_many",
     "answers": ["$10 billion"], ...}

``kind`` is one of :data:`ANSWERABLE_KINDS` (the question is answered when a quote holds one of ``answers``,
compared case-insensitively) or :data:`REFUSAL_KINDS` (``answers`` is ``[]`` and the right answer is "the
coverage doesn't say"). Other fields (``source``, ``note``) are kept for people and ignored here.

For each kind it counts *found* (one of the first three quotes holds an answer), *first* (the first quote does)
and *refused* (the answer is ``answered: false``). The same counts are made for :class:`Baseline`, a plain
rank-bm25 ranking of sentences with the coverage floor a first attempt would use, in the same run on the same
store, so that a figure is never compared with one measured elsewhere. Every quote is also checked against its
stored article: it must stand letter for letter in the article's text and carry that article's attribution.

The store is either an existing data directory or one built for the run in a temporary directory from
*corpus specs* (:func:`build_store`): ``shipped`` (the shipped corpus), ``PATH`` (a newsbot JSON Lines file or
corpus directory) or ``huffpost:PATH`` (the News Category Dataset), so a run is reproducible from a clean clone.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rank_bm25 import BM25Okapi

from bot.core.config import load_settings
from bot.core.errors import InvalidInput
from bot.core.models import Answer
from bot.core.text import sentence_spans, tokenize
from bot.service import NewsService, shipped_corpus_dir

__all__ = [
    "ANSWERABLE_KINDS",
    "KINDS",
    "REFUSAL_KINDS",
    "Baseline",
    "EvalQuestion",
    "EvalReport",
    "build_store",
    "format_report",
    "load_questions",
    "run_eval",
]

ANSWERABLE_KINDS = ("who", "when", "how_many", "why", "what")
REFUSAL_KINDS = ("near_miss", "off_topic")
KINDS = ANSWERABLE_KINDS + REFUSAL_KINDS
TOP = 3  # "found" looks at this many quotes
BASELINE_FLOOR = 0.5  # the baseline's coverage floor: share of the question's distinct terms a sentence holds
MAX_QUESTIONS = 100_000


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    id: str
    question: str
    kind: str
    answers: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return self.kind in ANSWERABLE_KINDS

    @property
    def half(self) -> str | None:
        """``"even"`` (the development half) or ``"odd"`` (held out), by the number the id ends with."""
        match = re.search(r"(\d+)$", self.id)
        if match is None:
            return None
        return "even" if int(match.group(1)) % 2 == 0 else "odd"


def load_questions(paths: Sequence[Path]) -> list[EvalQuestion]:
    """Read and check question sets (ids unique across them); :class:`InvalidInput` names the file, line and
    field of the first problem."""
    questions: list[EvalQuestion] = []
    seen: dict[str, str] = {}
    for path in paths:
        questions += _load(path, seen)
    return questions


def _load(path: Path, seen: dict[str, str]) -> list[EvalQuestion]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read it: {exc}") from None
    questions: list[EvalQuestion] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{where}: malformed JSON ({exc.msg}, column {exc.colno})") from None
        if not isinstance(raw, dict):
            raise InvalidInput(f"{where}: expected a question object, got {type(raw).__name__}")
        question = _question(raw, where)
        if question.id in seen:
            raise InvalidInput(f"{where}: field 'id': {question.id!r} is already used at {seen[question.id]}")
        seen[question.id] = where
        questions.append(question)
        if len(questions) > MAX_QUESTIONS:
            raise InvalidInput(f"{path}: more than {MAX_QUESTIONS:,} questions")
    if not questions:
        raise InvalidInput(f"{path}: the file holds no question")
    return questions


def _question(raw: dict[str, Any], where: str) -> EvalQuestion:
    for name in ("id", "question", "kind"):
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"{where}: field {name!r}: must be a non-empty string")
    kind = raw["kind"]
    if kind not in KINDS:
        raise InvalidInput(f"{where}: field 'kind': {kind!r} is not one of {', '.join(KINDS)}")
    answers = raw.get("answers")
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        raise InvalidInput(f"{where}: field 'answers': must be a list of non-empty strings")
    if kind in ANSWERABLE_KINDS and not answers:
        raise InvalidInput(f"{where}: field 'answers': a {kind!r} question needs at least one answer string")
    if kind in REFUSAL_KINDS and answers:
        raise InvalidInput(f"{where}: field 'answers': a {kind!r} question must be refused, so its answers are []")
    return EvalQuestion(raw["id"].strip(), raw["question"], kind, tuple(answers))


# --- the store ------------------------------------------------------------------------------------------------


def build_store(data_dir: Path, specs: Sequence[str], *, vectors: Path | None = None) -> NewsService:
    """A new store in ``data_dir`` holding the corpora named by ``specs`` (see the module docstring).

    ``vectors``: a directory that keeps the semantic reader's vector cache between runs (its vectors are keyed
    by the text they embed, so a run over the same corpora embeds nothing again); without it, the cache lives
    and dies with the temporary store."""
    from bot.intake.bulk import read_import

    shipped = "shipped" in specs
    empty = data_dir / "no-corpus" / "articles"
    empty.mkdir(parents=True, exist_ok=True)
    if vectors is not None:
        try:
            vectors.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(f"--vectors {vectors}: cannot create it: {exc.strerror}") from None
        (data_dir / "data").mkdir(parents=True, exist_ok=True)
        (data_dir / "data" / "vectors").symlink_to(vectors.resolve(), target_is_directory=True)
    corpus = shipped_corpus_dir() if shipped else empty.parent
    service = NewsService.open(load_settings(data_dir=data_dir / "data", corpus_dir=corpus))
    try:
        for spec in specs:
            if spec == "shipped":
                continue
            fmt, _, name = spec.partition(":") if spec.startswith("huffpost:") else ("newsbot", "", spec)
            path = Path(name)
            if not path.exists():
                raise InvalidInput(f"--corpus {spec}: {path}: no such file or directory")
            items, errors = read_import(path, fmt)  # type: ignore[arg-type]
            plan = service.plan_import(items, errors)
            if plan.errors:
                more = f" (and {len(plan.errors) - 1} more)" if len(plan.errors) > 1 else ""
                raise InvalidInput(f"--corpus {spec}: {plan.errors[0]}{more}")
            if plan.to_add:
                service.add_many(plan.to_add, actor="eval", action="import")
    except BaseException:
        service.close()
        raise
    return service


# --- the baseline ---------------------------------------------------------------------------------------------


class Baseline:
    """What a first attempt looks like: rank-bm25's ``BM25Okapi`` over every body sentence (newsbot's tokenizer:
    stemming, stopwords), the three best sentences that hold at least half of the question's distinct terms;
    "the coverage doesn't say" when none does."""

    name = "rank-bm25 baseline"

    def __init__(self, texts: Iterable[str]) -> None:
        self.sentences = [body[a:b] for body in texts for a, b in sentence_spans(body)]
        self._terms = [tokenize(s) for s in self.sentences]
        self._sets = [set(t) for t in self._terms]
        self._bm25 = BM25Okapi(self._terms) if self._terms else None

    def answer(self, question: str) -> tuple[bool, list[str]]:
        wanted = set(tokenize(question))
        if not wanted or self._bm25 is None:
            return False, []
        scores = self._bm25.get_scores(list(wanted))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        quotes: list[str] = []
        for i in order:
            if scores[i] <= 0 or len(quotes) == TOP:
                break
            if len(wanted & self._sets[i]) / len(wanted) >= BASELINE_FLOOR:
                quotes.append(self.sentences[i])
        return bool(quotes), quotes


# --- running and counting -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    answered: bool
    quotes: list[str]
    found: bool = False  # one of the first TOP quotes holds an answer
    first: bool = False  # the first quote does
    error: str | None = None  # the question was rejected (InvalidQuestion)

    def judge(self, question: EvalQuestion) -> Outcome:
        spans = [a.casefold() for a in question.answers]
        holds = [any(s in q.casefold() for s in spans) for q in self.quotes[:TOP]]
        self.found = any(holds)
        self.first = bool(holds) and holds[0]
        return self

    def as_json(self) -> dict[str, Any]:
        return {"answered": self.answered, "quotes": self.quotes, "found": self.found, "first": self.first,
                "error": self.error}  # fmt: skip


@dataclass
class EvalReport:
    questions: list[EvalQuestion]
    newsbot: list[Outcome]
    baseline: list[Outcome] | None
    articles: int
    sentences: int
    not_verbatim: list[str] = field(default_factory=list)  # "id: quote" of every quote not in its article
    misattributed: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)  # wall clock, one whole answer
    cpu_ms: list[float] = field(default_factory=list)  # CPU time of this process for it (the machine is shared)
    reader: str = "none"

    def counts(self, which: str, half: str | None = None) -> dict[str, dict[str, int]]:
        """Per kind (and ``answerable``, ``refuse``, ``all``): n, found, first, refused."""
        outcomes = self.newsbot if which == "newsbot" else self.baseline
        assert outcomes is not None
        table: dict[str, dict[str, int]] = {}
        for question, outcome in zip(self.questions, outcomes, strict=True):
            if half is not None and question.half != half:
                continue
            group = "answerable" if question.answerable else "refuse"
            for key in (question.kind, group, "all"):
                row = table.setdefault(key, {"n": 0, "found": 0, "first": 0, "refused": 0})
                row["n"] += 1
                row["found"] += outcome.found
                row["first"] += outcome.first
                row["refused"] += not outcome.answered
        return table

    def as_json(self) -> dict[str, Any]:
        halves = [None, "even", "odd"]
        summary = {
            name or "all": {
                "newsbot": self.counts("newsbot", name),
                **({"baseline": self.counts("baseline", name)} if self.baseline is not None else {}),
            }
            for name in halves
        }
        return {
            "questions": len(self.questions),
            "articles": self.articles,
            "sentences": self.sentences,
            "summary": summary,
            "not_verbatim": self.not_verbatim,
            "misattributed": self.misattributed,
            "latency_ms": _percentiles(self.latencies_ms),
            "cpu_ms": _percentiles(self.cpu_ms),
            "reader": self.reader,
            "results": [
                {
                    "id": q.id,
                    "kind": q.kind,
                    "question": q.question,
                    "newsbot": n.as_json(),
                    **({"baseline": self.baseline[i].as_json()} if self.baseline is not None else {}),
                }
                for i, (q, n) in enumerate(zip(self.questions, self.newsbot, strict=True))
            ],
        }


def run_eval(
    service: NewsService,
    questions: Sequence[EvalQuestion],
    *,
    baseline: bool = True,
    on_question: Callable[[int], None] | None = None,
) -> EvalReport:
    """Answer every question with ``service`` (and the baseline), judge the quotes, check them against the store."""
    from bot.core.errors import InvalidQuestion

    articles = service.articles()
    bodies = {a.id: a for a in articles}
    report = EvalReport(list(questions), [], None, len(articles), sum(len(sentence_spans(a.body)) for a in articles))
    report.reader = service.reader.name
    for number, question in enumerate(questions, start=1):
        started, cpu = time.perf_counter(), time.process_time()
        try:
            answer: Answer | None = service.ask(question.question)
        except InvalidQuestion as exc:
            answer = None
            report.newsbot.append(Outcome(False, [], error=str(exc)))
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        report.cpu_ms.append((time.process_time() - cpu) * 1000)
        if answer is not None:
            report.newsbot.append(Outcome(answer.answered, [q.text for q in answer.quotes]).judge(question))
            for quote in answer.quotes:
                article = bodies.get(quote.article_id)
                if article is None or quote.text not in article.body:
                    report.not_verbatim.append(f"{question.id}: {quote.text}")
                elif (quote.title, quote.source, quote.date, quote.url) != (
                    article.title, article.source, article.date, article.url
                ):  # fmt: skip
                    report.misattributed.append(f"{question.id}: {quote.text}")
        if on_question is not None:
            on_question(number)
    if baseline:
        plain = Baseline(a.body for a in articles)
        report.baseline = [Outcome(*plain.answer(q.question)).judge(q) for q in questions]
    return report


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 2), "p95": round(p95, 2)}


# --- the report -----------------------------------------------------------------------------------------------


def format_report(report: EvalReport, *, halves: bool = False) -> str:
    """The per-kind table (newsbot beside the baseline), for the whole set and, with ``halves``, each half."""
    answerable = sum(q.answerable for q in report.questions)
    lines = [
        f"{len(report.questions)} questions ({answerable} answerable, {len(report.questions) - answerable} to "
        f"refuse) over {report.articles:,} articles ({report.sentences:,} sentences)",
    ]
    for half in [None, "even", "odd"] if halves else [None]:
        title = {None: "all questions", "even": "development half (even ids)", "odd": "held-out half (odd ids)"}
        lines += ["", title[half], *_table(report, half)]
    lines += [
        "",
        f"quotes not verbatim: {len(report.not_verbatim)}; misattributed: {len(report.misattributed)}",
        "newsbot answer latency: p50 {p50} ms, p95 {p95} ms".format(**_percentiles(report.latencies_ms))
        + " (CPU p50 {p50} ms, p95 {p95} ms); reader: ".format(**_percentiles(report.cpu_ms))
        + report.reader,
    ]
    lines += [f"  not verbatim: {line}" for line in report.not_verbatim[:10]]
    lines += [f"  misattributed: {line}" for line in report.misattributed[:10]]
    return "\n".join(lines)


def _table(report: EvalReport, half: str | None) -> list[str]:
    mine = report.counts("newsbot", half)
    theirs = report.counts("baseline", half) if report.baseline is not None else None
    header = f"{'kind':<11} {'n':>4} | {'newsbot: found':>14} {'first':>7} {'refused':>7}"
    if theirs is not None:
        header += f" | {'baseline: found':>15} {'first':>7} {'refused':>7}"
    rows = [header, "-" * len(header)]
    for kind in (*KINDS, "answerable", "refuse"):
        if kind not in mine:
            continue
        answerable = kind in ANSWERABLE_KINDS or kind == "answerable"
        row = f"{kind:<11} {mine[kind]['n']:>4} | " + _cells(mine[kind], answerable, 14)
        if theirs is not None:
            row += " | " + _cells(theirs[kind], answerable, 15)
        rows.append(row)
    return rows


def _cells(counts: dict[str, int], answerable: bool, width: int) -> str:
    n = counts["n"]

    def cell(value: int) -> str:
        return f"{value}/{n}"

    if answerable:
        return f"{cell(counts['found']):>{width}} {cell(counts['first']):>7} {cell(counts['refused']):>7}"
    return f"{'':>{width}} {'':>7} {cell(counts['refused']):>7}"
