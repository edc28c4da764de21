from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import pytest
from hypothesis import settings

from tests.harness import SANDBOX_INFERRED, default_sandbox
from voice_tools.sandbox import TalkSandbox

# CI replays the same examples every run (a red main must come from a change, never from luck);
# locally hypothesis explores anew each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

SANDBOX_AUTH = ("admin@example.com/token", "sandbox-api-token")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sandbox() -> TalkSandbox:
    return default_sandbox()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Against a sandbox that accepts what it would refuse by an inferred rule, a test that asserts such a
    refusal tests the sandbox's invention, not the product: it is skipped, with the rule named."""
    if SANDBOX_INFERRED != "accept":
        return
    for item in items:
        if marker := item.get_closest_marker("inferred"):
            item.add_marker(pytest.mark.skip(reason=f"asserts the sandbox's inferred rule {marker.args[0]}"))


@pytest.fixture
async def http(sandbox: TalkSandbox) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain HTTP client on the in-process sandbox, authenticated as Zendesk expects."""
    async with httpx2.AsyncClient(base_url=sandbox.base_url, transport=sandbox.transport(), auth=SANDBOX_AUTH) as c:
        yield c


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The reliability suite's figures: fuzz cases run, faults injected and survived, requests refused."""
    from tests.reliability.report import FIGURES, LINES

    if FIGURES or LINES:
        terminalreporter.section("reliability figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")
        for line in LINES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """One real redis-server for the whole run (tests flush it through ``ledger_url``)."""
    from tests.redis_server import redis_server

    with redis_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each ledger backend in turn: a SQLite file, then a real Redis server (emptied for this test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    from tests.harness import STATE_DIR
    from tests.redis_server import flushed

    # an emptied Redis is a ledger that lost its memory to a server that remembers its identity: a test starts
    # from nothing on both sides (guard/identity.py)
    for remembered in Path(STATE_DIR).glob("ledger-identity-*.json"):
        remembered.unlink()
    return flushed(request.getfixturevalue("redis_url"))
