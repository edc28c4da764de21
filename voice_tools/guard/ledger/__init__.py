"""The ledger: the one owner of the guard's memory, with atomic operations (see ``base``).

``open_ledger`` picks the backend from a URL (``VOICE_TOOLS_LEDGER``):

| URL | backend |
|---|---|
| ``sqlite:///rel/ledger.db``, ``sqlite:////abs/ledger.db`` | SQLite file (the default): any processes on one host |
| ``memory:`` | SQLite in memory: one process, gone at exit (the built-in sandbox's throwaway account) |
| ``redis://host:6379/0``, ``rediss://…``, ``unix://…`` | Redis: replicas on several hosts |
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from .base import (
    ACTIVE,
    DONE,
    JOB_KEEP_SECONDS,
    MAX_WRONG_CODES,
    OPEN,
    READ_WAIT_SECONDS,
    SETTLEABLE,
    UNDONE,
    UNRESOLVED,
    Attempt,
    BatchItem,
    BatchReservation,
    CodeCheck,
    JobState,
    Kind,
    Ledger,
    LedgerUnavailable,
    QuoteLook,
    Reservation,
    Status,
    answered_within,
    new_id,
)
from .sqlite import SqliteLedger

MEMORY = "memory:"
SCHEMES = ("sqlite:///", "memory:", "redis://", "rediss://", "unix://")


class LedgerURLError(ValueError):
    """The URL names no backend this server has."""


def open_ledger(url: str, account: str, *, clock: Callable[[], float] = time.time) -> Ledger:
    if url == MEMORY:
        return SqliteLedger(":memory:", account, clock=clock)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path:
            raise LedgerURLError("a sqlite ledger URL needs a path: sqlite:///var/lib/voice-tools/ledger.db")
        return SqliteLedger(Path(path).expanduser(), account, clock=clock)  # as SQLAlchemy: //// is absolute
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisLedger

        return RedisLedger(url, account, clock=clock)
    raise LedgerURLError(
        "the ledger URL must start with sqlite:/// (a file), redis:// or rediss:// (a Redis server), or be memory:"
    )


__all__ = [
    "ACTIVE",
    "DONE",
    "JOB_KEEP_SECONDS",
    "MAX_WRONG_CODES",
    "MEMORY",
    "OPEN",
    "READ_WAIT_SECONDS",
    "SETTLEABLE",
    "UNDONE",
    "UNRESOLVED",
    "Attempt",
    "BatchItem",
    "BatchReservation",
    "CodeCheck",
    "JobState",
    "Kind",
    "Ledger",
    "LedgerURLError",
    "LedgerUnavailable",
    "QuoteLook",
    "Reservation",
    "SqliteLedger",
    "Status",
    "answered_within",
    "new_id",
    "open_ledger",
]
