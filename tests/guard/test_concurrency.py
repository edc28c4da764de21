"""The guard's promises under calls at the same time and callers that give up, on both ledger backends.

Each test runs through mcp.Client in both protocol eras against the sandbox, with the ledger in a SQLite
file and then in a real redis-server. The sandbox answers slowly enough that the calls truly overlap.
"""

from __future__ import annotations

import contextlib
from typing import Any

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from tests.harness import ERAS, Answer, Era, Rig, make_rig, text_of
from tests.server.tools.test_buy_number import YES, buy, offers, owned

pytestmark = pytest.mark.anyio
CALLS = 8


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


def slow_rig(ledger_url: str, **env: str) -> Rig:
    rig = make_rig(env={"VOICE_TOOLS_LEDGER": ledger_url, **env})
    rig.sandbox.faults.latency = 0.02
    return rig


async def all_at_once(calls: list[Any]) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    async def run(i: int) -> None:
        results[i] = await calls[i]()

    async with anyio.create_task_group() as tg:
        for i in range(len(calls)):
            tg.start_soon(run, i)
    return results


@pytest.mark.parametrize("cap", [1, 3])
async def test_eight_purchases_at_once_under_a_cap_of_k_buy_exactly_k(era: Era, ledger_url: str, cap: int) -> None:
    rig = slow_rig(ledger_url, VOICE_TOOLS_MAX_PURCHASES_PER_DAY=str(cap))
    quotes = [o["quote"] for o in await offers(rig, era, limit=CALLS)]
    results = await all_at_once([lambda q=q: buy(rig, era, {"quote": q}, Answer("accept", YES)) for q in quotes])
    bought = [r for r in results if not r.is_error and r.structured_content["status"] == "purchased"]
    refused = [r for r in results if r.is_error]
    assert len(bought) == cap and rig.transport.count("POST") == cap
    assert len(refused) == CALLS - cap and all("max_purchases_per_day" in text_of(r) for r in refused)
    assert await rig.parts.ledger.active_on("purchase", _today()) == cap


async def test_eight_buys_of_one_quote_send_one_create_request(era: Era, ledger_url: str) -> None:
    rig = slow_rig(ledger_url)
    (offer,) = await offers(rig, era, limit=1)
    results = await all_at_once([lambda: buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))] * CALLS)
    assert rig.transport.count("POST") == 1 and owned(rig).count(offer["number"]) == 1
    statuses = [r.structured_content["status"] for r in results if not r.is_error]
    assert statuses == ["purchased"]
    assert all("already" in text_of(r) for r in results if r.is_error)


async def test_a_code_redeemed_at_once_by_eight_callers_buys_once(era: Era, ledger_url: str) -> None:
    rig = slow_rig(ledger_url, VOICE_TOOLS_CONFIRMATION="elicit_or_code")
    (offer,) = await offers(rig, era, limit=1)
    code = (await buy(rig, era, {"quote": offer["quote"]})).structured_content["confirmation_code"]
    args = {"quote": offer["quote"], "confirmation_code": code}
    results = await all_at_once([lambda: buy(rig, era, args)] * CALLS)
    assert [r.structured_content["status"] for r in results if not r.is_error] == ["purchased"]
    assert rig.transport.count("POST") == 1


async def test_a_caller_that_gives_up_mid_purchase_still_gets_it_bought_audited_and_counted(
    era: Era, ledger_url: str
) -> None:
    rig = make_rig(env={"VOICE_TOOLS_LEDGER": ledger_url})
    (offer,) = await offers(rig, era, limit=1)
    rig.sandbox.faults.latency = 0.5  # the create request takes half a second
    async with anyio.create_task_group() as group:

        async def caller() -> None:
            with contextlib.suppress(MCPError, BaseExceptionGroup):  # the in-process client, torn down mid-call
                await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))

        group.start_soon(caller)
        await _wait_for_outcome(rig, "sending")  # the purchase is at Zendesk now, however loaded the machine
        group.cancel_scope.cancel()  # and the caller gives up
    rig.sandbox.faults.latency = 0.0
    outcomes = await _wait_for_outcome(rig, "purchased")
    assert outcomes == ["sending", "purchased"]
    assert owned(rig).count(offer["number"]) == 1 and rig.transport.count("POST") == 1
    assert await rig.parts.ledger.active_on("purchase", _today()) == 1


async def _wait_for_outcome(rig: Rig, final: str, seconds: float = 10.0) -> list[str]:
    with anyio.move_on_after(seconds):
        while True:
            trail = [e for e in await rig.parts.ledger.audit_trail() if e["event"] == "purchase"]
            if any(e["outcome"] == final for e in trail):
                return [e["outcome"] for e in trail]
            await anyio.sleep(0.05)
    return [e["outcome"] for e in await rig.parts.ledger.audit_trail()]


def _today() -> str:
    from voice_tools.guard.purchase import utc_day

    return utc_day()
