"""The load the fleet tests put on the fleet: clients that time every call and name what made one fail (an
error result, a session that broke, and every HTTP refusal they met on the way)."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import anyio.to_thread
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.fleet.shipped import TOKEN, Replica, wait_for
from tests.harness import Answer

YES = {"confirm": True}


@dataclass
class Call:
    client: int
    era: str
    tool: str
    started: float
    ended: float = 0.0
    failure: str | None = None  # None: answered (and not an error result)
    session_started: float = 0.0


@dataclass
class Load:
    url: str
    stop: anyio.Event = field(default_factory=anyio.Event)
    calls: list[Call] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # HTTP answers >= 400, when, and what they said

    async def note_refusal(self, response: httpx2.Response) -> None:
        if response.status_code >= 400 and response.request.method != "DELETE":  # a session's end may find it gone
            await response.aread()
            said = response.text[:120].replace("\n", " ")
            self.refusals.append(f"{time.monotonic():.1f} {response.request.method} {response.status_code} {said}")

    def failures(self) -> list[Call]:
        return [c for c in self.calls if c.failure is not None]

    def answered(self) -> int:
        return sum(1 for c in self.calls if c.failure is None)


def with_refusals_noted(http: httpx2.AsyncClient, load: Load) -> httpx2.AsyncClient:
    """The client's HTTP answers of 400 and more, kept: a failure names the status and body that caused it."""
    http.event_hooks["response"].append(load.note_refusal)
    return http


@asynccontextmanager
async def session(load: Load, era: str, *, buyer: bool) -> AsyncIterator[Client]:
    """A client session through the balancer in ``era``, noting every HTTP refusal it meets; a buyer's says
    yes to each purchase form."""
    async with (
        with_refusals_noted(create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"}), load) as http,
        Client(
            streamable_http_client(load.url, http_client=http),
            mode=era,  # type: ignore[arg-type]
            elicitation_callback=Answer("accept", YES) if buyer else None,
        ) as client,
    ):
        yield client


def leaf(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


async def warm(load: Load, replicas: list[Replica]) -> None:
    """Every replica has answered calls through the balancer: the fleet is whole before anything is stopped."""
    await anyio.to_thread.run_sync(
        lambda: wait_for(lambda: all(r.calls_served() > 0 for r in replicas), 120, "every replica serving")
    )


def summary(load: Load) -> str:
    failures = load.failures()
    kinds = sorted({f"{c.era} {c.tool}: {re.sub(r'[+]?[0-9]{6,}', 'N', c.failure or '')}" for c in failures})[:12]
    hung = sorted({f"{c.era} {c.tool}" for c in load.calls if c.ended == 0 and c.failure is None})
    refusals = load.refusals[:12]
    return f"{load.answered()} calls answered, {len(failures)} failed: {kinds}; unanswered: {hung}; HTTP: {refusals}"
