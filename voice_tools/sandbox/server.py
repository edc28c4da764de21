"""Run the sandbox standalone on a loopback port, for curl, other clients and benchmarks."""

from __future__ import annotations

import uvicorn

from .app import TalkSandbox


def make_server(sandbox: TalkSandbox, host: str = "127.0.0.1", port: int = 8790) -> uvicorn.Server:
    config = uvicorn.Config(sandbox.app, host=host, port=port, log_level="warning", lifespan="off", access_log=False)
    return uvicorn.Server(config)
