"""A bulk change over hundreds of numbers as a job (issue 24), in process through mcp.Client, both eras:

- recording turned on for every unrecorded number of a 400-number account: one preview in bounded words, one
  confirmation, each number changed exactly once, read from the listing page by page (no read per number),
  progress told, outcomes counted;
- Zendesk's rate limit met on the way is waited out: every number applied, none failed;
- a settings change over many numbers reads each number when it runs, and leaves those that already have it;
- a job whose session ends mid-way pauses, releases its claim, and the next session resumes it: each number
  changed once;
- a job left by a replica that died with numbers marked ``sending``: the resumer reads those back first, and
  sends again only the ones whose update never landed.

The same against real processes killed with SIGKILL or stopped with SIGTERM:
tests/server/tools/test_update_numbers_processes.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.harness import Answer, Era, Rig, connect, make_rig, text_of
from voice_tools.sandbox import SandboxConfig, TalkSandbox

pytestmark = pytest.mark.anyio
BULK = {"VOICE_TOOLS_TOOLSETS": "numbers,bulk"}
YES = {"confirm": True}
RECORD_ALL = {"where": {"recorded": False}, "changes": {"recorded": True}}
ONE = "/api/v2/channels/voice/phone_numbers/"


def unrecorded(rig: Rig) -> set[int]:
    return {i for i, n in rig.sandbox.backend.numbers.items() if not n["recorded"]}


def puts_by_number(rig: Rig) -> Counter[int]:
    return Counter(
        int(r.url.path.rsplit("/", 1)[1].removesuffix(".json")) for r in rig.transport.sent if r.method == "PUT"
    )


def reads_of_one_number(rig: Rig) -> int:
    return sum(1 for r in rig.transport.sent if r.method == "GET" and ONE in r.url.path)


async def until(condition: Any, seconds: float = 20.0) -> None:
    with anyio.fail_after(seconds):
        while not await condition():  # noqa: ASYNC110 - polls the ledger and the server, not an event
            await anyio.sleep(0.02)


async def test_every_unrecorded_number_on_one_confirmation_each_changed_once(era: Era) -> None:
    rig = make_rig(TalkSandbox(SandboxConfig(numbers=400)), env=BULK)
    targets = unrecorded(rig)
    assert len(targets) > 100
    answer = Answer("accept", YES)
    told: list[tuple[float, float | None]] = []

    async def progress(done: float, total: float | None, _: str | None) -> None:
        told.append((done, total))

    async with connect(rig, era, answer) as client:
        preview = await client.call_tool("update_numbers", {**RECORD_ALL, "dry_run": True})
        body = preview.structured_content
        assert (body["matched"], body["changing"]) == (len(targets), len(targets))
        assert body["groups"] == [
            {"before": {"recorded": False}, "count": len(targets), "examples": body["groups"][0]["examples"]}
        ]
        assert len(body["groups"][0]["examples"]) == 3
        assert len(text_of(preview)) < 2500  # bounded whatever the count (about 600 cl100k tokens)
        before = len(rig.transport.sent)
        done = await client.call_tool("update_numbers", {"plan": body["plan"]}, progress_callback=progress)
    result = done.structured_content
    assert len(answer.asked) == 1 and f"for {len(targets)} numbers" in answer.asked[0].message
    assert result["status"] == "done" and result["outcomes"] == {"applied": len(targets)}, text_of(done)
    assert len(text_of(done)) < 1500
    assert unrecorded(rig) == set()
    assert puts_by_number(rig) == Counter(dict.fromkeys(targets, 1))  # each exactly once, nothing else
    reads = [r.url.path for r in rig.transport.sent[before:] if r.method == "GET"]
    assert len(reads) == 4 and not [p for p in reads if ONE in p]  # the listing, page by page: no read per number
    assert told[-1] == (len(targets), len(targets)) and [d for d, _ in told] == sorted(d for d, _ in told)
    trail = await rig.parts.ledger.audit_trail()
    updates = [e["phone_number_id"] for e in trail if e.get("event") == "update" and e.get("outcome") == "applied"]
    assert sorted(updates) == sorted(targets)
    bulk = [(e["outcome"], e.get("job")) for e in trail if e.get("event") == "bulk"]
    assert bulk == [("confirmed", result["job"]), ("done", result["job"])]


async def test_the_accounts_rate_limit_met_on_the_way_is_waited_out() -> None:
    sandbox = TalkSandbox(SandboxConfig(numbers=400, rate_limit=60, rate_window=1.0))
    rig = make_rig(sandbox, env=BULK)
    targets = unrecorded(rig)
    async with connect(rig, "legacy", Answer("accept", YES)) as client:
        done = await client.call_tool("update_numbers", RECORD_ALL)
    assert done.structured_content["outcomes"] == {"applied": len(targets)}, text_of(done)
    assert sum(1 for r in sandbox.backend.requests if r.status == 429) > 0  # it was met, and waited out
    assert puts_by_number(rig) == Counter(dict.fromkeys(targets, 1)) + Counter(
        int(r.path.rsplit("/", 1)[1].removesuffix(".json")) for r in sandbox.backend.requests
        if r.method == "PUT" and r.status == 429
    )  # fmt: skip


async def test_a_settings_change_over_many_numbers_reads_each_when_it_runs(era: Era) -> None:
    rig = make_rig(TalkSandbox(SandboxConfig(numbers=60)), env=BULK)
    us = [i for i, n in rig.sandbox.backend.numbers.items() if n["country_code"] in ("US", "CA", "GB", "IE", "BR")]
    assert len(us) > 25
    already = us[:4]
    for i in already:
        rig.sandbox.backend.settings[i]["maximum_queue_size"] = 20
    args = {"phone_number_ids": us, "settings": {"maximum_queue_size": 20}}
    async with connect(rig, era, Answer("accept", YES)) as client:
        preview = (await client.call_tool("update_numbers", {**args, "dry_run": True})).structured_content
        assert preview["changing"] == len(us) and "read from each number when the change runs" in preview["summary"]
        assert "for up to" in preview["summary"] and reads_of_one_number(rig) <= 1  # the groups, for the words
        done = (await client.call_tool("update_numbers", {"plan": preview["plan"]})).structured_content
    assert done["outcomes"] == {"applied": len(us) - 4, "unchanged": 4}
    assert set(puts_by_number(rig)) == set(us) - set(already)
    assert all(rig.sandbox.backend.settings[i]["maximum_queue_size"] == 20 for i in us)


async def test_a_job_whose_session_ends_is_resumed_by_the_next_each_number_once(era: Era, tmp_path: Path) -> None:
    sandbox = TalkSandbox(SandboxConfig(numbers=400))
    rig = make_rig(sandbox, env={**BULK, "VOICE_TOOLS_LEDGER": f"sqlite:///{tmp_path / 'ledger.db'}"})
    targets = unrecorded(rig)
    sandbox.faults.latency = 0.03  # slow enough to stop it mid-way
    job: dict[str, str] = {}

    async def applied() -> bool:
        found = await rig.parts.ledger.claimable_jobs() or [j for j in job.values()]
        if not found:
            return False
        job["id"] = found[0]
        state = await rig.parts.ledger.job(found[0])
        return state is not None and state.counts.get("applied", 0) >= 20

    async with anyio.create_task_group() as group:

        async def first_session() -> None:
            async with connect(rig, era, Answer("accept", YES)) as client:
                await client.call_tool("update_numbers", RECORD_ALL)

        group.start_soon(first_session)
        await until(lambda: _running_job(rig, job))
        await until(applied)
        group.cancel_scope.cancel()  # the session ends mid-job: the job pauses, its claim released
    paused = await rig.parts.ledger.job(job["id"])
    assert paused is not None and paused.status == "running" and paused.owner is None
    assert 0 < paused.counts.get("applied", 0) < len(targets) and "sending" not in paused.counts
    sandbox.faults.latency = 0
    async with connect(rig, era) as client:  # a new session: its replica finds the job nobody holds

        async def finished() -> bool:
            status = await client.call_tool("update_numbers", {"job": job["id"]})
            return status.structured_content["status"] == "done"

        await until(finished)
        final = (await client.call_tool("update_numbers", {"job": job["id"]})).structured_content
    assert final["outcomes"] == {"applied": len(targets)}, final
    assert puts_by_number(rig) == Counter(dict.fromkeys(targets, 1)) and unrecorded(rig) == set()
    outcomes = [e["outcome"] for e in await rig.parts.ledger.audit_trail() if e.get("event") == "bulk"]
    assert outcomes == ["confirmed", "paused", "resumed", "done"]


async def _running_job(rig: Rig, job: dict[str, str]) -> bool:
    trail = await rig.parts.ledger.audit_trail()
    started = [e["job"] for e in trail if e.get("event") == "bulk" and e.get("outcome") == "confirmed"]
    if started:
        job["id"] = started[0]
    return bool(started)


async def test_numbers_left_sending_by_a_replica_that_died_are_read_back_before_anything_is_resent(
    tmp_path: Path,
) -> None:
    rig = make_rig(
        TalkSandbox(SandboxConfig(numbers=60)), env={**BULK, "VOICE_TOOLS_LEDGER": f"sqlite:///{tmp_path / 'l.db'}"}
    )
    targets = sorted(unrecorded(rig))
    assert len(targets) >= 8
    landed, lost, done, pending = targets[:2], targets[2:4], targets[4:6], targets[6:]
    for i in landed + done:  # their updates reached Zendesk; the dead replica heard back only for ``done``
        rig.sandbox.backend.numbers[i]["recorded"] = True

    def item(i: int, state: str) -> dict[str, Any]:
        number = rig.sandbox.backend.numbers[i]["number"]
        return {"state": state, "number": number, "name": None, "before": {"recorded": False}}

    items = {i: item(i, "sending") for i in landed + lost} | {i: item(i, "applied") for i in done}
    items |= {i: item(i, "pending") for i in pending}
    record = {"plan": "pdeadreplica", "changes": {"recorded": True}, "settings": None, "mode": "read", "summary": "s"}
    await rig.parts.ledger.create_job("jdeadrepkyz", record, items, "dead-replica", -1.0)  # its lease ran out
    async with connect(rig, "legacy") as client:

        async def finished() -> bool:
            state = await rig.parts.ledger.job("jdeadrepkyz")
            return state is not None and state.status == "done"

        await until(finished)
        final = (await client.call_tool("update_numbers", {"job": "jdeadrepkyz"})).structured_content
    assert final["outcomes"] == {"applied": len(targets)}
    assert puts_by_number(rig) == Counter(dict.fromkeys(lost + pending, 1))  # landed and done: not sent again
    trail = await rig.parts.ledger.audit_trail()
    read_back = [e["phone_number_id"] for e in trail if e.get("reason", "").startswith("read back")]
    assert sorted(read_back) == sorted(landed)


async def test_a_caller_that_gives_up_leaves_the_job_running_and_can_read_its_progress(era: Era) -> None:
    sandbox = TalkSandbox(SandboxConfig(numbers=200))
    rig = make_rig(sandbox, env=BULK)
    targets = unrecorded(rig)
    async with connect(rig, era, Answer("accept", YES)) as client:
        preview = (await client.call_tool("update_numbers", {**RECORD_ALL, "dry_run": True})).structured_content
        sandbox.faults.latency = 0.1
        with anyio.move_on_after(0.4):  # the caller gives up (a client's timeout): the call is cancelled
            await client.call_tool("update_numbers", {"plan": preview["plan"]})
        job = next(e["job"] for e in await rig.parts.ledger.audit_trail() if e.get("outcome") == "confirmed")
        running = (await client.call_tool("update_numbers", {"job": job})).structured_content
        assert running["status"] == "running" and running["left"] > 0 and "Call update_numbers(" in running["next_step"]

        async def finished() -> bool:
            state = await rig.parts.ledger.job(job)
            return state is not None and state.status == "done"

        await until(finished)
        again = (await client.call_tool("update_numbers", {"plan": preview["plan"]})).structured_content
    assert again["job"] == job and again["outcomes"] == {"applied": len(targets)}  # the plan answers its job
    assert puts_by_number(rig) == Counter(dict.fromkeys(targets, 1))
