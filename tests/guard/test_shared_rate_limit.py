"""One account, one request budget: a 429 seen by one server pauses every server sharing the ledger,
so a 429 storm costs one request instead of one per caller and retry (SQLite file and real Redis)."""

from __future__ import annotations

import time

import pytest

from tests.harness import connect, make_rig, text_of
from voice_tools.guard.ledger import open_ledger
from voice_tools.sandbox import TalkSandbox

pytestmark = pytest.mark.anyio


async def test_a_429_on_one_replica_stops_the_others_sending(ledger_url: str) -> None:
    sandbox = TalkSandbox()  # one account behind both replicas
    env = {"VOICE_TOOLS_LEDGER": ledger_url}
    first, second = make_rig(sandbox, env=env), make_rig(sandbox, env=env)
    sandbox.faults.retry_after = 90  # longer than a client waits for a 429: the error goes to the model
    sandbox.faults.inject("rate_limited")
    async with connect(first, "auto") as client:
        limited = await client.call_tool("list_numbers", {})
    async with connect(second, "auto") as client:
        paused = await client.call_tool("list_numbers", {})
    assert limited.is_error and "Retry: yes, after 90 s" in text_of(limited)
    assert paused.is_error and "rate limit" in text_of(paused) and "Retry: yes, after" in text_of(paused)
    assert first.transport.count("GET") == 1 and second.transport.count("GET") == 0  # the second sent nothing


async def test_a_short_pause_is_waited_out_then_the_call_goes_through(ledger_url: str) -> None:
    sandbox = TalkSandbox()
    env = {"VOICE_TOOLS_LEDGER": ledger_url}
    first, second = make_rig(sandbox, env=env), make_rig(sandbox, env=env)
    sandbox.faults.retry_after = 1
    sandbox.faults.inject("rate_limited")
    async with connect(first, "auto") as client:
        done = await client.call_tool("list_numbers", {})  # waits 1 s, retries, succeeds
    async with connect(second, "auto") as client:  # a read of its own (a listing would be the shared snapshot)
        also = await client.call_tool("get_number", {"phone_number_id": 900000120986})
    assert not done.is_error and not also.is_error
    assert sandbox.limiter is not None and second.transport.count("GET") == 1


async def test_the_ledger_keeps_the_latest_pause_and_forgets_it_when_it_ends(ledger_url: str) -> None:
    ledger = open_ledger(ledger_url, "pause-test")
    now = time.time()
    assert await ledger.paused_until() is None
    await ledger.pause_until(now + 60)
    await ledger.pause_until(now + 5)  # an earlier end never shortens the pause
    assert await ledger.paused_until() == pytest.approx(now + 60)
    await ledger.pause_until(now - 1)
    assert await ledger.paused_until() == pytest.approx(now + 60)
    other = open_ledger(ledger_url, "another-account")  # one account's pause is not another's
    assert await other.paused_until() is None
    await ledger.aclose()
    await other.aclose()
