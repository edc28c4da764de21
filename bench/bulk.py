"""Recording on for every unrecorded number of a 20,000-number account, on one call and one confirmation.

    uv run python -m bench.bulk                 # 20,000 numbers; the plan's 700 requests a window of 6 s
    uv run python -m bench.bulk --window 60     # Zendesk's own clock: 700 a minute (about 9 minutes)
    uv run python -m bench.bulk --quick         # 2,000 numbers

A standalone sandbox holds the account and enforces the plan's rate limit (700 requests a window; the window
is scaled down by default so the run takes a minute, not nine: every figure but the wall time is the same,
and the wall time is given as a ratio to the least the budget allows). One ``voice-tools serve --http``
process serves one MCP client that previews the change, confirms it once (a form answered yes) and waits for
the job, counting its progress notifications. Reported, from the sandbox's own request log and the answers:

- the numbers changed, and how many were updated more or less than exactly once (the goal: 0);
- the requests the whole change cost (preview and job), against the least it can cost: one update per number
  changed and one read of every page;
- the wall time against the least the budget allows for those requests, and how many 429s were met;
- the tokens of the preview and of the final answer (cl100k; the goal: the answer <= 2,000).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from typing import Any

import anyio
import httpx2
from mcp import Client

from bench.common import Report, Standalone, standalone_sandbox
from bench.processes import VOICE_TOOLS, background, free_port
from bench.stats import Figure
from bench.tokens import count
from tests.harness import Answer, text_of

RECORD_ALL = {"where": {"recorded": False}, "changes": {"recorded": True}}
LIMIT = 700  # the plan's requests a window (Zendesk's Enterprise default, a minute)
GOAL_TOKENS = 2000
SAMPLE = 400  # raw updates timed for the baseline (with a read of every page, within one window of the budget)
CONCURRENCY = 8  # as the job sends them


async def raw_seconds(zendesk: Standalone, targets: list[int]) -> tuple[float, float]:
    """The baseline, measured on the same sandbox after the job: one read of every page, and the rate of raw
    updates (the same change, ``CONCURRENCY`` at a time, on a sample of the numbers). Returns (seconds to read
    every page, updates a second)."""
    from voice_tools.client import TalkClient
    from voice_tools.models import PhoneNumberUpdate

    async with TalkClient(zendesk.client_config) as client:
        started = time.perf_counter()
        async for _ in client.list_numbers().pages():
            pass
        pages = time.perf_counter() - started
        queue = targets[:SAMPLE]
        started = time.perf_counter()

        async def sender() -> None:
            while queue:
                await client.update_number(queue.pop(), PhoneNumberUpdate(recorded=True))

        async with anyio.create_task_group() as group:
            for _ in range(CONCURRENCY):
                group.start_soon(sender)
        return pages, min(SAMPLE, len(targets)) / (time.perf_counter() - started)


def request_log(base: str) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = httpx2.get(f"{base}/__sandbox__/requests", timeout=60).json()["requests"]
    return log


async def bench_bulk(report: Report, numbers: int, window: float) -> None:
    print(
        f"bulk change: recording on for every unrecorded number of {numbers:,} (700 requests / {window:g} s)",
        flush=True,
    )
    limits = ["--rate-limit", str(LIMIT), "--rate-window", str(window)]
    with tempfile.TemporaryDirectory() as state, standalone_sandbox("--numbers", str(numbers), *limits) as zendesk:
        port = free_port()
        env = {
            **zendesk.server_env,
            "VOICE_TOOLS_STATE_DIR": state,
            "VOICE_TOOLS_TOOLSETS": "numbers,bulk",
            "VOICE_TOOLS_STARTUP_CHECK": "off",
        }
        with background([*VOICE_TOOLS, "serve", "--http", "--port", str(port)], port, env):
            before = len(request_log(zendesk.base_url))
            answer = Answer("accept", {"confirm": True})
            told: list[float] = []

            async def progress(done: float, total: float | None, _: str | None) -> None:
                told.append(done)

            started = time.perf_counter()
            async with Client(f"http://127.0.0.1:{port}/mcp", mode="legacy", elicitation_callback=answer) as client:
                preview = await client.call_tool("update_numbers", {**RECORD_ALL, "dry_run": True})
                previewed = time.perf_counter() - started
                plan = preview.structured_content["plan"]
                done = await client.call_tool(
                    "update_numbers", {"plan": plan}, read_timeout_seconds=3600, progress_callback=progress
                )
            took = time.perf_counter() - started
            log = request_log(zendesk.base_url)[before:]
        report_job(report, numbers, preview, done, log, len(answer.asked), len(told))
        changed = [int(r["path"].rsplit("/", 1)[1]) for r in log if r["method"] == "PUT" and r["status"] == 200]
        await anyio.sleep(window)  # a fresh window of the budget for the baseline
        page_seconds, raw_rate = await raw_seconds(zendesk, changed)
    budget_seconds = (max(len(log), 1) - 1) // LIMIT * window  # the least the budget allows: whole windows waited
    raw_time = page_seconds + len(changed) / raw_rate  # the same work sent raw to this sandbox (its own speed)
    floor_seconds = max(budget_seconds, raw_time)
    report.add(
        "bulk_job_time",
        f"bulk change: wall time (preview {previewed:.1f} s)",
        Figure.of([took]).text("s", 1),
        f"the slower of: the budget's least for its requests {budget_seconds:.1f} s ({LIMIT} / {window:g} s); the "
        f"same work sent raw {raw_time:.1f} s (pages {page_seconds:.1f} s, updates {raw_rate:.0f}/s)",
        f"{took / floor_seconds:.2f}x; at 700 a minute the budget's least is {budget_seconds / window:.0f} min",
        seconds=took,
        preview_seconds=previewed,
        budget_seconds=budget_seconds,
        raw_seconds=raw_time,
        raw_updates_per_second=raw_rate,
        ratio=took / floor_seconds,
    )


def report_job(
    report: Report, numbers: int, preview: Any, done: Any, log: list[dict[str, Any]], asked: int, told: int
) -> None:
    """What the sandbox's log and the answers say of the change: once each, requests, tokens."""
    result = done.structured_content
    assert result is not None, text_of(done)
    targets = preview.structured_content["changing"]
    puts = Counter(r["path"] for r in log if r["method"] == "PUT" and r["status"] == 200)
    not_once = sum(1 for n in puts.values() if n != 1) + max(targets - len(puts), 0)
    answered = [r for r in log if r["status"] != 429]
    refused = len(log) - len(answered)
    pages = -(-numbers // 100)
    floor_requests = targets + pages  # one update per number changed, one read of every page
    preview_tokens, answer_tokens = count(text_of(preview)), count(text_of(done))
    report.add(
        "bulk_job",
        f"bulk change over {numbers:,} numbers: {targets:,} changed, {asked} confirmation(s)",
        f"{result['outcomes']}; updated not exactly once: {not_once}",
        "goal: every unrecorded number, each exactly once, one confirmation",
        "met" if not_once == 0 and asked == 1 and result["outcomes"] == {"applied": targets} else "MISSED",
        targets=targets,
        outcomes=result["outcomes"],
        not_exactly_once=not_once,
        confirmations=asked,
        progress_notifications=told,
    )
    report.add(
        "bulk_job_requests",
        "bulk change: Zendesk requests (preview and job)",
        f"{len(answered):,} answered + {refused:,} refused 429",
        f"least possible {floor_requests:,} (an update per number, a read per page)",
        f"{len(answered) / floor_requests:.3f}x",
        requests=len(answered),
        rate_limited=refused,
        floor=floor_requests,
        ratio=len(answered) / floor_requests,
    )
    report.add(
        "bulk_job_tokens",
        "bulk change: tokens (cl100k) of the preview / the final answer",
        f"{preview_tokens} / {answer_tokens}",
        f"goal: answer <= {GOAL_TOKENS}",
        "met" if answer_tokens <= GOAL_TOKENS and preview_tokens <= GOAL_TOKENS else "MISSED",
        preview_tokens=preview_tokens,
        answer_tokens=answer_tokens,
    )


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bulk", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 numbers (a smoke run)")
    parser.add_argument("--numbers", type=int, default=None, help="the account's size (default 20,000)")
    parser.add_argument("--window", type=float, default=6.0, help="seconds per 700 requests (Zendesk: 60)")
    args = parser.parse_args(argv)
    numbers = args.numbers or (2000 if args.quick else 20_000)
    report = Report()
    anyio.run(bench_bulk, report, numbers, args.window)
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
