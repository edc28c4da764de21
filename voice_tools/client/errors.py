"""What can go wrong talking to Zendesk, keyed on Zendesk's status and body.

Every error says what went wrong, whether trying again can help (``retryable``, and after how long:
``retry_after``), and carries Zendesk's own error code and field details where it sent them. None of
them ever holds a credential: messages are built from the method, the path and Zendesk's body only.

    ZendeskError
    ├── ConfigurationError          bad subdomain, base URL or credentials; nothing was sent
    ├── APIConnectionError          the request failed on the network (retried for reads and PUTs)
    │   └── APITimeoutError         no answer in time
    ├── OutcomeUnknownError         a POST failed after it may have reached Zendesk: it may have
    │                               taken effect (a purchase may have happened); never retried
    ├── UnexpectedResponseError     Zendesk answered 2xx with a body that is not the expected JSON
    └── APIStatusError              Zendesk answered with an error status
        ├── BadRequestError         400
        ├── AuthenticationError     401  credentials refused
        ├── PermissionDeniedError   403  Trial account, Talk off, or the role may not do this
        ├── NotFoundError           404
        ├── InvalidRecordError      422  with Zendesk's per-field ``details``
        ├── RateLimitError          429  with ``retry_after`` seconds
        └── ServerError             5xx
"""

from __future__ import annotations

from typing import Any, Literal


class ZendeskError(Exception):
    """Base of every error the client raises."""

    retryable: bool = False
    retry_after: float | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(ZendeskError):
    """The client's configuration is unusable; it refuses before sending anything."""


ConnectionProblem = Literal["no_such_host", "refused", "other"]


class APIConnectionError(ZendeskError):
    """``never_sent`` is true when the connection never opened, so Zendesk cannot have seen the request.
    ``host`` is where the client tried to go; ``problem`` says why it failed, so that a host that does
    not exist (a configuration mistake, not worth retrying) reads differently from one that is down."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        never_sent: bool = False,
        host: str | None = None,
        problem: ConnectionProblem = "other",
    ) -> None:
        super().__init__(message)
        self.method, self.path, self.never_sent = method, path, never_sent
        self.host, self.problem = host, problem
        self.retryable = problem != "no_such_host"  # a name that does not resolve will not resolve in a second


class APITimeoutError(APIConnectionError):
    pass


class OutcomeUnknownError(ZendeskError):
    """The request may have reached Zendesk and taken effect; the client cannot tell and will not resend."""

    def __init__(self, message: str, *, method: str, path: str, cause: ZendeskError | None = None) -> None:
        super().__init__(message)
        self.method, self.path, self.cause = method, path, cause


class UnexpectedResponseError(ZendeskError):
    retryable = True

    def __init__(self, message: str, *, method: str, path: str, status_code: int) -> None:
        super().__init__(message)
        self.method, self.path, self.status_code = method, path, status_code


class APIStatusError(ZendeskError):
    """Zendesk answered with an error status. ``code`` and ``description`` are from Zendesk's body."""

    status_code: int = 0

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int,
        code: str | None = None,
        description: str | None = None,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.method, self.path, self.status_code = method, path, status_code
        self.code, self.description, self.details = code, description, details or {}
        self.request_id = request_id
        if retry_after is not None:
            self.retry_after = retry_after

    def _problems(self) -> list[tuple[str, Any]]:
        """Zendesk's ``details`` as (field, problem) pairs: a field may hold one problem or a list."""
        return [
            (field, problem)
            for field, problems in self.details.items()
            for problem in (problems if isinstance(problems, list) else [problems])
        ]

    def detail_codes(self) -> set[str]:
        """The ``error`` code of every detail (``AddressRequired``, ``BusinessVerificationRequired``, ...)."""
        return {str(p["error"]) for _, p in self._problems() if isinstance(p, dict) and p.get("error")}

    def field_errors(self) -> list[tuple[str, str]]:
        """Zendesk's ``details`` flattened to (field, description) pairs."""
        return [
            (field, str((problem.get("description") if isinstance(problem, dict) else None) or problem))
            for field, problem in self._problems()
        ]


class BadRequestError(APIStatusError):
    status_code = 400


class AuthenticationError(APIStatusError):
    status_code = 401


class PermissionDeniedError(APIStatusError):
    status_code = 403


class NotFoundError(APIStatusError):
    status_code = 404


class InvalidRecordError(APIStatusError):
    status_code = 422


class RateLimitError(APIStatusError):
    status_code = 429
    retryable = True


class ServerError(APIStatusError):
    retryable = True


class BudgetSpentError(RateLimitError):
    """Raised before sending: the account's request budget, as Zendesk last reported it, would not carry this
    work within the wait allowed (``pacing.py``). Zendesk was not asked; nothing was refused by it."""

    retryable = False  # waiting is the caller's decision: the error says how long


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: InvalidRecordError,
    429: RateLimitError,
}


def error_class_for(status_code: int) -> type[APIStatusError]:
    if status_code >= 500:
        return ServerError
    return STATUS_ERRORS.get(status_code, APIStatusError)
