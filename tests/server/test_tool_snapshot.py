"""What the model sees is reviewed like code: a committed snapshot of every tool, and a token budget.

When a change to a tool's name, description, schema or annotations is intended, regenerate with
``VOICE_TOOLS_UPDATE_SNAPSHOTS=1 uv run pytest tests/server/test_tool_snapshot.py`` and commit the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

from bench.tokens import count_json
from tests.harness import connect, make_rig
from voice_tools.server.config.variables import TOOLSETS

pytestmark = pytest.mark.anyio
SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"
TOOL_LIST_BUDGET = 1500  # cl100k tokens for the whole default tools/list result (issue 8)


async def tool_list(
    read_only: bool = False, toolsets: str = "", apps: bool = False, dynamic: bool = False
) -> list[dict[str, Any]]:
    env = {"VOICE_TOOLS_TOOLSETS": toolsets, "VOICE_TOOLS_DYNAMIC_TOOLSETS": "on" if dynamic else "off"}
    rig = make_rig(env=env, read_only=read_only)
    if apps:  # a host that shows MCP Apps: the page links and the page-only tools
        host = Client(rig.server, mode="legacy", extensions=[advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})])
        async with host as client:
            tools = (await client.list_tools()).tools
    else:
        async with connect(rig, "legacy") as client:
            tools = (await client.list_tools()).tools
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


@pytest.mark.parametrize(
    ("toolsets", "apps", "name"),
    [("", False, "tools.json"), ("all", False, "tools-all.json"), ("", True, "tools-apps.json")],
)
async def test_tools_match_the_committed_snapshot(toolsets: str, apps: bool, name: str) -> None:
    """The default list, every toolset's tools (``all``), and the default list as a host with MCP Apps
    gets it, each in its own committed file."""
    snapshot = SNAPSHOTS / name
    current = json.dumps(await tool_list(toolsets=toolsets, apps=apps), indent=2, sort_keys=True) + "\n"
    if os.environ.get("VOICE_TOOLS_UPDATE_SNAPSHOTS"):
        snapshot.write_text(current)
    assert snapshot.exists(), "no snapshot yet: run with VOICE_TOOLS_UPDATE_SNAPSHOTS=1"
    assert current == snapshot.read_text(), (
        "the tools the model sees changed; if intended, regenerate the snapshot (see this file's docstring)"
    )


async def test_every_toolset_has_a_cost() -> None:
    """What each toolset adds to the list, printed for the README's table."""
    base = count_json({"tools": await tool_list()})
    costs = {
        name: count_json({"tools": await tool_list(toolsets=f"numbers,{name}")}) - base
        for name in TOOLSETS
        if name != "numbers"
    }
    print(f"\ntoolsets: numbers {base} tokens; added by " + ", ".join(f"{k} {v}" for k, v in costs.items()))
    assert all(cost > 0 for cost in costs.values())


async def test_the_whole_tool_list_fits_the_token_budget() -> None:
    tools = await tool_list()
    total = count_json({"tools": tools})
    per_tool = {t["name"]: count_json(t) for t in tools}
    print(f"\ntools/list: {total} cl100k tokens (budget {TOOL_LIST_BUDGET}); per tool: {per_tool}")
    assert total <= TOOL_LIST_BUDGET, f"tools/list costs {total} tokens, over the {TOOL_LIST_BUDGET} budget: {per_tool}"
    assert count_json({"tools": await tool_list(read_only=True)}) < total


async def test_dynamic_toolsets_start_a_conversation_at_the_default_list_s_cost() -> None:
    """Every toolset allowed, none loaded: the list is the default one and enable_toolset, a small price next to
    what ``all`` costs on every turn."""
    default = count_json({"tools": await tool_list()})
    dynamic = count_json({"tools": await tool_list(toolsets="all", dynamic=True)})
    every = count_json({"tools": await tool_list(toolsets="all")})
    print(f"\ntools/list: default {default}, dynamic (all allowed) {dynamic}, all loaded {every} cl100k tokens")
    assert default < dynamic <= default + 120 < every  # issue 26: one small tool, at most 120 tokens
