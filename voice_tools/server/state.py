"""What every tool call shares: one Zendesk client, the purchase guard, its ledger, the audit trail.

The ledger, the audit trail and the in-flight counter belong to the server (built once in
``build_server``); the HTTP connection pool and the guard around it belong to the lifespan, which the
SDK runs once per process (over stdio and HTTP alike) and in-process test clients once per connection.
The lifespan also runs the reconciler, which settles purchases whose answer was lost, and on the way
out waits (bounded) for purchases and updates already sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import httpx2
from mcp.server.mcpserver import Context

from voice_tools.client import TalkClient
from voice_tools.client.base import DeferredTransport
from voice_tools.client.pauses import LocalBoard
from voice_tools.guard import (
    AddressCache,
    AuditTrail,
    BatchPurchaser,
    InFlight,
    Ledger,
    LedgerUnavailable,
    PurchaseGuard,
    QuoteBook,
    ReleaseGuard,
)
from voice_tools.guard.identity import LedgerMemory
from voice_tools.guard.ledger import MEMORY, answered_within
from voice_tools.guard.spool import Spool

from .config.serving import ServerSettings
from .shared.directory import NumberDirectory
from .shared.groups import GroupDirectory
from .shared.toolsets import LoadedToolsets
from .shared.url_approvals import ApprovalLinks, PageListener
from .transports.metrics import Metrics

if TYPE_CHECKING:
    from .shared.bulk_jobs import BulkJobs

logger = logging.getLogger("voice_tools.server")
T = TypeVar("T")


@dataclass
class AppState:
    settings: ServerSettings
    client: TalkClient
    guard: PurchaseGuard
    releases: ReleaseGuard
    batches: BatchPurchaser
    directory: NumberDirectory
    groups: GroupDirectory
    links: ApprovalLinks
    pages: PageListener
    toolsets: LoadedToolsets
    jobs: BulkJobs = field(init=False)  # bulk changes running here (shared/bulk_jobs.py), set by open_state

    @property
    def account(self) -> str:
        return self.settings.account


def state(ctx: Context[Any, Any]) -> AppState:
    app: AppState = ctx.request_context.lifespan_context
    return app


def sandbox_transport() -> httpx2.AsyncBaseTransport:
    """The built-in sandbox, built on the first request (start-up stays fast); the start-up line says so."""

    def build() -> httpx2.AsyncBaseTransport:
        from voice_tools.sandbox import TalkSandbox

        transport: httpx2.AsyncBaseTransport = TalkSandbox().transport()
        return transport

    return DeferredTransport(build)


class StopFlag:
    """Whether this process has begun to stop (SIGTERM: an HTTP replica's drain, a stdio server's signal), read
    by long work (a bulk job pauses at a safe point and releases its claim, so the stop does not wait for it)."""

    def __init__(self) -> None:
        self._set = False
        self._watched: list[Callable[[], bool]] = []

    def set(self) -> None:
        self._set = True

    def watch(self, began: Callable[[], bool]) -> None:
        """Also count as set whenever ``began()`` says so (the HTTP transport's drain)."""
        self._watched.append(began)

    def __call__(self) -> bool:
        return self._set or any(began() for began in self._watched)


@dataclass(frozen=True)
class ServerParts:
    """What outlives a lifespan: the guard's memory and everything that must be waited for."""

    ledger: Ledger
    audit: AuditTrail
    in_flight: InFlight
    addresses: AddressCache
    metrics: Metrics
    spool: Spool  # outcomes this replica keeps on its disk while the ledger cannot take them
    memory: LedgerMemory  # the ledger's identity this replica last saw: a ledger that forgot is noticed
    links: ApprovalLinks  # URL-mode approval links, in the shared ledger
    pages: PageListener  # over stdio, where the approval page is served (opened on demand)
    toolsets: LoadedToolsets  # which toolsets each connection has loaded (VOICE_TOOLS_DYNAMIC_TOOLSETS)
    stopping: StopFlag = field(default_factory=StopFlag)  # set when the process begins to stop


SHARED_BOARD_WAIT_SECONDS = 0.5  # past this the shared pause board counts as unreadable (Redis frozen, a stall)
SHARED_BOARD_REST_SECONDS = 1.0  # after it failed, this replica goes by its own pauses this long, then looks again


class AdvisoryBoard:
    """The shared pause board is advice: while the ledger cannot be read or written, this replica keeps its own
    pauses and reads of the account go on (a Redis outage must not become an outage of every read). A ledger
    that does not answer (a frozen Redis accepts the connection and says nothing) is waited for briefly, then
    left alone for a moment, so reads go on at their own speed and see the shared board again within about a
    second of it answering."""

    def __init__(self, ledger: Ledger, clock: Callable[[], float] = time.monotonic) -> None:
        self.ledger, self.local, self._clock = ledger, LocalBoard(), clock
        self._resting_until = float("-inf")

    async def pause_until(self, until: float) -> None:
        await self.local.pause_until(until)
        await self._shared(self.ledger.pause_until(until))

    async def paused_until(self) -> float | None:
        mine = await self.local.paused_until()
        shared = await self._shared(self.ledger.paused_until())
        return max(mine or 0.0, shared or 0.0) or None

    async def _shared(self, call: Coroutine[Any, Any, T]) -> T | None:
        """The shared board's answer, or None when it did not come in time (or the ledger is resting)."""
        if self._clock() < self._resting_until:
            call.close()
            return None
        try:
            async with answered_within(self.ledger.url, SHARED_BOARD_WAIT_SECONDS):
                return await call
        except LedgerUnavailable:
            self._resting_until = self._clock() + SHARED_BOARD_REST_SECONDS
            return None


RECONCILE_EVERY_SECONDS = 60.0
FIRST_PASS_AFTER_SECONDS = 1.0  # a start answers its first requests (initialize, tools/list) before this work
SPOOL_EVERY_SECONDS = 0.5  # nothing to do (no ledger call) unless something was spooled


async def catch_up_periodically(guard: PurchaseGuard, every: float = SPOOL_EVERY_SECONDS) -> None:
    """Write what this replica kept on its disk while the ledger was down, soon after it answers again."""
    while True:
        if guard.spool.pending:
            with suppress(LedgerUnavailable):
                await guard.catch_up()
        await anyio.sleep(every)


async def reconcile_periodically(
    guard: PurchaseGuard, releases: ReleaseGuard, every: float = RECONCILE_EVERY_SECONDS
) -> None:
    """Settle purchases and releases whose answer was lost (and those of a process that died mid-way)."""
    await anyio.sleep(FIRST_PASS_AFTER_SECONDS)
    while True:
        try:
            settled = await guard.reconcile() + await releases.reconcile()
            if settled:
                logger.warning("reconciler: settled %d purchase(s) or release(s) whose answer had been lost", settled)
        except LedgerUnavailable as down:
            logger.warning("reconciler: %s; will try again", down)
        except Exception:
            logger.exception("reconciler: could not check open purchases; will try again")
        await anyio.sleep(every)


@asynccontextmanager
async def open_state(
    settings: ServerSettings, transport: httpx2.AsyncBaseTransport | None, parts: ServerParts
) -> AsyncIterator[AppState]:
    """The per-lifespan part (the HTTP connection pool, the guard) around the per-server part."""
    async with TalkClient(
        settings.zendesk,
        transport=transport,
        retry=settings.retry,
        timeout=settings.zendesk_timeout,
        pauses=AdvisoryBoard(parts.ledger),  # a 429 seen by one replica pauses them all, while the ledger answers
        observe=parts.metrics.zendesk,
    ) as client:
        guard = PurchaseGuard(
            client,
            account=settings.account,
            ledger=parts.ledger,
            quotes=QuoteBook(parts.ledger, ttl_seconds=settings.quote_ttl_seconds),
            policy=settings.policy,
            audit=parts.audit,
            in_flight=parts.in_flight,
            addresses=parts.addresses,
            approvals=settings.approvals,
            reconciliation=settings.reconciliation,
            spool=parts.spool,
            memory=parts.memory,
        )
        # walks and look-ups share snapshots of the account through the ledger, unless it lives in this process
        directory = NumberDirectory(client, ledger=None if settings.ledger_url == MEMORY else parts.ledger)
        client.on_write = directory.changed  # this server's own changes invalidate the snapshots, fleet-wide
        app = AppState(
            settings=settings,
            client=client,
            guard=guard,
            releases=ReleaseGuard(guard, enabled=settings.releases_enabled),
            batches=BatchPurchaser(guard),
            directory=directory,
            groups=GroupDirectory(client, directory),
            links=parts.links,
            pages=parts.pages,
            toolsets=parts.toolsets,
        )
        from .shared.bulk_jobs import BulkJobs  # it works on AppState: imported once the state exists

        app.jobs = BulkJobs(app, lease_seconds=settings.job_lease_seconds, stopping=parts.stopping)
        async with anyio.create_task_group() as background:
            directory.background = background  # a new snapshot reaches the ledger after its first answer
            parts.pages.attach(background)
            background.start_soon(reconcile_periodically, guard, app.releases)
            background.start_soon(catch_up_periodically, guard)
            app.jobs.attach(background)  # and it resumes jobs nobody holds
            try:
                yield app
            finally:
                with anyio.CancelScope(shield=True):
                    await app.jobs.stop(settings.shutdown_grace_seconds)  # numbers in flight done, claims released
                    if not await parts.in_flight.wait_idle(settings.shutdown_grace_seconds):
                        logger.error("shutdown: %d purchase(s) or update(s) still in flight", parts.in_flight.count)
                parts.pages.close()
                background.cancel_scope.cancel()
