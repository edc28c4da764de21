"""The audit trail: one JSON line per purchase step, refusal, decline and settings update. Never a credential.

The ledger holds the trail (each line is written in the same atomic step as the attempt it records, so a
reservation never exists without its ``sending`` line). Every line is also appended to a JSON-lines file
(fsync'd, so a ``sending`` line is on disk before the purchase request leaves) and logged to the
``voice_tools.audit`` logger, which the command line shows. Lines of one purchase share an ``attempt`` id.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger("voice_tools.audit")


class AuditTrail:
    def __init__(
        self, path: Path | None, account: str, on_line: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self.path, self.account, self.on_line = path, account, on_line
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def entry(self, event: str, **fields: Any) -> dict[str, Any]:
        """A new audit line (not yet written): time, event, account, then the fields that are set."""
        line = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, "account": self.account}
        return line | {k: v for k, v in fields.items() if v is not None}

    def mirror(self, entry: dict[str, Any]) -> None:
        """Append a line the ledger has recorded to the file and the logger."""
        line = json.dumps(entry, separators=(",", ":"), default=str, ensure_ascii=False)
        logger.info("%s", line)
        if self.on_line is not None:
            self.on_line(entry)  # e.g. the server's metrics: counts by event and outcome
        if self.path is None:
            return
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)
