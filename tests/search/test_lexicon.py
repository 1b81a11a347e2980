"""WordNet from its registry package, spelling against the coverage's vocabulary, and the kinds of fact asked."""

from __future__ import annotations

import pytest

from bot.search.answer_type import holds, question_kind, strong
from bot.search.lexicon import lemmas, lexical_file, only_proper, related_words, wordnet_available
from bot.search.names import expansions, name_forms
from bot.search.question import asked_verb, asked_words
from bot.search.spelling import Speller


def test_wordnet_ships_inside_its_package() -> None:
    assert wordnet_available()


@pytest.mark.parametrize(
    ("word", "related"),
    [("employees", "worker"), ("maize", "corn"), ("casino", "gambling"), ("bribes", "bribery"),
     ("chinese", "china"), ("lawsuit", "suit"), ("clandestine", "secret")],
)  # fmt: skip
def test_related_words_bridge_other_words_for_the_same_thing(word: str, related: str) -> None:
    assert related in related_words(word)
    assert word not in related_words(word)


def test_a_more_specific_word_and_a_cause_say_it_too() -> None:
    assert related_words("boat")["ferry"] == 0.8  # a ferry is a boat: "boat fire" is held by "ferry fire"
    assert "tender" not in related_words("boat")  # a boat too, but that is not what "tender" usually means
    assert related_words("died")["kill"] == 0.8  # to kill is to cause to die: "298 people were killed"
    assert "die" not in related_words("kill") or related_words("kill")["die"] < 0.8  # but not the other way


def test_a_relatives_own_derived_forms_count_at_less_than_support() -> None:
    """ "riots" is a kind of violence, which reporters write "violent demonstrations": the stemmer keeps "violent"
    and "violence" apart, so the relative's derived form is a relative too, below the closeness that supports a
    required word (a hop further from the question's own word)."""
    assert related_words("riots")["violence"] == 0.6
    assert 0 < related_words("riots")["violent"] < 0.8
    assert related_words("hackers")["terrorism"] < 0.8


def test_a_name_keeps_its_own_forms_and_the_names_wordnet_gives_its_usual_sense() -> None:
    assert name_forms("aussie") == {"australian": 0.9, "australia": 0.8}  # Aussie = Australian, of Australia
    assert name_forms("japanese")["japan"] == 0.8
    assert name_forms("holland")["netherlands"] == 0.9
    assert "taiwan" not in name_forms("china")  # WordNet's second "China" is Taiwan: not its usual sense
    assert "abo" not in name_forms("aussie")  # another people of Australia is not this name
    assert name_forms("amazon") == {}  # never "river" or "woman"
    assert "capital" not in name_forms("washington")  # a word WordNet also writes in lower case


def test_verbs_do_not_borrow_their_hypernyms() -> None:
    assert "write" not in related_words("sign")  # signing is a kind of writing, but not what a reader means


def test_inflections_reduce_to_their_lemma() -> None:
    assert lemmas("wrote") == (("write", "v"),)
    assert ("employee", "n") in lemmas("employees")
    assert lemmas("bezos") == ()


def test_lexical_files_and_names() -> None:
    assert lexical_file("workers", "n") == "noun.person"
    assert lexical_file("company", "n") == "noun.group"
    assert lexical_file("telescope", "n") != "noun.person"
    assert only_proper("everest") and only_proper("bangladesh")
    assert not only_proper("amazon")  # also a tall strong woman
    assert not only_proper("bezos")  # not in WordNet at all


VOCABULARY = ["amazon", "recognit", "haiti", "hat", "hate", "bezo", "rittenhous", "letter"]
DF = {"hat": 50, "hate": 80, "haiti": 3}


@pytest.mark.parametrize(
    ("typed", "term", "expected"),
    [("amazn", "amazn", ["amazon"]), ("recogntion", "recognt", ["recognit"]), ("hati", "hati", ["haiti", "hat"]),
     ("rittenhous", "rittenh", ["rittenhous"]), ("leter", "leter", ["letter"]), ("zzzzzz", "zzzzzz", [])],
)  # fmt: skip
def test_spelling_corrects_to_the_coverage_vocabulary(typed: str, term: str, expected: list[str]) -> None:
    speller = Speller()
    assert speller.corrections(typed, term, 1, lambda: VOCABULARY, lambda t: DF.get(t, 1)) == expected


def test_the_speller_rebuilds_when_the_vocabulary_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.search.spelling.REBUILD_AFTER", 0.0)
    speller = Speller()
    assert speller.corrections("amazn", "amazn", 1, lambda: ["letter"], lambda t: 1) == []
    assert speller.corrections("amazn", "amazn", 1, lambda: ["amazon"], lambda t: 1) == []  # same version: cached
    assert speller.corrections("amazn", "amazn", 2, lambda: ["amazon"], lambda t: 1) == ["amazon"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [("when did amazn pitch its face recognition to ice", "when"), ("what year did the war end", "when"),
     ("wich company pitched facial recogntion software", "who"), ("who wrote bezos a letter", "who"),
     ("which author shamed a metro employee", "who"), ("whats the name of the key witness", "who"),
     ("how much did the telescope cost", "how_many"), ("how tall is mount everest", "how_many"),
     ("why is the amazon ice meeting a big deal", "why"), ("what did amazon employees say about ice", "say"),
     ("what did amazon pitch to ice", "what"),
     ("How did ICE plan to use Amazon's facial recognition?", "how"), ("where is the zoo", "where"),
     ("in what year did the war end", "when"), ("by when must they leave", "when"),
     ("at what age did he retire", "how_many"), ("which rate did the bank set", "how_many")],
)  # fmt: skip
def test_question_kind(question: str, kind: str) -> None:
    assert question_kind(question) == kind


def test_holds_recognises_the_kind_of_fact() -> None:
    assert holds("when", "Amazon pitched its system in the summer to ICE") == "date"
    assert holds("when", "Amazon pitched its system to ICE") is None
    assert holds("how_many", "At least 22 people are dead") == "quantity"
    assert holds("how_many", "The storm destroyed buildings") is None
    assert holds("why", "He went to the emergency room because he could not swallow") == "reason"
    assert holds("who", "Hundreds of anonymous Amazon workers wrote Bezos", frozenset({"amazon", "bezos"}))
    assert holds("who", "The report was published on Monday.") is None
    # the question's own name in the possessive is not another person; another name in it is
    assert holds("who", "Police stopped Arafat’s car", frozenset({"arafat"})) is None
    assert holds("who", "Police stopped Abbas’s car", frozenset({"arafat"})) == "person"
    assert not strong("who", "The car of Yasser Arafat's was stopped", frozenset({"arafat"}))
    # a full name states someone only with a word WordNet knows neither as a common word nor as a place
    assert strong("who", "he will be succeeded by media mogul Michael Bloomberg", frozenset({"giuliani"}))
    assert not strong("who", "Giuliani called for a memorial at the World Trade Centre", frozenset({"giuliani"}))
    assert not strong("who", "Police were sent to Gaza City", frozenset({"hamas"}))
    assert holds("say", "Workers wrote Bezos a letter, saying: “We refuse.”") == "statement"
    assert holds("say", "An employee published a piece on Medium.") is None
    assert strong("say", "saying: “We refuse.”") and not strong("say", "he said he would")
    assert strong("how", "as a way for the agency to target immigrants") and not strong("how", "because it failed")


@pytest.mark.parametrize(
    ("kind", "text"),
    [("when", "He died on Christmas Day."), ("when", "The fire broke out on New Year's Eve."),
     ("when", "The bridge collapsed overnight."), ("when", "Talks resumed at the end of the year."),
     ("when", "He resigned the following day."), ("when", "Profit rose in the second quarter."),
     ("when", "Shortly after the vote, she left."), ("when", "It has grown in recent weeks."),
     ("why", "He died of cancer."), ("why", "Sales fell, hit by the strike."), ("why", "He was jailed for fraud."),
     ("why", "The rule is designed to stop fraud."), ("why", "The delay stems from a shortage of parts."),
     ("why", "The bank cut rates, citing weak growth."), ("why", "She was arrested on suspicion of theft."),
     ("why", "They are seeking to overturn the ban.")],
)  # fmt: skip
def test_more_ways_of_stating_a_date_or_a_reason(kind: str, text: str) -> None:
    assert holds(kind, text) is not None  # type: ignore[arg-type]


def test_a_statement_without_a_date_or_a_reason_still_holds_none() -> None:
    assert holds("when", "The company sold its stake to a rival.") is None
    assert holds("why", "The company sold its stake.") is None
    assert holds("when", "The plan was designed by engineers.") is None


def test_an_abbreviation_stands_for_what_wordnet_spells_out() -> None:
    assert expansions("er") == ("emergency room",)
    assert expansions("fbi") == ("Federal Bureau of Investigation",)
    assert "Prime Minister" in expansions("pm")
    assert expansions("dna") == ()  # "deoxyribonucleic acid": its initials are not "dna"
    assert expansions("emergency") == ()  # not an abbreviation


def test_every_synset_line_is_found_by_its_offset() -> None:
    """The offset table read from data.POS (CRLF line ends: byte offsets cannot be trusted) finds every synset
    of the first and last lemmas of each index, and the first and last synset of each file; an offset that
    starts no line is an error, never another synset."""
    from bot.search.lexicon import _POS, _open

    wordnet = _open()
    assert wordnet is not None
    for pos in _POS:
        numbers, _ = wordnet._data_table(pos)
        assert len(numbers) > 3000 and (numbers[1:] > numbers[:-1]).all()
        for offset in (int(numbers[0]), int(numbers[-1])):
            assert wordnet._data_line(offset, pos).startswith(f"{offset:08d} ".encode())
        with pytest.raises(KeyError):
            wordnet._data_line(int(numbers[0]) + 1, pos)
    assert wordnet.offsets("dog", "n")[:1] == [2084071]  # dog.n.01
    assert wordnet.synset(2084071, "n")[0][:2] == ["dog", "domestic_dog"]
    assert wordnet.offsets("zymurgy", "n") and not wordnet.offsets("zzzz", "n") and not wordnet.offsets("a", "r")


def test_every_lemma_is_found_by_its_own_line_and_other_words_by_none() -> None:
    """A word is looked up in the set of the index lines' first words before it is searched for: every lemma (a
    sample of each file's lines, and its last) still gets the synsets its own line lists, and a word that only
    starts like a lemma, or one with a letter more, gets none."""
    from bot.search.lexicon import _POS, _open

    wordnet = _open()
    assert wordnet is not None
    checked = 0
    for pos in _POS:
        index, starts = wordnet._index[pos], wordnet._index_table(pos)
        for start in [*starts[::211].tolist(), int(starts[-1])]:
            fields = index[start : index.find(b"\n", start)].split()
            lemma, synsets, pointers = fields[0].decode(), int(fields[2]), int(fields[3])
            assert wordnet._find_offsets(lemma, pos) == [int(f) for f in fields[6 + pointers : 6 + pointers + synsets]]
            assert wordnet._find_offsets(lemma + "q", pos) == [] or (lemma + "q").encode() in wordnet._lemma_heads(pos)
            checked += 1
    assert checked > 700
    assert wordnet._find_offsets("zymurg", "n") == [] and wordnet._find_offsets("zymurgy", "n")


@pytest.mark.parametrize(
    ("question", "verb"),
    [("did amazon sign a contract with ice", "sign"), ("Has Amazon signed a contract with ICE?", "signed"),
     ("does the eu ban facial recognition", "ban"), ("did amazon employees protest", "protest"),
     ("when did amazon pitch its system to ice", None), ("did bezos say anything", None),
     ("is amazon prime worth it", None)],
)  # fmt: skip
def test_the_verb_a_yes_or_no_question_asks_about(question: str, verb: str | None) -> None:
    assert asked_verb(question) == verb


def test_the_questions_own_number_is_not_the_quantity_it_asks_for() -> None:
    assert holds("how_many", "The 2004 tsunami struck the coast.", frozenset({"2004"})) is None
    assert holds("how_many", "The 2004 tsunami killed 230,000 people.", frozenset({"2004"})) == "quantity"
    assert holds("how_many", "A 28-year-old man left Australia.", frozenset({"28"})) is None
    assert holds("how_many", "He was stabbed in his home in 1999.") is None  # a year is a date
    assert holds("how_many", "The repairs cost $2000.") == "quantity"
    assert holds("how_many", "About 1,999 people came.") == "quantity"


@pytest.mark.parametrize(
    ("question", "asked"),
    [("what magnitude was the japan earthquake", {"magnitude"}), ("which hamas official did police arrest",
     {"hamas", "official"}), ("who is the finance minister in the interim government", {"finance", "minister"}),
     ("whats the name of the key witness", {"name"}), ("who will replace giuliani as mayor", set()),
     ("how much was google fined", set())],
)  # fmt: skip
def test_the_words_of_what_a_question_asks_for(question: str, asked: set[str]) -> None:
    assert asked_words(question) == asked
