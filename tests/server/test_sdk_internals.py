"""What of the MCP SDK's internals the server still uses, named here, so an SDK upgrade that moves one fails this
test rather than a user (voice_tools/server/sdk.py; everything else uses the SDK's public API)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp.server.mcpserver import Context

from voice_tools.server.sdk import connection_key

PACKAGE = Path(__file__).resolve().parents[2] / "voice_tools"
SDK_MODULE = PACKAGE / "server" / "sdk.py"
# The internals used, each with why no public hook does it.
INTERNALS = {
    "_tool_manager": "a registered tool by name (its argument model) and the list to compact the schemas of",
    "fn_metadata": "a tool's argument model, to word argument errors in the one shape before the SDK does",
    "pre_parse_json": "the arguments as the SDK will parse them (JSON strings in place of objects)",
    "arg_model": "the pydantic model of a tool's arguments",
    "output_schema": "the published output schema, compacted at assembly",
    "_connection": "the connection a request came on (the session object is per request): loaded toolsets",
}
# A module global of the SDK's replaced (not an attribute): MCPServer() sets up logging with rich on every
# construction, about 30 ms of every start, even when serve has already configured logging.
REPLACED = ("mcp.server.mcpserver.server", "configure_logging")


def test_only_sdk_py_reaches_into_the_sdk() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path == SDK_MODULE:
            continue
        used = {name for name in INTERNALS if re.search(rf"\.{name}\b", path.read_text())}
        assert not used, f"{path.relative_to(PACKAGE)} uses the SDK's internals {used}: move it to server/sdk.py"


def test_every_internal_sdk_py_uses_is_named_here_and_still_exists() -> None:
    source = SDK_MODULE.read_text()
    private = set(re.findall(r"\.(_[a-z][a-z_]*)\b", source)) - {"_call_tool", "_ledger_failure"}
    assert private <= set(INTERNALS), f"sdk.py uses private attributes not named here: {private - set(INTERNALS)}"
    server = MCPServer("probe")

    @server.tool()
    def probe(value: int) -> int:
        return value

    manager = server._tool_manager
    tool = manager.get_tool("probe")
    assert tool is not None and [t.name for t in manager.list_tools()] == ["probe"]
    assert tool.fn_metadata.pre_parse_json({"value": "1"}) is not None
    assert tool.fn_metadata.arg_model.model_json_schema()["properties"]["value"]
    assert hasattr(tool.fn_metadata, "output_schema") and isinstance(tool.parameters, dict)


@pytest.mark.anyio
@pytest.mark.parametrize(("era", "kept"), [("legacy", True), ("auto", False)])
async def test_a_request_s_connection_is_the_same_across_a_2025_connection_and_none_in_2026(
    era: Literal["legacy", "auto"], kept: bool
) -> None:
    server = MCPServer("probe")
    seen: list[Any] = []

    @server.tool()
    def probe(ctx: Context[Any, Any]) -> int:
        seen.append(connection_key(ctx.request_context))
        return len(seen)

    async with Client(server, mode=era) as first, Client(server, mode=era) as second:
        for client in (first, first, second):
            await client.call_tool("probe", {})
    if kept:
        assert seen[0] is not None and seen[0] is seen[1] and seen[2] is not seen[0]
        assert type(seen[0]).__hash__ is object.__hash__  # a weak-keyed memory of it keys on identity
    else:
        assert seen == [None, None, None]


def test_the_sdk_s_logging_set_up_is_still_what_mcpserver_calls_and_is_skipped_once_logging_is_configured() -> None:
    import importlib
    import inspect
    import logging

    module_name, name = REPLACED
    module = importlib.import_module(module_name)
    assert f"{name}(" in inspect.getsource(MCPServer.__init__), "MCPServer no longer calls it: drop the patch"
    assert getattr(module, name).__module__ == "voice_tools.server.sdk"
    root = logging.getLogger()
    handlers = list(root.handlers)
    root.addHandler(logging.NullHandler())
    try:
        before = list(root.handlers)
        MCPServer("probe")
        assert root.handlers == before  # serve's logging kept, nothing added
    finally:
        root.handlers = handlers
