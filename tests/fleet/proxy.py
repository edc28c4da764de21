"""A load balancer for the fleet tests: round-robin per request, or affinity on Mcp-Session-Id.

Written here (an ASGI app forwarding with httpx2, run by uvicorn on loopback) so the tests need no
proxy binary; it streams responses through, as server-sent events need.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import uvicorn

from tests.processes import LOOPBACK, free_port

HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive", "host"}


class RoundRobin:
    def __init__(self, backends: list[str], *, affinity: bool = False) -> None:
        self.backends, self.affinity = backends, affinity
        self._next = itertools.cycle(range(len(backends)))
        self.sessions: dict[str, str] = {}
        self.routed: list[str] = []
        self._client: httpx2.AsyncClient | None = None  # one pool of kept-alive connections, as balancers keep

    def client(self) -> httpx2.AsyncClient:
        """Made on first use, in the server's own event loop. A pooled connection whose replica died is
        dropped by the pool before reuse, so the next request to it fails to connect (and fails over)."""
        if self._client is None:
            limits = httpx2.Limits(max_connections=None, max_keepalive_connections=200)
            self._client = httpx2.AsyncClient(timeout=60, limits=limits)
        return self._client

    def candidates(self, session: str | None) -> list[str]:
        """Where this request may go, in order: its session's replica only (affinity), else every
        replica, starting from the next in turn."""
        if self.affinity and session and session in self.sessions:
            return [self.sessions[session]]
        start = next(self._next)
        return self.backends[start:] + self.backends[:start]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            if self._client is not None:
                await self._client.aclose()
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"] if k.decode().lower() not in HOP_BY_HOP}
        query = f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
        # as load balancers do (passive health checks): a replica that refuses the connection was sent
        # nothing, so the request goes to the next one
        for backend in self.candidates(headers.get("mcp-session-id")):
            try:
                await self._forward(backend, scope["method"], scope["path"] + query, headers, body, send)
                return
            except httpx2.ConnectError:
                continue
            except httpx2.TransportError:
                break  # sent, and no answer: not safe to send again
        await send({"type": "http.response.start", "status": 502, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _forward(
        self, backend: str, method: str, target: str, headers: dict[str, str], body: bytes, send: Any
    ) -> None:
        self.routed.append(backend)
        started = False
        try:
            async with self.client().stream(method, backend + target, headers=headers, content=body) as answer:
                if self.affinity and (session := answer.headers.get("mcp-session-id")):
                    self.sessions[session] = backend
                kept = [(k.encode(), v.encode()) for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP]
                await send({"type": "http.response.start", "status": answer.status_code, "headers": kept})
                started = True
                async for chunk in answer.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except httpx2.TransportError:
            if not started:
                raise  # a connect error: the caller tries the next replica
            # the replica died mid-answer: end the answer; the client sees it cut short
        await send({"type": "http.response.body", "body": b"", "more_body": False})


@contextmanager
def running_proxy(backends: list[str], *, affinity: bool = False) -> Iterator[tuple[str, RoundRobin]]:
    """The proxy on a free loopback port; yields its MCP URL and the proxy (to see where requests went)."""
    proxy = RoundRobin(backends, affinity=affinity)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(proxy, host=LOOPBACK, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the proxy did not start")
        time.sleep(0.02)
    try:
        yield f"http://{LOOPBACK}:{port}/mcp", proxy
    finally:
        server.should_exit = True
        thread.join(timeout=10)
