"""What the bot did, as the fake records it: REST requests, uploaded files, and every answer to an
interaction (``BotReply``) grouped under the interaction it answers (``FakeInteraction``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from tests.fakediscord.protocol import AUTOCOMPLETE_RESULT, EPHEMERAL

T = TypeVar("T")

if TYPE_CHECKING:
    from tests.fakediscord.objects import FakeUser


class _Fake(Protocol):
    """What an interaction needs of the fake (the world, which is above this module): its clock and deadline, a
    message's current state, and waiting for a condition."""

    clock: Callable[[], float]
    acknowledge_within: float

    def message(self, message_id: int | str) -> dict[str, Any] | None: ...

    async def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 5.0, *, description: str | None = None
    ) -> T: ...


@dataclass
class RecordedFile:
    """A file the *bot* uploaded in a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One REST request the bot made. ``json`` is the JSON body, or ``payload_json`` for multipart."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    files: list[RecordedFile] = field(default_factory=list)
    status: int | None = None

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


def walk_components(components: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for comp in components or ():
        yield comp
        if "components" in comp:
            yield from walk_components(comp["components"])
        if "component" in comp:
            yield from walk_components([comp["component"]])
        if "accessory" in comp:
            yield from walk_components([comp["accessory"]])


def _items(message: dict[str, Any] | None, payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A list field (embeds, components, attachments) of the resulting message, else of the request."""
    items: list[dict[str, Any]] = (message.get(key, []) if message is not None else payload.get(key)) or []
    return items


@dataclass
class BotReply:
    """Something the bot did in answer to an interaction.

    ``kind`` is ``"callback"`` (the initial response; ``type`` is the callback type),
    ``"followup"``, ``"edit"`` (edit of the original response), ``"edit_followup"``, ``"delete"``
    or ``"delete_followup"``. ``payload`` is the callback's ``data`` / the webhook JSON body, and
    ``message`` a snapshot of the resulting message (``None`` when no message is involved).
    """

    kind: str
    type: int | None
    payload: dict[str, Any]
    files: list[RecordedFile] = field(default_factory=list)
    message: dict[str, Any] | None = None

    @property
    def content(self) -> str:
        """The message's text ("" when it has none)."""
        source = self.message if self.message is not None else self.payload
        return str(source.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return _items(self.message, self.payload, "embeds")

    @property
    def components(self) -> list[dict[str, Any]]:
        return _items(self.message, self.payload, "components")

    @property
    def flags(self) -> int:
        if self.message is not None:
            return int(self.message.get("flags", 0))
        return int(self.payload.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        return self.payload.get("allowed_mentions")

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return _items(self.message, self.payload, "attachments")

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete choices (callback type 8)."""
        return self.payload.get("choices") or []

    @property
    def custom_id(self) -> str | None:
        """The modal's custom_id (callback type 9)."""
        return self.payload.get("custom_id")

    @property
    def title(self) -> str | None:
        """The modal's title (callback type 9)."""
        return self.payload.get("title")

    @property
    def message_id(self) -> int | None:
        return None if self.message is None else int(self.message["id"])

    def custom_ids(self) -> list[str]:
        """Every component custom_id in the reply (message components, or modal fields)."""
        return [c["custom_id"] for c in walk_components(self.components) if "custom_id" in c]

    def button(self, label: str) -> dict[str, Any]:
        """The button labelled ``label`` (``reply.button("Next")["custom_id"]`` to click it)."""
        for comp in walk_components(self.components):
            if comp.get("type") == 2 and comp.get("label") == label:
                return comp
        labels = [c.get("label") for c in walk_components(self.components) if c.get("type") == 2]
        raise KeyError(f"no button {label!r}; have {labels}")

    def component(self, custom_id: str) -> dict[str, Any]:
        for comp in walk_components(self.components):
            if comp.get("custom_id") == custom_id:
                return comp
        raise KeyError(f"no component {custom_id!r}; have {self.custom_ids()}")


class InteractionFailed(AssertionError):
    """The bot acknowledged an interaction after Discord's deadline (Discord answered 10062)."""


class FakeInteraction:
    """An interaction the fake sent to the bot, plus everything the bot answered to it."""

    def __init__(self, fake: _Fake, payload: dict[str, Any], user: FakeUser, source_message_id: int | None) -> None:
        self.fake = fake
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.user = user
        self.replies: list[BotReply] = []
        self.source_message_id = source_message_id
        self.original_message_id: int | None = None
        self.followup_message_ids: list[int] = []
        self.modal: dict[str, Any] | None = None
        self._deferred_loading = False
        self.created_at = fake.clock()  # when Discord created it: the 3-second deadline starts here
        self.refused_after: float | None = None  # seconds, when an acknowledgement came too late (10062)
        self.acknowledged_after: float | None = None  # seconds from creation to the accepted initial response

    def __repr__(self) -> str:
        return f"<FakeInteraction id={self.id} type={self.type} replies={[r.kind for r in self.replies]}>"

    @property
    def responded(self) -> bool:
        return any(r.kind == "callback" for r in self.replies)

    def _of_kind(self, kind: str) -> list[BotReply]:
        return [r for r in self.replies if r.kind == kind]

    @property
    def followups(self) -> list[BotReply]:
        return self._of_kind("followup")

    @property
    def edits(self) -> list[BotReply]:
        return self._of_kind("edit")

    @property
    def failed(self) -> bool:
        """Whether the user saw "This interaction failed": nothing acknowledged it in time."""
        if self.responded:
            return False
        return self.refused_after is not None or self.fake.clock() - self.created_at > self.fake.acknowledge_within

    async def callback(self, timeout: float = 5.0) -> BotReply:
        """Wait for the initial response (types 4 message, 5 defer, 6 deferred update, 7 update,
        8 autocomplete result, 9 modal). Raises ``InteractionFailed`` if it came after the deadline."""

        def answered() -> BotReply | bool | None:
            return next(iter(self._of_kind("callback")), None) or self.refused_after is not None

        reply = await self.fake.wait_for(answered, timeout, description=f"a response to interaction {self.id}")
        if not isinstance(reply, BotReply):
            raise InteractionFailed(
                f"interaction {self.id} was acknowledged after {self.refused_after:.2f} s; Discord allows "
                f'{self.fake.acknowledge_within:g} s, so the user saw "This interaction failed"'
            )
        return reply

    response = callback

    async def answer(self, timeout: float = 5.0) -> BotReply:
        """What the user finally sees in answer: the initial response itself, or, after a defer, the first
        followup (type 5) or the first edit of the message (type 6); for tests that do not care which."""
        first = await self.callback(timeout)
        if first.type == 5:
            return await self.followup(0, timeout)
        if first.type == 6:
            return await self.wait_for(
                lambda ix: next((r for r in ix.replies if r.kind in ("edit", "followup")), None), timeout
            )
        return first

    async def followup(self, index: int = 0, timeout: float = 5.0) -> BotReply:
        """Wait for the ``index``-th followup message (``interaction.followup.send``)."""
        return await self.fake.wait_for(
            lambda: self.followups[index] if len(self.followups) > index else None,
            timeout,
            description=f"followup #{index} to interaction {self.id}",
        )

    async def edit(self, index: int = 0, timeout: float = 5.0) -> BotReply:
        """Wait for the ``index``-th edit of the original response (``edit_original_response``)."""
        return await self.fake.wait_for(
            lambda: self.edits[index] if len(self.edits) > index else None,
            timeout,
            description=f"edit #{index} of the original response to interaction {self.id}",
        )

    async def choices(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait for the autocomplete result and return its choices (``[{"name":..., "value":...}]``)."""
        reply = await self.callback(timeout)
        if reply.type != AUTOCOMPLETE_RESULT:
            raise AssertionError(f"expected an autocomplete result, got callback type {reply.type}")
        return reply.choices

    @property
    def original_message(self) -> dict[str, Any] | None:
        """Current state of the original response message (or the clicked message for components)."""
        if self.original_message_id is None:
            return None
        return self.fake.message(self.original_message_id)

    async def wait_for(self, predicate: Callable[[FakeInteraction], T | None], timeout: float = 5.0) -> T:
        """Wait until ``predicate(self)`` is truthy and return its value."""
        return await self.fake.wait_for(lambda: predicate(self), timeout, description=f"{self!r} condition")
