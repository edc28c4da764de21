"""Toolsets through mcp.Client in both eras: a tool the server has but does not offer answers what it is and
how to get it (never a bare "Unknown tool"), and with dynamic toolsets a conversation loads what it needs,
for itself alone."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp.types import ServerNotification, ToolListChangedNotification

from tests.harness import Era, connect, make_rig, text_of

pytestmark = pytest.mark.anyio
DYNAMIC = {"VOICE_TOOLS_TOOLSETS": "numbers,addresses,release", "VOICE_TOOLS_DYNAMIC_TOOLSETS": "on"}


async def names(client: Client) -> set[str]:
    return {t.name for t in (await client.list_tools()).tools}


async def test_a_tool_of_a_toolset_left_out_says_which_settings_turn_it_on(era: Era) -> None:
    rig = make_rig()
    async with connect(rig, era) as client:
        assert "release_number" not in await names(client)
        refused = await client.call_tool("release_number", {"phone_number_id": 1})
        unknown = await client.call_tool("no_such_tool", {})
    assert refused.is_error
    assert text_of(refused) == (
        "release_number is in the release toolset (release_number: give a number back (needs "
        "VOICE_TOOLS_RELEASES=on)), which this server does not offer. Retry: no. Next: tell the user an operator "
        "can turn it on with VOICE_TOOLS_TOOLSETS=numbers,release and VOICE_TOOLS_RELEASES=on."
    )
    assert unknown.is_error and "no_such_tool" in text_of(unknown)  # the SDK's own answer: no toolset has it
    assert rig.transport.sent == []


async def test_a_write_tool_on_a_read_only_server_says_so(era: Era) -> None:
    rig = make_rig(env={"VOICE_TOOLS_READ_ONLY": "on"})
    async with connect(rig, era) as client:
        assert "buy_number" not in await names(client)
        refused = await client.call_tool("buy_number", {"quote": "q"})
    assert refused.is_error and text_of(refused).startswith(
        "buy_number changes the account, and this server is read-only. Retry: no."
    )
    assert "VOICE_TOOLS_READ_ONLY" in text_of(refused) and rig.transport.sent == []


async def test_without_dynamic_toolsets_there_is_no_enable_toolset(era: Era) -> None:
    async with connect(make_rig(env={"VOICE_TOOLS_TOOLSETS": "all"}), era) as client:
        listed = await names(client)
    assert "enable_toolset" not in listed and {"list_addresses", "release_number", "update_numbers"} <= listed


async def test_a_2025_conversation_loads_a_toolset_and_only_its_own_list_changes() -> None:
    rig, era = make_rig(env=DYNAMIC), "legacy"
    heard: list[Any] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, ServerNotification):
            heard.append(message)

    async with (
        Client(rig.server, mode=era, message_handler=on_message) as first,
        Client(rig.server, mode=era) as second,
    ):
        before = await names(first)
        assert "enable_toolset" in before and "list_addresses" not in before and "search_numbers" in before
        early = await first.call_tool("list_addresses", {})
        assert early.is_error and text_of(early) == (
            "list_addresses is in the addresses toolset (list_addresses, create_address: the addresses regulated "
            "numbers need), not loaded yet. Retry: yes, once it is. Next: call enable_toolset with "
            "toolset='addresses', then call list_addresses again."
        )
        offered = (await first.call_tool("enable_toolset", {})).structured_content
        assert offered["loaded"] == ["numbers"] and offered["offered"] == {
            "addresses": "list_addresses, create_address",
            "numbers": "search_numbers, list_numbers, get_number, update_settings, buy_number",
            "release": "release_number",
        }
        loaded = await first.call_tool("enable_toolset", {"toolset": "addresses"})
        assert loaded.structured_content["next_step"].startswith("Loaded addresses"), text_of(loaded)
        assert {"list_addresses", "create_address"} <= await names(first)
        listed = await first.call_tool("list_addresses", {})
        assert not listed.is_error and listed.structured_content["addresses"]
        assert "list_addresses" not in await names(second)  # another conversation: its list is its own
        assert (await second.call_tool("list_addresses", {})).is_error
    assert any(isinstance(getattr(n, "root", n), ToolListChangedNotification) for n in heard), heard


async def test_a_2026_client_keeps_no_connection_so_it_is_told_the_tools_to_call_by_name() -> None:
    rig = make_rig(env=DYNAMIC)
    async with Client(rig.server, mode="auto") as client:
        assert "list_addresses" not in await names(client)
        loaded = await client.call_tool("enable_toolset", {"toolset": "addresses"})
        by_name = {t["name"]: t for t in loaded.structured_content["call_by_name"]}
        assert set(by_name) == {"list_addresses", "create_address"}
        assert "country_code" in by_name["create_address"]["input_schema"]["properties"]
        assert "by name" in loaded.structured_content["next_step"]
        assert "list_addresses" not in await names(client)  # its list cannot change: nothing remembers it
        listed = await client.call_tool("list_addresses", {})
        early = await client.call_tool("release_number", {"phone_number_id": 1, "confirm_code": "x"})
    assert not listed.is_error and listed.structured_content["addresses"]
    assert "Unknown tool" not in text_of(early) and "not loaded" not in text_of(early)


async def test_enable_toolset_refuses_a_toolset_the_operator_left_out(era: Era) -> None:
    async with connect(make_rig(env=DYNAMIC), era) as client:
        refused = await client.call_tool("enable_toolset", {"toolset": "bulk"})
    assert refused.is_error and text_of(refused) == (
        "this server offers no toolset 'bulk'. Retry: no. Next: choose one of addresses, numbers, release, or ask "
        "the operator."
    )
