"""Zendesk's per-account request budget: a fixed window, reported on every response."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    """``limit`` requests per ``window`` seconds; past that, 429 with the seconds until the window resets."""

    limit: int = 700
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _window_start: float = field(default=-math.inf, init=False)
    _used: int = field(default=0, init=False)

    def take(self) -> tuple[bool, int, int]:
        """Spend one request. Returns (allowed, remaining, retry_after_seconds)."""
        now = self.clock()
        if now - self._window_start >= self.window:
            self._window_start, self._used = now, 0
        self._used += 1
        remaining = max(self.limit - self._used, 0)
        if self._used > self.limit:
            retry_after = max(1, math.ceil(self._window_start + self.window - now))
            return False, 0, retry_after
        return True, remaining, 0

    def remaining(self) -> int:
        """What is left in the current window, without spending anything."""
        if self.clock() - self._window_start >= self.window:
            return self.limit
        return max(self.limit - self._used, 0)

    def reset(self) -> None:
        self._window_start, self._used = -math.inf, 0


@dataclass
class AccountLimits:
    """Both budgets a Talk request spends: the plan's (reported in X-Rate-Limit; Zendesk's rate-limits page)
    and Talk's own, 15,000 requests in 5 minutes (Zendesk's Talk API introduction). A request is refused when
    either is spent, with Retry-After until the later of the windows that refused it resets. Fixed windows
    and what counts are inferred (registry: rate-limit-counting)."""

    plan: RateLimiter
    talk: RateLimiter

    @property
    def limit(self) -> int:
        return self.plan.limit

    @property
    def clock(self) -> Callable[[], float]:
        return self.plan.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        """One clock for both windows (tests set it)."""
        self.plan.clock = self.talk.clock = clock

    def take(self) -> tuple[bool, int, int]:
        plan_ok, remaining, plan_wait = self.plan.take()
        talk_ok, _, talk_wait = self.talk.take()
        return plan_ok and talk_ok, remaining, max(plan_wait, talk_wait)

    def remaining(self) -> int:
        return self.plan.remaining()

    def reset(self) -> None:
        self.plan.reset()
        self.talk.reset()
