"""What a host without MCP Apps sees: exactly the server it saw before the pages existed.

The Apps extension links tools to pages with ``_meta.ui`` and marks tools only a page may call with
``_meta.ui.visibility: ["app"]``. A host that negotiated Apps hides such tools from its model; a client
that did not would show them to its model as ordinary tools, so for that client they are left out of
``tools/list``, refused as unknown if called anyway, and every ``_meta.ui`` link is taken off (as are the
``ui://`` pages from ``resources/list``). The server cannot check who clicked: a host that negotiated Apps
is trusted to keep app-only tools away from its model, as it is trusted to show elicitation forms to a
person.
"""

from __future__ import annotations

from typing import Any

from mcp.types import Resource, Tool

UI = "ui"
PAGE_SCHEME = "ui://"


def visibility(meta: dict[str, Any] | None) -> list[str]:
    """Who may call a tool: MCP Apps' default is both the model and the page."""
    ui = (meta or {}).get(UI)
    listed = ui.get("visibility") if isinstance(ui, dict) else None
    return list(listed) if isinstance(listed, list) else ["model", "app"]


def app_only(meta: dict[str, Any] | None) -> bool:
    return "model" not in visibility(meta)


def without_pages(tools: list[Tool]) -> list[Tool]:
    """The tool list for a client without Apps: no app-only tools, no ``_meta.ui`` links."""
    listed: list[Tool] = []
    for tool in tools:
        if app_only(tool.meta):
            continue
        if tool.meta and UI in tool.meta:
            rest = {k: v for k, v in tool.meta.items() if k != UI}
            tool = tool.model_copy(update={"meta": rest or None})
        listed.append(tool)
    return listed


def resources_without_pages(resources: list[Resource]) -> list[Resource]:
    return [r for r in resources if not str(r.uri).startswith(PAGE_SCHEME)]
