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

from voice_tools.guard.ledger import SqliteLedger
from voice_tools.guard.spool import Spool

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
