"""Fault injection: the ways a real Zendesk misbehaves, on demand and deterministic under a seed.

Tests and benchmarks set faults per sandbox instance. Two kinds of plan can be combined:

- scripted faults, ``inject("server_error", count=3, method="GET")``: the next matching requests fail,
  in order, exactly as scripted;
- rates, ``rates["server_error"] = 0.1``: a share of requests fails, drawn from a generator seeded
  with the sandbox seed, so that a run can be replayed.

Plus ``latency`` (seconds added to every request) and ``outage`` (every request answers 503).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal, get_args

FaultKind = Literal[
    "server_error",  # a 5xx before anything is done
    "rate_limited",  # a 429 with Retry-After, before anything is done
    "timeout",  # the request hangs before anything is done
    "drop_connection",  # the connection drops before anything is done
    "malformed_json",  # the request is done; the body is cut-off JSON
    "text_plain",  # the request is done; the body is a text/plain error page
    "commit_then_drop",  # the request is done, then the connection drops (the client hears nothing)
    "commit_then_timeout",  # the request is done, then the answer never comes
    "commit_late",  # the answer never comes; the request takes effect late_commit_seconds later
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
# Faults that act after the handler ran (the request took effect).
AFTER_COMMIT: frozenset[str] = frozenset({"malformed_json", "text_plain", "commit_then_drop", "commit_then_timeout"})


class ConnectionDropped(Exception):
    """Raised out of the ASGI app to drop the connection; the sandbox transport maps it to a network error."""


@dataclass
class ScriptedFault:
    kind: FaultKind
    remaining: int
    method: str | None = None
    path_contains: str | None = None
    status: int = 503

    def applies(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_contains is None or self.path_contains in path
        )


@dataclass
class FaultInjector:
    seed: int = 0
    latency: float = 0.0
    outage: bool = False
    retry_after: int = 1
    hang_seconds: float = 30.0
    late_commit_seconds: float = 1.0
    server_error_status: int = 503
    rates: dict[str, float] = field(default_factory=dict)
    scripted: list[ScriptedFault] = field(default_factory=list)
    injected: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"faults:{self.seed}")

    def inject(
        self,
        kind: FaultKind,
        count: int = 1,
        *,
        method: str | None = None,
        path_contains: str | None = None,
        status: int = 503,
    ) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; choose from {', '.join(FAULT_KINDS)}")
        self.scripted.append(ScriptedFault(kind, count, method and method.upper(), path_contains, status))

    def clear(self) -> None:
        self.latency, self.outage = 0.0, False
        self.rates.clear()
        self.scripted.clear()
        self._rng = random.Random(f"faults:{self.seed}")

    def draw(self, method: str, path: str) -> ScriptedFault | None:
        """The fault this request meets, if any (scripted first, then the seeded rates)."""
        if self.outage:
            return ScriptedFault("server_error", 1, status=self.server_error_status)
        for fault in self.scripted:
            if fault.remaining > 0 and fault.applies(method, path):
                fault.remaining -= 1
                self.injected += 1
                return fault
        self.scripted = [f for f in self.scripted if f.remaining > 0]
        for kind in FAULT_KINDS:
            rate = self.rates.get(kind, 0.0)
            if rate and self._rng.random() < rate:
                self.injected += 1
                return ScriptedFault(kind, 1, status=self.server_error_status)  # type: ignore[arg-type]
        return None
