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

from bench.tokens import count_json
from tests.harness import connect, make_rig

pytestmark = pytest.mark.anyio
SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "tools.json"
TOOL_LIST_BUDGET = 1500  # cl100k tokens for the whole tools/list result (issue 8)


async def tool_list(read_only: bool = False) -> list[dict[str, Any]]:
    async with connect(make_rig(read_only=read_only), "legacy") as client:
        tools = (await client.list_tools()).tools
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


async def test_tools_match_the_committed_snapshot() -> None:
    current = json.dumps(await tool_list(), indent=2, sort_keys=True) + "\n"
    if os.environ.get("VOICE_TOOLS_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(current)
    assert SNAPSHOT.exists(), "no snapshot yet: run with VOICE_TOOLS_UPDATE_SNAPSHOTS=1"
    assert current == SNAPSHOT.read_text(), (
        "the tools the model sees changed; if intended, regenerate the snapshot (see this file's docstring)"
    )


async def test_the_whole_tool_list_fits_the_token_budget() -> None:
    tools = await tool_list()
    total = count_json({"tools": tools})
    per_tool = {t["name"]: count_json(t) for t in tools}
    print(f"\ntools/list: {total} cl100k tokens (budget {TOOL_LIST_BUDGET}); per tool: {per_tool}")
    assert total <= TOOL_LIST_BUDGET, f"tools/list costs {total} tokens, over the {TOOL_LIST_BUDGET} budget: {per_tool}"
    assert count_json({"tools": await tool_list(read_only=True)}) < total
