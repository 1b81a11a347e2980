"""From a question to an answer: verbatim quotes, then related headlines, or a plain "the coverage doesn't say".

A retrieve-then-read answerer, general rather than tuned:

1. **Read the question.** Its words become index terms (the articles' tokenizer). Each term gets what may stand
   for it in the coverage: itself; for a word the coverage never uses, its spelling corrections against the
   coverage's own vocabulary (:mod:`bot.search.spelling`); for a common word, its WordNet synonyms, derived forms
   and hypernyms that the coverage uses (:mod:`bot.search.lexicon`), each with a closeness. A word is a *name*
   when it is typed as one ("Amazon", "ICE") or when the coverage writes it capitalised ("marisa mayer"), and a
   *number* when it has digits. The question's kind ("when", "how many", "who", "why", ...) is read from its
   question word (:mod:`bot.search.answer_type`).
2. **Candidates by BM25, exact.** Sentence-level and headline-level BM25 (rank-bm25's formula), with the
   question's terms and again with the bridged ones, pick the candidate articles; every sentence of the best
   :data:`ARTICLES` of them, and of the articles of the best :data:`SENTENCE_HITS` sentences, is a candidate.
3. **Read each candidate.** A question word is *supported* by a sentence when the sentence holds the word or
   what stands for it; it is supported *in context* when the headline or a neighbouring sentence does. A
   sentence answers only if
   - every name and number of the question, and every term rarer than :data:`RARE_SHARE` of the passages, is
     supported by the sentence, its headline or a neighbouring sentence (synonyms and typos allowed, another
     name or number not: "India" is not supported by a sentence about China);
   - it and its context hold :data:`ANSWER_FLOOR` of the question's weight (idf), it alone
     :data:`SENTENCE_FLOOR`, and its whole article :data:`ARTICLE_FLOOR`;
   - for a who / when / how-many / why question, it or the sentence before it states a fact of that kind (a
     person or organisation, a date or time, a quantity, a reason).
   The candidates that answer are ranked by their support (own sentence first, then context, then article), a
   share of their sentence's and their article's normalised BM25, the answer kind found in the sentence itself,
   and, when a :class:`bot.search.semantic.Reader` is given, its similarity.
4. **Quote.** Up to :data:`MAX_QUOTES`, no two near-duplicates, preferring different articles when scores are
   close; the same sentence printed by several outlets is one quote "also in" the others. A sentence that opens
   with a pronoun or "the company" and leans on the sentence before it (for a name, a number or the answer's
   kind) is quoted with that sentence: two contiguous sentences, still one slice of the stored text.
5. **Headlines.** Related headlines are ranked by BM25 among headlines; a headline that holds the question by the
   same rules answers it too. When nothing answers, ``answered`` is false and the nearest headlines are shown only
   when they hold the question's names and its rarest word.

Each quote carries :class:`bot.core.models.QuoteReason`: its BM25 rank, its article's rank, the semantic score, the
answer kind it states, and which word stands for each question word where.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.core.errors import InvalidQuestion
from bot.core.models import Answer, Headline, Quote, QuoteReason, date_sort_key
from bot.core.text import tokenize
from bot.search.answer_type import Kind, holds, question_kind, strong
from bot.search.index import ArticleRef, CoverageIndex, Hit, Passage
from bot.search.lexicon import inflections, lemmas, only_proper, proper_noun, related_words
from bot.search.query import MAX_QUESTION_CHARS, question_terms
from bot.search.semantic import NO_READER, Reader
from bot.search.spelling import Speller

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

MAX_QUOTES = 3
MAX_HEADLINES = 5
ARTICLES = 10  # candidate articles whose every sentence is read
SENTENCE_HITS = 30  # ... and the articles of this many best sentences
_BM25_K = 100  # sentences asked of BM25, per query
HEADLINES = 50  # headlines asked of BM25, per query
ANSWER_FLOOR = 0.5  # share of the question's weight a sentence and its context must hold
SENTENCE_FLOOR = 0.0  # ... the sentence alone
ARTICLE_FLOOR = 0.65  # ... its whole article (headline and every sentence)
HEADLINE_FLOOR = 0.5  # ... a headline, to answer or to be shown as related
NEAREST_FLOOR = 0.4  # ... a headline shown as the nearest coverage of a question nothing answers
COMMON_MIN = 50  # ... but a word in fewer passages than this never is
COMMON_SHARE = 0.01  # a WordNet alternative in more passages than this share is too common to bridge with
RARE_SHARE = 0.001  # a term in fewer than this share of the passages must be supported like a name
SUPPORTED = 0.8  # closeness a word must reach to support a required question word
CONTEXT = 0.8  # a word held by the headline or a neighbouring sentence counts at this share
SPELLING = 0.95  # closeness of a spelling correction
KEY_SHARE = 0.99  # content words within this share of the rarest one's weight are key words too
KEY_WORD = True  # the question's rarest content word must be supported like a name
INFLECTED = 0.9  # closeness of an irregular form ("left" for "leave")
BRIDGED = 0.5  # share of its weight a word only WordNet bridges counts with
QUOTE_RATIO = 0.6  # a further quote must score at least this share of the best one
SAME_ARTICLE_PENALTY = 0.85  # a second quote from an article already quoted competes at this share
NEAR_DUPLICATE = 0.8  # Jaccard similarity of terms above which two quotes say the same thing
SEMANTIC_WEIGHT = 0.5
_TYPED_KINDS = ("who", "when", "how_many", "why")

# A sentence that leans on the one before it: it names its subject only by a pronoun or a role.
_LEANS = re.compile(
    r"^[\"“‘']?(?:he|she|it|they|his|her|its|their|this|that|these|those|there|the\s+(?:company|firm|agency|group|"
    r"department|organi[sz]ation|man|woman|men|women|couple|government|bank|team|club|city|state|country|"
    r"official|president|minister|court|judge|school|university|computer|device|program|programme|plan|bill|"
    r"law|report|study|move|decision|deal|system|technology|service|network|station|airline|carrier|"
    r"retailer|giant|startup|[a-z]+-old))\b",
    re.IGNORECASE,
)
_spellers: weakref.WeakKeyDictionary[CoverageIndex, Speller] = weakref.WeakKeyDictionary()


def name_terms(question: str) -> set[str]:
    """Terms of the words written as names in the question: capitalised ("Amazon", "Tesla") or in capitals
    ("ICE"). The first word counts too unless it is a common word ("What", "Did")."""
    names: set[str] = set()
    for position, match in enumerate(re.finditer(r"[^\W\d_][\w.'’-]*", question)):
        word = match.group()
        if word[0].isupper() and not (position == 0 and not tokenize(word.lower())):
            names.update(tokenize(word))
    return names


# --- 1. reading the question ----------------------------------------------------------------------------------


@dataclass
class QuestionWord:
    """One search term of the question and what may stand for it in the coverage."""

    word: str  # as typed, lower case
    term: str  # its index term
    weight: float  # idf over sentences and headlines
    alternatives: dict[str, float] = field(default_factory=dict)  # index term -> closeness (1.0: itself)
    labels: dict[str, str] = field(default_factory=dict)  # index term -> how it stands for the word
    position: int = 0  # among the question's words
    name: bool = False
    number: bool = False
    rare: bool = False
    key: bool = False  # the question's rarest content word that the coverage uses as typed
    first_name: bool = False  # a name the coverage writes just before the next question word ("Jeff Bezos")

    def settle(self) -> None:
        """Fix :attr:`known`, :attr:`is_required` and :attr:`is_counted` once the alternatives are final."""
        self.known = bool(self.alternatives)
        self.is_required = self._required()
        self.is_counted = self._counted()

    known: bool = False
    is_required: bool = False
    is_counted: bool = False

    @property
    def required(self) -> bool:
        return self.is_required

    @property
    def counted(self) -> bool:
        return self.is_counted

    def _required(self) -> bool:
        """Must be supported near the quote: a name, a number or a rare word. A lower-case word the coverage
        never uses (and cannot be corrected to) is a paraphrase, left out; a name never is."""
        if not self.alternatives:
            return self.name or self.number
        return self.name or self.number or self.rare or self.key

    def _counted(self) -> bool:
        """Counts in the question's weight: a word the coverage uses as typed (or misspelt), or a required one.
        A paraphrase word that only WordNet bridges counts only where it is matched; one that nothing matches
        never does."""
        return self._required() or any(c >= SPELLING for c in self.alternatives.values())

    def support(self, terms: frozenset[str] | set[str]) -> tuple[float, str | None]:
        best, which = 0.0, None
        for term, closeness in self.alternatives.items():
            if closeness > best and term in terms:
                best, which = closeness, term
        return best, which


@dataclass
class ReadQuestion:
    text: str
    kind: Kind
    words: list[QuestionWord]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(w.word for w in self.words if w.name)


_WORD = re.compile(r"[^\W_][\w.'’-]*")
# Words typed in chat that carry no content: contractions without their apostrophe, question scaffolding.
_CHAT = frozenset(
    """whats wats whos hows whens wheres whys didnt doesnt dont isnt wasnt werent arent hasnt havent hadnt wont
    cant couldnt wouldnt shouldnt aint im ive youre theyre thats theres name names guy guys ppl pls plz u ur
    happend wich wat whn wen hw whem whne""".split()
)
# Numbers written as words: a question that says "second" is not answered by a sentence about the first.
_NUMBER_WORDS = frozenset(
    """two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand
    million billion trillion second third fourth fifth sixth seventh eighth ninth tenth""".split()
)
# The adjective of "how tall", "how far", "how old": it names the kind of fact, not the subject.
_HOW = re.compile(
    r"\bhow\s+(?:many|much|old|long|far|big|large|high|tall|deep|fast|often|heavy|wide|come)\s+(\w+)?", re.IGNORECASE
)


def read_question(index: CoverageIndex, question: str) -> ReadQuestion:
    """The question's words, what may stand for each in ``index``, and the kind of fact it asks for."""
    terms = question_terms(question)  # InvalidQuestion when there is nothing to search for
    skipped = {t for w in _CHAT for t in tokenize(w)}
    for match in _HOW.finditer(question):
        skipped.update(tokenize(match.group().split()[1]))
    wanted = {t for t in terms if t not in skipped}
    if not wanted:
        raise InvalidQuestion(
            f"{question.strip()!r} has no word to search for (only words like 'what' or 'whats'): "
            "name who or what you are asking about"
        )
    typed_names = name_terms(question)
    total = max(1, index.size("sentence") + index.size("headline"))
    weights = index.term_weights(terms)
    words: dict[str, QuestionWord] = {}
    for match in _WORD.finditer(question):
        raw = match.group().strip(".'’-")
        if raw.casefold() in _CHAT:
            continue
        for term in tokenize(raw):
            if term not in wanted or term in words:
                continue
            typed = re.sub(r"['’]s$", "", raw.casefold())
            word = QuestionWord(typed, term, weights[term], position=len(words))
            word.number = any(c.isdigit() for c in term) or typed in _NUMBER_WORDS
            word.name = (term in typed_names or only_proper(word.word)) and not word.number
            _bridge(index, word)
            df = max((index.doc_freq(t) for t in word.alternatives), default=0)
            word.rare = 0 < df < RARE_SHARE * total
            word.settle()
            words[term] = word
    content = [w for w in words.values() if not w.name and not w.number and w.alternatives.get(w.term) == 1.0]
    if len(content) > 1 and KEY_WORD:
        top = max(w.weight for w in content)
        for word in content:
            word.key = word.weight >= KEY_SHARE * top  # the rarest, and any as rare as it
    for word in words.values():  # one word of a sentence stands for one word of the question: its own
        for other in words:
            if other != word.term and other in word.alternatives:
                del word.alternatives[other]
        word.settle()
    return ReadQuestion(question.strip(), question_kind(question), list(words.values()))


def _bridge(index: CoverageIndex, word: QuestionWord) -> None:
    """Fill ``word.alternatives``: itself, a spelling correction, and WordNet's related words, as index terms.
    A related word in more than :data:`COMMON_SHARE` of the passages ("go" for "rifle", "make" for "create")
    is left out: it would support anything."""
    common = max(COMMON_MIN, COMMON_SHARE * (index.size("sentence") + index.size("headline")))
    if index.doc_freq(word.term) > 0:
        word.alternatives[word.term] = 1.0
        word.labels[word.term] = word.word
    elif not word.number:
        speller = _spellers.get(index)
        if speller is None:
            speller = _spellers.setdefault(index, Speller())
        for term in speller.corrections(word.word, word.term, index.version, index.vocabulary, index.doc_freq):
            word.alternatives[term] = SPELLING
            word.labels[term] = f"{term} (spelling)"
    if word.number or not word.word.isalpha():
        return
    for form in inflections(word.word):  # "leave" -> "left", which the tokenizer keeps apart (a direction too)
        for term in tokenize(form):
            if term not in word.alternatives and 0 < index.doc_freq(term):
                word.alternatives[term] = INFLECTED
                word.labels[term] = f"{form} (inflection)"
    for related, closeness in related_words(word.word).items():
        if word.name and not _same_family(word.word, related):
            continue  # a name keeps only its own forms ("japanese" -> "japan"), never a synonym
        for term in tokenize(related):
            if term not in word.alternatives and 0 < index.doc_freq(term) <= common:
                word.alternatives[term] = closeness
                word.labels[term] = f"{related} (WordNet)"


def _same_family(word: str, other: str) -> bool:
    """Two forms of one name: "japanese" and "japan", "israeli" and "israel"."""
    return len(word) >= 4 and len(other) >= 4 and word[:4] == other[:4]


def _mark_names(question: ReadQuestion, texts: Iterable[str]) -> None:
    """Lower-case question words that the candidate sentences write capitalised in mid-sentence are names
    ("marisa mayer" -> Marisa Mayer), when WordNet knows them as a name or not at all; a word the coverage and
    WordNet both lack is one too (an unknown name, not a paraphrase). Headlines are not counted: many outlets
    capitalise every word of them."""
    text = "\n".join(texts)
    for word, following in zip(question.words, question.words[1:], strict=False):
        if following.position == word.position + 1 and word.word.isalpha() and following.word.isalpha():
            pair = rf"(?<![\w'’-]){re.escape(word.word)}\s+{re.escape(following.word)}(?![\w'’-])"
            word.first_name = re.search(pair, text, re.IGNORECASE) is not None
    for word in question.words:
        if word.name or word.number or not word.known:
            if not word.known and not word.number and word.word.isalpha() and not lemmas(word.word):
                word.name = True
                word.settle()
            continue
        known_name = proper_noun(word.word)
        if not known_name and (lemmas(word.word) or not word.word.isalpha()):
            continue  # a common word in WordNet: capitals in the coverage would not make it a name
        upper = lower = 0
        stem = re.escape(word.word[: max(3, len(word.word) - 2)])
        for match in re.finditer(rf"(?:^|(?<=[^\w'’-]))({stem})", text, re.IGNORECASE | re.MULTILINE):
            start = match.start(1)
            before = text[max(0, start - 3) : start].rstrip(" ")
            if not before or before[-1] in '.!?:"“‘(\n':
                continue  # sentence-initial: capitalised anyway
            if text[start].isupper():
                upper += 1
            else:
                lower += 1
        if upper >= 3 * lower and (upper >= 1 if known_name else upper >= 2 and not lemmas(word.word)):
            word.name = True
            word.alternatives = {
                t: c for t, c in word.alternatives.items() if c >= SPELLING or _same_family(word.word, t)
            }
            word.settle()


def _excused(question: ReadQuestion, word: QuestionWord, terms: Iterable[frozenset[str]]) -> bool:
    """A first name need not be repeated: "jeff bezos" is held by "Bezos" (the last word of a run of names)."""
    if not (word.name or word.rare) or not word.first_name:
        return False
    following = [w for w in question.words if w.position == word.position + 1]
    if not following:
        return False
    return any(following[0].support(t)[0] >= SUPPORTED for t in terms) or _excused(question, following[0], terms)


# --- 2. candidates --------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A sentence that may answer, read in its article."""

    passage: Passage
    previous: Passage | None
    following: Passage | None
    headline: Passage
    article_rank: int
    bm25_rank: int | None
    bm25: float  # normalised sentence BM25 (0..1; 0 when not among the BM25 hits)
    article_score: float  # normalised article score (0..1)
    article_terms: frozenset[str]
    local: float = 0.0
    own: float = 0.0
    article: float = 0.0
    missing: list[str] = field(default_factory=list)
    answer_type: str | None = None
    answer_type_in: Literal["sentence", "previous sentence"] | None = None
    supports: dict[str, str] = field(default_factory=dict)
    semantic: float | None = None
    score: float = 0.0
    with_previous: bool = False
    anchored: bool = False  # the sentence or its context holds one of the question's own words

    @property
    def answers(self) -> bool:
        return self.anchored and not self.missing and self.local >= ANSWER_FLOOR and self.own >= SENTENCE_FLOOR and (
            self.article >= ARTICLE_FLOOR
        ) and self.answer_type is not None  # fmt: skip


def candidates(index: CoverageIndex, question: ReadQuestion) -> tuple[list[Candidate], list[Hit]]:
    """Every sentence of the candidate articles, in article order then text order; and the headline hits."""
    plain = [w.term for w in question.words if w.known] or [w.term for w in question.words]
    spelled = [t for w in question.words for t, c in w.alternatives.items() if c >= SPELLING]
    bridged = [t for w in question.words for t in w.alternatives]
    queries = _queries(plain, spelled, bridged)
    sentence_hits = _merged(index.ranked(q, "sentence", _BM25_K) for q in queries)
    first: dict[int, Hit] = {}  # a headline found by the plain query keeps that query's score and coverage
    for query in queries:
        for hit in index.search(query, "headline", HEADLINES):
            if hit.score > 0:
                first.setdefault(hit.passage.pid, hit)
    headline_hits = sorted(first.values(), key=lambda h: (-h.score, h.passage.pid))
    top_sentence = max((score for _, _, score in sentence_hits), default=0.0) or 1.0
    top_headline = max((h.score for h in headline_hits), default=0.0) or 1.0
    bm25_rank = {pid: rank for rank, (pid, _, _) in enumerate(sentence_hits, start=1)}
    bm25 = {pid: score / top_sentence for pid, _, score in sentence_hits}
    merit: dict[str, float] = {}
    for _, article_id, score in sentence_hits:
        merit[article_id] = merit.get(article_id, 0.0) + 0.5 * score / top_sentence
    for hit in headline_hits:
        key = hit.passage.article.id
        merit[key] = merit.get(key, 0.0) + hit.score / top_headline
    ranked = sorted(merit, key=lambda a: (-merit[a], a))
    top_merit = max(merit.values(), default=0.0) or 1.0
    article_rank = {a: rank for rank, a in enumerate(ranked, start=1)}
    found: list[Candidate] = []

    def add(passage: Passage, previous: Passage | None, following: Passage | None, headline: Passage,
            terms: frozenset[str]) -> None:  # fmt: skip
        article_id = passage.article.id
        found.append(
            Candidate(
                passage=passage,
                previous=previous,
                following=following,
                headline=headline,
                article_rank=article_rank[article_id],
                bm25_rank=bm25_rank.get(passage.pid),
                bm25=bm25.get(passage.pid, 0.0),
                article_score=merit[article_id] / top_merit,
                article_terms=terms,
            )
        )

    whole = ranked[:ARTICLES]  # every sentence of these articles is read
    for passages in index.passages_of(whole).values():
        headline, sentences = passages[0], passages[1:]
        terms = frozenset().union(*(p.terms for p in passages))
        for i, passage in enumerate(sentences):
            add(passage, sentences[i - 1] if i > 0 else None, sentences[i + 1] if i + 1 < len(sentences) else None,
                headline, terms)  # fmt: skip
    # ... and of other articles, the best BM25 sentences, each with its headline and neighbours (its "article",
    # for the article floor, is then that context: reading whole articles for them would cost more than it finds)
    others = [(pid, a) for pid, a, _ in sentence_hits[:SENTENCE_HITS] if a not in set(whole)]
    needed = {p for pid, a in others for p in (index.first_pid(a), pid - 1, pid, pid + 1)}
    near = index.passages_at(needed)
    for pid, article_id in others:
        sentence, title = near.get(pid), near.get(index.first_pid(article_id))
        if sentence is None or title is None:
            continue
        before, after = near.get(pid - 1), near.get(pid + 1)
        before = before if before is not None and before.kind == "sentence" else None
        after = after if after is not None and after.article.id == article_id else None
        context = [p for p in (title, before, sentence, after) if p is not None]
        add(sentence, before, after, title, frozenset().union(*(p.terms for p in context)))
    return found, headline_hits


def _queries(plain: list[str], spelled: list[str], bridged: list[str]) -> list[list[str]]:
    queries = [list(dict.fromkeys(plain + spelled))]
    if set(bridged) - set(queries[0]):
        queries.append(list(dict.fromkeys(plain + spelled + bridged)))
    return queries


def _merged(lists: Iterable[list[tuple[int, str, float]]]) -> list[tuple[int, str, float]]:
    best: dict[int, tuple[int, str, float]] = {}
    for hits in lists:
        for hit in hits:
            if hit[2] > 0 and (hit[0] not in best or hit[2] > best[hit[0]][2]):
                best[hit[0]] = hit
    return sorted(best.values(), key=lambda h: (-h[2], h[0]))


# --- 3. reading the candidates --------------------------------------------------------------------------------


def _totals(question: ReadQuestion) -> tuple[float, float]:
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


Support = list[tuple[float, str | None]]  # per question word: closeness and the term that stands for it


def _support(question: ReadQuestion, key: object, terms: frozenset[str], cache: dict[object, Support]) -> Support:
    found = cache.get(key)
    if found is None:
        found = cache[key] = [w.support(terms) for w in question.words]
    return found


def _read(question: ReadQuestion, candidate: Candidate, cache: dict[object, Support]) -> None:
    """Score one candidate: what of the question it and its context hold, what is missing, the kind it states."""
    total, article_total = _totals(question)
    near = [p for p in (candidate.headline, candidate.previous, candidate.following) if p is not None]
    mine_all = _support(question, candidate.passage.pid, candidate.passage.terms, cache)
    near_all = [_support(question, p.pid, p.terms, cache) for p in near]
    article_all = _support(question, ("article", candidate.passage.article.id), candidate.article_terms, cache)
    for i, word in enumerate(question.words):  # first the cheap test that rules most candidates out
        if word.required and max(mine_all[i][0], *(n[i][0] for n in near_all)) < SUPPORTED:
            if not _excused(question, word, [candidate.passage.terms, *(p.terms for p in near)]):
                candidate.missing.append(word.word)
    if candidate.missing:
        return
    own = local = article = 0.0
    for i, word in enumerate(question.words):
        if not (word.known or word.required):
            continue
        mine, term = mine_all[i]
        context, context_term, where = 0.0, None, ""
        for passage, support in zip(near, near_all, strict=True):
            if support[i][0] > context:
                context, context_term, where = support[i][0], support[i][1], _where(candidate, passage)
        weight = word.weight if word.counted else BRIDGED * word.weight
        own += weight * mine
        local += weight * max(mine, CONTEXT * context)
        article += weight * article_all[i][0]
        if word.counted and max(mine, context) >= SPELLING:
            candidate.anchored = True
        if mine > 0 and term is not None:
            candidate.supports[word.word] = f"{word.labels[term]}, sentence"
        elif context > 0 and context_term is not None:
            candidate.supports[word.word] = f"{word.labels[context_term]}, {where}"
    candidate.own, candidate.local = min(1.0, own / total), min(1.0, local / total)
    candidate.article = min(1.0, article / article_total)
    gated = candidate.anchored and not candidate.missing and candidate.local >= ANSWER_FLOOR
    if gated and candidate.own >= SENTENCE_FLOOR and candidate.article >= ARTICLE_FLOOR:
        _answer_type(question, candidate)  # only for a candidate that may answer: it costs regular expressions
    typed = 0.0
    if candidate.answer_type_in is not None:
        typed = 0.1 if candidate.answer_type_in == "sentence" else 0.05
        if strong(question.kind, (candidate.passage if candidate.answer_type_in == "sentence" else candidate.previous
                                  or candidate.passage).text, question.names):  # fmt: skip
            typed += 0.1
    candidate.score = (
        0.45 * candidate.local + 0.35 * candidate.own + 0.2 * candidate.article
        + 0.15 * candidate.bm25 + 0.15 * candidate.article_score + typed
    )  # fmt: skip
    if candidate.semantic is not None:
        candidate.score += SEMANTIC_WEIGHT * candidate.semantic


def _answer_type(question: ReadQuestion, candidate: Candidate) -> None:
    if question.kind in (*_TYPED_KINDS, "where", "how"):
        found = holds(question.kind, candidate.passage.text, question.names)
        if found is not None:
            candidate.answer_type, candidate.answer_type_in = found, "sentence"
        elif candidate.previous is not None:
            before = holds(question.kind, candidate.previous.text, question.names)
            if before is not None:
                candidate.answer_type, candidate.answer_type_in = before, "previous sentence"
        if question.kind in ("where", "how") and candidate.answer_type is None:
            candidate.answer_type = "any"  # helps when stated, not required
    else:
        candidate.answer_type = "any"
    candidate.with_previous = candidate.previous is not None and _leans_on_previous(question, candidate)


def _where(candidate: Candidate, passage: Passage) -> str:
    if passage is candidate.headline:
        return "headline"
    return "previous sentence" if passage is candidate.previous else "next sentence"


def _leans_on_previous(question: ReadQuestion, candidate: Candidate) -> bool:
    """Whether the sentence opens with a pronoun or a role ("The company") and the sentence before it holds what
    this one lacks: a required word, or the fact of the asked kind."""
    if not _LEANS.match(candidate.passage.text) or candidate.previous is None:
        return False
    if candidate.answer_type_in == "previous sentence":
        return True
    for word in question.words:
        if word.required and word.support(candidate.passage.terms)[0] < SUPPORTED:
            if word.support(candidate.previous.terms)[0] >= SUPPORTED:
                if word.support(candidate.headline.terms)[0] < SUPPORTED:
                    return True
    return False


# --- 4. quoting -----------------------------------------------------------------------------------------------


def answer_question(index: CoverageIndex, question: str, reader: Reader = NO_READER) -> Answer:
    """Answer ``question`` from ``index``: quotes that answer it, then related headlines (see the module doc)."""
    read = read_question(index, question)
    found, headline_hits = candidates(index, read)
    _mark_names(read, [c.passage.text for c in found])
    if found:
        for candidate, similarity in zip(
            found, reader.similarities(read.text, [c.passage for c in found]), strict=True
        ):
            candidate.semantic = similarity
    cache: dict[object, Support] = {}
    for candidate in found:
        _read(read, candidate, cache)
    quotes = _pick_quotes(index, [c for c in found if c.answers])
    headline_answers = [h for h in headline_hits[:HEADLINES] if _headline_answers(index, read, h)]
    answered = bool(quotes) or bool(headline_answers)
    answering = {h.passage.article.id for h in headline_answers}
    quoted = {q.article_id for q in quotes} - answering  # a headline that answers is shown even beside its quote
    if answered:
        shown = [h for h in headline_hits if h.coverage >= HEADLINE_FLOOR and not _missing(read, h.passage.terms)]
    else:
        needed = {w.term for w in read.words if w.name and w.known}
        rarest = max((w for w in read.words if w.known), key=lambda w: w.weight, default=None)
        if rarest is not None:
            needed.add(rarest.term)
        shown = [h for h in headline_hits if h.coverage >= NEAREST_FLOOR and needed <= h.passage.terms]
    related = _group_headlines(sorted(shown, key=lambda h: (-h.score * h.coverage, h.passage.pid)), exclude=quoted)
    return Answer(question=read.text, answered=answered, quotes=quotes, headlines=related[:MAX_HEADLINES])


def _missing(question: ReadQuestion, terms: frozenset[str]) -> list[str]:
    return [
        w.word
        for w in question.words
        if w.required and w.support(terms)[0] < SUPPORTED and not _excused(question, w, [terms])
    ]


def _headline_answers(index: CoverageIndex, question: ReadQuestion, hit: Hit) -> bool:
    """A headline answers when it holds the question as a sentence must (names, numbers, rare words),
    :data:`HEADLINE_FLOOR` of its weight, and its article :data:`ARTICLE_FLOOR`."""
    total, article_total = _totals(question)
    words = [w for w in question.words if w.known]

    def weight(word: QuestionWord) -> float:
        return word.weight if word.counted else BRIDGED * word.weight

    held = sum(weight(w) * w.support(hit.passage.terms)[0] for w in words) / total
    anchored = any(w.counted and w.support(hit.passage.terms)[0] >= SPELLING for w in words)
    if not anchored or held < HEADLINE_FLOOR or _missing(question, hit.passage.terms):
        return False
    if question.kind in ("who", "how_many", "why") and holds(question.kind, hit.passage.text, question.names) is None:
        return False  # (for "when", the article's date answers)
    terms = index.article_terms(hit.passage.article.id)
    return sum(weight(w) * w.support(terms)[0] for w in words) / article_total >= ARTICLE_FLOOR


def _pick_quotes(index: CoverageIndex, pool: list[Candidate]) -> list[Quote]:
    copies = _copies(pool)
    pool = [c for c in pool if copies[_normal(c.passage.text)][0] is c]
    if not pool:
        return []
    best = max(c.score for c in pool)
    chosen: list[Candidate] = []
    while pool and len(chosen) < MAX_QUOTES:
        used = {c.passage.article.id for c in chosen}
        pick = max(pool, key=lambda c: (c.score * (SAME_ARTICLE_PENALTY if c.passage.article.id in used else 1.0),
                                        -c.passage.pid))  # fmt: skip
        pool.remove(pick)
        if pick.score < best * QUOTE_RATIO:
            break
        if any(_similar(pick, other) for other in chosen):
            continue
        chosen.append(pick)
    return [_quote(index, c, copies[_normal(c.passage.text)]) for c in chosen]


def _quote(index: CoverageIndex, candidate: Candidate, copies: list[Candidate]) -> Quote:
    refs = [c.passage.article for c in copies]
    text = candidate.passage.text
    if candidate.with_previous and candidate.previous is not None:
        text = index.excerpt(candidate.previous.pid, candidate.passage.pid)
    why = QuoteReason(
        bm25_rank=candidate.bm25_rank,
        article_rank=candidate.article_rank,
        semantic=None if candidate.semantic is None else round(candidate.semantic, 4),
        answer_type=None if candidate.answer_type == "any" else candidate.answer_type,
        answer_type_in=candidate.answer_type_in,
        supports=candidate.supports,
        with_previous=candidate.with_previous,
        score=round(candidate.score, 4),
    )
    return Quote(text=text, score=candidate.score, why=why, **_attribution(refs))


def _copies(pool: Sequence[Candidate]) -> dict[str, list[Candidate]]:
    """Identical sentences from several articles, earliest article first (the original, then its reprints)."""
    groups: dict[str, list[Candidate]] = {}
    for candidate in pool:
        groups.setdefault(_normal(candidate.passage.text), []).append(candidate)
    for group in groups.values():
        group.sort(key=lambda c: _age(c.passage.article))
    return groups


def _attribution(copies: list[ArticleRef]) -> dict[str, Any]:
    """The fields of a quote or headline: the first (oldest) copy's article, the other outlets in ``also_in``."""
    first = copies[0]
    also = _unique(r.source for r in copies[1:] if r.source != first.source)
    return {"article_id": first.id, "title": first.title, "source": first.source, "date": first.date,
            "url": first.url, "also_in": also}  # fmt: skip


def _group_headlines(hits: Iterable[Hit], exclude: set[str]) -> list[Headline]:
    groups: dict[str, list[ArticleRef]] = {}
    for hit in hits:
        groups.setdefault(_normal(hit.passage.text), []).append(hit.passage.article)
    result = []
    for refs in groups.values():
        if any(r.id in exclude for r in refs):
            continue
        result.append(Headline(**_attribution(sorted(refs, key=_age))))
    return result


def _age(ref: ArticleRef) -> tuple[tuple[int, str], int]:
    return date_sort_key(ref.date), ref.order


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _similar(a: Candidate, b: Candidate) -> bool:
    x, y = a.passage.terms, b.passage.terms
    if not x or not y:
        return False
    return len(x & y) / len(x | y) >= NEAR_DUPLICATE


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
