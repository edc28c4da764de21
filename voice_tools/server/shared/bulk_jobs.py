"""A confirmed bulk change runs as a job in the ledger: each number changed once, whatever stops the server.

**What is done.** The job holds the plan's targets, each with the values the person saw. Before a number is
sent its values are read again: from the account's listing, page by page (one request per 100 numbers, for a
change of attributes over many numbers), or from the number itself (a change of settings, which only a
number's own read returns, or a few numbers among many). A number that already has every value is
``unchanged``; one whose values changed since the preview is left as it is (``changed_since_preview``); a
number no longer in the account is ``gone``; the rest are sent, a few at a time, and each is audited on its
own (``number_changes.apply``). Zendesk's rate limit is waited out, never counted as a failure: the client
paces and waits (and shares a pause with every replica), and a job that still meets a 429 puts the number back
and waits as long as Zendesk says.

**Each number once.** Before its request leaves, a number is marked ``sending`` in the ledger, in the same step
that checks this replica still holds the job's lease (``Ledger.job_step``); its outcome is written after.
A job resumed after a crash first reads back every number left ``sending`` (its request may have been sent
and its answer lost): one that holds the new values is ``applied`` and is not sent again; the others are
checked and sent like any pending number. Numbers already done are skipped.

**Who resumes it.** The replica that started the job holds a lease, renewed at every step. On a stop (SIGTERM,
or the end of a session in process) the job finishes the numbers in flight, writes their outcomes, and releases
the lease; a replica that dies (SIGKILL) stops renewing it. Every replica looks for running jobs nobody holds
every third of a lease (and at start) and claims one in one atomic step, so exactly one resumes it; a status
read (``update_numbers(job=...)``) of such a job resumes it on the replica that answers.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
from anyio.abc import TaskGroup

from voice_tools.client import NotFoundError, RateLimitError, ZendeskError
from voice_tools.client.talk import PHONE_NUMBERS
from voice_tools.guard.ledger import JobState, LedgerUnavailable, new_id
from voice_tools.models import PhoneNumber
from voice_tools.models.pages import PhoneNumberPage

from ..state import AppState
from .bulk_plans import TOOL, BulkPlan, values_of, wanted_of
from .errors import explain
from .number_changes import Planned, Request, apply, parse_request
from .results import Change

logger = logging.getLogger("voice_tools.jobs")
T = TypeVar("T")
PUT_CONCURRENCY = 8
READ_CHUNK = 16  # numbers read and sent together where each is read on its own
PER_PAGE = 100
SUCCEEDED = frozenset({"applied", "unchanged"})
FAILED = frozenset({"not_applied", "unknown", "changed_since_preview", "gone"})
FINAL = SUCCEEDED | FAILED


class LostLease(Exception):
    """Another replica holds the job now (this one's lease expired): this one stops, writing nothing."""


class Stopping(Exception):
    """This server is stopping: the job stops at a safe point and releases its lease."""


@dataclass
class Progress:
    """A job running on this replica, as the call that waits for it sees it."""

    job: str
    total: int
    counts: Counter[str] = field(default_factory=Counter)
    status: str = "running"  # running; done; paused (this server stopped); moved (another replica has it)
    changed: anyio.Event = field(default_factory=anyio.Event)
    finished: anyio.Event = field(default_factory=anyio.Event)

    @property
    def done(self) -> int:
        return sum(n for state, n in self.counts.items() if state in FINAL)

    def touch(self) -> None:
        self.changed.set()
        self.changed = anyio.Event()


def replica_id() -> str:
    """Who holds a lease: this host and process, and a random part (a process may serve several lifespans)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{new_id('', 6)}"


class BulkJobs:
    """This replica's bulk jobs: started here, or resumed here from the ledger."""

    def __init__(self, app: AppState, *, lease_seconds: float, stopping: Callable[[], bool]) -> None:
        self.app, self.lease, self._stop_flag = app, lease_seconds, stopping
        self.owner = replica_id()
        self.running: dict[str, Progress] = {}
        self._claiming: set[str] = set()
        self._group: TaskGroup | None = None
        self._stopped = False

    @property
    def stopping(self) -> bool:
        return self._stopped or self._stop_flag()

    def attach(self, group: TaskGroup) -> None:
        """Where jobs run: the lifespan's task group, so a job outlives the call that started it."""
        self._group = group
        group.start_soon(self._look_for_orphans)

    async def start(self, plan: BulkPlan, confirmed_by: str, client: dict[str, Any] | None, job_id: str) -> Progress:
        """Record the job (leased to this replica) and run it here."""
        record = {
            "plan": plan.handle,
            "changes": plan.request.wanted or None,
            "settings": plan.request.settings.payload() if plan.request.settings else None,
            "mode": _mode(plan),
            "summary": plan.summary,
            "confirmed_by": confirmed_by,
            "client": client,
            "started": time.time(),
        }
        items = {
            t.id: {"state": "pending", "number": t.number, "name": t.name, "before": t.before} for t in plan.targets
        }
        state = await self.app.guard.ledger.create_job(job_id, record, items, self.owner, self.lease)
        return self._launch(state, items)

    async def resume(self, job_id: str) -> Progress | None:
        """Claim a job nobody holds and run it here; None when it is done, running here, or another's."""
        if job_id in self.running or job_id in self._claiming or self.stopping or self._group is None:
            return self.running.get(job_id)
        self._claiming.add(job_id)  # a status read and the scan may both find it: one claim, one runner
        try:
            state = await self.app.guard.ledger.claim_job(job_id, self.owner, self.lease)
        finally:
            self._claiming.discard(job_id)
        if state is None:
            return None
        items = await self.app.guard.ledger.job_items(job_id)
        left = sum(1 for d in items.values() if d["state"] not in FINAL)
        await self.app.guard.write_after(
            "bulk", outcome="resumed", job=job_id, plan=state.record.get("plan"), left=left
        )
        return self._launch(state, items)

    def _launch(self, state: JobState, items: dict[int, dict[str, Any]]) -> Progress:
        progress = Progress(state.id, len(items), Counter(d["state"] for d in items.values()))
        self.running[state.id] = progress
        assert self._group is not None, "jobs run in the lifespan's task group (attach)"
        self._group.start_soon(self._run, state, items, progress)
        return progress

    async def _run(self, state: JobState, items: dict[int, dict[str, Any]], progress: Progress) -> None:
        try:
            await _Runner(self, state, items, progress).run()
        except LostLease:
            progress.status = "moved"
            logger.warning("job %s: another replica holds it now; stopped here", state.id)
        except Stopping:
            progress.status = "paused"
            with anyio.CancelScope(shield=True):
                await self._release(state.id, progress)
        except anyio.get_cancelled_exc_class():  # the lifespan ended under it: the same, and the cancel goes on
            progress.status = "paused"
            with anyio.CancelScope(shield=True):
                await self._release(state.id, progress)
            raise
        except LedgerUnavailable as down:  # its lease runs out; a replica resumes it once the ledger answers
            progress.status = "paused"
            logger.warning("job %s: %s; it resumes when the ledger answers", state.id, down)
        except Exception:
            progress.status = "paused"
            logger.exception("job %s stopped on an error; it resumes when its lease runs out", state.id)
        finally:
            self.running.pop(state.id, None)
            progress.finished.set()
            progress.touch()

    async def _release(self, job_id: str, progress: Progress) -> None:
        try:
            if await self.app.guard.ledger.job_step(job_id, self.owner, self.lease, {}, release=True):
                left = progress.total - progress.done
                await self.app.guard.write_after(
                    "bulk", outcome="paused", job=job_id, left=left, reason="this server stopped"
                )
        except LedgerUnavailable:
            logger.warning("job %s: the ledger is unavailable; its lease runs out instead", job_id)

    async def _look_for_orphans(self) -> None:
        """Resume jobs nobody holds (a replica died or stopped), now and every third of a lease."""
        while not self.stopping:
            try:
                for job_id in await self.app.guard.ledger.claimable_jobs():
                    await self.resume(job_id)
            except LedgerUnavailable as down:
                logger.warning("jobs: %s; will look again", down)
            except Exception:  # never the lifespan's end: the next look may do better
                logger.exception("jobs: could not look for jobs to resume; will look again")
            await anyio.sleep(self.lease / 3)

    async def stop(self, seconds: float) -> None:
        """This server is stopping: every job here finishes the numbers in flight, writes their outcomes and
        releases its lease, within ``seconds``."""
        self._stopped = True
        with anyio.move_on_after(seconds):
            for progress in list(self.running.values()):
                await progress.finished.wait()


def _mode(plan: BulkPlan) -> str:
    """Read each number (settings in the change, or few targets among many numbers) or walk the listing."""
    pages = -(-plan.account // PER_PAGE)
    settings = any(f.startswith("settings.") for f in plan.wanted)
    return "read" if settings or len(plan.targets) <= pages else "walk"


def decide(item: dict[str, Any], now: PhoneNumber, wanted: dict[str, Any]) -> tuple[str, list[Change]]:
    """What to do with one target, from what it holds now: ``send`` the diff, or a final state. A value that is
    not the one the person saw is a change since the preview; a number that has every new value (settings read
    only now) is ``unchanged``. A target left ``sending`` (its request may have gone) that holds the new values
    was ``applied``, and a field it holds at its new value is no change since the preview."""
    ours = item["state"] == "sending"
    values = values_of(now, wanted)
    diff = [Change(field=f, before=values[f], after=v) for f, v in wanted.items() if f in values and values[f] != v]
    complete = not diff and len(values) == len(wanted)
    if ours and complete:
        return "applied", []
    for name, before in item.get("before", {}).items():
        if name in values and values[name] != before and not (ours and values[name] == wanted.get(name)):
            return "changed_since_preview", diff  # even to the new value: the person saw another state
    return ("unchanged", []) if complete else ("send", diff)


class _Runner:
    """One run of one job on this replica (from its start, or from where a stopped or dead one left it)."""

    def __init__(self, jobs: BulkJobs, state: JobState, items: dict[int, dict[str, Any]], progress: Progress) -> None:
        self.jobs, self.app, self.job, self.record = jobs, jobs.app, state.id, state.record
        self.items, self.progress = items, progress
        self.request: Request | None = None
        self.wanted: dict[str, Any] = {}
        self.lost = False  # the heartbeat found another replica holding the job

    async def run(self) -> None:
        self.request = await parse_request(self.app, None, self.record["changes"], self.record["settings"], TOOL)
        self.wanted = wanted_of(self.request)
        # first what may have been sent before a crash, then the rest
        left = [i for i, d in self.items.items() if d["state"] == "sending"]
        left += [i for i, d in self.items.items() if d["state"] == "pending"]
        if self.record.get("mode") == "walk" and len(left) > READ_CHUNK:
            left = await self._walk(left)
        while left:
            self._check_stop()
            chunk, left = left[:READ_CHUNK], left[READ_CHUNK:]
            left += await self._read_and_apply(chunk)
        counts = {state: n for state, n in self.progress.counts.items() if n}
        await self._step({}, result=counts)
        self.progress.status = "done"
        await self.app.guard.write_after("bulk", outcome="done", job=self.job, plan=self.record.get("plan"), **counts)

    def _check_stop(self) -> None:
        if self.jobs.stopping:
            raise Stopping

    # ------------------------------------------------------------------ reading the targets again
    async def _walk(self, targets: list[int]) -> list[int]:
        """The account's listing, page by page, each page's targets checked and sent before the next page is
        read; the targets it did not meet (the list shifted, or one was removed) are returned, to be read one
        by one."""
        unseen = set(targets)
        url: str | None = PHONE_NUMBERS
        params: dict[str, str | int] | None = {"per_page": PER_PAGE}
        later: list[int] = []
        while url and unseen:
            self._check_stop()
            try:
                page = await self._page(url, params)
            except ZendeskError as error:
                logger.warning("job %s: the listing failed (%s); the rest are read one by one", self.job, error)
                break
            met = [n for n in page.phone_numbers if n.id in unseen]
            unseen -= {n.id for n in met}
            later += await self._decide_and_apply([(n.id, n) for n in met])
            url, params = page.next_page, None
            if url is not None and not self.app.client.same_origin(url):
                break  # never follow a link off the account: the rest are read one by one
        return [i for i in targets if i in unseen] + later

    async def _page(self, url: str, params: dict[str, str | int] | None) -> PhoneNumberPage:
        page = await self._patiently(lambda: self.app.client.request("GET", url, PhoneNumberPage, params=params))
        assert page is not None
        return page

    async def _read_and_apply(self, chunk: list[int]) -> list[int]:
        """Each target read on its own (settings included), then checked and sent."""
        read: dict[int, PhoneNumber] = {}
        gone: dict[int, dict[str, Any]] = {}
        limiter = anyio.CapacityLimiter(PUT_CONCURRENCY)

        async def one(target: int) -> None:
            async with limiter:
                try:
                    details = await self._patiently(lambda: self.app.client.get_number(target, ["settings"]))
                    read[target] = details.phone_number
                except NotFoundError:
                    gone[target] = {**self.items[target], "state": "gone", "reason": "no longer in the account"}
                except ZendeskError as error:
                    reason = f"it could not be read, so nothing was sent: {explain(error)}"
                    gone[target] = {**self.items[target], "state": "not_applied", "reason": reason}

        async with anyio.create_task_group() as group:
            for target in chunk:
                group.start_soon(one, target)
        if gone:
            await self._step(gone)
        return await self._decide_and_apply([(i, read[i]) for i in chunk if i in read])

    # ----------------------------------------------------------------------- sending, once each
    async def _decide_and_apply(self, pairs: list[tuple[int, PhoneNumber]]) -> list[int]:
        """Decide each target from what it holds now; mark the ones to send ``sending`` (the fence: only the
        lease holder gets past it), send them, write their outcomes. Returns the ones Zendesk's rate limit
        deferred, after waiting as long as it asked."""
        if not pairs:
            return []
        finals: dict[int, dict[str, Any]] = {}
        sends: list[tuple[int, PhoneNumber, list[Change]]] = []
        for target, now in pairs:
            item = self.items[target]
            verdict, diff = decide(item, now, self.wanted)
            if verdict == "send":
                sends.append((target, now, diff))
            else:
                finals[target] = {**item, "state": verdict} | _reason(verdict)
        wait = 0.0
        deferred: list[int] = []
        with anyio.CancelScope(shield=True):  # marked, sent and written down together, whoever stops us
            await self._step(finals | {t: {**self.items[t], "state": "sending"} for t, _, _ in sends})
            await self._audit_skips(finals)
            outcomes: dict[int, dict[str, Any]] = {}
            limiter = anyio.CapacityLimiter(PUT_CONCURRENCY)

            async def send(target: int, now: PhoneNumber, diff: list[Change]) -> None:
                nonlocal wait
                async with limiter:
                    if self.lost:  # another replica has the job: what is not sent yet is its to send
                        return
                    done = await apply(self.app, Planned(target, now, diff, [], []), defer_rate_limit=True)
                item = self.items[target]
                if done.outcome == "deferred":
                    outcomes[target] = {**item, "state": "pending"}
                    deferred.append(target)
                    wait = max(wait, getattr(done.error, "retry_after", None) or 1.0)
                    return
                reason = explain(done.error, subject="the update", writes=True) if done.error else None
                if done.missed and not reason:
                    reason = f"Zendesk did not apply {', '.join(done.missed)}"
                outcomes[target] = {**item, "state": done.outcome} | ({"reason": reason} if reason else {})

            async with anyio.create_task_group() as beating:
                beating.start_soon(self._heartbeat)  # a slow chunk (Zendesk's waits) must not lose the lease
                async with anyio.create_task_group() as group:
                    for target, now, diff in sends:
                        group.start_soon(send, target, now, diff)
                beating.cancel_scope.cancel()
            if self.lost:
                raise LostLease(self.job)
            await self._step(outcomes)
        if deferred:
            await self._wait(wait)
        return deferred

    async def _audit_skips(self, finals: dict[int, dict[str, Any]]) -> None:
        for target, item in finals.items():
            if item["state"] in ("changed_since_preview", "applied"):
                await self.app.guard.write_after(
                    "update",
                    phone_number_id=target,
                    number=item.get("number"),
                    fields=sorted(self.wanted),
                    outcome=item["state"],
                    reason=item.get("reason"),
                    job=self.job,
                )

    # ------------------------------------------------------------------------------ the ledger
    async def _step(self, items: dict[int, dict[str, Any]], *, result: dict[str, Any] | None = None) -> None:
        """Write these items (and renew the lease) while this replica holds the job; LostLease otherwise."""
        held = await self.app.guard.ledger.job_step(self.job, self.jobs.owner, self.jobs.lease, items, result=result)
        if not held:
            raise LostLease(self.job)
        for target, data in items.items():
            self.progress.counts[self.items[target]["state"]] -= 1
            self.progress.counts[data["state"]] += 1
            self.items[target] = data
        self.progress.touch()

    async def _heartbeat(self) -> None:
        while True:
            await anyio.sleep(self.jobs.lease / 3)
            if not await self.app.guard.ledger.job_step(self.job, self.jobs.owner, self.jobs.lease, {}):
                self.lost = True
                return

    async def _wait(self, seconds: float) -> None:
        """Wait as Zendesk asked, renewing the lease meanwhile; a stop ends the wait."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self._check_stop()
            await anyio.sleep(min(left, self.jobs.lease / 3, 1.0))
            await self._step({})

    async def _patiently(self, call: Callable[[], Awaitable[T]]) -> T:
        """A read, again after Zendesk's rate limit (as long as it asks), until it is answered or we stop."""
        while True:
            try:
                return await call()
            except RateLimitError as error:
                await self._wait(error.retry_after or 1.0)


def _reason(verdict: str) -> dict[str, str]:
    reasons = {
        "changed_since_preview": "its values changed since the preview the user confirmed; left as it is",
        "unchanged": "it already has these values",
        "applied": "read back after the job resumed: its update had been sent, and the number has the new values",
    }
    return {"reason": reasons[verdict]} if verdict in reasons else {}
