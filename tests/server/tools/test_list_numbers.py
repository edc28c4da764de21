"""list_numbers through mcp.Client, in both protocol eras: filters, views, progress, and a number found
without listing the account each time."""

from __future__ import annotations

import pytest

from tests.harness import Era, checked, connect, make_rig, text_of
from voice_tools.sandbox import SandboxConfig, TalkSandbox

pytestmark = pytest.mark.anyio


async def test_list_numbers_filters_and_views(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        schema = {t.name: t.output_schema for t in (await client.list_tools()).tools}["list_numbers"]
        everything = await checked(await client.call_tool("list_numbers", {}), schema)
        us_toll_free = await checked(
            await client.call_tool("list_numbers", {"country": "US", "toll_free": True}), schema
        )
        billing = await checked(await client.call_tool("list_numbers", {"group": 360001002}), schema)
        sms = await checked(await client.call_tool("list_numbers", {"capability": "sms"}), schema)
        text = await checked(await client.call_tool("list_numbers", {"text": "dublin"}), schema)
        digits = await checked(await client.call_tool("list_numbers", {"text": "555-0134"}), schema)
        full = await checked(await client.call_tool("list_numbers", {"view": "full", "limit": 2}), schema)
    assert everything["total"] == everything["matched"] == 12
    assert set(everything["numbers"][0]) <= {"id", "number", "name", "toll_free"}
    assert {n["number"] for n in us_toll_free["numbers"]} == {"+18005550199", "+18885550142"}
    assert [n["name"] for n in billing["numbers"]] == ["Billing hotline"]
    assert sms["matched"] == sum(1 for n in rig.sandbox.backend.numbers.values() if n["capabilities"]["sms"])
    assert [n["name"] for n in text["numbers"]] == ["Dublin Support"]
    assert [n["number"] for n in digits["numbers"]] == ["+14155550134"]
    assert len(full["numbers"]) == 2 and "group_ids" in full["numbers"][0] and full["matched"] == 12
    assert "raise limit" in full["next_step"]


async def test_list_numbers_reports_progress_on_long_lists(era: Era) -> None:
    rig = make_rig(TalkSandbox(SandboxConfig(numbers=450)))
    seen: list[tuple[float, float | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total))

    async with connect(rig, era) as client:
        result = await client.call_tool("list_numbers", {"limit": 1}, progress_callback=progress)
    assert result.structured_content is not None and result.structured_content["total"] == 450
    assert len(seen) == 5 and seen[-1] == (5, 5)


async def test_numbers_are_found_without_listing_the_account_each_time(era: Era) -> None:
    rig = make_rig()
    listings = lambda: sum(1 for r in rig.transport.sent if r.method == "GET" and r.url.path.endswith("/phone_numbers"))  # noqa: E731
    async with connect(rig, era) as client:
        for number in ("+1 415-555-0134", "(212) 555-0178", "+353 1 555 0147"):
            assert not (await client.call_tool("get_number", {"number": number})).is_error
        assert listings() == 1
        # a number bought since the listing is found all the same (a miss reads the account again)
        token = rig.sandbox.backend.search(country="CA", toll_free=None, area_code=None, contains=None)[0]["token"]
        created = rig.sandbox.backend.create_number({"phone_number": {"token": token}})["phone_number"]
        found = await client.call_tool("get_number", {"number": created["number"]})
        assert found.structured_content["phone_number"]["id"] == created["id"] and listings() == 2
        # a released number: Zendesk says 404, and the next look-up reads the account again
        rig.sandbox.backend.delete_number(created["id"])
        gone = await client.call_tool("get_number", {"number": created["number"]})
        assert gone.is_error and "no phone number" in text_of(gone)
        again = await client.call_tool("get_number", {"number": created["number"]})
        assert again.is_error and "no number in the account matches" in text_of(again) and listings() == 3
