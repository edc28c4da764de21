"""Errors the sandbox answers with, each rendering the body real Zendesk sends.

The backend raises these; the HTTP layer turns them into responses with ``render()``. Bodies, status
codes and content types follow ``zendesk-api-behaviour.md`` (shared reference), so a client tested
against the sandbox parses exactly what it will meet in production.

    SandboxError
    ├── BadRequest          400  {"error": "...", "description": "..."}
    ├── CouldNotAuthenticate 401 {"error": "Couldn't authenticate you"}
    ├── Forbidden           403  {"error": "Forbidden", "description": "..."}  (inferred body)
    ├── RecordNotFound      404  {"error": "RecordNotFound", "description": "Not found"}
    ├── RecordInvalid       422  {"error": "RecordInvalid", "description": "Record validation errors",
    │                             "details": {"<field>": [{"description": "...", "error": "..."}]}}
    ├── TooManyRequests     429  text/plain "Number of allowed API requests per minute exceeded"
    ├── ServiceUnavailable  5xx  text/plain (injected faults)
    └── PlainError          any  text/plain (what --accept-inferred answers where a JSON body is inferred)
"""

from __future__ import annotations

import json
from typing import Any

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"


class SandboxError(Exception):
    """An error response, as Zendesk would send it."""

    status_code: int = 500
    content_type: str = JSON_CONTENT_TYPE

    def body(self) -> dict[str, Any] | str:
        return {"error": "InternalServerError", "description": "Something went wrong"}

    def headers(self) -> dict[str, str]:
        return {}

    def render(self) -> bytes:
        body = self.body()
        return body.encode() if isinstance(body, str) else json.dumps(body).encode()


class BadRequest(SandboxError):
    status_code = 400

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "description": self.description}


class CouldNotAuthenticate(SandboxError):
    status_code = 401

    def __init__(self, challenge: bool = True) -> None:
        super().__init__("Couldn't authenticate you")
        self.challenge = challenge  # the WWW-Authenticate header is inferred (registry: auth-401-header)

    def body(self) -> dict[str, Any]:
        return {"error": "Couldn't authenticate you"}

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Basic realm="Web Password"'} if self.challenge else {}


class Forbidden(SandboxError):
    status_code = 403

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"error": "Forbidden", "description": self.description}


class RecordNotFound(SandboxError):
    status_code = 404

    def body(self) -> dict[str, Any]:
        return {"error": "RecordNotFound", "description": "Not found"}


class RecordInvalid(SandboxError):
    """A 422 with per-field details: ``{"field": [{"description": ..., "error": ...}]}``; with no details (a
    bare refusal), the body has none."""

    status_code = 422

    def __init__(self, details: dict[str, list[dict[str, str]]]) -> None:
        super().__init__(json.dumps(details))
        self.details = details

    @classmethod
    def field(cls, name: str, error: str, description: str) -> RecordInvalid:
        return cls({name: [{"description": description, "error": error}]})

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": "RecordInvalid", "description": "Record validation errors"}
        return body | ({"details": self.details} if self.details else {})


class TooManyRequests(SandboxError):
    status_code = 429
    content_type = TEXT_CONTENT_TYPE

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after

    def body(self) -> str:
        return "Number of allowed API requests per minute exceeded"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailable(SandboxError):
    """A 5xx from an injected fault; Zendesk's own 503 pages are plain text."""

    content_type = TEXT_CONTENT_TYPE

    def __init__(self, status_code: int = 503) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code

    def body(self) -> str:
        return "Service Unavailable: Zendesk is temporarily unable to serve this request"


class PlainError(SandboxError):
    """A status with a text/plain body: what the sandbox answers with --accept-inferred where the JSON body it
    would give is inferred, so the product is shown to read a refusal it cannot parse."""

    content_type = TEXT_CONTENT_TYPE

    def __init__(self, status_code: int, text: str) -> None:
        super().__init__(text)
        self.status_code, self.text = status_code, text

    def body(self) -> str:
        return self.text
