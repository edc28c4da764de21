"""Everything that reaches into the MCP SDK's internals, in one place (``tests/server/test_sdk_internals.py``
names each private attribute used, so an SDK upgrade that moves one fails a test, not a user).

Public hooks are used where they suffice: the lists a client without MCP Apps sees are filtered by a server
middleware (``PagesForThisClient``, on the SDK's ``middleware`` hook). What still needs the SDK's internals:
the tool manager (``_tool_manager``: a tool's argument model, to refuse bad arguments in the one error shape
before the SDK's own validation words them for a programmer) and the published schemas (each tool's
``parameters`` and ``fn_metadata.output_schema``, compacted once at assembly: every token of the tool list is
paid on every turn), and the connection a request came on (``ServerSession._connection``: the session object
is built per request, and toolsets loaded with ``enable_toolset`` belong to the connection). One module
global is replaced: ``configure_logging``, which MCPServer calls on every construction and which imports rich
even when ``serve`` has configured logging already.
"""

from __future__ import annotations

import logging
from typing import Any

import mcp.server.mcpserver.server as sdk_server
from mcp.server import MCPServer
from mcp.server.apps import client_supports_apps
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult, InputRequiredResult, ListResourcesResult, ListToolsResult

from voice_tools.client import ZendeskError
from voice_tools.client.pagination import first_zendesk_error
from voice_tools.guard import LedgerUnavailable

from .shared.confirmed import PINNED
from .shared.errors import explain, ledger_down
from .shared.invalid import check_arguments
from .state import AppState
from .transports.logs import REQUEST_ID, new_request_id
from .transports.metrics import Metrics
from .views.visibility import app_only, resources_without_pages, without_pages


def compact_schema(schema: Any, *, descriptions: bool = True, parent: str | None = None) -> Any:
    """The published JSON schema, without what costs tokens and tells a model nothing.

    Every token of the tool list is paid on every conversation turn, so: no ``title`` annotations (they
    repeat the property names); an optional value is ``{"type": X}`` rather than ``anyOf [X, null]`` with
    ``default: null`` (an argument that is not ``required`` may be left out, and results leave out nulls);
    and, for output schemas, no prose (``descriptions=False``). Validation is unaffected: it runs on the
    pydantic models, not on these published dicts.
    """
    if isinstance(schema, list):
        return [compact_schema(item, descriptions=descriptions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if parent == "properties":  # a mapping of property names: every value is a schema
        return {name: compact_schema(sub, descriptions=descriptions) for name, sub in schema.items()}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "description" and not descriptions:
            continue
        if key == "default" and (value is None or not descriptions):
            continue
        if key == "additionalProperties" and value is True:  # the JSON Schema default
            continue
        out[key] = compact_schema(value, descriptions=descriptions, parent=key)
    options = out.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        (kept,) = [o for o in options if o != {"type": "null"}]
        del out["anyOf"]
        out = {**kept, **out}
    return out


def inline_definitions(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace ``{"$ref": "#/$defs/X"}`` with X itself: the result models are small trees, used once."""
    definitions = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(definitions[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    inlined: dict[str, Any] = walk(schema)
    return inlined


def publish_schema(schema: dict[str, Any], *, descriptions: bool = True) -> dict[str, Any]:
    compacted: dict[str, Any] = compact_schema(inline_definitions(schema), descriptions=descriptions)
    return compacted


class VoiceToolsServer(MCPServer[AppState]):
    """The SDK's server, with argument errors told the way every other failure is (``shared/invalid.py``), every
    failure's text starting with what happened, without the SDK's "Error executing tool X: ", a ledger that
    cannot be reached told in the one shape, and app-only tools unknown to a client without Apps."""

    metrics: Metrics | None = None

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[AppState, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        REQUEST_ID.set(new_request_id())  # every log line of this call carries it (transports/logs.py)
        PINNED.set({})  # the plans its resolvers show, performed by its body (shared/confirmed.py)
        if self.metrics is None or self._tool_manager.get_tool(name) is None:
            return await self._call_tool(name, arguments, context)
        with self.metrics.tool_call(name) as call:
            try:
                return await self._call_tool(name, arguments, context)
            except UnexpectedToolError:
                call["outcome"] = "crash"
                raise
            except ToolError:
                call["outcome"] = "error"
                raise

    async def _call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[AppState, Any] | None
    ) -> CallToolResult | InputRequiredResult:
        tool = self._tool_manager.get_tool(name)
        if tool is not None and app_only(tool.meta) and (context is None or not client_supports_apps(context)):
            raise ToolError(f"Unknown tool: {name}")  # as if it did not exist: for this client, it does not
        if tool is not None:
            parsed = tool.fn_metadata.pre_parse_json(arguments)
            if refusal := check_arguments(name, parsed, tool.fn_metadata.arg_model):
                raise ToolError(refusal)
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError as error:
            down = _ledger_failure(error.__cause__)
            if down is not None:  # never the SDK's bare "Error executing tool": the one shape, with a retry
                raise ToolError(ledger_down(name, down)) from down
            # concurrent work inside a tool fails as a group: a Zendesk error in it is still Zendesk's answer
            if isinstance(error.__cause__, ExceptionGroup):
                found = first_zendesk_error(error.__cause__)
                if isinstance(found, ZendeskError):
                    raise ToolError(explain(found)) from found
            raise  # a crash: the SDK's bare text, and the exception stays on the server
        except LedgerUnavailable as down:  # raised where the SDK does not wrap it (a resolver, the arguments)
            raise ToolError(ledger_down(name, down)) from down
        except ToolError as error:
            raise ToolError(str(error).removeprefix(f"Error executing tool {name}: ")) from error.__cause__


def _ledger_failure(error: BaseException | None) -> LedgerUnavailable | None:
    """The LedgerUnavailable behind a tool's failure, also inside a group of concurrent failures."""
    if isinstance(error, LedgerUnavailable):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            if (found := _ledger_failure(inner)) is not None:
                return found
    return _ledger_failure(error.__cause__) if error is not None and error.__cause__ is not error else None


class PagesForThisClient:
    """Server middleware: a client that did not negotiate MCP Apps gets the tool and resource lists it got before
    the pages existed (no ``_meta.ui`` links, no app-only tools, no ``ui://`` resources)."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method not in ("tools/list", "resources/list") or client_supports_apps(ctx):
            return result
        if ctx.method == "tools/list":  # a model from one transport, already a dict from another
            tools = result if isinstance(result, ListToolsResult) else ListToolsResult.model_validate(result)
            return tools.model_copy(update={"tools": without_pages(tools.tools)})
        resources = result if isinstance(result, ListResourcesResult) else ListResourcesResult.model_validate(result)
        return resources.model_copy(update={"resources": resources_without_pages(resources.resources)})


def compact_published_schemas(server: MCPServer[Any]) -> None:
    """Every tool's input and output schema as published, compacted (``publish_schema``); unknown arguments
    are refused (``additionalProperties: false``, worded by ``shared/invalid.py``)."""
    for tool in server._tool_manager.list_tools():
        tool.parameters = {**publish_schema(tool.parameters), "additionalProperties": False}
        if tool.fn_metadata.output_schema is not None:
            tool.fn_metadata.output_schema = publish_schema(tool.fn_metadata.output_schema, descriptions=False)


FIRST_SESSIONLESS_VERSION = "2026-07-28"


def connection_key(ctx: ServerRequestContext[Any, Any]) -> Any | None:
    """The connection a request came on, for what a conversation keeps (its loaded toolsets): a 2025-11-25
    connection lives as long as its stdio process or HTTP session; 2026-07-28 keeps none (None)."""
    session = ctx.session
    if session.protocol_version >= FIRST_SESSIONLESS_VERSION:  # dated versions: later ones compare greater
        return None
    return session._connection


def _sdk_logging(level: Any = "INFO") -> None:
    """MCPServer configures the root logger on every construction (``logging.basicConfig`` with rich's handler),
    importing rich for it: about 30 ms of every start. ``basicConfig`` does nothing once the root logger has a
    handler, which ``serve`` gives it first (transports/logs.py), so then the import is skipped too."""
    if not logging.getLogger().handlers:
        _sdk_configure_logging(level)


_sdk_configure_logging = vars(sdk_server)["configure_logging"]
vars(sdk_server)["configure_logging"] = _sdk_logging  # the name MCPServer.__init__ calls
