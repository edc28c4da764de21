"""What happened after a request left, kept on this replica's disk while the ledger cannot take it.

Once a create or delete request has left for Zendesk, its outcome is a fact, whatever state the ledger is in.
When the ledger cannot be written at that moment (Redis down or restarting, a full disk), the settlement and
its audit line go here instead: appended to ``spool.jsonl`` in the state directory and fsync'd, so a crash
or a restart keeps them. ``drain`` writes them into the ledger in order when it answers again, and the guard
drains before any new reservation, so the shared record is complete before anything new is counted against
it. Settling is idempotent in the ledger (an attempt already settled is left alone), so an entry written
twice (a crash between writing it and forgetting it here) counts once. One drain runs at a time (the periodic
catch-up, a reservation and a purchase's look all drain, and overlap when the ledger comes back under load):
two at once would forget each other's entries, one of them never written. A drain that waited for a ledger
that did not answer (a frozen Redis) is not tried again for a second: callers queued behind it are answered at
once with the same error, instead of each waiting out its own turn. A ledger that refuses at once (Redis down)
costs nothing to try, so then each caller tries, and the first after it is back writes.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import anyio

from .ledger import Ledger, LedgerUnavailable, Status

logger = logging.getLogger("voice_tools.guard")
REST_SECONDS = 1.0  # after a drain waited for a ledger that did not answer, how long drains fail at once
SLOW_SECONDS = 0.5  # a failed drain that took this long waited for the ledger (it did not refuse at once)


class Spool:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()  # the file (appends, the first line forgotten) and ``pending``
        self._draining = anyio.Lock()  # one drain at a time
        self._down: tuple[float, LedgerUnavailable] | None = None  # when a drain last waited on a silent ledger
        self._memory: list[dict[str, Any]] = []  # without a path (tests in memory): kept for the process only
        self._pending = bool(path and path.exists() and path.stat().st_size)

    @property
    def pending(self) -> bool:
        return self._pending

    def settle_later(self, attempt_id: str, status: Status, audit: dict[str, Any]) -> None:
        self._append({"op": "settle", "attempt": attempt_id, "status": status, "audit": audit})

    def record_later(self, audit: dict[str, Any]) -> None:
        self._append({"op": "record", "audit": audit})

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._entries()

    def _entries(self) -> list[dict[str, Any]]:
        if self.path is None:
            return list(self._memory)
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]

    def _first(self) -> dict[str, Any] | None:
        """The oldest entry; None when there is none, and then nothing is pending (checked and cleared under
        the lock an append takes, so an entry kept meanwhile is never left unmarked)."""
        with self._lock:
            entries = self._entries()
            if not entries:
                self._pending = False
                return None
            return entries[0]

    async def drain(self, ledger: Ledger) -> int:
        """Write every spooled entry into the ledger, oldest first, those kept meanwhile included; raises
        LedgerUnavailable (keeping the rest) when it still cannot. Returns how many were written."""
        if not self._pending:
            return 0
        written = 0
        async with self._draining:
            if self._down is not None and time.monotonic() - self._down[0] < REST_SECONDS:
                down = self._down[1]
                raise LedgerUnavailable(down.where, down.what, down.retry_after)
            started = time.monotonic()
            try:
                while (entry := self._first()) is not None:
                    if entry["op"] == "settle":
                        await ledger.settle(entry["attempt"], entry["status"], entry["audit"])
                    else:
                        await ledger.record(entry["audit"])
                    self._forget_first()
                    written += 1
            except LedgerUnavailable as down:
                if time.monotonic() - started >= SLOW_SECONDS:
                    self._down = (time.monotonic(), down)
                raise
            self._down = None
        if written:
            logger.warning("ledger: wrote %d outcome(s) kept on this replica while it was unavailable", written)
        return written

    def _append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":"), default=str, ensure_ascii=False) + "\n"
        with self._lock:
            self._pending = True
            if self.path is None:
                self._memory.append(entry)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        logger.warning("ledger unavailable: %s kept on this replica's disk until it answers", entry["op"])

    def _forget_first(self) -> None:
        with self._lock:
            if self.path is None:
                self._memory.pop(0)
                return
            lines = self.path.read_text().splitlines(keepends=True)[1:]
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text("".join(lines))
            with open(temporary, "rb+") as handle:
                os.fsync(handle.fileno())
            temporary.replace(self.path)


__all__ = ["LedgerUnavailable", "Spool"]
