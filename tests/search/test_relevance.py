"""The relevance floor on a corpus full of distractors: questions the coverage answers get the right sentence;
questions it cannot answer, even when they share words with it, get "the coverage doesn't say"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.core.models import ArticleIn
from bot.search.candidates import candidates
from bot.search.judging import tells_event
from bot.search.question import mark_names, read_question
from bot.service import NewsService

ARTICLES = [
    ArticleIn(
        title="City council bans facial recognition in Portland",
        source="Oregon Daily",
        date="2020-09-09",
        body="Portland's city council voted unanimously on Wednesday to ban the use of facial recognition by "
        "city agencies and private businesses. The ban on private use takes effect in January. Council members "
        "said the technology misidentifies people of color at higher rates.",
    ),
    ArticleIn(
        title="Amazon reports record holiday sales",
        source="Business Wire",
        date="2020-02-01",
        body="Amazon said its holiday quarter revenue rose 21 percent to 87.4 billion dollars. Shares jumped in "
        "after-hours trading. The company credited faster one-day delivery for the growth.",
    ),
    ArticleIn(
        title="Zoo welcomes twin panda cubs",
        source="Metro News",
        date="2021-08-14",
        body="The city zoo announced the birth of twin panda cubs on Saturday. Keepers said both cubs were healthy "
        "and nursing. The zoo expects to open the panda house to visitors in the spring.",
    ),
    ArticleIn(
        title="Police department pauses use of drones",
        source="Metro News",
        date="2021-03-02",
        body="The police department paused its drone program after complaints from residents. A spokesperson said "
        "the pause would last until the council reviews the program. The drones had been used at 40 protests.",
    ),
    ArticleIn(
        title="Evil Dead remake tops box office",
        source="Film Weekly",
        date="2023-04-23",
        body="The horror film Evil Dead Rise opened to 24.5 million dollars. Critics praised its practical effects.",
    ),
]

ANSWERABLE = [
    ("How did Portland's council vote on facial recognition?", "Portland's city council voted unanimously"),
    ("When does the ban on private use of facial recognition take effect?", "The ban on private use takes effect"),
    ("How much did Amazon's holiday revenue rise?", "Amazon said its holiday quarter revenue rose 21 percent"),
    ("Were the panda cubs healthy?", "Keepers said both cubs were healthy"),
    ("Why did the police pause the drone program?", "The police department paused its drone program"),
    ("How many protests were the police drones used at?", "The drones had been used at 40 protests."),
]

UNANSWERABLE = [
    "Is Amazon evil?",  # "evil" is in the corpus, but not about Amazon
    "Did Amazon ban facial recognition?",  # Amazon and facial recognition, never together
    "Did the zoo ban drones?",  # zoo and drones, never together
    "How much did the panda cubs cost?",
    "What did Tesla say about holiday sales?",  # a name the coverage never mentions
    "Who won the Super Bowl?",
    "When did Portland ban drones?",
]


@pytest.fixture
def news(tmp_path: Path) -> Iterator[NewsService]:
    corpus = tmp_path / "corpus"
    (corpus / "articles").mkdir(parents=True)
    service = NewsService.open(load_settings(data_dir=tmp_path / "data", corpus_dir=corpus))
    service.add_many(ARTICLES, actor="test")
    yield service
    service.close()


@pytest.mark.parametrize(("question", "start"), ANSWERABLE)
def test_answerable_questions_get_the_sentence(news: NewsService, question: str, start: str) -> None:
    answer = news.ask(question)
    assert answer.answered
    assert answer.quotes[0].text.startswith(start)


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_questions_the_coverage_cannot_answer_are_refused(news: NewsService, question: str) -> None:
    answer = news.ask(question)
    assert answer.answered is False, [q.text for q in answer.quotes]
    assert answer.quotes == []


CONTEXT = ArticleIn(
    title="Chipmaker settles with regulators",
    source="Tech Daily",
    date="2022-05-04",
    body="Nvidia agreed on Wednesday to pay a fine over how it described its graphics cards to investors. "
    "The company will pay 5.5 million dollars to the Securities and Exchange Commission. "
    "Its shares rose slightly after the announcement.",
)


def test_a_sentence_that_leans_on_the_one_before_is_quoted_with_it(news: NewsService) -> None:
    news.add_many([CONTEXT], actor="test")
    answer = news.ask("how much will nvidia pay the securities and exchange commission")
    assert answer.answered
    quote = answer.quotes[0]
    assert quote.text == (
        "Nvidia agreed on Wednesday to pay a fine over how it described its graphics cards to investors. "
        "The company will pay 5.5 million dollars to the Securities and Exchange Commission."
    )
    assert quote.text in news.get(quote.article_id).body  # two sentences, still one verbatim slice
    assert quote.why is not None and quote.why.with_previous is True


def test_a_changed_name_is_not_supported_by_another_of_its_kind(news: NewsService) -> None:
    news.add_many([CONTEXT], actor="test")
    assert news.ask("how much will intel pay the securities and exchange commission").answered is False


OFFENSIVE = ArticleIn(
    title="Militia forces take most of Tora Bora",
    source="Wire",
    date="2001-12-16",
    body="Local commanders are convinced bin Laden, wanted for the September 11 atrocities, is hiding in the Tora Bora "
    "area. Amin said US warplanes had stopped the bombing due to the militia's advances. The militia now holds "
    "the caves.",
)


def test_a_why_answer_tells_of_the_asked_event_not_only_of_its_names(news: NewsService) -> None:
    news.add_many([OFFENSIVE], actor="test")
    question = read_question(news.index, "why did the us planes stop bombing tora bora")
    found, _ = candidates(news.index, question)
    mark_names(question, [c.passage.text for c in found])  # as the answerer does: "tora bora" is a name
    told = {c.passage.text.split(",")[0]: tells_event(question, c.passage) for c in found}
    assert told["Local commanders are convinced bin Laden"] is False  # the names and a reason, not the event
    assert told["Amin said US warplanes had stopped the bombing due to the militia's advances."] is True


HOPMAN = ArticleIn(
    title="United States team wins its first Hopman Cup match in Perth",
    source="Wire",
    date="2001-12-30",
    body="Monica Seles and Jan-Michael Gambill beat France in straight sets. The Americans are aiming to go one "
    "better than last year, when they were beaten by the Swiss pair Martina Hingis and Roger Federer in the final.",
)
DAVIS = ArticleIn(
    title="Australia into the Davis Cup final",
    source="Wire",
    date="2001-09-23",
    body="Lleyton Hewitt led Australia into the Davis Cup final against France on Sunday.",
)


def test_a_common_last_name_holds_a_first_name_only_in_an_article_that_writes_it(news: NewsService) -> None:
    news.add_many([HOPMAN, DAVIS], actor="test")  # "Davis Cup" is written elsewhere: "davis" is a first name
    hopman = news.ask("who beat the americans in last year's hopman cup final")
    assert hopman.answered and "Martina Hingis and Roger Federer" in hopman.quotes[0].text
    assert news.ask("who beat the americans in last year's davis cup final").answered is False  # another cup
    assert news.ask("who beat monica gambill").answered  # "Gambill": a distinctive last name holds "monica"


FREED = ArticleIn(
    title="Appeals court frees Bill Cosby",
    source="Wire",
    date="2021-07-01",
    body="Bill Cosby walked out of prison in June, after an appeals court overturned his conviction. He had served "
    "nearly three years.",
)
EXPELLED = ArticleIn(
    title="Academy expels Bill Cosby",
    source="Wire",
    date="2018-05-03",
    body="The Academy expelled Bill Cosby on Thursday. However, Cosby will keep the award he won in 1965.",
)
PRISONS = [
    ArticleIn(
        title=f"Prison news {i}",
        source="Wire",
        date=f"2020-01-0{i}",
        body=f"The prison in town {i} was closed. Inmates of the prison were moved.",
    )
    for i in range(1, 6)
]  # "prison" is common here, as in real coverage: the name outweighs it


def test_a_when_answer_is_about_the_asked_event_not_only_about_its_names(news: NewsService) -> None:
    news.add_many([FREED, EXPELLED, *PRISONS], actor="test")
    answer = news.ask("when did cosby get out of prison")
    assert [q.text for q in answer.quotes] == [
        "Bill Cosby walked out of prison in June, after an appeals court overturned his conviction."
    ]  # not "The Academy expelled Bill Cosby on Thursday.": a date of Cosby's, of another event
