"""The ledger's list reads while others settle, on both backends: ``open_attempts`` returns only attempts that
are open and ``unresolved_attempts`` only unresolved ones, however the reads and the settlements interleave.

Their readers act on the status they are given: the reconciler walks the whole account to look up each open
attempt it is handed and counts it as an answer that had been lost, so one already settled by its own caller
(read half-way through a settlement, as a list read of several round trips once could on Redis) cost an account
walk and a false "answer had been lost" warning.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import anyio.lowlevel
import pytest

from voice_tools.guard.ledger import Attempt, Ledger, open_ledger
from voice_tools.guard.ledger.base import OPEN

pytestmark = pytest.mark.anyio
DAY = "2026-12-07"
ATTEMPTS = 40


async def reserved(ledger: Ledger, count: int) -> list[Attempt]:
    made = []
    for i in range(count):
        audit = {"event": "purchase", "outcome": "sending"}
        reservation = await ledger.reserve("purchase", f"+1512555{i:04d}", f"q{i}", DAY, None, {}, audit)
        assert reservation.attempt is not None
        made.append(reservation.attempt)
    return made


Read = Callable[[], Awaitable[list[Attempt]]]


async def read_while(read: Read, write: Callable[[], Awaitable[None]]) -> list[Attempt]:
    """Everything ``read`` returned, run again and again while ``write`` runs (yielding after each step)."""
    seen: list[Attempt] = []
    writing = True

    async def reads() -> None:
        while writing:
            seen.extend(await read())

    async def writes() -> None:
        nonlocal writing
        await write()
        writing = False

    async with anyio.create_task_group() as group:
        group.start_soon(reads)
        group.start_soon(writes)
    return seen


async def test_open_attempts_never_returns_one_settled_while_it_was_read(ledger_url: str) -> None:
    """Callers settle their purchases (one ``unknown``, the next two ``purchased``, ...) while the reconciler's
    list read runs again and again: every attempt it is handed is still open, or was when it was read."""
    ledger = open_ledger(ledger_url, "reads-test")
    attempts = await reserved(ledger, ATTEMPTS)

    async def settle_all() -> None:
        for i, attempt in enumerate(attempts):
            status = "unknown" if i % 3 == 0 else "purchased"
            assert await ledger.settle(attempt.id, status, {"event": "purchase", "outcome": status}) is not None
            await anyio.lowlevel.checkpoint()

    seen = await read_while(lambda: ledger.open_attempts("purchase"), settle_all)
    wrong = sorted({(a.id, a.status) for a in seen if a.status not in OPEN})
    assert not wrong, f"open_attempts returned settled attempts: {wrong}"
    left = await ledger.open_attempts("purchase")
    assert {a.id for a in left} == {a.id for i, a in enumerate(attempts) if i % 3 == 0}
    assert all(a.status == "unknown" for a in left)
    await ledger.aclose()


async def test_unresolved_attempts_never_returns_one_proven_while_it_was_read(ledger_url: str) -> None:
    """Unresolved attempts proven ``purchased`` (a later look found the number) while they are listed."""
    ledger = open_ledger(ledger_url, "reads-test")
    attempts = await reserved(ledger, ATTEMPTS)
    for attempt in attempts:
        assert await ledger.settle(attempt.id, "unresolved", {"event": "purchase", "outcome": "unresolved"})

    async def prove_half() -> None:
        for attempt in attempts[::2]:
            assert await ledger.settle(attempt.id, "purchased", {"event": "purchase", "outcome": "purchased"})
            await anyio.lowlevel.checkpoint()

    seen = await read_while(lambda: ledger.unresolved_attempts("purchase"), prove_half)
    wrong = sorted({(a.id, a.status) for a in seen if a.status != "unresolved"})
    assert not wrong, f"unresolved_attempts returned proven attempts: {wrong}"
    assert {a.id for a in await ledger.unresolved_attempts("purchase")} == {a.id for a in attempts[1::2]}
    await ledger.aclose()
