"""create_address (the addresses toolset) through mcp.Client in both eras: a regulated number is bought in one
conversation (search, a refusal naming create_address, the address, the purchase), and an address is
checked before it is sent."""

from __future__ import annotations

import pytest

from tests.harness import Answer, Era, connect, make_rig, text_of

pytestmark = pytest.mark.anyio
ADDRESSES = {"VOICE_TOOLS_TOOLSETS": "numbers,addresses"}
PARIS = {
    "name": "Acme SAS",
    "street": "12 rue de la Paix",
    "city": "Paris",
    "zip": "75002",
    "province": "Ile-de-France",
    "country_code": "fr",
}


async def test_a_regulated_number_is_bought_after_creating_its_address_in_four_calls(era: Era) -> None:
    rig = make_rig(env=ADDRESSES)
    async with connect(rig, era, Answer("accept", {"confirm": True})) as client:
        offer = (await client.call_tool("search_numbers", {"country": "FR"})).structured_content["numbers"][0]
        assert offer["address"] == "local"
        refused = await client.call_tool("buy_number", {"quote": offer["quote"]})
        assert refused.is_error and "create one with create_address" in text_of(refused)
        created = await client.call_tool("create_address", PARIS)
        address = created.structured_content["address"]
        assert address["country_code"] == "FR" and address["address_sid"].startswith("AD")
        bought = await client.call_tool("buy_number", {"quote": offer["quote"], "address_sid": address["address_sid"]})
    assert bought.structured_content["status"] == "purchased", text_of(bought)
    assert rig.transport.bodies("POST")[-1]["address_sid"] == address["address_sid"]
    trail = [e for e in await rig.parts.ledger.audit_trail() if e.get("event") == "address"]
    assert trail and trail[0]["outcome"] == "created" and trail[0]["address_sid"] == address["address_sid"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"country_code": "UK", "zip": "SW1A 1AA"},
            "create_address was not run, its arguments are invalid: country_code: use GB for the United Kingdom "
            "(ISO 3166 has no UK). Retry: yes, once they are fixed. Next: call create_address again with "
            "country_code fixed.",
        ),
        (
            {"street": ""},
            "create_address was not run, its arguments are invalid: street is '' but should have at least 1 character. "
            "Retry: yes, once they are fixed. Next: call create_address again with street fixed.",
        ),
        (
            {"name": "   "},
            "create_address was not run, its arguments are invalid: name is required. Retry: yes, once they are "
            "fixed. Next: call create_address again with name fixed.",
        ),
    ],
)
async def test_a_bad_address_is_refused_before_it_is_sent(era: Era, change: dict[str, str], expected: str) -> None:
    rig = make_rig(env=ADDRESSES)
    async with connect(rig, era) as client:
        result = await client.call_tool("create_address", {**PARIS, **change})
    assert result.is_error and text_of(result) == expected
    assert rig.transport.count("POST") == 0


async def test_a_doubtful_postal_code_is_sent_with_a_warning_and_zendesk_decides(era: Era) -> None:
    """registry: address-postal-formats. What a carrier accepts as a postal code is not in Zendesk's documents,
    so a zip unlike the country's usual shape is sent, and the answer says it was doubted."""
    rig = make_rig(env=ADDRESSES)
    async with connect(rig, era) as client:
        result = await client.call_tool("create_address", {**PARIS, "zip": "7500"})
    assert not result.is_error and rig.transport.count("POST") == 1, text_of(result)
    (warning,) = result.structured_content["warnings"]
    assert warning.startswith("zip '7500' does not look like a postal code of FR (5 digits)")


async def test_the_addresses_toolset_is_off_by_default_and_create_is_gone_in_read_only_mode() -> None:
    for env, expected in (
        ({}, set()),
        (ADDRESSES, {"list_addresses", "create_address"}),
        ({**ADDRESSES, "VOICE_TOOLS_READ_ONLY": "yes"}, {"list_addresses"}),
    ):
        async with connect(make_rig(env=env), "legacy") as client:
            names = {t.name for t in (await client.list_tools()).tools}
        assert names & {"list_addresses", "create_address"} == expected


@pytest.mark.inferred("jp-local-business-verification")
async def test_a_number_needing_business_verification_is_refused_clearly_and_settled_not_purchased(
    era: Era,
) -> None:
    """Zendesk documents that create does not support numbers needing a verified business. The refusal
    reaches the model as what it is, with where the user can buy such a number instead; the ledger
    settles the attempt not_purchased, so it neither counts toward the cap nor blocks the number."""
    rig = make_rig(env=ADDRESSES)
    async with connect(rig, era, Answer("accept", {"confirm": True})) as client:
        offer = (await client.call_tool("search_numbers", {"country": "JP", "toll_free": False})).structured_content[
            "numbers"
        ][0]
        assert offer["number"].startswith("+81") and offer["address"] == "local"
        addresses = (await client.call_tool("list_addresses", {"country": "JP"})).structured_content["addresses"]
        if not addresses:
            tokyo = {**PARIS, "city": "Tokyo", "zip": "100-0005", "province": "Tokyo", "country_code": "jp"}
            tokyo["street"] = "1-1 Marunouchi"
            addresses = [(await client.call_tool("create_address", tokyo)).structured_content["address"]]
        refused = await client.call_tool(
            "buy_number", {"quote": offer["quote"], "address_sid": addresses[0]["address_sid"]}
        )
    assert refused.is_error
    assert text_of(refused).startswith(
        f"Zendesk refused the purchase of {offer['number']}: the number needs a verified business"
    )
    assert "Retry: no. Next: tell the user to buy it in Zendesk Admin Center" in text_of(refused)
    assert rig.transport.count("POST") == 2  # the address, and the one create Zendesk refused
    outcomes = [e["outcome"] for e in await rig.parts.ledger.audit_trail() if e.get("event") == "purchase"]
    assert outcomes[-2:] == ["sending", "not_purchased"]
