"""reserve_batch on both backends: a batch is reserved whole or not at all, in one atomic step, also
when several batches race for the last places under the cap."""

from __future__ import annotations

import anyio
import pytest

from voice_tools.guard.ledger import BatchItem, BatchReservation, Ledger, open_ledger

pytestmark = pytest.mark.anyio
DAY = "2026-11-28"


def items(*subjects: str, quote: bool = True) -> list[BatchItem]:
    return [
        BatchItem(s, f"q-{s}" if quote else None, {"n": s}, {"event": "purchase", "outcome": "sending"})
        for s in subjects
    ]


async def ledger_for(url: str) -> Ledger:
    return open_ledger(url, "batch-test")


async def test_a_batch_is_reserved_whole_or_not_at_all(ledger_url: str) -> None:
    ledger = await ledger_for(ledger_url)
    first = await ledger.reserve_batch("purchase", items("a", "b", "c"), DAY, 4)
    assert len(first.attempts) == 3 and first.refusal is None and first.active_today == 3
    over = await ledger.reserve_batch("purchase", items("d", "e"), DAY, 4)
    assert over.attempts == [] and over.refusal == "cap_reached" and over.active_today == 3
    reused = await ledger.reserve_batch("purchase", items("x", "a"), DAY, None)  # quote q-a is used
    assert reused.refusal == "quote_used" and reused.refused_subject == "a"
    twice = await ledger.reserve_batch("purchase", items("y", "y", quote=False), DAY, None)
    assert twice.refusal == "subject_pending"
    assert await ledger.active_on("purchase", DAY) == 3  # nothing of the refused batches was written
    trail = [e for e in await ledger.audit_trail() if e.get("attempt")]
    assert len(trail) == 3 and {a.id for a in first.attempts} == {e["attempt"] for e in trail}
    await ledger.aclose()


async def test_racing_batches_never_pass_the_cap_and_none_is_cut_in_half(ledger_url: str) -> None:
    ledger = await ledger_for(ledger_url)
    results: list[BatchReservation] = []

    async def one(i: int) -> None:
        results.append(await ledger.reserve_batch("purchase", items(f"{i}a", f"{i}b"), DAY, 5))

    async with anyio.create_task_group() as group:
        for i in range(6):
            group.start_soon(one, i)
    reserved = [r for r in results if r.attempts]
    assert len(reserved) == 2 and all(len(r.attempts) == 2 for r in reserved)
    assert all(r.refusal == "cap_reached" for r in results if not r.attempts)
    assert await ledger.active_on("purchase", DAY) == 4
    await ledger.aclose()
