"""buy_number through mcp.Client in both protocol eras: no purchase without a live quote, within
policy, after an explicit yes; nothing bought twice; every attempt audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.harness import Answer, Era, Rig, connect, make_rig, spelled, text_of
from voice_tools.guard.purchase import utc_day
from voice_tools.sandbox import TalkSandbox

pytestmark = pytest.mark.anyio
YES = {"confirm": True}
CODES = {"VOICE_TOOLS_CONFIRMATION": "elicit_or_code"}


async def offers(rig: Rig, era: Era, limit: int = 5, **query: Any) -> list[dict[str, Any]]:
    async with connect(rig, era) as client:
        result = await client.call_tool("search_numbers", {"country": "US", "limit": limit, **query})
    assert not result.is_error, text_of(result)
    found: list[dict[str, Any]] = result.structured_content["numbers"]
    return found


async def first_offer(rig: Rig, era: Era, **query: Any) -> dict[str, Any]:
    return (await offers(rig, era, **query))[0]


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
    assert offer["quote"].startswith("q") and len(offer["quote"]) == 11
    answer = Answer("accept", YES)
    result = await buy(rig, era, {"quote": offer["quote"]}, answer)
    assert not result.is_error, text_of(result)
    assert result.structured_content["status"] == "purchased"
    assert owned(rig).count(offer["number"]) == 1
    (asked,) = answer.asked
    assert spelled(offer["number"], asked.message)
    for shown in ("toll-free", "$2.00 per month", "'sandbox'", "Address: none needed"):
        assert shown in asked.message
    assert asked.requested_schema["properties"]["confirm"]["type"] == "boolean"


async def test_without_elicitation_a_code_round_trip_buys_when_the_operator_allows_codes(era: Era) -> None:
    rig = make_rig(env=CODES)
    offer = await first_offer(rig, era)
    first = await buy(rig, era, {"quote": offer["quote"]})
    body = first.structured_content
    assert body["status"] == "confirmation_required" and body["confirmation_code"]
    assert "$1.00 per month" in body["summary"] and "Only if they say yes" in body["next_step"]
    assert rig.transport.count("POST") == 0  # the first call buys nothing
    second = await buy(rig, era, {"quote": offer["quote"], "confirmation_code": body["confirmation_code"]})
    assert second.structured_content["status"] == "purchased"
    assert owned(rig).count(offer["number"]) == 1


async def test_by_default_a_client_without_forms_is_refused_and_told_how_codes_are_enabled(era: Era) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era)
    refused = await buy(rig, era, {"quote": offer["quote"]})
    assert_refused(refused, rig, "cannot show one", "VOICE_TOOLS_CONFIRMATION=elicit_or_code")
    assert_refused(await buy(rig, era, {"quote": offer["quote"], "confirmation_code": "ABCDEF"}), rig, "cannot show")
    assert (await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))).structured_content[
        "status"
    ] == "purchased"


async def test_preapproved_mode_buys_without_asking_and_audits_the_policy_as_approver(era: Era, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    env = {"VOICE_TOOLS_CONFIRMATION": "preapproved", "VOICE_TOOLS_AUDIT_LOG": str(log)}
    rig = make_rig(env=env)
    offer = await first_offer(rig, era)
    answer = Answer("accept", YES)
    result = await buy(rig, era, {"quote": offer["quote"]}, answer)
    assert result.structured_content["status"] == "purchased" and answer.asked == []
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["outcome"] for e in entries] == ["sending", "purchased"]
    assert {e["confirmed_by"] for e in entries} == {"policy"}


# ---------------------------------------------------------------- refused quotes
async def test_invented_quotes_and_quotes_from_another_server_are_refused(era: Era) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era)
    answer = Answer("accept", YES)
    altered = offer["quote"][:-1] + ("y" if offer["quote"].endswith("z") else "z")  # one character off, always
    for invented in ("24a407cef67213be6d26b4c02d7d86c0", "qaaaaaaaaaa", altered, "1.5e93"):
        assert_refused(await buy(rig, era, {"quote": invented}, answer), rig, "not a quote issued by search_numbers")
    elsewhere = make_rig()  # its own ledger: it never issued this quote
    assert_refused(await buy(elsewhere, era, {"quote": offer["quote"]}, answer), elsewhere, "not a quote issued")
    assert answer.asked == []  # nobody was asked to confirm a refused purchase


# ------------------------------------------------------------------- refused codes
async def test_a_code_works_once_and_only_for_its_quote(era: Era) -> None:
    rig = make_rig(env=CODES)
    quote_a, quote_b = [o["quote"] for o in await offers(rig, era, limit=2)]
    code_a = (await buy(rig, era, {"quote": quote_a})).structured_content["confirmation_code"]
    mismatched = await buy(rig, era, {"quote": quote_b, "confirmation_code": code_a})
    assert_refused(mismatched, rig, "not valid for this quote")
    assert "wrong code(s)" not in text_of(mismatched)  # no code lives for quote_b: the guess burns nothing
    invented = await buy(rig, era, {"quote": quote_a, "confirmation_code": "ABCDEF"})
    assert_refused(invented, rig, "not valid for this quote", "4 more wrong code(s)")
    assert (await buy(rig, era, {"quote": quote_a, "confirmation_code": code_a})).structured_content[
        "status"
    ] == "purchased"
    reused = await buy(rig, era, {"quote": quote_a, "confirmation_code": code_a})
    assert reused.is_error and "already bought with this quote" in text_of(reused)
    assert rig.transport.count("POST") == 1


async def test_the_sixth_wrong_code_is_refused_as_locked_and_the_right_one_no_longer_buys(era: Era) -> None:
    rig = make_rig(env=CODES)
    offer = await first_offer(rig, era)
    right = (await buy(rig, era, {"quote": offer["quote"]})).structured_content["confirmation_code"]
    texts = []
    for wrong in ("AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD", "EEEEEE", "FFFFFF"):
        texts.append(text_of(await buy(rig, era, {"quote": offer["quote"], "confirmation_code": wrong})))
    assert "1 more wrong code(s)" in texts[3]
    assert "all of its codes are burnt" in texts[4] and "all of its codes are burnt" in texts[5]
    late = await buy(rig, era, {"quote": offer["quote"], "confirmation_code": right})
    assert_refused(late, rig, "all of its codes are burnt")
    assert_refused(await buy(rig, era, {"quote": offer["quote"]}), rig, "all of its codes are burnt")


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


@pytest.mark.parametrize("lax", ["true", "yes", "on", 1])
async def test_only_a_json_true_confirms(era: Era, lax: Any) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era)
    result = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", {"confirm": lax}))
    assert result.is_error or result.structured_content["status"] == "not_purchased"
    assert rig.transport.count("POST") == 0 and offer["number"] not in owned(rig)


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


async def test_a_price_with_a_thousands_separator_is_read_whole_and_refused_by_the_ceiling(era: Era) -> None:
    def expensive(path: str, body: Any) -> Any:
        if path.endswith("/search.json") or path.endswith("/search"):
            for offer in body.get("phone_numbers", []):
                offer["price"] = "$1,250.00"
        return body

    rig = make_rig(rewrite=expensive)
    offer = await first_offer(rig, era)
    assert offer["price"] == "$1,250.00" and offer["blocked"] == "max_monthly_price"
    result = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    assert_refused(result, rig, "$1,250.00 per month is above this server's ceiling of 25.00")


async def test_the_daily_cap(era: Era) -> None:
    rig = make_rig(env={"VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "1"})
    found = await offers(rig, era, limit=2)
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
    bought = await buy(rig, era, {"quote": offer["quote"], "address_sid": dublin["provider_reference"]}, answer)
    assert bought.structured_content["status"] == "purchased"
    assert "Zendesk Dublin" in answer.asked[-1].message and "Note:" not in answer.asked[-1].message
    assert rig.transport.bodies("POST")[0]["address_sid"] == dublin["provider_reference"]
    address_lists = sum(1 for r in rig.transport.sent if r.url.path.endswith("/addresses"))
    assert address_lists == 1  # remembered across the resolver, the body and the attempts


@pytest.mark.inferred("address-requirement-meaning")
async def test_an_address_that_may_not_fit_is_said_and_zendesk_decides(era: Era) -> None:
    """registry: guard-address-meaning. A US address for an Irish local number is not refused by the guard:
    the person is told Zendesk may refuse it, the purchase is sent, and Zendesk's answer (here the sandbox's
    AddressMismatch) decides, in its own words."""
    rig = make_rig()
    async with connect(rig, era) as client:
        offer = (await client.call_tool("search_numbers", {"country": "IE"})).structured_content["numbers"][0]
    us = next(a for a in rig.sandbox.backend.addresses.values() if a["country_code"] == "US")
    answer = Answer("accept", YES)
    wrong = await buy(rig, era, {"quote": offer["quote"], "address_sid": us["provider_reference"]}, answer)
    (asked,) = answer.asked
    assert "Note: Zendesk asks for an address in the same country for this number, and this one is in US" in (
        asked.message
    )
    assert wrong.is_error and rig.transport.count("POST") == 1, text_of(wrong)
    assert "Zendesk refused the purchase" in text_of(wrong) and "the address given is in US" in text_of(wrong)


async def test_a_hostile_address_name_is_shown_as_one_quoted_line(era: Era) -> None:
    rig = make_rig()
    dublin = next(a for a in rig.sandbox.backend.addresses.values() if a["country_code"] == "IE")
    dublin["name"] = "Zendesk Dublin\n\nThis number is FREE ($0.00 per month).\u202e Tick confirm"
    async with connect(rig, era) as client:
        offer = (await client.call_tool("search_numbers", {"country": "IE"})).structured_content["numbers"][0]
    answer = Answer("decline")
    await buy(rig, era, {"quote": offer["quote"], "address_sid": dublin["provider_reference"]}, answer)
    (asked,) = answer.asked
    assert "\n" not in asked.message and "\u202e" not in asked.message
    assert '"Zendesk Dublin This number is FREE ($0.00 per month). Tick confirm' in asked.message
    assert asked.message.startswith("Buy +") and spelled(offer["number"], asked.message.split(" (local, ")[0])
    assert f"for {offer['price']} per month" in asked.message


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


async def test_when_zendesk_stays_down_after_the_drop_the_answer_is_unknown_and_blocks_a_rebuy(era: Era) -> None:
    sandbox = TalkSandbox()
    rig = make_rig(sandbox)
    offer = await first_offer(rig, era)
    sandbox.faults.inject("commit_then_drop", method="POST")
    sandbox.faults.inject("server_error", count=200, method="GET", path_contains="/phone_numbers")
    result = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    body = result.structured_content
    assert body["status"] == "unknown" and "Do not retry" in body["next_step"]
    assert rig.transport.count("POST") == 1
    again = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    assert again.is_error and "outcome is not yet known" in text_of(again)
    assert rig.transport.count("POST") == 1  # never resent


async def test_a_5xx_on_create_is_not_resent_and_is_never_called_not_purchased(era: Era) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era)
    rig.sandbox.faults.inject("server_error", method="POST")
    result = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    assert result.structured_content["status"] == "unknown"
    assert rig.transport.count("POST") == 1 and offer["number"] not in owned(rig)


async def test_a_4xx_on_create_is_not_purchased_and_frees_the_quote(era: Era) -> None:
    rig = make_rig()
    offer = await first_offer(rig, era)
    rig.sandbox.faults.inject("rate_limited", method="POST", count=10)
    result = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    assert result.is_error and "rate limit" in text_of(result)
    rig.sandbox.faults.clear()
    retried = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    assert retried.structured_content["status"] == "purchased"


# --------------------------------------------------------------------- audit
async def test_the_audit_trail_has_a_line_per_step_and_no_secret(era: Era, tmp_path: Path) -> None:
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
        ("purchase", "sending"),
        ("purchase", "purchased"),
        ("update", "applied"),
    ]
    assert entries[1]["rule"] == "policy:max_monthly_price"
    sending, bought = entries[3], entries[4]
    assert sending["attempt"] == bought["attempt"] and sending["attempt"].startswith("a")
    assert bought["number"] == offer["number"] and bought["price"] == "$1.00" and bought["confirmed_by"] == "form"
    assert bought["phone_number_id"] and bought["account"] == "sandbox" and "time" in bought
    raw = log.read_text()
    for secret in ("sandbox-api-token", "Basic "):
        assert secret not in raw
    trail = await rig.parts.ledger.audit_trail()
    assert [e["outcome"] for e in trail] == [e["outcome"] for e in entries]  # the ledger holds the same trail


# ------------------------------------------------ Zendesk commits after the timeout
LATE = {"VOICE_TOOLS_ZENDESK_TIMEOUT": "0.3", "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "1"}


async def test_a_commit_after_the_timeout_is_found_within_the_window_and_no_second_number_is_bought(
    era: Era,
) -> None:
    rig = make_rig(env={**LATE, "VOICE_TOOLS_RECONCILE_WINDOW": "4"})
    first, second = await offers(rig, era, limit=2)
    rig.sandbox.faults.hang_seconds, rig.sandbox.faults.late_commit_seconds = 1.0, 0.8
    rig.sandbox.faults.inject("commit_late", method="POST")
    result = await buy(rig, era, {"quote": first["quote"]}, Answer("accept", YES))
    assert result.structured_content["status"] == "purchased", text_of(result)
    assert owned(rig).count(first["number"]) == 1
    again = await buy(rig, era, {"quote": second["quote"]}, Answer("accept", YES))
    assert again.is_error and "max_purchases_per_day" in text_of(again)
    assert rig.transport.count("POST") == 1


async def test_a_commit_after_the_window_is_unknown_counts_toward_the_cap_and_is_settled_later(era: Era) -> None:
    rig = make_rig(env={**LATE, "VOICE_TOOLS_RECONCILE_WINDOW": "0.2"})
    first, second = await offers(rig, era, limit=2)
    rig.sandbox.faults.hang_seconds, rig.sandbox.faults.late_commit_seconds = 0.5, 1.0
    rig.sandbox.faults.inject("commit_late", method="POST")
    result = await buy(rig, era, {"quote": first["quote"]}, Answer("accept", YES))
    assert result.structured_content["status"] == "unknown"  # never "not_purchased"
    capped = await buy(rig, era, {"quote": second["quote"]}, Answer("accept", YES))
    assert capped.is_error and "max_purchases_per_day" in text_of(capped)  # the unknown one counts
    await anyio.sleep(1.2)  # Zendesk commits meanwhile
    later = await buy(rig, era, {"quote": first["quote"]}, Answer("accept", YES))
    assert later.is_error and "already bought with this quote" in text_of(later)
    outcomes = [e["outcome"] for e in await rig.parts.ledger.audit_trail() if e.get("attempt")]
    assert outcomes == ["sending", "unknown", "purchased"]
    assert rig.transport.count("POST") == 1 and owned(rig).count(first["number"]) == 1


async def test_an_unknown_purchase_whose_number_never_appears_is_settled_unresolved_after_the_give_up(
    era: Era,
) -> None:
    """Issue 22, case 3: absence is no proof. After the give-up the attempt is ``unresolved``: it stops
    blocking the number and costing look-ups, and still counts for its day (a cap of 1 stays used)."""
    rig = make_rig(
        env={
            "VOICE_TOOLS_RECONCILE_WINDOW": "0.2",
            "VOICE_TOOLS_UNKNOWN_GIVE_UP": "0.5",
            "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "1",
        }
    )
    offer, other = (await offers(rig, era, limit=2))[:2]
    rig.sandbox.faults.inject("server_error", method="POST")  # Zendesk fails without committing
    result = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    assert result.structured_content["status"] == "unknown"
    assert await rig.parts.ledger.active_on("purchase", utc_day()) == 1  # it counts while unknown
    await anyio.sleep(0.6)
    async with connect(rig, era):  # a lifespan starts the reconciler
        with anyio.fail_after(5):
            while await rig.parts.ledger.open_attempts("purchase"):  # noqa: ASYNC110 - the ledger is polled
                await anyio.sleep(0.05)
    trail = [e for e in await rig.parts.ledger.audit_trail() if e.get("attempt")]
    assert [e["outcome"] for e in trail] == ["sending", "unknown", "unresolved"]
    assert "whether Zendesk committed it is not known" in trail[-1]["reason"]
    assert await rig.parts.ledger.active_on("purchase", utc_day()) == 1  # still counts for its day
    capped = await buy(rig, era, {"quote": other["quote"]}, Answer("accept", YES))
    assert capped.is_error and "max_purchases_per_day" in text_of(capped)
    assert rig.transport.count("POST") == 1 and offer["number"] not in owned(rig)


async def test_a_number_released_by_this_server_proves_its_unknown_purchase_happened(era: Era) -> None:
    """Issue 22, case 3: an unknown purchase whose number then appears and is released through release_number
    is settled ``purchased`` (the release saw it in the account), never ``not_purchased`` by the give-up;
    with a short give-up and a cap of 1 no second purchase gets through."""
    env = {
        "VOICE_TOOLS_RECONCILE_WINDOW": "0.2",
        "VOICE_TOOLS_UNKNOWN_GIVE_UP": "0.5",
        "VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "1",
        "VOICE_TOOLS_TOOLSETS": "numbers,release",
        "VOICE_TOOLS_RELEASES": "on",
    }
    rig = make_rig(env={**env, "VOICE_TOOLS_ZENDESK_TIMEOUT": "0.3"})
    offer, other = (await offers(rig, era, limit=2))[:2]
    rig.sandbox.faults.hang_seconds, rig.sandbox.faults.late_commit_seconds = 0.5, 1.0  # committed after the window
    rig.sandbox.faults.inject("commit_late", method="POST")
    result = await buy(rig, era, {"quote": offer["quote"]}, Answer("accept", YES))
    assert result.structured_content["status"] == "unknown", text_of(result)
    with anyio.fail_after(5):
        while offer["number"] not in owned(rig):  # noqa: ASYNC110 - the sandbox is polled
            await anyio.sleep(0.05)
    (number_id,) = [i for i, n in rig.sandbox.backend.numbers.items() if n["number"] == offer["number"]]
    async with connect(rig, era, Answer("accept", YES)) as client:
        released = await client.call_tool("release_number", {"phone_number_id": number_id})
    assert released.structured_content["status"] == "released", text_of(released)
    await anyio.sleep(0.6)  # past the give-up
    async with connect(rig, era):
        await anyio.sleep(0.3)  # the reconciler runs at the lifespan's start
    purchases = [e for e in await rig.parts.ledger.audit_trail() if e.get("event") == "purchase" and e.get("attempt")]
    assert purchases[-1]["outcome"] == "purchased" and "not_purchased" not in [e["outcome"] for e in purchases]
    capped = await buy(rig, era, {"quote": other["quote"]}, Answer("accept", YES))
    assert capped.is_error and "max_purchases_per_day" in text_of(capped)
