"""list_addresses through mcp.Client, in both protocol eras (the addresses toolset); buying a regulated
number with an address is in test_create_address.py."""

from __future__ import annotations

import pytest

from tests.harness import Era, connect, make_rig

pytestmark = pytest.mark.anyio
ADDRESSES = {"VOICE_TOOLS_TOOLSETS": "numbers,addresses"}


async def test_addresses_are_listed_by_country(era: Era) -> None:
    async with connect(make_rig(env=ADDRESSES), era) as client:
        every = (await client.call_tool("list_addresses", {})).structured_content["addresses"]
        irish = (await client.call_tool("list_addresses", {"country": "ie"})).structured_content
    assert len(every) == 5 and [a["name"] for a in irish["addresses"]] == ["Zendesk Dublin"]
    assert "address_sid" in irish["addresses"][0] and "buy_number" in irish["next_step"]
