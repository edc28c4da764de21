"""One base client that owns the transport, auth, retries and the status-to-error map.

Everything above it (``TalkClient``'s methods) only names a method, a path and the model to parse,
so no endpoint can forget a retry rule, leak a credential or let a stack trace escape. It takes any
``httpx2`` transport and never knows whether Zendesk or the sandbox is behind it.
"""

from __future__ import annotations

import logging
import random
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from typing import Any, Self, TypeVar

import anyio
import httpx2
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from voice_tools import __version__

from .config import ZendeskConfig
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    ConnectionProblem,
    OutcomeUnknownError,
    RateLimitError,
    UnexpectedResponseError,
    ZendeskError,
    error_class_for,
)
from .pacing import Pacer, RateBudget
from .pauses import LocalBoard, PauseBoard, Pauses
from .redact import safe_details, safe_text
from .retries import RetryPolicy, is_retryable, make_wait

# method, status (0: no answer), seconds, requests left in the account's window (as Zendesk said)
Observer = Callable[[str, int, float, int | None], None]
# method and path of a write that may have changed the account (it succeeded, or its outcome is unknown)
WriteHook = Callable[[str, str], Awaitable[None]]

logger = logging.getLogger("voice_tools.client")

Model = TypeVar("Model", bound=BaseModel)
USER_AGENT = f"voice-tools/{__version__} (python {sys.version_info.major}.{sys.version_info.minor}; httpx2)"
DEFAULT_TIMEOUT = httpx2.Timeout(20.0, connect=5.0)
DEFAULT_LIMITS = httpx2.Limits(max_connections=20, max_keepalive_connections=10)
# getaddrinfo's "this name does not exist" answers (not EAI_AGAIN: a resolver that is down may come back)
NO_SUCH_HOST = frozenset(
    getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA", "EAI_ADDRFAMILY") if hasattr(socket, name)
)
NEVER_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout, httpx2.UnsupportedProtocol)


class _HeaderAuth(httpx2.Auth):
    """Adds the Authorization header per request, so it never sits in the client's default headers."""

    def __init__(self, config: ZendeskConfig) -> None:
        self._config = config

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers["Authorization"] = self._config.authorization()
        yield request

    def __repr__(self) -> str:
        return "<ZendeskAuth>"


class DeferredTransport(httpx2.AsyncBaseTransport):
    """A transport built on first use. Building the default one loads the system's CA certificates
    (about 100 ms); a server that is only starting, or only listing its tools, never needs it, and chat
    clients start the server once per session."""

    def __init__(self, factory: Callable[[], httpx2.AsyncBaseTransport]) -> None:
        self._factory = factory
        self._transport: httpx2.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self._transport is None:
            self._transport = self._factory()
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()


def _retry_after(response: httpx2.Response) -> float | None:
    raw = response.headers.get("retry-after")
    try:
        return max(float(raw), 0.0) if raw is not None else None
    except ValueError:
        return None  # an HTTP date: Zendesk sends seconds; fall back to backoff


READS = frozenset({"GET", "HEAD"})


def _may_have_changed(error: ZendeskError) -> bool:
    """Whether a write that failed this way may still have changed the account: not when Zendesk refused it
    (a 4xx, 429 included) or it was never sent."""
    if isinstance(error, APIStatusError):
        return error.status_code >= 500
    if isinstance(error, APIConnectionError):
        return not error.never_sent
    return not isinstance(error, ConfigurationError)


def connection_problem(exc: BaseException) -> ConnectionProblem:
    """Why a connection never opened, from the OS's error somewhere down the exception's chain (httpx
    wraps it in its own ConnectError, and anyio in "All connection attempts failed")."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror) and cause.errno in NO_SUCH_HOST:
            return "no_such_host"
        if isinstance(cause, ConnectionRefusedError):
            return "refused"
        cause = cause.__cause__ or cause.__context__
    return "other"


def status_error(method: str, path: str, response: httpx2.Response, secrets: Sequence[str] = ()) -> APIStatusError:
    """Zendesk's error answer as the matching error class, with its code, description and details: only
    those fields of Zendesk's JSON, capped and with credentials redacted (``redact.py``); a body that is
    not JSON (a proxy's error page, which may echo the request) is not repeated at all."""
    code = description = None
    details: dict[str, Any] | None = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = safe_text(body.get("error"), secrets)
        description = safe_text(body.get("description"), secrets)
        details = safe_details(body.get("details"), secrets)
    summary = ": ".join(p for p in (code, description) if p) or response.reason_phrase or "no description"
    return error_class_for(response.status_code)(
        f"Zendesk answered {response.status_code} to {method} {path}: {summary}",
        method=method,
        path=path,
        status_code=response.status_code,
        code=code,
        description=description,
        details=details,
        request_id=response.headers.get("x-request-id"),
        retry_after=_retry_after(response),
    )


class BaseClient:
    def __init__(
        self,
        config: ZendeskConfig,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: httpx2.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        jitter: Callable[[], float] = random.random,
        pauses: PauseBoard | None = None,
        observe: Observer | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.retry = retry or RetryPolicy()
        self.pauses = Pauses(pauses or LocalBoard(clock), clock)  # the clock that ``sleep`` advances
        self._observe = observe
        self.on_write: WriteHook | None = None  # told of every write that may have changed the account
        self.rate_budget = RateBudget()
        self._clock = clock
        self.pacer = Pacer(self.rate_budget, clock, sleep)
        self._sleep, self._jitter = sleep, jitter
        self._http = httpx2.AsyncClient(
            base_url=config.url,
            transport=transport or DeferredTransport(lambda: httpx2.AsyncHTTPTransport(limits=DEFAULT_LIMITS)),
            timeout=timeout,
            limits=DEFAULT_LIMITS,
            auth=_HeaderAuth(config),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,  # a redirect must never carry the credentials to another host
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} account={self.config.account!r}>"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def host(self) -> str:
        """The host (and port, when not the scheme's own) requests go to: never credentials or a path."""
        url = httpx2.URL(self.config.url)
        default = {"https": 443, "http": 80}.get(url.scheme)
        return url.host if url.port in (None, default) else f"{url.host}:{url.port}"

    def same_origin(self, url: str) -> bool:
        """Whether a URL Zendesk handed back (``next_page``) points at the configured account."""
        base, other = httpx2.URL(self.config.url), httpx2.URL(url)
        return (base.scheme, base.host, base.port) == (other.scheme, other.host, other.port)

    async def request(
        self,
        method: str,
        path: str,
        model: type[Model] | None,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        resend: bool = True,
    ) -> Model | None:
        """Send, retrying as the policy allows, and parse the answer into ``model`` (None: no body).
        ``resend=False``: a request whose effect must happen at most once by this call (a release) is
        retried only when it never left; any other failure is the caller's to find out about."""

        def retryable(error: BaseException) -> bool:
            if not resend:
                return isinstance(error, APIConnectionError) and error.never_sent
            return is_retryable(error, method, self.retry)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.retry.max_retries + 1),
            wait=make_wait(self.retry, self._jitter),
            retry=retry_if_exception(retryable),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        result: Model | None = None
        try:
            async for attempt in retrying:
                with attempt:
                    result = await self._send_once(method, path, model, params, json)
        except ZendeskError as error:
            if method not in READS and _may_have_changed(error):
                await self._wrote(method, path)
            raise
        if method not in READS:
            await self._wrote(method, path)
        return result

    async def pace(self, max_wait: float | None = None) -> float:
        """Wait until one more request of bulk work fits the account's request budget; the seconds waited.
        Call it before each request of a long job (a listing's pages, a bulk change over thousands of
        numbers): the job slows down as the budget runs low, fleet-wide, instead of meeting a 429, and
        leaves a reserve for single requests (``pacing.py`` has the rules). ``max_wait``: a wait longer than
        this raises RateLimitError at once, nothing sent (a read inside a tool call); None, the default,
        waits as long as the budget requires (a job that reports its progress)."""
        return await self.pacer.pace(max_wait)

    async def pace_read(self) -> float:
        """``pace`` for a read inside a tool call: waits at most as long as a 429 would be waited for."""
        return await self.pacer.pace(self.retry.max_retry_after)

    async def _wrote(self, method: str, path: str) -> None:
        if self.on_write is not None:
            await self.on_write(method, path)

    async def _send_once(
        self,
        method: str,
        path: str,
        model: type[Model] | None,
        params: Mapping[str, str | int] | None,
        json: Any,
    ) -> Model | None:
        # for messages: never the query, never a host's credentials (a path of ours needs no URL parser)
        shown = path.partition("?")[0] if path.startswith("/") else httpx2.URL(path).path or path
        # every attempt, retries too: a retry has waited out its own 429, but after a pause one request goes
        # first and the others wait for its answer
        await self._wait_for_the_account(method, shown)
        try:
            response = await self._observed(method, path, params, json)
        except NEVER_SENT as exc:
            cause = connection_problem(exc)
            why = {"no_such_host": "no such host", "refused": "connection refused"}.get(cause, type(exc).__name__)
            raise APIConnectionError(
                f"could not connect to Zendesk at {self.host} for {method} {shown} ({why}); nothing was sent",
                method=method,
                path=shown,
                never_sent=True,
                host=self.host,
                problem=cause,
            ) from None
        except httpx2.TransportError as exc:
            timed_out = isinstance(exc, httpx2.TimeoutException)
            what = "no answer in time" if timed_out else f"the connection failed ({type(exc).__name__})"
            if method == "POST":
                raise OutcomeUnknownError(
                    f"{method} {shown}: {what} after the request was sent; it may have taken effect",
                    method=method,
                    path=shown,
                ) from None
            kind = APITimeoutError if timed_out else APIConnectionError
            raise kind(f"{method} {shown}: {what}", method=method, path=shown) from None
        self.rate_budget.observe(response.headers, self._clock())
        if response.status_code != 429:
            # after a pause, the next caller may go; an answer that leaves nothing pauses the account until the reset
            await self.pauses.answered(self.rate_budget.remaining, self.rate_budget.seen_reset_in(self._clock()))
        if response.status_code >= 400:
            error = status_error(method, shown, response, self.config.secrets())
            if isinstance(error, RateLimitError) and error.retry_after:
                await self.pauses.told_to_wait(error.retry_after)  # every client of the account waits too
            if method == "POST" and error.status_code >= 500:
                raise OutcomeUnknownError(
                    f"{method} {shown}: Zendesk answered {error.status_code} after the request was sent; "
                    "it may have taken effect",
                    method=method,
                    path=shown,
                    cause=error,
                )
            raise error
        if model is None:
            return None
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            not_json = any(e["type"] == "json_invalid" for e in exc.errors())
            problem = "was not JSON" if not_json else "did not have the expected shape"
            if method == "POST":
                raise OutcomeUnknownError(
                    f"{method} {shown}: Zendesk answered {response.status_code} but its answer {problem}; "
                    "the request probably took effect",
                    method=method,
                    path=shown,
                ) from None
            raise UnexpectedResponseError(
                f"{method} {shown}: Zendesk answered {response.status_code} "
                f"({response.headers.get('content-type', 'no content type')}) but the body {problem}",
                method=method,
                path=shown,
                status_code=response.status_code,
            ) from None

    async def _observed(
        self, method: str, path: str, params: Mapping[str, str | int] | None, json: Any
    ) -> httpx2.Response:
        """The request, its status and latency told to the observer (metrics), a failure as status 0."""
        started = time.perf_counter()
        self.pacer.sent()
        try:
            response = await self._http.request(method, path, params=params, json=json)
        except httpx2.TransportError:
            if self._observe is not None:
                self._observe(method, 0, time.perf_counter() - started, None)
            raise
        if self._observe is not None:
            remaining = response.headers.get("x-rate-limit-remaining", "")
            left = int(remaining) if remaining.isdigit() else None
            self._observe(method, response.status_code, time.perf_counter() - started, left)
        return response

    async def _wait_for_the_account(self, method: str, shown: str) -> None:
        """Wait out the account's shared pause when it is short; when it is longer than a 429 would be
        waited for, fail now with nothing sent (the caller's retry policy decides as for a real 429)."""
        while wait := await self.pauses.wait_seconds():
            if wait > self.retry.max_retry_after:
                raise RateLimitError(
                    f"Zendesk asked this account to wait {wait:.0f} s more (seen by this or another server); "
                    f"{method} {shown} was not sent",
                    method=method,
                    path=shown,
                    status_code=429,
                    retry_after=wait,
                )
            await self._sleep(wait)

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        reason = str(error) if isinstance(error, ZendeskError) else type(error).__name__
        if isinstance(error, RateLimitError):
            reason = f"rate limited ({reason})"
        logger.warning("retry %d of %d in %.2fs: %s", state.attempt_number, self.retry.max_retries, wait, reason)


__all__ = ["USER_AGENT", "BaseClient", "DeferredTransport", "RateBudget", "status_error"]
