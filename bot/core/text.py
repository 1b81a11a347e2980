"""Sentences and tokens: the only text processing newsbot does.

Two jobs, both pure functions:

* :func:`split_sentences` cuts an article body into sentences *as spans of the original string*, so a quote is
  always a slice of the stored text, letter for letter. It keeps abbreviations ("Mr. Smith", "Amazon.com Inc.
  pitched"), initialisms ("U.S.-Mexico"), decimals ("3.5") and quotations that end with ``.”`` in one piece.
* :func:`tokenize` turns text into index terms. The same function is applied to documents and to questions, so
  a question's terms can only match because the words are really there: case is folded, Unicode punctuation
  (’ “ — …) is treated as punctuation, stopwords are dropped and words are stemmed (Snowball English).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from itertools import chain

import Stemmer

__all__ = [
    "STOPWORDS",
    "TEXT_VERSION",
    "Span",
    "chunk_terms",
    "chunk_words",
    "content_terms",
    "normal_form",
    "sentence_spans",
    "split_sentences",
    "tokenize",
    "word_term",
]

Span = tuple[int, int]

# Bump when sentence splitting or tokenizing changes: a saved index built with other rules is then rebuilt.
TEXT_VERSION = 2

# --- sentences -------------------------------------------------------------------------------------------------

# Words that are followed by a period but almost never end a sentence (titles, "No. 5", "vs.").
_NEVER_FINAL = frozenset(
    """mr mrs ms dr prof sen rep gov gen lt col capt sgt st jr sr rev hon pres supt cmdr adm maj cpl
    mt ft no nos vs v etc approx dept est fig vol pp al e.g i.e""".split()
)
# Abbreviations that may end a sentence: they end one only when a typical sentence opener follows.
_MAYBE_FINAL = frozenset(
    """inc corp co ltd llc plc bros jan feb mar apr jun jul aug sep sept oct nov dec a.m p.m""".split()
)
_OPENERS = frozenset(
    """the a an it its he she they we i this that these those but and in on at for after before when while
    if as there his her their our one some many most what who how why still yet so then also however
    meanwhile""".split()
)
# A candidate boundary (terminal punctuation, any closing quotes or brackets, then white space) and, looking
# ahead, what follows it: the white space and opening quotes or brackets (group 1) and the next word (group 2),
# both None at the paragraph's end. One search a candidate, where a search and then a match cost two.
_CUT = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)(?:(?=(\s*[\"'“‘(\[]*)(\S+))|)")
_WORD_STOP = re.compile(r"[\s(\"“‘']")  # what ends the word before a period, looking back
_INITIALISM = re.compile(r"(?:[a-z]\.)+[a-z]")
_PARAGRAPH_BREAK = re.compile(r"[ \t]*\n\s*")


def sentence_spans(text: str) -> list[Span]:
    """Return ``(start, end)`` spans of the sentences in ``text``; stripped of surrounding white space.

    A blank line always ends a sentence (paragraphs); a single line break ends one unless the next line starts in
    lower case (a hard-wrapped paragraph). A candidate boundary ends a sentence when a word follows it that
    starts in upper case or with a digit, or an opening quote or bracket does; after a single period, only if the
    word before it is not an abbreviation that never ends one ("Mr.") or, for one that may ("Inc.", "U.S.", an
    initial), when the next word opens sentences ("The").
    """
    spans: list[Span] = []
    paragraphs = _paragraph_spans(text) if "\n" in text else ((0, len(text)),)  # only a line break starts one
    for para_start, para_end in paragraphs:
        start = para_start
        for match in _CUT.finditer(text, para_start, para_end):
            nxt = match.group(2)
            if nxt is None or not (nxt[0].isupper() or nxt[0].isdigit() or match.group(1).strip()):
                continue
            mark = match.group()
            if mark[0] == "." and mark[1:2] != "." and not _period_ends_sentence(text, para_start, match.start(), nxt):
                continue
            cut = match.end()
            _append_stripped(text, start, cut, spans)
            start = cut
        _append_stripped(text, start, para_end, spans)
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings, each a verbatim slice of it."""
    return [text[a:b] for a, b in sentence_spans(text)]


def _paragraph_spans(text: str) -> Iterator[Span]:
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        nxt = match.end()
        if nxt >= len(text):
            break
        if match.group().count("\n") > 1 or not text[nxt].islower():
            yield start, match.start()
            start = nxt
    yield start, len(text)


def _period_ends_sentence(text: str, start: int, dot: int, next_word: str) -> bool:
    # The word before the period: back to white space, an opening quote or bracket, or the paragraph's start.
    # Usually it is the chunk after the last space, found in C; the character loop only runs when that chunk
    # holds another stop (a quote, a tab).
    word_start = max(start, text.rfind(" ", start, dot) + 1)
    word = text[word_start:dot]
    if word.isascii() and word.isalpha():  # the usual word: no stop in it, nothing to strip, no initialism
        core = word.lower()
        if core in _NEVER_FINAL:
            return False
        if core in _MAYBE_FINAL or len(core) == 1:
            return next_word.strip("\"'“”‘’()[],;:").lower() in _OPENERS
        return True
    if _WORD_STOP.search(text, word_start, dot) is not None:
        word_start = dot
        while word_start > start and not text[word_start - 1].isspace() and text[word_start - 1] not in "(\"“‘'":
            word_start -= 1
    core = text[word_start:dot].lower().rstrip(".").strip("\"'“”‘’()[]")
    if core in _NEVER_FINAL:
        return False
    initialism = "." in core and _INITIALISM.fullmatch(core) is not None  # (it holds a period: skip the search)
    if core in _MAYBE_FINAL or (len(core) == 1 and "a" <= core <= "z") or initialism:
        return next_word.strip("\"'“”‘’()[],;:").lower() in _OPENERS
    return True


def _append_stripped(text: str, start: int, end: int, spans: list[Span]) -> None:
    """Add ``text[start:end]`` without the white space around it (str.strip(): str.isspace()), if anything is left."""
    piece = text[start:end]
    kept = piece.strip()
    if kept:
        first = start + len(piece) - len(piece.lstrip())
        spans.append((first, first + len(kept)))


# --- tokens ----------------------------------------------------------------------------------------------------

STOPWORDS = frozenset(
    """a about above after again against ago all almost also although always am among an and any anyone anything
    are aren around as at be became because been before being below between both but by can cannot could couldn
    did didn do does doesn doing don done down during each either else even ever every few for from further get
    gets got had hadn has hasn have haven having he her here hers herself him himself his how however i if in
    into is isn it its itself just least less let like ll made make many may me might more most much must mustn
    my myself neither no nor not now of off often on once one only or other others otherwise our ours ourselves
    out over own per perhaps please rather re really s said same say says shall shan she should shouldn since so
    some such t than that the their theirs them themselves then there these they this those though through thus
    to too toward towards under until up upon us ve very via was wasn we were weren what whatever when whenever
    where whereas whether which while who whoever whom whose why will with within without would wouldn yes
    yet you your yours yourself yourselves d m o y ain tell told know knew""".split()
)

# Irregular verb forms stemming cannot join to their base ("rose" / "rise", "won" / "win"), for documents and
# questions alike; forms that are as often other words ("left", "found", "lead", "saw") are left alone.
_IRREGULAR = {
    form: base
    for base, forms in {
        "arise": "arose arisen",
        "be": "",
        "bear": "bore borne",
        "beat": "beaten",
        "become": "became",
        "begin": "began begun",
        "bend": "bent",
        "bet": "",
        "bid": "",
        "bite": "bit bitten",
        "blow": "blew blown",
        "break": "broke broken",
        "bring": "brought",
        "build": "built",
        "burn": "burnt",
        "buy": "bought",
        "catch": "caught",
        "choose": "chose chosen",
        "come": "came",
        "cost": "",
        "creep": "crept",
        "deal": "dealt",
        "dig": "dug",
        "draw": "drew drawn",
        "drink": "drank drunk",
        "drive": "drove driven",
        "eat": "ate eaten",
        "fall": "fell fallen",
        "feed": "fed",
        "feel": "felt",
        "fight": "fought",
        "flee": "fled",
        "fly": "flew flown",
        "forbid": "forbade forbidden",
        "forget": "forgot forgotten",
        "forgive": "forgave forgiven",
        "freeze": "froze frozen",
        "get": "got gotten",
        "give": "gave given",
        "go": "went gone",
        "grow": "grew grown",
        "hang": "hung",
        "hear": "heard",
        "hide": "hid hidden",
        "hold": "held",
        "hurt": "",
        "keep": "kept",
        "know": "knew known",
        "lay": "laid",
        "lend": "lent",
        "lie": "lay lain",
        "lose": "lost",
        "make": "made",
        "mean": "meant",
        "meet": "met",
        "pay": "paid",
        "ride": "rode ridden",
        "ring": "rang rung",
        "rise": "rose risen",
        "run": "ran",
        "seek": "sought",
        "sell": "sold",
        "send": "sent",
        "shake": "shook shaken",
        "shoot": "shot",
        "shrink": "shrank shrunk",
        "sing": "sang sung",
        "sink": "sank sunk",
        "sit": "sat",
        "sleep": "slept",
        "speak": "spoke spoken",
        "spend": "spent",
        "stand": "stood",
        "steal": "stole stolen",
        "stick": "stuck",
        "sting": "stung",
        "strike": "struck stricken",
        "swear": "swore sworn",
        "swim": "swam swum",
        "take": "took taken",
        "teach": "taught",
        "tear": "tore torn",
        "tell": "told",
        "think": "thought",
        "throw": "threw thrown",
        "understand": "understood",
        "wake": "woke woken",
        "wear": "wore worn",
        "win": "won",
        "write": "wrote written",
        "withdraw": "withdrew withdrawn",
    }.items()
    for form in forms.split()
}

_WORD = re.compile(r"\d+(?:[.,]\d+)+|(?:[^\W_]\.){2,}|[^\W_]+(?:['’][^\W_]+)*")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
# PyStemmer: the Snowball English algorithm compiled (C), the same stems as the pure-Python snowballstemmer
# (checked on 826,656 words: the HuffPost, corpus and seed vocabulary with suffixed variants), 85x faster.
_stemmer = Stemmer.Stemmer("english", 0)  # no cache of its own: the chunk cache below caches


def copy_key(text: str) -> str:
    """What two printings of one sentence share: its words, case folded, without punctuation. A reprint whose
    quotes or dashes differ (’ for ') is the same sentence; one word more is not."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def tokenize(text: str) -> list[str]:
    """Index terms of ``text``: case-folded, stopwords removed, stemmed; used for documents and questions alike.

    Dotted initialisms ("U.S.", "U.K.") and all-capital acronyms ("US", "ICE") are kept even where the lower-case
    word is a stopword, so "U.S." is the term ``us`` while the pronoun "us" is dropped.

    Speed (a bulk import tokenizes every sentence): no character a word can hold is white space (checked over
    every code point in tests/core/test_text.py), so no word crosses white space and the words of ``text`` are the
    words of its white-space-separated chunks, in order. News repeats its chunks ("said," "Trump's"), so the terms
    of each chunk are cached and a sentence is a split, one dict lookup a chunk and a join, all in C. ASCII text
    is its own NFKC form, and its one apostrophe to fold is the backtick.
    """
    return list(chain.from_iterable(map(_chunk_terms, normal_form(text).split())))


def normal_form(text: str) -> str:
    """``text`` as :func:`tokenize` reads it: NFKC, with every apostrophe folded to ``'``. Its terms are those of
    its white-space-separated chunks in order, each chunk's by :func:`chunk_terms` (the bulk tokenizer,
    :mod:`bot.search.bulk_tokens`, relies on both)."""
    if not text.isascii():
        return unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    if "`" in text:
        return text.translate(_APOSTROPHES)
    return text


def chunk_terms(chunk: str) -> tuple[str, ...]:
    """The terms of one white-space-free chunk of a text in :func:`normal_form`, in order (uncached)."""
    return tuple(term for term in map(word_term, chunk_words(chunk)) if term)


def chunk_words(chunk: str) -> Sequence[str]:
    """The words of one white-space-free chunk, as written; :func:`word_term` gives each one's term."""
    # A chunk of letters and digits only is one word: every branch of _WORD but the last needs a "." or ","
    # and the last takes all of it (``\w`` is str.isalnum() plus "_", which isalnum() excludes).
    return (chunk,) if chunk.isalnum() else _WORD.findall(chunk)


class _ChunkTerms(dict[str, tuple[str, ...]]):
    """chunk -> its terms in order, computed on a miss; emptied when full, so memory stays bounded (at most what
    the per-word cache it replaced held), and a cache only: the terms of a chunk never depend on what was cached."""

    limit = 500_000

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        terms = chunk_terms(chunk)
        if len(self) >= self.limit:
            self.clear()
        self[chunk] = terms
        return terms


_CHUNKS = _ChunkTerms()
_chunk_terms = _CHUNKS.__getitem__


def word_term(raw: str) -> str:
    """The term of one word as written, or "" for a word that is not one (cached with its chunk)."""
    if raw[0].isdigit() and not raw.isdigit() and raw.replace(".", "").replace(",", "").isdigit():
        return raw.replace(",", "")
    if "." in raw:
        return raw.replace(".", "").casefold()
    word = raw.casefold()
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    acronym = len(raw) >= 2 and raw.isupper() and raw.isalpha()
    if not acronym and (word in STOPWORDS or len(word) < 2):
        return ""
    if acronym or word.isdigit():
        return word
    return str(_stemmer.stemWord(_IRREGULAR.get(word, word)))


def content_terms(text: str) -> list[str]:
    """The distinct terms of ``text`` in order of first appearance (for matching questions to passages)."""
    return list(dict.fromkeys(tokenize(text)))
