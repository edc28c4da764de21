"""enable_toolset (with VOICE_TOOLS_DYNAMIC_TOOLSETS=on): load one more set of tools for this connection.

The operator's VOICE_TOOLS_TOOLSETS is what may be loaded; a conversation starts with ``numbers`` and loads
the rest as it needs them, so the tool list a model pays for on every turn stays small (``shared/toolsets.py``).
For the same reason this tool publishes no output schema (its answer is read by the model, and the schema
would cost more than the tool): the answer is still structured, a ``ToolsetsResult``.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from ..config.variables import TOOLSETS
from ..shared.declared import READS, Declared
from ..shared.errors import message
from ..shared.results import respond
from ..state import state

DESCRIPTION = "Load a toolset (more tools) for this conversation; no toolset: list those offered."


class ToolsetsResult(BaseModel):
    loaded: list[str]  # the toolsets this conversation has
    offered: dict[str, str]  # every toolset this server allows, and its tools
    call_by_name: list[Any] | None = None  # for a 2026-07-28 client: each tool's name, description, input_schema
    next_step: str


async def enable_toolset(
    ctx: Context[Any, Any], toolset: Annotated[str | None, Field(max_length=32)] = None
) -> CallToolResult:  # no published output schema: ToolsetsResult's 63 tokens would be paid on every turn
    sets = state(ctx).toolsets
    connection = sets.key(ctx.request_context)
    if toolset is not None and toolset not in sets.allowed:
        offered = ", ".join(sorted(sets.allowed))
        raise ToolError(
            message(f"this server offers no toolset {toolset!r}", "no", f"choose one of {offered}, or ask the operator")
        )
    by_name: list[dict[str, Any]] | None = None
    if toolset is not None:
        sets.load(connection, toolset)
        if connection is None:  # a 2026-07-28 client: no connection to remember it on
            wanted = set(sets.tools_in(toolset))
            by_name = [
                {"name": t.name, "description": t.description or "", "input_schema": t.input_schema}
                for t in await ctx.mcp_server.list_tools()
                if t.name in wanted
            ]
        else:
            await announce_tools_changed(ctx)
    loaded = sorted(sets.loaded(connection))
    toolsets = {n: ", ".join(sets.tools_in(n)) for n in sorted(sets.allowed)}
    if toolset is None:
        next_step = "Call enable_toolset with the toolset whose tools the user needs."
    elif by_name is not None:
        next_step = (
            f"This client keeps no connection state, so its tool list stays as it is: call the {toolset} tools "
            "below by name, with the arguments shown."
        )
    else:
        next_step = f"Loaded {toolset} ({TOOLSETS.get(toolset, toolset)}): its tools can be called now."
    return respond(ToolsetsResult(loaded=loaded, offered=toolsets, call_by_name=by_name, next_step=next_step))


async def announce_tools_changed(ctx: Context[Any, Any]) -> None:
    """``notifications/tools/list_changed``: on a 2025-11-25 connection's own channel, and on the 2026-07-28
    ``subscriptions/listen`` streams (which the SDK fans out to every listener: one that did not load anything
    lists again and finds its list unchanged). A client that takes neither lists again, or calls by name."""
    with suppress(Exception):
        await ctx.request_context.session.send_tool_list_changed()
    with suppress(Exception):
        await ctx.notify_tools_changed()


TOOL = Declared(
    enable_toolset, "Load a toolset", DESCRIPTION, READS, dynamic_only=True, example={"toolset": "addresses"}
)
