"""docs/tools.md, written from the live tool list: every tool, argument, allowed value and example.

The reference is rendered from what a client is really sent (``tools/list`` of a server with every toolset)
and from the tools' own declarations (toolset, example), so it cannot drift from the server:
``tests/server/test_tool_reference.py`` renders it again and compares it with the committed file. The
fields ``update_settings`` and ``update_numbers`` write are an open object in the schema (a model is told
them in the description, and the argument check names the valid ones); they are listed here from the
request models, with the meaning each field's docstring gives.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from voice_tools.models import PhoneNumberUpdate, SettingsUpdate

from .config.variables import TOOLSETS
from .shared.declared import Declared

HEADER = """# Tools

Generated from the server's live tool list by `tests/server/test_tool_reference.py` (run it with
`VOICE_TOOLS_UPDATE_SNAPSHOTS=1` after changing a tool); do not edit by hand. What a model sees exactly,
schemas included, is committed in `tests/snapshots/`.

- **Arguments** are checked before anything reaches Zendesk, and an argument a tool does not take is
  refused too (a misspelt filter silently ignored would give a wrong answer that looks right).
- **Failures**, argument errors included, reach the model in one shape: `<what happened>. Retry: <no | yes,
  after N s | once they are fixed | only after checking>. Next: <what to do>.`
- **Results** are structured content (with an output schema) and, as text, the same compact JSON without
  nulls. Every result fits a model's context (`VOICE_TOOLS_MAX_RESULT_TOKENS`, 8,000 cl100k tokens by
  default): a listing returns what fits, says how many it left out and how to continue.
- **Large accounts**: the Talk API lists numbers 100 to a page with no look-up by number, under a budget of
  700 requests a minute by default. A listing's first call reads the account once into a snapshot (in
  Zendesk's `minimal_mode` when the view and filters need only its fields) and names its moment (`as_of`);
  `next_cursor` continues from that snapshot for 15 minutes, on this server or any replica (snapshots are
  shared through the ledger), so walking 20,000 numbers reads each page once. A change sent to a number
  retires the snapshot; a walk whose snapshot is gone reads again and continues after the last number it
  showed, saying so. Bulk reads are paced under the budget Zendesk reports (shared by every replica): full
  speed while more than half is left, then spread to the window's reset, keeping 5% for single requests; a
  listing the budget cannot carry stops before sending and says how long to wait, rather than meet a 429.
- **Toolsets**: the server offers the `numbers` toolset unless `VOICE_TOOLS_TOOLSETS` names more; with
  `VOICE_TOOLS_DYNAMIC_TOOLSETS=on` the model loads the others with `enable_toolset`. A call to a tool the
  server has but does not offer says what it is and the setting that turns it on. Read-only mode removes
  every tool that writes.
- **Writes** that cost money or cannot be undone (`buy_number`, `buy_numbers`, `release_number`, and
  `update_numbers` over many numbers) need a person's yes: see [purchasing.md](purchasing.md).
"""


def effect(annotations: Mapping[str, Any]) -> str:
    """The annotations in words (MCP's defaults: writes, destructive, not idempotent)."""
    if annotations.get("readOnlyHint"):
        return "reads only"
    words = ["writes"]
    words.append("destructive" if annotations.get("destructiveHint", True) else "adds, overwrites nothing")
    if annotations.get("idempotentHint"):
        words.append("the same call twice ends in the same state")
    return ", ".join(words)


def type_of(schema: Mapping[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(type_of(s) for s in schema["anyOf"] if s.get("type") != "null")
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_of(schema.get('items', {}))}"
    return str(kind)


def allowed(schema: Mapping[str, Any]) -> str:
    """What values the schema allows, beyond the type, in a few words."""
    if "anyOf" in schema:
        return "; ".join(a for s in schema["anyOf"] if (a := allowed(s)))
    parts: list[str] = []
    if "enum" in schema:
        parts.append(", ".join(f"`{v}`" for v in schema["enum"]))
    if "minimum" in schema and "maximum" in schema:
        parts.append(f"{schema['minimum']} to {schema['maximum']}")
    elif "minimum" in schema:
        parts.append(f"at least {schema['minimum']}")
    elif "maximum" in schema:
        parts.append(f"at most {schema['maximum']}")
    if "pattern" in schema:
        parts.append(f"matches `{schema['pattern']}`")
    if "maxLength" in schema:
        parts.append(f"up to {schema['maxLength']} characters")
    if "minItems" in schema or "maxItems" in schema:
        parts.append(f"{schema.get('minItems', 0)} to {schema.get('maxItems', 'any number of')} items")
    if schema.get("type") == "array" and (inner := allowed(schema.get("items", {}))):
        parts.append(f"each: {inner}")
    if "default" in schema:
        parts.append(f"default `{json.dumps(schema['default'])}`")
    return "; ".join(parts)


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def arguments_table(schema: Mapping[str, Any]) -> list[str]:
    properties: Mapping[str, Any] = schema.get("properties", {})
    if not properties:
        return ["No arguments."]
    required = set(schema.get("required", []))
    rows = ["| argument | type | required | allowed | meaning |", "|---|---|---|---|---|"]
    for name in sorted(properties, key=lambda n: (n not in required, n)):
        spec = properties[name]
        rows.append(
            f"| `{name}` | {type_of(spec)} | {'yes' if name in required else 'no'} | {cell(allowed(spec))} "
            f"| {cell(spec.get('description', ''))} |"
        )
    return rows


def tool_section(tool: Mapping[str, Any], declared: Declared) -> list[str]:
    lines = [f'<a id="{tool["name"]}"></a>', "", f"### `{tool['name']}`: {tool.get('title', '')}", ""]
    lines.append(f"*{effect(tool.get('annotations') or {})}*. {tool.get('description', '')}")
    lines += ["", *arguments_table(tool.get("inputSchema", {}))]
    if declared.example is not None:
        lines += ["", "Example:", "", "```json", json.dumps(declared.example, ensure_ascii=False), "```"]
    returned = sorted((tool.get("outputSchema") or {}).get("properties", {}))
    if returned:
        lines += ["", "Returns: " + ", ".join(f"`{name}`" for name in returned) + "."]
    return [*lines, ""]


def writable_fields(model: type[BaseModel], title: str) -> list[str]:
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    rows = [f"### {title}", "", "| field | type | allowed | meaning |", "|---|---|---|---|"]
    for name, spec in schema["properties"].items():
        if name == "settings":
            continue
        resolved = resolve(spec, definitions)
        nullable = name in model.nullable_fields  # type: ignore[attr-defined]
        kind = type_of(resolved) + (" or null" if nullable else "")
        rows.append(f"| `{name}` | {kind} | {cell(allowed(resolved))} | {cell(spec.get('description', ''))} |")
    return [*rows, ""]


def resolve(spec: Mapping[str, Any], definitions: Mapping[str, Any]) -> dict[str, Any]:
    """The field's schema without pydantic's ``null`` branch and with ``$ref`` followed."""
    branches = [s for s in spec.get("anyOf", [spec]) if s.get("type") != "null"]
    followed = [definitions[s["$ref"].rsplit("/", 1)[1]] if "$ref" in s else s for s in branches]
    if len(followed) == 1:
        return {k: v for k, v in followed[0].items() if k not in ("title", "description")}
    return {"anyOf": followed}


def render(tools: Iterable[Mapping[str, Any]], registry: Iterable[Declared]) -> str:
    """The reference for ``tools`` (a ``tools/list`` answer's tools, as JSON) in the registry's order."""
    by_name = {t["name"]: t for t in tools}
    declared = [d for d in registry if d.name in by_name]
    lines = [HEADER, "| tool | toolset | effect | what it does |", "|---|---|---|---|"]
    for d in declared:
        tool = by_name[d.name]
        toolset = "dynamic toolsets" if d.dynamic_only else d.toolset
        lines.append(
            f"| [`{d.name}`](#{d.name}) | {toolset} | {effect(tool.get('annotations') or {})} "
            f"| {cell(tool.get('description', ''))} |"
        )
    lines.append("")
    for toolset, what in TOOLSETS.items():
        members = [d for d in declared if d.toolset == toolset and not d.dynamic_only]
        if not members:
            continue
        lines += [f"## Toolset `{toolset}`", "", f"In it: {what}.", ""]
        for d in members:
            lines += tool_section(by_name[d.name], d)
    if dynamic := [d for d in declared if d.dynamic_only]:
        lines += ["## With dynamic toolsets", "", "Offered when `VOICE_TOOLS_DYNAMIC_TOOLSETS=on`.", ""]
        for d in dynamic:
            lines += tool_section(by_name[d.name], d)
    lines += [
        "## Fields `update_settings` and `update_numbers` write",
        "",
        "`changes` takes a number's attributes and `settings` its settings; only what differs is sent, and a "
        "field left out keeps its value. Group fields take names as well as ids.",
        "",
        *writable_fields(PhoneNumberUpdate, "Attributes (`changes`)"),
        *writable_fields(SettingsUpdate, "Settings (`settings`)"),
    ]
    return "\n".join(lines).rstrip() + "\n"
