"""Every tool's tests run in both protocol eras: 2025-11-25 (the initialize handshake) and 2026-07-28."""

from __future__ import annotations

import pytest

from tests.harness import ERAS, Era


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]
