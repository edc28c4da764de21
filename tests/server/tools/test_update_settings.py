"""update_settings through mcp.Client, in both protocol eras: only what differs is sent, before and after
shown, a dry run changes nothing, and a field Zendesk ignores is reported."""

from __future__ import annotations

import pytest
from mcp import Client

from tests.harness import Era, connect, make_rig, text_of
from voice_tools.sandbox import TalkSandbox

pytestmark = pytest.mark.anyio


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
