"""The ledger's operations in random order and interleavings, on SQLite and on a real Redis server.

Hypothesis drives reserve, settle, issue and redeem, several of them at once in one step (so the
backends' atomicity, not the test's sequencing, keeps the invariants), and checks after every step:
the cap is never exceeded, a quote is held by at most one active attempt, every attempt is settled or
open, and every attempt has its ``sending`` line and a line for each status it reached.
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
from voice_tools.guard.ledger import ACTIVE, DONE, MAX_WRONG_CODES, OPEN, SETTLEABLE, Ledger, open_ledger

DAY, CAP = "2026-11-28", 3
QUOTES = [f"q{c * 10}" for c in "abcdefgh"]
NUMBERS = ["+15550001", "+15550002", "+15550003", "+15550004"]
FINAL = ["purchased", "not_purchased", "unknown", "unresolved"]


class LedgerMachine(RuleBasedStateMachine):
    portal: BlockingPortal
    url: str

    @initialize()
    def start(self) -> None:
        self.ledger: Ledger = self.portal.call(_open, self.url)
        self.attempts: dict[str, str] = {}  # id -> status the test saw it reach
        self.wrong: Counter[str] = Counter()
        self.issued: Counter[str] = Counter()  # live codes issued per quote (none expire within a run)

    def teardown(self) -> None:
        if hasattr(self, "ledger"):
            self.portal.call(self.ledger.aclose)

    @rule(picks=st.lists(st.tuples(st.sampled_from(QUOTES), st.sampled_from(NUMBERS)), min_size=1, max_size=4))
    def reserve_at_once(self, picks: list[tuple[str, str]]) -> None:
        async def reserve_all() -> list[Any]:
            results: list[Any] = [None] * len(picks)

            async def one(i: int, quote: str, number: str) -> None:
                audit = {"event": "purchase", "outcome": "sending", "quote": quote}
                results[i] = await self.ledger.reserve("purchase", number, quote, DAY, CAP, {"price": "1"}, audit)

            async with anyio.create_task_group() as tg:
                for i, (quote, number) in enumerate(picks):
                    tg.start_soon(one, i, quote, number)
            return results

        for reservation in self.portal.call(reserve_all):
            if reservation.attempt is not None:
                self.attempts[reservation.attempt.id] = "sending"

    @rule(pick=st.integers(min_value=0, max_value=63), status=st.sampled_from(FINAL))
    def settle_one(self, pick: int, status: str) -> None:
        # an index, not a sampled id: ids are random and interleavings vary, and hypothesis must be able to
        # replay the same draws whatever state they meet
        open_ids = sorted(i for i, s in self.attempts.items() if s in SETTLEABLE)
        if not open_ids:
            return
        attempt_id = open_ids[pick % len(open_ids)]
        audit = {"event": "purchase", "outcome": status}
        settled = self.portal.call(self.ledger.settle, attempt_id, status, audit)
        was = self.attempts[attempt_id]
        if was == status or (was == "unresolved" and status not in DONE):
            assert settled is None  # the same status, or an unresolved attempt without proof: nothing written
        else:
            assert settled is not None and settled.status == status
            self.attempts[attempt_id] = status

    @rule(quote=st.sampled_from(QUOTES))
    def a_guess_at_a_code_never_issued_burns_nothing(self, quote: str) -> None:
        if self.issued[quote] or self.wrong[quote] >= MAX_WRONG_CODES:
            return
        check = self.portal.call(self.ledger.redeem_code, quote, "ZZZZZZ", "b")
        assert (check.outcome, check.wrong_left) == ("unknown", MAX_WRONG_CODES)

    @rule(quote=st.sampled_from(QUOTES), guesses=st.lists(st.sampled_from(["right", "wrong"]), max_size=4))
    def codes_at_once(self, quote: str, guesses: list[str]) -> None:
        code = self.portal.call(self.ledger.issue_code, quote, "b", 300.0)
        if self.wrong[quote] >= MAX_WRONG_CODES:
            assert code is None
            return
        assert code is not None
        self.issued[quote] += 1

        async def redeem_all() -> list[str]:
            outcomes: list[str] = []

            async def one(guess: str) -> None:
                check = await self.ledger.redeem_code(quote, code if guess == "right" else "ZZZZZZ", "b")
                outcomes.append(check.outcome)
                if check.outcome in ("unknown", "mismatch"):  # counted only while a code lived: left says
                    self.wrong[quote] = max(self.wrong[quote], MAX_WRONG_CODES - check.wrong_left)

            async with anyio.create_task_group() as tg:
                for guess in guesses:
                    tg.start_soon(one, guess)
            return outcomes

        outcomes = self.portal.call(redeem_all)
        assert outcomes.count("redeemed") <= 1  # a code buys once, whoever asks at the same time
        self.issued[quote] -= outcomes.count("redeemed")
        if "locked" in outcomes:
            self.wrong[quote] = max(self.wrong[quote], MAX_WRONG_CODES)
            self.issued[quote] = 0  # the lock burnt them all

    @invariant()
    def open_and_unresolved_attempts_are_listed(self) -> None:
        if hasattr(self, "ledger"):
            listed = self.portal.call(self.ledger.open_attempts, "purchase")
            assert {a.id for a in listed} == {i for i, s in self.attempts.items() if s in OPEN}
            stale = self.portal.call(self.ledger.unresolved_attempts, "purchase")
            assert {a.id for a in stale} == {i for i, s in self.attempts.items() if s == "unresolved"}

    @invariant()
    def cap_is_never_exceeded(self) -> None:
        if hasattr(self, "ledger"):
            active = self.portal.call(self.ledger.active_on, "purchase", DAY)
            assert active == sum(1 for s in self.attempts.values() if s in ACTIVE) <= CAP

    @invariant()
    def one_look_agrees_with_the_reads_it_replaces(self) -> None:
        if not hasattr(self, "ledger"):
            return
        active = self.portal.call(self.ledger.active_on, "purchase", DAY)
        for quote in QUOTES:
            look = self.portal.call(self.ledger.look_quote, quote, "purchase", DAY)
            holder = self.portal.call(self.ledger.quote_holder, quote)
            assert (look.holder, look.active_today) == (holder, active)

    @invariant()
    def trail_has_every_step_and_quotes_are_used_once(self) -> None:
        if not hasattr(self, "ledger"):
            return
        trail = self.portal.call(self.ledger.audit_trail)
        by_attempt: dict[str, list[str]] = {}
        for line in trail:
            by_attempt.setdefault(line["attempt"], []).append(line["outcome"])
        assert set(by_attempt) == set(self.attempts)
        for attempt_id, outcomes in by_attempt.items():
            assert outcomes[0] == "sending" and outcomes[-1] == self.attempts[attempt_id]
        holders = Counter(
            line["quote"] for line in trail if line["outcome"] == "sending" and self.attempts[line["attempt"]] in ACTIVE
        )
        assert all(n == 1 for n in holders.values())


async def _open(url: str) -> Ledger:
    return open_ledger(url, "stateful-test")


@pytest.fixture
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal() as running:
        yield running


def test_the_ledger_keeps_its_invariants(portal: BlockingPortal, ledger_url: str) -> None:
    counter = iter(range(10**6))

    class Machine(LedgerMachine):
        pass

    Machine.portal = portal

    def fresh_url() -> str:  # a fresh database (or file) per example
        n = next(counter)
        if ledger_url.startswith("sqlite"):
            return ledger_url.replace("ledger.db", f"ledger-{n}.db")
        return flushed(ledger_url)

    original = LedgerMachine.start

    def start(self: LedgerMachine) -> None:
        self.url = fresh_url()
        original(self)

    Machine.start = initialize()(start)  # type: ignore[method-assign]
    run = Machine.TestCase
    run.settings = settings(max_examples=40, stateful_step_count=15, deadline=None)
    run().runTest()
