"""A bulk job's record in the ledger, on SQLite and on a real Redis: one owner at a time holds its lease, and
only the holder writes; a lease that expires or is released lets another replica claim the job; the counts by
state follow every item written; a done job is claimed by nobody."""

from __future__ import annotations

import pytest

from voice_tools.guard.ledger import open_ledger

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_only_the_lease_holder_writes_and_an_expired_or_released_lease_is_claimed(ledger_url: str) -> None:
    clock = Clock()
    ledger = open_ledger(ledger_url, "jobs", clock=clock)
    items = {i: {"state": "pending", "number": f"+1555000{i}"} for i in range(1, 6)}
    made = await ledger.create_job("jabc", {"plan": "pxyz"}, items, "replica-a", 30)
    assert (made.status, made.owner, made.counts) == ("running", "replica-a", {"pending": 5})
    assert await ledger.claim_job("jabc", "replica-b", 30) is None  # a-'s lease still runs
    assert await ledger.claimable_jobs() == []
    assert await ledger.job_step("jabc", "replica-a", 30, {1: {"state": "sending", "number": "+15550001"}})
    assert not await ledger.job_step("jabc", "replica-b", 30, {2: {"state": "applied"}})  # not b's: nothing written
    clock.now += 31  # replica-a died: its lease ran out
    assert await ledger.claimable_jobs() == ["jabc"]
    claimed = await ledger.claim_job("jabc", "replica-b", 30)
    assert claimed is not None and claimed.owner == "replica-b" and claimed.counts == {"pending": 4, "sending": 1}
    assert not await ledger.job_step("jabc", "replica-a", 30, {1: {"state": "applied"}})  # a woke up: too late
    assert await ledger.job_items("jabc", {"sending"}) == {1: {"state": "sending", "number": "+15550001"}}
    assert await ledger.job_step("jabc", "replica-b", 30, {1: {"state": "applied"}, 2: {"state": "unchanged"}})
    assert await ledger.job_step("jabc", "replica-b", 30, {}, release=True)  # b stops (SIGTERM): claimable at once
    assert await ledger.claimable_jobs() == ["jabc"]
    again = await ledger.claim_job("jabc", "replica-c", 30)
    assert again is not None and again.counts == {"pending": 3, "applied": 1, "unchanged": 1}
    rest = {i: {"state": "applied"} for i in (3, 4, 5)}
    assert await ledger.job_step("jabc", "replica-c", 30, rest, result={"applied": 4, "unchanged": 1})
    done = await ledger.job("jabc")
    assert done is not None and (done.status, done.owner, done.result) == ("done", None, {"applied": 4, "unchanged": 1})
    assert done.counts == {"applied": 4, "unchanged": 1}
    clock.now += 3600
    assert await ledger.claim_job("jabc", "replica-d", 30) is None and await ledger.claimable_jobs() == []
    assert not await ledger.job_step("jabc", "replica-c", 30, {1: {"state": "pending"}})  # done: nothing written
    assert await ledger.job("jnone") is None and await ledger.claim_job("jnone", "replica-a", 30) is None
    await ledger.aclose()
