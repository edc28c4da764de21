"""get_number through mcp.Client, in both protocol eras: by id or by the number in any common format."""

from __future__ import annotations

import pytest

from tests.harness import Era, call, text_of

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("number", ["+1 415-555-0134", "(415) 555-0134", "14155550134", "+14155550134"])
async def test_get_number_by_number_in_any_common_format(era: Era, number: str) -> None:
    result = await call(era, "get_number", {"number": number})
    assert not result.is_error, text_of(result)
    assert result.structured_content["phone_number"]["id"] == 900000120986


async def test_get_number_with_includes(era: Era) -> None:
    result = await call(era, "get_number", {"phone_number_id": 900000120986, "include": ["settings", "all_groups"]})
    body = result.structured_content
    assert body["phone_number"]["settings"]["call_recording_delete_after"] == "6.months"
    assert {"id": 360001002, "name": "Billing"} in body["related"]["groups"]
    assert "categorised_greetings" not in body["phone_number"]  # Zendesk's internal maps: noise for a model


async def test_get_number_needs_exactly_one_way_to_name_the_number(era: Era) -> None:
    for args in ({}, {"phone_number_id": 900000120986, "number": "+14155550134"}):
        result = await call(era, "get_number", args)
        assert result.is_error and "exactly one of phone_number_id and number" in text_of(result)
