"""Signed quotes, property-tested: every offer round-trips, and no edit or invented text is accepted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voice_tools.guard import QuoteError, QuoteSigner, quotes
from voice_tools.models import AvailableNumber

SECRET = b"unit-test-secret-0123456789"
offers = st.builds(
    AvailableNumber,
    number=st.integers(min_value=10**6, max_value=10**15 - 1).map(lambda n: f"+{n}"),
    token=st.one_of(st.binary(min_size=16, max_size=16).map(bytes.hex), st.text(min_size=1, max_size=40)),
    country_code=st.sampled_from(["US", "CA", "GB", "IE", "DE", "AU"]),
    location=st.text(max_size=20),
    toll_free=st.booleans(),
    price=st.integers(min_value=0, max_value=99_999).map(lambda c: f"${c / 100:.2f}"),
    address_requirements=st.sampled_from(["none", "local", "any", "foreign"]),
)


@settings(max_examples=200)
@given(offers)
def test_every_offer_round_trips(offer: AvailableNumber) -> None:
    signer = QuoteSigner(SECRET, "acme")
    quote = signer.issue(offer)
    assert quote is not None and quote.isdigit()
    read = signer.verify(quote)
    assert (read.number, read.token, read.country, read.toll_free) == (
        offer.number,
        offer.token,
        offer.country_code,
        bool(offer.toll_free),
    )
    assert read.monthly_price == offer.monthly_price() and read.address_requirement == offer.address_requirements
    assert read.location == (offer.location or "").encode()[:60].decode(errors="replace")
    issued = signer.issue_with_contents(offer)
    assert issued is not None and issued[1] == signer.verify(issued[0])  # what was bound is what is read


@settings(max_examples=300)
@given(offers, st.data())
def test_any_one_byte_edit_is_refused(offer: AvailableNumber, data: st.DataObject) -> None:
    signer = QuoteSigner(SECRET, "acme")
    raw = bytearray(quotes.decode(signer.issue(offer) or ""))
    index = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    raw[index] ^= data.draw(st.integers(min_value=1, max_value=255))
    with pytest.raises(QuoteError):
        signer.verify(quotes.encode(bytes(raw)))


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=300), st.integers(min_value=0).map(str), st.binary().map(bytes.hex)))
def test_invented_text_is_refused_never_crashes(text: str) -> None:
    with pytest.raises(QuoteError):
        QuoteSigner(SECRET, "acme").verify(text)


def test_secret_account_and_expiry_are_bound() -> None:
    offer = AvailableNumber(number="+14155550100", token="ab" * 16, country_code="US", price="$1.00")
    quote = QuoteSigner(SECRET, "acme").issue(offer) or ""
    with pytest.raises(QuoteError, match="altered"):
        QuoteSigner(b"another-secret-0123456789", "acme").verify(quote)
    with pytest.raises(QuoteError, match="another Zendesk account"):
        QuoteSigner(SECRET, "other").verify(quote)
    with pytest.raises(QuoteError, match="expired"):
        QuoteSigner(SECRET, "acme", clock=lambda: 4_000_000_000).verify(quote)
    with pytest.raises(ValueError, match="16 bytes"):
        QuoteSigner(b"short", "acme")


def test_offers_a_quote_cannot_bind_get_none() -> None:
    signer = QuoteSigner(SECRET, "acme")
    assert signer.issue(AvailableNumber(number="+14155550100", token="t", country_code="US", price=None)) is None
    assert (
        signer.issue(
            AvailableNumber(number="+1415", token="t", country_code="US", price="$1", address_requirements="moon")
        )
        is None
    )
