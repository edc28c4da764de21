"""The SQLite ledger: the default, safe for any number of processes on one host.

Every operation is one ``BEGIN IMMEDIATE`` transaction, which takes SQLite's write lock before it reads,
so a check and its effect cannot interleave with another process's. WAL lets readers go on meanwhile,
and ``synchronous=FULL`` makes a committed reservation survive a crash or power cut before the
purchase request leaves. Calls run on a worker thread (one connection, one lock per ledger) so the
event loop never waits on the disk; cancelling the caller does not cancel a transaction in progress.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, cast

import anyio.to_thread

from .base import (
    ACTIVE,
    DONE,
    MAX_WRONG_CODES,
    OPEN,
    SETTLEABLE,
    UNRESOLVED,
    Attempt,
    BatchItem,
    BatchReservation,
    CodeCheck,
    Kind,
    Ledger,
    LedgerUnavailable,
    QuoteLook,
    Redemption,
    Reservation,
    Status,
    new_code,
    new_id,
)
from .sqlite_jobs import SqliteJobs

T = TypeVar("T")
SCHEMA = """
CREATE TABLE IF NOT EXISTS quotes (
    account TEXT NOT NULL, handle TEXT NOT NULL, contents TEXT NOT NULL, expires_at REAL NOT NULL,
    PRIMARY KEY (account, handle));
CREATE TABLE IF NOT EXISTS codes (
    account TEXT NOT NULL, code TEXT NOT NULL, quote TEXT NOT NULL, binding TEXT NOT NULL, expires_at REAL NOT NULL,
    PRIMARY KEY (account, code));
CREATE TABLE IF NOT EXISTS wrong_codes (
    account TEXT NOT NULL, quote TEXT NOT NULL, wrong INTEGER NOT NULL, expires_at REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (account, quote));
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY, account TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, quote TEXT,
    day TEXT NOT NULL, status TEXT NOT NULL, started_at REAL NOT NULL, settled_at REAL, details TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_by_day ON attempts (account, kind, day, status);
CREATE INDEX IF NOT EXISTS attempts_by_quote ON attempts (account, quote);
CREATE INDEX IF NOT EXISTS attempts_by_subject ON attempts (account, subject, status);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, line TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pauses (account TEXT PRIMARY KEY, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS identity (account TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    account TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL, status TEXT NOT NULL, owner TEXT,
    lease_until REAL NOT NULL, result TEXT, updated REAL NOT NULL, PRIMARY KEY (account, id));
CREATE TABLE IF NOT EXISTS job_items (
    account TEXT NOT NULL, job TEXT NOT NULL, item INTEGER NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (account, job, item));
CREATE INDEX IF NOT EXISTS job_items_by_state ON job_items (account, job, state);
CREATE TABLE IF NOT EXISTS daily (
    account TEXT NOT NULL, name TEXT NOT NULL, day TEXT NOT NULL, used INTEGER NOT NULL,
    PRIMARY KEY (account, name, day));
"""
_ACTIVE = tuple(sorted(ACTIVE))
_OPEN = tuple(sorted(OPEN))
# Built from constants only (the status tuples above); every value is a bound parameter.
_ATTEMPT = "SELECT id, kind, subject, quote, day, status, started_at, details FROM attempts"
_SELECT_OPEN = f"{_ATTEMPT} WHERE account = ? AND kind = ? AND status IN {_OPEN} ORDER BY started_at"
_SELECT_UNRESOLVED = f"{_ATTEMPT} WHERE account = ? AND kind = ? AND status = 'unresolved' ORDER BY started_at"
_SELECT_BY_QUOTE = f"{_ATTEMPT} WHERE account = ? AND quote = ? AND status IN {_ACTIVE} LIMIT 1"


class SqliteLedger(SqliteJobs, Ledger):
    def __init__(self, path: Path | str, account: str, *, clock: Callable[[], float] = time.time) -> None:
        self.account, self._clock = account, clock
        self.path = path
        self.url = "sqlite:///:memory:" if str(path) == ":memory:" else f"sqlite:///{path}"
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(wrong_codes)")}
        if "expires_at" not in columns:  # a ledger written before wrong guesses expired: their counts now do
            self._db.execute("ALTER TABLE wrong_codes ADD COLUMN expires_at REAL NOT NULL DEFAULT 0")

    # ------------------------------------------------------------- plumbing
    async def _run(self, fn: Callable[[sqlite3.Connection], T], *, write: bool = True) -> T:
        """``fn`` in one transaction on a worker thread. A write takes SQLite's write lock before it reads
        (``BEGIN IMMEDIATE``); a read (``write=False``) takes none, so it never waits for another process's
        writer (WAL: it sees the last commit)."""
        try:
            return await anyio.to_thread.run_sync(self._transaction, fn, write)
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as error:
            # a full or failing disk, a file locked past the timeout: nothing of this transaction was written
            raise LedgerUnavailable(self.url, str(error) or type(error).__name__) from error

    def _transaction(self, fn: Callable[[sqlite3.Connection], T], write: bool = True) -> T:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                result = fn(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return result

    def _audit(self, db: sqlite3.Connection, audit: dict[str, Any]) -> None:
        db.execute("INSERT INTO audit (account, line) VALUES (?, ?)", (self.account, _line(audit)))

    # ---------------------------------------------------------------- quotes
    async def save_quotes(self, quotes: Sequence[tuple[str, dict[str, Any]]], ttl_seconds: float) -> None:
        now = self._clock()

        def save(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM quotes WHERE expires_at < ?", (now,))
            db.executemany(
                "INSERT OR REPLACE INTO quotes VALUES (?, ?, ?, ?)",
                [(self.account, handle, _line(contents), now + ttl_seconds) for handle, contents in quotes],
            )

        await self._run(save)

    async def load_quote(self, handle: str) -> dict[str, Any] | None:
        now = self._clock()

        def load(db: sqlite3.Connection) -> dict[str, Any] | None:
            row = db.execute(
                "SELECT contents FROM quotes WHERE account = ? AND handle = ? AND expires_at >= ?",
                (self.account, handle, now),
            ).fetchone()
            return None if row is None else cast(dict[str, Any], json.loads(row[0]))

        return await self._run(load, write=False)

    async def look_quote(self, handle: str, kind: Kind, day: str) -> QuoteLook:
        now = self._clock()

        def look(db: sqlite3.Connection) -> QuoteLook:
            row = db.execute(
                "SELECT contents FROM quotes WHERE account = ? AND handle = ? AND expires_at >= ?",
                (self.account, handle, now),
            ).fetchone()
            contents = None if row is None else cast(dict[str, Any], json.loads(row[0]))
            holder = db.execute(_SELECT_BY_QUOTE, (self.account, handle)).fetchone()
            return QuoteLook(contents, None if holder is None else _attempt(holder), self._count(db, kind, day))

        return await self._run(look, write=False)

    # ----------------------------------------------------------------- codes
    async def issue_code(self, quote: str, binding: str, ttl_seconds: float) -> str | None:
        now = self._clock()

        def issue(db: sqlite3.Connection) -> str | None:
            if self._wrong(db, quote, now) >= MAX_WRONG_CODES:
                return None  # locked until the burnt codes would have expired
            db.execute("DELETE FROM codes WHERE expires_at < ?", (now,))
            while True:
                code = new_code()
                taken = db.execute("SELECT 1 FROM codes WHERE account = ? AND code = ?", (self.account, code))
                if taken.fetchone() is None:
                    break
            db.execute(
                "INSERT INTO codes VALUES (?, ?, ?, ?, ?)", (self.account, code, quote, binding, now + ttl_seconds)
            )
            return code

        return await self._run(issue)

    def _wrong(self, db: sqlite3.Connection, quote: str, now: float) -> int:
        """Wrong guesses against ``quote``'s codes while they live; a count outlives neither them nor a lock."""
        row = db.execute(
            "SELECT wrong, expires_at FROM wrong_codes WHERE account = ? AND quote = ?", (self.account, quote)
        ).fetchone()
        return 0 if row is None or row[1] < now else int(row[0])

    def _live_until(self, db: sqlite3.Connection, quote: str, now: float) -> float | None:
        """When the last live code issued for ``quote`` expires; None when none lives."""
        row = db.execute(
            "SELECT MAX(expires_at) FROM codes WHERE account = ? AND quote = ? AND expires_at >= ?",
            (self.account, quote, now),
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    async def redeem_code(self, quote: str, code: str, binding: str) -> CodeCheck:
        now = self._clock()

        def redeem(db: sqlite3.Connection) -> CodeCheck:
            wrong = self._wrong(db, quote, now)
            if wrong >= MAX_WRONG_CODES:
                return CodeCheck("locked", 0)
            row = db.execute(
                "SELECT quote, binding FROM codes WHERE account = ? AND code = ? AND expires_at >= ?",
                (self.account, code, now),
            ).fetchone()
            if row is not None and row[0] == quote and row[1] == binding:
                db.execute("DELETE FROM codes WHERE account = ? AND code = ?", (self.account, code))
                return CodeCheck("redeemed", MAX_WRONG_CODES - wrong)
            outcome: Redemption = "mismatch" if row is not None and row[0] == quote else "unknown"
            live_until = self._live_until(db, quote, now)
            if live_until is None:  # no code was issued for it, or every one expired: a guess burns nothing
                return CodeCheck(outcome, MAX_WRONG_CODES)
            wrong += 1
            db.execute(
                "INSERT OR REPLACE INTO wrong_codes VALUES (?, ?, ?, ?)", (self.account, quote, wrong, live_until)
            )
            if wrong >= MAX_WRONG_CODES:
                db.execute("DELETE FROM codes WHERE account = ? AND quote = ?", (self.account, quote))
                return CodeCheck("locked", 0)
            return CodeCheck(outcome, MAX_WRONG_CODES - wrong)

        return await self._run(redeem)

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
        now = self._clock()
        attempt_id = new_id("a")

        def reserve(db: sqlite3.Connection) -> Reservation:
            active = self._count(db, kind, day)
            if identity is not None and self._identity_id(db) != identity:
                return Reservation(None, "identity", active)
            if quote is not None:
                holder = self._holder(db, "quote", quote, _ACTIVE)
                if holder is not None:
                    return Reservation(None, "quote_used", active, holder)
            holder = self._holder(db, "subject", subject, _OPEN, kind)
            if holder is not None:
                return Reservation(None, "subject_pending", active, holder)
            if cap is not None and active >= cap:
                return Reservation(None, "cap_reached", active)
            db.execute(
                "INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?, 'sending', ?, NULL, ?)",
                (attempt_id, self.account, kind, subject, quote, day, now, _line(details)),
            )
            self._audit(db, {**audit, "attempt": attempt_id})
            attempt = Attempt(attempt_id, kind, subject, quote, day, "sending", now, details)
            return Reservation(attempt, None, active + 1)

        return await self._run(reserve)

    async def reserve_batch(
        self, kind: Kind, items: Sequence[BatchItem], day: str, cap: int | None, *, identity: str | None = None
    ) -> BatchReservation:
        now = self._clock()
        ids = [new_id("a") for _ in items]

        def reserve(db: sqlite3.Connection) -> BatchReservation:
            active = self._count(db, kind, day)
            if identity is not None and self._identity_id(db) != identity:
                return BatchReservation([], "identity", active)
            for item in items:
                if item.quote is not None and self._holder(db, "quote", item.quote, _ACTIVE) is not None:
                    return BatchReservation([], "quote_used", active, item.subject)
                if self._holder(db, "subject", item.subject, _OPEN, kind) is not None:
                    return BatchReservation([], "subject_pending", active, item.subject)
            if len({item.subject for item in items}) < len(items):
                return BatchReservation([], "subject_pending", active, items[0].subject)
            if cap is not None and active + len(items) > cap:
                return BatchReservation([], "cap_reached", active)
            attempts = []
            for attempt_id, item in zip(ids, items, strict=True):
                db.execute(
                    "INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?, 'sending', ?, NULL, ?)",
                    (attempt_id, self.account, kind, item.subject, item.quote, day, now, _line(item.details)),
                )
                self._audit(db, {**item.audit, "attempt": attempt_id})
                attempts.append(Attempt(attempt_id, kind, item.subject, item.quote, day, "sending", now, item.details))
            return BatchReservation(attempts, None, active + len(items))

        return await self._run(reserve)

    def _identity_id(self, db: sqlite3.Connection) -> str | None:
        row = db.execute("SELECT record FROM identity WHERE account = ?", (self.account,)).fetchone()
        return None if row is None else str(json.loads(row[0]).get("id"))

    def _count(self, db: sqlite3.Connection, kind: str, day: str) -> int:
        row = db.execute(
            f"SELECT COUNT(*) FROM attempts WHERE account = ? AND kind = ? AND day = ? AND status IN {_ACTIVE}",  # noqa: S608 - constants
            (self.account, kind, day),
        ).fetchone()
        return int(row[0])

    def _holder(
        self, db: sqlite3.Connection, column: str, value: str, statuses: tuple[str, ...], kind: str | None = None
    ) -> str | None:
        row = db.execute(
            f"SELECT status FROM attempts WHERE account = ? AND {column} = ? AND status IN {statuses} "  # noqa: S608 - constants
            "AND kind = coalesce(?, kind) LIMIT 1",
            (self.account, value, kind),
        ).fetchone()
        return None if row is None else str(row[0])

    async def settle(
        self, attempt_id: str, status: Status, audit: dict[str, Any], *, known: Attempt | None = None
    ) -> Attempt | None:
        now = self._clock()  # the transaction reads the attempt itself: ``known`` spares nothing here

        def settle(db: sqlite3.Connection) -> Attempt | None:
            current = self._attempt(db, attempt_id)
            if current is None or current.status not in SETTLEABLE or current.status == status:
                return None
            if current.status in UNRESOLVED and status not in DONE:  # only proof moves it on
                return None
            db.execute("UPDATE attempts SET status = ?, settled_at = ? WHERE id = ?", (status, now, attempt_id))
            self._audit(db, {**audit, "attempt": attempt_id})
            return replace(current, status=status)

        return await self._run(settle)

    def _attempt(self, db: sqlite3.Connection, attempt_id: str) -> Attempt | None:
        row = db.execute(f"{_ATTEMPT} WHERE id = ? AND account = ?", (attempt_id, self.account)).fetchone()
        return None if row is None else _attempt(row)

    async def attempt(self, attempt_id: str) -> Attempt | None:
        return await self._run(lambda db: self._attempt(db, attempt_id), write=False)

    async def open_attempts(self, kind: Kind) -> list[Attempt]:
        def select(db: sqlite3.Connection) -> list[Attempt]:
            rows = db.execute(_SELECT_OPEN, (self.account, kind))
            return [_attempt(row) for row in rows]

        return await self._run(select, write=False)

    async def unresolved_attempts(self, kind: Kind) -> list[Attempt]:
        def select(db: sqlite3.Connection) -> list[Attempt]:
            return [_attempt(row) for row in db.execute(_SELECT_UNRESOLVED, (self.account, kind))]

        return await self._run(select, write=False)

    async def active_on(self, kind: Kind, day: str) -> int:
        return await self._run(lambda db: self._count(db, kind, day), write=False)

    async def quote_holder(self, quote: str) -> Attempt | None:
        def select(db: sqlite3.Connection) -> Attempt | None:
            row = db.execute(_SELECT_BY_QUOTE, (self.account, quote)).fetchone()
            return None if row is None else _attempt(row)

        return await self._run(select, write=False)

    # -------------------------------------------------------------- identity
    async def identity(self) -> dict[str, Any] | None:
        def read(db: sqlite3.Connection) -> dict[str, Any] | None:
            row = db.execute("SELECT record FROM identity WHERE account = ?", (self.account,)).fetchone()
            return None if row is None else cast(dict[str, Any], json.loads(row[0]))

        return await self._run(read, write=False)

    async def claim_identity(self, record: dict[str, Any]) -> dict[str, Any]:
        def claim(db: sqlite3.Connection) -> dict[str, Any]:
            db.execute("INSERT OR IGNORE INTO identity VALUES (?, ?)", (self.account, _line(record)))
            row = db.execute("SELECT record FROM identity WHERE account = ?", (self.account,)).fetchone()
            return cast(dict[str, Any], json.loads(row[0]))

        return await self._run(claim)

    async def restore(self, attempts: Sequence[Attempt], audit: Sequence[dict[str, Any]]) -> int:
        def put_back(db: sqlite3.Connection) -> int:
            restored = 0
            for a in attempts:
                if self._attempt(db, a.id) is not None:
                    continue
                db.execute(
                    "INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                    (a.id, self.account, a.kind, a.subject, a.quote, a.day, a.status, a.started_at, _line(a.details)),
                )
                restored += 1
            known = {row[0] for row in db.execute("SELECT line FROM audit WHERE account = ?", (self.account,))}
            for line in audit:
                if _line(line) not in known:
                    self._audit(db, line)
            return restored

        return await self._run(put_back)

    # ---------------------------------------------------------- daily limits
    async def take(self, name: str, day: str, amount: int, limit: int) -> int | None:
        def take(db: sqlite3.Connection) -> int | None:
            used = self._taken(db, name, day)
            if used + amount > limit:
                return None
            db.execute("INSERT OR REPLACE INTO daily VALUES (?, ?, ?, ?)", (self.account, name, day, used + amount))
            return used + amount

        return await self._run(take)

    def _taken(self, db: sqlite3.Connection, name: str, day: str) -> int:
        row = db.execute(
            "SELECT used FROM daily WHERE account = ? AND name = ? AND day = ?", (self.account, name, day)
        ).fetchone()
        return 0 if row is None else int(row[0])

    async def taken(self, name: str, day: str) -> int:
        return await self._run(lambda db: self._taken(db, name, day), write=False)

    # ----------------------------------------------------------------- audit
    async def record(self, audit: dict[str, Any]) -> None:
        await self._run(lambda db: self._audit(db, audit))

    async def audit_trail(self) -> list[dict[str, Any]]:
        def select(db: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = db.execute("SELECT line FROM audit WHERE account = ? ORDER BY seq", (self.account,))
            return [json.loads(row[0]) for row in rows]

        return await self._run(select, write=False)

    async def pause_until(self, until: float) -> None:
        def pause(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO pauses VALUES (?, ?) "
                "ON CONFLICT (account) DO UPDATE SET until = max(until, excluded.until)",
                (self.account, until),
            )

        await self._run(pause)

    async def paused_until(self) -> float | None:
        now = self._clock()

        def read(db: sqlite3.Connection) -> float | None:
            row = db.execute("SELECT until FROM pauses WHERE account = ?", (self.account,)).fetchone()
            return float(row[0]) if row is not None and row[0] > now else None

        return await self._run(read, write=False)

    async def ping(self) -> None:
        await self._run(lambda db: db.execute("SELECT 1").fetchone(), write=False)

    async def aclose(self) -> None:
        with self._lock:
            self._db.close()


def _line(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), default=str, ensure_ascii=False)


def _attempt(row: Sequence[Any]) -> Attempt:
    attempt_id, kind, subject, quote, day, status, started_at, details = row
    return Attempt(attempt_id, kind, subject, quote, day, status, float(started_at), json.loads(details))
