"""Health and readiness for orchestrators, outside authentication (they carry no secret and do nothing).

- ``/healthz``: the process answers (a liveness probe: restart it when this fails);
- ``/readyz``: Zendesk accepts this server's credentials (a readiness probe: send no traffic while it
  fails). The ledger's state is reported, not required: a replica whose ledger is down still serves every
  read and refuses writes in the one error shape (with a retry), so a ledger blip must not take every
  replica out of the balancer at once; it answers 200 ``degraded`` with ``"ledger": "unavailable"``, and
  ``voice_tools_ledger_up`` says the same to monitoring. Zendesk is asked at most every READY_CACHE_SECONDS whatever the
  probe rate, so probes never eat the account's request budget; a failure answers 503 with
  ``Retry-After`` and what is wrong, never a credential. Once a stop has begun (SIGTERM, ``drain.py``)
  it answers 404 ``draining``: HAProxy's ``http-check disable-on-404`` then sends the replica no new
  client but lets the sessions it holds finish, and a Kubernetes probe fails as on any non-2xx.
"""

from __future__ import annotations

import time

import anyio
import httpx2
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from voice_tools.guard import Ledger

from ..config.account_probe import probe_account
from ..config.serving import ServerSettings
from .drain import Drain

READY_CACHE_SECONDS = 15.0
LEDGER_TIMEOUT_SECONDS = 2.0
RETRY_AFTER_SECONDS = "5"


class Readiness:
    def __init__(
        self,
        settings: ServerSettings,
        ledger: Ledger,
        transport: httpx2.AsyncBaseTransport | None = None,
        drain: Drain | None = None,
    ) -> None:
        self.settings, self.ledger, self.transport = settings, ledger, transport
        self.drain = drain or Drain(0)
        self._zendesk: tuple[float, str | None] | None = None  # (checked at, problem)

    async def problems(self) -> list[str]:
        """What stops this replica serving at all (Zendesk refusing it); the ledger is reported apart."""
        problem = await self._zendesk_problem()
        return [problem] if problem else []

    async def ledger_problem(self) -> str | None:
        try:
            with anyio.fail_after(LEDGER_TIMEOUT_SECONDS):
                await self.ledger.ping()
        except Exception as error:  # a ledger that does not answer: writes are refused, reads go on
            return f"ledger unavailable ({type(error).__name__}): reads are served, writes refused until it answers"
        return None

    async def _zendesk_problem(self) -> str | None:
        now = time.monotonic()
        if self._zendesk is None or now - self._zendesk[0] > READY_CACHE_SECONDS:
            result = await probe_account(self.settings, transport=self.transport)
            self._zendesk = (now, result.fatal or result.warning)
        return self._zendesk[1]

    async def ready(self, request: Request) -> JSONResponse:
        if self.drain.draining:
            return JSONResponse({"status": "draining"}, status_code=404, headers={"Retry-After": RETRY_AFTER_SECONDS})
        found = await self.problems()
        if found:
            return JSONResponse(
                {"status": "not ready", "problems": found},
                status_code=503,
                headers={"Retry-After": RETRY_AFTER_SECONDS},
            )
        if ledger := await self.ledger_problem():
            return JSONResponse({"status": "degraded", "ledger": "unavailable", "problems": [ledger]})
        return JSONResponse({"status": "ready", "ledger": "ok"})


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
