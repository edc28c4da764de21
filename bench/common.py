"""What every benchmark shares: the report, a standalone sandbox in its own process, and a load of
concurrent MCP clients over HTTP with each call's latency."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from mcp import Client

from bench.processes import VOICE_TOOLS, background, free_port
from tests.harness import text_of
from voice_tools.client import ZendeskConfig

SANDBOX_AUTH = ("admin@example.com/token", "sandbox-api-token")


def sandbox_config(base_url: str) -> ZendeskConfig:
    """The client's configuration for a standalone sandbox (its documented, public credentials)."""
    return ZendeskConfig.model_validate(
        {"base_url": base_url, "email": "admin@example.com", "api_token": SANDBOX_AUTH[1]}
    )


@dataclass(frozen=True)
class Standalone:
    """A sandbox in its own process on loopback, and how the server and the client reach it."""

    base_url: str
    server_env: dict[str, str]
    client_config: ZendeskConfig


@contextmanager
def standalone_sandbox(*options: str) -> Iterator[Standalone]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "VOICE_TOOLS_ZENDESK_BASE_URL": base,
        "ZENDESK_EMAIL": "admin@example.com",
        "ZENDESK_API_TOKEN": SANDBOX_AUTH[1],
    }
    command = [
        *VOICE_TOOLS,
        "sandbox",
        "--port",
        str(port),
        "--rate-limit",
        "100000000",
        "--talk-rate-limit",
        "100000000",
        *options,
    ]
    with background(command, port):
        yield Standalone(base, env, sandbox_config(base))


class Report:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []
        self.keys: list[str] = []  # each row's key in ``data``, in the same order
        self.data: dict[str, Any] = {}

    def add(self, key: str, label: str, value: str, baseline: str = "", verdict: str = "", **data: Any) -> None:
        self.rows.append((label, value, baseline, verdict))
        self.keys.append(key)
        self.data[key] = data
        print(
            f"  {label}: {value}"
            + (f" | baseline {baseline}" if baseline else "")
            + (f" | {verdict}" if verdict else ""),
            flush=True,
        )


async def load(
    url: str, tool: str, args: dict[str, Any], clients: int, calls: int, mode: str = "legacy"
) -> tuple[float, list[float]]:
    """``clients`` clients at once, ``calls`` calls each: calls a second over the whole run, and every latency."""
    times: list[float] = []

    async def one() -> None:
        async with Client(url, mode=mode) as client:  # type: ignore[arg-type]
            for _ in range(calls):
                started = time.perf_counter()
                result = await client.call_tool(tool, args)
                times.append(time.perf_counter() - started)
                assert not result.is_error, text_of(result)

    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for _ in range(clients):
            group.start_soon(one)
    return len(times) / (time.perf_counter() - started), times
