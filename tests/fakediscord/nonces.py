"""Discord's message nonce rule, as its Create Message documentation states it.

A ``nonce`` is an integer or a string of at most 25 characters. With ``enforce_nonce`` true, "it will be checked
for uniqueness in the past few minutes. If another message was created by the same author with the same nonce,
that message will be returned and no new message will be created." discord.py documents the other case: a nonce
of a message deleted shortly before answers 404 (``discord.NotFound``). How long "a few minutes" is, Discord does
not say: the fake's window is ``NONCE_WINDOW`` seconds of its clock, and tests may shorten it
(``fake.nonce_window``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fakediscord.protocol import UNKNOWN_MESSAGE, ApiError, field_error, invalid_form_body

__all__ = ["NONCE_WINDOW", "Nonces"]

NONCE_WINDOW = 180.0
NONCE_CHARS = 25


class Nonces:
    """The nonces authors used, and when: which message a retried Create Message returns."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._used: dict[tuple[int, str], tuple[int, float]] = {}  # (author, nonce) -> (message id, when)

    @staticmethod
    def check(body: dict[str, Any]) -> None:
        """400 / 50035 for a nonce Discord refuses: longer than 25 characters, or neither string nor integer."""
        nonce = body.get("nonce")
        if nonce is None or isinstance(nonce, int) and not isinstance(nonce, bool):
            return
        if not isinstance(nonce, str):
            raise invalid_form_body({"nonce": field_error("NONCE_TYPE_INVALID", "Nonce must be a string or integer")})
        if len(nonce) > NONCE_CHARS:
            raise invalid_form_body(
                {"nonce": field_error("BASE_TYPE_MAX_LENGTH", f"Must be {NONCE_CHARS} or fewer in length.")}
            )

    def earlier(self, author_id: int, body: dict[str, Any], window: float, deleted: set[int]) -> int | None:
        """The message ``author_id`` created with this request's nonce within ``window`` seconds, when the request
        enforces its nonce; 404 / 10008 when that message was deleted since."""
        nonce = body.get("nonce")
        if nonce is None or not body.get("enforce_nonce"):
            return None
        used = self._used.get((author_id, str(nonce)))
        if used is None or self._clock() - used[1] > window:
            return None
        if used[0] in deleted:
            raise ApiError(404, "Unknown Message", UNKNOWN_MESSAGE)
        return used[0]

    def remember(self, author_id: int, body: dict[str, Any], message_id: int) -> None:
        if body.get("nonce") is not None:
            self._used[(author_id, str(body["nonce"]))] = (message_id, self._clock())
