"""Prices shown exactly, odd ones refused before anyone is asked (issue 22, case 2), in both protocol eras.

Zendesk's price text reaches the person whole, beside the amount and currency it was read as; a price
that is negative, unreadable, ambiguous or in a currency the spend policy does not name is refused with
nothing sent; batch totals are kept per currency. Judged from the sandbox's requests and the audit trail.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.harness import ERAS, Answer, Era, Rig, connect, make_rig, text_of
from voice_tools.guard import BatchPlan, PurchasePlan, Quote
from voice_tools.models import PriceError, read_price

pytestmark = pytest.mark.anyio
YES = {"confirm": True}
LONG = "Monthly recurring charge for a local number: $1.00 (taxes extra)"


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


def priced(*texts: str) -> Any:
    """A rewrite of the search answer: the offers' prices, in turn, become these texts."""

    def rewrite(path: str, body: Any) -> Any:
        if path.rstrip("/").endswith(("/search.json", "/search")):
            for offer, text in zip(body.get("phone_numbers", []), texts, strict=False):
                offer["price"] = text
        return body

    return rewrite


async def search(rig: Rig, era: Era, limit: int = 2) -> list[dict[str, Any]]:
    async with connect(rig, era) as client:
        result = await client.call_tool("search_numbers", {"country": "US", "limit": limit})
    assert not result.is_error, text_of(result)
    found: list[dict[str, Any]] = result.structured_content["numbers"]
    return found


async def test_the_person_reads_zendesks_price_text_whole_beside_the_amount_it_was_read_as(era: Era) -> None:
    rig = make_rig(rewrite=priced(LONG))
    (offer, _) = await search(rig, era)
    answer = Answer("accept", YES)
    async with connect(rig, era, answer) as client:
        bought = await client.call_tool("buy_number", {"quote": offer["quote"]})
    assert bought.structured_content["status"] == "purchased", text_of(bought)
    (asked,) = answer.asked
    assert f"for {LONG} per month (read as 1.00 USD)" in asked.message  # not cut at 24 characters


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("-1", "is negative"),
        ("$-1.00", "is negative"),
        ("Free", "has no amount"),
        ("1.250 €", "could be read two ways"),
        ("1.00", "names no currency"),
        ("$1 or $2", "has more than one amount"),
    ],
)
async def test_an_odd_price_is_refused_before_anyone_is_asked(era: Era, text: str, why: str) -> None:
    rig = make_rig(rewrite=priced(text))
    (offer, _) = await search(rig, era)
    assert offer["blocked"] == "price" and offer["price"] == text
    answer = Answer("accept", YES)
    async with connect(rig, era, answer) as client:
        result = await client.call_tool("buy_number", {"quote": offer["quote"]})
    assert result.is_error and why in text_of(result) and "Retry: no" in text_of(result)
    assert answer.asked == [] and rig.transport.count("POST") == 0
    (refusal,) = [e for e in await rig.parts.ledger.audit_trail() if e.get("outcome") == "refused"]
    assert refusal["rule"] == "policy:price"


async def test_a_price_in_another_currency_than_the_policys_is_refused(era: Era) -> None:
    rig = make_rig(rewrite=priced("1.00 €", "$20.00"), env={"VOICE_TOOLS_MAX_PURCHASES_PER_DAY": "5"})
    euro, dollar = await search(rig, era)
    assert euro["blocked"] == "currency" and dollar.get("blocked") is None
    async with connect(rig, era, Answer("accept", YES)) as client:
        refused = await client.call_tool("buy_number", {"quote": euro["quote"]})
    assert refused.is_error and "in EUR, but this server's spend policy is in USD" in text_of(refused)
    assert "VOICE_TOOLS_CURRENCY" in text_of(refused) and rig.transport.count("POST") == 0
    in_euros = make_rig(rewrite=priced("1.00 €", "$20.00"), env={"VOICE_TOOLS_CURRENCY": "EUR"})
    euro, dollar = await search(in_euros, era)
    assert euro.get("blocked") is None and dollar["blocked"] == "currency"


async def test_a_batch_mixing_currencies_is_refused_whole_and_never_summed(era: Era) -> None:
    rig = make_rig(rewrite=priced("1.00 €", "20.00 $"), env={"VOICE_TOOLS_TOOLSETS": "numbers,bulk"})
    quotes = [o["quote"] for o in await search(rig, era)]
    answer = Answer("accept", YES)
    async with connect(rig, era, answer) as client:
        result = await client.call_tool("buy_numbers", {"quotes": quotes})
    assert result.is_error and "in EUR" in text_of(result) and "21.00" not in text_of(result)
    assert answer.asked == [] and rig.transport.count("POST") == 0


def quote(price: str, currency: str, text: str, handle: str = "qaaaaaaaaaa") -> Quote:
    return Quote(handle, "t", "+14155550100", "US", "", False, price, text, "none", 2_000_000_000, currency)


def test_batch_totals_are_per_currency() -> None:
    plans = [
        PurchasePlan(quote("1.00", "EUR", "1,00 €"), "acme", None),
        PurchasePlan(quote("20.00", "$", "$20.00"), "acme", None, currency="USD"),
        PurchasePlan(quote("2.50", "USD", "USD 2.50"), "acme", None),
    ]
    assert BatchPlan(plans, "acme").total_text() == "1.00 EUR and 22.50 USD"


@given(st.integers(min_value=0, max_value=10**8), st.sampled_from(["${:,.2f}", "USD {:,.2f}", "£{:,.2f}"]))
def test_a_formatted_dollar_or_pound_price_reads_back_exactly(cents: int, template: str) -> None:
    amount = Decimal(cents) / 100
    read = read_price(template.format(amount))
    assert read.amount == amount and read.currency in ("$", "USD", "GBP")


@given(st.text(max_size=30))
def test_any_text_is_a_price_or_a_refusal_that_says_why(text: str) -> None:
    problem = None
    try:
        read = read_price(text)
    except PriceError as error:
        problem = str(error)
    if problem is None:
        assert read.amount >= 0 and read.currency and read.text == text.strip()
    else:
        assert problem
