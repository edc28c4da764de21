"""Fault injection, seeding and the sandbox's independence from the client it tests."""

from __future__ import annotations

import ast
import time
from collections import Counter
from pathlib import Path

import httpx2
import pytest

from tests.conftest import SANDBOX_AUTH
from voice_tools.sandbox import FAULT_KINDS, SandboxConfig, TalkSandbox

pytestmark = pytest.mark.anyio
V = "/api/v2/channels/voice"


async def test_server_error_and_rate_limit_storms(sandbox: TalkSandbox, http: httpx2.AsyncClient) -> None:
    sandbox.faults.inject("server_error", count=2, status=502)
    sandbox.faults.inject("rate_limited", count=1)
    sandbox.faults.retry_after = 7
    statuses = [(await http.get(f"{V}/phone_numbers")).status_code for _ in range(4)]
    assert statuses == [502, 502, 429, 200]
    sandbox.faults.inject("rate_limited")
    r = await http.get(f"{V}/phone_numbers")
    assert r.headers["Retry-After"] == "7" and r.headers["content-type"].startswith("text/plain")


async def test_scripted_faults_can_target_a_method_and_path(sandbox: TalkSandbox, http: httpx2.AsyncClient) -> None:
    sandbox.faults.inject("server_error", method="PUT", path_contains="/phone_numbers/")
    assert (await http.get(f"{V}/phone_numbers/900000120986")).status_code == 200
    assert (await http.put(f"{V}/phone_numbers/900000120986", json={"phone_number": {}})).status_code == 503
    assert (await http.put(f"{V}/phone_numbers/900000120986", json={"phone_number": {}})).status_code == 200


async def test_outage_answers_503_to_everything(sandbox: TalkSandbox, http: httpx2.AsyncClient) -> None:
    sandbox.faults.outage = True
    assert (await http.get(f"{V}/phone_numbers")).status_code == 503
    assert (await http.post(f"{V}/phone_numbers", json={})).status_code == 503
    sandbox.faults.outage = False
    assert (await http.get(f"{V}/phone_numbers")).status_code == 200


async def test_malformed_and_text_plain_bodies_after_the_change_took_effect(
    sandbox: TalkSandbox, http: httpx2.AsyncClient
) -> None:
    sandbox.faults.inject("malformed_json", method="PUT")
    r = await http.put(f"{V}/phone_numbers/900000120986", json={"phone_number": {"nickname": "A"}})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):  # noqa: PT011 - any JSON decoding error
        r.json()
    sandbox.faults.inject("text_plain", method="PUT")
    r = await http.put(f"{V}/phone_numbers/900000120986", json={"phone_number": {"nickname": "B"}})
    assert r.headers["content-type"].startswith("text/plain")
    assert sandbox.backend.numbers[900000120986]["nickname"] == "B"  # the request took effect


async def test_commit_then_drop_buys_the_number_but_the_client_hears_nothing(
    sandbox: TalkSandbox, http: httpx2.AsyncClient
) -> None:
    offer = (await http.get(f"{V}/phone_numbers/search", params={"country": "US"})).json()["phone_numbers"][0]
    sandbox.faults.inject("commit_then_drop", method="POST")
    with pytest.raises(httpx2.RemoteProtocolError):
        await http.post(f"{V}/phone_numbers", json={"phone_number": {"token": offer["token"]}})
    numbers = [n["number"] for n in sandbox.backend.numbers.values()]
    assert numbers.count(offer["number"]) == 1


async def test_drop_before_commit_changes_nothing(sandbox: TalkSandbox, http: httpx2.AsyncClient) -> None:
    offer = (await http.get(f"{V}/phone_numbers/search", params={"country": "US"})).json()["phone_numbers"][0]
    sandbox.faults.inject("drop_connection", method="POST")
    with pytest.raises(httpx2.RemoteProtocolError):
        await http.post(f"{V}/phone_numbers", json={"phone_number": {"token": offer["token"]}})
    assert offer["number"] not in {n["number"] for n in sandbox.backend.numbers.values()}


@pytest.mark.parametrize("kind", ["timeout", "commit_then_timeout"])
async def test_hangs_become_read_timeouts(sandbox: TalkSandbox, http: httpx2.AsyncClient, kind: str) -> None:
    sandbox.faults.inject(kind)  # type: ignore[arg-type]
    sandbox.faults.hang_seconds = 30
    started = time.monotonic()
    with pytest.raises(httpx2.ReadTimeout):
        await http.get(f"{V}/phone_numbers", timeout=0.2)
    assert time.monotonic() - started < 5


async def test_latency_is_added_to_every_request(sandbox: TalkSandbox, http: httpx2.AsyncClient) -> None:
    sandbox.faults.latency = 0.05
    started = time.monotonic()
    await http.get(f"{V}/phone_numbers")
    assert time.monotonic() - started >= 0.05


async def test_fault_rates_are_deterministic_under_a_seed() -> None:
    async def run(seed: int) -> list[int]:
        sandbox = TalkSandbox(SandboxConfig(seed=seed))
        sandbox.faults.rates["server_error"] = 0.3
        async with httpx2.AsyncClient(base_url=sandbox.base_url, transport=sandbox.transport(), auth=SANDBOX_AUTH) as c:
            return [(await c.get(f"{V}/phone_numbers/900000120986")).status_code for _ in range(40)]

    first, again, other = await run(1), await run(1), await run(2)
    assert first == again
    assert first != other
    assert 3 < Counter(first)[503] < 25


def test_unknown_fault_kinds_are_refused(sandbox: TalkSandbox) -> None:
    with pytest.raises(ValueError, match="choose from"):
        sandbox.faults.inject("gremlins")  # type: ignore[arg-type]
    assert "commit_then_drop" in FAULT_KINDS


async def test_requests_are_logged_for_tests_to_count(sandbox: TalkSandbox, http: httpx2.AsyncClient) -> None:
    await http.get(f"{V}/phone_numbers")
    await http.post(f"{V}/phone_numbers", json={})
    assert sandbox.backend.count_requests("POST", "/phone_numbers") == 1
    assert sandbox.backend.count_requests() == 2


def test_the_seeded_account_is_realistic_and_deterministic() -> None:
    a, b = TalkSandbox(SandboxConfig(seed=3)), TalkSandbox(SandboxConfig(seed=3))
    assert a.backend.numbers == b.backend.numbers
    numbers = list(a.backend.numbers.values())
    assert len(numbers) == 12
    assert {n["country_code"] for n in numbers} >= {"US", "CA", "GB", "IE", "DE", "AU"}
    assert any(n["toll_free"] for n in numbers) and any(not n["toll_free"] for n in numbers)
    assert len({n["number"] for n in numbers}) == 12
    assert len({a.backend.settings[n["id"]]["call_recording_delete_after"] for n in numbers}) > 1


@pytest.mark.parametrize("size", [0, 5, 5000])
def test_account_size_is_configurable(size: int) -> None:
    sandbox = TalkSandbox(SandboxConfig(numbers=size))
    numbers = sandbox.backend.numbers.values()
    assert len(numbers) == size
    assert len({n["number"] for n in numbers}) == size


def test_reset_returns_to_the_seeded_state(sandbox: TalkSandbox) -> None:
    seeded = dict(sandbox.backend.numbers)
    sandbox.backend.delete_number(next(iter(seeded)))
    sandbox.faults.outage = True
    sandbox.reset()
    assert sandbox.backend.numbers == seeded and not sandbox.faults.outage


def test_the_sandbox_imports_neither_the_client_nor_its_models() -> None:
    """Written from Zendesk's documents, so one mistake cannot hide its twin in the client."""
    package = Path(__file__).resolve().parents[2] / "voice_tools" / "sandbox"
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            for name in names:
                assert not name.startswith(("voice_tools.client", "voice_tools.models", "voice_tools.server")), (
                    f"{source.name} imports {name}"
                )
