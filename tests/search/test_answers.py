"""Questions on the shipped corpus, each with the quote or headline it must return, and questions it cannot answer."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidQuestion
from bot.core.text import split_sentences
from bot.service import NewsService

WAPO = "Washington Post"
FIRST = (
    "Amazon.com Inc. pitched its facial-recognition system in the summer to Immigration and Customs Enforcement "
    "officials as a way for the agency to target or identify immigrants, a move that could shove the tech giant "
    "further into a growing debate over the technology industry’s work with the government."
)

# (question, the first quote must start with ...)
QUOTED = [
    ("What did Amazon pitch to ICE?", "Amazon.com Inc. pitched its facial-recognition system in the summer"),
    ("Who wrote Bezos a letter?", "Hundreds of anonymous Amazon workers wrote Bezos a letter in June"),
    ("What did Amazon workers refuse to build?", "Hundreds of anonymous Amazon workers wrote Bezos"),
    ("What did Microsoft's president propose?", "Microsoft President Brad Smith wrote a blog post in July"),
    ("What did ICE want from tech contractors?", "ICE officials told tech-industry contractors last year"),
    (
        "What did the Amazon employee publish on Medium?",
        "Last week, a person identified as an Amazon employee",
    ),
    (
        "Did the emails mention predictive analytics?",
        "An Amazon Web Service official specializing in federal sales",
    ),
    (
        "What culture clash is there in Silicon Valley?",
        "It will also further fuel a Silicon Valley culture clash",
    ),
]

# (question, the first related headline, its outlet, the outlets of its syndicated copies)
HEADLINED = [
    (
        "When did Amazon ban police use of its face recognition?",
        "Amazon bans police use of its face recognition for a year",
        "Associated Press",
        ["The Hindu"],
    ),
    (
        "Which company joined Amazon in pausing face scans for police?",
        "Microsoft joins Amazon, IBM in pausing face scans for police",
        "Associated Press",
        [],
    ),
    (
        "What did the federal study find about face-scanning?",
        "Federal study finds race, gender affect face-scanning tech",
        "Associated Press",
        [],
    ),
    (
        "Did Amazon's software falsely match politicians?",
        "Amazon facial recognition falsely matches more than 100 politicians to arrested criminals",
        "The Independent",
        [],
    ),
    (
        "Do ICE and the FBI use driver's license photos?",
        "Washington Post: ICE, FBI use state driver’s license photos for facial-recognition scans",
        "CNN",
        [],
    ),
    (
        "Which police department tested Amazon's real-time facial recognition?",
        "Orlando Police Testing Amazon's Real-Time Facial Recognition",
        "NPR",
        [],
    ),
    (
        "What did the senators want for airport screening?",
        "Senators want limits on the government’s use of facial recognition technology for airport screening",
        "Associated Press",
        [],
    ),
    (
        "Who is the face recognition researcher fighting Amazon?",
        "Face recognition researcher fights Amazon over biased AI",
        "Associated Press",
        [],
    ),
    (
        "Were federal agents told to be camera-ready?",
        "Federal agents told to be ‘camera-ready’ as ICE deportation raids ramp up",
        "The Independent",
        [],
    ),
    (
        "Could airport face scans be a dry run for national surveillance?",
        "Airport Face Scans Could Be a Dry Run for a National Surveillance System",
        "Slate",
        [],
    ),
]

OFF_TOPIC = [
    "How many people live in Tokyo?",
    "What is the recipe for apple pie?",
    "Who won the 2022 World Cup?",
    "What did Tesla say about self-driving cars?",
    "What did Amazon say about its quarterly earnings?",
    "Tell me about the stock market",
    "What did Apple pitch to the FBI?",
]


@pytest.mark.parametrize(("question", "start"), QUOTED)
def test_quoted_answers(service: NewsService, question: str, start: str) -> None:
    answer = service.ask(question)
    assert answer.answered
    assert answer.quotes[0].text.startswith(start)
    assert answer.quotes[0].source == WAPO
    assert answer.quotes[0].also_in == ["LA Times"]
    assert answer.quotes[0].date == "2018-10-23"


@pytest.mark.parametrize(("question", "title", "source", "also_in"), HEADLINED)
def test_headline_answers(service: NewsService, question: str, title: str, source: str, also_in: list[str]) -> None:
    answer = service.ask(question)
    assert answer.answered
    first = answer.headlines[0]
    assert (first.title, first.source, first.also_in) == (title, source, also_in)
    article = service.get(first.article_id)
    assert (article.title, article.source, article.date) == (first.title, first.source, first.date)


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_are_not_answered(service: NewsService, question: str) -> None:
    answer = service.ask(question)
    assert answer.answered is False
    assert answer.quotes == []


def test_first_sentence_is_quoted_whole_and_attributed(service: NewsService) -> None:
    answer = service.ask("What did Amazon pitch to ICE?")
    quote = answer.quotes[0]
    assert quote.text == FIRST
    assert (quote.source, quote.date, quote.url) == (WAPO, "2018-10-23", None)
    assert quote.title == "Amazon met with ICE officials over facial-recognition system that could identify immigrants"


def test_every_quote_stands_verbatim_in_its_article(service: NewsService) -> None:
    for question, _ in QUOTED:
        for quote in service.ask(question).quotes:
            article = service.get(quote.article_id)
            assert quote.text in article.body
            assert (quote.title, quote.source, quote.date, quote.url) == (
                article.title, article.source, article.date, article.url,
            )  # fmt: skip


def test_syndicated_headlines_are_grouped(service: NewsService) -> None:
    titles = [h.title for h in service.ask("Amazon bans police use of face recognition").headlines]
    assert titles.count("Amazon bans police use of its face recognition for a year") == 1


def test_related_headlines_exclude_the_quoted_article(service: NewsService) -> None:
    answer = service.ask("What did Amazon pitch to ICE?")
    quoted = {q.title for q in answer.quotes}
    assert all(h.title not in quoted for h in answer.headlines)
    assert len(answer.headlines) <= 5 and len(answer.quotes) <= 3


@pytest.mark.parametrize("question", ["", "   ", "What is the?", "who did what, and when?"])
def test_empty_or_stopword_questions_are_errors(service: NewsService, question: str) -> None:
    with pytest.raises(InvalidQuestion):
        service.ask(question)


def test_a_very_long_question_is_an_error(service: NewsService) -> None:
    with pytest.raises(InvalidQuestion, match="500"):
        service.ask("amazon " * 200)


# --- the retrieve-then-read answerer (issue 10): the shipped story's four failures, typos, kinds, reasons ---


@pytest.mark.parametrize(
    "question",
    ["When did Microsoft pitch facial recognition to ICE?", "when did microsoft pitch facial recognition to ice"],
)
def test_a_changed_company_is_refused_not_answered_with_the_other_companys_pitch(
    service: NewsService, question: str
) -> None:
    answer = service.ask(question)  # "microsoft" is a name though its only mentions open a sentence or headline
    assert answer.answered is False
    assert answer.quotes == []


def test_a_contract_nobody_reports_signing_is_refused(service: NewsService) -> None:
    """The asked event is "sign": a sentence about an official in federal sales contracts does not tell of it."""
    for question in ("Did Amazon sign a contract with ICE?", "did amazon sign a contract with ice"):
        answer = service.ask(question)
        assert answer.answered is False
        assert answer.quotes == []


def test_other_words_for_the_same_thing_find_the_workers_letter(service: NewsService) -> None:
    answer = service.ask("What did Amazon employees say about ICE?")
    assert answer.answered
    assert answer.quotes[0].text.startswith("Hundreds of anonymous Amazon workers wrote Bezos a letter in June")
    assert answer.quotes[0].why is not None
    assert answer.quotes[0].why.supports["employees"] == "worker (WordNet), sentence"
    assert answer.quotes[0].why.answer_type == "statement"


def test_how_ice_planned_to_use_it_is_answered_by_the_first_sentence(service: NewsService) -> None:
    answer = service.ask("How did ICE plan to use Amazon's facial recognition?")
    assert answer.answered
    assert answer.quotes[0].text == FIRST
    assert answer.quotes[0].why is not None
    assert answer.quotes[0].why.supports["ice"] == "Immigration and Customs Enforcement (spelled out), sentence"


def test_a_sentence_and_a_two_sentence_quote_holding_it_are_not_both_quoted(service: NewsService) -> None:
    for question, _ in QUOTED:
        quoted = [s for q in service.ask(question).quotes for s in split_sentences(q.text)]
        assert len(quoted) == len(set(quoted)), question


@pytest.mark.parametrize(
    ("question", "start"),
    [
        ("when did amazn pitch its face recognition to ice", "Amazon.com Inc. pitched its facial-recognition"),
        ("wich company pitched facial recogntion to immigration officials", "Amazon.com Inc. pitched"),
        ("how many amazon workers wrote to bezos", "Hundreds of anonymous Amazon workers"),
    ],
)
def test_lower_case_and_typos_still_find_the_sentence(service: NewsService, question: str, start: str) -> None:
    answer = service.ask(question)
    assert answer.answered and answer.quotes[0].text.startswith(start)


def test_each_quote_says_why_it_was_chosen(service: NewsService) -> None:
    quote = service.ask("when did amazn pitch its face recognition to ice").quotes[0]
    assert quote.why is not None
    assert quote.why.answer_type == "date" and quote.why.answer_type_in == "sentence"
    assert quote.why.supports["amazn"] == "amazon (spelling), sentence"
    assert quote.why.supports["ice"] == "Immigration and Customs Enforcement (spelled out), sentence"
    assert quote.why.bm25_rank is not None and quote.why.article_rank >= 1
    assert quote.why.semantic is None and quote.why.with_previous is False
