"""The relevance test: does a sentence, read with its headline and neighbours, hold a question or a topic?

One test for everything that must decide whether coverage is *about* what was asked: the answerer's candidate
sentences and headlines (:mod:`bot.search.answers`), and any other feature that picks "the most relevant sentence"
or asks whether an article matches a topic, so that they all mean the same thing by it.

A question word is *supported* by a sentence when the sentence holds the word or what stands for it (its spelling
corrections, WordNet relatives; :mod:`bot.search.question`); it is supported *in context* when the headline or a
neighbouring sentence does, at :data:`CONTEXT` of its closeness. A sentence is relevant only if

- every name and number of the question, and every rare or key content word, is supported by the sentence, its
  headline or a neighbouring sentence (for a sentence that says "he" or "the company", also the lead and the
  sentences just before) at :data:`~bot.search.question.SUPPORTED` closeness (synonyms and typos
  allowed, another name or number not: "India" is not supported by a sentence about China). A name held only by
  a neighbouring sentence counts unless the sentence opens with another name (:func:`opening_name`): "Amazon.com
  Inc. pitched ..." is about Amazon, whatever the sentence before it says of Microsoft;
- one of the question's own words (as typed or misspelt, not only a WordNet relative) is held near it;
- it and its context hold :data:`ANSWER_FLOOR` of the question's weight (idf), it alone :data:`SENTENCE_FLOOR`,
  and its whole article :data:`ARTICLE_FLOOR`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from bot.core.text import tokenize
from bot.search.answer_type import holds
from bot.search.index import CoverageIndex, Hit, Passage
from bot.search.lexicon import lemmas, only_proper, proper_noun
from bot.search.question import SPELLING, SUPPORTED, QuestionWord, ReadQuestion
from bot.search.slots import other_in_slot

__all__ = [
    "ANSWER_FLOOR",
    "ARTICLE_FLOOR",
    "HEADLINE_FLOOR",
    "SENTENCE_FLOOR",
    "Relevance",
    "Support",
    "best_sentence",
    "excused",
    "headline_relevant",
    "judge",
    "leans",
    "missing",
    "opening_name",
    "relevance",
    "rules_out",
]

ANSWER_FLOOR = 0.5  # share of the question's weight a sentence and its context must hold
SENTENCE_FLOOR = 0.0  # ... the sentence alone
ARTICLE_FLOOR = 0.65  # ... its whole article (headline and every sentence)
HEADLINE_FLOOR = 0.5  # ... a headline, to answer or to be shown as related
CONTEXT = 0.8  # a word held by the headline or a neighbouring sentence counts at this share
BRIDGED = 0.5  # share of its weight a word only WordNet bridges counts with

# A sentence that leans on the one before it: it names its subject only by a pronoun or a role.
_LEANS = re.compile(
    r"^[\"“‘']?(?:he|she|it|they|his|her|its|their|this|that|these|those|there|the\s+(?:company|firm|agency|group|"
    r"department|organi[sz]ation|man|woman|men|women|couple|government|bank|team|club|city|state|country|"
    r"official|president|minister|court|judge|school|university|computer|device|program|programme|plan|bill|"
    r"law|report|study|move|decision|deal|system|technology|service|network|station|airline|carrier|"
    r"retailer|giant|startup|[a-z]+-old))\b",
    re.IGNORECASE,
)

_LEADING_CAPITALS = re.compile(r"^[\"“‘'(]*((?:[A-Z][\w.'’&-]*)(?:\s+[A-Z][\w.'’&-]*){0,3})")

Support = list[tuple[float, str | None]]  # per question word: closeness and the term that stands for it


@dataclass(frozen=True)
class Relevance:
    """How much of a question one sentence holds, read in its article (see the module doc)."""

    own: float = 0.0  # share of the question's weight the sentence alone holds
    local: float = 0.0  # ... the sentence with its headline and neighbours
    article: float = 0.0  # ... its whole article
    missing: tuple[str, ...] = ()  # required question words nothing near the sentence supports
    anchored: bool = False  # one of the question's own words is held near the sentence
    supports: dict[str, str] = field(default_factory=dict)  # question word -> "what stands for it, where"

    @property
    def relevant(self) -> bool:
        """Whether the sentence passes every floor: it is about what was asked."""
        return (
            self.anchored
            and not self.missing
            and self.local >= ANSWER_FLOOR
            and self.own >= SENTENCE_FLOOR
            and self.article >= ARTICLE_FLOOR
        )


def relevance(
    question: ReadQuestion,
    sentence: Passage,
    *,
    headline: Passage | None = None,
    previous: Passage | None = None,
    following: Passage | None = None,
    article_terms: frozenset[str] | None = None,
) -> Relevance:
    """The relevance test of ``sentence`` for ``question`` (from :func:`bot.search.question.read_question` over the
    same index), with its article's headline and the sentences before and after it as context.

    ``article_terms`` are the terms of the whole article (default: those of the passages given). The result's
    :attr:`Relevance.relevant` is the answerer's own floor; :attr:`Relevance.local` ranks relevant sentences."""
    near = [p for p in (headline, previous, following) if p is not None]
    where = {id(headline): "headline", id(previous): "previous sentence", id(following): "next sentence"}
    if article_terms is None:
        article_terms = frozenset().union(sentence.terms, *(p.terms for p in near))
    return judge(
        question,
        sentence.terms,
        [w.support(sentence.terms) for w in question.words],
        [(where[id(p)], p.terms, [w.support(p.terms) for w in question.words]) for p in near],
        [w.support(article_terms) for w in question.words],
        leans(sentence.text),
        opening_name(sentence.text),
    )


def best_sentence(question: ReadQuestion, passages: Sequence[Passage]) -> tuple[Passage, Relevance] | None:
    """The sentence of one article that holds ``question`` best by :func:`relevance`, or None when none is
    relevant. ``passages`` are the article's headline then its sentences in order, as
    :meth:`bot.search.index.CoverageIndex.passages_of` gives them. Ties go to the earlier sentence."""
    if len(passages) < 2:
        return None
    headline, sentences = passages[0], passages[1:]
    terms = frozenset().union(*(p.terms for p in passages))
    best: tuple[Passage, Relevance] | None = None
    for i, sentence in enumerate(sentences):
        found = relevance(
            question,
            sentence,
            headline=headline,
            previous=sentences[i - 1] if i > 0 else None,
            following=sentences[i + 1] if i + 1 < len(sentences) else None,
            article_terms=terms,
        )
        if found.relevant and (best is None or (found.local, found.own) > (best[1].local, best[1].own)):
            best = (sentence, found)
    return best


def totals(question: ReadQuestion) -> tuple[float, float]:
    """The question's weight for a sentence and its context, and for a whole article.

    A word the coverage uses as typed (or misspelt), and a required word, count in full. A word only WordNet
    bridges counts half: matching it helps, missing it costs less. A word nothing in the coverage matches counts
    in full for the sentence ("What did Amazon say about its quarterly earnings?" is not answered by a sentence
    about Amazon) but not for the article, where it is a paraphrase the reporters put in other words."""
    local = article = 0.0
    for word in question.words:
        if word.counted:
            local += word.weight
            article += word.weight
        elif word.known:
            local += BRIDGED * word.weight
            article += BRIDGED * word.weight
        else:
            local += word.weight
    return local or 1.0, article or 1.0


def judge(
    question: ReadQuestion,
    terms: frozenset[str],
    mine_all: Support,
    near_all: Sequence[tuple[str, frozenset[str], Support]],
    article_all: Support,
    leans: bool = False,
    opener: frozenset[str] | Callable[[], frozenset[str]] = frozenset(),
    earlier: Sequence[tuple[str, frozenset[str], Support]] = (),
) -> Relevance:
    """:func:`relevance` from supports already computed (the answerer caches them per passage): the sentence's
    ``terms`` and support, each context passage's (where, terms, support), the article's support, whether
    the sentence :func:`leans` on the one before it, and the :func:`opening_name` it starts with (or a function
    that reads it: it is read only when a question's name is held by a neighbouring sentence alone).

    ``earlier`` are the sentences further back (the article's lead, the two before the previous one): a sentence
    that leans ("She said ...") may name its subject there, so they may hold its required words, but not its share
    of the question's weight ("It will also fuel a culture clash" is not about what the lead pitched); a sentence
    that does not lean gets nothing from them."""
    subject: list[bool] = []  # whether the sentence opens with another subject: read on first need

    def other() -> bool:
        if not subject:
            names = opener() if callable(opener) else opener
            subject.append(bool(names) and not any(w.support(names)[0] > 0 for w in question.words))
        return subject[0]

    around = [*near_all, *earlier] if leans else near_all
    absent = []
    for i, word in enumerate(question.words):  # first the cheap test that rules most candidates out
        if not word.required or mine_all[i][0] >= SUPPORTED:
            continue
        if rules_out(word) and all(n[2][i][0] < SUPPORTED for n in around):
            absent.append(word.word)  # nothing around holds it, and no name after it can excuse it
            continue
        held = [n for n in around if _may_hold(word, n[0], leans, other)]
        if all(n[2][i][0] < SUPPORTED for n in held) and not excused(
            question, word, [terms, *(n[1] for n in held)], article_all[i][0] >= SUPPORTED
        ):
            absent.append(word.word)
    if absent:
        return Relevance(missing=tuple(absent))
    total, article_total = totals(question)
    own = local = article = 0.0
    anchored = False
    supports: dict[str, str] = {}
    for i, word in enumerate(question.words):
        if not (word.known or word.required):
            continue
        mine, term = mine_all[i]
        context, context_term, where = 0.0, None, ""
        for place, _, support in near_all:
            if support[i][0] > context:
                context, context_term, where = support[i][0], support[i][1], place
        weight = _weight(word)
        own += weight * mine
        local += weight * max(mine, CONTEXT * context)
        article += weight * article_all[i][0]
        if word.counted and max(mine, context) >= SPELLING:
            anchored = True
        if mine > 0 and term is not None:
            supports[word.word] = f"{word.labels[term]}, sentence"
        elif context > 0 and context_term is not None:
            supports[word.word] = f"{word.labels[context_term]}, {where}"
        elif word.required and leans:
            for place, _, support in earlier:
                closeness, held_by = support[i]
                if closeness >= SUPPORTED and held_by is not None:
                    supports[word.word] = f"{word.labels[held_by]}, {place}"
                    break
    return Relevance(
        own=min(1.0, own / total),
        local=min(1.0, local / total),
        article=min(1.0, article / article_total),
        anchored=anchored,
        supports=supports,
    )


def rules_out(word: QuestionWord) -> bool:
    """Whether :func:`judge`'s first test rules a sentence out when neither it nor its context supports ``word``: a
    required word that no name after it may excuse ("jeff" of "jeff bezos" may be left out). The answerer runs this
    test over every candidate at once, before judging the few it leaves in full."""
    return word.required and not (word.first_name and (word.name or word.rare))


def leans(text: str) -> bool:
    """Whether a sentence opens with a pronoun or a role ("He", "The company"): it names its subject in the
    sentence before it, which a quote of it may then include."""
    return _LEANS.match(text) is not None


def opening_name(text: str) -> frozenset[str]:
    """The distinctive terms of the name a sentence opens with ("Amazon.com Inc. pitched ..." -> amazon, "Team
    Tyco will ..." -> tyco): its leading capitalised words that WordNet knows only as names or not at all (short
    abbreviations such as "Inc." and "Mr" left out); empty when it opens with anything else."""
    words = _LEADING_CAPITALS.match(text)
    if words is None:
        return frozenset()
    found: set[str] = set()
    for word in words.group(1).split():
        found.update(_name_terms(word))
    return frozenset(found)


@lru_cache(maxsize=50_000)
def _name_terms(word: str) -> tuple[str, ...]:
    """The terms one capitalised opening word contributes to :func:`opening_name` (memoised: sentences open with
    the same words again and again, and each costs WordNet lookups)."""
    base = re.split(r"[.'’]", word.casefold())[0]
    if len(base) <= 3 or word.endswith("."):
        return ()
    if not lemmas(base) or proper_noun(base) or only_proper(base):  # the cheapest verdict first (all are pure)
        return tuple(tokenize(base))
    return ()


def _may_hold(word: QuestionWord, where: str, leaning: bool, other_subject: Callable[[], bool]) -> bool:
    """Whether a name of the question may be held by this context passage: by the headline (what the article is
    about), by the sentence before one that leans on it, or by a neighbour of a sentence that does not open with
    another name. "Amazon.com Inc. pitched ..." does not answer a question about Microsoft because the sentence
    before it names Microsoft: it is about Amazon."""
    if not word.name or where == "headline" or (leaning and where == "previous sentence"):
        return True
    return not other_subject()


def missing(question: ReadQuestion, terms: frozenset[str]) -> list[str]:
    """The required question words (names, numbers, rare and key words) that ``terms`` alone do not support. For
    a headline, the question's rarest word is required wherever it stands in the question (a headline has no
    sentence around it to tell it in other words)."""
    return [
        w.word
        for w in question.words
        if (w.required or w.rarest) and w.support(terms)[0] < SUPPORTED and not excused(question, w, [terms])
    ]


def headline_relevant(index: CoverageIndex, question: ReadQuestion, hit: Hit) -> bool:
    """A headline answers when it holds the question as a sentence must (names, numbers, rare words),
    :data:`HEADLINE_FLOOR` of its weight, and its article :data:`ARTICLE_FLOOR`, with no other people or party
    before a noun the question qualifies (:func:`bot.search.slots.other_in_slot`); for a who, how-many or why
    question it must state a fact of that kind (for "when", the article's date answers)."""
    total, article_total = totals(question)
    words = [w for w in question.words if w.known]
    held = _held(words, hit.passage.terms) / total
    anchored = any(w.counted and w.support(hit.passage.terms)[0] >= SPELLING for w in words)
    if not anchored or held < HEADLINE_FLOOR or missing(question, hit.passage.terms):
        return False
    if other_in_slot(question, [hit.passage]):
        return False  # "American Man Sentenced To Death In China" does not answer "which british man ..."
    if question.kind in ("who", "how_many", "why") and holds(question.kind, hit.passage.text, question.names) is None:
        return False
    terms = index.article_terms(hit.passage.article.id)
    return _held(words, terms) / article_total >= ARTICLE_FLOOR


def _held(words: Iterable[QuestionWord], terms: frozenset[str]) -> float:
    return sum(_weight(w) * w.support(terms)[0] for w in words)


def _weight(word: QuestionWord) -> float:
    return word.weight if word.counted else BRIDGED * word.weight


def excused(question: ReadQuestion, word: QuestionWord, terms: Iterable[frozenset[str]], named: bool = True) -> bool:
    """A first name need not be repeated: "jeff bezos" is held by "Bezos" (the last word of a run of names).

    ``named``: whether the article writes the first name somewhere. A last name that is also a common word
    ("Cup", "Smith", "House") holds the run only then: reporters write the whole name once and the last word
    after it, while "Hopman Cup" in an article that never says "Davis" is another cup ("last year's davis cup
    final"). A distinctive last name ("Bezos", "Kallis") holds it anywhere."""
    if not (word.name or word.rare) or not word.first_name:
        return False
    following = [w for w in question.words if w.position == word.position + 1]
    if not following:
        return False
    if not named and _common_word(following[0].word):
        return False
    terms = list(terms)
    return any(following[0].support(t)[0] >= SUPPORTED for t in terms) or excused(question, following[0], terms, named)


def _common_word(word: str) -> bool:
    """Whether WordNet knows ``word`` as a common word, not only as a name ("cup", "smith"; not "bezos")."""
    return bool(lemmas(word)) and not only_proper(word)
