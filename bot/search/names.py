"""Other words for one name, from WordNet: its own forms, the names WordNet gives it, what an abbreviation stands for.

Why: a name is never expanded like a common word ("Amazon" is not "a river", "India" is not "China"), but people
type names in other forms than reporters write them: "aussie" for Australia, "er" for the emergency room. These
are the forms that stay the same name, read from WordNet 3.0 (:mod:`bot.search.lexicon`), so that the answerer
(:mod:`bot.search.question`) can let them hold a name without letting another name of the same kind do so.
"""

from __future__ import annotations

from functools import lru_cache

from bot.search.lexicon import SENSES, lemmas, lexical_file, only_proper, related_words, synsets

__all__ = ["expansions", "known_name", "name_forms", "same_family"]

SYNONYM = 0.9  # a name WordNet gives the same thing ("Australian" for "Aussie")
FORM = 0.8  # one of that name's own forms ("Australia")
_LINKING_WORDS = frozenset({"and", "of", "for", "the", "on", "in", "de", "&"})


def same_family(word: str, other: str) -> bool:
    """Two forms of one name by their spelling: "japanese" and "japan", "israeli" and "israel"."""
    return len(word) >= 4 and len(other) >= 4 and word[:4] == other[:4]


@lru_cache(maxsize=20_000)
def known_name(word: str) -> bool:
    """Whether WordNet tells that a lower-case word is a name even where it also knows a common word: the plural
    of a word it knows only as a name ("britons", "australians": only_proper sees the singular only); a noun whose
    usual sense is a place it writes capitalised ("china", "geneva": also porcelain, gin); or one whose usual
    sense is a party's member or group it writes capitalised and that is no verb ("democrat", "republican"; not
    "tell", "peter"). Such a word is held like a name, by its own forms only: "how many britons died" is not
    answered by a sentence about Australians, "which democrat wants ..." not by "Republican Chuck Hagel ...", nor
    "sentenced to death in china" by a sentence that holds "red". Short words ("id") are left out."""
    if len(word) < 4 or not word.isalpha():
        return False
    found = lemmas(word)
    if any(word == lemma + "s" and len(lemma) >= 4 and only_proper(lemma) for lemma, _ in found):
        return True
    nouns = [lemma for lemma, pos in found if pos == "n"]
    if not nouns:
        return False
    lemma = nouns[0]
    usual = synsets(lemma, "n", 1)
    if not usual or not any(w.casefold() == lemma and w[:1].isupper() for w in usual[0]):
        return False
    kind = lexical_file(lemma, "n")
    if kind in ("noun.person", "noun.group"):  # "democrat", "republican": a party's member, as WordNet first reads it
        verb = any(pos == "v" for _, pos in found)  # "tell", "peter" (out): a common word too
        return not verb and (lexical_file(word, "a") in (None, "adj.pert"))  # not "white", "same"
    # a word that is also a verb or an adjective ("centre", "north") is not only a place
    return kind == "noun.location" and all(pos == "n" for _, pos in found)


@lru_cache(maxsize=20_000)
def name_forms(word: str) -> dict[str, float]:
    """The other words for one name (lower case), with how closely: its own forms ("japanese" -> "japan"), and
    each synonym of its usual sense that WordNet knows only as a name, with that synonym's own forms ("aussie"
    -> "Australian" -> "australia"; "holland" -> "Netherlands"). Never a related word of another kind: a name
    is not its hypernym ("Amazon" is not "a river"), and a demonym is not its country's other peoples."""
    forms = {r: c for r, c in related_words(word).items() if same_family(word, r)}
    synonyms = {
        other.casefold()
        for lemma, pos in lemmas(word)
        for words in synsets(lemma, pos, 1)  # its usual sense only: "china" is also Taiwan
        for other in words
        if other.isalpha() and other[:1].isupper() and other.casefold() != word
    }
    for synonym in sorted(synonyms):
        if same_family(word, synonym) or not only_proper(synonym):
            continue  # a word WordNet also knows in lower case is not only this name
        forms[synonym] = SYNONYM
        for other, near in related_words(synonym).items():
            if other != word and same_family(synonym, other) and near >= FORM:
                forms[other] = max(forms.get(other, 0.0), FORM)
    return forms


@lru_cache(maxsize=20_000)
def expansions(word: str) -> tuple[str, ...]:
    """What an abbreviation stands for, by WordNet: the multi-word lemmas of its senses whose initials spell it
    ("er" -> "emergency room", "fbi" -> "Federal Bureau of Investigation"; linking words such as "of" skipped),
    so that a question typed with the abbreviation is held by a sentence that spells it out."""
    if not 2 <= len(word) <= 6 or not word.isalpha():
        return ()
    found: list[str] = []
    for words in synsets(word.casefold(), "n", SENSES):
        for lemma in words:
            parts = lemma.replace("-", "_").split("_")
            if len(parts) < 2:
                continue
            initials = "".join(p[0] for p in parts if p and p.casefold() not in _LINKING_WORDS)
            if initials.casefold() == word.casefold():
                found.append(" ".join(parts))
    return tuple(dict.fromkeys(found))
