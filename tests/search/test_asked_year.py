"""A "what year" question asks the year: a sentence that writes it comes before one that leaves the reader to
count back ("more than a decade ago"). On the real text of the evaluation store (every Lee article and HuffPost
item of benchmarks/eval): Lee article 91, the claims against Dr Peter Hollingworth."""

from __future__ import annotations

from bot.search.answer_type import asks_year, states_year
from bot.service import NewsService

IN_1990 = (
    "Dr Peter Hollingworth has released a statement responding to claims he failed to act on abuse at the "
    "Toowoomba school in 1990 when he was the Anglican Archbishop."
)
DECADE = (
    "Dr Peter Hollingworth was the Anglican Archbishop of Brisbane when a teacher at a Toowoomba Anglican school "
    "allegedly abused students there more than a decade ago."
)


def test_which_questions_ask_the_year() -> None:
    assert asks_year("what year did the alleged abuse happen") and asks_year("In which year was it built")
    assert not asks_year("when did the alleged abuse happen") and not asks_year("what years of service")
    assert states_year(IN_1990) and not states_year(DECADE)


def test_the_sentence_with_the_year_comes_first(news: NewsService) -> None:
    answer = news.ask("what year did the alleged abuse at the toowoomba school happen")
    assert [quote.text for quote in answer.quotes[:2]] == [IN_1990, DECADE]
    # a plain "when" question keeps both as dates: the nearer wording still comes first
    assert news.ask("when did the alleged abuse at the toowoomba school happen").quotes[0].text == DECADE
