"""Every error newsbot raises on purpose, with a message a user can read.

The command line turns these into one line on stderr (exit status 2 for bad input, 1 otherwise); the Discord
layer turns them into an ephemeral reply. Anything that is *not* a ``NewsBotError`` is a bug: it is logged with
its traceback and the user gets a generic apology.

Hierarchy::

    NewsBotError
     ├── InvalidInput            bad input from a user (exit status 2); nothing was changed
     │    ├── InvalidArticle     an article (file, line, field) that fails validation
     │    ├── InvalidQuestion    an empty or stopword-only question
     │    ├── InvalidDate        a date that is not YYYY, YYYY-MM or YYYY-MM-DD, or does not exist
     │    ├── DuplicateArticle   the same URL or the same text is already stored
     │    ├── DuplicateFeed      that feed (its URL normalised) is already subscribed
     │    ├── NotAFeed           the URL serves something that is not an RSS or Atom feed
     │    ├── UnsafeURL          a URL newsbot refuses to fetch (scheme, credentials, private address)
     │    ├── ArticleNotFound    no stored article has that id
     │    ├── FeedNotFound       no subscribed feed has that id or URL
     │    └── AnswerNotFound     a button names an answer no longer kept, or one given in another server
     ├── FetchError              a page could not be fetched or yielded no article
     ├── PermissionDenied        this server or user may not change the coverage (the service's rule in shared
     │                           mode; in Discord also bot.discord_app.replies.ModeratorOnly, a non-moderator)
     ├── StoreError              the database cannot be opened or used
     │    ├── StoreBusy          another process holds the write lock: try again (nothing is wrong)
     │    ├── StoreUnavailable   the database server cannot be reached or is restarting: try again
     │    ├── StoreDamaged       the database is damaged, truncated or not newsbot's: restore a backup
     │    └── DiskFull           the disk is full; nothing was changed
     ├── ConfigError             a setting is missing or wrong (e.g. no DISCORD_TOKEN)
     │    └── ModelUnavailable   the semantic reader's extra or model package is missing or damaged
     ├── DiscordUnreachable      Discord's gateway or API cannot be reached (network, proxy, outage)
     └── AnswerFailed            the process answering a question stopped twice: ask again
"""

from __future__ import annotations

from bot.core.sanitize import bounded

__all__ = [
    "AnswerFailed",
    "ArticleNotFound",
    "ConfigError",
    "DiscordUnreachable",
    "DiskFull",
    "DuplicateArticle",
    "DuplicateFeed",
    "FeedNotFound",
    "FetchError",
    "InvalidArticle",
    "InvalidDate",
    "InvalidInput",
    "InvalidQuestion",
    "ModelUnavailable",
    "NewsBotError",
    "NotAFeed",
    "PermissionDenied",
    "StoreBusy",
    "StoreDamaged",
    "StoreError",
    "StoreUnavailable",
    "UnsafeURL",
]


class NewsBotError(Exception):
    """Base class: ``str(error)`` is a message fit for the person who caused it, on one line; ``details`` holds
    what only a curious operator wants (shown with ``-v`` where a command offers it).

    The message is bounded (:func:`bot.core.sanitize.bounded`): whatever outside data it quotes, it stays a few
    hundred characters on one line without control characters, on a terminal, in Discord and in a feed's log."""

    exit_code = 1
    details: str = ""

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(bounded(str(message)), *args)


class InvalidInput(NewsBotError):
    """The input was wrong; nothing was changed."""

    exit_code = 2


class InvalidArticle(InvalidInput):
    """An article failed validation. The message names the file, line and field where known."""


class InvalidQuestion(InvalidInput):
    """A question with nothing to search for."""


class InvalidDate(InvalidInput):
    """A date that is malformed or impossible."""


class DuplicateArticle(InvalidInput):
    """The article is already stored (same URL or same text)."""

    def __init__(self, message: str, existing_id: str) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class UnsafeURL(InvalidInput):
    """A URL that newsbot will not fetch."""


class DuplicateFeed(InvalidInput):
    """The feed is already subscribed (same normalised URL); ``existing_id`` is its subscription."""

    def __init__(self, message: str, existing_id: int) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class NotAFeed(InvalidInput):
    """The URL serves something that is not an RSS or Atom feed."""


class FeedNotFound(InvalidInput):
    """No subscribed feed has that id or URL (bad input: exit status 2)."""


class ArticleNotFound(InvalidInput):
    """No article with that id (bad input: exit status 2, like every other mistake in what was typed)."""


class AnswerNotFound(InvalidInput):
    """A button names an answer the bot no longer keeps, or one given in another server."""


class AlertUndeliverable(NewsBotError):
    """A new-coverage alert cannot be posted: the channel is gone, or the bot may not post there."""


class FetchError(NewsBotError):
    """Fetching or extracting a page failed."""


class PermissionDenied(NewsBotError):
    """The change is not this server's or this user's to make (nothing was changed)."""


class StoreError(NewsBotError):
    """The database cannot be opened or used."""


class StoreBusy(StoreError):
    """Another process is writing and did not finish within the busy timeout. The data is fine: try again."""


class StoreUnavailable(StoreError):
    """The database server (PostgreSQL) is down, restarting or unreachable. Nothing was changed: try again."""


class StoreDamaged(StoreError):
    """The database is damaged, truncated, lost its tables or is not newsbot's. It is never written over."""


class DiskFull(StoreError):
    """The disk holding the data directory is full; the change was rolled back."""


class ConfigError(NewsBotError):
    """A missing or invalid setting."""


class DiscordUnreachable(NewsBotError):
    """Discord could not be reached (no network, a proxy, an outage); nothing was changed."""


class ModelUnavailable(ConfigError):
    """The semantic reader cannot run: its optional extra or model package is missing, or its files are damaged."""


class AnswerFailed(NewsBotError):
    """A question could not be answered: the worker process answering it stopped (killed, out of memory), and so
    did its replacement's try, or the bot is stopping. Nothing was changed: ask again."""
