"""What every tool call shares: one Zendesk client, the purchase guard, the audit log, the settings.

Built once per process by the server's lifespan (over stdio and HTTP alike) and reached from a tool
through its ``Context``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
from mcp.server.mcpserver import Context

from voice_tools.client import TalkClient
from voice_tools.client.base import DeferredTransport
from voice_tools.guard import AuditLog, GuardMemory, PurchaseGuard, QuoteSigner

from .directory import NumberDirectory
from .settings import ServerSettings

logger = logging.getLogger("voice_tools.server")


@dataclass
class AppState:
    settings: ServerSettings
    client: TalkClient
    guard: PurchaseGuard
    audit: AuditLog
    directory: NumberDirectory

    @property
    def account(self) -> str:
        return self.settings.account


def state(ctx: Context[Any, Any]) -> AppState:
    app: AppState = ctx.request_context.lifespan_context
    return app


def sandbox_transport() -> httpx2.AsyncBaseTransport:
    """The built-in sandbox, announced now and built on the first request (start-up stays fast)."""
    print(
        "voice-tools: no Zendesk credentials configured, so serving the built-in Zendesk Talk sandbox "
        "(a simulated account; nothing real is bought). Set ZENDESK_SUBDOMAIN, ZENDESK_EMAIL and "
        "ZENDESK_API_TOKEN to use a real account.",
        file=sys.stderr,
        flush=True,
    )

    def build() -> httpx2.AsyncBaseTransport:
        from voice_tools.sandbox import TalkSandbox

        transport: httpx2.AsyncBaseTransport = TalkSandbox().transport()
        return transport

    return DeferredTransport(build)


@asynccontextmanager
async def open_state(
    settings: ServerSettings, transport: httpx2.AsyncBaseTransport | None, memory: GuardMemory, audit: AuditLog
) -> AsyncIterator[AppState]:
    """The per-lifespan part (the HTTP connection pool) around the per-server part (guard memory, audit)."""
    async with TalkClient(
        settings.zendesk, transport=transport, retry=settings.retry, timeout=settings.zendesk_timeout
    ) as client:
        signer = QuoteSigner(
            settings.quote_secret.get_secret_value().encode(), settings.account, ttl_seconds=settings.quote_ttl_seconds
        )
        guard = PurchaseGuard(
            client,
            account=settings.account,
            signer=signer,
            policy=settings.policy,
            memory=memory,
            audit=audit,
            mode=settings.confirmation,
        )
        yield AppState(settings=settings, client=client, guard=guard, audit=audit, directory=NumberDirectory(client))
