"""The simulated Zendesk Talk account: its state and the rules the API applies (the moto-style backend).

It knows nothing of HTTP. It is written from Zendesk's documents (shared reference), public captures and
its help centre, never from the client's code, so a mistake in one cannot hide its twin in the other;
what none of those states is in the registry (``..inferred``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..config import SandboxConfig
from .numbers import INCLUDES, MAX_PER_PAGE, SEARCH_PAGE
from .purchases import Purchases
from .records import Records
from .updates import Updates


@dataclass
class TalkBackend(Purchases, Updates, Records):
    """One simulated Talk account. ``reset()`` returns it to its seeded state."""

    config: SandboxConfig = field(default_factory=SandboxConfig)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.reset()


__all__ = ["INCLUDES", "MAX_PER_PAGE", "SEARCH_PAGE", "TalkBackend"]
