"""A fleet's throughput: 1 and 3 replicas of ``serve --http`` sharing one Redis ledger behind a round-robin
load balancer (``tests/fleet/proxy.py``, in its own process), at 8, 32 and 64 concurrent 2026-07-28
clients (no session, so no stickiness), against a bare MCPServer echo behind the same balancer, in the
same run. Every process is on this machine: with few cores, more replicas share the same CPUs, which the
figures show rather than hide.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, NamedTuple

from bench.common import Report, load, standalone_sandbox
from bench.processes import BARE, VOICE_TOOLS, background, free_port
from bench.stats import percentile
from tests.redis_server import flushed, redis_server

PROXY = (
    "import sys, uvicorn; from tests.fleet.proxy import RoundRobin; "
    "uvicorn.run(RoundRobin(sys.argv[2:]), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')"
)
CLIENTS = (8, 32, 64)
GET = {"phone_number_id": 900000120986}


class Measured(NamedTuple):
    rate: float  # calls a second
    p50: float  # ms
    p99: float  # ms


@contextmanager
def balanced(backends: list[str]) -> Iterator[str]:
    """The round-robin balancer in front of ``backends`` (base URLs), in a process of its own; its MCP URL."""
    port = free_port()
    with background([sys.executable, "-c", PROXY, str(port), *backends], port):
        yield f"http://127.0.0.1:{port}/mcp"


@contextmanager
def replicas(count: int, env: dict[str, str]) -> Iterator[list[str]]:
    with ExitStack() as stack:
        urls = []
        for _ in range(count):
            port = free_port()
            stack.enter_context(background([*VOICE_TOOLS, "serve", "--http", "--port", str(port)], port, env))
            urls.append(f"http://127.0.0.1:{port}")
        yield urls


async def measure(url: str, tool: str, args: dict[str, Any], clients: int, calls: int, runs: int) -> Measured:
    """Medians over ``runs`` loads: calls a second, p50 and p99 in ms."""
    loads = [await load(url, tool, args, clients, calls, "auto") for _ in range(runs)]
    return Measured(
        statistics.median(rate for rate, _ in loads),
        statistics.median(percentile(times, 0.5) * 1000 for _, times in loads),
        statistics.median(percentile(times, 0.99) * 1000 for _, times in loads),
    )


async def bench_fleet(report: Report, calls: int, runs: int, levels: tuple[int, ...] = CLIENTS) -> None:
    print(f"fleet: 1 and 3 replicas on one Redis ledger behind a round-robin balancer ({runs} runs)", flush=True)
    bare_port = free_port()
    with (
        standalone_sandbox() as zendesk,
        redis_server() as redis_url,
        background([*BARE, "--http", str(bare_port)], bare_port),
        balanced([f"http://127.0.0.1:{bare_port}"]) as bare_url,
    ):
        env = {**zendesk.server_env, "VOICE_TOOLS_LEDGER": flushed(redis_url), "VOICE_TOOLS_STARTUP_CHECK": "off"}
        with replicas(3, env) as urls, balanced(urls[:1]) as one_url, balanced(urls) as three_url:
            for clients in levels:
                per_client = max(calls // clients, 3)
                bare = await measure(bare_url, "echo", {"text": "x"}, clients, per_client, runs)
                one = await measure(one_url, "get_number", GET, clients, per_client, runs)
                three = await measure(three_url, "get_number", GET, clients, per_client, runs)
                report.add(
                    f"fleet_{clients}",
                    f"{clients} clients, get_number: 1 replica / 3 replicas",
                    f"{one.rate:.0f} / {three.rate:.0f} calls/s; p50 {one.p50:.0f} / {three.p50:.0f} ms; "
                    f"p99 {one.p99:.0f} / {three.p99:.0f} ms",
                    f"bare echo {bare.rate:.0f} calls/s, p50 {bare.p50:.0f} ms, p99 {bare.p99:.0f} ms",
                    f"{one.rate / bare.rate:.2f}x / {three.rate / bare.rate:.2f}x the bare rate",
                    one=one._asdict(),
                    three=three._asdict(),
                    bare=bare._asdict(),
                )
