"""A bulk job across real processes: two `voice-tools serve --http` replicas sharing the default SQLite ledger,
one standalone sandbox of 300 numbers answering slowly enough that the job is stopped half-way.

- SIGKILL: the replica running the job dies mid-way; its lease runs out (VOICE_TOOLS_JOB_LEASE=2s) and the other
  replica's scan resumes the job, reading back the numbers left ``sending``: each number is changed exactly once
  (the sandbox's own request log), and every unrecorded number ends recorded.
- SIGTERM: the replica pauses the job at a safe point, releases its claim, answers the waiting call ``paused``
  on its stream and exits 0 at once; the other replica resumes the job at once: each number changed once.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client

from tests.guard.test_processes import audit_lines, servers
from tests.harness import Answer
from tests.processes import standalone_sandbox

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]
ENV = {"VOICE_TOOLS_TOOLSETS": "numbers,bulk", "VOICE_TOOLS_JOB_LEASE": "2"}
RECORD_ALL = {"where": {"recorded": False}, "changes": {"recorded": True}}
NUMBERS = "/api/v2/channels/voice/phone_numbers"
AUTH = ("admin@example.com/token", "sandbox-api-token")


def unrecorded(sandbox_url: str) -> set[int]:
    found: set[int] = set()
    url: str | None = f"{sandbox_url}{NUMBERS}.json?per_page=100"
    while url:
        page = httpx2.get(url, auth=AUTH).json()
        found |= {n["id"] for n in page["phone_numbers"] if not n["recorded"]}
        url = page["next_page"]
    return found


def puts(sandbox_url: str) -> Counter[int]:
    """Each number's update requests Zendesk answered 200, from the sandbox's own log."""
    log = httpx2.get(f"{sandbox_url}/__sandbox__/requests").json()["requests"]
    return Counter(
        int(r["path"].rsplit("/", 1)[1].removesuffix(".json"))
        for r in log
        if r["method"] == "PUT" and r["status"] == 200
    )


def job_of(state: Path) -> str | None:
    started = [e["job"] for e in audit_lines(state) if e.get("event") == "bulk" and e.get("outcome") == "confirmed"]
    return started[0] if started else None


async def apply_on(url: str, outcome: dict[str, Any]) -> None:
    """Preview and confirm on one replica, keeping its answer (if it comes: a killed replica gives none)."""
    async with Client(url, mode="legacy", elicitation_callback=Answer("accept", {"confirm": True})) as client:
        preview = await client.call_tool("update_numbers", {**RECORD_ALL, "dry_run": True})
        outcome["preview"] = preview.structured_content
        result = await client.call_tool("update_numbers", {"plan": preview.structured_content["plan"]})
        outcome["result"] = result.structured_content


async def half_way(sandbox_url: str, at_least: int) -> None:
    with anyio.fail_after(60):
        while sum(puts(sandbox_url).values()) < at_least:  # noqa: ASYNC110 - another process's log
            await anyio.sleep(0.05)


async def finished_on(url: str, job: str) -> dict[str, Any]:
    with anyio.fail_after(90):
        while True:
            async with Client(url) as client:
                status = (await client.call_tool("update_numbers", {"job": job})).structured_content
            if status["status"] == "done":
                return status  # type: ignore[no-any-return]
            await anyio.sleep(0.2)


@pytest.mark.parametrize("stop", ["SIGKILL", "SIGTERM"])
async def test_a_job_stopped_mid_way_is_resumed_by_the_other_replica_each_number_once(
    tmp_path: Path, stop: str
) -> None:
    with standalone_sandbox("--numbers", "300", "--latency", "0.03") as sandbox_url:
        targets = unrecorded(sandbox_url)
        with servers(2, sandbox_url, tmp_path, **ENV) as [(first, process), (second, _)]:
            outcome: dict[str, Any] = {}
            async with anyio.create_task_group() as group:

                async def on_the_first() -> None:
                    try:
                        await apply_on(first, outcome)
                    except Exception as error:  # the killed replica never answers
                        outcome["error"] = repr(error)

                group.start_soon(on_the_first)
                await half_way(sandbox_url, 20)
                process.send_signal(getattr(signal, stop))
                code = await anyio.to_thread.run_sync(lambda: process.wait(timeout=30))
                sent_at_stop = sum(puts(sandbox_url).values())  # a dead replica's lease still runs (2 s)
                with anyio.fail_after(30):
                    while "result" not in outcome and "error" not in outcome:  # noqa: ASYNC110 - the call's end
                        await anyio.sleep(0.05)
            job = job_of(tmp_path)
            assert job is not None
            final = await finished_on(second, job)
        changed, left = puts(sandbox_url), unrecorded(sandbox_url)
    assert final["outcomes"] == {"applied": len(targets)}, final
    assert changed == Counter(dict.fromkeys(targets, 1)) and left == set()  # every one, each exactly once
    bulk = [e["outcome"] for e in audit_lines(tmp_path) if e.get("event") == "bulk"]
    if stop == "SIGTERM":
        paused = outcome["result"]
        assert code == 0 and paused["status"] == "paused", json.dumps(outcome)[:2000]
        assert paused["left"] > 0 and sum(paused["outcomes"].values()) + paused["left"] == len(targets)
        assert "resumes on another server" in paused["next_step"]
        assert bulk == ["confirmed", "paused", "resumed", "done"]
    else:
        assert code == -signal.SIGKILL and "result" not in outcome and 0 < sent_at_stop < len(targets)
        assert bulk == ["confirmed", "resumed", "done"]
