"""Every response of every sandbox endpoint validates against Zendesk's own OpenAPI document."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests import spec
from voice_tools.sandbox import TalkSandbox

pytestmark = pytest.mark.anyio
V = "/api/v2/channels/voice"


def check(response: httpx2.Response) -> Any:
    """Assert the status is documented for the operation and the body fits its schema."""
    method, path = response.request.method, response.request.url.path
    schema = spec.response_schema(method, path, response.status_code)
    assert response.headers["content-type"].startswith("application/json")
    if schema is None or not response.content:
        return None
    body = response.json()
    errors = sorted(spec.validator(schema).iter_errors(body), key=str)
    assert not errors, f"{method} {path}: " + "; ".join(e.message for e in errors[:5])
    return body


def undocumented(record: dict[str, Any], schema_name: str) -> set[str]:
    return set(record) - set(spec.schema_properties(schema_name))


@pytest.mark.parametrize("suffix", ["", ".json"])
async def test_phone_number_reads_match_the_document(http: httpx2.AsyncClient, suffix: str) -> None:
    listing = check(await http.get(f"{V}/phone_numbers{suffix}"))
    assert listing["count"] == 12
    for record in listing["phone_numbers"]:
        assert not undocumented(record, "PhoneNumberObject")
    minimal = check(await http.get(f"{V}/phone_numbers{suffix}", params={"minimal_mode": "true"}))
    assert minimal["phone_numbers"]
    number_id = listing["phone_numbers"][0]["id"]
    shown = check(
        await http.get(
            f"{V}/phone_numbers/{number_id}{suffix}",
            params={"include": "settings,ivrs,all_greetings,all_groups,all_schedules"},
        )
    )
    assert not undocumented(shown["phone_number"]["settings"], "PhoneNumberSettingsObject")
    assert set(shown["phone_number"]["settings"]) == set(spec.schema_properties("PhoneNumberSettingsObject"))
    found = check(await http.get(f"{V}/phone_numbers/search{suffix}", params={"country": "US"}))
    for offer in found["phone_numbers"]:
        assert not undocumented(offer, "AvailablePhoneNumbersObject")
        assert set(offer) == set(spec.schema_properties("AvailablePhoneNumbersObject"))


async def test_phone_number_writes_match_the_document(http: httpx2.AsyncClient) -> None:
    offer = (await http.get(f"{V}/phone_numbers/search", params={"country": "US"})).json()["phone_numbers"][0]
    created = check(await http.post(f"{V}/phone_numbers", json={"phone_number": {"token": offer["token"]}}))
    number_id = created["phone_number"]["id"]
    updated = check(
        await http.put(
            f"{V}/phone_numbers/{number_id}",
            params={"include": "settings"},
            json={"phone_number": {"nickname": "Support", "settings": {"voicemail": False}}},
        )
    )
    assert updated["phone_number"]["settings"]["voicemail"] is False
    deleted = await http.delete(f"{V}/phone_numbers/{number_id}")
    check(deleted)
    assert deleted.content == b""


async def test_address_and_greeting_endpoints_match_the_document(http: httpx2.AsyncClient) -> None:
    listing = check(await http.get(f"{V}/addresses"))
    for address in listing["addresses"]:
        assert set(address) == set(spec.schema_properties("AddressObject"))
    body = {
        "address": {
            "name": "Ops",
            "street": "1 Main St",
            "zip": "10001",
            "city": "New York",
            "province": "New York",
            "country_code": "US",
        }
    }
    created = check(await http.post(f"{V}/addresses", json=body))
    address_id = created["address"]["id"]
    assert created["address"]["provider_reference"].startswith("AD")
    assert len(created["address"]["provider_reference"]) == 34
    check(await http.get(f"{V}/addresses/{address_id}"))
    check(await http.put(f"{V}/addresses/{address_id}", json={"address": {"name": "Ops East"}}))
    check(await http.delete(f"{V}/addresses/{address_id}"))
    greetings = check(await http.get(f"{V}/greetings"))
    assert any(isinstance(g["id"], str) for g in greetings["greetings"])  # Zendesk's system greetings
    custom = next(g["id"] for g in greetings["greetings"] if isinstance(g["id"], int))
    check(await http.get(f"{V}/greetings/{custom}"))
    categories = check(await http.get(f"{V}/greeting_categories"))
    check(await http.get(f"{V}/greeting_categories/{categories['greeting_categories'][0]['id']}"))


async def test_error_bodies_match_the_documented_error_shape(http: httpx2.AsyncClient) -> None:
    not_found = await http.get(f"{V}/phone_numbers/1")
    invalid = await http.put(f"{V}/phone_numbers/900000120986", json={"phone_number": {"number": "+1"}})
    for response in (not_found, invalid):
        errors = list(spec.validator(spec.component("ErrorResponse")).iter_errors(response.json()))
        assert not errors


async def test_seeded_full_record_has_every_documented_field(sandbox: TalkSandbox, http: httpx2.AsyncClient) -> None:
    """The sandbox must not silently omit fields the real API sends (``token`` is create-only)."""
    record = (await http.get(f"{V}/phone_numbers/900000120986")).json()["phone_number"]
    documented = set(spec.schema_properties("PhoneNumberObject")) - {"token"}
    assert documented <= set(record)
