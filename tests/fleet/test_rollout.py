"""Rollouts drop nothing: the fleet exactly as deploy/ ships it (Debian's haproxy running the shipped
haproxy.cfg, three replicas with compose's environment, a real redis-server) under 64 clients of both eras,
readers and buyers, while its replicas are restarted one after another with SIGTERM: not one call fails,
and each replica exits 0. A SIGKILL fails only what was in flight on the killed replica.

Each client opens a session, makes its calls, closes it, and starts again, until told to stop; every
call is timed, so a failure can be placed against the moment of a kill.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx2
import pytest

from tests.fleet.load import Call, Load, leaf, session, summary, warm
from tests.fleet.shipped import shipped_fleet, wait_for
from tests.harness import text_of
from tests.processes import standalone_sandbox
from tests.redis_server import flushed

pytestmark = pytest.mark.anyio
CLIENTS = 64
UNLIMITED = {"VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "none"}
# Rollouts, not the account's request budget (tests/client/test_pauses.py and the pacing tests): 64 clients
# on a quiet machine send more than a real plan's 700 a minute, so the account takes whatever they send.
AMPLE_BUDGET = ("--rate-limit", "1000000")


async def one_client(i: int, load: Load) -> None:
    """Client ``i``: half 2025-11-25 sessions, half 2026-07-28; half readers, half buyers (a form each)."""
    era = "legacy" if i % 2 == 0 else "auto"
    buyer = i % 4 >= 2
    while not load.stop.is_set():
        session_started = time.monotonic()
        call: Call | None = None
        try:
            async with session(load, era, buyer=buyer) as client:
                steps: list[tuple[str, dict[str, Any]]] = (
                    [("search_numbers", {"country": "US", "contains": f"7{i:02d}", "limit": 1})]  # a pool each
                    if buyer
                    else [("list_numbers", {"country": "US"}), ("get_number", {"phone_number_id": 900000120986})]
                )
                for tool, args in steps:
                    call = Call(i, era, tool, time.monotonic(), session_started=session_started)
                    load.calls.append(call)
                    result = await client.call_tool(tool, args)
                    call.ended = time.monotonic()
                    if result.is_error:
                        call.failure = f"error result: {text_of(result)[:200]}"
                    if buyer and tool == "search_numbers" and not result.is_error:
                        quote = result.structured_content["numbers"][0]["quote"]
                        steps.append(("buy_number", {"quote": quote}))
                    if (
                        tool == "buy_number"
                        and not result.is_error
                        and result.structured_content["status"] != "purchased"
                    ):
                        call.failure = f"not purchased: {result.structured_content['status']}"
                call = None
        except Exception as error:  # the session itself failed: the call under way (or its opening) failed
            failed = call or Call(i, era, "(session)", session_started, session_started=session_started)
            if call is None:
                load.calls.append(failed)
            failed.ended = time.monotonic()
            failed.failure = f"{type(error).__name__}: {str(leaf(error))[:200]}"


@pytest.mark.timeout(600)
async def test_a_rolling_sigterm_restart_of_every_replica_under_load_fails_no_call(
    tmp_path: Path, redis_url: str
) -> None:
    with (
        standalone_sandbox(*AMPLE_BUDGET) as sandbox_url,
        shipped_fleet(flushed(redis_url), sandbox_url, tmp_path, **UNLIMITED) as (url, replicas),
    ):
        httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": 0.05})  # calls overlap every stop
        load = Load(url)
        exits: list[int] = []

        def roll() -> None:
            for replica in replicas:
                served_before = replica.calls_served()
                exits.append(replica.stop(signal.SIGTERM))
                assert served_before > 0
                replica.start()
                try:
                    wait_for(lambda r=replica: r.calls_served() > 0, 120, f"{replica.name} serving again")
                except TimeoutError as error:
                    raise TimeoutError(f"{error}; {summary(load)}") from None

        with anyio.fail_after(600):
            async with anyio.create_task_group() as clients:
                for i in range(CLIENTS):
                    clients.start_soon(one_client, i, load)
                await warm(load, replicas)
                before = load.answered()
                await anyio.to_thread.run_sync(roll)
                during = load.answered() - before
                load.stop.set()
        logs = [r.log() for r in replicas]
    print(f"\nrolling restart under {CLIENTS} clients: {summary(load)}; {during} answered during the roll")
    assert exits == [0, 0, 0], logs
    assert load.failures() == [], summary(load)
    assert during > CLIENTS  # the restart happened under load, not beside it
    assert sum(1 for c in load.calls if c.tool == "buy_number") > 0
    assert all("stopping:" in log for log in logs)  # each stop drained (its JSON line says so)
    assert "SSE stream ended without a response" not in "".join(logs)


@pytest.mark.timeout(300)
async def test_a_sigkill_fails_only_the_calls_in_flight_on_that_replica(tmp_path: Path, redis_url: str) -> None:
    with (
        standalone_sandbox(*AMPLE_BUDGET) as sandbox_url,
        shipped_fleet(flushed(redis_url), sandbox_url, tmp_path, **UNLIMITED) as (url, replicas),
    ):
        httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": 0.05})
        load = Load(url)
        with anyio.fail_after(300):
            async with anyio.create_task_group() as clients:
                for i in range(CLIENTS):
                    clients.start_soon(one_client, i, load)
                await warm(load, replicas)
                victim = replicas[1]
                assert victim.process is not None
                killed_at = time.monotonic()
                victim.process.kill()
                await anyio.to_thread.run_sync(victim.process.wait)
                after = load.answered()
                with anyio.fail_after(120):  # the fleet goes on: calls keep being answered after the kill
                    while load.answered() < after + 2 * CLIENTS:  # noqa: ASYNC110 - the clients add them
                        await anyio.sleep(0.1)
                load.stop.set()
        in_flight = [c for c in load.calls if c.started <= killed_at and (c.ended == 0 or c.ended >= killed_at)]
    failures = load.failures()
    print(f"\nSIGKILL of one replica under {CLIENTS} clients: {summary(load)}; {len(in_flight)} calls were in flight")
    # a call that failed was in flight when the replica died, or belonged to a 2025-11-25 session that lived
    # there (its next call finds no session anywhere: such a client opens a new session, as the spec says)
    late = [c for c in failures if c.started > killed_at and not (c.era == "legacy" and c.session_started <= killed_at)]
    assert late == [], summary(load)
    assert len([c for c in failures if c.started <= killed_at]) <= len(in_flight)
    assert len(failures) < len(in_flight) + CLIENTS // 2  # at most the victim's share of the sessions
