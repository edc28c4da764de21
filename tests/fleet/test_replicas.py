"""Replicas behind a load balancer with no stickiness: 2026-07-28 clients, elicitation included, work
through any replica when the replicas share the request-state keys and a Redis ledger; 2025-11-25
sessions need affinity on Mcp-Session-Id (the documented choice), and work with it.

Real processes on loopback: a standalone sandbox, `voice-tools serve --http` replicas, a real
redis-server, and the round-robin proxy of ``tests/fleet/proxy.py``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from tests.fleet.proxy import running_proxy
from tests.guard.test_processes import servers
from tests.harness import Answer, text_of
from tests.processes import standalone_sandbox
from tests.redis_server import flushed

pytestmark = pytest.mark.anyio
YES = {"confirm": True}
KEY = secrets.token_hex(32)


def fleet_env(redis_url: str, key: str | None = KEY) -> dict[str, str]:
    env = {"VOICE_TOOLS_LEDGER": flushed(redis_url), "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "3"}
    if key:
        env["VOICE_TOOLS_REQUEST_STATE_KEYS"] = key
    return env


def leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


async def search_and_buy(url: str, mode: str) -> tuple[Any, Answer]:
    answer = Answer("accept", YES)
    async with Client(url, mode=mode, elicitation_callback=answer) as client:  # type: ignore[arg-type]
        found = await client.call_tool("search_numbers", {"country": "US", "limit": 1})
        quote = found.structured_content["numbers"][0]["quote"]
        return await client.call_tool("buy_number", {"quote": quote}), answer


async def test_a_2026_client_buys_through_any_replica_with_shared_keys(tmp_path: Path, redis_url: str) -> None:
    with (
        standalone_sandbox() as sandbox_url,
        servers(3, sandbox_url, tmp_path, **fleet_env(redis_url)) as running,
        running_proxy([url.removesuffix("/mcp") for url, _ in running]) as (proxy_url, proxy),
    ):
        result, answer = await search_and_buy(proxy_url, "auto")
    assert result.structured_content["status"] == "purchased", text_of(result)
    assert len(answer.asked) == 1 and len(set(proxy.routed)) > 1  # the answer came back through another replica


async def test_without_shared_keys_the_answer_is_refused_on_another_replica(tmp_path: Path, redis_url: str) -> None:
    env = fleet_env(redis_url, key=None)
    with (
        standalone_sandbox() as sandbox_url,
        servers(2, sandbox_url, tmp_path, **env) as running,
        running_proxy([url.removesuffix("/mcp") for url, _ in running]) as (proxy_url, _),
        pytest.raises(ExceptionGroup) as raised,  # the client raises the server's protocol error
    ):
        await search_and_buy(proxy_url, "auto")
    assert any("Invalid or expired requestState" in str(e) for e in leaves(raised.value))


async def test_2025_sessions_work_with_affinity_on_the_session_id(tmp_path: Path, redis_url: str) -> None:
    with (
        standalone_sandbox() as sandbox_url,
        servers(2, sandbox_url, tmp_path, **fleet_env(redis_url)) as running,
        running_proxy([url.removesuffix("/mcp") for url, _ in running], affinity=True) as (proxy_url, _),
    ):
        result, answer = await search_and_buy(proxy_url, "legacy")
    assert result.structured_content["status"] == "purchased", text_of(result)
    assert len(answer.asked) == 1


async def test_2025_sessions_without_affinity_are_lost_on_the_other_replica(tmp_path: Path, redis_url: str) -> None:
    """Why affinity is required for 2025-11-25 sessions: a session lives in the replica that opened it."""
    with (
        standalone_sandbox() as sandbox_url,
        servers(2, sandbox_url, tmp_path, **fleet_env(redis_url)) as running,
        running_proxy([url.removesuffix("/mcp") for url, _ in running]) as (proxy_url, _),
        pytest.raises(BaseExceptionGroup) as raised,
    ):
        await search_and_buy(proxy_url, "legacy")
    assert any("Session not found" in str(e) or "404" in str(e) for e in leaves(raised.value)), raised.value
