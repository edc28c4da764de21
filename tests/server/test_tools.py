"""Every tool through mcp.Client, in both protocol eras, against the sandbox."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mcp import Client

from tests.harness import ERAS, Era, connect, make_rig, text_of
from voice_tools.sandbox import SandboxConfig, TalkSandbox

pytestmark = pytest.mark.anyio
FIVE = {"search_numbers", "list_numbers", "get_number", "update_settings", "buy_number"}


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


async def call(era: Era, tool: str, args: dict[str, Any], rig: Any = None) -> Any:
    rig = rig or make_rig()
    async with connect(rig, era) as client:
        return await client.call_tool(tool, args)


async def test_the_five_tools_with_truthful_annotations(era: Era) -> None:
    async with connect(make_rig(), era) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == FIVE
    hints = {  # as a client reads them: MCP's defaults where a hint is left out
        name: (
            bool(a.read_only_hint),
            (not a.read_only_hint) if a.destructive_hint is None else a.destructive_hint,
            bool(a.idempotent_hint),
            True if a.open_world_hint is None else a.open_world_hint,
        )
        for name, t in tools.items()
        if (a := t.annotations) is not None
    }
    assert hints == {
        "search_numbers": (True, False, True, True),
        "list_numbers": (True, False, True, True),
        "get_number": (True, False, True, True),
        "update_settings": (False, True, True, True),
        "buy_number": (False, True, False, True),
    }
    for tool in tools.values():
        assert tool.title and tool.description and tool.output_schema
        assert "confirmation" not in tool.input_schema["properties"]  # the resolver's parameter stays hidden
        Draft202012Validator.check_schema(tool.input_schema)
        Draft202012Validator.check_schema(tool.output_schema)


async def check_result(result: Any, output_schema: dict[str, Any]) -> dict[str, Any]:
    """Not an error; structured content fits the output schema; the text is its compact JSON."""
    assert not result.is_error, text_of(result)
    Draft202012Validator(output_schema).validate(result.structured_content)
    assert json.loads(text_of(result)) == result.structured_content
    assert "\n" not in text_of(result) and ", " not in text_of(result)[:200]
    return result.structured_content  # type: ignore[no-any-return]


async def test_search_numbers(era: Era) -> None:
    async with connect(make_rig(), era) as client:
        schema = {t.name: t.output_schema for t in (await client.list_tools()).tools}["search_numbers"]
        body = await check_result(
            await client.call_tool(
                "search_numbers", {"country": "us", "contains": "HELP", "toll_free": True, "limit": 3}
            ),
            schema,
        )
    assert len(body["numbers"]) == 3
    for offer in body["numbers"]:
        assert offer["toll_free"] is True and offer["price"] == "$2.00" and offer["address"] == "none"
        assert offer["quote"] and "voice" in offer["caps"]
    assert "buy_number" in body["next_step"]


async def test_list_numbers_filters_and_views(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        schema = {t.name: t.output_schema for t in (await client.list_tools()).tools}["list_numbers"]
        everything = await check_result(await client.call_tool("list_numbers", {}), schema)
        us_toll_free = await check_result(
            await client.call_tool("list_numbers", {"country": "US", "toll_free": True}), schema
        )
        billing = await check_result(await client.call_tool("list_numbers", {"group": 360001002}), schema)
        sms = await check_result(await client.call_tool("list_numbers", {"capability": "sms"}), schema)
        text = await check_result(await client.call_tool("list_numbers", {"text": "dublin"}), schema)
        digits = await check_result(await client.call_tool("list_numbers", {"text": "555-0134"}), schema)
        full = await check_result(await client.call_tool("list_numbers", {"view": "full", "limit": 2}), schema)
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


async def test_update_settings_sends_only_what_differs_and_shows_before_and_after(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        result = await client.call_tool(
            "update_settings",
            {
                "phone_number_id": 900000120986,
                "changes": {"nickname": "Billing line", "recorded": True, "group_ids": [360001002]},
                "settings": {"voicemail": False, "callback_from_queue": True},
            },
        )
    assert not result.is_error, text_of(result)
    body = result.structured_content
    assert body["applied"] is True
    assert {c["field"]: (c.get("before"), c["after"]) for c in body["changes"]} == {
        "nickname": ("US Support", "Billing line"),
        "group_ids": ([360001001, 360001004], [360001002]),
        "settings.voicemail": (True, False),
    }
    # recorded and callback_from_queue already had those values: not sent
    assert rig.transport.bodies("PUT") == [
        {"phone_number": {"nickname": "Billing line", "group_ids": [360001002], "settings": {"voicemail": False}}}
    ]
    assert "include=settings" in str(next(r.url for r in rig.transport.sent if r.method == "PUT"))
    assert rig.sandbox.backend.numbers[900000120986]["nickname"] == "Billing line"


async def test_update_settings_dry_run_changes_nothing(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        result = await client.call_tool(
            "update_settings", {"phone_number_id": 900000120986, "changes": {"nickname": "X"}, "dry_run": True}
        )
    assert result.structured_content["applied"] is False
    assert result.structured_content["changes"] == [{"field": "nickname", "before": "US Support", "after": "X"}]
    assert rig.transport.count("PUT") == 0


async def test_update_settings_with_nothing_to_change_sends_nothing(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        result = await client.call_tool(
            "update_settings", {"phone_number_id": 900000120986, "changes": {"recorded": True}}
        )
    assert result.structured_content["changes"] == [] and rig.transport.count("PUT") == 0


async def test_read_only_mode_hides_the_write_tools(era: Era) -> None:
    rig = make_rig(read_only=True)
    async with connect(rig, era) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        refused = await client.call_tool("buy_number", {"quote": "x"})
    assert names == {"search_numbers", "list_numbers", "get_number"}
    assert refused.is_error


async def test_a_field_zendesk_ignores_is_reported_not_hidden(era: Era) -> None:
    """If Zendesk answers 200 but leaves a field as it was, the answer says so (no silent partial update)."""
    import json as json_module

    import httpx2

    from tests.harness import RecordingTransport
    from tests.harness import settings as make_settings
    from voice_tools.server.app import build_server

    sandbox = TalkSandbox()
    inner = sandbox.transport()

    class IgnoresNickname(httpx2.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            if request.method == "PUT":
                body = json_module.loads(await request.aread())
                body["phone_number"].pop("nickname", None)
                request = httpx2.Request(
                    "PUT", request.url, headers=request.headers, json=body, extensions=request.extensions
                )
            return await inner.handle_async_request(request)

    server = build_server(make_settings(), transport=RecordingTransport(IgnoresNickname()))
    async with Client(server, mode=era) as client:  # type: ignore[arg-type]
        result = await client.call_tool(
            "update_settings",
            {"phone_number_id": 900000120986, "changes": {"nickname": "Ignored", "recorded": False}},
        )
    body = result.structured_content
    assert body["applied"] is False and "did not apply nickname" in body["next_step"]
    changes = {c["field"]: c for c in body["changes"]}
    assert changes["nickname"]["after"] == "US Support"  # what Zendesk holds, not what was asked
    assert changes["recorded"]["after"] is False


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
