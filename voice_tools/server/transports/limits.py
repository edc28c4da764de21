"""Limits that idle, slow or greedy callers cannot exhaust.

uvicorn's own concurrency cap counts open connections: 260 idle sockets with no credentials held every
slot and locked authenticated callers out, for as long as they stayed open, since uvicorn sets no time
limit on a request's headers. Here instead:

- ``GuardedH11Protocol`` closes a connection that has not finished sending a request's headers within
  HEADER_TIMEOUT_SECONDS (at its start, or between keep-alive requests): a socket that says nothing, or
  says it slowly, goes away;
- ``RequestLimit`` caps requests *in progress*, which exist only once their headers are complete, so
  idle sockets hold no slot; past the cap a request waits up to QUEUE_SECONDS for a slot (a burst is
  served a moment later, not refused), then is answered 503 with ``Retry-After``. One caller (its bearer
  token and address) holds at most CALLER_SHARE of the slots, so the rest always serve everyone else;
  a request body must keep coming (BODY_TIMEOUT_SECONDS between reads) and arrive whole within
  BODY_TOTAL_SECONDS, else 408: a caller dripping a byte every few seconds holds a slot for a bounded
  time, and only a bounded number of them;
- the open GET stream of a 2025-11-25 session holds no request slot: there is one per session at most,
  and sessions have their own cap (``http.MAX_SESSIONS``). 170 sessions with their streams open leave
  the request slots to their calls.

The limit also knows which requests are calls and which are streams, for a stop (``drain.py``): it waits
for the calls to be answered, then ends the streams, which would otherwise never end.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter
from typing import Any

import anyio
import anyio.lowlevel
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_SECONDS = 10.0
BODY_TIMEOUT_SECONDS = 10.0
BODY_TOTAL_SECONDS = 30.0
MAX_REQUESTS_IN_PROGRESS = 256
CALLER_SHARE = 0.75  # of the request slots, for one caller: a quarter always remains for the others
QUEUE_SECONDS = 5.0  # how long a request past the cap waits for a slot before its 503
RETRY_AFTER_SECONDS = b"1"
REFUSALS_LOGGED_EVERY = 10.0
SESSION_HEADER = b"mcp-session-id"
LISTEN_METHOD = b'"subscriptions/listen"'  # a 2026-07-28 notification stream: a request that never ends
logger = logging.getLogger("voice_tools.http")


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


def caller_of(scope: dict[str, Any]) -> str:
    """Who is asking, for the fair share: the bearer credential they present (a digest: never the
    token itself) and their address (the one a trusted balancer forwarded, see ``uvicorn_server``).
    A request with a wrong token is refused before its body is read, so inventing tokens gains no slots."""
    client = scope.get("client")
    address = str(client[0]) if client else "unknown"
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return hashlib.sha256(value).hexdigest()[:16] + "@" + address
    return address


def session_of(headers: Any) -> bytes | None:
    return next((value for name, value in headers if name.lower() == SESSION_HEADER), None)


def is_session_stream(scope: dict[str, Any]) -> bool:
    """The GET stream of a 2025-11-25 session (server-to-client messages): open as long as the session."""
    return scope.get("method") == "GET" and any(name == SESSION_HEADER for name, _ in scope.get("headers", ()))


class RequestLimit:
    """ASGI middleware: at most ``limit`` requests in progress, at most ``share`` of them one caller's
    (past either a request waits up to ``queue_seconds`` for a place, then gets 503 with Retry-After);
    a 2025-11-25 session's GET stream takes no place. A request body that stalls for ``body_timeout`` seconds, or is not
    whole after ``body_total`` seconds, is answered 408 and dropped. While ``closing_connections`` is set
    (a stop has begun) every answer closes its connection, so a balancer keeps none to this replica."""

    def __init__(
        self,
        app: Any,
        limit: int | None = None,
        body_timeout: float | None = None,
        *,
        body_total: float | None = None,
        share: float | None = None,
        queue_seconds: float | None = None,
    ) -> None:
        self.app = app
        self.limit = MAX_REQUESTS_IN_PROGRESS if limit is None else limit
        self.body_timeout = BODY_TIMEOUT_SECONDS if body_timeout is None else body_timeout
        self.body_total = BODY_TOTAL_SECONDS if body_total is None else body_total
        self.per_caller = max(1, int(self.limit * (CALLER_SHARE if share is None else share)))
        self.queue_seconds = QUEUE_SECONDS if queue_seconds is None else queue_seconds
        self._slot_freed: anyio.Event | None = None
        self.in_progress = 0  # requests holding a slot
        self.calls = 0  # requests a stop waits for (not streams)
        self.by_caller: Counter[str] = Counter()
        self.last_call_at = float("-inf")  # when the latest call began (the event loop's clock)
        self.sessions: dict[bytes, float] = {}  # 2025-11-25 sessions opened here: id -> last request
        self.closing_connections = False
        self.refusals = 0
        self._refusals_logged_at = float("-inf")
        self._streams: set[anyio.Event] = set()
        self._streams_ended = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if is_session_stream(scope):  # bounded by the session cap, not the request slots
            await self._stream(scope, receive, send)
            return
        caller = caller_of(scope)
        if not await self._admitted(caller):
            self._refused(self.by_caller[caller] >= self.per_caller)
            await answer(send, 503, b"Service Unavailable", [(b"retry-after", RETRY_AFTER_SECONDS)])
            return
        self.in_progress += 1
        self.calls += 1
        if scope.get("method") != "GET":  # a probe or a scrape is no client's call
            self.last_call_at = anyio.current_time()
        self.by_caller[caller] += 1
        try:
            await self._run(scope, receive, send)
        finally:
            self.in_progress -= 1
            self.by_caller[caller] -= 1
            if not self.by_caller[caller]:
                del self.by_caller[caller]
            if self._slot_freed is not None:
                self._slot_freed.set()  # wake the requests waiting for a slot
                self._slot_freed = None

    async def _admitted(self, caller: str) -> bool:
        """Room for this caller now, or within ``queue_seconds`` (a burst waits a moment, it is not refused:
        a session's opening sends two requests at once); False past that."""
        if self._room(caller):
            return True
        with anyio.move_on_after(self.queue_seconds):
            while not self._room(caller):
                if self._slot_freed is None:
                    self._slot_freed = anyio.Event()
                await self._slot_freed.wait()
            return True
        return False

    def _room(self, caller: str) -> bool:
        return self.in_progress < self.limit and self.by_caller[caller] < self.per_caller

    async def _run(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The app, cancelled when its request body stalls or is late, and then answered 408 (if it had
        not answered). A request found to be a notification stream stops counting as a call."""
        exchange = _Exchange(anyio.current_time() + self.body_total)
        with anyio.CancelScope() as request:

            async def timed_receive() -> dict[str, Any]:
                if exchange.body_done:
                    return await _until(receive, exchange.closed)  # a disconnect, or the stop's end
                timeout = max(min(self.body_timeout, exchange.deadline - anyio.current_time()), 0.0)
                try:
                    with anyio.fail_after(timeout):
                        message: dict[str, Any] = await receive()
                except TimeoutError:
                    exchange.stalled = True
                    request.cancel()  # nothing of the request has been handled: it can stop anywhere
                    await anyio.lowlevel.checkpoint()
                    raise
                if exchange.read(message) and LISTEN_METHOD in exchange.head and exchange.counted:
                    exchange.counted = False  # a stream: a stop ends it rather than wait for it
                    self.calls -= 1
                    self._open_stream(exchange.closed)
                return message

            try:
                await self.app(scope, timed_receive, self._closing_send(send, exchange, scope))
            finally:
                if exchange.counted:
                    self.calls -= 1
                self._streams.discard(exchange.closed)
        if exchange.stalled and not exchange.answered:
            await answer(send, 408, b"Request Timeout", [])

    async def _stream(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        closed = anyio.Event()
        self._open_stream(closed)
        try:
            await self.app(scope, lambda: _until(receive, closed), self._closing_send(send, None, scope))
        finally:
            self._streams.discard(closed)

    def _open_stream(self, closed: anyio.Event) -> None:
        self._streams.add(closed)
        if self._streams_ended:
            closed.set()

    def _closing_send(self, send: Any, exchange: _Exchange | None, scope: dict[str, Any]) -> Any:
        asked = session_of(scope.get("headers", ()))

        async def closing_send(message: dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                if exchange is not None:
                    exchange.answered = True
                self._note_session(scope.get("method"), asked, message)
                if self.closing_connections:
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                    message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        return closing_send

    def _refused(self, by_share: bool) -> None:
        """Say so (at most every REFUSALS_LOGGED_EVERY seconds: a flood of refusals is one line)."""
        self.refusals += 1
        now = anyio.current_time()
        if now - self._refusals_logged_at >= REFUSALS_LOGGED_EVERY:
            self._refusals_logged_at = now
            logger.warning(
                "busy: %d request(s) refused with 503 so far; %d of %d slots in use%s",
                self.refusals,
                self.in_progress,
                self.limit,
                f", one caller at its share of {self.per_caller}" if by_share else "",
            )

    def _note_session(self, method: str | None, asked: bytes | None, start: dict[str, Any]) -> None:
        """Which 2025-11-25 sessions live here, from the answers: opened by an answer carrying a new
        session id, gone once a DELETE of it is answered or it is not found."""
        status = int(start.get("status", 500))
        opened = session_of(start.get("headers", ()))
        now = anyio.current_time()
        if asked is None and opened is not None and status < 400:
            self.sessions[opened] = now
        elif asked is not None and asked in self.sessions:
            if status == 404 or (method == "DELETE" and status < 400):
                del self.sessions[asked]
            else:
                self.sessions[asked] = now

    def quiet_for(self, seconds: float, sessions_seconds: float) -> bool:
        """No call in progress, none begun for ``seconds``, and no 2025-11-25 session of this replica heard
        from for ``sessions_seconds``: a stop can close the listener now without cutting a session off
        between two of its calls, or a call off from the answer to its form."""
        now = anyio.current_time()
        if self.calls > 0 or now - self.last_call_at < seconds:
            return False
        return all(now - last >= sessions_seconds for last in self.sessions.values())

    async def calls_answered(self, seconds: float) -> bool:
        """Wait (at most ``seconds``) until no call is in progress; True when none is."""
        with anyio.move_on_after(seconds):
            while self.calls > 0:  # noqa: ASYNC110 - the calls end in other tasks; a poll of 50 ms is plenty
                await anyio.sleep(0.05)
        return self.calls <= 0

    def end_streams(self) -> int:
        """End every open stream (as if its client had gone): streams never end by themselves, and a stop
        waits for every connection. Returns how many were open."""
        self._streams_ended = True
        for closed in self._streams:
            closed.set()
        return len(self._streams)


class _Exchange:
    """One request's state as the limit sees it."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline  # the whole body must have arrived by then
        self.head = b""  # the body's first bytes: enough to tell a stream from a call
        self.body_done = self.stalled = self.answered = False
        self.counted = True  # counted among the calls a stop waits for
        self.closed = anyio.Event()  # set: the stop ends this request's stream

    def read(self, message: dict[str, Any]) -> bool:
        """Note one message of the body; True when the body is now whole."""
        if message.get("type") == "http.request" and len(self.head) < 4096:
            self.head += message.get("body", b"")[: 4096 - len(self.head)]
        if message.get("type") != "http.request" or not message.get("more_body"):
            self.body_done = True
        return self.body_done


async def _until(receive: Any, closed: anyio.Event) -> dict[str, Any]:
    """``receive()``, or a disconnect once ``closed`` is set, whichever comes first."""
    if closed.is_set():
        return {"type": "http.disconnect"}
    message: dict[str, Any] = {"type": "http.disconnect"}
    async with anyio.create_task_group() as race:

        async def real() -> None:
            nonlocal message
            message = await receive()
            race.cancel_scope.cancel()

        race.start_soon(real)
        await closed.wait()
        race.cancel_scope.cancel()
    return message


async def answer(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
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
