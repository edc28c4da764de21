"""A loopback listener, opened on demand, for the pages a stdio server serves (the URL-mode approval page).

Over stdio the server has no HTTP listener of its own, yet a URL-mode elicitation must send the person to a
page. The first time one is needed, this opens a port on 127.0.0.1 (chosen by the system), serves the
approval routes there, and closes it with the server. Nothing else is served on it.
"""

from __future__ import annotations

import socket
from collections.abc import Generator
from contextlib import contextmanager

import anyio
import uvicorn
from anyio.abc import TaskGroup
from starlette.applications import Starlette
from starlette.routing import Route

LOOPBACK = "127.0.0.1"


class LoopbackPages:
    def __init__(self, routes: list[Route]) -> None:
        self._routes = routes
        self._group: TaskGroup | None = None
        self._server: uvicorn.Server | None = None
        self._url: str | None = None
        self._lock = anyio.Lock()

    def attach(self, group: TaskGroup) -> None:
        """Where the listener runs once opened: the lifespan's background task group."""
        self._group = group

    async def url(self) -> str:
        """The listener's base URL (``http://127.0.0.1:PORT``), opening it the first time."""
        async with self._lock:
            if self._url is not None:
                return self._url
            if self._group is None:
                raise RuntimeError("the loopback listener is opened only while the server runs")
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.bind((LOOPBACK, 0))
            sock.listen(64)
            config = uvicorn.Config(
                Starlette(routes=self._routes), log_level="warning", server_header=False, lifespan="off"
            )
            server = _QuietServer(config)
            self._server = server
            self._group.start_soon(self._serve, server, sock)
            with anyio.fail_after(10):
                while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
                    await anyio.sleep(0.01)
            self._url = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
            return self._url

    async def _serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            await server.serve(sockets=[sock])
        finally:
            sock.close()

    def close(self) -> None:
        if self._server is not None:
            self._server.should_exit = True

    def __repr__(self) -> str:
        return f"<LoopbackPages {self._url or 'not opened'}>"


class _QuietServer(uvicorn.Server):
    """uvicorn without its signal handlers: the stdio server handles SIGTERM and SIGINT itself (a graceful
    stop), and closes this listener with it."""

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield
