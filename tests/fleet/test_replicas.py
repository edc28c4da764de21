"""Replicas behind a load balancer with no stickiness: 2026-07-28 clients, elicitation included, work
through any replica when the replicas share the request-state keys and a Redis ledger; 2025-11-25
sessions need affinity on Mcp-Session-Id (the documented choice), and work with it.

Real processes on loopback: a standalone sandbox, `voice-tools serve --http` replicas, a real
redis-server, and the round-robin proxy of ``tests/fleet/proxy.py``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from mcp.types import ElicitResult

from tests.fleet.proxy import running_proxy
from tests.guard.test_processes import purchases, servers
from tests.harness import Answer, text_of
from tests.processes import standalone_sandbox
from tests.redis_server import flushed
from voice_tools.guard.ledger import open_ledger

pytestmark = pytest.mark.anyio
YES = {"confirm": True}
KEY = secrets.token_hex(32)


def fleet_env(redis_url: str, key: str | None = KEY) -> dict[str, str]:
    env = {"VOICE_TOOLS_LEDGER": flushed(redis_url), "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "3"}
    if key:
        env["VOICE_TOOLS_REQUEST_STATE_KEYS"] = key
    return env


def leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


async def search_and_buy(url: str, mode: str) -> tuple[Any, Answer]:
    answer = Answer("accept", YES)
    async with Client(url, mode=mode, elicitation_callback=answer) as client:  # type: ignore[arg-type]
        found = await client.call_tool("search_numbers", {"country": "US", "limit": 1})
        quote = found.structured_content["numbers"][0]["quote"]
        return await client.call_tool("buy_number", {"quote": quote}), answer


async def test_a_2026_client_buys_through_any_replica_with_shared_keys(tmp_path: Path, redis_url: str) -> None:
    with (
        standalone_sandbox() as sandbox_url,
        servers(3, sandbox_url, tmp_path, **fleet_env(redis_url)) as running,
        running_proxy([url.removesuffix("/mcp") for url, _ in running]) as (proxy_url, proxy),
    ):
        result, answer = await search_and_buy(proxy_url, "auto")
    assert result.structured_content["status"] == "purchased", text_of(result)
    assert len(answer.asked) == 1 and len(set(proxy.routed)) > 1  # the answer came back through another replica


async def ticks_the_form(context: Any, params: Any) -> ElicitResult:
    return ElicitResult(action="accept", content={"confirm": True})


async def test_a_pages_approval_issued_by_one_replica_buys_once_through_another(tmp_path: Path, redis_url: str) -> None:
    """The number picker's approval lives in the shared ledger: reviewed on one replica, clicked on
    another, it buys; replayed on the first, it buys nothing more."""
    apps = [advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})]
    with (
        standalone_sandbox() as sandbox_url,
        servers(2, sandbox_url, tmp_path, **fleet_env(redis_url)) as running,
    ):
        (first, _), (second, _) = running
        async with Client(first, extensions=apps) as page:
            offer = (await page.call_tool("search_numbers", {"country": "US", "limit": 1})).structured_content[
                "numbers"
            ][0]
            review = (await page.call_tool("review_purchase", {"quote": offer["quote"]})).structured_content
        click = {"quote": offer["quote"], "approval": review["approval"], "answer": "buy"}
        async with Client(second, extensions=apps, elicitation_callback=ticks_the_form) as page:
            bought = await page.call_tool("answer_purchase", click)  # the click proposes; the form confirms
        async with Client(first, extensions=apps) as page:
            replayed = await page.call_tool("answer_purchase", click)
        created = purchases(sandbox_url)
    assert bought.structured_content["status"] == "purchased", text_of(bought)
    assert replayed.is_error and created == 1


async def test_without_shared_keys_the_answer_is_refused_on_another_replica(tmp_path: Path, redis_url: str) -> None:
    env = fleet_env(redis_url, key=None)
    with (
        standalone_sandbox() as sandbox_url,
        servers(2, sandbox_url, tmp_path, **env) as running,
        running_proxy([url.removesuffix("/mcp") for url, _ in running]) as (proxy_url, _),
        pytest.raises(ExceptionGroup) as raised,  # the client raises the server's protocol error
    ):
        await search_and_buy(proxy_url, "auto")
    assert any("Invalid or expired requestState" in str(e) for e in leaves(raised.value))


async def test_2025_sessions_work_with_affinity_on_the_session_id(tmp_path: Path, redis_url: str) -> None:
    with (
        standalone_sandbox() as sandbox_url,
        servers(2, sandbox_url, tmp_path, **fleet_env(redis_url)) as running,
        running_proxy([url.removesuffix("/mcp") for url, _ in running], affinity=True) as (proxy_url, _),
    ):
        result, answer = await search_and_buy(proxy_url, "legacy")
    assert result.structured_content["status"] == "purchased", text_of(result)
    assert len(answer.asked) == 1


async def test_2025_sessions_without_affinity_are_lost_on_the_other_replica(tmp_path: Path, redis_url: str) -> None:
    """Why affinity is required for 2025-11-25 sessions: a session lives in the replica that opened it."""
    with (
        standalone_sandbox() as sandbox_url,
        servers(2, sandbox_url, tmp_path, **fleet_env(redis_url)) as running,
        running_proxy([url.removesuffix("/mcp") for url, _ in running]) as (proxy_url, _),
        pytest.raises(BaseExceptionGroup) as raised,
    ):
        await search_and_buy(proxy_url, "legacy")
    assert any("Session not found" in str(e) or "404" in str(e) for e in leaves(raised.value)), raised.value


async def purchases_in_flight(redis_url: str, sandbox_url: str, *, at_least: int) -> None:
    ledger = open_ledger(redis_url, sandbox_url.removeprefix("http://"))
    try:
        with anyio.fail_after(30):
            while sum(1 for e in await ledger.audit_trail() if e.get("outcome") == "sending") < at_least:  # noqa: ASYNC110 - another process writes it
                await anyio.sleep(0.02)
    finally:
        await ledger.aclose()


CLIENTS = 64  # of both eras; they share 20 quotes, so single-use quotes are tested fleet-wide too
QUOTES = 20


async def one_client(
    i: int, any_replica: str, sticky: str, quotes: list[str], outcomes: list[str], failures: list[str]
) -> None:
    """Client ``i``'s part: a quarter of each kind. 2025-11-25 sessions (sticky) and 2026-07-28 clients
    (any replica) confirm in a form; other 2026-07-28 clients have no form and confirm with a code, whose
    second call goes wherever the balancer sends it; readers use every other tool."""
    kind = i % 4
    url, mode = (sticky, "legacy") if kind == 0 else (any_replica, "auto")
    answer = Answer("accept", YES) if kind in (0, 1) else None
    try:
        async with Client(url, mode=mode, elicitation_callback=answer) as c:  # type: ignore[arg-type]
            if kind == 3:
                listed = await c.call_tool("list_numbers", {"view": "settings"})
                first = listed.structured_content["numbers"][0]["id"]
                got = await c.call_tool("get_number", {"phone_number_id": first})
                change = {"phone_number_id": first, "changes": {"nickname": f"reader {i}"}, "dry_run": True}
                preview = await c.call_tool("update_settings", change)
                ok = not (listed.is_error or got.is_error or preview.is_error)
                outcomes.append("read" if ok else f"read-error: {text_of(preview)}")
                return
            quote = quotes[i % QUOTES]  # about three clients of different kinds (and replicas) hold each quote
            result = await c.call_tool("buy_number", {"quote": quote})
            if kind == 2 and not result.is_error and result.structured_content["status"] == "confirmation_required":
                code = result.structured_content["confirmation_code"]
                result = await c.call_tool("buy_number", {"quote": quote, "confirmation_code": code})
            outcomes.append(result.structured_content["status"] if not result.is_error else "refused")
    except Exception as error:
        outcomes.append(f"failed-{mode}")  # its replica died under it: an answer, not a hang
        failures.append(repr(leaves(error)[0])[:120])


async def test_a_fleet_keeps_every_promise_while_one_replica_is_killed_and_another_stopped(
    tmp_path: Path, redis_url: str
) -> None:
    """Three replicas on one Redis ledger behind two balancers (round robin for 2026-07-28 clients,
    affinity for 2025-11-25 sessions); 64 clients at once (forms, codes across replicas, readers of every
    tool) under a cap of 10, while one replica is SIGKILLed and another SIGTERMed mid-run. Every call ends
    (answered or failed, none hangs); no number is bought twice or past the cap; every number bought has
    its durable `sending` line in the ledger."""
    env = {
        **fleet_env(redis_url),
        "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "10",
        "VOICE_TOOLS_CONFIRMATION": "elicit_or_code",
    }
    outcomes: list[str] = []
    failures: list[str] = []
    with (
        standalone_sandbox() as sandbox_url,
        servers(3, sandbox_url, tmp_path, **env) as running,
        running_proxy([url.removesuffix("/mcp") for url, _ in running]) as (any_replica, _),
        running_proxy([url.removesuffix("/mcp") for url, _ in running], affinity=True) as (sticky, _),
    ):
        async with Client(any_replica) as searcher:
            found = await searcher.call_tool("search_numbers", {"country": "US", "limit": QUOTES})
        quotes = [offer["quote"] for offer in found.structured_content["numbers"]]
        httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": 0.3})  # every request takes a while
        with anyio.fail_after(150):
            async with anyio.create_task_group() as group:
                for i in range(CLIENTS):
                    group.start_soon(one_client, i, any_replica, sticky, quotes, outcomes, failures)
                await purchases_in_flight(redis_url, sandbox_url, at_least=2)  # purchases are in flight now
                running[0][1].kill()  # SIGKILL: no chance to settle what it had sent
                await anyio.sleep(0.2)
                running[1][1].terminate()  # SIGTERM: finishes and settles what it had sent
        httpx2.post(f"{sandbox_url}/__sandbox__/faults", json={"latency": 0})
        log = httpx2.get(f"{sandbox_url}/__sandbox__/requests").json()["requests"]
        numbers = httpx2.get(
            f"{sandbox_url}/api/v2/channels/voice/phone_numbers.json",
            auth=("admin@example.com/token", "sandbox-api-token"),
        ).json()["phone_numbers"]
        account = sandbox_url.removeprefix("http://")
    creates = [r for r in log if r["method"] == "POST" and r["path"].removesuffix(".json").endswith("/phone_numbers")]
    owned = [n["number"] for n in numbers]
    print(f"\n64 clients: { {o: outcomes.count(o) for o in sorted(set(outcomes))} }; failed: {sorted(set(failures))}")
    assert len(outcomes) == CLIENTS and outcomes.count("purchased") <= 10
    assert not [o for o in outcomes if o.startswith("read-error")]  # every tool answered where a replica lived
    assert len(creates) <= 10  # the cap held fleet-wide, through the kill
    assert len(owned) == len(set(owned))  # no number twice
    ledger = open_ledger(redis_url, account)
    trail = await ledger.audit_trail()
    await ledger.aclose()
    sending = [e["number"] for e in trail if e.get("outcome") == "sending"]
    assert len(sending) >= len(creates)  # every create was preceded by its durable reservation line
    bought = {e["number"] for e in trail if e.get("outcome") == "purchased"}
    assert bought <= set(owned)  # nothing is said bought that is not in the account
