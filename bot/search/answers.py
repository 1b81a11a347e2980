"""From a question to an answer: verbatim quotes, then related headlines, or a plain "the coverage doesn't say".

A retrieve-then-read answerer, general rather than tuned, in five steps, each in its own module:

1. **Read the question** (:mod:`bot.search.question`): its words as index terms, what may stand for each in the
   coverage (spelling corrections against the coverage's vocabulary, WordNet synonyms, derived forms and
   hypernyms), which are names, numbers and rare words, and the kind of fact it asks for.
2. **Candidates by BM25, exact** (:mod:`bot.search.candidates`): sentence- and headline-level BM25 pick the
   candidate articles; their sentences, and the best BM25 sentences of other articles, are candidates.
3. **Judge each candidate** (:mod:`bot.search.judging`, over the relevance test of :mod:`bot.search.relevance`):
   every name, number and rare word of the question supported by the sentence, its headline or a neighbouring
   sentence (synonyms and typos allowed, another name or number not); enough of the question's weight held by
   the sentence, its context and its article; for a who / when / how-many question, a fact of that kind in
   it or the sentence before. Those that answer are scored (support, BM25, answer kind, the semantic reader's
   similarity when a :class:`bot.search.semantic.Reader` is given).
4. **Quote** (:mod:`bot.search.quoting`): up to three, no two alike, reprints folded into "also in", a sentence
   that opens with "it" or "the company" quoted with the sentence it leans on.
5. **Headlines**: related headlines are ranked by BM25 among headlines; a headline that holds the question by the
   same rules answers it too. When nothing answers, ``answered`` is false and the nearest headlines are shown only
   when they hold the question's names and its rarest word.

Each quote carries :class:`bot.core.models.QuoteReason`: its BM25 rank, its article's rank, the semantic score, the
answer kind it states, and which word stands for each question word where.
"""

from __future__ import annotations

from bot.core.models import Answer, ReaderUse
from bot.search.candidates import HEADLINES, Candidate, candidates
from bot.search.index import CoverageIndex
from bot.search.judging import judge_candidates
from bot.search.query import MAX_QUESTION_CHARS, question_terms
from bot.search.question import QuestionWord, mark_names, name_terms, read_question, spell_out
from bot.search.quoting import MAX_QUOTES, group_headlines, pick_quotes
from bot.search.relevance import (
    ANSWER_FLOOR,
    ARTICLE_FLOOR,
    HEADLINE_FLOOR,
    SENTENCE_FLOOR,
    headline_relevant,
    missing,
)
from bot.search.semantic import NO_READER, Reader

__all__ = [
    "ANSWER_FLOOR",
    "ARTICLE_FLOOR",
    "MAX_HEADLINES",
    "MAX_QUESTION_CHARS",
    "MAX_QUOTES",
    "SENTENCE_FLOOR",
    "Candidate",
    "QuestionWord",
    "answer_question",
    "candidates",
    "name_terms",
    "question_terms",
    "read_question",
]

MAX_HEADLINES = 5
NEAREST_FLOOR = 0.4  # share of its weight a headline shown as the nearest coverage of an unanswered question holds


def answer_question(index: CoverageIndex, question: str, reader: Reader = NO_READER) -> Answer:
    """Answer ``question`` from ``index``: quotes that answer it, then related headlines (see the module doc)."""
    read = read_question(index, question)
    found, headline_hits = candidates(index, read)
    headlines = {c.headline.pid: c.headline.text for c in found}.values()
    mark_names(read, [c.passage.text for c in found], headlines)
    spell_out(read, [*(c.passage.text for c in found), *headlines])
    if found:
        for candidate, similarity in zip(
            found, reader.similarities(read.text, [c.passage for c in found]), strict=True
        ):
            candidate.semantic = similarity
    use = None  # what the reader scored, and what rests on the lexical path (not embedded yet)
    if reader is not NO_READER:
        use = ReaderUse(model=reader.name, candidates=len(found), unscored=sum(c.semantic is None for c in found))
    quotes = pick_quotes(index, found, judge_candidates(read, found))
    headline_answers = [h for h in headline_hits[:HEADLINES] if headline_relevant(index, read, h)]
    answered = bool(quotes) or bool(headline_answers)
    answering = {h.passage.article.id for h in headline_answers}
    quoted = {q.article_id for q in quotes} - answering  # a headline that answers is shown even beside its quote
    if answered:
        shown = [h for h in headline_hits if h.coverage >= HEADLINE_FLOOR and not missing(read, h.passage.terms)]
    else:
        needed = {w.term for w in read.words if w.name and w.known}
        rarest = max((w for w in read.words if w.known), key=lambda w: w.weight, default=None)
        if rarest is not None:
            needed.add(rarest.term)
        shown = [h for h in headline_hits if h.coverage >= NEAREST_FLOOR and needed <= h.passage.terms]
    related = group_headlines(sorted(shown, key=lambda h: (-h.score * h.coverage, h.passage.pid)), exclude=quoted)
    return Answer(question=read.text, answered=answered, quotes=quotes, headlines=related[:MAX_HEADLINES], reader=use)
