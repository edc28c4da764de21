"""The reference and the advice are true: docs/tools.md is the live tool list rendered, each tool's example is
a call the server takes, and every name the server's words for the model put in a model's mouth (hints,
next steps, errors, prompts, guides) is a real tool, argument, value or field.

Regenerate docs/tools.md with ``VOICE_TOOLS_UPDATE_SNAPSHOTS=1 uv run pytest tests/server/test_tool_reference.py``.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Answer, connect, make_rig, text_of
from voice_tools.models import PhoneNumberUpdate, SettingsUpdate
from voice_tools.server.tool_reference import render
from voice_tools.server.tools import REGISTRY

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "tools.md"
EVERY_TOOLSET = {"VOICE_TOOLS_TOOLSETS": "all"}
DYNAMIC = {**EVERY_TOOLSET, "VOICE_TOOLS_DYNAMIC_TOOLSETS": "on"}
# Where the server speaks to a model: tool handlers, what they share, the guard's refusals, the pages' tools.
MODEL_FACING = [
    "voice_tools/server/tools",
    "voice_tools/server/shared",
    "voice_tools/guard",
    "voice_tools/server/views",
]
SNAKE = re.compile(r"(?<![\w./:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-])")
# snake_case words in the model's text that are not names it can use, each with why it may stand there.
NOT_NAMES = {
    "next_offset": "a field of list_numbers' answer, named for the model to pass back as offset",
    "call_by_name": "a field of enable_toolset's answer, which publishes no output schema",
}


async def live_tools() -> list[dict[str, Any]]:
    """What a client is sent: every toolset, and enable_toolset from a server with dynamic toolsets."""
    tools: dict[str, dict[str, Any]] = {}
    for env in (EVERY_TOOLSET, DYNAMIC):
        async with connect(make_rig(env=env), "legacy") as client:
            for tool in (await client.list_tools()).tools:
                tools.setdefault(tool.name, tool.model_dump(mode="json", by_alias=True, exclude_none=True))
    return list(tools.values())


async def test_docs_tools_md_is_the_live_tool_list_rendered() -> None:
    current = render(await live_tools(), REGISTRY)
    if os.environ.get("VOICE_TOOLS_UPDATE_SNAPSHOTS"):
        REFERENCE.write_text(current)
    assert current == REFERENCE.read_text(), "docs/tools.md is stale: regenerate it (see this file's docstring)"
    for name in ("update_settings", "voicemail_recording_delete_after", "`1.years`", "enable_toolset"):
        assert name in current


async def test_every_tool_a_model_is_offered_has_an_example_the_server_takes() -> None:
    offered = [d for d in REGISTRY if not d.app_only]
    assert all(d.example is not None for d in offered), [d.name for d in offered if d.example is None]
    async with connect(make_rig(env=DYNAMIC), "legacy", Answer("decline")) as client:
        await client.call_tool("enable_toolset", {"toolset": "release"})
        for toolset in ("addresses", "bulk"):
            await client.call_tool("enable_toolset", {"toolset": toolset})
        for declared in offered:
            result = await client.call_tool(declared.name, declared.example or {})
            said = text_of(result)
            assert "arguments are invalid" not in said, f"{declared.name}'s example: {said}"
            if not declared.writes:
                assert not result.is_error, f"{declared.name}'s example: {said}"


async def known_names() -> set[str]:
    """Every name a model may use: tools, prompts and their arguments, arguments at any depth, allowed values,
    answer fields, and the fields update_settings writes."""
    names: set[str] = set()

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            if isinstance(schema.get("properties"), dict):
                names.update(schema["properties"])
            names.update(str(v) for v in schema.get("enum", []))
            for value in schema.values():
                walk(value)
        elif isinstance(schema, list):
            for item in schema:
                walk(item)

    for tool in await live_tools():
        names.add(tool["name"])
        walk(tool.get("inputSchema"))
        walk(tool.get("outputSchema"))
    names.update(d.name for d in REGISTRY)
    for model in (PhoneNumberUpdate, SettingsUpdate):
        walk(model.model_json_schema())
    async with connect(make_rig(env=EVERY_TOOLSET), "legacy") as client:
        for prompt in (await client.list_prompts()).prompts:
            names.add(prompt.name)
            names.update(a.name for a in prompt.arguments or [])
        for resource in (await client.list_resources()).resources:  # the policy's rules, named in refusals
            for content in (await client.read_resource(resource.uri)).contents:
                if content.mime_type == "application/json":
                    walk_keys(json.loads(getattr(content, "text", "{}")), names)
    return names


def walk_keys(value: Any, names: set[str]) -> None:
    if isinstance(value, dict):
        names.update(value)
        for inner in value.values():
            walk_keys(inner, names)
    elif isinstance(value, list):
        for inner in value:
            walk_keys(inner, names)


def prose_in(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module that read as prose (four words or more), docstrings left out."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and len(node.value.split()) >= 4
    ]


async def test_every_name_the_server_s_advice_gives_a_model_is_real() -> None:
    known = await known_names() | set(NOT_NAMES)
    unknown: dict[str, list[str]] = {}
    texts: list[tuple[str, str]] = []
    for folder in MODEL_FACING:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "ledger" in path.parts:  # storage: its SQL and scripts name columns, never told to a model
                continue
            texts += [(f"{path.relative_to(ROOT)}:{line}", text) for line, text in prose_in(path)]
    for path in sorted([*(ROOT / "prompts").glob("*.md"), *(ROOT / "voice_tools/server/guides").glob("*.md")]):
        texts.append((str(path.relative_to(ROOT)), path.read_text()))
    for where, text in texts:
        for name in SNAKE.findall(text):
            if name not in known:
                unknown.setdefault(name, []).append(where)
    assert not unknown, f"names a model would be told that no tool, argument or field has: {unknown}"
