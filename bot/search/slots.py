"""Whether a sentence fills the question's slot with another people or party: "Labor MP" for "which liberal mp".

Why: a near-miss question changes one word of what an article says ("which *liberal* mp's electorate covers
woomera" when the article says "South Australian *Labor* MP Lyn Breuer, whose electorate covers Woomera"). The
relevance test (:mod:`bot.search.relevance`) lets such a sentence through whenever the changed word is a common
word too ("liberal"), or is held somewhere else near it ("tasmanian" by "Tasmania's east coast"), and the sentence
then answers a different question. The question itself says where the word belongs: just before the noun it
modifies ("liberal *mp*", "french *soldiers*"). A sentence that writes that noun after a capitalised word of the
same kind (another people: "British soldiers"; another party: "Labor MP"), and never holds the question's own
word, is about the other one. (One that holds it elsewhere is left to the relevance test: "a South Australian
yacht ... towed to Tasmania's east coast" still answers "the tasmanian yacht"; refusing those too cost a held-out
answer, measured by counts only.)

The kinds are WordNet's (:func:`kind_of`): a word of another kind before the noun is no contradiction ("Hamas
militants" for "palestinian militants", "Breuer", a name WordNet does not know). The question's word is held by
its forms, spelling corrections and an acronym's expansion anywhere in the run of capitalised words before the
noun ("sa" by "South Australian"). The nearest passage that writes the noun decides: the sentence, else its
neighbours, else its headline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from bot.core.text import tokenize
from bot.search.index import Passage
from bot.search.lexicon import lemmas, lexical_file, only_proper, proper_noun
from bot.search.question import SPELLING, SUPPORTED, QuestionWord, ReadQuestion

__all__ = ["Slots", "institution_names", "kind_of", "other_in_slot", "question_slots", "slot_pairs"]

_WORD = re.compile(r"[^\W_][\w.'’-]*")
_POSSESSIVE = re.compile(r"['’]s?$")
_RUN = 4  # capitalised words read back from the noun
# The head nouns of a named institution: the words just before one name it ("Queen Elizabeth Hospital").
INSTITUTIONS = frozenset(
    "hospital university college council court school airport station church bank company museum".split()
)


@lru_cache(maxsize=20_000)
def kind_of(word: str) -> str | None:
    """Which people or group a word tells, by WordNet's usual sense: ``"people"`` for an adjective that pertains to
    a place or people and is only a name ("british", "tasmanian"; not "national"); ``"party"`` for a group WordNet
    writes capitalised ("labor", "hamas") or a kind of person that is an adjective too ("liberal", "republican",
    "national"). None for a place ("haifa", "woomera": "Afghan detainees at Woomera" are Woomera's detainees), a
    common group ("team", "police": "the Australian captain" is the team's) and one person ("Breuer")."""
    noun = lexical_file(word, "n")
    if noun == "noun.location":
        return None
    adjective = lexical_file(word, "a")
    if adjective == "adj.pert" and only_proper(word):
        return "people"
    if (noun == "noun.group" and proper_noun(word)) or (noun == "noun.person" and adjective is not None):
        return "party"
    return None


def slot_pairs(question: ReadQuestion) -> list[tuple[QuestionWord, QuestionWord]]:
    """The question's (people or party, the noun it modifies) pairs: a word of a kind (:func:`kind_of`) typed just
    before a noun WordNet knows, not a number ("liberal mp", "tasmanian yacht", "french soldiers"; not "jerusalem
    and haifa suicide attacks", whose place is not the attackers' kind, nor "chancellor halted")."""
    text = question.text.casefold()
    pairs = []
    for word, following in zip(question.words, question.words[1:], strict=False):
        if following.position != word.position + 1 or word.number or kind_of(word.word) is None:
            continue
        if following.number or not following.known or not _noun(following.word):
            continue
        typed = rf"(?<![\w'’-]){re.escape(word.word)}(?:['’]s?)?\s+{re.escape(following.word)}(?:['’]s?)?(?![\w'’-])"
        if re.search(typed, text):
            pairs.append((word, following))
    return pairs


Slots = tuple[
    list[tuple[QuestionWord, QuestionWord]], list[tuple[tuple[QuestionWord, ...], QuestionWord]]
]  # the question's (people or party, noun) pairs and its (institution name, head noun) pairs


def question_slots(question: ReadQuestion) -> Slots:
    """What of the question :func:`other_in_slot` checks: read once per question by a caller that checks many
    passages (the judge's candidates), rather than once a passage."""
    return slot_pairs(question), institution_names(question)


def other_in_slot(question: ReadQuestion, passages: Sequence[Passage | None], slots: Slots | None = None) -> bool:
    """Whether the first of ``passages`` (the sentence, then its context: neighbours, headline) that writes a
    modified noun of the question writes it only after a word of another people or party (see the module doc),
    or, where it writes an institution the question names, names another institution there
    (:func:`_other_institution`). ``slots``: the question's :func:`question_slots`, if already read."""
    pairs, institutions = question_slots(question) if slots is None else slots
    for name, modified in pairs:
        kind = kind_of(name.word)
        for passage in passages:
            if passage is None or modified.support(passage.terms)[0] < SPELLING:
                continue
            runs = _runs(passage.text, modified)
            if name.support(passage.terms)[0] < SUPPORTED and not any(
                name.support(terms)[0] >= SUPPORTED for terms, _ in runs
            ):  # the passage never holds the question's word, and writes the noun after another of its kind
                if any(_filler_kind(word) == kind for _, words in runs for word in words):
                    return True
            break  # the nearest passage that writes the noun decides
    return _other_institution(institutions, passages)


def institution_names(question: ReadQuestion) -> list[tuple[tuple[QuestionWord, ...], QuestionWord]]:
    """The question's (name words, institution head noun) pairs: the words typed just before a head noun of
    :data:`INSTITUTIONS`, up to three, not numbers, that are part of a name (:func:`_names`; "royal adelaide
    hospital": royal, adelaide)."""
    typed = [m.group().rstrip(".") for m in _WORD.finditer(question.text.casefold())]
    words = {word.word: word for word in question.words if not word.number}
    found = []
    for i, raw in enumerate(typed):
        if raw not in INSTITUTIONS or raw not in words:
            continue
        name: list[QuestionWord] = []
        for before in reversed(typed[max(0, i - 3) : i]):
            if before not in words:
                break  # a word the question does not count ("at the", "which"), or a number
            name.insert(0, words[before])
        name = [word for word in name if _names(word)]
        if name:
            found.append((tuple(name), words[raw]))
    return found


def _names(word: QuestionWord) -> bool:
    """Whether a word before the head noun is part of a name: a name, or an adjective that pertains to one
    ("adelaide", "royal"); not a word telling the kind ("local council", "high court", "train station")."""
    return word.name or lexical_file(word.word, "a") == "adj.pert" or only_proper(word.word)


def _other_institution(
    institutions: list[tuple[tuple[QuestionWord, ...], QuestionWord]], passages: Sequence[Passage | None]
) -> bool:
    """Whether the first of ``passages`` that writes an institution head noun of the question (``institutions``:
    its :func:`institution_names`) names another one
    there: every capitalised run before the noun lacks a name word of the question and holds a word the question
    does not ("Adelaide's Queen Elizabeth Hospital" for "the royal adelaide hospital"). A passage that writes the
    noun with no name before it ("the hospital") does not decide against it."""
    for name, head in institutions:
        for passage in passages:
            if passage is None or head.support(passage.terms)[0] < SPELLING:
                continue
            runs = [words for _, words in _runs(passage.text, head) if any(tokenize(w) for w in words)]
            if runs and all(_names_another(name, words) for words in runs):
                return True
            break  # the nearest passage that writes the noun decides
    return False


def _names_another(name: tuple[QuestionWord, ...], words: tuple[str, ...]) -> bool:
    """Whether a run of capitalised words lacks one of the question's name words and holds a word none of them
    stands for."""
    terms = frozenset(t for w in words for t in tokenize(w))
    lacks = any(word.support(terms)[0] < SUPPORTED for word in name)
    other = any(
        tokenize(w) and all(word.support(frozenset(tokenize(w)))[0] < SUPPORTED for word in name) for w in words
    )
    return lacks and other


def _runs(text: str, modified: QuestionWord) -> list[tuple[frozenset[str], tuple[str, ...]]]:
    """The run of capitalised words just before each place ``text`` writes ``modified``: its terms and its words
    (lower case); empty where no capitalised word stands just before it."""
    words = [_POSSESSIVE.sub("", m.group().rstrip(".")) for m in _WORD.finditer(text)]
    nouns = _nouns(modified.word)
    found = []
    for i, raw in enumerate(words):
        terms = tokenize(raw)
        if not terms or modified.alternatives.get(terms[0], 0.0) < SPELLING or not nouns & _nouns(raw.casefold()):
            continue  # the same noun, not a word the stemmer makes alike ("fell" for "fall")
        run = [w.casefold() for w in reversed(words[max(0, i - _RUN) : i])]
        run = run[: next((k for k, w in enumerate(run) if not words[i - 1 - k][:1].isupper()), len(run))]
        found.append((frozenset(t for w in run for t in tokenize(w)), tuple(run)))
    return found


@lru_cache(maxsize=20_000)
def _filler_kind(word: str) -> str | None:
    """Which people or group a capitalised word before the noun names, more strictly than :func:`kind_of` (a
    sentence capitalises titles and roles): ``"people"`` for a people's adjective or a place that WordNet knows
    only as names ("Australian", "Sydney"), ``"party"`` for a group it writes capitalised ("Labor", "Hamas") or
    a party's member whose adjective pertains to it ("Republican"). Not "National", "Federal", "Chief" or
    "Independent", which are titles as often, nor a word it does not know ("Breuer") or knows otherwise ("The")."""
    if not word.isalpha() or not tokenize(word):
        return None
    noun, adjective = lexical_file(word, "n"), lexical_file(word, "a")
    if (adjective == "adj.pert" or noun == "noun.location") and only_proper(word):
        return "people"
    if proper_noun(word) and ((noun == "noun.group" and adjective is None) or adjective == "adj.pert"):
        return "party"
    return None


@lru_cache(maxsize=20_000)
def _nouns(word: str) -> frozenset[str]:
    """The nouns WordNet reads ``word`` as ("men" -> man, "mps" -> mp); a word it does not know stands for itself."""
    found = frozenset(lemma for lemma, pos in lemmas(word) if pos == "n")
    return found or (frozenset() if lemmas(word) else frozenset({word}))


@lru_cache(maxsize=20_000)
def _noun(word: str) -> bool:
    """Whether ``word`` is typed as a noun WordNet knows: the noun itself or its plural ("mp", "soldiers"; not
    "halted")."""
    return any(pos == "n" and word in (lemma, lemma + "s", lemma + "es") for lemma, pos in lemmas(word))
