"""buy_number through mcp.Client in both protocol eras: no purchase without a verified quote, within
policy, after a human's explicit yes; nothing bought twice; every attempt audited."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.harness import ERAS, QUOTE_SECRET, Answer, Era, Rig, connect, make_rig, text_of
from voice_tools.guard import QuoteSigner, quotes
from voice_tools.models import AvailableNumber
from voice_tools.sandbox import TalkSandbox

pytestmark = pytest.mark.anyio
YES = {"confirm": True}


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


async def first_offer(rig: Rig, era: Era, **query: Any) -> dict[str, Any]:
    async with connect(rig, era) as client:
        result = await client.call_tool("search_numbers", {"country": "US", **query})
    offer: dict[str, Any] = result.structured_content["numbers"][0]
    return offer


async def buy(rig: Rig, era: Era, args: dict[str, Any], answer: Answer | None = None) -> Any:
    async with connect(rig, era, answer) as client:
        return await client.call_tool("buy_number", args)


def owned(rig: Rig) -> list[str]:
    return [n["number"] for n in rig.sandbox.backend.numbers.values()]


def assert_refused(result: Any, rig: Rig, *phrases: str) -> None:
    assert result.is_error, text_of(result)
    for phrase in phrases:
        assert phrase in text_of(result)
    assert rig.transport.count("POST") == 0, "a refused purchase reached Zendesk"


# ------------------------------------------------------------------ the happy paths
async def test_elicitation_shows_the_purchase_and_only_confirm_true_buys(era: Era) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era, toll_free=True)
    answer = Answer("accept", YES)
    result = await buy(rig, era, {"quote": offer["quote"]}, answer)
    assert not result.is_error, text_of(result)
    assert result.structured_content["status"] == "purchased"
    assert owned(rig).count(offer["number"]) == 1
    (asked,) = answer.asked
    for shown in (offer["number"], "toll-free", "$2.00 per month", "'sandbox'", "Address: none needed"):
        assert shown in asked.message
    assert asked.requested_schema["properties"]["confirm"]["type"] == "boolean"


async def test_without_elicitation_a_code_round_trip_buys(era: Era) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era)
    first = await buy(rig, era, {"quote": offer["quote"]})
    body = first.structured_content
    assert body["status"] == "confirmation_required" and body["confirmation_code"]
    assert "$1.00 per month" in body["summary"] and "Only if they say yes" in body["next_step"]
    assert rig.transport.count("POST") == 0  # the first call buys nothing
    second = await buy(rig, era, {"quote": offer["quote"], "confirmation_code": body["confirmation_code"]})
    assert second.structured_content["status"] == "purchased"
    assert owned(rig).count(offer["number"]) == 1


# ---------------------------------------------------------------- refused quotes
def tamper(quote: str, offset: int, value: int) -> str:
    raw = bytearray(quotes.decode(quote))
    raw[offset] = value
    return quotes.encode(bytes(raw))


async def test_invented_and_tampered_quotes_are_refused(era: Era) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era)
    answer = Answer("accept", YES)
    invented = await buy(rig, era, {"quote": "24a407cef67213be6d26b4c02d7d86c0"}, answer)
    assert_refused(invented, rig, "not a quote issued by search_numbers")
    cheaper = tamper(offer["quote"], 6, 0)  # the low byte of the price
    assert_refused(await buy(rig, era, {"quote": cheaper}, answer), rig, "altered")
    other_number = tamper(offer["quote"], 18, 0x42)  # the low byte of the number
    assert_refused(await buy(rig, era, {"quote": other_number}, answer), rig, "altered")
    assert answer.asked == []  # nobody was asked to confirm a refused purchase


async def test_expired_quotes_and_other_accounts_quotes_are_refused(era: Era) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era)
    available = AvailableNumber(
        number=offer["number"],
        token="24a407cef67213be6d26b4c02d7d86c0",
        country_code="US",
        price="$1.00",
        address_requirements="none",
    )
    secret = QUOTE_SECRET.encode()
    expired = QuoteSigner(secret, "sandbox", clock=lambda: time.time() - 3600).issue(available)
    foreign = QuoteSigner(secret, "another-account").issue(available)
    answer = Answer("accept", YES)
    assert_refused(await buy(rig, era, {"quote": expired}, answer), rig, "expired", "search_numbers again")
    assert_refused(await buy(rig, era, {"quote": foreign}, answer), rig, "another Zendesk account")


# ------------------------------------------------------------------- refused codes
async def test_a_code_works_once_and_only_for_its_quote(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        found = (await client.call_tool("search_numbers", {"country": "US", "limit": 2})).structured_content["numbers"]
    quote_a, quote_b = found[0]["quote"], found[1]["quote"]
    code_a = (await buy(rig, era, {"quote": quote_a})).structured_content["confirmation_code"]
    mismatched = await buy(rig, era, {"quote": quote_b, "confirmation_code": code_a})
    assert_refused(mismatched, rig, "issued for a different quote")
    code_a = (await buy(rig, era, {"quote": quote_a})).structured_content["confirmation_code"]
    invented = await buy(rig, era, {"quote": quote_a, "confirmation_code": "ABCDEF"})
    assert_refused(invented, rig, "not valid")
    assert (await buy(rig, era, {"quote": quote_a, "confirmation_code": code_a})).structured_content[
        "status"
    ] == "purchased"
    reused = await buy(rig, era, {"quote": quote_a, "confirmation_code": code_a})
    assert reused.is_error and "already bought" in text_of(reused)
    assert rig.transport.count("POST") == 1


# --------------------------------------------------------------- a human's no
@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (Answer("decline"), "declined"),
        (Answer("cancel"), "cancelled"),
        (Answer("accept", {"confirm": False}), "did not tick"),
    ],
)
async def test_decline_cancel_and_unticked_accept_buy_nothing(era: Era, answer: Answer, said: str) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era)
    result = await buy(rig, era, {"quote": offer["quote"]}, answer)
    assert not result.is_error
    assert result.structured_content["status"] == "not_purchased" and said in result.structured_content["next_step"]
    assert rig.transport.count("POST") == 0 and offer["number"] not in owned(rig)


async def test_elicit_only_refuses_clients_that_cannot_ask(era: Era) -> None:
    rig = make_rig(env={"VOICE_TOOLS_CONFIRMATION": "elicit_only"})
    offer = await first_offer(rig, era)
    assert_refused(await buy(rig, era, {"quote": offer["quote"]}), rig, "cannot show one")
    assert_refused(
        await buy(rig, era, {"quote": offer["quote"], "confirmation_code": "ABCDEF"}), rig, "cannot show one"
    )
    assert (await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))).structured_content[
        "status"
    ] == "purchased"


# -------------------------------------------------------------------- policy
@pytest.mark.parametrize(
    ("env", "query", "rule"),
    [
        ({"VOICE_TOOLS_PURCHASES": "off"}, {}, "purchases_enabled"),
        ({"VOICE_TOOLS_MAX_MONTHLY_PRICE": "1.50"}, {"toll_free": True}, "max_monthly_price"),
        ({"VOICE_TOOLS_ALLOWED_COUNTRIES": "CA,GB"}, {}, "allowed_countries"),
        ({"VOICE_TOOLS_ALLOW_TOLL_FREE": "no"}, {"toll_free": True}, "allow_toll_free"),
    ],
)
async def test_each_spend_policy_rule_refuses_before_asking(
    era: Era, env: dict[str, str], query: dict[str, Any], rule: str
) -> None:
    rig = make_rig(env=env)
    offer = await first_offer(rig, era, **query)
    assert offer["blocked"] == rule  # search already warns
    answer = Answer("accept", YES)
    result = await buy(rig, era, {"quote": offer["quote"]}, answer)
    assert_refused(result, rig, f"refused by the spend policy ({rule})", "Retry: no")
    assert answer.asked == []


async def test_the_daily_cap(era: Era) -> None:
    rig = make_rig(env={"VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "1"})
    async with connect(rig, era) as client:
        found = (await client.call_tool("search_numbers", {"country": "US", "limit": 2})).structured_content["numbers"]
    answer = Answer("accept", YES)
    assert (await buy(rig, era, {"quote": found[0]["quote"]}, answer)).structured_content["status"] == "purchased"
    second = await buy(rig, era, {"quote": found[1]["quote"]}, answer)
    assert second.is_error and "max_purchases_per_day" in text_of(second)
    assert rig.transport.count("POST") == 1


# ----------------------------------------------------------------- addresses
async def test_an_address_is_required_where_regulation_says_so(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        offer = (await client.call_tool("search_numbers", {"country": "IE"})).structured_content["numbers"][0]
    assert offer["address"] == "local"
    answer = Answer("accept", YES)
    missing = await buy(rig, era, {"quote": offer["quote"]}, answer)
    dublin = next(a for a in rig.sandbox.backend.addresses.values() if a["country_code"] == "IE")
    assert_refused(missing, rig, "needs an address in the same country", dublin["provider_reference"], "Zendesk Dublin")
    assert "Zendesk HQ" not in text_of(missing)  # a US address does not fit an Irish local number
    us = next(a for a in rig.sandbox.backend.addresses.values() if a["country_code"] == "US")
    wrong = await buy(rig, era, {"quote": offer["quote"], "address_sid": us["provider_reference"]}, answer)
    assert_refused(wrong, rig, "is in US, but this number needs one in the same country")
    bought = await buy(rig, era, {"quote": offer["quote"], "address_sid": dublin["provider_reference"]}, answer)
    assert bought.structured_content["status"] == "purchased"
    assert "Zendesk Dublin" in answer.asked[-1].message
    assert rig.transport.bodies("POST")[0]["address_sid"] == dublin["provider_reference"]
    address_lists = sum(1 for r in rig.transport.sent if r.url.path.endswith("/addresses"))
    assert address_lists == 1  # remembered across the resolver, the body and the three attempts


# ------------------------------------------------------- nothing bought twice
async def test_a_dropped_answer_is_settled_by_looking_the_number_up(era: Era) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era)
    rig.sandbox.faults.inject("commit_then_drop", method="POST")
    result = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    body = result.structured_content
    assert body["status"] == "purchased" and body["phone_number_id"] is not None
    assert "answer to the purchase was lost" in body["summary"]
    assert owned(rig).count(offer["number"]) == 1 and rig.transport.count("POST") == 1


async def test_when_zendesk_stays_down_after_the_drop_the_answer_is_unknown(era: Era) -> None:
    sandbox = TalkSandbox()
    rig = make_rig(sandbox)
    offer = await first_offer(rig, era)
    sandbox.faults.inject("commit_then_drop", method="POST")
    sandbox.faults.inject("server_error", count=50, method="GET", path_contains="/phone_numbers")
    result = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    body = result.structured_content
    assert body["status"] == "unknown" and "Do not retry" in body["next_step"]
    assert rig.transport.count("POST") == 1
    again = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    assert again.is_error and rig.transport.count("POST") == 1  # never resent


async def test_a_5xx_on_create_is_not_resent_and_is_settled(era: Era) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era)
    rig.sandbox.faults.inject("server_error", method="POST")  # refused before doing anything
    result = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    assert result.structured_content["status"] == "not_purchased"
    assert rig.transport.count("POST") == 1 and offer["number"] not in owned(rig)


# --------------------------------------------------------------------- audit
async def test_the_audit_log_has_one_line_per_attempt_and_no_secret(era: Era, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    rig = make_rig(env={"VOICE_TOOLS_AUDIT_LOG": str(log), "VOICE_TOOLS_MAX_MONTHLY_PRICE": "1.50"})
    offer = await first_offer(rig, era)
    toll_free = await first_offer(rig, era, toll_free=True)
    await buy(rig, era, {"quote": "garbage"}, Answer("accept", YES))
    await buy(rig, era, {"quote": toll_free["quote"]}, Answer("accept", YES))
    await buy(rig, era, {"quote": offer["quote"]}, Answer("decline"))
    await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    async with connect(rig, era) as client:
        await client.call_tool("update_settings", {"phone_number_id": 900000120986, "changes": {"nickname": "Audited"}})
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["event"], e["outcome"]) for e in entries] == [
        ("purchase", "refused"),
        ("purchase", "refused"),
        ("purchase", "not_purchased"),
        ("purchase", "purchased"),
        ("update", "applied"),
    ]
    assert entries[1]["rule"] == "policy:max_monthly_price"
    bought = entries[3]
    assert (
        bought["number"] == offer["number"] and bought["price"] == "$1.00" and bought["confirmed_by"] == "elicitation"
    )
    assert bought["phone_number_id"] and bought["account"] == "sandbox" and "time" in bought
    raw = log.read_text()
    for secret in ("sandbox-api-token", QUOTE_SECRET, "Basic ", offer["quote"]):
        assert secret not in raw
