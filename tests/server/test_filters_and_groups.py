"""Audit questions in one call (settings filters and the settings view), and groups by name wherever a
group id is taken, through mcp.Client in both eras against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import ERAS, Era, connect, make_rig, text_of
from voice_tools.sandbox import SandboxConfig, TalkSandbox

pytestmark = pytest.mark.anyio


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


def account(rig: Any) -> list[dict[str, Any]]:
    return list(rig.sandbox.backend.numbers.values())


async def test_which_numbers_do_not_record_calls_is_one_compact_call(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        result = (await client.call_tool("list_numbers", {"where": {"recorded": False}})).structured_content
    expected = {n["id"] for n in account(rig) if not n["recorded"]}
    assert {n["id"] for n in result["numbers"]} == expected and result["matched"] == len(expected)
    assert rig.transport.count("GET") == 1  # attributes come with the listing itself


async def test_voicemail_is_read_per_number_and_the_settings_view_names_the_routing(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        result = (
            await client.call_tool("list_numbers", {"where": {"voicemail": False}, "view": "settings"})
        ).structured_content
    expected = {i for i, s in rig.sandbox.backend.settings.items() if not s["voicemail"]}
    assert {n["id"] for n in result["numbers"]} == expected
    for row in result["numbers"]:
        assert row["voicemail"] is False and set(row) <= {
            "id",
            "number",
            "name",
            "groups",
            "ivr",
            "recorded",
            "transcription",
            "line_type",
            "voicemail",
        }
    routed = next(r for r in result["numbers"] if r.get("groups"))
    assert all(not g.isdigit() for g in routed["groups"])  # groups by name, not id


async def test_too_many_settings_reads_are_refused_with_how_to_narrow(era: Era) -> None:
    rig = make_rig(TalkSandbox(SandboxConfig(numbers=450)))
    async with connect(rig, era) as client:
        result = await client.call_tool("list_numbers", {"where": {"voicemail": True}})
    assert result.is_error and text_of(result) == (
        "voicemail is a setting Zendesk returns number by number, and 450 numbers match the other filters; one "
        "call reads at most 200. Retry: no, not as it is. Next: narrow with country, group, text or another where "
        "condition, then call again."
    )


async def test_a_bad_where_is_refused_by_name(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        result = await client.call_tool("list_numbers", {"where": {"recording": False, "ivr": "yes"}})
    assert result.is_error and text_of(result) == (
        "list_numbers was not run, its arguments are invalid: where.ivr is 'yes' but must be a valid boolean; "
        "where.recording is not an accepted field; where takes recorded, transcription, voicemail, sms_enabled, "
        "outbound_enabled, ivr, line_type. Retry: yes, once they are fixed. Next: call list_numbers again with "
        "where fixed."
    )
    assert rig.transport.sent == []


async def test_groups_by_name_in_a_listing(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        by_name = (await client.call_tool("list_numbers", {"group": "billing"})).structured_content
        by_id = (await client.call_tool("list_numbers", {"group": "360001002"})).structured_content
        unknown = await client.call_tool("list_numbers", {"group": "Sup"})
    assert by_name == by_id and [n["name"] for n in by_name["numbers"]] == ["Billing hotline"]
    assert unknown.is_error and text_of(unknown) == (
        "list_numbers was not run, its arguments are invalid: group: no group is named 'Sup' (did you mean: "
        "EMEA Support 360001006, Support 360001001). Retry: yes, once they are fixed. Next: call list_numbers "
        "again with group fixed."
    )


async def test_a_number_is_rerouted_to_a_group_by_name(era: Era) -> None:
    rig = make_rig()
    change = {"group_ids": ["Billing"], "default_group_id": "billing"}
    async with connect(rig, era) as client:
        preview = await client.call_tool(
            "update_settings", {"phone_number_id": 900000120986, "changes": change, "dry_run": True}
        )
        done = await client.call_tool("update_settings", {"phone_number_id": 900000120986, "changes": change})
    fields = {c["field"]: c["after"] for c in preview.structured_content["changes"]}
    assert fields == {"group_ids": [360001002], "default_group_id": 360001002}
    assert done.structured_content["applied"] is True
    assert rig.sandbox.backend.numbers[900000120986]["group_ids"] == [360001002]
    assert rig.transport.count("PUT") == 1


async def test_the_full_view_shows_shared_values_once(era: Era) -> None:
    rig = make_rig(TalkSandbox(SandboxConfig(numbers=40)))
    async with connect(rig, era) as client:
        result = (await client.call_tool("list_numbers", {"view": "full", "limit": 40})).structured_content
    common = result["common"]
    assert common and all(not (set(common) & set(row)) for row in result["numbers"])
    for row in result["numbers"]:
        record = {**rig.sandbox.backend.numbers[row["id"]]}
        for key, value in common.items():
            assert record.get(key) == value  # every number really shares it
