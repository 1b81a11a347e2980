"""Judging the answerer's candidates: whether each answers the question, and how well.

Step 3 of the answerer (:mod:`bot.search.answers`). A candidate answers when it passes the relevance test
(:func:`bot.search.relevance.judge`: the question's names, numbers and rare words supported near it, its share of
the question's weight); when it does not put another people or party before a noun the question qualifies ("Labor
MP" for "which liberal mp": :mod:`bot.search.slots`); and, for a who / when / how-many question, when it or the
sentence before it states a fact of that kind (a person or organisation, a date or time, a quantity:
:mod:`bot.search.answer_type`) and is about the asked event (a word of it near the sentence or, held as a required
word must be, in its article); for a why, how, where or "what did they say" question, one that states a reason, a
manner, a place or a statement is preferred. The candidates that answer are scored by their support (own sentence
first, then context, then article), a share of their sentence's and their article's normalised BM25, the answer
kind found in the sentence itself and, when a semantic reader scored them, its similarity. A sentence that opens
with a pronoun or "the company" and leans on the sentence before it is marked to be quoted with that sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from bot.search.answer_type import asks_year, holds, states_year, strong
from bot.search.candidates import Candidate
from bot.search.held import MAX_WORDS, held_masks
from bot.search.index import Passage
from bot.search.question import SUPPORTED, QuestionWord, ReadQuestion
from bot.search.relevance import Relevance, Support, judge, leans, opening_name, rules_out
from bot.search.slots import Slots, other_in_slot, question_slots

__all__ = ["REASON_WEIGHT", "SEMANTIC_WEIGHT", "judge_candidates", "tells_event"]

SEMANTIC_WEIGHT = 0.5
# A why question's answer need not mark its reason, so a sentence that does ("because orders dried up") must
# outrank one that only repeats the question ("The plant closed on Friday"); a reason beside the question's names
# alone, which tells none of the asked event's words, gets half (:func:`tells_event`).
REASON_WEIGHT = 0.4
_TYPED_KINDS = ("who", "when", "how_many")  # a fact of the kind is required
# ... helps when stated. A reason is often stated without a word that marks it ("Demand has collapsed"): of the
# held-out half's why answers, a third have no marker the recogniser knows, so a reason is preferred, not required.
_HELPED_KINDS = ("where", "how", "say", "why")


def judge_candidates(question: ReadQuestion, found: list[Candidate]) -> Callable[[Candidate], None]:
    """Judge every candidate in place (:attr:`Candidate.relevance`, its answer type, its score). The support of
    each passage is computed once: neighbours and whole articles are shared by many candidates. (An article's
    terms are keyed by the very set: a sentence read outside its whole article has its context as its article.)

    A relevant candidate's answer type is left to read (regular expressions over its text and the one before,
    the most expensive part of judging): it is given the :attr:`Candidate.ceiling` its score may reach, and the
    function returned reads it and scores it (:func:`bot.search.quoting.pick_quotes` calls it only for those that
    may change which quotes are chosen; calling it for every one settles the whole judging)."""
    cache: dict[object, Support] = {}
    table = _SupportTable(question)
    kinds: dict[int, str | None] = {}  # pid -> the fact of the asked kind its text states (a sentence is asked
    held: dict[int, int] = {}  # as itself and again as the sentence before the next one); pid -> _held's mask
    if table.ruling and len(question.words) <= MAX_WORDS:  # every passage's at once, from its term ids
        held = held_masks(question.words, table.ruling, _passages(found))
    for candidate in found:
        lacking = _lacking(candidate, cache, table, held)
        if lacking:  # most candidates (87% at 100k sentences): judge would find the same words missing first
            candidate.relevance = Relevance(missing=tuple(w.word for i, w in enumerate(question.words)
                                                          if lacking >> i & 1))  # fmt: skip
        else:
            _judge(question, candidate, cache, table)
    asked = _Asked(question_slots(question), question.kind == "when" and asks_year(question.text))
    return lambda candidate: _settle(question, candidate, kinds, asked)


def _lacking(candidate: Candidate, cache: dict[object, Support], table: _SupportTable, held: dict[int, int]) -> int:
    """The required words (a bit each) that :func:`bot.search.relevance.judge`'s first test finds missing:
    supported by neither the sentence nor its context (the sentences before too, for one that :func:`leans`), and
    which no name after them may excuse (:func:`bot.search.relevance.rules_out`). Each passage's mask once."""
    lacking = table.ruling
    for passage in (candidate.passage, candidate.headline, candidate.previous, candidate.following):
        if lacking and passage is not None:
            lacking &= ~_held(passage, cache, table, held)
    if lacking and candidate.earlier and leans(candidate.passage.text):
        for passage in candidate.earlier:
            lacking &= ~_held(passage, cache, table, held)
    return lacking


def _passages(found: list[Candidate]) -> Iterator[Passage]:
    for candidate in found:
        yield candidate.passage
        yield candidate.headline
        if candidate.previous is not None:
            yield candidate.previous
        if candidate.following is not None:
            yield candidate.following
        yield from candidate.earlier


def _held(passage: Passage, cache: dict[object, Support], table: _SupportTable, held: dict[int, int]) -> int:
    mask = held.get(passage.pid)
    if mask is None:
        support = _support(passage.pid, passage.terms, cache, table)
        mask = held[passage.pid] = sum(1 << i for i, (closeness, _) in enumerate(support) if closeness >= SUPPORTED)
    return mask


class _SupportTable:
    """:meth:`bot.search.question.QuestionWord.support` of every question word at once, from the passage's side:
    which question words each term may stand for, so a passage costs a look-up per term of it instead of a
    membership test per alternative of every word. Same result: the closest alternative the terms hold, the
    first of the word's alternatives among equally close ones, then an acronym's expansion when none is exact."""

    def __init__(self, question: ReadQuestion) -> None:
        self.size = len(question.words)
        self.by_term: dict[str, list[tuple[int, float, int]]] = {}
        for i, word in enumerate(question.words):
            for order, (term, closeness) in enumerate(word.alternatives.items()):
                if closeness > 0.0:
                    self.by_term.setdefault(term, []).append((i, closeness, order))
        self.spelled = [(i, list(w.spelled_out.items())) for i, w in enumerate(question.words) if w.spelled_out]
        self.ruling = sum(1 << i for i, w in enumerate(question.words) if rules_out(w))  # judge's first test

    def support(self, terms: frozenset[str]) -> Support:
        best: Support = [(0.0, None)] * self.size
        rank = [0] * self.size
        by_term = self.by_term
        for term in terms if len(terms) <= len(by_term) else [t for t in by_term if t in terms]:
            hits = by_term.get(term)
            if hits is None:
                continue
            for i, closeness, order in hits:
                held = best[i][0]
                if closeness > held or (closeness == held and order < rank[i]):
                    best[i], rank[i] = (closeness, term), order
        for i, expansions in self.spelled:
            if best[i][0] < 1.0:
                for label, expansion in expansions:
                    if expansion <= terms:
                        best[i] = (1.0, label)
                        break
        return best


def _support(key: object, terms: frozenset[str], cache: dict[object, Support], table: _SupportTable) -> Support:
    found = cache.get(key)
    if found is None:
        found = cache[key] = table.support(terms)
    return found


def _judge(
    question: ReadQuestion,
    candidate: Candidate,
    cache: dict[object, Support],
    table: _SupportTable,
) -> None:
    """Score one candidate: what of the question it and its context hold, what is missing, the kind it states."""
    near = [
        (where, p)
        for where, p in (("headline", candidate.headline), ("previous sentence", candidate.previous),
                         ("next sentence", candidate.following))
        if p is not None
    ]  # fmt: skip
    candidate.relevance = found = judge(
        question,
        candidate.passage.terms,
        _support(candidate.passage.pid, candidate.passage.terms, cache, table),
        [(where, p.terms, _support(p.pid, p.terms, cache, table)) for where, p in near],
        _support(("article", id(candidate.article_terms)), candidate.article_terms, cache, table),
        leans(candidate.passage.text),
        lambda: opening_name(candidate.passage.text),
        [("earlier sentence", p.terms, _support(p.pid, p.terms, cache, table)) for p in candidate.earlier],
    )
    if found.missing:
        return
    if found.relevant:  # its answer type costs regular expressions: read only if it may be quoted (_settle)
        candidate.ceiling = _score(candidate, _MOST_TYPED_WHY if question.kind == "why" else _MOST_TYPED)
    else:
        candidate.score = _score(candidate, 0.0)


_MOST_TYPED = 0.1 + 0.1  # the most _settle's answer kind adds: stated in the sentence, and strongly
_MOST_TYPED_WHY = 0.1 + 0.1 + REASON_WEIGHT  # ... and, for a why question, a reason that tells the event


class _Asked(NamedTuple):
    """What of the question settling reads, read once for all its candidates."""

    slots: Slots  # its people, party and institution slots (bot.search.slots)
    year: bool  # a "what year" question


def _settle(question: ReadQuestion, candidate: Candidate, kinds: dict[int, str | None], asked: _Asked) -> None:
    """Read a relevant candidate's answer type and give it its score (at most its :attr:`Candidate.ceiling`)."""
    candidate.ceiling = None
    _answer_type(question, candidate, kinds, asked.slots)
    typed = 0.0
    if candidate.answer_type_in is not None:
        typed = 0.1 if candidate.answer_type_in == "sentence" else 0.05
        text = (candidate.passage if candidate.answer_type_in == "sentence" else candidate.previous
                or candidate.passage).text  # fmt: skip
        if strong(question.kind, text, question.names):
            typed += 0.1
        if asked.year and not states_year(text):
            typed -= 0.05  # "what year": "more than a decade ago" is a date the reader must count back from
        if question.kind == "why" and candidate.answer_type_in == "sentence":
            typed += REASON_WEIGHT if tells_event(question, candidate.passage) else REASON_WEIGHT / 2
    candidate.score = _score(candidate, typed)


def _score(candidate: Candidate, typed: float) -> float:
    found = candidate.relevance
    score = (
        0.45 * found.local + 0.35 * found.own + 0.2 * found.article
        + 0.15 * candidate.bm25 + 0.15 * candidate.article_score + typed
    )  # fmt: skip
    if candidate.semantic is not None:
        score += SEMANTIC_WEIGHT * candidate.semantic
    return score


def tells_event(question: ReadQuestion, sentence: Passage) -> bool:
    """Whether the sentence itself tells of the event a why question asks about: one of its words that are not
    names or numbers ("why did the planes *stop bombing*"). A reason beside the question's names alone explains
    something else ("Local commanders are convinced bin Laden, wanted for the September 11 atrocities, is holed up
    in the Tora Bora area" does not say why the bombing stopped). A question of names only has no such word.
    Any relative counts (closeness above 0): a reason is told in the reporter's words. Half the reason weight,
    not none, for a sentence that tells none: measured on the eval sets (odd ids and the fresh set by their
    counts only), dropping the weight entirely moved one first quote up in one held-out file and one down in the
    other."""
    event = _event(question)
    return not event or any(w.support(sentence.terms)[0] > 0.0 for w in event)


def _about_event(question: ReadQuestion, candidate: Candidate) -> bool:
    """Whether a who / when / how-many candidate is about the asked event, not only about the question's names:
    the sentence, its neighbours or its headline hold one of the event's words (any relative of it), or its
    article holds one as a required word must be held. A date, a count or a name from an article about the
    same people that never tells of the event answers another question: "However, Polanski will keep his Oscar
    for the 2002 movie" for "when did bill cosby get out of prison". A question of names only has no event."""
    event = _event(question)
    if not event:
        return True
    near = (candidate.passage, candidate.previous, candidate.following, candidate.headline)
    if any(w.support(p.terms)[0] > 0.0 for p in near if p is not None for w in event):
        return True
    return any(w.support(candidate.article_terms)[0] >= SUPPORTED for w in event)


def _event(question: ReadQuestion) -> list[QuestionWord]:
    """The words of the event a question asks about: those the coverage knows that are not names or numbers."""
    return [w for w in question.words if w.known and not (w.name or w.number)]


def _holds(question: ReadQuestion, passage: Passage, kinds: dict[int, str | None]) -> str | None:
    if passage.pid not in kinds:
        kinds[passage.pid] = holds(question.kind, passage.text, question.names)
    return kinds[passage.pid]


def _answer_type(question: ReadQuestion, candidate: Candidate, kinds: dict[int, str | None], slots: Slots) -> None:
    if question.kind in _TYPED_KINDS and not _about_event(question, candidate):
        return  # a date, a count or a name, but of another event
    if other_in_slot(question, (candidate.passage, candidate.previous, candidate.following, candidate.headline), slots):
        return  # "Labor MP Lyn Breuer" answers who the Labor MP is, not the Liberal one
    if question.kind in (*_TYPED_KINDS, *_HELPED_KINDS):
        found = _holds(question, candidate.passage, kinds)
        if found is not None:
            candidate.answer_type, candidate.answer_type_in = found, "sentence"
        elif candidate.previous is not None and question.kind != "say":  # whose words they are is in the sentence
            before = _holds(question, candidate.previous, kinds)
            if before is not None:
                candidate.answer_type, candidate.answer_type_in = before, "previous sentence"
        if question.kind in _HELPED_KINDS and candidate.answer_type is None:
            candidate.answer_type = "any"  # helps when stated, not required
    else:
        candidate.answer_type = "any"
    candidate.with_previous = candidate.previous is not None and _leans_on_previous(question, candidate)


def _leans_on_previous(question: ReadQuestion, candidate: Candidate) -> bool:
    """Whether the sentence opens with a pronoun or a role ("The company") and the sentence before it holds what
    this one lacks: a required word, or the fact of the asked kind."""
    if not leans(candidate.passage.text) or candidate.previous is None:
        return False
    if candidate.answer_type_in == "previous sentence":
        return True
    for word in question.words:
        if word.required and word.support(candidate.passage.terms)[0] < SUPPORTED:
            if word.support(candidate.previous.terms)[0] >= SUPPORTED:
                if word.support(candidate.headline.terms)[0] < SUPPORTED:
                    return True
    return False
