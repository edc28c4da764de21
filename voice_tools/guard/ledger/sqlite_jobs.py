"""A bulk job's record in the SQLite ledger (``Ledger``'s job operations): two tables, each operation one
transaction, so only the lease holder writes and one replica at a time claims a job."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from .base import JOB_KEEP_SECONDS, JobState

T = TypeVar("T")


def line(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), default=str, ensure_ascii=False)


class SqliteJobs:
    """The job operations of ``SqliteLedger`` (its tables ``jobs`` and ``job_items`` are in its schema)."""

    account: str
    _clock: Callable[[], float]

    if TYPE_CHECKING:

        async def _run(self, fn: Callable[[sqlite3.Connection], T], *, write: bool = True) -> T: ...

    async def create_job(
        self, job_id: str, record: dict[str, Any], items: Mapping[int, dict[str, Any]], owner: str, lease_seconds: float
    ) -> JobState:
        now = self._clock()

        def create(db: sqlite3.Connection) -> JobState:
            old = db.execute(
                "SELECT id FROM jobs WHERE account = ? AND updated < ?", (self.account, now - JOB_KEEP_SECONDS)
            ).fetchall()
            for (gone,) in old:
                db.execute("DELETE FROM job_items WHERE account = ? AND job = ?", (self.account, gone))
                db.execute("DELETE FROM jobs WHERE account = ? AND id = ?", (self.account, gone))
            db.execute(
                "INSERT INTO jobs VALUES (?, ?, ?, 'running', ?, ?, NULL, ?)",
                (self.account, job_id, line(record), owner, now + lease_seconds, now),
            )
            db.executemany(
                "INSERT INTO job_items VALUES (?, ?, ?, ?, ?)",
                [(self.account, job_id, item, data["state"], line(data)) for item, data in items.items()],
            )
            found = self._job(db, job_id)
            assert found is not None
            return found

        return await self._run(create)

    def _job(self, db: sqlite3.Connection, job_id: str) -> JobState | None:
        row = db.execute(
            "SELECT record, status, owner, lease_until, result FROM jobs WHERE account = ? AND id = ?",
            (self.account, job_id),
        ).fetchone()
        if row is None:
            return None
        counts = dict(
            db.execute(
                "SELECT state, COUNT(*) FROM job_items WHERE account = ? AND job = ? GROUP BY state",
                (self.account, job_id),
            ).fetchall()
        )
        record, status, owner, lease_until, result = row
        return JobState(
            job_id,
            json.loads(record),
            status,
            owner,
            float(lease_until),
            counts,
            json.loads(result) if result else None,
        )

    async def claim_job(self, job_id: str, owner: str, lease_seconds: float) -> JobState | None:
        now = self._clock()

        def claim(db: sqlite3.Connection) -> JobState | None:
            found = self._job(db, job_id)
            if found is None or not found.claimable(now):
                return None
            db.execute(
                "UPDATE jobs SET owner = ?, lease_until = ?, updated = ? WHERE account = ? AND id = ?",
                (owner, now + lease_seconds, now, self.account, job_id),
            )
            return replace(found, owner=owner, lease_until=now + lease_seconds)

        return await self._run(claim)

    async def claimable_jobs(self) -> list[str]:
        now = self._clock()

        def select(db: sqlite3.Connection) -> list[str]:
            rows = db.execute(
                "SELECT id FROM jobs WHERE account = ? AND status = 'running' AND (owner IS NULL OR lease_until < ?) "
                "ORDER BY updated",
                (self.account, now),
            )
            return [str(row[0]) for row in rows]

        return await self._run(select, write=False)

    async def job_step(
        self,
        job_id: str,
        owner: str,
        lease_seconds: float,
        items: Mapping[int, dict[str, Any]],
        *,
        result: dict[str, Any] | None = None,
        release: bool = False,
    ) -> bool:
        now = self._clock()

        def step(db: sqlite3.Connection) -> bool:
            row = db.execute(
                "SELECT owner, status FROM jobs WHERE account = ? AND id = ?", (self.account, job_id)
            ).fetchone()
            if row is None or row[0] != owner or row[1] != "running":
                return False
            db.executemany(
                "UPDATE job_items SET state = ?, data = ? WHERE account = ? AND job = ? AND item = ?",
                [(data["state"], line(data), self.account, job_id, item) for item, data in items.items()],
            )
            db.execute(
                "UPDATE jobs SET owner = ?, lease_until = ?, status = ?, result = ?, updated = ? "
                "WHERE account = ? AND id = ?",
                (
                    None if release or result is not None else owner,
                    0.0 if release or result is not None else now + lease_seconds,
                    "running" if result is None else "done",
                    None if result is None else line(result),
                    now,
                    self.account,
                    job_id,
                ),
            )
            return True

        return await self._run(step)

    async def job(self, job_id: str) -> JobState | None:
        return await self._run(lambda db: self._job(db, job_id), write=False)

    async def job_items(self, job_id: str, states: Collection[str] | None = None) -> dict[int, dict[str, Any]]:
        def select(db: sqlite3.Connection) -> dict[int, dict[str, Any]]:
            rows = db.execute(
                "SELECT item, state, data FROM job_items WHERE account = ? AND job = ?", (self.account, job_id)
            )
            return {int(i): json.loads(data) for i, state, data in rows if states is None or state in states}

        return await self._run(select, write=False)
