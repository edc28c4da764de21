"""A stop that drops nothing: the order in which an HTTP replica leaves its balancer on SIGTERM.

1. ``/readyz`` fails at once (404 ``draining``: HAProxy's ``http-check disable-on-404`` then sends it no
   new client, but keeps sending the sessions it already holds; a Kubernetes probe fails on any non-2xx)
   and every answer closes its connection, so the balancer keeps no idle connection to this replica;
2. for ``VOICE_TOOLS_DRAIN`` seconds the replica goes on serving whatever still reaches it, long enough
   for the balancer's health checks to see it leave (``deploy/haproxy.cfg`` checks every second);
3. it goes on serving until it is quiet: no call in progress, none begun for QUIET_SECONDS, and every
   2025-11-25 session that lives here ended or silent for SESSION_QUIET_SECONDS (bounded by the shutdown
   grace). Those sessions can be served nowhere else, and a call of theirs may wait for the answer to a
   form: closing the listener under them would strand that call and cut the session off between two
   calls. (A session silent for longer, or still open after the grace, ends with the replica: its
   client gets 404 and, as the protocol says, opens a new session.);
4. it stops accepting: a request that reaches it now fails to connect, which a balancer may safely
   send to another replica (nothing of it was read);
5. it waits for every call still in progress to be answered, 2025-11-25 answers on their event streams
   included (sse-starlette's own shutdown hook, which ended every stream at once and lost the answer
   to a call in flight although it was applied, is turned off), bounded by the shutdown grace;
6. it ends the streams that never end by themselves (a 2025-11-25 session's GET stream, a
   ``subscriptions/listen``), shuts the lifespan (which waits for purchases already sent) and exits 0.

A second SIGTERM (or SIGINT) skips what is left of the drain delay.
"""

from __future__ import annotations

import logging
import signal
import socket
import time
from collections.abc import Callable
from types import FrameType

import uvicorn
from sse_starlette.sse import AppStatus

from .limits import RequestLimit

logger = logging.getLogger("voice_tools.http")
QUIET_SECONDS = 1.0  # no call begun for this long: the balancer sends this replica nothing new
SESSION_QUIET_SECONDS = 5.0  # a 2025-11-25 session silent for this long is idle, not between two calls


class Drain:
    """Whether a stop has begun, and whether its delay is over: read by ``/readyz`` and the server."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self._clock = seconds, clock
        self._began: float | None = None

    @property
    def draining(self) -> bool:
        return self._began is not None

    def begin(self) -> None:
        if self._began is None:
            self._began = self._clock()

    def past_delay(self) -> float:
        """Seconds since the drain delay ended (0 before)."""
        return 0.0 if self._began is None else max(self._clock() - self._began - self.seconds, 0.0)

    def delay_over(self, extra: float = 0.0) -> bool:
        return self._began is not None and self._clock() - self._began >= self.seconds + extra


class DrainingServer(uvicorn.Server):
    """uvicorn, stopping in the order above, and ending a handled SIGTERM in exit status 0 as
    orchestrators expect of a clean stop (plain uvicorn raises the signal again, status -15)."""

    def __init__(self, config: uvicorn.Config, *, limit: RequestLimit, drain: Drain, grace_seconds: float) -> None:
        super().__init__(config)
        self.limit, self.drain, self.grace_seconds = limit, drain, grace_seconds
        # the SDK's SSE responses come from sse-starlette, whose import patches uvicorn to end every
        # stream on the first signal; streams are ended here instead, after the calls on them are answered
        AppStatus.enable_automatic_graceful_drain = False  # what its disable_automatic_graceful_drain() does

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.drain.draining and not self.should_exit:
            self.drain.begin()
            self.limit.closing_connections = True
            self._captured_signals.append(sig)
            logger.warning(
                "stopping: /readyz fails for %g s while the balancer moves traffic away; then the calls in "
                "progress are answered (a second signal skips the wait)",
                self.drain.seconds,
            )
        else:
            super().handle_exit(sig, frame)
        if sig == signal.SIGTERM and sig in self._captured_signals:
            self._captured_signals.remove(sig)

    async def on_tick(self, counter: int) -> bool:
        if self.drain.delay_over() and (
            self.limit.quiet_for(QUIET_SECONDS, SESSION_QUIET_SECONDS) or self.drain.delay_over(self.grace_seconds)
        ):
            self.should_exit = True
        return await super().on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.drain.begin()  # however the stop came (a signal, or should_exit set by an embedding program)
        self.limit.closing_connections = True
        for server in self.servers:
            server.close()  # no new connection from here on
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle ones close now, busy ones after their answer
        left = max(self.grace_seconds - self.drain.past_delay(), 1.0)  # one grace for lingering and calls
        if not await self.limit.calls_answered(left):
            logger.error("stopping: %d call(s) still in progress after the grace", self.limit.calls)
        self.limit.end_streams()
        await super().shutdown(sockets=None)
