"""Shared helpers for tests that drive the MCP server through the real protocol against the sandbox."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx2
from jsonschema import Draft202012Validator
from mcp import Client
from mcp.server import MCPServer
from mcp.types import CallToolResult, ElicitRequestParams, ElicitResult

from voice_tools.sandbox import SandboxConfig, TalkSandbox
from voice_tools.server.app import build_server, server_parts
from voice_tools.server.config.serving import ServerSettings
from voice_tools.server.state import ServerParts

Era = Literal["legacy", "auto"]  # 2025-11-25 (initialize handshake) and 2026-07-28 (no handshake)
ERAS: tuple[Era, ...] = ("legacy", "auto")
STATE_DIR = tempfile.mkdtemp(prefix="voice-tools-test-state-")  # never the user's ~/.local/state
# "accept": the tests' default sandbox ignores what it would refuse by an inferred rule (sandbox/inferred.py);
# the second pass of tests/sandbox/test_inferred.py runs the client and server suites so
SANDBOX_INFERRED = "accept" if os.environ.get("VOICE_TOOLS_TEST_SANDBOX_INFERRED") == "accept" else "enforce"


def default_sandbox(**config: Any) -> TalkSandbox:
    """The sandbox the tests use by default, enforcing or accepting the inferred rules as this run says."""
    return TalkSandbox(SandboxConfig(inferred=SANDBOX_INFERRED, **config))


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
    base = {
        # a folder of its own: a rig's ledger identity memory and spool never meet another test's ledger
        "VOICE_TOOLS_STATE_DIR": tempfile.mkdtemp(dir=STATE_DIR),
        "VOICE_TOOLS_RECONCILE_WINDOW": "0.2",  # a lost answer is looked for over 0.2 s, not 30
        **(env or {}),
    }
    made = ServerSettings.from_env(base, sandbox=True)
    return made.model_copy(update=overrides) if overrides else made


@dataclass
class RewritingTransport(httpx2.AsyncBaseTransport):
    """Changes Zendesk's JSON answers on the way back: what a real account may say that the sandbox does not."""

    inner: httpx2.AsyncBaseTransport
    rewrite: Any  # (path, body) -> body

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        if response.headers.get("content-type", "").startswith("application/json"):
            body = json.loads(await response.aread())
            changed = json.dumps(self.rewrite(request.url.path, body)).encode()
            return httpx2.Response(response.status_code, headers={"content-type": "application/json"}, content=changed)
        return response


@dataclass
class Rig:
    """A server over the sandbox, and what it sent."""

    sandbox: TalkSandbox
    transport: RecordingTransport
    server: MCPServer[Any]
    parts: ServerParts


def make_rig(
    sandbox: TalkSandbox | None = None,
    env: Mapping[str, str] | None = None,
    *,
    rewrite: Any = None,
    **overrides: Any,
) -> Rig:
    sandbox = sandbox or default_sandbox()
    inner = sandbox.transport()
    transport = RecordingTransport(RewritingTransport(inner, rewrite) if rewrite else inner)
    made = settings(env, **overrides)
    parts = server_parts(made)
    return Rig(sandbox, transport, build_server(made, transport=transport, parts=parts), parts)


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


def spelled(e164: str, text: str) -> bool:
    """Whether ``text`` shows the number ``e164`` in any common format (``+1 (415) 555-0134``, ``+14155550134``,
    ``+353 21 528 9370``): its digits in order, with nothing but separators between them."""
    digits = e164.lstrip("+")
    pattern = r"\+" + r"[ ().-]*".join(re.escape(d) for d in digits) + r"(?!\d)"
    return re.search(pattern, text) is not None


async def call(era: Era, tool: str, args: dict[str, Any], rig: Rig | None = None) -> CallToolResult:
    """One tool call on a fresh connection (to ``rig``, or a new default one)."""
    async with connect(rig or make_rig(), era) as client:
        return await client.call_tool(tool, args)


async def checked(result: CallToolResult, output_schema: dict[str, Any] | None) -> dict[str, Any]:
    """Not an error; structured content fits the output schema; the text is its compact JSON."""
    assert not result.is_error, text_of(result)
    Draft202012Validator(output_schema or {}).validate(result.structured_content)
    assert json.loads(text_of(result)) == result.structured_content
    assert "\n" not in text_of(result) and ", " not in text_of(result)[:200]
    return result.structured_content or {}
