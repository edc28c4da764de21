"""The walk through a large account (issue 24): every number of a 20,000-number account through list_numbers'
``next_cursor`` at the default limit, over stdio, against a standalone sandbox with Zendesk's default budget
(700 requests a minute, Talk's 15,000 in 5 minutes), against one raw read of every page in the same run.

Reported as ratios: the walk's Zendesk requests to the raw read's (target 1.2x), its time to the raw read's
(and under 2 minutes), and its first call to a concurrent read of every page in full (what the first call
did before snapshots: "first page as fast as today"). Each run starts a new server (no snapshot left over)
and resets the sandbox (its budget and request log) between measurements.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import httpx2
from mcp import Client

from bench.common import SANDBOX_AUTH, Report, standalone_sandbox
from bench.processes import VOICE_TOOLS, stdio
from bench.stats import Figure, verdict
from voice_tools.client import TalkClient

LIST = "/api/v2/channels/voice/phone_numbers"
ACCOUNT = 20_000
DEFAULT_BUDGET = ("--rate-limit", "700", "--talk-rate-limit", "15000")  # the sandbox's (and Zendesk's) defaults


async def sandbox_requests(admin: httpx2.AsyncClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await admin.get("/__sandbox__/requests")).json()["requests"]
    return found


async def reset(admin: httpx2.AsyncClient) -> None:
    (await admin.post("/__sandbox__/reset")).raise_for_status()


async def raw_read(base_url: str) -> float:
    """Every page, one after another, as a plain client reads them: seconds."""
    started = time.perf_counter()
    async with httpx2.AsyncClient(base_url=base_url, auth=SANDBOX_AUTH) as raw:
        url: str | None = f"{LIST}?per_page=100"
        while url:
            url = (await raw.get(url)).raise_for_status().json()["next_page"]
    return time.perf_counter() - started


async def walk(client: Client, account: int) -> tuple[float, float, int]:
    """The whole account through next_cursor at the default limit: seconds in all, the first call's, calls."""
    started = time.perf_counter()
    first, cursor, calls, seen = 0.0, None, 0, set()
    while calls == 0 or cursor:
        result = await client.call_tool("list_numbers", {"cursor": cursor} if cursor else {})
        assert not result.is_error, result.content
        calls += 1
        first = first or time.perf_counter() - started
        seen.update(n["id"] for n in result.structured_content["numbers"])
        cursor = result.structured_content.get("next_cursor")
    assert len(seen) == account, len(seen)
    return time.perf_counter() - started, first, calls


async def bench_walk(report: Report, runs: int, account: int = ACCOUNT) -> None:
    print(f"walk: {account:,} numbers through next_cursor, default budget ({runs} runs)", flush=True)
    raw_s, raw_requests, full_s, walk_s, first_s, walk_requests, refused, calls = [], [], [], [], [], [], [], 0
    with standalone_sandbox("--numbers", str(account), *DEFAULT_BUDGET) as zendesk:
        async with httpx2.AsyncClient(base_url=zendesk.base_url) as admin:
            for _ in range(runs):
                await reset(admin)
                raw_s.append(await raw_read(zendesk.base_url))
                raw_requests.append(sum(1 for r in await sandbox_requests(admin) if r["path"] == LIST))
                await reset(admin)
                async with TalkClient(zendesk.client_config) as direct:
                    started = time.perf_counter()
                    await direct.list_numbers().collect()  # the first call before snapshots: every page in full
                    full_s.append(time.perf_counter() - started)
                await reset(admin)
                async with Client(stdio([*VOICE_TOOLS, "serve"], zendesk.server_env)) as server:
                    total, first, calls = await walk(server, account)
                walk_s.append(total)
                first_s.append(first)
                logged = await sandbox_requests(admin)
                walk_requests.append(sum(1 for r in logged if r["path"] == LIST))
                refused.append(sum(1 for r in logged if r["status"] == 429))
    raw_t, walk_t = Figure.of(raw_s), Figure.of(walk_s)
    requests = statistics.median(walk_requests) / statistics.median(raw_requests)
    time_ratio, first_ratio = walk_t.median / raw_t.median, statistics.median(first_s) / statistics.median(full_s)
    report.add(
        "walk_requests",
        f"walk of {account:,} numbers ({calls} calls at the default limit), Zendesk requests",
        f"{statistics.median(walk_requests):.0f} requests, {max(refused)} refused (429)",
        f"one raw read of every page: {statistics.median(raw_requests):.0f}",
        f"{requests:.2f}x; " + verdict(requests, 1.2),
        ours=walk_requests,
        raw=raw_requests,
        refused=refused,
        ratio=requests,
    )
    report.add(
        "walk_time",
        "walk of the whole account, time (stdio, default budget)",
        walk_t.text("s", 1),
        f"one raw read {raw_t.text('s', 2)}",
        f"{time_ratio:.1f}x; under 120 s: {'met' if walk_t.high < 120 else 'MISSED'}",
        ours=walk_t.as_json(),
        raw=raw_t.as_json(),
        ratio=time_ratio,
    )
    report.add(
        "walk_first_page",
        "walk's first call (takes the snapshot)",
        Figure.of([x * 1000 for x in first_s]).text("ms", 0),
        "every page read concurrently in full (what the first call did before) "
        + Figure.of([x * 1000 for x in full_s]).text("ms", 0),
        f"{first_ratio:.2f}x; " + verdict(first_ratio, 1.0),
        ours=Figure.of(first_s).as_json(),
        full_read=Figure.of(full_s).as_json(),
        ratio=first_ratio,
    )
