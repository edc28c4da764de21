"""One replica serves up to its documented caps: 170 concurrent sessions of each era (the session cap is
200, the request cap 256) with not one error. Before, each 2025-11-25 session's open GET stream held a
request slot (a quarter of the calls got 503), and 170 2026-07-28 clients at once met the Redis client's
default pool of 100 (MaxConnectionsError instead of a short wait).

A real replica (``serve --http`` with compose's environment) on a real redis-server; every client opens
its session, waits until all 170 are open (so they are concurrent, streams included), then calls tools
that read Zendesk and write the ledger (quotes), all at once.
"""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.fleet.shipped import TOKEN, Replica, replica_environment
from tests.harness import text_of
from tests.processes import LOOPBACK, free_port, standalone_sandbox
from tests.redis_server import flushed
from voice_tools.guard.ledger import open_ledger
from voice_tools.guard.ledger import redis as redis_ledger
from voice_tools.server.transports import limits

pytestmark = pytest.mark.anyio
SESSIONS = 170


class Barrier:
    """Every client waits here until all have arrived (anyio has no barrier)."""

    def __init__(self, parties: int) -> None:
        self.parties, self.arrived, self.open = parties, 0, anyio.Event()

    async def wait(self) -> None:
        self.arrived += 1
        if self.arrived >= self.parties:
            self.open.set()
        await self.open.wait()


async def session(url: str, era: str, opened: Barrier, done: Barrier, errors: list[str]) -> None:
    arrived: set[Barrier] = set()

    async def wait(barrier: Barrier) -> None:
        arrived.add(barrier)
        await barrier.wait()

    try:
        async with (
            create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"}) as http,
            Client(streamable_http_client(url, http_client=http), mode=era) as client,  # type: ignore[arg-type]
        ):
            await wait(opened)  # all sessions open at once, each 2025-11-25 one with its GET stream
            for tool, args in (
                ("search_numbers", {"country": "US", "limit": 2}),  # Zendesk, then quotes into the ledger
                ("get_number", {"phone_number_id": 900000120986}),
            ):
                result = await client.call_tool(tool, args)
                if result.is_error:
                    errors.append(f"{tool}: {text_of(result)[:160]}")
            await wait(done)  # and still open while the others call
    except Exception as error:
        leaf: BaseException = error
        while isinstance(leaf, BaseExceptionGroup):
            leaf = leaf.exceptions[0]
        errors.append(f"{type(leaf).__name__}: {str(leaf)[:160]}")
        for barrier in (opened, done):  # a failed client must not hold the others up
            if barrier not in arrived:
                barrier.arrived += 1
                if barrier.arrived >= barrier.parties:
                    barrier.open.set()


@pytest.mark.timeout(900)
@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_one_replica_serves_170_sessions_of_each_era_without_an_error(
    era: str, tmp_path: Path, redis_url: str
) -> None:
    port = free_port()
    with standalone_sandbox() as sandbox_url:
        env = replica_environment(flushed(redis_url), sandbox_url, tmp_path, port, free_port())
        replica = Replica("voice-tools-1", port, int(env["VOICE_TOOLS_METRICS_PORT"]), env, tmp_path)
        replica.start()
        try:
            errors: list[str] = []
            opened, done = Barrier(SESSIONS), Barrier(SESSIONS)
            url = f"http://{LOOPBACK}:{port}/mcp"
            with anyio.fail_after(600):
                async with anyio.create_task_group() as clients:
                    for _ in range(SESSIONS):
                        clients.start_soon(session, url, era, opened, done, errors)
            served = replica.calls_served()
        finally:
            replica.close()
    print(f"\n{SESSIONS} {era} sessions at once on one replica: {served:g} calls served, errors: {errors[:5]}")
    assert errors == []
    assert served >= 2 * SESSIONS


async def test_the_redis_pool_waits_for_a_connection_instead_of_failing(
    monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    """More concurrent ledger calls than connections: they queue for one (bounded by POOL_WAIT_SECONDS)
    instead of failing; and the pool is sized to the HTTP request cap, so a replica never queues."""
    assert redis_ledger.POOL_CONNECTIONS >= limits.MAX_REQUESTS_IN_PROGRESS
    monkeypatch.setattr(redis_ledger, "POOL_CONNECTIONS", 2)
    ledger = open_ledger(flushed(redis_url), "pool-test")
    failures: list[BaseException] = []

    async def save(i: int) -> None:
        try:
            await ledger.save_quotes([(f"quote-{i}", {"number": f"+1555000{i:04d}"})], ttl_seconds=60)
        except Exception as error:
            failures.append(error)

    try:
        async with anyio.create_task_group() as group:
            for i in range(50):
                group.start_soon(save, i)
    finally:
        await ledger.aclose()
    assert failures == []


def test_a_caller_gets_a_fair_share_of_the_request_slots() -> None:
    limit = limits.RequestLimit(app=None)
    assert limit.per_caller >= SESSIONS  # one client address can still open 170 sessions' calls
    assert limit.limit - limit.per_caller >= 64  # and at least a quarter always remains for the others
