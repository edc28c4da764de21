"""The client's view of the shared pause, on a pinned clock: its own 429 at once, others' within a second."""

from __future__ import annotations

import pytest

from voice_tools.client.pauses import LOOK_EVERY_SECONDS, LocalBoard, Pauses

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
