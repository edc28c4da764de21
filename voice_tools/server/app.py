"""The MCP server for one Zendesk account: its tools (each declared in its own module, ``tools/``), prompts,
resources and pages, assembled once.

What the model is offered is decided here, from the declarations: the operator's toolsets, the read-only
filter (write tools are not registered at all), and with dynamic toolsets the ``enable_toolset`` tool; a
call to a tool left out is answered with what it is and how to get it (``shared/toolsets.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import BinaryIO

import httpx2
from mcp.server import MCPServer
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.request_state import RequestStateSecurity

from voice_tools import __version__
from voice_tools.guard import AddressCache, AuditTrail, InFlight, open_ledger
from voice_tools.guard.identity import LedgerMemory
from voice_tools.guard.ledger import MEMORY
from voice_tools.guard.ledger.urls import display_url
from voice_tools.guard.spool import Spool

from .config.environ import quiet_validation_links
from .config.serving import ServerSettings
from .prompts import argument_kinds, default_prompts_dir, load_prompt_files
from .resources import StateHolder, register_completions, register_guides, register_resources
from .sdk import PagesForThisClient, VoiceToolsServer, compact_published_schemas, connection_key
from .shared.toolsets import LoadedToolsets, ToolsetsForThisConnection
from .shared.url_approvals import ApprovalLinks
from .state import AppState, ServerParts, open_state, sandbox_transport
from .tools import REGISTRY
from .transports.loopback import LoopbackPages
from .transports.metrics import Metrics
from .views import build_apps
from .views.approval_page import approval_routes
from .views.negotiation import AppsNegotiation

quiet_validation_links()


INSTRUCTIONS = (
    "Manage the Zendesk Talk phone numbers of one account. Buying a number costs money every month: "
    "never buy without the user's explicit yes to the price. Before changing a number, show the user the "
    "change (update_settings with dry_run=true). For routing wishes (voicemail only, after hours, overflow), "
    "read the resource zendesk-talk://routing-guide first."
)


def request_state_security(settings: ServerSettings) -> RequestStateSecurity | None:
    """Shared keys when the operator set them (replicas: an elicitation answered on any of them), bound
    to this account, so state sealed for one account's server is refused by another's; else the SDK's
    process-local key."""
    if not settings.request_state_keys:
        return None
    keys = [k.get_secret_value() for k in settings.request_state_keys]
    return RequestStateSecurity(keys=keys, audience=f"voice-tools:{settings.account}")


def server_parts(settings: ServerSettings, *, audit_echo: BinaryIO | None = None) -> ServerParts:
    """What the server keeps across lifespans: the ledger, the audit trail, the in-flight counter.
    ``audit_echo``: where each audit line is also written (serve --http's stdout; never stdio's)."""
    metrics = Metrics()
    ledger = metrics.timed(open_ledger(settings.ledger_url, settings.account))
    audit = AuditTrail(settings.audit_log, settings.account, on_line=metrics.audited, echo=audit_echo)
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
        toolsets=LoadedToolsets(settings, REGISTRY, connection_key),
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

    offered = [
        d
        for d in REGISTRY
        if d.toolset in settings.toolsets
        and not (settings.read_only and d.writes)
        and (settings.dynamic_toolsets or not d.dynamic_only)
    ]
    apps = build_apps(d for d in offered if d.app_only) if settings.apps else None
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
    server.middleware.append(PagesForThisClient())  # a client without Apps: the server it had before the pages
    server.middleware.append(ToolsetsForThisConnection(parts.toolsets))  # loaded toolsets; guidance for the rest
    if apps:  # extensions in the 2025-11-25 initialize answer too, and a log line per session (views/negotiation.py)
        server.middleware.append(AppsNegotiation(apps))
    for declared in offered:  # the read-only filter: write tools are not merely refused, they do not exist
        if declared.app_only:
            continue  # registered with the pages (views/), for hosts that show them
        page = declared.page if apps else None
        server.add_tool(
            declared.fn,
            title=declared.title,
            description=declared.description,
            annotations=declared.annotations,
            meta={"ui": {"resourceUri": page}} if page else None,
        )
    if compact_schemas:  # else the SDK's schemas as they come (the benchmarks' baseline)
        compact_published_schemas(server)
    for prompt in prompt_files:
        server.add_prompt(prompt.to_prompt())
    register_resources(server, holder)
    register_guides(server)
    register_completions(server, holder, argument_kinds(prompt_files))
    return server
