"""Shared helpers for tests that drive the MCP server through the real protocol against the sandbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx2
from mcp import Client
from mcp.server import MCPServer
from mcp.types import CallToolResult, ElicitRequestParams, ElicitResult

from voice_tools.sandbox import TalkSandbox
from voice_tools.server.app import build_server
from voice_tools.server.settings import ServerSettings

Era = Literal["legacy", "auto"]  # 2025-11-25 (initialize handshake) and 2026-07-28 (no handshake)
ERAS: tuple[Era, ...] = ("legacy", "auto")
QUOTE_SECRET = "test-quote-secret-0123456789abcdef"


@dataclass
class RecordingTransport(httpx2.AsyncBaseTransport):
    """Wraps the sandbox's transport and keeps every request sent to 'Zendesk', bodies included."""

    inner: httpx2.AsyncBaseTransport
    sent: list[httpx2.Request] = field(default_factory=list)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        self.sent.append(request)
        return await self.inner.handle_async_request(request)

    def bodies(self, method: str) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.sent if r.method == method]

    def count(self, method: str) -> int:
        return sum(1 for r in self.sent if r.method == method)


def settings(env: Mapping[str, str] | None = None, **overrides: Any) -> ServerSettings:
    base = {"VOICE_TOOLS_QUOTE_SECRET": QUOTE_SECRET, **(env or {})}
    made = ServerSettings.from_env(base, sandbox=True)
    return made.model_copy(update=overrides) if overrides else made


@dataclass
class Rig:
    """A server over the sandbox, and what it sent."""

    sandbox: TalkSandbox
    transport: RecordingTransport
    server: MCPServer[Any]


def make_rig(sandbox: TalkSandbox | None = None, env: Mapping[str, str] | None = None, **overrides: Any) -> Rig:
    sandbox = sandbox or TalkSandbox()
    transport = RecordingTransport(sandbox.transport())
    return Rig(sandbox, transport, build_server(settings(env, **overrides), transport=transport))


class Answer:
    """An elicitation callback that answers every form the same way, and remembers what it was asked."""

    def __init__(
        self, action: Literal["accept", "decline", "cancel"] = "accept", content: dict[str, Any] | None = None
    ):
        self.action, self.content = action, content
        self.asked: list[ElicitRequestParams] = []

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params)
        return ElicitResult(action=self.action, content=self.content if self.action == "accept" else None)


@asynccontextmanager
async def connect(rig: Rig, era: Era, elicit: Answer | None = None) -> AsyncIterator[Client]:
    async with Client(rig.server, mode=era, elicitation_callback=elicit) as client:
        yield client


def text_of(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)
