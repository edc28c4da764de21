"""buy_numbers (toolset bulk) through mcp.Client in both eras: one confirmation of the total for several
quotes; the whole batch checked against the daily cap before anyone is asked, bought whole or not at all."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tests.harness import Answer, Era, Rig, connect, make_rig, spelled, text_of

pytestmark = pytest.mark.anyio
BULK = {"VOICE_TOOLS_TOOLSETS": "numbers,bulk"}
YES = {"confirm": True}


async def offers(rig: Rig, era: Era, n: int) -> list[dict[str, Any]]:
    async with connect(rig, era) as client:
        found = await client.call_tool("search_numbers", {"country": "US", "toll_free": False, "limit": n})
    numbers: list[dict[str, Any]] = found.structured_content["numbers"]
    return numbers


def creates(rig: Rig) -> int:
    return sum(1 for r in rig.transport.sent if r.method == "POST" and r.url.path.endswith("/phone_numbers"))


async def test_three_numbers_are_bought_on_one_confirmation_of_the_total(era: Era) -> None:
    rig = make_rig(env=BULK)
    chosen = await offers(rig, era, 3)
    answer = Answer("accept", YES)
    async with connect(rig, era, answer) as client:
        result = await client.call_tool("buy_numbers", {"quotes": [o["quote"] for o in chosen]})
    body = result.structured_content
    assert body["status"] == "purchased" and [n["status"] for n in body["numbers"]] == ["purchased"] * 3, text_of(
        result
    )
    (asked,) = answer.asked
    assert asked.message.startswith(f"Buy 3 numbers for {body['total']} per month in all, billed to the Zendesk")
    for offer in chosen:
        assert spelled(offer["number"], asked.message) and offer["price"] in asked.message
    assert creates(rig) == 3
    outcomes = [e["outcome"] for e in await rig.parts.ledger.audit_trail() if e.get("attempt")]
    assert sorted(outcomes) == ["purchased"] * 3 + ["sending"] * 3


async def test_a_batch_the_cap_would_cut_is_refused_before_anyone_is_asked(era: Era) -> None:
    rig = make_rig(env={**BULK, "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "2"})
    chosen = await offers(rig, era, 3)
    answer = Answer("accept", YES)
    async with connect(rig, era, answer) as client:
        result = await client.call_tool("buy_numbers", {"quotes": [o["quote"] for o in chosen]})
    assert result.is_error and text_of(result) == (
        "not purchased: refused by the spend policy (max_purchases_per_day): these 3 purchases would pass today's cap "
        "of 2 (2 left today), and a batch is bought whole or not at all. Retrying today will not help; buy fewer, or "
        "an operator can change VOICE_TOOLS_MAX_PURCHASES_PER_DAY. Retry: no. Next: tell the user the purchase is not "
        "allowed by this server's policy."
    )
    assert answer.asked == [] and creates(rig) == 0


async def test_declined_buys_nothing_and_a_quote_twice_is_refused(era: Era) -> None:
    rig = make_rig(env=BULK)
    chosen = await offers(rig, era, 2)
    async with connect(rig, era, Answer("decline")) as client:
        declined = await client.call_tool("buy_numbers", {"quotes": [o["quote"] for o in chosen]})
        twice = await client.call_tool("buy_numbers", {"quotes": [chosen[0]["quote"]] * 2})
    assert declined.structured_content["status"] == "not_purchased" and creates(rig) == 0
    assert twice.is_error and "the same quote is given twice" in text_of(twice)


async def test_batches_racing_for_the_last_places_are_bought_whole_or_not_at_all(era: Era) -> None:
    """Three batches of two at once under a cap of 4: each passes the check before asking (nothing is
    bought yet), and the ledger's one-step reservation lets exactly two through, whole."""
    rig = make_rig(env={**BULK, "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "4"})
    chosen = [o["quote"] for o in await offers(rig, era, 6)]
    results: list[Any] = []

    async def one(pair: list[str]) -> None:
        async with connect(rig, era, Answer("accept", YES)) as client:
            results.append(await client.call_tool("buy_numbers", {"quotes": pair}))

    async with anyio.create_task_group() as group:
        for i in range(3):
            group.start_soon(one, chosen[2 * i : 2 * i + 2])
    bought = [r for r in results if not r.is_error]
    refused = [text_of(r) for r in results if r.is_error]
    assert len(bought) == 2 and all(r.structured_content["status"] == "purchased" for r in bought)
    # refused whole: by the ledger's reservation, or by the re-check after the yes when the others won first
    assert len(refused) == 1 and ("today's cap of 4" in refused[0] or "daily cap is 4" in refused[0])
    assert creates(rig) == 4


async def test_a_duplicate_quote_or_number_is_refused_before_anyone_is_asked(era: Era) -> None:
    """Issue 22, case 8: a space-padded duplicate quote, or two quotes for one number, never reaches the person
    as "Buy 2 numbers" listing one twice."""
    rig = make_rig(env=BULK)
    first = (await offers(rig, era, 1))[0]
    again = (await offers(rig, era, 1))[0]  # the same number, searched again: a second quote for it
    assert again["number"] == first["number"] and again["quote"] != first["quote"]
    answer = Answer("accept", YES)
    async with connect(rig, era, answer) as client:
        padded = await client.call_tool("buy_numbers", {"quotes": [first["quote"], f" {first['quote']} "]})
        twice = await client.call_tool("buy_numbers", {"quotes": [first["quote"], again["quote"]]})
    assert padded.is_error and "the same quote is given twice" in text_of(padded)
    assert twice.is_error and f"{first['number']} is given by more than one quote" in text_of(twice)
    assert answer.asked == [] and creates(rig) == 0
    refusals = [e for e in await rig.parts.ledger.audit_trail() if e.get("outcome") == "refused"]
    assert [e["rule"] for e in refusals] == ["invalid_quote", "invalid_quote"]
