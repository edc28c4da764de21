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
TURN_SECONDS = 0.05  # how often a caller waiting for the first request after a pause looks again
FIRST_REQUEST_SECONDS = 30.0  # a first request unanswered this long (it hung, or failed) no longer holds the rest


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
        self._length = 1.0  # the latest pause's length: how long "no budget left" waits
        self._after_pause = False  # a pause has been in force, and no request has gone through since
        self._first_out: float | None = None  # when the first request after a pause was sent

    async def wait_seconds(self) -> float:
        """Seconds until this caller may send a request to the account (0 when it may now). After a pause,
        only the first caller gets 0; the others get a short turn to wait, and ask again."""
        now = self._clock()
        if now - self._looked_at >= LOOK_EVERY_SECONDS:
            seen, self._looked_at = await self.board.paused_until(), now
            if seen is not None and seen > max(self._known or 0.0, now):
                self._length = max(seen - now, 1.0)  # another server's pause: this one waits it out too
                self._after_pause = True
            self._known = max(self._known or 0.0, seen or 0.0)
        wait = max((self._known or 0.0) - now, 0.0)
        if wait:
            self._after_pause = True
            return wait
        return self._turn(now)

    def _turn(self, now: float) -> float:
        if not self._after_pause:
            return 0.0
        if self._first_out is None or now - self._first_out >= FIRST_REQUEST_SECONDS:
            self._first_out = now  # this caller's request goes first; the others wait for its answer
            return 0.0
        return TURN_SECONDS

    async def told_to_wait(self, seconds: float) -> None:
        now = self._clock()
        until = now + seconds
        self._known = max(self._known or 0.0, until)
        self._length = max(seconds, 1.0)
        self._after_pause, self._first_out = True, None
        await self.board.pause_until(until)

    async def answered(self, remaining: int | None, reset_in: float | None = None) -> None:
        """A request was answered (not 429), leaving ``remaining`` requests of budget if Zendesk said. One
        that leaves nothing, with the window's reset ``reset_in`` seconds away (when known), pauses every
        client of the account until then: the next request anywhere would be a 429."""
        if remaining == 0 and reset_in and not self._after_pause:
            await self.told_to_wait(reset_in)
            return
        if not self._after_pause:
            return
        self._first_out = None
        if remaining == 0:  # it went through, but the next would not: wait as long again, one at a time
            await self.told_to_wait(self._length)
        else:
            self._after_pause = False
