"""The default tool list through mcp.Client, in both protocol eras: its five tools with truthful annotations,
and read-only mode. Each tool's own tests are in tests/server/tools/test_<tool>.py."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from tests.harness import ERAS, Era, connect, make_rig

pytestmark = pytest.mark.anyio
FIVE = {"search_numbers", "list_numbers", "get_number", "update_settings", "buy_number"}


@pytest.fixture(params=ERAS)
def era(request: pytest.FixtureRequest) -> Era:
    return request.param  # type: ignore[no-any-return]


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


async def test_read_only_mode_hides_the_write_tools(era: Era) -> None:
    rig = make_rig(read_only=True)
    async with connect(rig, era) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        refused = await client.call_tool("buy_number", {"quote": "x"})
    assert names == {"search_numbers", "list_numbers", "get_number"}
    assert refused.is_error
