"""The audit trail: one JSON line per purchase step, refusal, decline and settings update. Never a credential.

The ledger holds the trail (each line is written in the same atomic step as the attempt it records, so a
reservation never exists without its ``sending`` line). Every line is also appended to a JSON-lines file
(fsync'd, so a ``sending`` line is on disk before the purchase request leaves) and logged to the
``voice_tools.audit`` logger, which the command line shows. Lines of one purchase share an ``attempt`` id.
Where an ``echo`` stream is given (``serve --http``'s stdout, for a log pipeline: never over stdio, where
stdout is the protocol), each line is written there too, byte for byte as in the file, once it is on disk.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import anyio.to_thread

logger = logging.getLogger("voice_tools.audit")


class AuditTrail:
    def __init__(
        self,
        path: Path | None,
        account: str,
        on_line: Callable[[dict[str, Any]], None] | None = None,
        echo: BinaryIO | None = None,
    ) -> None:
        self.path, self.account, self.on_line, self.echo = path, account, on_line, echo
        self._lock = threading.Lock()  # the queue of lines not yet on disk
        self._writing = threading.Lock()  # one writer (and one fsync) at a time
        self._queued: list[bytes] = []
        self._enqueued = self._synced = 0  # lines queued so far; lines known to be on disk
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def entry(self, event: str, **fields: Any) -> dict[str, Any]:
        """A new audit line (not yet written): time, event, account, then the fields that are set."""
        line = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, "account": self.account}
        return line | {k: v for k, v in fields.items() if v is not None}

    def mirror(self, entry: dict[str, Any]) -> None:
        """Append a line the ledger has recorded to the file and the logger; on disk when this returns."""
        line = self._told(entry)
        if self.path is not None:
            self._append(line)

    async def amirror(self, entry: dict[str, Any]) -> None:
        """``mirror`` with the file's write and fsync on a worker thread: on disk when this returns, and the
        event loop (every other call of this server) never waits for the disk meanwhile."""
        line = self._told(entry)
        if self.path is not None:
            await anyio.to_thread.run_sync(self._append, line)

    def _told(self, entry: dict[str, Any]) -> str:
        line = json.dumps(entry, separators=(",", ":"), default=str, ensure_ascii=False)
        logger.info("%s", line)
        if self.on_line is not None:
            self.on_line(entry)  # e.g. the server's metrics: counts by event and outcome
        if self.path is None:
            self._echoed([(line + "\n").encode()])  # no file: echoed as it is told
        return line

    def _append(self, line: str) -> None:
        """Group commit: the line joins the queue; whoever writes next writes every queued line with one
        fsync, and a caller whose line a writer took along returns once that fsync is done. Lines keep the
        order they were queued in; a write that fails puts its lines back and raises."""
        assert self.path is not None
        with self._lock:
            self._queued.append((line + "\n").encode())
            self._enqueued += 1
            mine = self._enqueued
        with self._writing:
            if self._synced >= mine:
                return  # another caller wrote it, and its fsync is done
            with self._lock:
                batch, self._queued, upto = self._queued, [], self._enqueued
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, b"".join(batch))
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except BaseException:
                with self._lock:
                    self._queued[:0] = batch
                raise
            self._synced = upto
            self._echoed(batch)  # on disk now; in the file's order (one writer at a time)

    def _echoed(self, lines: list[bytes]) -> None:
        """The lines also on the echo stream. One that fails (closed, its reader gone) is dropped with a
        warning: the lines are in the file, and the purchase that wrote them must not fail for a log."""
        if self.echo is None:
            return
        try:
            self.echo.write(b"".join(lines))
            self.echo.flush()
        except (OSError, ValueError) as error:
            self.echo = None
            logging.getLogger("voice_tools.server").warning(
                "audit lines are no longer written to stdout (%s); the audit file still has every line", error
            )
