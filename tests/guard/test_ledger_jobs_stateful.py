"""A bulk job's lease in random order and interleavings, on SQLite and on a real Redis server.

Hypothesis drives three replicas claiming, stepping, releasing and finishing one job, several at once in one
step, with the clock moving on (a lease running out), and checks after every step: one owner at most, and a
step is written only by the replica that holds the job (what keeps a number from being sent by two); the
counts by state are the items' states; a done job is claimed by nobody.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.redis_server import flushed
from voice_tools.guard.ledger import Ledger, open_ledger

REPLICAS = ["r1", "r2", "r3"]
STATES = ["pending", "sending", "applied", "unchanged", "not_applied"]
ITEMS = list(range(1, 7))
LEASE = 10.0


class Clock:
    now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class JobMachine(RuleBasedStateMachine):
    portal: BlockingPortal
    url: str

    @initialize()
    def start(self) -> None:
        self.clock = Clock()
        self.ledger: Ledger = self.portal.call(_open, self.url, self.clock)
        self.items = {i: "pending" for i in ITEMS}
        self.owner: str | None = "r1"
        self.lease_until = self.clock.now + LEASE
        self.done = False
        items = {i: {"state": s} for i, s in self.items.items()}
        self.portal.call(self.ledger.create_job, "jstate", {"plan": "p"}, items, "r1", LEASE)

    def teardown(self) -> None:
        if hasattr(self, "ledger"):
            self.portal.call(self.ledger.aclose)

    def holds(self, replica: str) -> bool:
        return not self.done and self.owner == replica

    def claimable(self) -> bool:
        return not self.done and (self.owner is None or self.lease_until < self.clock.now)

    @rule(replicas=st.lists(st.sampled_from(REPLICAS), min_size=1, max_size=3, unique=True))
    def claims_at_once(self, replicas: list[str]) -> None:
        async def claim_all() -> list[tuple[str, Any]]:
            results: list[tuple[str, Any]] = []

            async def one(replica: str) -> None:
                results.append((replica, await self.ledger.claim_job("jstate", replica, LEASE)))

            async with anyio.create_task_group() as tg:
                for replica in replicas:
                    tg.start_soon(one, replica)
            return results

        could = self.claimable()
        won = [r for r, state in self.portal.call(claim_all) if state is not None]
        assert len(won) == (1 if could else 0), (won, could)  # exactly one claim wins a claimable job
        if won:
            self.owner, self.lease_until = won[0], self.clock.now + LEASE

    @rule(
        replica=st.sampled_from(REPLICAS),
        writes=st.dictionaries(st.sampled_from(ITEMS), st.sampled_from(STATES), max_size=3),
        release=st.booleans(),
    )
    def a_step(self, replica: str, writes: dict[int, str], release: bool) -> None:
        items = {i: {"state": s} for i, s in writes.items()}
        written = self.portal.call(lambda: self.ledger.job_step("jstate", replica, LEASE, items, release=release))
        assert written == self.holds(replica)  # only the holder writes, even after its lease ran out unclaimed
        if written:
            self.items.update(writes)
            self.owner, self.lease_until = (None, 0.0) if release else (replica, self.clock.now + LEASE)

    @rule(replica=st.sampled_from(REPLICAS))
    def finish(self, replica: str) -> None:
        result = dict(Counter(self.items.values()))
        written = self.portal.call(lambda: self.ledger.job_step("jstate", replica, LEASE, {}, result=result))
        assert written == self.holds(replica)
        if written:
            self.done, self.owner = True, None

    @rule(seconds=st.sampled_from([1.0, 6.0, 11.0]))
    def time_passes(self, seconds: float) -> None:
        self.clock.now += seconds

    @invariant()
    def the_ledger_agrees(self) -> None:
        if not hasattr(self, "ledger"):
            return
        state = self.portal.call(self.ledger.job, "jstate")
        assert state is not None
        assert state.status == ("done" if self.done else "running")
        assert state.owner == self.owner
        assert state.counts == dict(Counter(self.items.values()))
        assert (self.portal.call(self.ledger.claimable_jobs) == ["jstate"]) == self.claimable()


async def _open(url: str, clock: Clock) -> Ledger:
    return open_ledger(url, "jobs-stateful-test", clock=clock)


@pytest.fixture
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal() as running:
        yield running


def test_a_job_has_one_holder_and_only_it_writes(portal: BlockingPortal, ledger_url: str) -> None:
    counter = iter(range(10**6))

    class Machine(JobMachine):
        pass

    Machine.portal = portal

    def fresh_url() -> str:
        n = next(counter)
        if ledger_url.startswith("sqlite"):
            return ledger_url.replace("ledger.db", f"jobs-{n}.db")
        return flushed(ledger_url)

    original = JobMachine.start

    def start(self: JobMachine) -> None:
        self.url = fresh_url()
        original(self)

    Machine.start = initialize()(start)  # type: ignore[method-assign]
    run = Machine.TestCase
    run.settings = settings(max_examples=30, stateful_step_count=15, deadline=None)
    run().runTest()
