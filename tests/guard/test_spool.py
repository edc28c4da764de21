"""The spool (outcomes a replica keeps on its disk while the ledger is down) drained by several callers at once:
a replica drains it from the periodic catch-up, before each reservation and before each purchase's look, so
drains overlap whenever the ledger comes back under load. Each entry must reach the ledger once, in order, none
lost, and the spool must end empty and know it (found by the fleet's ledger-outage test: an outcome was left on
disk, marked as written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from tests.redis_server import controlled_redis
from voice_tools.guard.ledger import LedgerUnavailable, SqliteLedger, open_ledger
from voice_tools.guard.ledger import redis as redis_ledger
from voice_tools.guard.spool import REST_SECONDS, Spool

pytestmark = pytest.mark.anyio
DAY = "2026-12-07"


def line(outcome: str, number: str) -> dict[str, Any]:
    return {"event": "purchase", "outcome": outcome, "number": number}


async def test_overlapping_drains_write_each_entry_once_in_order_and_leave_the_spool_empty(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "ledger.db", "spool-test")
    spool = Spool(tmp_path / "spool.jsonl")
    numbers = [f"+1510555{i:04d}" for i in range(8)]
    attempts = []
    for number in numbers:
        made = await ledger.reserve("purchase", number, None, DAY, None, {}, line("sending", number))
        assert made.attempt is not None
        attempts.append(made.attempt)
    for attempt in attempts[:6]:
        spool.settle_later(attempt.id, "purchased", line("purchased", attempt.subject))

    async def drain() -> None:
        await spool.drain(ledger)

    async def keep_more() -> None:  # a purchase settled while the drains run, as under load
        await anyio.lowlevel.checkpoint()
        for attempt in attempts[6:]:
            spool.settle_later(attempt.id, "purchased", line("purchased", attempt.subject))
            await anyio.lowlevel.checkpoint()

    async with anyio.create_task_group() as group:
        for _ in range(4):
            group.start_soon(drain)
        group.start_soon(keep_more)
    await spool.drain(ledger)  # whatever a drain found appended after it looked, the next writes

    purchased = [e["number"] for e in await ledger.audit_trail() if e.get("outcome") == "purchased"]
    assert purchased == numbers  # each once, in the order they were kept
    assert spool.entries() == [] and not spool.pending
    assert [a.status for a in await ledger.open_attempts("purchase")] == []
    await ledger.aclose()


class Counted:
    """The real ledger, counting the settlements a drain asks of it."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.settles = inner, 0

    async def settle(self, *args: Any, **kwargs: Any) -> Any:
        self.settles += 1
        return await self.inner.settle(*args, **kwargs)


async def test_callers_queued_behind_a_drain_that_found_the_ledger_down_are_answered_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frozen Redis: the first drain waits it out and fails; the callers queued behind it (a purchase's look,
    a reservation) fail with the same error without asking the ledger again, instead of each waiting out its
    own turn; after a second the next drain tries, and once Redis answers it writes the entry once."""
    monkeypatch.setattr(redis_ledger, "ANSWER_SECONDS", 1.0)
    with controlled_redis(appendonly=False) as redis:
        ledger = open_ledger(redis.url, "spool-rest")
        made = await ledger.reserve("purchase", "+15105550100", None, DAY, None, {}, line("sending", "+15105550100"))
        assert made.attempt is not None
        spool, counted = Spool(tmp_path / "spool.jsonl"), Counted(ledger)
        spool.settle_later(made.attempt.id, "purchased", line("purchased", "+15105550100"))
        failed: list[bool] = []

        async def drain() -> None:
            try:
                await spool.drain(counted)  # type: ignore[arg-type]
            except LedgerUnavailable:
                failed.append(True)

        redis.freeze()
        try:
            async with anyio.create_task_group() as group:
                for _ in range(3):
                    group.start_soon(drain)
        finally:
            redis.thaw()
        assert len(failed) == 3 and counted.settles == 1
        await anyio.sleep(REST_SECONDS)
        assert await spool.drain(counted) == 1 and not spool.pending  # type: ignore[arg-type]
        assert [e["outcome"] for e in await ledger.audit_trail()] == ["sending", "purchased"]
        await ledger.aclose()
