"""The bot's answers to an interaction, with Discord's rules for each: the initial response (the callback: a
message, a defer, an update of the clicked message, a modal, autocomplete choices), acknowledged once and within
3 s or never; then followups, edits and deletes through the interaction's webhook for 15 minutes.

Apart from what users do (``interactions``) because this is the REST side the bot calls; the interactions it answers
are in ``fake.interactions``, each recording its replies (``FakeInteraction.replies``).
"""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from tests.fakediscord.limits import autocomplete_errors, modal_errors
from tests.fakediscord.messages import Messages
from tests.fakediscord.protocol import (
    ALREADY_ACKNOWLEDGED,
    API_PREFIX,
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    COMPONENTS_V2,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    EPHEMERAL,
    INVALID_FORM_BODY,
    INVALID_WEBHOOK_TOKEN,
    LOADING,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    UPDATE_MESSAGE,
    ApiError,
    field_error,
    invalid_form_body,
    json_response,
)
from tests.fakediscord.records import BotReply, FakeInteraction, RecordedRequest
from tests.fakediscord.rest import RECORD


class Callbacks(Messages):
    """Interaction callbacks and the interaction webhook."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.interactions: dict[int, FakeInteraction] = {}

    def _add_routes(self, app: web.Application) -> None:
        super()._add_routes(app)
        r = app.router
        p = API_PREFIX
        r.add_post(p + "/interactions/{interaction_id}/{token}/callback", self._h_interaction_callback)
        r.add_post(p + "/webhooks/{app_id}/{token}", self._h_followup)
        r.add_get(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._h_webhook_message_get)
        r.add_patch(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._h_webhook_message_edit)
        r.add_delete(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._h_webhook_message_delete)

    # ---------------------------------------------------------------- interaction responses

    def _interaction_for(self, interaction_id: str | None, token: str) -> FakeInteraction:
        if interaction_id is not None:
            ix = self.interactions.get(int(interaction_id))
            if ix is None or ix.token != token:
                raise ApiError(404, "Unknown interaction", UNKNOWN_INTERACTION)
            return ix
        for ix in self.interactions.values():
            if ix.token == token:
                return ix
        raise ApiError(404, "Unknown Webhook", UNKNOWN_WEBHOOK)

    async def _h_interaction_callback(self, request: web.Request) -> web.Response:
        ix = self._interaction_for(request.match_info["interaction_id"], request.match_info["token"])
        record: RecordedRequest = request[RECORD]
        body = record.json if isinstance(record.json, dict) else {}
        ctype = int(body.get("type", 0))
        data = body.get("data") or {}
        if ix.responded:
            raise ApiError(400, "Interaction has already been acknowledged.", ALREADY_ACKNOWLEDGED)
        elapsed = self.clock() - ix.created_at
        if elapsed > self.acknowledge_within:
            # Discord forgets an interaction nobody acknowledged in 3 s; the user saw "This interaction failed".
            ix.refused_after = elapsed
            raise ApiError(404, "Unknown interaction", UNKNOWN_INTERACTION)
        allowed = {
            APPLICATION_COMMAND: {4, 5, 9},
            MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            AUTOCOMPLETE: {8},
            MODAL_SUBMIT: {4, 5, 6} | ({7} if ix.source_message_id is not None else set()),
        }[ix.type]
        if ctype not in allowed:
            raise invalid_form_body(
                {"type": field_error("INTERACTION_CALLBACK_TYPE_INVALID", f"Invalid callback type {ctype}")}
            )
        try:
            response = await self._answer_callback(ix, ctype, data, record)
            ix.acknowledged_after = elapsed
            return response
        except ApiError as exc:
            if exc.body.get("code") == INVALID_FORM_BODY and "errors" in exc.body:
                exc.body["errors"] = {"data": exc.body["errors"]}  # the callback's message is its "data"
            raise

    async def _answer_callback(
        self, ix: FakeInteraction, ctype: int, data: dict[str, Any], record: RecordedRequest
    ) -> web.Response:
        channel_id = int(ix.payload["channel_id"])
        message: dict[str, Any] | None = None
        if ctype == CHANNEL_MESSAGE:
            mtype = 20 if ix.type == APPLICATION_COMMAND else 0
            message = self._new_bot_message(
                channel_id, data, record.files, flags_mask=0xFFFF & ~LOADING, interaction=ix, mtype=mtype
            )
            ix.original_message_id = int(message["id"])
        elif ctype == DEFERRED_CHANNEL_MESSAGE:
            ephemeral = int(data.get("flags") or 0) & EPHEMERAL
            message = self._new_bot_message(
                channel_id, {}, [], interaction=ix, mtype=20 if ix.type == APPLICATION_COMMAND else 0,
                extra_flags=LOADING | ephemeral,
            )  # fmt: skip
            ix.original_message_id = int(message["id"])
            ix._deferred_loading = True
        elif ctype == DEFERRED_UPDATE_MESSAGE and ix.source_message_id is None:
            pass  # a modal submitted from a slash command, acknowledged without any message
        elif ctype in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            assert ix.source_message_id is not None
            ix.original_message_id = ix.source_message_id
            if ctype == UPDATE_MESSAGE:
                current = self.message(ix.source_message_id)
                if current is None:
                    raise ApiError(404, "Unknown Message", UNKNOWN_MESSAGE)
                message = self._apply_edit(current, data, record.files)
            else:
                message = self.message(ix.source_message_id)
        elif ctype == MODAL:
            errors = modal_errors(data)
            if errors:
                raise invalid_form_body(errors)
            ix.modal = copy.deepcopy(data)
        elif ctype == AUTOCOMPLETE_RESULT:
            errors = autocomplete_errors(data)
            if errors:
                raise invalid_form_body(errors)

        ix.replies.append(BotReply("callback", ctype, copy.deepcopy(data), record.files, copy.deepcopy(message)))
        if message is not None and ctype != DEFERRED_UPDATE_MESSAGE:
            await self._echo("MESSAGE_UPDATE" if ctype == UPDATE_MESSAGE else "MESSAGE_CREATE", message)

        callback: dict[str, Any] = {"id": str(ix.id), "type": ix.type}
        resource: dict[str, Any] = {"type": ctype}
        if message is not None:
            callback["response_message_id"] = message["id"]
            callback["response_message_loading"] = ctype == DEFERRED_CHANNEL_MESSAGE
            callback["response_message_ephemeral"] = bool(int(message.get("flags", 0)) & EPHEMERAL)
            resource["message"] = message
        return json_response({"interaction": callback, "resource": resource})

    def _webhook_interaction(self, request: web.Request) -> FakeInteraction:
        if int(request.match_info["app_id"]) != self.application_id:
            raise ApiError(404, "Unknown Webhook", UNKNOWN_WEBHOOK)
        ix = self._interaction_for(None, request.match_info["token"])
        if not ix.responded:
            raise ApiError(404, "Unknown Webhook", UNKNOWN_WEBHOOK)  # like Discord before the first callback
        if self.clock() - ix.created_at > self.token_valid_for:
            raise ApiError(401, "Invalid Webhook Token", INVALID_WEBHOOK_TOKEN)
        return ix

    def _webhook_message(self, ix: FakeInteraction, raw_id: str) -> tuple[bool, dict[str, Any]]:
        original = raw_id == "@original" or (
            ix.original_message_id is not None and raw_id == str(ix.original_message_id)
        )
        mid = ix.original_message_id if original else int(raw_id)
        if mid is None or (not original and mid not in ix.followup_message_ids):
            raise ApiError(404, "Unknown Message", UNKNOWN_MESSAGE)
        message = self.message(mid)
        if message is None:
            raise ApiError(404, "Unknown Message", UNKNOWN_MESSAGE)
        return original, message

    async def _h_followup(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        record: RecordedRequest = request[RECORD]
        body = record.json if isinstance(record.json, dict) else {}
        original = self.message(ix.original_message_id) if ix.original_message_id else None
        if ix._deferred_loading and original is not None:
            # The first followup after a "thinking" defer replaces the loading message and keeps
            # the defer's ephemerality.
            ix._deferred_loading = False
            message = self._apply_edit(original, {k: v for k, v in body.items() if k != "flags"}, record.files)
            await self._echo("MESSAGE_UPDATE", message)
        else:
            message = self._new_bot_message(
                int(ix.payload["channel_id"]),
                body,
                record.files,
                flags_mask=EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | COMPONENTS_V2,
                interaction=ix,
            )
            await self._echo("MESSAGE_CREATE", message)
        ix.followup_message_ids.append(int(message["id"]))
        ix.replies.append(BotReply("followup", None, copy.deepcopy(body), record.files, copy.deepcopy(message)))
        if request.query.get("wait", "false").lower() in ("0", "false"):
            return web.Response(status=204)
        return json_response(message)

    async def _h_webhook_message_get(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        return json_response(self._webhook_message(ix, request.match_info["message_id"])[1])

    async def _h_webhook_message_edit(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        original, message = self._webhook_message(ix, request.match_info["message_id"])
        record: RecordedRequest = request[RECORD]
        body = record.json if isinstance(record.json, dict) else {}
        if original:
            ix._deferred_loading = False
        updated = self._apply_edit(message, body, record.files)
        kind = "edit" if original else "edit_followup"
        ix.replies.append(BotReply(kind, None, copy.deepcopy(body), record.files, copy.deepcopy(updated)))
        await self._echo("MESSAGE_UPDATE", updated)
        return json_response(updated)

    async def _h_webhook_message_delete(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        original, message = self._webhook_message(ix, request.match_info["message_id"])
        self._deleted.add(int(message["id"]))
        kind = "delete" if original else "delete_followup"
        ix.replies.append(BotReply(kind, None, {}, [], copy.deepcopy(message)))
        await self._echo_delete(message)
        return web.Response(status=204)
