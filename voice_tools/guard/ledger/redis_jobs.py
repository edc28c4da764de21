"""A bulk job's record in the Redis ledger (``Ledger``'s job operations): a hash for the job, one for its items
and one for their counts by state; claiming and each step are one Lua script, so only the lease holder writes
and one replica at a time claims a job. Its keys share the account's hash tag, as every other ledger key."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import Any, cast

from .base import JOB_KEEP_SECONDS, JobState

CLAIM_JOB = """
local f = redis.call('HMGET', KEYS[1], 'status', 'owner', 'lease_until')
if f[1] ~= 'running' then return 0 end
local owner = f[2] or ''
if owner ~= '' and tonumber(f[3]) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'lease_until', ARGV[3], 'updated', ARGV[2])
return 1
"""

# KEYS: the job, its items, its counts by state, the jobs list. ARGV: owner, now, lease until, release, result
# ('' while running), seconds to keep, the job's id, then per item: id, data, state.
JOB_STEP = """
local f = redis.call('HMGET', KEYS[1], 'owner', 'status')
if f[1] ~= ARGV[1] or f[2] ~= 'running' then return 0 end
for i = 8, #ARGV, 3 do
  local old = redis.call('HGET', KEYS[2], ARGV[i])
  if old then redis.call('HINCRBY', KEYS[3], cjson.decode(old)['state'], -1) end
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('HINCRBY', KEYS[3], ARGV[i + 2], 1)
end
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[1], 'status', 'done', 'result', ARGV[5], 'owner', '', 'lease_until', '0', 'updated', ARGV[2])
  redis.call('ZREM', KEYS[4], ARGV[7])
elseif ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], 'owner', '', 'lease_until', '0', 'updated', ARGV[2])
else
  redis.call('HSET', KEYS[1], 'lease_until', ARGV[3], 'updated', ARGV[2])
end
for k = 1, 3 do redis.call('EXPIRE', KEYS[k], tonumber(ARGV[6])) end
return 1
"""


def line(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), default=str, ensure_ascii=False)


class RedisJobs:
    """The job operations of ``RedisLedger`` (wrapped with it: a Redis failure is ``LedgerUnavailable``)."""

    _redis: Any
    _clock: Callable[[], float]
    _key: Callable[..., str]

    def _register_job_scripts(self) -> None:
        self._claim_job = self._redis.register_script(CLAIM_JOB)
        self._job_step = self._redis.register_script(JOB_STEP)

    def _job_keys(self, job_id: str) -> list[str]:
        return [self._key("job", job_id), self._key("ji", job_id), self._key("jc", job_id), self._key("jobs")]

    async def create_job(
        self, job_id: str, record: dict[str, Any], items: Mapping[int, dict[str, Any]], owner: str, lease_seconds: float
    ) -> JobState:
        now = self._clock()
        job, job_items, counts, jobs = self._job_keys(job_id)
        tally: dict[str, int] = {}
        for data in items.values():
            tally[data["state"]] = tally.get(data["state"], 0) + 1
        keep = int(JOB_KEEP_SECONDS)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(job, mapping={
                "record": line(record), "status": "running", "owner": owner, "lease_until": repr(now + lease_seconds),
                "result": "", "updated": repr(now),
            })  # fmt: skip
            if items:
                pipe.hset(job_items, mapping={str(item): line(data) for item, data in items.items()})
                pipe.hset(counts, mapping={state: str(n) for state, n in tally.items()})
            pipe.zadd(jobs, {job_id: now})
            for key in (job, job_items, counts):
                pipe.expire(key, keep)
            await pipe.execute()
        return JobState(job_id, record, "running", owner, now + lease_seconds, tally)

    async def claim_job(self, job_id: str, owner: str, lease_seconds: float) -> JobState | None:
        now = self._clock()
        claimed = await self._claim_job(
            keys=self._job_keys(job_id)[:1], args=[owner, repr(now), repr(now + lease_seconds)]
        )
        return await self.job(job_id) if int(claimed) == 1 else None

    async def claimable_jobs(self) -> list[str]:
        now = self._clock()
        ids = cast(list[str], await self._redis.zrange(self._key("jobs"), 0, -1))
        found = []
        for job_id in ids:
            status, owner, lease_until = await self._redis.hmget(
                self._key("job", job_id), ["status", "owner", "lease_until"]
            )
            if status is None:  # expired with its keys: forget it
                await self._redis.zrem(self._key("jobs"), job_id)
            elif status == "running" and (not owner or float(lease_until or 0) < now):
                found.append(job_id)
        return found

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
        args: list[Any] = [
            owner,
            repr(now),
            repr(now + lease_seconds),
            "1" if release else "0",
            "" if result is None else line(result),
            int(JOB_KEEP_SECONDS),
            job_id,
        ]
        for item, data in items.items():
            args += [str(item), line(data), data["state"]]
        return int(await self._job_step(keys=self._job_keys(job_id), args=args)) == 1

    async def job(self, job_id: str) -> JobState | None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self._key("job", job_id))
            pipe.hgetall(self._key("jc", job_id))
            fields, counts = await pipe.execute()
        if not fields:
            return None
        return JobState(
            job_id,
            json.loads(fields["record"]),
            fields["status"],
            fields.get("owner") or None,
            float(fields.get("lease_until") or 0),
            {state: int(n) for state, n in counts.items() if int(n)},
            json.loads(fields["result"]) if fields.get("result") else None,
        )

    async def job_items(self, job_id: str, states: Collection[str] | None = None) -> dict[int, dict[str, Any]]:
        raw = cast(dict[str, str], await self._redis.hgetall(self._key("ji", job_id)))
        items = {int(item): json.loads(data) for item, data in raw.items()}
        return {i: d for i, d in items.items() if states is None or d["state"] in states}
