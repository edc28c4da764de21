"""A bounded load run over streamable HTTP: many concurrent MCP sessions (both protocol eras) mixing the
read tools against a real server process on loopback. Zero failed calls; p50/p99 reported.

Sized for the test suite on a 2-core machine (under a minute); bench/ measures throughput properly."""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

import anyio
import pytest
from mcp import Client

from tests.processes import LOOPBACK, free_port, voice_tools_process
from tests.reliability.report import FIGURES, LINES

pytestmark = pytest.mark.anyio
SESSIONS = 24
CALLS_PER_SESSION = 12
TIME_LIMIT_SECONDS = 50
MIX: list[tuple[str, dict[str, Any]]] = [
    ("list_numbers", {}),
    ("get_number", {"phone_number_id": 900000120986, "include": ["settings"]}),
    ("search_numbers", {"country": "US", "limit": 3}),
    ("list_numbers", {"country": "GB"}),
    ("get_number", {"number": "+353 1 555 0147"}),
    ("search_numbers", {"country": "DE", "contains": "30"}),
]


async def test_concurrent_sessions_over_http_with_zero_failures() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "VOICE_TOOLS_"))}
    latencies: list[float] = []
    failures: list[str] = []

    async def session(index: int) -> None:
        mode = "legacy" if index % 2 else "auto"
        async with Client(f"http://{LOOPBACK}:{port}/mcp", mode=mode) as client:  # type: ignore[arg-type]
            for call in range(CALLS_PER_SESSION):
                tool, args = MIX[(index + call) % len(MIX)]
                started = time.perf_counter()
                result = await client.call_tool(tool, args)
                latencies.append(time.perf_counter() - started)
                if result.is_error or result.structured_content is None:
                    failures.append(f"{tool}: {result.content}")

    with voice_tools_process("serve", "--http", "--port", str(port), port=port, env=env):
        started = time.perf_counter()
        with anyio.fail_after(TIME_LIMIT_SECONDS):
            async with anyio.create_task_group() as group:
                for index in range(SESSIONS):
                    group.start_soon(session, index)
        elapsed = time.perf_counter() - started
    assert failures == []
    assert len(latencies) == SESSIONS * CALLS_PER_SESSION
    quantiles = statistics.quantiles(latencies, n=100)
    p50, p99 = statistics.median(latencies) * 1000, quantiles[98] * 1000
    FIGURES["load: calls completed"] += len(latencies)
    FIGURES["load: failed calls"] += len(failures)
    LINES.append(
        f"load: {SESSIONS} concurrent sessions x {CALLS_PER_SESSION} calls over streamable HTTP in {elapsed:.1f}s "
        f"({len(latencies) / elapsed:.0f} calls/s): p50 {p50:.1f} ms, p99 {p99:.1f} ms, 0 failed"
    )
