"""The MCP server: five tools over one Zendesk account, with a global read-only filter.

Every tool's title and annotations are set here, in one table, so they can be reviewed together:
the three reads are read-only and idempotent; update_settings overwrites values (destructive, but the
same call twice ends in the same state); buy_number commits the account to a recurring charge that
no other tool undoes (destructive, not idempotent). All five reach Zendesk (open world).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import mcp.server.mcpserver.server as sdk_server
from mcp.server import MCPServer
from mcp.server.apps import client_supports_apps
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.request_state import RequestStateSecurity
from mcp.types import (
    CallToolResult,
    InputRequiredResult,
    ListResourcesResult,
    ListToolsResult,
    PaginatedRequestParams,
    ToolAnnotations,
)

from voice_tools import __version__
from voice_tools.client import ZendeskError
from voice_tools.client.pagination import first_zendesk_error
from voice_tools.guard import AddressCache, AuditTrail, InFlight, LedgerUnavailable, open_ledger
from voice_tools.guard.identity import LedgerMemory
from voice_tools.guard.ledger import MEMORY
from voice_tools.guard.ledger.urls import display_url
from voice_tools.guard.spool import Spool

from .config.environ import quiet_validation_links
from .config.serving import ServerSettings
from .config.variables import DEFAULT_TOOLSET
from .prompts import argument_kinds, default_prompts_dir, load_prompt_files
from .resources import StateHolder, register_completions, register_guides, register_resources
from .shared.confirmed import PINNED
from .shared.errors import explain, ledger_down
from .shared.invalid import check_arguments
from .shared.url_approvals import ApprovalLinks
from .state import AppState, ServerParts, open_state, sandbox_transport
from .tools import (
    buy_number,
    buy_numbers,
    create_address,
    get_number,
    list_addresses,
    list_numbers,
    release_number,
    search_numbers,
    update_numbers,
    update_settings,
)
from .transports.logs import REQUEST_ID, new_request_id
from .transports.loopback import LoopbackPages
from .transports.metrics import Metrics
from .views import LINKS, build_apps
from .views.approval_page import approval_routes
from .views.negotiation import AppsNegotiation
from .views.visibility import app_only, resources_without_pages, without_pages

quiet_validation_links()


def _sdk_logging(level: Any = "INFO") -> None:
    """MCPServer configures the root logger on every construction (``logging.basicConfig`` with rich's handler),
    importing rich for it: about 30 ms of every start. ``basicConfig`` does nothing once the root logger has a
    handler, which ``serve`` gives it first (transports/logs.py), so then the import is skipped too."""
    if not logging.getLogger().handlers:
        _configure_sdk_logging(level)


_configure_sdk_logging = vars(sdk_server)["configure_logging"]
vars(sdk_server)["configure_logging"] = _sdk_logging  # the name MCPServer.__init__ calls

INSTRUCTIONS = (
    "Manage the Zendesk Talk phone numbers of one account. Buying a number costs money every month: "
    "never buy without the user's explicit yes to the price. Before changing a number, show the user the "
    "change (update_settings with dry_run=true). For routing wishes (voicemail only, after hours, overflow), "
    "read the resource zendesk-talk://routing-guide first."
)


@dataclass(frozen=True)
class ToolSpec:
    fn: Callable[..., Any]
    title: str
    description: str
    annotations: ToolAnnotations
    toolset: str = DEFAULT_TOOLSET

    @property
    def writes(self) -> bool:
        return not self.annotations.read_only_hint


def _annotations(*, read_only: bool, destructive: bool, idempotent: bool) -> ToolAnnotations:
    """Only what differs from MCP's defaults (readOnlyHint false, destructiveHint true, idempotentHint false,
    openWorldHint true: every tool here reaches Zendesk), since the tool list is paid for on every turn;
    destructiveHint is stated on every tool that writes, as the one hint a client must not miss."""
    return ToolAnnotations(
        read_only_hint=True if read_only else None,
        destructive_hint=None if read_only else destructive,
        idempotent_hint=True if idempotent else None,
    )


READS = _annotations(read_only=True, destructive=False, idempotent=True)
OVERWRITES = _annotations(read_only=False, destructive=True, idempotent=True)  # the same call twice: same state
COMMITS_MONEY = _annotations(read_only=False, destructive=True, idempotent=False)  # a recurring charge, not undone
ADDS = _annotations(read_only=False, destructive=False, idempotent=False)  # a new record; nothing overwritten
GIVES_UP = _annotations(read_only=False, destructive=True, idempotent=False)  # a number released is gone for good

TOOLS = (
    ToolSpec(search_numbers.search_numbers, "Search numbers to buy", search_numbers.DESCRIPTION, READS),
    ToolSpec(list_numbers.list_numbers, "List the account's numbers", list_numbers.LIST_DESCRIPTION, READS),
    ToolSpec(get_number.get_number, "Get one number", get_number.GET_DESCRIPTION, READS),
    ToolSpec(update_settings.update_settings, "Update a number's settings", update_settings.DESCRIPTION, OVERWRITES),
    ToolSpec(buy_number.buy_number, "Buy a number", buy_number.DESCRIPTION, COMMITS_MONEY),
    ToolSpec(
        release_number.release_number, "Release a number", release_number.DESCRIPTION, GIVES_UP, toolset="release"
    ),
    ToolSpec(
        list_addresses.list_addresses, "List addresses", list_addresses.LIST_DESCRIPTION, READS, toolset="addresses"
    ),
    ToolSpec(
        create_address.create_address, "Add an address", create_address.CREATE_DESCRIPTION, ADDS, toolset="addresses"
    ),
    ToolSpec(
        update_numbers.update_numbers, "Change several numbers", update_numbers.DESCRIPTION, OVERWRITES, toolset="bulk"
    ),
    ToolSpec(buy_numbers.buy_numbers, "Buy several numbers", buy_numbers.DESCRIPTION, COMMITS_MONEY, toolset="bulk"),
)


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
    failure's text starting with what happened, without the SDK's "Error executing tool X: ", and, for a
    client without MCP Apps, the server it had before the pages existed (``views/visibility.py``)."""

    metrics: Metrics | None = None

    async def _handle_list_tools(
        self, ctx: ServerRequestContext[AppState], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        listed = await super()._handle_list_tools(ctx, params)
        return listed if client_supports_apps(ctx) else ListToolsResult(tools=without_pages(listed.tools))

    async def _handle_list_resources(
        self, ctx: ServerRequestContext[AppState], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        listed = await super()._handle_list_resources(ctx, params)
        if client_supports_apps(ctx):
            return listed
        return ListResourcesResult(resources=resources_without_pages(listed.resources))

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


def request_state_security(settings: ServerSettings) -> RequestStateSecurity | None:
    """Shared keys when the operator set them (replicas: an elicitation answered on any of them), bound
    to this account, so state sealed for one account's server is refused by another's; else the SDK's
    process-local key."""
    if not settings.request_state_keys:
        return None
    keys = [k.get_secret_value() for k in settings.request_state_keys]
    return RequestStateSecurity(keys=keys, audience=f"voice-tools:{settings.account}")


def server_parts(settings: ServerSettings) -> ServerParts:
    """What the server keeps across lifespans: the ledger, the audit trail, the in-flight counter."""
    metrics = Metrics()
    ledger = metrics.timed(open_ledger(settings.ledger_url, settings.account))
    audit = AuditTrail(settings.audit_log, settings.account, on_line=metrics.audited)
    links = ApprovalLinks(ledger)
    kept_on_disk = settings.ledger_url != MEMORY  # a throwaway ledger's outcomes have nowhere to go later
    which = hashlib.sha256(f"{settings.account}|{display_url(settings.ledger_url)}".encode()).hexdigest()[:12]
    return ServerParts(
        ledger=ledger,
        audit=audit,
        spool=Spool(settings.state_dir / f"spool-{which}.jsonl" if kept_on_disk else None),
        memory=LedgerMemory(settings.state_dir / f"ledger-identity-{which}.json" if kept_on_disk else None),
        in_flight=InFlight(),
        addresses=AddressCache(),
        metrics=metrics,
        links=links,
        pages=LoopbackPages(approval_routes(links, audit, ledger)),
    )


def build_server(
    settings: ServerSettings,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    prompts_dir: Path | None = None,
    token_verifier: TokenVerifier | None = None,
    auth: AuthSettings | None = None,
    compact_schemas: bool = True,
    parts: ServerParts | None = None,
) -> MCPServer[AppState]:
    """The server for one account. ``transport`` replaces the network (tests give the sandbox's).
    Raises PromptFileError when a prompt file is malformed: start-up stops rather than lose a prompt."""
    prompt_files = load_prompt_files(prompts_dir or settings.prompts_dir or default_prompts_dir())

    if transport is None and settings.sandbox:
        transport = sandbox_transport()
    parts = parts or server_parts(settings)
    holder = StateHolder()

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncIterator[AppState]:
        async with open_state(settings, transport, parts) as app_state:
            holder.current = app_state
            try:
                yield app_state
            finally:
                holder.current = None

    buying = not settings.read_only and DEFAULT_TOOLSET in settings.toolsets
    apps = build_apps(buying=buying, annotations={"review": ADDS, "answer": COMMITS_MONEY}) if settings.apps else None
    server = VoiceToolsServer(
        "voice-tools",
        title="Zendesk Talk phone numbers",
        instructions=INSTRUCTIONS,
        version=__version__,
        lifespan=lifespan,
        log_level="WARNING",
        token_verifier=token_verifier,
        auth=auth,
        request_state_security=request_state_security(settings),
        extensions=[apps] if apps else None,
    )
    server.metrics = parts.metrics
    if apps:  # extensions in the 2025-11-25 initialize answer too, and a log line per session (views/negotiation.py)
        server.middleware.append(AppsNegotiation(apps))
    for spec in TOOLS:
        if settings.read_only and spec.writes:
            continue  # the read-only filter: write tools are not merely refused, they do not exist
        if spec.toolset not in settings.toolsets:
            continue
        page = LINKS.get(spec.fn.__name__) if apps else None
        server.add_tool(
            spec.fn,
            title=spec.title,
            description=spec.description,
            annotations=spec.annotations,
            meta={"ui": {"resourceUri": page}} if page else None,
        )
    for tool in server._tool_manager.list_tools():
        if not compact_schemas:  # the SDK's schemas as they come (the benchmarks' baseline)
            break
        tool.parameters = {**publish_schema(tool.parameters), "additionalProperties": False}  # shared/invalid.py
        if tool.fn_metadata.output_schema is not None:
            tool.fn_metadata.output_schema = publish_schema(tool.fn_metadata.output_schema, descriptions=False)
    for prompt in prompt_files:
        server.add_prompt(prompt.to_prompt())
    register_resources(server, holder)
    register_guides(server)
    register_completions(server, holder, argument_kinds(prompt_files))
    return server
