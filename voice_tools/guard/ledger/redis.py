"""The Redis ledger: for replicas on several hosts sharing one account's guard memory.

Every check-and-effect is one Lua script, which Redis runs atomically: no other client's command runs
between the script's read of the day's count and its write of the reservation. All of an account's
keys share one hash tag (``{account}``), so the scripts also hold on a Redis Cluster.

Durability is Redis's own: with the default snapshotting a crash of Redis itself can lose the last
seconds of writes (a reservation among them); run Redis with ``appendonly yes`` and
``appendfsync always`` where that matters (the README's deployment section says so).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, cast

from .base import (
    ACTIVE,
    MAX_WRONG_CODES,
    OPEN,
    UNRESOLVED,
    Attempt,
    BatchItem,
    BatchReservation,
    CodeCheck,
    Kind,
    Ledger,
    LedgerUnavailable,
    QuoteLook,
    Reservation,
    Status,
    new_code,
    new_id,
)
from .redis_connection import unavailable_when_redis_fails
from .redis_jobs import RedisJobs
from .redis_scripts import ISSUE_CODE, REDEEM_CODE, RESERVE, RESERVE_BATCH, SETTLE, TAKE
from .urls import display_url

DAY_KEY_SECONDS = 3 * 24 * 3600

POOL_CONNECTIONS = 256 + 32  # the HTTP server's request cap (transports.limits), and room for the reconciler and probes
POOL_WAIT_SECONDS = 5.0  # past this a ledger call fails as Redis being unreachable would
ANSWER_SECONDS = 5.0  # a command Redis has not answered in this long fails (LedgerUnavailable), and is never re-sent
# A command given up on may still run: a frozen Redis (SIGSTOP, a stalled host or disk) keeps what was sent and
# runs it when it wakes. A reservation given up on was answered "nothing was done", so its script refuses to make
# it when Redis reaches it later than this after it was sent: below ANSWER_SECONDS, with 2 s of room for the
# clocks of Redis's host and this one to differ (NTP keeps them within milliseconds).
RESERVE_WITHIN_SECONDS = 3.0


def _connection_pool(url: str) -> Any:
    """A pool that waits for a free connection (bounded) instead of failing at once: redis-py's default
    pool of 100 raised MaxConnectionsError to the 101st concurrent caller. Sized so that every request in
    progress can hold one."""
    from redis.asyncio import BlockingConnectionPool
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError

    return BlockingConnectionPool.from_url(
        url,
        decode_responses=True,
        max_connections=POOL_CONNECTIONS,
        timeout=POOL_WAIT_SECONDS,
        # a pooled connection that Redis closed (a restart) is dialled again once, at once: calls resume as soon
        # as Redis is back instead of failing once per stale connection. Never a command that timed out: Redis may
        # have it and run it later (a reservation twice, a settlement whose second run finds it done). The same
        # retry object serves connecting, so a connection that timed out is not dialled again either: it is given
        # as long as a command (it was 2 s, dialled twice)
        retry=Retry(NoBackoff(), 1, supported_errors=(ConnectionError,)),
        retry_on_error=[ConnectionError],
        socket_connect_timeout=ANSWER_SECONDS,
        socket_timeout=ANSWER_SECONDS,
    )


@unavailable_when_redis_fails
class RedisLedger(RedisJobs, Ledger):
    def __init__(self, url: str, account: str, *, clock: Callable[[], float] = time.time) -> None:
        try:
            from redis.asyncio import Redis
        except ImportError as error:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "VOICE_TOOLS_LEDGER names Redis, but the redis package is not installed: "
                "install voice-tools with the 'redis' extra (pip install 'voice-tools[redis]')"
            ) from error
        self.account, self._clock = account, clock
        self.url = display_url(url)
        self._redis = Redis.from_pool(_connection_pool(url))  # owns the pool: aclose closes it
        self._prefix = f"voice-tools:{{{account}}}:"
        self._reserve = self._redis.register_script(RESERVE)
        self._reserve_batch = self._redis.register_script(RESERVE_BATCH)
        self._settle = self._redis.register_script(SETTLE)
        self._issue = self._redis.register_script(ISSUE_CODE)
        self._redeem = self._redis.register_script(REDEEM_CODE)
        self._take = self._redis.register_script(TAKE)
        self._register_job_scripts()

    def _key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    # ---------------------------------------------------------------- quotes
    async def save_quotes(self, quotes: Sequence[tuple[str, dict[str, Any]]], ttl_seconds: float) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for handle, contents in quotes:
                pipe.set(self._key("q", handle), _line(contents), px=int(ttl_seconds * 1000))
            await pipe.execute()

    async def load_quote(self, handle: str) -> dict[str, Any] | None:
        raw = await self._redis.get(self._key("q", handle))
        return None if raw is None else dict(json.loads(raw))

    async def look_quote(self, handle: str, kind: Kind, day: str) -> QuoteLook:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(self._key("q", handle))
            pipe.get(self._key("qa", handle))
            pipe.get(self._key("day", kind, day))
            raw, holder_id, active = await pipe.execute()
        holder = await self.attempt(holder_id) if holder_id else None  # a used quote: the refusal's path only
        return QuoteLook(
            None if raw is None else dict(json.loads(raw)),
            holder if holder is not None and holder.status in ACTIVE else None,
            int(active or 0),
        )

    # ----------------------------------------------------------------- codes
    async def issue_code(self, quote: str, binding: str, ttl_seconds: float) -> str | None:
        while True:
            code = new_code()
            keys = [self._key("w", quote), self._key("c", code), self._key("qc", quote)]
            done = await self._issue(keys=keys, args=[quote, binding, int(ttl_seconds * 1000), MAX_WRONG_CODES])
            if int(done) == 1:
                return code
            if int(done) == 0:
                return None

    async def redeem_code(self, quote: str, code: str, binding: str) -> CodeCheck:
        keys = [self._key("w", quote), self._key("c", code), self._key("qc", quote)]
        outcome, left = await self._redeem(keys=keys, args=[quote, binding, MAX_WRONG_CODES])
        return CodeCheck(outcome, int(left))

    # -------------------------------------------------------------- attempts
    async def reserve(
        self,
        kind: Kind,
        subject: str,
        quote: str | None,
        day: str,
        cap: int | None,
        details: dict[str, Any],
        audit: dict[str, Any],
        *,
        identity: str | None = None,
    ) -> Reservation:
        attempt_id, now = new_id("a"), self._clock()
        keys = [
            self._key("qa", quote or "-"),
            self._key("sub", kind, subject),
            self._key("day", kind, day),
            self._key("a", attempt_id),
            self._key("open", kind),
            self._key("audit"),
            self._key("identity"),
        ]
        args = [
            attempt_id,
            "1" if quote else "0",
            -1 if cap is None else cap,
            kind,
            subject,
            quote or "",
            day,
            repr(now),
            _line(details),
            _line({**audit, "attempt": attempt_id}),
            DAY_KEY_SECONDS,
            identity or "",
            _latest(),
        ]
        attempt = Attempt(attempt_id, kind, subject, quote, day, "sending", now, details)
        outcome, active, holder_id = await self._unsure(self._reserve(keys=keys, args=args), [attempt])
        self._not_late(outcome)
        if outcome == "reserved":
            return Reservation(attempt, None, int(active))
        holder = await self.attempt(holder_id) if holder_id else None
        return Reservation(None, outcome, int(active), holder.status if holder else None)

    async def reserve_batch(
        self, kind: Kind, items: Sequence[BatchItem], day: str, cap: int | None, *, identity: str | None = None
    ) -> BatchReservation:
        ids, now = [new_id("a") for _ in items], self._clock()
        keys = [self._key("day", kind, day), self._key("open", kind), self._key("audit"), self._key("identity")]
        args: list[Any] = [
            len(items),
            -1 if cap is None else cap,
            kind,
            day,
            repr(now),
            DAY_KEY_SECONDS,
            identity or "",
            _latest(),
        ]
        for attempt_id, item in zip(ids, items, strict=True):
            keys += [
                self._key("qa", item.quote or "-"),
                self._key("sub", kind, item.subject),
                self._key("a", attempt_id),
            ]
            args += [
                attempt_id,
                "1" if item.quote else "0",
                item.subject,
                item.quote or "",
                _line(item.details),
                _line({**item.audit, "attempt": attempt_id}),
            ]
        attempts = [
            Attempt(attempt_id, kind, item.subject, item.quote, day, "sending", now, item.details)
            for attempt_id, item in zip(ids, items, strict=True)
        ]
        outcome, active, subject = await self._unsure(self._reserve_batch(keys=keys, args=args), attempts)
        self._not_late(outcome)
        if outcome != "reserved":
            return BatchReservation([], outcome, int(active), subject or None)
        return BatchReservation(attempts, None, int(active))

    async def _unsure(self, script: Awaitable[Any], attempts: Sequence[Attempt]) -> Any:
        """Run a reservation script; when its answer does not come (timed out, the connection lost), the
        attempts it may have made go with the LedgerUnavailable, for the guard to withdraw."""
        from redis.exceptions import RedisError

        try:
            return await script
        except (RedisError, OSError) as error:
            raise LedgerUnavailable(self.url, f"{type(error).__name__}: {error}", unsure=attempts) from error

    def _not_late(self, outcome: str) -> None:
        if outcome == "late":
            raise LedgerUnavailable(
                self.url,
                f"Redis reached the reservation more than {RESERVE_WITHIN_SECONDS:g} s after it was sent (it stalled, "
                "or its clock is ahead of this host's), so it made none",
            )

    async def settle(
        self, attempt_id: str, status: Status, audit: dict[str, Any], *, known: Attempt | None = None
    ) -> Attempt | None:
        if known is not None and known.id == attempt_id:  # one round trip: the script checks what it was told
            done = await self._settle_as(known, status, audit, checked=True)
            if done >= 0:
                return replace(known, status=status) if done == 1 else None
        current = await self.attempt(attempt_id)
        if current is None:
            return None
        done = await self._settle_as(current, status, audit, checked=False)
        return replace(current, status=status) if done == 1 else None

    async def _settle_as(self, current: Attempt, status: Status, audit: dict[str, Any], *, checked: bool) -> int:
        """Run the settle script with the keys ``current`` names: 1 settled, 0 not (already settled), -1 the
        attempt is not what ``current`` says (only when ``checked``)."""
        attempt_id = current.id
        keys = [
            self._key("a", attempt_id),
            self._key("qa", current.quote or "-"),
            self._key("sub", current.kind, current.subject),
            self._key("day", current.kind, current.day),
            self._key("open", current.kind),
            self._key("audit"),
            self._key("unresolved", current.kind),
        ]
        expected = "|".join((current.kind, current.subject, current.quote or "", current.day)) if checked else ""
        line = _line({**audit, "attempt": attempt_id})
        return int(await self._settle(keys=keys, args=[attempt_id, status, repr(self._clock()), line, expected]))

    async def attempt(self, attempt_id: str) -> Attempt | None:
        fields = cast(dict[str, str], await self._redis.hgetall(self._key("a", attempt_id)))
        return _attempt(attempt_id, fields) if fields else None

    async def open_attempts(self, kind: Kind) -> list[Attempt]:
        return await self._listed("open", kind, OPEN)

    async def unresolved_attempts(self, kind: Kind) -> list[Attempt]:
        return await self._listed("unresolved", kind, UNRESOLVED)

    async def _listed(self, index: str, kind: Kind, statuses: frozenset[str]) -> list[Attempt]:
        """The attempts an index names, read in one more round trip, keeping those still in ``statuses``: one
        settled between the two reads (its status only moves on) has left the list, and its reader must not act
        on it (the reconciler would look it up and count an answer that was never lost)."""
        ids = cast(list[str], await self._redis.zrange(self._key(index, kind), 0, -1))
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for attempt_id in ids:
                pipe.hgetall(self._key("a", attempt_id))
            rows = cast(list[dict[str, str]], await pipe.execute())
        found = [_attempt(attempt_id, fields) for attempt_id, fields in zip(ids, rows, strict=True) if fields]
        return [a for a in found if a.status in statuses]

    async def active_on(self, kind: Kind, day: str) -> int:
        return int(await self._redis.get(self._key("day", kind, day)) or 0)

    async def quote_holder(self, quote: str) -> Attempt | None:
        holder_id = cast(str | None, await self._redis.get(self._key("qa", quote)))
        holder = await self.attempt(holder_id) if holder_id else None
        return holder if holder is not None and holder.status in ACTIVE else None

    # -------------------------------------------------------------- identity
    async def identity(self) -> dict[str, Any] | None:
        raw = await self._redis.get(self._key("identity"))
        return None if raw is None else dict(json.loads(raw))

    async def claim_identity(self, record: dict[str, Any]) -> dict[str, Any]:
        await self._redis.set(self._key("identity"), _line(record), nx=True)
        stored = await self.identity()
        assert stored is not None
        return stored

    async def restore(self, attempts: Sequence[Attempt], audit: Sequence[dict[str, Any]]) -> int:
        restored = 0
        for a in attempts:
            key = self._key("a", a.id)
            if await self._redis.exists(key):
                continue
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping={
                    "kind": a.kind, "subject": a.subject, "quote": a.quote or "", "day": a.day, "status": a.status,
                    "started_at": repr(a.started_at), "details": _line(a.details),
                })  # fmt: skip
                if a.status in ACTIVE:
                    pipe.incr(self._key("day", a.kind, a.day))
                    pipe.expire(self._key("day", a.kind, a.day), DAY_KEY_SECONDS)
                    if a.quote:
                        pipe.set(self._key("qa", a.quote), a.id)
                if a.status in OPEN:
                    pipe.set(self._key("sub", a.kind, a.subject), a.id)
                    pipe.zadd(self._key("open", a.kind), {a.id: a.started_at})
                if a.status == "unresolved":
                    pipe.zadd(self._key("unresolved", a.kind), {a.id: a.started_at})
                await pipe.execute()
            restored += 1
        known = set(cast(list[str], await self._redis.lrange(self._key("audit"), 0, -1)))
        missing = [_line(line) for line in audit if _line(line) not in known]
        if missing:
            await self._redis.rpush(self._key("audit"), *missing)
        return restored

    # ---------------------------------------------------------- daily limits
    async def take(self, name: str, day: str, amount: int, limit: int) -> int | None:
        used = int(await self._take(keys=[self._key("daily", name, day)], args=[amount, limit, DAY_KEY_SECONDS]))
        return None if used < 0 else used

    async def taken(self, name: str, day: str) -> int:
        return int(await self._redis.get(self._key("daily", name, day)) or 0)

    # ----------------------------------------------------------------- audit
    async def record(self, audit: dict[str, Any]) -> None:
        await self._redis.rpush(self._key("audit"), _line(audit))

    async def audit_trail(self) -> list[dict[str, Any]]:
        lines = await self._redis.lrange(self._key("audit"), 0, -1)
        return [json.loads(line) for line in lines]

    async def pause_until(self, until: float) -> None:
        key = self._key("pause")
        # GT: a later pause extends, an earlier one never shortens; the key expires with the latest pause
        await self._redis.zadd(key, {"until": until}, gt=True)
        latest = await self._redis.zscore(key, "until")
        await self._redis.expireat(key, int(latest if latest is not None else until) + 1)

    async def paused_until(self) -> float | None:
        until = await self._redis.zscore(self._key("pause"), "until")
        return float(until) if until is not None and float(until) > self._clock() else None

    async def ping(self) -> None:
        await self._redis.ping()

    async def aclose(self) -> None:
        await self._redis.aclose()


def _latest() -> int:
    """The latest moment a reservation sent now may still be made, in ms of the wall clock (Redis's, in the
    script: never the ledger's own clock, which tests move)."""
    return int((time.time() + RESERVE_WITHIN_SECONDS) * 1000)


def _line(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), default=str, ensure_ascii=False)


def _attempt(attempt_id: str, fields: dict[str, str]) -> Attempt:
    return Attempt(
        attempt_id,
        fields["kind"],  # type: ignore[arg-type]
        fields["subject"],
        fields.get("quote") or None,
        fields["day"],
        fields["status"],  # type: ignore[arg-type]
        float(fields["started_at"]),
        json.loads(fields.get("details") or "{}"),
    )
