"""The sandbox as one ASGI application: Zendesk's edge (auth, rate limit, faults, headers) around its routes.

``TalkSandbox`` bundles one account's backend, rate limiter and fault injector with the app that
serves them. It runs in-process (``sandbox.transport()`` plugs into any ``httpx2.AsyncClient``) or
standalone on loopback (``voice-tools sandbox``). Admin routes under ``/__sandbox__/`` (never under
``/api``) let out-of-process tests and benchmarks reset state, read the request log and set faults.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .backend import TalkBackend
from .config import SandboxConfig
from .exceptions import (
    JSON_CONTENT_TYPE,
    TEXT_CONTENT_TYPE,
    CouldNotAuthenticate,
    PlainError,
    SandboxError,
    ServiceUnavailable,
    TooManyRequests,
)
from .faults import AFTER_COMMIT, ConnectionDropped, FaultInjector, ScriptedFault
from .ratelimit import AccountLimits, RateLimiter
from .responses import json_response
from .urls import api_routes

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class TalkSandbox:
    """One simulated Zendesk account and the app that serves it."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.backend = TalkBackend(self.config)
        self.faults = FaultInjector(seed=self.config.seed)
        self.background: set[asyncio.Task[None]] = set()  # late commits, kept referenced until done
        self.limiter = AccountLimits(
            plan=RateLimiter(limit=self.config.rate_limit, window=self.config.rate_window),
            talk=RateLimiter(limit=self.config.talk_rate_limit, window=self.config.talk_rate_window),
        )
        self.app: ASGIApp = ZendeskEdge(_routes_app(self), self)

    @property
    def base_url(self) -> str:
        return f"https://{self.config.subdomain}.zendesk.com"

    def transport(self) -> Any:
        """An ``httpx2`` transport that serves this sandbox in-process."""
        from .transport import SandboxTransport

        return SandboxTransport(self.app)

    def reset(self) -> None:
        self.backend.reset()
        self.faults.clear()
        self.limiter.reset()


def _error_response(error: SandboxError, extra_headers: dict[str, str] | None = None) -> Response:
    return Response(
        error.render(),
        status_code=error.status_code,
        media_type=error.content_type,
        headers={**error.headers(), **(extra_headers or {})},
    )


async def _sandbox_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SandboxError)
    return _error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Routing errors; their JSON bodies are inferred (registry: unknown-route-bodies)."""
    assert isinstance(exc, HTTPException)
    if not request.app.state.backend.config.applies("unknown-route-bodies"):
        plain = _error_response(
            PlainError(exc.status_code, "Not Found" if exc.status_code == 404 else "Method Not Allowed")
        )
        if exc.headers and "Allow" in exc.headers:
            plain.headers["Allow"] = exc.headers["Allow"]
        return plain
    if exc.status_code == 404:
        return json_response({"error": "InvalidEndpoint", "description": "Not found"}, 404)
    response = json_response({"error": "MethodNotAllowed", "description": str(exc.detail)}, exc.status_code)
    if exc.headers and "Allow" in exc.headers:  # RFC 9110: a 405 names the methods that are allowed
        response.headers["Allow"] = exc.headers["Allow"]
    return response


def _admin_routes(sandbox: TalkSandbox) -> list[Route]:
    async def reset(request: Request) -> Response:
        sandbox.reset()
        return json_response({"reset": True})

    async def requests_log(request: Request) -> Response:
        return json_response({"requests": [asdict(r) for r in sandbox.backend.requests]})

    async def faults(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        f = sandbox.faults
        if body.get("clear"):
            f.clear()
        for name in ("latency", "outage", "retry_after", "hang_seconds", "late_commit_seconds"):
            if name in body:
                setattr(f, name, body[name])
        f.rates.update(body.get("rates", {}))
        for spec in body.get("inject", []):
            f.inject(
                spec["kind"],
                spec.get("count", 1),
                method=spec.get("method"),
                path_contains=spec.get("path_contains"),
                status=spec.get("status", 503),
            )
        return json_response({"latency": f.latency, "outage": f.outage, "rates": f.rates, "injected": f.injected})

    return [
        Route("/__sandbox__/reset", reset, methods=["POST"]),
        Route("/__sandbox__/requests", requests_log, methods=["GET"]),
        Route("/__sandbox__/faults", faults, methods=["POST"]),
    ]


def _routes_app(sandbox: TalkSandbox) -> Starlette:
    app = Starlette(
        routes=[*api_routes(), *_admin_routes(sandbox)],
        exception_handlers={SandboxError: _sandbox_error, HTTPException: _http_error},
    )
    app.state.backend = sandbox.backend
    return app


class ZendeskEdge:
    """What sits in front of every Zendesk API call: latency, auth, the rate limit, injected faults,
    the standard response headers, and the request log."""

    def __init__(self, app: ASGIApp, sandbox: TalkSandbox) -> None:
        self.app, self.sandbox = app, sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {"X-Zendesk-API-Version": "v2", "X-Request-Id": uuid.uuid4().hex}
        status = [0]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                extra = {**headers, "X-Runtime": f"{time.perf_counter() - started:.6f}"}
                message["headers"] = [
                    *message.get("headers", []),
                    *((k.lower().encode(), v.encode()) for k, v in extra.items()),
                ]
            await send(message)

        try:
            await self._handle(scope, receive, send_with_headers, headers)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            self.sandbox.backend.record(scope["method"], scope["path"], query, status[0])

    async def _handle(self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]) -> None:
        sandbox = self.sandbox
        try:
            if sandbox.faults.latency:
                await anyio.sleep(sandbox.faults.latency)
            headers["X-Rate-Limit"] = str(sandbox.limiter.limit)
            headers["X-Rate-Limit-Remaining"] = str(sandbox.limiter.remaining())
            counted_first = not sandbox.config.applies("auth-401-header")
            if not counted_first:
                self._authenticate(scope)  # an unauthenticated request is not the account's: it costs nothing
            allowed, remaining, retry_after = sandbox.limiter.take()
            if counted_first:
                self._authenticate(scope)
            headers["X-Rate-Limit-Remaining"] = str(remaining)
            if not allowed:
                raise TooManyRequests(retry_after)
            fault = sandbox.faults.draw(scope["method"], scope["path"])
            if fault is not None and fault.kind == "commit_late":
                await self._commit_late(scope, receive, send)
                return
            if fault is not None and fault.kind not in AFTER_COMMIT:
                await self._fail_before(fault, send)
                return
        except SandboxError as error:
            await _error_response(error)(scope, receive, send)
            return
        if fault is None:
            await self.app(scope, receive, send)
        else:
            await self._fail_after(fault, scope, receive, send)

    def _authenticate(self, scope: Scope) -> None:
        cfg = self.sandbox.config
        challenge = cfg.applies("auth-401-header")
        raw = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _, value = raw.partition(" ")
        if scheme.lower() == "bearer" and value and hmac.compare_digest(value.encode(), cfg.oauth_token.encode()):
            return
        if scheme.lower() == "basic" and value:
            try:
                user, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise CouldNotAuthenticate(challenge) from None
            email, _, kind = user.rpartition("/")
            if (
                kind == "token"
                and hmac.compare_digest(email.lower().encode(), cfg.email.lower().encode())
                and hmac.compare_digest(secret.encode(), cfg.api_token.encode())
            ):
                return
        raise CouldNotAuthenticate(challenge)

    async def _fail_before(self, fault: ScriptedFault, send: Send) -> None:
        faults = self.sandbox.faults
        if fault.kind == "server_error":
            raise ServiceUnavailable(fault.status)
        if fault.kind == "rate_limited":
            raise TooManyRequests(faults.retry_after)
        if fault.kind == "timeout":
            await anyio.sleep(faults.hang_seconds)
            raise ServiceUnavailable(504)
        await _drop(send)  # drop_connection

    async def _commit_late(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Zendesk commits after the client gave up: the request is read now, withheld, and carried out
        later in a task of its own (not the request's, which the client's timeout may cancel)."""
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def discard(message: Message) -> None:
            return None

        async def later() -> None:
            await asyncio.sleep(self.sandbox.faults.late_commit_seconds)
            await self.app(scope, replay, discard)

        task = asyncio.get_running_loop().create_task(later())
        self.sandbox.background.add(task)
        task.add_done_callback(self.sandbox.background.discard)
        await anyio.sleep(self.sandbox.faults.hang_seconds)
        await _drop(send)

    async def _fail_after(self, fault: ScriptedFault, scope: Scope, receive: Receive, send: Send) -> None:
        """Let the request take effect, then spoil or withhold the answer."""
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)

        await self.app(scope, receive, capture)
        start = next(m for m in captured if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in captured if m["type"] == "http.response.body")
        if fault.kind == "commit_then_drop":
            await _drop(send)
        elif fault.kind == "commit_then_timeout":
            await anyio.sleep(self.sandbox.faults.hang_seconds)
            await _drop(send)
        elif fault.kind == "malformed_json":
            await _send(send, start["status"], JSON_CONTENT_TYPE, body[: max(len(body) // 2, 1)] or b"{")
        else:  # text_plain
            await _send(send, start["status"], TEXT_CONTENT_TYPE, b"OK")


async def _send(send: Send, status: int, content_type: str, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _drop(send: Send) -> None:
    """Start an answer, send part of it, and give up: over a socket the server closes the connection
    mid-body; in-process the sandbox transport turns the exception into a network error."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", JSON_CONTENT_TYPE.encode()), (b"content-length", b"4096")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"phone_', "more_body": True})
    raise ConnectionDropped("the sandbox dropped the connection (injected fault)")


def describe_credentials(config: SandboxConfig) -> str:
    return f"basic auth '{config.email}/token:{config.api_token}' or 'Authorization: Bearer {config.oauth_token}'"


__all__ = ["TEXT_CONTENT_TYPE", "TalkSandbox", "describe_credentials"]
