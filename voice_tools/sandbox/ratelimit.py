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
