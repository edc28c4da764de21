"""Logs on stderr (stdout is the protocol's): text for people, or one JSON object a line for collectors.

The audit trail's log lines (``voice_tools.audit``, INFO) and one line per client session
(``voice_tools.sessions``: whether it negotiated MCP Apps) are always shown; everything else from WARNING
up. With ``VOICE_TOOLS_LOG_FORMAT=json`` each line is an object with time, level, logger, message and the
id of the tool call it belongs to, so the lines of one call can be found together across replicas; that
holds for every line the process writes: the start-up line and its warnings (``say``), and the web
server's own logs (uvicorn's loggers write through the same handler).
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST_ID: ContextVar[str | None] = ContextVar("voice_tools_request_id", default=None)
START = "voice_tools.start"  # the start-up line, its warnings, and why a start failed
_format = "text"


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := REQUEST_ID.get()) is not None:
            line["request_id"] = request_id
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        request_id = REQUEST_ID.get()
        prefix = f"{record.levelname} {record.name}" + (f" [{request_id}]" if request_id else "")
        text = f"{prefix}: {record.getMessage()}"
        return text + ("\n" + self.formatException(record.exc_info) if record.exc_info else "")


def configure_logging(form: str = "text") -> None:
    global _format
    _format = form
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if form == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("voice_tools.audit").setLevel(logging.INFO)  # the audit trail is always shown
    logging.getLogger("voice_tools.sessions").setLevel(logging.INFO)  # a line per session: MCP Apps or not
    logging.getLogger(START).setLevel(logging.INFO)


def say(text: str, level: int = logging.INFO) -> None:
    """A line for the operator on stderr: as it is in text (``voice-tools: ...``, the start-up line), one
    JSON object (logger ``voice_tools.start``) when JSON logging is chosen, so a collector parses it too."""
    if _format == "json":
        logging.getLogger(START).log(level, text.removeprefix("voice-tools: "))
    else:
        print(text, file=sys.stderr, flush=True)
