"""The REST layer's plumbing: every request to ``/api/v10`` is recorded (``fake.requests``), authenticated, may
meet an injected fault or 429 (``fake.fail``, ``fake.rate_limit``), then reaches its handler; a handler's
``ApiError`` is answered as Discord answers it, and a route the fake does not know is listed in
``fake.unhandled_requests``.

Apart from the resources (``resources``, ``commands``, ``messages``) because it is the same for every one of them: a
handler reads the recorded body from ``request[RECORD]`` and raises ``ApiError``; it never parses a body or answers
an error itself.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakediscord.posting import Posting
from tests.fakediscord.protocol import (
    API_PREFIX,
    ApiError,
    json_response,
)
from tests.fakediscord.records import RecordedFile, RecordedRequest


def _pattern_to_regex(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    if isinstance(pattern, re.Pattern):
        return pattern
    regex = ""
    for token in re.split(r"(\*\*|\*|\{[^}]*\})", pattern):
        if token == "**":
            regex += ".*"
        elif token == "*" or (token.startswith("{") and token.endswith("}")):
            regex += "[^/]+"
        else:
            regex += re.escape(token)
    return re.compile(regex + r"\Z")


@dataclass
class _Fault:
    method: str
    regex: re.Pattern[str]
    remaining: int
    status: int
    body: dict[str, Any]
    headers: dict[str, str]

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and self.method in ("*", method) and bool(self.regex.match(path))


RECORD = web.RequestKey("fake_record", RecordedRequest)


class Rest(Posting):
    """The REST layer: every request is recorded, may meet an injected fault, then a handler."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._faults: list[_Fault] = []

    # ---------------------------------------------------------------- HTTP plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            passed: web.StreamResponse = await handler(request)
            return passed
        record = await self._record(request)
        request[RECORD] = record
        response: web.StreamResponse
        fault = next((f for f in self._faults if f.matches(record.method, record.path)), None)
        if fault is not None:
            fault.remaining -= 1
            response = json_response(fault.body, fault.status, fault.headers)
        else:
            try:
                self._check_auth(request, record)
                response = await handler(request)
            except ApiError as exc:
                response = json_response(exc.body, exc.status)
            except web.HTTPNotFound:
                self.unhandled_requests.append(record)
                response = json_response({"message": "404: Not Found", "code": 0}, 404)
            except web.HTTPMethodNotAllowed:
                self.unhandled_requests.append(record)
                response = json_response({"message": "405: Method Not Allowed", "code": 0}, 405)
            except Exception as exc:  # a bug in the fake: fail fast (a 500 makes discord.py retry slowly)
                self.server_errors.append(exc)
                response = json_response({"message": f"fakediscord internal error: {exc!r}", "code": 0}, 400)
        record.status = response.status
        self._notify()
        return response

    def _check_auth(self, request: web.Request, record: RecordedRequest) -> None:
        # Interaction callbacks and interaction webhooks are authenticated by their token only.
        if record.path.startswith(("/interactions/", "/webhooks/")):
            return
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise ApiError(401, "401: Unauthorized", 0)

    async def _record(self, request: web.Request) -> RecordedRequest:
        record = RecordedRequest(
            method=request.method,
            path=request.path[len(API_PREFIX) :],
            query=dict(request.query),
            headers=dict(request.headers),
        )
        self.requests.append(record)
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read()
                name = part.name
                if name == "payload_json":
                    record.json = json.loads(data.decode())
                else:
                    record.files.append(
                        RecordedFile(
                            field=name or "",
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(data),
                        )
                    )
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                try:
                    record.json = json.loads(raw)
                except ValueError:
                    record.json = raw.decode(errors="replace")
        return record

    def rate_limit(
        self,
        method: str,
        path: str | re.Pattern[str],
        *,
        count: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        bucket: str = "fake-bucket",
    ) -> None:
        """Answer the next ``count`` requests matching ``method`` (or ``"*"``) and ``path`` with a 429.

        ``path`` is relative to ``/api/v10``; ``*`` and ``{name}`` match one path segment,
        ``**`` anything (e.g. ``"/channels/*/messages"``), or pass a compiled regex.
        """
        headers = {
            "Retry-After": str(max(1, int(retry_after + 0.999))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": "global" if is_global else "user",
            "Via": "1.1 google",  # without it discord.py treats the 429 as a Cloudflare ban
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
        self._faults.append(_Fault(method.upper(), _pattern_to_regex(path), count, 429, body, headers))

    def fail(
        self,
        method: str,
        path: str | re.Pattern[str],
        *,
        status: int,
        code: int = 0,
        message: str = "injected failure",
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` matching requests with ``status`` (e.g. 403 / code 50013).
        Note that discord.py retries 500/502/504 after sleeping 1 s, 3 s..."""
        body = {"message": message, "code": code}
        self._faults.append(_Fault(method.upper(), _pattern_to_regex(path), count, status, body, {}))

    def requests_to(self, method: str, path: str | re.Pattern[str]) -> list[RecordedRequest]:
        """Recorded requests matching ``method`` (or ``"*"``) and a ``rate_limit``-style path pattern."""
        regex = _pattern_to_regex(path)
        return [r for r in self.requests if method.upper() in ("*", r.method) and regex.match(r.path)]
