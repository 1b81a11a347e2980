"""Shorthand typed in chat, and the words it stands for: "govt" is "government", "nz" is "New Zealand".

Why: a word the coverage never uses goes to the speller, which corrects it to the nearest word the coverage does
use ("govt" -> "gov", "goat"): wrong for shorthand, which is not a typo but another spelling of a word the
reporters write in full. A word of this table stands for its full form instead, before any correction; a full
form of several words ("new zealand") holds the word only where all of them stand, as an acronym's expansion does
(:func:`bot.search.names.expansions`). A full form written capitalised is a name ("nz" is held like "New
Zealand": a sentence about Australia does not answer it). Only unambiguous shorthand is listed ("gov" may be a
governor, "sec" a second, "vic" a name: they are left to the coverage and the speller).
"""

from __future__ import annotations

# Words typed in chat that carry no content: contractions without their apostrophe, question scaffolding.
CHAT = frozenset(
    """whats wats whos hows whens wheres whys didnt doesnt dont isnt wasnt werent arent hasnt havent hadnt wont
    cant couldnt wouldnt shouldnt aint im ive youre theyre thats theres name names guy guys ppl pls plz u ur
    happend wich wat whn wen hw whem whne""".split()
)

_TABLE = {
    "govt": "government",
    "govts": "governments",
    "gvt": "government",
    "dept": "department",
    "depts": "departments",
    "uni": "university",
    "unis": "universities",
    "intl": "international",
    "natl": "national",
    "yr": "year",
    "yrs": "years",
    "mins": "minutes",
    "hrs": "hours",
    "approx": "approximately",
    "pres": "president",
    "mgmt": "management",
    "admin": "administration",
    "hq": "headquarters",
    "stats": "statistics",
    "cig": "cigarette",
    "cigs": "cigarettes",
    "bn": "billion",
    "mln": "million",
    "percent": "per cent",  # the reporters of Australia and Britain write "12 per cent"
    "percentage": "per cent",
    "nz": "New Zealand",
    "nyc": "New York",
    "qld": "Queensland",
    "nsw": "New South Wales",
    "tas": "Tasmania",
    "aus": "Australia",
}


def full_form(word: str) -> str | None:
    """What the lower-case ``word`` is shorthand for, as the coverage writes it, or None."""
    return _TABLE.get(word)


def is_name(word: str) -> bool:
    """Whether ``word`` is shorthand for a name ("nz" for "New Zealand")."""
    full = _TABLE.get(word)
    return full is not None and full[:1].isupper()
