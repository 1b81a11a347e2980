"""Which required words each passage supports, read from term ids (bot.search.held), is what each question word's
support over the passage's terms says; and a passage made from term ids is the passage made from its terms."""

from __future__ import annotations

import pytest

from bot.core.models import Article
from bot.search.held import held_masks
from bot.search.index import CoverageIndex, Passage
from bot.search.question import SUPPORTED, mark_names, read_question, spell_out


def article(article_id: str, title: str, body: str) -> Article:
    return Article(
        id=article_id, title=title, source="Example", date="2020-01-02", url=None, body=body, added_at="t", added_by="t"
    )


def coverage() -> CoverageIndex:
    index = CoverageIndex()
    index.add_articles(
        [
            article(
                "pitch",
                "Amazon met with Immigration and Customs Enforcement",
                "The meeting took place in June. Amazon pitched its face-matching software to Immigration and "
                "Customs Enforcement officials as a way to identify people. It declined to comment.",
            ),
            article(
                "cloud",
                "Microsoft wins a cloud contract",
                "Microsoft signed a cloud contract with the Pentagon in October. The deal is worth ten billion dollars. "
                "Employees of the firm protested the contract.",
            ),
            article("weather", "Storm hits the coast", "The storm knocked out power to thousands of homes on Monday."),
        ]
    )
    index.add_article(article("later", "Workers protest", "Workers at Microsoft protested a cloud deal in Seattle."))
    return index


@pytest.mark.parametrize(
    "question",
    ["did amazon pitch its software to ICE", "how much is the microsoft pentagon contract worth",
     "why did employees protest the cloud deal", "when did the storm knock out power", "who met with amazon",
     "how many homes lost powr", "what did microsfot sign in october"],
)  # fmt: skip
def test_held_masks_are_each_words_support(question: str) -> None:
    index = coverage()
    passages = [p for ps in index.passages_of([a.id for a in index.articles()]).values() for p in ps]
    read = read_question(index, question)
    mark_names(read, [p.text for p in passages if p.kind == "sentence"], [p.text for p in passages[:1]])
    spell_out(read, [p.text for p in passages])
    every = (1 << len(read.words)) - 1
    expected = {
        p.pid: sum(1 << i for i, w in enumerate(read.words) if w.support(p.terms)[0] >= SUPPORTED) for p in passages
    }
    assert held_masks(read.words, every, passages) == expected
    some = every & ~1  # only the words asked for
    assert held_masks(read.words, some, passages) == {pid: mask & some for pid, mask in expected.items()}
    if question.endswith("ICE"):
        assert any(w.spelled_out for w in read.words) and any(m for m in expected.values())


def test_a_passage_from_term_ids_is_the_passage_from_its_terms() -> None:
    index = coverage()
    for passage in index.passages_at(range(12)).values():
        assert passage.ids is not None
        plain = Passage(passage.pid, passage.article, passage.kind, passage.text, frozenset(passage.terms))
        assert plain == passage and hash(plain) == hash(passage)
        assert plain.ids is None and plain.terms == passage.terms
    with pytest.raises(TypeError):
        Passage(0, index.article("pitch"), "headline", "Amazon met with Immigration and Customs Enforcement")
