"""Limits that idle or slow sockets cannot exhaust.

uvicorn's own concurrency cap counts open connections: 260 idle sockets with no credentials held every
slot and locked authenticated callers out, for as long as they stayed open, since uvicorn sets no time
limit on a request's headers. Here instead:

- ``GuardedH11Protocol`` closes a connection that has not finished sending a request's headers within
  HEADER_TIMEOUT_SECONDS (at its start, or between keep-alive requests): a socket that says nothing, or
  says it slowly, goes away;
- ``RequestLimit`` caps requests *in progress*, which exist only once their headers are complete, so
  idle sockets hold no slot; past the cap the answer is 503 with ``Retry-After``; and a request body must
  arrive within BODY_TIMEOUT_SECONDS of each read, else 408.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import anyio.lowlevel
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_SECONDS = 10.0
BODY_TIMEOUT_SECONDS = 10.0
MAX_REQUESTS_IN_PROGRESS = 256
RETRY_AFTER_SECONDS = b"1"


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with a deadline for a request's headers."""

    header_timeout: float = HEADER_TIMEOUT_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._request_in_progress():
            self._disarm()
        elif self._header_deadline is None:
            self._arm()  # bytes of a next request on a kept-alive connection: they too must end in time

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _request_in_progress(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm(self) -> None:
        self._header_deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_header_deadline", None) is not None:
            self._header_deadline.cancel()  # type: ignore[union-attr]
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if not self._request_in_progress():
            self.transport.close()


class RequestLimit:
    """ASGI middleware: at most ``limit`` requests in progress (503 with Retry-After past it), and a
    request body that stalls for ``body_timeout`` seconds is answered 408 and dropped."""

    def __init__(self, app: Any, limit: int | None = None, body_timeout: float | None = None) -> None:
        self.app = app
        self.limit = MAX_REQUESTS_IN_PROGRESS if limit is None else limit
        self.body_timeout = BODY_TIMEOUT_SECONDS if body_timeout is None else body_timeout
        self.in_progress = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_progress >= self.limit:
            await _answer(send, 503, b"Service Unavailable", [(b"retry-after", RETRY_AFTER_SECONDS)])
            return
        self.in_progress += 1
        try:
            await self._run(scope, receive, send)
        finally:
            self.in_progress -= 1

    async def _run(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The app, cancelled when its request body stalls, and then answered 408 (if it had not answered)."""
        body_done = stalled = answered = False
        with anyio.CancelScope() as request:

            async def timed_receive() -> dict[str, Any]:
                nonlocal body_done, stalled
                if body_done:
                    message: dict[str, Any] = await receive()  # after the body: waiting for a disconnect is fine
                    return message
                try:
                    with anyio.fail_after(self.body_timeout):
                        message = await receive()
                except TimeoutError:
                    stalled = True
                    request.cancel()  # nothing of the request has been handled: it can stop anywhere
                    await anyio.lowlevel.checkpoint()
                    raise
                if message.get("type") != "http.request" or not message.get("more_body"):
                    body_done = True
                return message

            async def tracked_send(message: dict[str, Any]) -> None:
                nonlocal answered
                answered = answered or message.get("type") == "http.response.start"
                await send(message)

            await self.app(scope, timed_receive, tracked_send)
        if stalled and not answered:
            await _answer(send, 408, b"Request Timeout", [])


async def _answer(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
