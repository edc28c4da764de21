"""The client's view of the shared pause, on a pinned clock: its own 429 at once, others' within a second;
after a pause, one request goes first. And a real client on a rate-limited sandbox."""

from __future__ import annotations

import anyio
import pytest

from tests.harness import RecordingTransport, default_sandbox
from voice_tools.client import TalkClient, ZendeskConfig
from voice_tools.client.pauses import LOOK_EVERY_SECONDS, TURN_SECONDS, LocalBoard, Pauses

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_pause_is_seen_at_once_by_its_client_and_within_a_second_by_another() -> None:
    clock = Clock()
    board = LocalBoard(clock)
    mine, theirs = Pauses(board, clock), Pauses(board, clock)
    assert await mine.wait_seconds() == 0 and await theirs.wait_seconds() == 0
    await mine.told_to_wait(30)
    assert await mine.wait_seconds() == 30  # its own 429: at once
    assert await theirs.wait_seconds() == 0  # looked less than a second ago
    clock.now += LOOK_EVERY_SECONDS
    assert await theirs.wait_seconds() == 29  # the next look sees it
    clock.now += 30
    assert await mine.wait_seconds() == 0 and await theirs.wait_seconds() == 0


async def test_after_a_pause_one_request_goes_first_and_the_others_wait_for_its_answer() -> None:
    clock = Clock()
    pauses = Pauses(LocalBoard(clock), clock)
    await pauses.told_to_wait(1)
    clock.now += 1
    assert await pauses.wait_seconds() == 0  # the first caller after the pause goes
    assert await pauses.wait_seconds() == TURN_SECONDS  # the others wait for its answer
    await pauses.answered(remaining=None)
    assert await pauses.wait_seconds() == 0 and await pauses.wait_seconds() == 0  # then everyone goes


async def test_an_answer_that_leaves_no_budget_is_a_pause_of_the_same_length() -> None:
    clock = Clock()
    pauses = Pauses(LocalBoard(clock), clock)
    await pauses.told_to_wait(2)
    clock.now += 2
    assert await pauses.wait_seconds() == 0
    await pauses.answered(remaining=0)  # it went through, but the budget is spent
    assert await pauses.wait_seconds() == 2


async def test_ten_concurrent_calls_on_a_one_second_retry_after_send_one_request_per_pause() -> None:
    """A real client on a sandbox that allows one request a second (Retry-After: 1): 10 calls at once all
    succeed, the first burst costs 10 requests, and after that each pause costs one. Before, every retry
    went at the end of its pause together with all the others: 40 requests for 10 calls, some failed."""
    sandbox = default_sandbox(rate_limit=1, rate_window=1.0)
    transport = RecordingTransport(sandbox.transport())
    config = ZendeskConfig(
        base_url="https://sandbox.zendesk.com", email="admin@example.com", api_token="sandbox-api-token"
    )
    async with TalkClient(config, transport=transport) as client:
        with anyio.fail_after(60):
            async with anyio.create_task_group() as group:
                for _ in range(10):
                    group.start_soon(client.get_number, 900000120986)
    sent = transport.count("GET")
    print(f"\n10 calls at once, one request a second allowed: {sent} requests")
    assert sent < 2 * 10, sent  # 10 at once, then one per pause: not one per caller and retry
