"""Prometheus metrics for operators: what the server did, never whom it did it for.

Labels are tool names, outcomes, HTTP methods and status codes: no phone number, account text, quote or
credential is ever a label. Each server has its own registry (several servers in one process, as in the
tests, do not collide); ``GET /metrics`` serves it in Prometheus' text format. The registry is made on first
use: a start (over stdio, a chat client starts one per session) does not import prometheus_client.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voice_tools.guard import Ledger, LedgerUnavailable

if TYPE_CHECKING:
    from prometheus_client import Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    @cached_property
    def made(self) -> _Made:
        return _Made()

    def __getattr__(self, name: str) -> Any:  # registry, tool_calls, ...: made on first use
        if name.startswith("_") or name == "made":
            raise AttributeError(name)
        return getattr(self.made, name)

    @contextmanager
    def tool_call(self, tool: str) -> Iterator[dict[str, str]]:
        """Time a call; the caller sets ``outcome`` in the yielded dict (ok unless told otherwise)."""
        started, result = time.perf_counter(), {"outcome": "ok"}
        try:
            yield result
        finally:
            self.tool_seconds.labels(tool).observe(time.perf_counter() - started)
            self.tool_calls.labels(tool, result["outcome"]).inc()

    def zendesk(self, method: str, status: int, seconds: float, remaining: int | None) -> None:
        self.zendesk_responses.labels(method, str(status)).inc()
        self.zendesk_seconds.labels(method).observe(seconds)
        if remaining is not None:
            self.rate_limit_remaining.set(remaining)

    def audited(self, entry: dict[str, Any]) -> None:
        self.audit_events.labels(str(entry.get("event", "")), str(entry.get("outcome", ""))).inc()

    def timed(self, ledger: Ledger) -> Ledger:
        """The ledger, every operation's latency observed: the cost of the guard's memory, per backend."""
        return cast(Ledger, _TimedLedger(ledger, self))

    def route(self) -> Route:
        async def metrics(request: Request) -> Response:
            from prometheus_client import generate_latest
            from prometheus_client.exposition import CONTENT_TYPE_LATEST

            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

        return Route("/metrics", metrics, methods=["GET"])


class _TimedLedger:
    """A ledger whose coroutine methods are timed; everything else passes through unchanged."""

    def __init__(self, inner: Ledger, metrics: Metrics) -> None:
        self._inner, self._metrics = inner, metrics

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute
        metrics = self._metrics

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                answer = await attribute(*args, **kwargs)
            except LedgerUnavailable:
                metrics.ledger_up.set(0)
                raise
            finally:
                metrics.ledger_seconds.labels(name).observe(time.perf_counter() - started)
            metrics.ledger_up.set(1)
            return answer

        return timed


class _Made:
    """The registry and its metrics."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.tool_calls = Counter(
            "voice_tools_tool_calls", "Tool calls by tool and outcome (ok, error, crash)",
            ["tool", "outcome"], registry=self.registry,
        )  # fmt: skip
        self.tool_seconds = Histogram(
            "voice_tools_tool_seconds", "Tool call latency", ["tool"], buckets=LATENCY_BUCKETS, registry=self.registry
        )
        self.audit_events = Counter(
            "voice_tools_audit_events", "Audited steps by event (purchase, release, update) and outcome",
            ["event", "outcome"], registry=self.registry,
        )  # fmt: skip
        self.zendesk_responses = Counter(
            "voice_tools_zendesk_responses", "Zendesk answers by method and status (0: no answer)",
            ["method", "status"], registry=self.registry,
        )  # fmt: skip
        self.zendesk_seconds = Histogram(
            "voice_tools_zendesk_seconds", "Zendesk request latency", ["method"], buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )  # fmt: skip
        self.ledger_seconds: Histogram = Histogram(
            "voice_tools_ledger_seconds", "Ledger operation latency (SQLite or Redis)", ["operation"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0), registry=self.registry,
        )  # fmt: skip
        self.ledger_up: Gauge = Gauge(
            "voice_tools_ledger_up",
            "1 while the ledger answered its last operation, 0 while it is unavailable",
            registry=self.registry,
        )
        self.ledger_up.set(1)
        self.rate_limit_remaining = Gauge(
            "voice_tools_zendesk_rate_limit_remaining", "Requests left in the account's window, as Zendesk said",
            registry=self.registry,
        )  # fmt: skip
