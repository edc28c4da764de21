"""Pacing: long work spends the account's request budget without meeting a 429.

A Zendesk account has one request budget, whoever spends it (700 requests a minute by default; every answer
says the limit and what is left, ``X-Rate-Limit`` and ``X-Rate-Limit-Remaining``), and Talk a second one
that no header reports (15,000 requests in 5 minutes). A single request (a tool call's read or write) just
goes. Bulk work (the pages of a listing after the first, a filter's settings reads, a bulk job's changes)
calls ``await client.pace()`` before each request, which waits as the budget requires:

- while more than half the budget is left: no wait;
- below that, what is left less a reserve kept for single requests (5%, at least 10) is spread over the time
  until the window is expected to reset (a whole window when no reset has been seen): the wait grows as the
  budget shrinks, so the account never runs dry however many replicas pace at once. The figure is the whole
  account's (every replica's and integration's spend is in it): that is how replicas share the pacing;
- at the reserve: wait for the window to reset, then one request finds out whether it did;
- Talk's budget is counted here, from this client's own requests of the last 5 minutes.

When an answer leaves nothing at all and a reset has been seen (so the next one is known), the client
pauses the account on the ledger's board until then (``pauses.py``): every replica waits instead of each
meeting a 429.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import anyio

from .errors import BudgetSpentError

WINDOW_SECONDS = 60.0  # "requests per minute": Zendesk's plans
TALK_LIMIT, TALK_WINDOW_SECONDS = 15_000, 300.0  # Talk's own budget, documented, never reported
FREE_SHARE = 0.5  # above this share of the budget left, bulk requests go at once
RESERVE_SHARE, MIN_RESERVE = 0.05, 10  # kept for single requests: bulk work never spends it
TALK_RESERVE = 100
LOOK_SECONDS = 1.0  # a paced caller waiting longer looks at the budget again this often


@dataclass
class RateBudget:
    """What Zendesk last said of the account's budget, and when its window is expected to reset: a window
    starts when a first answer shows nearly the whole budget left, or the budget left jumps up (a reset seen
    between two answers); ``reset_at`` is then a window later (None: not known)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    reset_seen: bool = False  # reset_at comes from a reset seen (a jump), not from a first answer alone

    def observe(self, headers: Mapping[str, str], now: float | None = None) -> None:
        now = time.time() if now is None else now
        values = {}
        for name in ("x-rate-limit", "x-rate-limit-remaining"):
            value = headers.get(name)
            if value is not None and value.isdigit():
                values[name] = int(value)
        self.limit = values.get("x-rate-limit", self.limit)
        remaining = values.get("x-rate-limit-remaining")
        if remaining is None:
            return
        if self.limit:
            before = self.remaining
            jump = max(MIN_RESERVE, self.limit // 10)  # more than answers arriving out of order explain
            if before is not None and remaining > before + jump:
                self.reset_at, self.reset_seen = now + WINDOW_SECONDS, True
            elif before is None and remaining >= self.limit - 1:
                self.reset_at, self.reset_seen = now + WINDOW_SECONDS, False
        if self.reset_at is not None and now >= self.reset_at:
            self.reset_at, self.reset_seen = None, False  # the expected reset passed unseen: no longer known
        self.remaining = remaining

    def seen_reset_in(self, now: float) -> float | None:
        """Seconds to a reset inferred from one seen (what a pause for every replica may rest on)."""
        return self.seconds_to_reset(now) if self.reset_seen else None

    def seconds_to_reset(self, now: float) -> float | None:
        """Seconds until the window is expected to reset (0: due now); None when not known."""
        return None if self.reset_at is None else max(self.reset_at - now, 0.0)


def reserve(limit: int) -> int:
    """Requests of the window bulk work leaves to single requests: 5%, at least 10 (a quarter of a tiny budget)."""
    return max(1, min(MIN_RESERVE, limit // 4), int(limit * RESERVE_SHARE))


@dataclass
class Pacer:
    """Spaces one client's bulk requests under the account's budget (the module's rules)."""

    budget: RateBudget
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    talk_limit: int = TALK_LIMIT
    _sent: deque[float] = field(default_factory=deque)  # this client's requests in Talk's window
    _last: float = float("-inf")  # when the latest paced request was let go
    _lock: anyio.Lock = field(default_factory=anyio.Lock)

    def sent(self) -> None:
        """Count a request (any: single requests spend Talk's budget too)."""
        self._sent.append(self.clock())

    async def pace(self, max_wait: float | None = None) -> float:
        """Wait until one more bulk request fits the budget; the seconds waited. Callers are let go one at a
        time, each after the spacing the budget asks for; a long wait looks again every LOOK_SECONDS, since
        an answer to a request already sent may have changed the budget. A wait longer than ``max_wait`` (a
        read inside a tool call cannot wait an hour for a window) raises RateLimitError at once instead."""
        waited = 0.0
        async with self._lock:
            while (wait := self.wait_seconds()) > 0:
                if max_wait is not None and waited + wait > max_wait:
                    raise self.spent(wait)
                step = min(wait, LOOK_SECONDS)
                await self.sleep(step)
                waited += step
            self._last = self.clock()
        return waited

    def spent(self, wait: float) -> BudgetSpentError:
        return BudgetSpentError(
            f"the account's request budget is nearly spent ({self.budget.remaining} of {self.budget.limit} left "
            f"in Zendesk's window); what is left would wait {wait:.0f} s, so it was not sent",
            method="GET",
            path="(paced)",
            status_code=429,
            retry_after=wait,
        )

    def estimate(self, requests: int) -> float:
        """At least how long ``requests`` more bulk requests must wait in all: a window's reset when they are
        more than the budget can spend before it, else nothing (the spacing between them excepted)."""
        limit, left = self.budget.limit, self.budget.remaining
        if not limit or left is None or requests <= left - reserve(limit):
            return 0.0
        reset = self.budget.seconds_to_reset(self.clock())
        return reset if reset is not None else WINDOW_SECONDS

    def wait_seconds(self) -> float:
        """How long the next bulk request should wait now (0: it may go)."""
        now = self.clock()
        return max(self._plan_wait(now), self._talk_wait(now))

    def _plan_wait(self, now: float) -> float:
        limit, left = self.budget.limit, self.budget.remaining
        if not limit or left is None or left > limit * FREE_SHARE:
            return 0.0
        reset = self.budget.seconds_to_reset(now)
        spendable = left - reserve(limit)
        if spendable <= 0:
            # at the reserve: wait for the reset (unknown: a window after the last bulk request), then one
            # request goes and its answer shows whether the window reset
            return reset if reset is not None else max(0.0, self._last + WINDOW_SECONDS - now)
        return max(0.0, self._last + (reset or WINDOW_SECONDS) / spendable - now)

    def _talk_wait(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - TALK_WINDOW_SECONDS:
            self._sent.popleft()
        if len(self._sent) < self.talk_limit - TALK_RESERVE:
            return 0.0
        return self._sent[0] + TALK_WINDOW_SECONDS - now
