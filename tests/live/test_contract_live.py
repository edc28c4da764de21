"""Contract tests that hold for the sandbox and for a real account alike (moto's ``aws_verified`` idea).

Each test runs twice: against the sandbox, always, and against a real account when ``VOICE_TOOLS_LIVE=1``
and its credentials are set (otherwise that half is skipped, saying why). They read only, except the
purchase test, which on a real account needs a second switch, ``VOICE_TOOLS_LIVE_PURCHASES=1``, and a
spending limit, ``VOICE_TOOLS_LIVE_MAX_MONTHLY_PRICE``: it buys the cheapest local US number within the
limit and releases it at once. What is asserted is what the documents state, so a sandbox that passes and
an account that passes agree; and they pass against a sandbox that accepts what its inferred rules refuse
(``tests/sandbox/test_inferred.py``'s second pass), so they depend on no invented rule.

    VOICE_TOOLS_LIVE=1 ZENDESK_SUBDOMAIN=acme ZENDESK_EMAIL=... ZENDESK_API_TOKEN=... uv run pytest -m live
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import httpx2
import pytest

from tests.harness import default_sandbox
from tests.live.account import http_client, live_config, send, spending_limit
from tests.live.probes import MINIMAL_FIELDS, PROBES
from voice_tools.client import NotFoundError, TalkClient, ZendeskConfig
from voice_tools.models import PhoneNumber
from voice_tools.server.config.serving import SANDBOX_CONFIG

pytestmark = [pytest.mark.anyio, pytest.mark.live]
BY_NAME = {probe.name: probe for probe in PROBES}
ADDRESS_REQUIREMENTS = {"none", "local", "any", "foreign"}
SANDBOX_SPENDING_LIMIT = Decimal("2.00")


@dataclass
class Account:
    name: str  # "sandbox" or "live"
    config: ZendeskConfig
    transport: httpx2.AsyncBaseTransport | None
    spending_limit: Decimal | None
    why_no_purchases: str

    def raw(self) -> httpx2.AsyncClient:
        return http_client(self.config, self.transport)

    def talk(self) -> TalkClient:
        return TalkClient(self.config, transport=self.transport)


@pytest.fixture(params=["sandbox", "live"])
async def account(request: pytest.FixtureRequest) -> AsyncIterator[Account]:
    if request.param == "sandbox":
        sandbox = default_sandbox()  # enforcing its inferred rules, or (second pass) accepting what they refuse
        yield Account("sandbox", SANDBOX_CONFIG, sandbox.transport(), SANDBOX_SPENDING_LIMIT, "")
        return
    config, reason = live_config()
    if config is None:
        pytest.skip(reason)
    limit, why = spending_limit()
    yield Account("live", config, None, limit, why)


async def test_a_listing_page_carries_the_documented_envelope_and_every_number_parses(account: Account) -> None:
    async with account.raw() as client:
        answer = await send(client, BY_NAME["list_numbers"])
    assert answer.status_code == 200
    body = answer.json()
    assert {"phone_numbers", "next_page", "previous_page", "count"} <= set(body)
    assert len(body["phone_numbers"]) <= 2  # per_page is honoured
    for record in body["phone_numbers"]:
        PhoneNumber.model_validate(record)
    assert "x-rate-limit-remaining" in answer.headers  # what the client's rate budget reads


async def test_minimal_mode_keeps_only_the_documented_fields(account: Account) -> None:
    async with account.raw() as client:
        body = (await send(client, BY_NAME["list_numbers_minimal"])).json()
    for record in body["phone_numbers"]:
        assert set(record) <= MINIMAL_FIELDS, set(record) - MINIMAL_FIELDS
        assert "number" not in record


async def test_a_number_reads_with_its_settings(account: Account) -> None:
    async with account.talk() as talk:
        first = [n async for n in talk.list_numbers(per_page=1)][:1]
        if not first:
            pytest.skip("the account has no phone numbers")
        details = await talk.get_number(first[0].id, ["settings"])
    assert details.phone_number.id == first[0].id and details.phone_number.settings is not None


async def test_available_numbers_carry_a_token_a_price_and_an_address_requirement(account: Account) -> None:
    async with account.talk() as talk:
        offers = await talk.search_available("US")
    assert offers, "a US search found nothing to buy"
    for offer in offers:
        assert offer.token and offer.price and offer.number.startswith("+1")
        assert offer.address_requirements in ADDRESS_REQUIREMENTS


async def test_a_search_without_country_answers_an_empty_list(account: Account) -> None:
    async with account.raw() as client:
        answer = await send(client, BY_NAME["search_without_country"])
    assert answer.status_code == 200 and answer.json()["phone_numbers"] == []


async def test_addresses_carry_a_provider_reference(account: Account) -> None:
    async with account.talk() as talk:
        addresses = [a async for a in talk.list_addresses()]
    for address in addresses:
        assert address.provider_reference and address.provider_reference.startswith("AD")


async def test_an_unknown_number_is_a_404_record_not_found(account: Account) -> None:
    async with account.raw() as client:
        answer = await send(client, BY_NAME["number_not_found"])
    assert answer.status_code == 404 and answer.json()["error"] == "RecordNotFound"
    async with account.talk() as talk:
        with pytest.raises(NotFoundError):
            await talk.get_number(1)


async def test_a_number_is_bought_within_the_limit_and_released(account: Account) -> None:
    if account.spending_limit is None:
        pytest.skip(account.why_no_purchases)
    async with account.talk() as talk:
        offers = await talk.search_available("US", toll_free=False)
        affordable = [
            o for o in offers if o.address_requirements == "none" and price(o.price) <= account.spending_limit
        ]
        if not affordable:
            pytest.skip(f"no local US number without an address requirement within {account.spending_limit} a month")
        chosen = min(affordable, key=lambda o: price(o.price))
        bought = await talk.create_number(chosen.token)
        try:
            assert bought.number == chosen.number
            assert (await talk.get_number(bought.id)).phone_number.number == chosen.number
        finally:
            await talk.delete_number(bought.id)
        with pytest.raises(NotFoundError):
            await talk.get_number(bought.id)


def price(text: str | None) -> Decimal:
    return Decimal((text or "0").lstrip("$€£").replace(",", ""))
