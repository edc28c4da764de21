"""search_numbers through mcp.Client, in both protocol eras, against the sandbox."""

from __future__ import annotations

import pytest

from tests.harness import Era, checked, connect, make_rig

pytestmark = pytest.mark.anyio


async def test_search_numbers(era: Era) -> None:
    async with connect(make_rig(), era) as client:
        schema = {t.name: t.output_schema for t in (await client.list_tools()).tools}["search_numbers"]
        body = await checked(
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
