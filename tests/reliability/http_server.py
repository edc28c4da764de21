"""Run the HTTP app under uvicorn in a background thread on a loopback port, for in-process inspection."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.harness import RecordingTransport, settings
from tests.processes import free_port
from voice_tools.sandbox import TalkSandbox
from voice_tools.server.transports.http import HttpSettings, http_app, uvicorn_server


@contextmanager
def running_http(
    env: dict[str, str] | None = None, *, verifier: Any = None, host: str = "127.0.0.1", **overrides: Any
) -> Iterator[tuple[str, TalkSandbox, RecordingTransport]]:
    sandbox = TalkSandbox()
    transport = RecordingTransport(sandbox.transport())
    port = free_port()
    http = HttpSettings.from_env(env or {}, host=host, port=port, path="/mcp")
    server = uvicorn_server(http_app(settings(env, **overrides), http, transport=transport, verifier=verifier), http)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the HTTP server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}/mcp", sandbox, transport
    finally:
        server.should_exit = True
        thread.join(timeout=10)
