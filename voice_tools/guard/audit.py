"""The audit log: one JSON line per purchase attempt and per settings update. Never a credential.

Lines go to the file named by VOICE_TOOLS_AUDIT_LOG (appended, one object per line), and always to
the ``voice_tools.audit`` logger.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger("voice_tools.audit")


class AuditLog:
    def __init__(self, path: Path | None, account: str) -> None:
        self.path, self.account = path, account
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, event: str, **fields: Any) -> dict[str, Any]:
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "event": event,
            "account": self.account,
        }
        entry |= {k: v for k, v in fields.items() if v is not None}
        line = json.dumps(entry, separators=(",", ":"), default=str)
        logger.info("%s", line)
        if self.path is not None:
            with self._lock:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as f:
                    f.write(line + "\n")
        return entry

    def entries(self) -> Iterator[dict[str, Any]]:
        if self.path is None or not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)

    def purchases_on(self, day: str) -> int:
        """Purchases this account made on ``day`` (YYYY-MM-DD, UTC), so a restart does not reset the cap."""
        return sum(
            1
            for e in self.entries()
            if e.get("event") == "purchase"
            and e.get("outcome") == "purchased"
            and e.get("account") == self.account
            and str(e.get("time", "")).startswith(day)
        )
