"""A named institution in the question ("the royal adelaide hospital") must be the one the sentence names before
the same head noun: "Adelaide's Queen Elizabeth Hospital" answers another question. On the real text of the
evaluation store (every Lee article and HuffPost item of benchmarks/eval): Lee article 145 tells of a woman moved
from "Sydney's St George Hospital" to "Adelaide's Queen Elizabeth Hospital", where four people were infected."""

from __future__ import annotations

from bot.search.question import read_question
from bot.search.slots import institution_names
from bot.service import NewsService

FOUR = (
    "Four people receiving treatment in the unit have since been infected with the bacteria and one of those has died."
)
MOVED = (
    "The woman infected with the bacteria, pseudomonas, was transferred from Sydney's St George Hospital late last "
    "month to the Intensive Care Unit at Adelaide's Queen Elizabeth Hospital."
)


def test_the_names_a_question_types_before_an_institution(news: NewsService) -> None:
    def names(text: str) -> list[tuple[list[str], str]]:
        return [
            ([w.word for w in name], head.word) for name, head in institution_names(read_question(news.index, text))
        ]

    assert names("how many people at the royal adelaide hospital got infected") == [(["royal", "adelaide"], "hospital")]
    assert names("which sydney hospital did the infected patient come from") == [(["sydney"], "hospital")]
    assert names("how many people were infected at the hospital") == []  # no name before it
    assert names("who runs the bank") == []
    assert names("what did the local council decide") == []  # "local" tells the kind, not a name


def test_another_hospital_named_before_the_noun_does_not_answer(news: NewsService) -> None:
    # the answering sentence never writes "hospital"; its neighbour names the Queen Elizabeth Hospital there
    assert news.ask("how many people at the royal adelaide hospital got infected with the bacteria").answered is False
    assert news.ask("which melbourne hospital was the woman with the bacteria sent to").answered is False


def test_the_hospital_the_article_names_keeps_its_quote(news: NewsService) -> None:
    answer = news.ask("how many people at the queen elizabeth hospital got infected with the bacteria")
    assert answer.quotes[0].text == FOUR
    # "Adelaide's Queen Elizabeth Hospital" holds "adelaide": a part of the name is no other name
    assert news.ask("how many people at the adelaide hospital got infected with the bacteria").quotes[0].text == FOUR
    # "Sydney's St George Hospital": the question's "sydney" stands before the noun
    assert news.ask("which sydney hospital did the infected patient come from").quotes[0].text == MOVED
