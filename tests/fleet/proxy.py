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

    def pick(self, session: str | None) -> str:
        if self.affinity and session and session in self.sessions:
            return self.sessions[session]
        return self.backends[next(self._next)]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"] if k.decode().lower() not in HOP_BY_HOP}
        backend = self.pick(headers.get("mcp-session-id"))
        self.routed.append(backend)
        url = backend + scope["path"] + (f"?{scope['query_string'].decode()}" if scope["query_string"] else "")
        async with (
            httpx2.AsyncClient(timeout=60) as client,
            client.stream(scope["method"], url, headers=headers, content=body) as answer,
        ):
            if self.affinity and (session := answer.headers.get("mcp-session-id")):
                self.sessions[session] = backend
            kept = [(k.encode(), v.encode()) for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP]
            await send({"type": "http.response.start", "status": answer.status_code, "headers": kept})
            async for chunk in answer.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
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
