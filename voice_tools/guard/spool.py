"""What happened after a request left, kept on this replica's disk while the ledger cannot take it.

Once a create or delete request has left for Zendesk, its outcome is a fact, whatever state the ledger is in.
When the ledger cannot be written at that moment (Redis down or restarting, a full disk), the settlement and
its audit line go here instead: appended to ``spool.jsonl`` in the state directory and fsync'd, so a crash
or a restart keeps them. ``drain`` writes them into the ledger in order when it answers again, and the guard
drains before any new reservation, so the shared record is complete before anything new is counted against
it. Settling is idempotent in the ledger (an attempt already settled is left alone), so an entry written
twice (a crash between writing it and forgetting it here) counts once.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from .ledger import Ledger, LedgerUnavailable, Status

logger = logging.getLogger("voice_tools.guard")


class Spool:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
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
            if self.path is None:
                return list(self._memory)
            if not self.path.exists():
                return []
            lines = self.path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    async def drain(self, ledger: Ledger) -> int:
        """Write every spooled entry into the ledger, oldest first; raises LedgerUnavailable (keeping the
        rest) when it still cannot. Returns how many were written."""
        if not self._pending:
            return 0
        written = 0
        for entry in self.entries():
            if entry["op"] == "settle":
                await ledger.settle(entry["attempt"], entry["status"], entry["audit"])
            else:
                await ledger.record(entry["audit"])
            self._forget_first()
            written += 1
        self._pending = False
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
