"""Quotes as ledger handles, and prices as exact amounts: property-tested."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.tokens import count
from voice_tools.guard import QuoteBook, QuoteError, as_data, one_line, open_ledger
from voice_tools.guard.quotes import HANDLE
from voice_tools.models import AvailableNumber, parse_price

pytestmark = pytest.mark.anyio

offers = st.builds(
    AvailableNumber,
    number=st.integers(min_value=10**6, max_value=10**15 - 1).map(lambda n: f"+{n}"),
    token=st.text(min_size=1, max_size=40),
    country_code=st.sampled_from(["US", "CA", "GB", "IE", "DE", "AU"]),
    location=st.text(max_size=80),
    toll_free=st.booleans(),
    price=st.integers(min_value=0, max_value=9_999_999).map(lambda c: f"${c / 100:,.2f}"),
    address_requirements=st.sampled_from(["none", "local", "any", "foreign"]),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(offers, min_size=1, max_size=5))
async def test_every_offer_round_trips_through_the_ledger(batch: list[AvailableNumber]) -> None:
    book = QuoteBook(open_ledger("memory:", "acme"))
    issued = await book.issue(batch)
    for offer, quote in zip(batch, issued, strict=True):
        assert quote is not None and HANDLE.fullmatch(quote.handle)
        assert count(quote.handle) <= 12 and quote.handle[0].isalpha()
        read = await book.load(quote.handle)
        assert read == quote
        assert (read.number, read.token, read.country, read.toll_free) == (
            offer.number,
            offer.token,
            offer.country_code,
            bool(offer.toll_free),
        )
        assert read.monthly_price == offer.monthly_price() and read.address_requirement == offer.address_requirements
        assert "\n" not in read.location and len(read.location) <= 60


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
async def test_no_invented_text_is_a_quote(text: str) -> None:
    book = QuoteBook(open_ledger("memory:", "acme"))
    with pytest.raises(QuoteError):
        await book.load(text)


async def test_a_quote_is_refused_after_it_expires_and_in_another_account() -> None:
    now = [1_800_000_000.0]
    ledger = open_ledger("memory:", "acme", clock=lambda: now[0])
    book = QuoteBook(ledger, ttl_seconds=900, clock=lambda: now[0])
    offer = AvailableNumber(number="+14155550100", token="t1", country_code="US", price="$1.00")
    (quote,) = await book.issue([offer])
    assert quote is not None
    other = QuoteBook(open_ledger("memory:", "other"))
    with pytest.raises(QuoteError, match="not a quote issued"):
        await other.load(quote.handle)
    now[0] += 901
    with pytest.raises(QuoteError, match="expired at"):
        await book.load(quote.handle)


def test_unreadable_or_ambiguous_prices_are_not_sold() -> None:
    for text in ("Free", "", None, "$1 or $2", "1.2.3", "$1,2345.00"):
        offer = AvailableNumber(number="+14155550100", token="t", country_code="US", price=text)
        assert offer.monthly_price() is None, text


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$1.00", "1.00"),
        ("$1,250.00", "1250.00"),
        ("1.250,00 €", "1250.00"),
        ("1 250,00 €", "1250.00"),
        ("CHF 1'250.00", "1250.00"),
        ("€1,50", "1.50"),
        ("£3", "3"),
        ("$.50", "0.50"),
        ("1,234,567.89", "1234567.89"),
    ],
)
def test_prices_with_separators_and_symbols(text: str, amount: str) -> None:
    assert parse_price(text) == Decimal(amount)


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["${:,.2f}", "{:,.2f} €", "£{:.2f}"]))
def test_formatted_amounts_read_back_exactly(cents: int, template: str) -> None:
    amount = Decimal(cents) / 100
    text = template.format(amount)
    if "€" in text:  # the continental form: 1.250,00 €
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    assert parse_price(text) == amount


@given(st.text())
def test_account_text_is_one_quoted_line(text: str) -> None:
    shown = as_data(text, 40)
    assert shown.startswith('"') and shown.endswith('"') and "\n" not in shown and "\r" not in shown
    assert len(one_line(text, 40)) <= 40
