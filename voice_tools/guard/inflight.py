"""Work that must finish before the process exits: purchases and updates that were sent.

A graceful shutdown (SIGTERM) waits here, up to a bound, so that a request already sent to Zendesk is
settled and audited rather than cut off. One event per busy period (set when the count returns to
zero) wakes every waiter at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anyio


class InFlight:
    def __init__(self) -> None:
        self.count = 0
        self._idle: anyio.Event | None = None

    @contextmanager
    def track(self) -> Iterator[None]:
        if self.count == 0:
            self._idle = anyio.Event()
        self.count += 1
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0 and self._idle is not None:
                self._idle.set()

    async def wait_idle(self, seconds: float) -> bool:
        """Wait until nothing is in flight, at most ``seconds``; True when idle."""
        with anyio.move_on_after(seconds):
            while self.count and self._idle is not None:
                await self._idle.wait()
        return self.count == 0
