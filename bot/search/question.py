"""Reading a question: its words, what may stand for each in the coverage, and the kind of fact it asks for.

Step 1 of the answerer (:mod:`bot.search.answers`). Each word becomes an index term (the articles' tokenizer) and
gets what may stand for it in the coverage: itself; for a word the coverage never uses, its spelling corrections
against the coverage's own vocabulary (:mod:`bot.search.spelling`); for a common word, its WordNet synonyms,
derived forms and hypernyms that the coverage uses (:mod:`bot.search.lexicon`), each with a closeness. A word is a
*name* when it is typed as one ("Amazon", "ICE") or when the coverage writes it capitalised ("marisa mayer"), and a
*number* when it has digits; an acronym is held by its expansion (:func:`spell_out`); the verb of a yes-or-no
question is the event it asks about (:func:`asked_verb`) and must be held like a name. The question's kind
("when", "how many", "who", "why", ...) is read from its question word (:mod:`bot.search.answer_type`).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from math import inf

from bot.core.errors import InvalidQuestion
from bot.core.text import tokenize
from bot.search.answer_type import Kind, question_kind
from bot.search.index import CoverageIndex
from bot.search.lexicon import causes, inflections, lemmas, only_proper, phrasal_verb, proper_noun, related_words
from bot.search.names import expansions, known_name, name_forms, same_family
from bot.search.query import question_terms
from bot.search.shorthand import CHAT, full_form, is_name
from bot.search.spelling import Speller

__all__ = [
    "SPELLING",
    "SUPPORTED",
    "QuestionWord",
    "ReadQuestion",
    "asked_verb",
    "asked_words",
    "mark_names",
    "name_terms",
    "read_question",
    "spell_out",
]

COMMON_SHARE = 0.01  # a WordNet alternative in more passages than this share is too common to bridge with
COMMON_MIN = 50  # ... but one in fewer passages than this never is
RARE_SHARE = 0.001  # a term in fewer than this share of the passages must be supported like a name
SUPPORTED = 0.8  # closeness a word must reach to support a required question word
SPELLING = 0.95  # closeness of a spelling correction
KEY_SHARE = 0.99  # content words within this share of the rarest one's weight are key words too
KEY_WORD = True  # the question's rarest content word must be supported like a name
INFLECTED = 0.9  # closeness of an irregular form ("left" for "leave")

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
    key: bool = False  # the question's rarest content word that the coverage uses as typed (of what is asked)
    rarest: bool = False  # ... wherever it stands in the question (a headline must hold it)
    first_name: bool = False  # a name the coverage writes just before the next question word ("Jeff Bezos")
    predicate: bool = False  # the verb a "did ..." question asks about ("did amazon *sign* a contract")
    spelled_out: dict[str, frozenset[str]] = field(default_factory=dict)  # an acronym's expansions: label -> terms

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
        """Must be supported near the quote: a name, a number, a rare word or the asked verb. A lower-case word
        the coverage never uses (and cannot be corrected to) is a paraphrase, left out; a name never is."""
        if not self.alternatives:
            return self.name or self.number or self.predicate  # an event the coverage never tells of
        return self.name or self.number or self.rare or self.key or self.predicate

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
        if best < 1.0:
            for label, expansion in self.spelled_out.items():
                if expansion <= terms:
                    return 1.0, label  # "Immigration and Customs Enforcement" holds "ICE"
        return best, which


@dataclass
class ReadQuestion:
    text: str
    kind: Kind
    words: list[QuestionWord]

    @property
    def names(self) -> frozenset[str]:
        """The question's own names and numbers, as typed: what it gives, not what it asks for."""
        return frozenset(w.word.replace(",", "") for w in self.words if w.name or w.number)


_WORD = re.compile(r"[^\W_][\w.'’-]*")
_NAMED = (only_proper, known_name, is_name)  # a lower-case word held as a name: WordNet's, or shorthand for one
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
    skipped = {t for w in CHAT for t in tokenize(w)}
    for match in _HOW.finditer(question):
        skipped.update(tokenize(match.group().split()[1]))
    wanted = {t for t in terms if t not in skipped}
    if not wanted:
        raise InvalidQuestion(
            f"{question.strip()!r} has no word to search for (only words like 'what' or 'whats'): "
            "name who or what you are asking about"
        )
    typed_names = name_terms(question)
    verb = asked_verb(question)
    total = max(1, index.size("sentence") + index.size("headline"))
    weights = index.term_weights(terms)
    words: dict[str, QuestionWord] = {}
    matches = list(_WORD.finditer(question))
    for at, match in enumerate(matches):
        raw = match.group().strip(".'’-")
        if raw.casefold() in CHAT:
            continue
        for term in tokenize(raw):
            if term not in wanted or term in words:
                continue
            typed = re.sub(r"['’]s$", "", raw.casefold())
            word = QuestionWord(typed, term, weights[term], position=len(words))
            word.number = any(c.isdigit() for c in term) or typed in _NUMBER_WORDS
            word.name = (term in typed_names or any(f(typed) for f in _NAMED)) and not word.number
            asked = typed == verb and not word.name
            after = matches[at + 1].group().casefold() if at + 1 < len(matches) else ""
            phrasal = phrasal_verb(typed, after)  # "take over": assume, seize; not "take" alone
            _bridge(index, word, "v" if asked or phrasal else None, phrasal)  # the asked verb: no noun's relatives
            df = max((index.doc_freq(t) for t in word.alternatives), default=0)
            word.rare = 0 < df < RARE_SHARE * total
            word.predicate = asked and df <= _common(index)
            word.settle()
            words[term] = word
    content = [w for w in words.values() if not w.name and not w.number and w.alternatives.get(w.term) == 1.0]
    kind = question_kind(question)
    if len(content) > 1 and KEY_WORD:
        top = max(w.weight for w in content)
        phrase = asked_words(question) if kind in _ASKED_KINDS else None
        for word in content:
            word.key = word.rarest = word.weight >= KEY_SHARE * top  # the rarest, and any as rare as it
            if phrase is not None:
                word.key = word.key and word.word in phrase  # ... of what is asked, not of how it is told
    for word in words.values():  # one word of a sentence stands for one word of the question: its own
        for other in words:
            if other != word.term and other in word.alternatives:
                del word.alternatives[other]
        word.settle()
    return ReadQuestion(question.strip(), kind, list(words.values()))


# "did amazon sign ...", "will the court rule ...": a yes-or-no question, its auxiliary, the subject, the verb.
_AUXILIARY = re.compile(
    r"^\W*(?:so\s+|and\s+|but\s+)?(?:did|does|do|didnt|doesnt|dont|will|would|can|could|should|has|have|had)\s+(.*)",
    re.IGNORECASE,
)


# Questions whose question word names what is asked in a noun phrase ("what magnitude", "who is the finance
# minister"): their key word must be held only when it is part of that phrase. A when, how-many or why question
# asks about its verb ("how much was google fined"), so its rarest word is held whatever it is.
_ASKED_KINDS = ("who", "what", "say")
_LINK = r"(?:is|was|are|were|did|does|do|has|have|had|will|would|can|could|should|must)"
_ASKED = [
    re.compile(rf"^\W*(?:what|which|whose|wich|wat)\s+((?:[\w'’-]+\s+){{0,4}}?){_LINK}\b"),
    re.compile(
        r"^\W*(?:(?:who|what|wat)\s+(?:is|was|are|were)|whats|what's|whos|who's)\s+(?:the\s+|a\s+|an\s+)?"
        r"((?:[\w'’-]+\s*){0,4}?)(?=\b(?:of|in|at|for|from|on|to|that|who|which|with|by|during|after|before)\b|\W*$)"
    ),
]


def asked_words(question: str) -> set[str]:
    """The words of what a question asks for, as typed: its question word's noun phrase ("what *magnitude* was
    ...", "which *hamas official* did ...") or what it asks someone to be ("who is the *finance minister* in
    ..."); empty when the question word stands alone ("who will replace giuliani"). A question's rarest word
    elsewhere tells what it is about in the asker's words, which reporters put in theirs ("replace": "he will be
    succeeded by"), so only the asked phrase's rarest word must be held like a name."""
    text = question.casefold().strip()
    found: set[str] = set()
    for pattern in _ASKED:
        match = pattern.match(text)
        if match:
            found.update(w.strip("'’") for w in match.group(1).split())
    return found


def asked_verb(question: str) -> str | None:
    """The verb a yes-or-no question ("did", "does", "will" ...) asks about, as typed: the first word after the
    auxiliary's subject (its first content word) that WordNet knows as a verb. Such a question asks whether one
    event happened, so a sentence that holds its names but not this verb (nor a synonym of it) tells of another
    event: "did amazon sign a contract with ice" is not answered by a sentence about an official in federal sales
    contracts. (A "when" or "why" question takes the event as given and often puts it in other words.)"""
    match = _AUXILIARY.match(question.strip())
    if match is None:
        return None
    words = [w.casefold() for w in re.findall(r"[^\W\d_]+", match.group(1))]
    subject = next((i for i, w in enumerate(words) if tokenize(w)), len(words))
    for word in words[subject + 1 :]:
        if any(pos == "v" for _, pos in lemmas(word)):
            return word if tokenize(word) else None  # "say" is a stopword: nothing to require
    return None


def _common(index: CoverageIndex) -> float:
    """Passages beyond which a word is too common to bridge with, or to require as the asked verb."""
    return max(COMMON_MIN, COMMON_SHARE * (index.size("sentence") + index.size("headline")))


def _bridge(index: CoverageIndex, word: QuestionWord, pos: str | None = None, phrase: str | None = None) -> None:
    """Fill ``word.alternatives``: itself, a spelling correction, and WordNet's related words, as index terms.
    A related word in more than :data:`COMMON_SHARE` of the passages ("go" for "rifle", "make" for "create")
    is left out: it would support anything."""
    common = _common(index)
    full = full_form(word.word)  # "govt" -> "government": shorthand, never corrected as a typo ("gov", "goat")
    if index.doc_freq(word.term) > 0:
        word.alternatives[word.term] = 1.0
        word.labels[word.term] = word.word
    elif not word.number and full is None:
        speller = _spellers.get(index)
        if speller is None:
            speller = _spellers.setdefault(index, Speller())
        for term in speller.corrections(word.word, word.term, index.version, index.vocabulary, index.doc_freq):
            word.alternatives[term] = SPELLING
            word.labels[term] = f"{term} (spelling)"
    if word.number or not word.word.isalpha():
        return
    lookup, held = word.word, frozenset(tokenize(full or ""))
    if held and all(index.doc_freq(t) > 0 for t in held):  # "new zealand" holds "nz" only whole
        word.labels[full or ""] = f"{full} (shorthand)"
        if len(held) > 1:
            word.spelled_out[full or ""] = held
        else:
            [term] = held
            lookup = word.word if word.alternatives else (full or "").casefold()  # "percent": its own relatives
            word.alternatives[term], word.labels[term] = 1.0, f"{full} (shorthand)"
    for expansion in expansions(word.word):  # "er" -> "emergency room", held only whole
        terms = frozenset(t for part in expansion.split() for t in tokenize(part))
        if len(terms) >= 2 and all(index.doc_freq(t) > 0 for t in terms):
            word.spelled_out[expansion] = terms
            word.labels[expansion] = f"{expansion} (WordNet)"
    for form in inflections(lookup):  # "leave" -> "left", which the tokenizer keeps apart (a direction too)
        for term in tokenize(form):
            if term not in word.alternatives and 0 < index.doc_freq(term):
                word.alternatives[term] = INFLECTED
                word.labels[term] = f"{form} (inflection)"
    effects = set() if word.name else set(causes(lookup))  # a cause says it however common: "killed", "died"
    relatives = name_forms(word.word) if word.name else related_words(phrase or lookup, pos)
    for related, closeness in relatives.items():  # a name keeps only its own forms: "japanese" -> "japan"
        most = inf if related in effects else common
        for term in tokenize(related):
            if term not in word.alternatives and 0 < index.doc_freq(term) <= most:
                word.alternatives[term] = closeness
                word.labels[term] = f"{related} (WordNet)"


def _name_form(word: str, term: str) -> bool:
    """Whether index term ``term`` is one of the forms of the name ``word`` (:func:`bot.search.lexicon.name_forms`)."""
    return same_family(word, term) or any(term in tokenize(form) for form in name_forms(word))


def mark_names(question: ReadQuestion, texts: Iterable[str], headlines: Iterable[str] = ()) -> None:
    """Lower-case question words that the coverage writes as names are names ("marisa mayer" -> Marisa Mayer).

    ``texts`` are the candidate sentences, ``headlines`` their headlines. A word is a name when the sentences
    write it capitalised in mid-sentence and WordNet knows it as a name or not at all; or when WordNet lacks it
    and nothing writes it in lower case, however few its mentions ("microsoft", whose only mention opens a
    sentence or a headline). A headline's capitals alone never make a name (many outlets capitalise every word of
    a headline), but a headline that writes it in lower case counts against. A word the coverage and WordNet both
    lack is a name too (an unknown name, not a paraphrase)."""
    text = _Folded("\n".join(texts))
    titles = _Folded("\n".join(headlines))
    for word, following in zip(question.words, question.words[1:], strict=False):
        if following.position == word.position + 1 and word.word.isalpha() and following.word.isalpha():
            word.first_name = text.pair(word.word, following.word)
            if word.first_name and not word.name and only_proper(f"{word.word}_{following.word}"):
                word.name = not only_proper(following.word)  # "liberal party", "red cross": one name, written so
                word.alternatives = {t: c for t, c in word.alternatives.items() if c >= SPELLING or t == word.term}
                word.settle()
            if word.known and following.known and not (word.number or following.number):
                if text.phrases(word.word, following.word) >= 2:  # "news corp" -> Team News Corp: one name, held whole
                    for one in (word, following):
                        if not one.name:
                            one.name = True
                            one.settle()
    for word in question.words:
        if word.name or word.number or not word.known:
            if not word.known and not word.number and word.word.isalpha() and not lemmas(word.word):
                word.name = True
                word.settle()
            continue
        known_name = proper_noun(word.word)
        if not known_name and (lemmas(word.word) or not word.word.isalpha()):
            continue  # a common word in WordNet: capitals in the coverage would not make it a name
        stem = word.word[: max(3, len(word.word) - 2)]
        upper = lower = initial = 0
        for start in text.word_starts(stem):
            before = text.text[max(0, start - 3) : start].rstrip(" ")
            if not before or before[-1] in '.!?:"“‘(\n':
                initial += text.text[start].isupper()  # sentence-initial: capitalised anyway
            elif text.text[start].isupper():
                upper += 1
            else:
                lower += 1
        for start in titles.word_starts(stem):
            if titles.text[start].isupper():
                initial += 1
            else:
                lower += 1
        named = upper >= 3 * lower and (upper >= 1 if known_name else upper >= 2)
        if named or (not known_name and lower == 0 and upper + initial >= 1):
            word.name = True
            word.alternatives = {
                t: c for t, c in word.alternatives.items() if c >= SPELLING or _name_form(word.word, t)
            }
            word.settle()


_WORDISH = re.compile(r"[\w'’-]")  # a character that continues a word: no word starts after it
# The only characters that match an ASCII letter under re.IGNORECASE without being one ("İ", "ı", "ſ", Kelvin "K").
_ASCII_FOLDS = "\u0130\u0131\u017f\u212a"
_LINKED = r"\s+(?:(?:and|of|for|the|&)\s+)?"


class _Folded:
    r"""A text to count a question word's mentions in, case-insensitively, as :func:`mark_names` does.

    What is counted is what ``re.IGNORECASE`` patterns find ("(?:^|(?<=[^\w'’-]))stem" and "(?<![\w'’-])word\s+
    next(?![\w'’-])"), found faster: a regular expression that opens with a look-behind tries every position of
    the text (milliseconds over a question's candidate sentences, for each word). For an ASCII word over a text
    whose lower-case copy has the same length and that holds none of the characters that fold to an ASCII letter,
    a case-insensitive match is exactly an occurrence in the lower-case copy, so ``str.find`` finds the same
    positions; otherwise the patterns themselves run. (Mentions of an all-letter stem at word starts never
    overlap, so every one is a match of the pattern's scan.)"""

    def __init__(self, text: str) -> None:
        self.text = text
        low = text.lower()
        folds = not text.isascii() and any(c in text for c in _ASCII_FOLDS)
        self.low = low if len(low) == len(text) and not folds else None

    def _fast(self, word: str) -> bool:
        return self.low is not None and word.isascii() and word.isalpha()

    def word_starts(self, stem: str) -> list[int]:
        """Where ``stem`` starts a word, in any case: at the text's start or after a character that does not
        continue a word."""
        if not self._fast(stem):
            pattern = re.compile(rf"(?:^|(?<=[^\w'’-]))({re.escape(stem)})", re.IGNORECASE | re.MULTILINE)
            return [match.start(1) for match in pattern.finditer(self.text)]
        assert self.low is not None
        text, low, key = self.text, self.low, stem.lower()
        found = []
        at = low.find(key)
        while at >= 0:
            if at == 0 or _WORDISH.match(text, at - 1) is None:
                found.append(at)
            at = low.find(key, at + 1)
        return found

    def pair(self, word: str, following: str) -> bool:
        """Whether ``word`` is written just before ``following`` (whole words, any case, any spaces between)."""
        if not (self._fast(word) and self._fast(following)):
            pair = rf"(?<![\w'’-]){re.escape(word)}\s+{re.escape(following)}(?![\w'’-])"
            return re.search(pair, self.text, re.IGNORECASE) is not None
        assert self.low is not None
        text, low, second = self.text, self.low, following.lower()
        for start in self.word_starts(word):
            spaces = _SPACES.match(text, start + len(word))
            if spaces is None:
                continue
            at = spaces.end()
            end = at + len(second)
            if low.startswith(second, at) and (end == len(text) or _WORDISH.match(text, end) is None):
                return True
        return False

    def phrases(self, word: str, following: str) -> int:
        """How often the two words are written capitalised in mid-sentence as one name, perhaps with "and",
        "of", "for", "the" or "&" between them ("News Corp", "Department of Justice")."""
        first, second = _capitalised(word), _capitalised(following)
        if first not in self.text or second not in self.text:
            return 0  # the pattern holds both literally
        phrase = rf"(?<=[^\s.!?:\"“(]\s){re.escape(first)}{_LINKED}{re.escape(second)}\b"
        return len(re.findall(phrase, self.text))


_SPACES = re.compile(r"\s+")


def _capitalised(word: str) -> str:
    """``word`` written with a capital, as a name in mid-sentence is ("news" -> "News")."""
    return word[:1].upper() + word[1:]


_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:(?:and|of|for|the|on|in|de|&)\s+)*[A-Z][a-z]+)+")
_LINKING = frozenset({"and", "of", "for", "the", "on", "in", "de", "&"})


def spell_out(question: ReadQuestion, texts: Iterable[str]) -> None:
    """Let an acronym of the question be held by its expansion in the coverage: "ICE" by "Immigration and Customs
    Enforcement", when a run of capitalised words in ``texts`` has its letters as initials (linking words such
    as "and", "of" skipped). The expansion holds the acronym only whole: every one of its words. A word the
    coverage does not use as typed may be a name's two words run together ("commbank": Commonwealth Bank), held
    the same way."""
    acronyms = {w.word: w for w in question.words if w.name and 2 <= len(w.word) <= 6 and w.word.isalpha()}
    blends = [
        w for w in question.words
        if len(w.word) >= 6 and w.word.isalpha() and not w.number and w.alternatives.get(w.term) != 1.0
    ]  # fmt: skip
    if not acronyms and not blends:
        return
    for match in _CAPITALISED_RUN.finditer("\n".join(texts)):
        words = match.group().split()
        for first, second in zip(words, words[1:], strict=False):
            for blend in blends:
                if _blend(blend.word, first.casefold(), second.casefold()) and f"{first} {second}" not in blend.labels:
                    label = f"{first} {second}"
                    blend.spelled_out[label] = frozenset(t for w in (first, second) for t in tokenize(w))
                    blend.labels[label] = f"{label} (spelled out)"
        for start in range(len(words)):
            if words[start].casefold() in _LINKING:
                continue
            initials = ""
            for end in range(start, len(words)):
                if words[end].casefold() not in _LINKING:
                    initials += words[end][0].casefold()
                word = acronyms.get(initials)
                if word is not None and end > start and words[end].casefold() not in _LINKING:
                    label = " ".join(words[start : end + 1])
                    terms = frozenset(t for w in words[start : end + 1] for t in tokenize(w))
                    if terms and label not in word.spelled_out:
                        word.spelled_out[label] = terms
                        word.labels[label] = f"{label} (spelled out)"


def _blend(word: str, first: str, second: str) -> bool:
    """Whether ``word`` is typed as the start of one name's first word and the start of its second, written as
    one ("commbank": Commonwealth Bank), each part at least three letters."""
    if first in _LINKING or second in _LINKING:
        return False
    return any(first.startswith(word[:cut]) and second.startswith(word[cut:]) for cut in range(3, len(word) - 2))
