"""When to try a request again, and how long to wait first.

- Reads (GET) and PUTs (a partial update sent twice ends in the same state) are retried on 429, on
  5xx, on network failures and on unreadable 2xx bodies.
- POST (a purchase) is retried only when Zendesk certainly did nothing: a 429 (refused before it was
  processed) or a connection that never opened. Anything else after the request may have left is
  ``OutcomeUnknownError``, never resent; the purchase guard resolves it by looking the number up.
- A 429 waits exactly ``Retry-After``. When that is longer than ``max_retry_after`` the error is
  raised instead, so a caller (or a model) can decide what to do with the time.
- Everything else backs off exponentially with "equal jitter": half the step fixed, half random.
  The randomness comes from an injectable ``jitter`` function so that tests can pin it, and the
  waiting from an injectable ``sleep``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tenacity import RetryCallState

from .errors import APIConnectionError, RateLimitError, ZendeskError

DEFAULT_MAX_RETRIES = 3
DEFAULT_INITIAL_BACKOFF = 0.5
DEFAULT_MAX_BACKOFF = 8.0
DEFAULT_MAX_RETRY_AFTER = 30.0
# HTTP makes PUT idempotent; that Zendesk's PUT is (absolute values, sent again) is assumed (registry: put-resend)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = DEFAULT_MAX_RETRIES
    initial_backoff: float = DEFAULT_INITIAL_BACKOFF
    max_backoff: float = DEFAULT_MAX_BACKOFF
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER


def is_retryable(error: BaseException, method: str, policy: RetryPolicy) -> bool:
    """Whether this failure of this method may be retried under the policy."""
    if not isinstance(error, ZendeskError) or not error.retryable:
        return False
    if isinstance(error, RateLimitError):
        return error.retry_after is None or error.retry_after <= policy.max_retry_after
    if method in IDEMPOTENT_METHODS:
        return True
    # a POST: only when the connection never opened, so Zendesk never saw it
    return isinstance(error, APIConnectionError) and error.never_sent


def backoff(attempt: int, policy: RetryPolicy, jitter: Callable[[], float]) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based): equal-jitter exponential backoff."""
    step = min(policy.max_backoff, policy.initial_backoff * 2.0 ** (attempt - 1))
    return step / 2 + jitter() * step / 2


def make_wait(policy: RetryPolicy, jitter: Callable[[], float]) -> Callable[[RetryCallState], float]:
    """A tenacity wait strategy: Zendesk's Retry-After when it gave one, else backoff with jitter."""

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            return float(error.retry_after)
        return backoff(state.attempt_number, policy, jitter)

    return wait
