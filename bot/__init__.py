"""newsbot: answers questions about a news story with verbatim, attributed quotes from its coverage."""

__version__ = "0.1.0"
