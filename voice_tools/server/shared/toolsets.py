"""Toolsets a model can find: what is loaded, what could be, and what a call to a tool not loaded is told.

The operator's ``VOICE_TOOLS_TOOLSETS`` is the set of toolsets *allowed*. Without dynamic toolsets they are
all loaded (the tool list is what they hold). With ``VOICE_TOOLS_DYNAMIC_TOOLSETS=on`` (as github-mcp-server's
``--dynamic-toolsets``) a connection starts with ``numbers`` and one small tool, ``enable_toolset``, which
names the other allowed toolsets and loads one for that connection; the server then sends
``notifications/tools/list_changed`` (a client that ignores it can list again, or call the tool by name).
Which connection: a 2025-11-25 connection (over stdio the process, over HTTP the session). 2026-07-28 keeps no
connection state (each request stands alone), so such a client's list cannot change: ``enable_toolset``
answers the toolset's tools with their arguments, and they can be called by name.

Either way, a call to a tool this server has but has not loaded, or to one whose toolset the operator left
out, answers what the toolset is and how to get it, never a bare ``Unknown tool``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any
from weakref import WeakKeyDictionary

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import CallToolResult, ListToolsResult, TextContent

from ..config.serving import ServerSettings
from ..config.variables import DEFAULT_TOOLSET, TOOLSETS
from .declared import Declared
from .errors import message

Connection = Hashable  # the SDK's per-client connection object (sdk.connection_key)
ConnectionKey = Callable[[ServerRequestContext[Any, Any]], Connection | None]


class LoadedToolsets:
    def __init__(self, settings: ServerSettings, registry: tuple[Declared, ...], key: ConnectionKey) -> None:
        self.settings = settings
        self.key = key  # which connection a request came on; None where the protocol keeps none
        self.dynamic = settings.dynamic_toolsets
        self.allowed = settings.toolsets
        self.toolset_of = {d.name: d.toolset for d in registry}
        self.writes = {d.name for d in registry if d.writes}
        self.listed = [  # what a model is offered of each toolset: not the pages' own tools, nor writes when read-only
            d.name for d in registry if not (d.app_only or d.dynamic_only or (settings.read_only and d.writes))
        ]
        self._by_connection: WeakKeyDictionary[Any, set[str]] = WeakKeyDictionary()  # gone with the connection

    def tools_in(self, toolset: str) -> list[str]:
        return [name for name in self.listed if self.toolset_of[name] == toolset]

    def initial(self) -> set[str]:
        return {DEFAULT_TOOLSET} & set(self.allowed) if self.dynamic else set(self.allowed)

    def loaded(self, connection: Connection | None) -> set[str]:
        if not self.dynamic or connection is None:
            return self.initial()
        return self._by_connection.setdefault(connection, self.initial())

    def callable(self, connection: Connection | None) -> set[str]:
        """The toolsets whose tools a call may reach: the loaded ones; every allowed one for a sessionless
        client, whose list cannot change (it is told the tools by name, ``enable_toolset``)."""
        return set(self.allowed) if connection is None else self.loaded(connection)

    def load(self, connection: Connection | None, toolset: str) -> set[str]:
        loaded = self.loaded(connection)
        if connection is not None:
            loaded.add(toolset)
        return loaded

    def guidance(self, tool: str, connection: Connection | None) -> str | None:
        """What a call to ``tool`` is told when it is not loaded here; None when it is (or is unknown)."""
        toolset = self.toolset_of.get(tool)
        if toolset is not None and self.settings.read_only and tool in self.writes:
            return message(
                f"{tool} changes the account, and this server is read-only",
                "no",
                "tell the user; an operator can turn read-only off (VOICE_TOOLS_READ_ONLY, --read-only)",
            )
        if toolset is None or toolset in self.callable(connection):
            return None
        what = TOOLSETS.get(toolset, toolset)
        if toolset in self.allowed and self.dynamic:
            next_step = f"call enable_toolset with toolset={toolset!r}, then call {tool} again"
            return message(f"{tool} is in the {toolset} toolset ({what}), not loaded yet", "yes, once it is", next_step)
        setting = f"VOICE_TOOLS_TOOLSETS={','.join(sorted({*self.allowed, toolset}))}"
        if toolset == "release":
            setting += " and VOICE_TOOLS_RELEASES=on"
        return message(
            f"{tool} is in the {toolset} toolset ({what}), which this server does not offer",
            "no",
            f"tell the user an operator can turn it on with {setting}",
        )


class ToolsetsForThisConnection:
    """Server middleware: the tool list holds the connection's loaded toolsets; a call to a tool not loaded is
    told how to get it (``LoadedToolsets.guidance``)."""

    def __init__(self, toolsets: LoadedToolsets) -> None:
        self.toolsets = toolsets

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        connection = self.toolsets.key(ctx)
        if ctx.method == "tools/call":
            name = str((ctx.params or {}).get("name", ""))
            if (said := self.toolsets.guidance(name, connection)) is not None:
                return CallToolResult(content=[TextContent(type="text", text=said)], is_error=True)
            return await call_next(ctx)
        result = await call_next(ctx)
        if ctx.method != "tools/list" or not self.toolsets.dynamic:
            return result
        listed = result if isinstance(result, ListToolsResult) else ListToolsResult.model_validate(result)
        loaded = self.toolsets.loaded(connection)
        kept = [t for t in listed.tools if self.toolsets.toolset_of.get(t.name, DEFAULT_TOOLSET) in loaded]
        return listed.model_copy(update={"tools": kept})
