"""Pacing under the account's budget, on a pinned clock: bulk requests go at once while more than half the
budget is left, are spaced as it runs low, wait for the window at the reserve, and count Talk's own budget;
an answer that leaves nothing pauses every client. And real clients on a small sandbox budget: a bulk job
of twice the budget, by one client or two at once, meets no 429."""

from __future__ import annotations

import anyio
import pytest

from voice_tools.client import BudgetSpentError, TalkClient, ZendeskConfig
from voice_tools.client.pacing import TALK_RESERVE, WINDOW_SECONDS, Pacer, RateBudget
from voice_tools.client.pauses import LocalBoard, Pauses
from voice_tools.models import PhoneNumberUpdate
from voice_tools.sandbox import SandboxConfig, TalkSandbox

pytestmark = pytest.mark.anyio
SANDBOX = ZendeskConfig(
    base_url="https://sandbox.zendesk.com", email="admin@example.com", api_token="sandbox-api-token"
)


class Clock:
    """One pinned time for the client, its pacer and the sandbox's window; sleeping moves it on."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds
        await anyio.lowlevel.checkpoint()


def headers(remaining: int, limit: int = 700) -> dict[str, str]:
    return {"x-rate-limit": str(limit), "x-rate-limit-remaining": str(remaining)}


def test_the_window_is_known_from_a_first_answer_or_a_jump_and_forgotten_once_past() -> None:
    budget = RateBudget()
    budget.observe(headers(400), now=0)
    assert budget.reset_at is None  # half spent by someone else: when it resets is not known
    budget.observe(headers(380), now=5)
    budget.observe(headers(699), now=10)  # jumped up: a new window began
    assert budget.reset_at == 10 + WINDOW_SECONDS and budget.seconds_to_reset(40) == 30
    budget.observe(headers(100), now=75)
    assert budget.reset_at is None and budget.seconds_to_reset(75) is None
    fresh = RateBudget()
    fresh.observe(headers(699), now=0)
    assert fresh.reset_at == WINDOW_SECONDS


async def test_bulk_requests_go_at_once_above_half_then_spaced_then_wait_for_the_reset() -> None:
    clock = Clock()
    budget = RateBudget()
    pacer = Pacer(budget, clock, clock.sleep)
    budget.observe(headers(699), now=clock())  # a fresh window: resets in 60 s
    assert pacer.wait_seconds() == 0
    budget.observe(headers(135), now=clock())  # 135 left, 35 kept: 100 spread over the 60 s to the reset
    await pacer.pace()
    assert pacer.wait_seconds() == pytest.approx(0.6)
    assert await pacer.pace() == pytest.approx(0.6)
    budget.observe(headers(30), now=clock())  # below the reserve: wait for the window
    assert pacer.wait_seconds() == pytest.approx(60 - 0.6)
    waited = await pacer.pace()
    assert waited == pytest.approx(60 - 0.6)  # looked every second, went at the reset


async def test_talks_own_budget_is_counted_from_this_clients_requests() -> None:
    clock = Clock()
    pacer = Pacer(RateBudget(), clock, clock.sleep, talk_limit=TALK_RESERVE + 5)
    for _ in range(5):
        pacer.sent()
        clock.now += 1
    assert pacer.wait_seconds() == pytest.approx(300 - 5)
    clock.now += 296
    assert pacer.wait_seconds() == 0  # the first request left the 5-minute window


async def test_an_answer_that_leaves_nothing_pauses_every_client_until_the_reset() -> None:
    clock = Clock()
    board = LocalBoard(clock)
    mine, theirs = Pauses(board, clock), Pauses(board, clock)
    await mine.answered(0, reset_in=20)
    assert await mine.wait_seconds() == 20 and await theirs.wait_seconds() == 20
    await mine.answered(0, reset_in=None)  # no reset known: nothing more is claimed


async def bulk_changes(client: TalkClient, ids: list[int]) -> None:
    for number_id in ids:
        await client.pace()
        await client.update_number(number_id, PhoneNumberUpdate(priority=2))


@pytest.mark.parametrize("clients", [1, 2])
async def test_a_bulk_job_of_twice_the_budget_meets_no_429(clients: int) -> None:
    clock = Clock()
    sandbox = TalkSandbox(SandboxConfig(numbers=200, rate_limit=100))
    sandbox.limiter.clock = clock
    ids = sorted(sandbox.backend.numbers)
    made = [TalkClient(SANDBOX, transport=sandbox.transport(), sleep=clock.sleep, clock=clock) for _ in range(clients)]
    async with anyio.create_task_group() as group:
        for index, client in enumerate(made):
            group.start_soon(bulk_changes, client, ids[index::clients])
    for client in made:
        await client.aclose()
    puts = [r for r in sandbox.backend.requests if r.method == "PUT"]
    assert len(puts) == 200 and all(r.status == 200 for r in puts)
    assert clock.slept >= 60  # it slowed down: 200 changes on 100 a minute take at least a window


async def test_a_wait_past_the_allowance_is_refused_at_once_with_nothing_sent() -> None:
    clock = Clock()
    budget = RateBudget()
    pacer = Pacer(budget, clock, clock.sleep)
    budget.observe(headers(699), now=clock())
    budget.observe(headers(20), now=clock())  # at the reserve: the reset is a minute away
    with pytest.raises(BudgetSpentError) as refused:
        await pacer.pace(max_wait=30)
    assert refused.value.retry_after == pytest.approx(60) and clock.slept == 0
    assert pacer.estimate(5) == pytest.approx(60) and Pacer(RateBudget(), clock).estimate(5) == 0
