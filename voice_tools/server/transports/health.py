"""Health and readiness for orchestrators, outside authentication (they carry no secret and do nothing).

- ``/healthz``: the process answers (a liveness probe: restart it when this fails);
- ``/readyz``: this replica's configuration works with Zendesk (a readiness probe: send no traffic while
  it fails): a host that does not resolve or refuses, or refused credentials, answer 503 with ``Retry-After``
  and what is wrong, never a credential. What every replica shares is reported, not required: a Zendesk
  that is slow or failing, or a ledger that is down (reads are served, writes refused in the one error
  shape with a retry), answer 200 ``degraded`` (``"zendesk"``/``"ledger"`` say which), so a blip never
  takes every replica out of the balancer at once; ``voice_tools_ledger_up`` tells monitoring. It answers
  at once from the last check of Zendesk, made at most every READY_CACHE_SECONDS in the background. Once a
  stop has begun (SIGTERM, ``drain.py``) it answers 404 ``draining``: HAProxy's ``http-check
  disable-on-404`` then sends the replica no new client but lets the sessions it holds finish, and a
  Kubernetes probe fails as on any non-2xx.
"""

from __future__ import annotations

import asyncio
import time

import anyio
import httpx2
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from voice_tools.guard import Ledger

from ..config.account_probe import ProbeResult, probe_account
from ..config.serving import ServerSettings
from .drain import Drain

READY_CACHE_SECONDS = 15.0
FIRST_CHECK_SECONDS = 0.7  # a probe answers within a second (Kubernetes' default timeout): the first check waits this
PROBE_TIMEOUT_SECONDS = 5.0  # a background check of Zendesk that takes longer reads as Zendesk not answering
LEDGER_TIMEOUT_SECONDS = 0.5
RETRY_AFTER_SECONDS = "5"


class Readiness:
    """``/readyz``: answered at once from the last check of Zendesk, which is refreshed in the background.

    Only what this replica's configuration gets wrong makes it not ready (503): a Zendesk host that does not
    resolve or refuses the connection, or refused credentials, so a rollout with a wrong secret stops at the
    first new replica. Whatever every replica shares (Zendesk slow, busy, failing or not answering; the
    ledger down) is reported as 200 ``degraded``: taking every replica out of the balancer at once would turn
    it into the balancer's bare 503, where the tools would have said what is wrong and when to retry.
    """

    def __init__(
        self,
        settings: ServerSettings,
        ledger: Ledger,
        transport: httpx2.AsyncBaseTransport | None = None,
        drain: Drain | None = None,
    ) -> None:
        self.settings, self.ledger, self.transport = settings, ledger, transport
        self.drain = drain or Drain(0)
        self._zendesk: tuple[float, ProbeResult] | None = None  # (checked at, what it found)
        self._checking: asyncio.Task[None] | None = None

    async def _check_zendesk(self) -> None:
        try:
            result = await probe_account(self.settings, transport=self.transport, timeout_seconds=PROBE_TIMEOUT_SECONDS)
        except Exception as error:  # a probe that broke says so; it never takes the replica out
            result = ProbeResult(warning=f"the check of Zendesk failed ({type(error).__name__})")
        self._zendesk = (time.monotonic(), result)

    async def zendesk(self) -> ProbeResult | None:
        """The last check's result, starting a new check when it is older than READY_CACHE_SECONDS (whatever
        the probe rate, so probes never eat the account's request budget); None until a first one ends."""
        stale = self._zendesk is None or time.monotonic() - self._zendesk[0] > READY_CACHE_SECONDS
        if stale and (self._checking is None or self._checking.done()):
            self._checking = asyncio.get_running_loop().create_task(self._check_zendesk())
        if self._zendesk is None and self._checking is not None:
            with anyio.move_on_after(FIRST_CHECK_SECONDS):
                await asyncio.shield(self._checking)
        return self._zendesk[1] if self._zendesk else None

    async def ledger_problem(self) -> str | None:
        try:
            with anyio.fail_after(LEDGER_TIMEOUT_SECONDS):
                await self.ledger.ping()
        except Exception as error:  # a ledger that does not answer: writes are refused, reads go on
            return f"ledger unavailable ({type(error).__name__}): reads are served, writes refused until it answers"
        return None

    async def ready(self, request: Request) -> JSONResponse:
        if self.drain.draining:
            return JSONResponse({"status": "draining"}, status_code=404, headers={"Retry-After": RETRY_AFTER_SECONDS})
        zendesk = await self.zendesk()
        if zendesk is not None and zendesk.fatal:
            return JSONResponse(
                {"status": "not ready", "problems": [zendesk.fatal]},
                status_code=503,
                headers={"Retry-After": RETRY_AFTER_SECONDS},
            )
        problems: dict[str, str] = {}
        if zendesk is None:
            problems["zendesk"] = "Zendesk has not answered the first check yet"
        elif zendesk.warning:
            problems["zendesk"] = zendesk.warning
        if ledger := await self.ledger_problem():
            problems["ledger"] = ledger
        body: dict[str, object] = {"status": "degraded" if problems else "ready"}
        body["ledger"] = "unavailable" if "ledger" in problems else "ok"
        body["zendesk"] = "ok" if "zendesk" not in problems else "degraded"
        if problems:
            body["problems"] = list(problems.values())
        return JSONResponse(body)


async def alive(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def health_routes(
    settings: ServerSettings,
    ledger: Ledger,
    transport: httpx2.AsyncBaseTransport | None = None,
    *,
    drain: Drain | None = None,
) -> list[Route]:
    readiness = Readiness(settings, ledger, transport, drain)
    return [Route("/healthz", alive, methods=["GET"]), Route("/readyz", readiness.ready, methods=["GET"])]
