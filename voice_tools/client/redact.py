"""What of an upstream error body may be repeated: Zendesk's own fields, short, with credentials removed.

An error body is written by whoever answered: Zendesk, or a proxy, load balancer or debugging page in
front of it, some of which echo the request (its Authorization header included) back in a 500 page. So
an error keeps only the fields Zendesk documents (``error``, ``description``, ``details``), never a
body that is not Zendesk's JSON, each string capped, and anything that looks like a credential replaced
by ``[redacted]``: this client's own secrets in every form it sends them, ``Basic``/``Bearer`` values,
``name=value`` pairs whose name says secret, and the ``email/token:secret`` pair.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"
FIELD_CAP = 300
DETAILS_CAP = 20  # fields of ``details`` kept; Zendesk sends a handful

_PATTERNS = (
    # Authorization-style values: "Basic dXNlcjpwYXNz", "Bearer eyJ..."
    re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{8,}"),
    # name=value or "name": "value" where the name says it is a secret
    re.compile(
        r"(?i)([\"']?\b[\w-]*(?:authorization|password|passwd|secret|api[_-]?key|api[_-]?token|access[_-]?token"
        r"|token|cookie)[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&}]{4,}"
    ),
    # Zendesk's API-token pair: "agent@example.com/token:abc123"
    re.compile(r"[^\s\"'/:]+@[^\s\"'/:]+/token:[^\s\"',;&}]+"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret and everything shaped like a credential replaced."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return _PATTERNS[2].sub(REDACTED, text)


def cap(text: str, limit: int = FIELD_CAP) -> str:
    folded = " ".join(text.split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def safe_text(value: Any, secrets: Iterable[str] = ()) -> str | None:
    """A string field of an error body, fit to repeat; None when it is not a string."""
    return cap(redact(value, secrets)) if isinstance(value, str) else None


def safe_details(details: Any, secrets: Iterable[str] = ()) -> dict[str, Any] | None:
    """Zendesk's ``details`` (field → problems), every string in it made safe, at most DETAILS_CAP fields."""
    if not isinstance(details, dict):
        return None
    known = list(secrets)

    def clean(node: Any) -> Any:
        if isinstance(node, str):
            return cap(redact(node, known))
        if isinstance(node, list):
            return [clean(item) for item in node[:DETAILS_CAP]]
        if isinstance(node, dict):
            return {cap(redact(str(k), known), 60): clean(v) for k, v in list(node.items())[:DETAILS_CAP]}
        return node if isinstance(node, int | float | bool) or node is None else cap(redact(str(node), known))

    cleaned: dict[str, Any] = clean(details)
    return cleaned
