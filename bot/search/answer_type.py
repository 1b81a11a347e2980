"""What kind of fact a question asks for, and whether a sentence states one.

Why: a "when" question answered with a topical sentence that holds no date has not been answered. The kind is read
from the question's first question word ("when", "how many", "who", "why", ...); a sentence *holds* the kind when
it states a date or time expression (when), a quantity (how many / how much / how old / how long), a person or an
organisation (who: a name other than the question's own, or a word WordNet files under people or groups), or a
reason (why: "because", "after", "to protest", "in response to", ...); for "what did they say", a statement
(quotation marks, "said", "wrote", "told").

These are deliberately recognisers of *form*, not of truth: they keep a date-less sentence from answering
"when", and leave it to the other stages to decide whether the date is the right one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from bot.search.casefold import Folded as _Folded
from bot.search.lexicon import lemmas, lexical_file, only_proper

__all__ = ["Kind", "asks_year", "holds", "question_kind", "states_year", "strong"]

Kind = Literal["who", "when", "how_many", "why", "where", "how", "say", "what"]

_TYPO_WH = {"wich": "which", "wat": "what", "whn": "when", "wen": "when", "hw": "how", "y": "why", "whos": "who"}
_WHO_NOUNS = (
    "company|companies|firm|organi[sz]ation|group|agency|department|team|person|people|man|woman|country|"
    "nation|state|city|official|leader|president|minister|player|candidate|senator|lawmaker|party|court|judge|"
    "university|school|network|outlet|newspaper|brand|retailer|bank|airline|celebrity|actor|actress|singer|"
    "star|band|politician|governor|mayor|athlete|member|members"
)
_AUXILIARIES = frozenset(
    "did does do is are was were will would can could has have had should shall may might must was the a an".split()
)
_WHEN = re.compile(
    r"^(?:and\s+|so\s+|but\s+)?(?:when|since\s+when|from\s+when|until\s+when|by\s+when|"
    r"(?:(?:in|on|at|by|during|from|until|since)\s+)?(?:what|which|wat|wich)\s+"
    r"(?:year|month|day|date|time|decade|century|season|week)|how\s+long\s+ago|at\s+what\s+time|on\s+what\s+day)\b"
)
_HOW_MANY = re.compile(
    r"^(?:and\s+|so\s+)?(?:how\s+(?:many|much|old|long|far|big|large|high|tall|deep|fast|often|heavy|wide)"
    r"|(?:(?:at|by|to|of|for)\s+)?(?:what|which)\s+(?:percentage|percent|share|number|amount|age|price|sum|fine|"
    r"toll|total|figure|rate|score|margin|cost|value|size|height|distance|population)|by\s+how\s+much)\b"
)
_WHO = re.compile(rf"^(?:and\s+|so\s+)?(?:who|whom|whose|(?:which|what|wich|wat)\s+(?:{_WHO_NOUNS})s?\b)")
_WHY = re.compile(r"^(?:and\s+|so\s+)?(?:why|how\s+come|for\s+what\s+reason|what\s+(?:caused|led\s+to|prompted))\b")
_WHERE = re.compile(r"^(?:and\s+|so\s+)?(?:where|in\s+what\s+(?:city|country|place)|from\s+where)\b")

_MONTHS = (
    r"jan(?:uary|\.)?|feb(?:ruary|\.)?|march|mar\.|april|apr\.|may|june?|july?|aug(?:ust|\.)?|sept?(?:ember|\.)?"
    r"|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?"
)
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# Days a calendar names: "on Christmas Day", "on New Year's Eve", "over Easter", "during Ramadan".
_HOLIDAYS = (
    r"\b(?:christmas|easter|thanksgiving|halloween|new\s+year[’']?s?(?:\s+(?:day|eve))?|boxing\s+day|"
    r"(?:anzac|australia|independence|memorial|labou?r|valentine[’']?s|mother[’']?s|father[’']?s|election|"
    r"inauguration|polling)\s+day|ramadan|eid|hanukkah|passover|diwali|yom\s+kippur)\b"
)
_DATE = _Folded(
    rf"\b(?:(?:{_MONTHS})\s+\d{{1,2}}\b|\d{{1,2}}\s+(?:{_MONTHS})\b|(?:in|since|until|by|from|of|early|late|mid-?)\s+"
    rf"(?:{_MONTHS})\b|(?:{_DAYS})|(?:1[6-9]|20)\d\d(?:s)?\b|yesterday|today|tonight|tomorrow|"
    r"(?:last|this|next|past|previous|coming|same|that|earlier\s+this|later\s+this)\s+(?:week|weekend|month|year|"
    r"summer|spring|fall|autumn|winter|season|decade|century|morning|afternoon|evening|night|day|time)s?|"
    r"(?:in|during|over|by)\s+the\s+(?:summer|spring|fall|autumn|winter|morning|afternoon|evening|night|"
    r"weekend|[0-9]{4}s|\w+ties)|\bago\b|\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|o'clock|midnight|noon|"
    r"\bdawn\b|\bdusk\b|centur(?:y|ies)|decades?\s+ago|\bweeks?\s+(?:after|before|later|earlier)|"
    r"\bdays?\s+(?:after|before|later|earlier)|\bhours?\s+(?:after|before|later|earlier)|\bmonths?\s+"
    r"(?:after|before|later|earlier)|\byears?\s+(?:after|before|later|earlier)|\bsince\s+(?:the|\d)|"
    r"\bonce\b|\bwhen\b|\bafter\s+the\b|\bbefore\s+the\b|\bduring\s+the\b|\bthe\s+week\s+ending\b|"
    rf"{_HOLIDAYS}|\bovernight\b|\brecently\b|\bat\s+the\s+(?:weekend|time)\b|"
    r"\bin\s+recent\s+(?:days|weeks|months|years)\b|\b(?:shortly|soon|just|immediately|moments?|minutes?)\s+"
    r"(?:after|before)\b|\bwithin\s+(?:hours|days|weeks|months|minutes|a\s+(?:day|week|month|year))\b|"
    r"\b(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+(?:the\s+)?(?:week|month|year|season|decade|century|"
    rf"(?:{_MONTHS}))\b|\bthe\s+(?:following|previous|next)\s+(?:day|week|weekend|month|year|morning|night|"
    r"evening|season)\b|\b(?:first|second|third|fourth|final)\s+quarter\b)"
)
_QUANTITY = _Folded(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|"
    r"millions?|billions?|trillions?|dozens?|scores\s+of|half|quarter|third|once|twice|several|percent|per\s+cent|"
    r"a\s+few|handful|single|double|triple|majority|minority|none|no\s+one|nobody|all|"
    r"(?:a|an)\s+(?:year|month|week|day|hour|minute|decade|century|mile|kilometre|kilometer|foot|metre|meter))\b"
)
_REASON = _Folded(
    r"\b(?:because|since|due\s+to|owing\s+to|thanks\s+to|as\s+a\s+result|result(?:ed|s)?\s+(?:of|from)|after|"
    r"following|amid|over|"
    r"in\s+response|in\s+(?:protest|retaliation|reaction)|in\s+order\s+to|so\s+(?:as\s+)?to|so\s+that|"
    r"in\s+an\s+(?:effort|attempt|bid)|aim(?:ed|ing|s)?\s+(?:at|to)|to\s+(?:help|protest|prevent|avoid|stop|"
    r"protect|ensure|keep|make|raise|push|support|save|end|fight|combat|reduce|boost|honor|honour|mark|"
    r"celebrate|target|identify|address|curb|limit|counter|cut|settle|resolve|win|force|pressure|show|prove|"
    r"draw|bring|allow|let|give|get|encourage|discourage|punish|block|replace|meet|fill|cover|pay|fund)|"
    r"reasons?|caus(?:e|ed|es|ing)|led\s+to|lead\s+to|prompt(?:ed|ing|s)?|spark(?:ed|ing|s)?|trigger(?:ed|s)?|"
    r"blam(?:e|ed|es|ing)|accus(?:e|ed|es|ing)|allegations?|alleged(?:ly)?|charged\s+with|convicted\s+of|"
    r"for\s+(?:allegedly|failing|refusing|violating|breaking|using|being|having|not|his|her|their|its)|"
    r"motivat(?:e|ed|ion)|out\s+of|fear(?:s|ed)?\s+(?:of|that)|concerns?\s+(?:about|over|that)|"
    r"said\s+(?:it|they|he|she)\s+(?:was|were|would|had)|explain(?:ed|s)?|why|partly|largely|mainly|"
    r"threat|risk|danger|"
    r"violat(?:e|ed|ing|ion)|protest(?:s|ed|ing)?|against|opposition|because\s+of|fearing|in\s+favou?r\s+of|"
    r"attribut(?:e|es|ed|ing)|credit(?:s|ed)?\s+\w+\s+(?:to|for)|instead|rather\s+than|in\s+(?:honou?r|memory)\s+of|so\s+(?:he|she|they|it|we)|as\s+part\s+of|"
    # causes: what a thing stems from, is driven or fuelled by, what it led or leads to, what someone died of
    r"stem(?:s|med|ming)?\s+from|(?:driven|fu?ell?ed|caused|hit|hampered|hurt|boosted|spurred)\s+by|"
    r"lead(?:s|ing)?\s+to|result(?:ed|s|ing)?\s+in|linked\s+to|in\s+light\s+of|on\s+the\s+grounds|"
    r"(?:died|dies|dying|death)\s+(?:of|from)|suspect(?:ed)?\s+of|on\s+suspicion\s+of|in\s+connection\s+with|"
    r"guilty\s+of|(?:jailed|arrested|sentenced|fined|sued|fired|sacked|banned|suspended|punished|praised|"
    r"criticised|criticized|wanted|known|famous|responsible|honou?red|awarded|thanked|apologi[sz]ed|"
    r"condemned|investigated|probed|targeted)\s+(?:for|over)|citing|cited|on\s+(?:the\s+)?(?:basis|orders?)\s+of|"
    # purposes: what it is meant, designed or intended to do, what someone hopes, seeks or plans to do
    r"(?:meant|designed|intended|aimed|hoping|hopes?|seeking|seeks?|sought|trying|tried|tries|plans?|planned|"
    r"planning|wants?|wanted|wanting|needs?|needed|in\s+hopes?|in\s+the\s+hope|as\s+a\s+way|a\s+bid|"
    r"an\s+attempt|an\s+effort|purpose|goal|aim|so\s+as)\s+(?:to|of|that)\b|therefore|hence|thus|"
    r"that\s+is\s+why|which\s+is\s+why|the\s+reason)\b"
)
_SAY = re.compile(
    r"^(?:what|wat)\s+(?:did|does|do|has|have|had|will|would)\s+.+?\b(?:say|tell|write|claim|argue|announce|"
    r"reply|respond|warn|complain|demand|ask)\b"
)
_STATEMENT = _Folded(
    r"[“”\"]|\b(?:said|says|saying|wrote|writes|writing|told|tells|stated|states|argued|argues|claimed|claims|"
    r"announced|warned|complained|demanded|asked|replied|according\s+to)\b"
)
_CALENDAR = _Folded(rf"(?:{_MONTHS}|{_DAYS})")
_MANNER = _Folded(r"\b(?:as\s+a\s+way|by\s+\w+ing|through|using|with\s+the\s+help|via)\b")
_PLACE = re.compile(r"\b(?:in|at|from|near|to|across|outside|inside)\s+(?:the\s+)?[A-Z][\w’'-]+")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'&.-]*[a-z][\w’'&.-]*|\b[A-Z]{2,}\b")


def question_kind(question: str) -> Kind:
    """The kind of fact ``question`` asks for; ``"what"`` when it asks for none in particular."""
    text = " ".join(_TYPO_WH.get(w, w) for w in question.casefold().replace("’", "'").split())
    text = re.sub(r"^(?:so|ok|okay|hey|and|but|um|hmm|also|wait|please|pls|plz)[,!]?\s+", "", text)
    text = re.sub(r"^(?:what\s+is|what's|whats|tell\s+me|do\s+you\s+know|give\s+me)\s+(?=the\s+names?\b)", "", text)
    if re.match(r"^(?:the\s+)?names?\s+of\b", text):
        return "who"
    for pattern, kind in ((_WHEN, "when"), (_HOW_MANY, "how_many"), (_WHO, "who"), (_WHY, "why"), (_WHERE, "where")):
        if pattern.search(text):
            return kind  # type: ignore[return-value]
    which = re.match(r"^(?:which|what)\s+(\w+)(?:\s+(\w+))?", text)
    if which and which.group(1) not in _AUXILIARIES:
        if any(w and w not in _AUXILIARIES and _person_or_group(w) for w in which.groups()):
            return "who"  # "which author", "which cubs player"
    if re.match(r"^how\s+(?:did|does|do|is|are|was|were|will|would|can|could|has|have|had)\b", text):
        return "how"
    if _SAY.match(text):
        return "say"
    return "what"


@lru_cache(maxsize=50_000)
def _person_or_group(word: str) -> bool:
    """Whether WordNet files ``word``'s first noun sense under people or groups (noun.person, noun.group)."""
    return lexical_file(word.casefold(), "n") in ("noun.person", "noun.group")


_STRONG_DATE = _Folded(
    rf"\b(?:(?:{_MONTHS})\s+\d{{1,2}}\b|\d{{1,2}}\s+(?:{_MONTHS})\b|(?:in|since|until|by|from|of)\s+(?:{_MONTHS})\b|"
    r"(?:1[6-9]|20)\d\d\b)"
)
_FULL_NAME = re.compile(r"\b[A-Z][\w’'-]*[a-z][\w’'-]*(?:\s+(?:al-|bin\s+|de\s+|van\s+)?[A-Z][\w’'-]*[a-z][\w’'-]*)+")


_ASKS_YEAR = re.compile(r"\b(?:in\s+)?(?:what|which|wat|wich)\s+year\b")
_YEAR = re.compile(r"\b(?:1[6-9]|20)\d\d\b")


def asks_year(question: str) -> bool:
    """Whether a when question asks the year itself ("what year did the abuse happen")."""
    return _ASKS_YEAR.search(question.casefold()) is not None


def states_year(text: str) -> bool:
    """Whether ``text`` writes a year ("in 1990"), not only a time it leaves to count ("more than a decade ago")."""
    return _YEAR.search(text) is not None


def strong(kind: Kind, text: str, question_names: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` states the asked kind outright: a calendar date or a year (not "Thursday", "last
    week"), a manner ("as a way to", "by using"; not only a reason), or a person's full name other than the
    question's own ("Geoff Catt"), with a word that is not a common word or a place (not "World Trade Centre",
    "Gaza City")."""
    if kind == "when":
        return _STRONG_DATE.search(text) is not None
    if kind == "how":
        return _MANNER.search(text) is not None  # a manner outright, not a reason
    if kind == "say":
        return re.search(r"[“\"]", text) is not None  # their words, quoted
    if kind == "who":
        for match in _FULL_NAME.finditer(text):
            words = {_bare(w) for w in match.group().split()}
            if words & question_names or any(_CALENDAR.fullmatch(w) for w in words):
                continue
            if any(_distinctive(w) for w in words):
                return True
    return False


@lru_cache(maxsize=50_000)
def _distinctive(word: str) -> bool:
    """Whether one word of a full name makes it someone's name: WordNet does not know it as a common word, and
    not as a place ("Bloomberg", "Hagel", "Rantissi"; not "World Trade Centre", "West Bank" or "Gaza")."""
    word = word.replace("’", "'").split("'")[0].split("-")[-1]
    if not word.isalpha():
        return False
    if lemmas(word) and not only_proper(word):
        return False
    return lexical_file(word, "n") != "noun.location"


_POSSESSIVE = re.compile(r"['’]s?$")


def _bare(word: str) -> str:
    """A name as the question would type it: lower case, without its possessive ("Arafat's" -> "arafat"), so the
    question's own name in the possessive is not taken for another person."""
    return _POSSESSIVE.sub("", word.casefold().strip(".’'")).strip(".’'")


_NUMBER = re.compile(r"\d[\d,.]*")


def _year(text: str, start: int, value: str) -> bool:
    """A year is a date, not a quantity ("in 1999", "the 2004 tsunami"): four digits from 1600 to 2099, not a sum
    ("$2000") or a share ("2000 percent"); "1,999" is a count."""
    if not re.fullmatch(r"(?:1[6-9]|20)\d\d", value) or text[start - 1 : start] in ("$", "£", "€"):
        return False
    return re.match(r"\s*(?:%|percent|per\s+cent)", text[start + len(value) :]) is None


def _quantity(text: str, own: frozenset[str]) -> bool:
    """Whether ``text`` states a quantity other than the question's own numbers (``own``, as typed) and other
    than a year: "how many died in the 2004 tsunami" is not answered by "the 2004 tsunami" alone."""
    done = 0
    for match in _QUANTITY.finditer(text):
        if match.start() < done:
            continue
        if match.group()[0].isdigit():
            number = _NUMBER.match(text, match.start())
            assert number is not None
            done = number.end()
            value = number.group().rstrip(".,")
            if value.replace(",", "") in own or _year(text, match.start(), value):
                continue
        elif match.group().casefold() in own:
            continue
        return True
    return False


def holds(kind: Kind, text: str, question_names: frozenset[str] = frozenset()) -> str | None:
    """What in ``text`` is of the asked kind ("date", "quantity", "person", "reason", "place"), or None.

    ``question_names`` (lower case) are the names and numbers the question itself gives: the question's own
    subject does not answer "who", nor its own number "how many"."""
    if kind == "when":
        return "date" if _DATE.search(text) else None
    if kind == "how_many":
        return "quantity" if _quantity(text, question_names) else None
    if kind == "why":
        return "reason" if _REASON.search(text) else None
    if kind == "how":
        return "manner" if _REASON.search(text) or _MANNER.search(text) else None
    if kind == "where":
        return "place" if _PLACE.search(text) else None
    if kind == "say":
        return "statement" if _STATEMENT.search(text) else None
    if kind == "who":
        for match in _NAME.finditer(text):
            name = _bare(match.group())
            if name not in question_names and not _CALENDAR.fullmatch(name):
                return "person"
        for word in re.findall(r"[a-z]+", text):
            if len(word) > 2 and _person_or_group(word):
                return "person"
        return None
    return "any"
