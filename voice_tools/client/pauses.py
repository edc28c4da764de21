"""The account's rate limit, shared: when Zendesk says "wait", every client of the account waits.

One Zendesk account has one request budget (700 a minute on most plans) whoever spends it. A replica that
meets a 429 records Zendesk's ``Retry-After`` on a ``PauseBoard``; before every request each client
looks at the board, and waits out a short pause, or fails at once, sending nothing, when the pause is
longer than it would wait for a 429 itself. So a 429 storm costs one request, not one per caller and
retry. The server gives the ledger as the board (shared by replicas through Redis or a SQLite file);
without one, each client keeps its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

LOOK_EVERY_SECONDS = 1.0  # how stale a client's view of another replica's pause may be


class PauseBoard(Protocol):
    async def pause_until(self, until: float) -> None: ...

    async def paused_until(self) -> float | None: ...


class LocalBoard:
    """A board for one process (no ledger)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._until: float | None = None
        self._clock = clock

    async def pause_until(self, until: float) -> None:
        self._until = max(self._until or 0.0, until)

    async def paused_until(self) -> float | None:
        return self._until if self._until is not None and self._until > self._clock() else None


class Pauses:
    """A client's view of the board, read at most every LOOK_EVERY_SECONDS (a board read per request
    would add the ledger's latency to every Zendesk call); its own 429s are seen at once."""

    def __init__(self, board: PauseBoard, clock: Callable[[], float] = time.time) -> None:
        self.board, self._clock = board, clock
        self._known: float | None = None
        self._looked_at = float("-inf")

    async def wait_seconds(self) -> float:
        """Seconds until the account may be sent a request (0 when it may now)."""
        now = self._clock()
        if now - self._looked_at >= LOOK_EVERY_SECONDS:
            self._known, self._looked_at = await self.board.paused_until(), now
        return max((self._known or 0.0) - now, 0.0)

    async def told_to_wait(self, seconds: float) -> None:
        until = self._clock() + seconds
        self._known = max(self._known or 0.0, until)
        await self.board.pause_until(until)
