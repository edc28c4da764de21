"""What a client negotiated about MCP Apps: stated in the server's answer, and told to the operator.

Hosts learn that a server has pages from ``capabilities.extensions["io.modelcontextprotocol/ui"]``. mcp 2.3
sends it in 2026-07-28's ``server/discover`` answer, but answers a 2025-11-25 ``initialize`` through that
era's frozen schema, which has no ``extensions`` field, so it is dropped there; the official TypeScript SDK
reads it in both eras. ``AppsNegotiation`` is a server middleware (the SDK's public hook on every inbound
message) that puts it back in the ``initialize`` answer, unchanged otherwise.

It also writes one log line per session (per ``initialize``; in 2026-07-28, which has no sessions, once per
client name, version and answer) saying whether the client negotiated Apps, and if not, what it would have
had to advertise: a host that shows no pages is most often one that did not ask for them.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID, Apps, client_supports_apps
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import CLIENT_INFO_META_KEY, PROTOCOL_VERSION_META_KEY

logger = logging.getLogger("voice_tools.sessions")
MODERN_CLIENTS_REMEMBERED = 256  # 2026-07-28 clients already logged (name, version, answer): a bounded memory


def advertises_apps(capabilities: Any) -> bool:
    """The SDK's rule (``client_supports_apps``), on the raw ``initialize`` capabilities: the extension, with
    the Apps MIME type among its ``mimeTypes``."""
    extensions = capabilities.get("extensions") if isinstance(capabilities, Mapping) else None
    settings = extensions.get(EXTENSION_ID) if isinstance(extensions, Mapping) else None
    mime_types = settings.get("mimeTypes") if isinstance(settings, Mapping) else None
    return isinstance(mime_types, list) and APP_MIME_TYPE in mime_types


def _named(info: Any) -> str:
    if not isinstance(info, Mapping):
        return "a client that gave no name"
    name = str(info.get("name") or "unnamed")[:80]
    version = str(info.get("version") or "")[:40]
    return f"client {name!r}" + (f" {version}" if version else "")


def session_line(client: str, version: str, apps: bool, advertised: list[str]) -> str:
    if apps:
        return f"{client} (protocol {version}) negotiated MCP Apps: it is offered the number picker and account pages"
    said = ", ".join(advertised) if advertised else "nothing"
    return (
        f"{client} (protocol {version}) did not negotiate MCP Apps, so it gets the tools without pages; it "
        f"advertised: {said}. A host shows the pages only if it advertises capabilities.extensions"
        f'["{EXTENSION_ID}"] with mimeTypes ["{APP_MIME_TYPE}"]'
    )


def _advertised(capabilities: Any) -> list[str]:
    if not isinstance(capabilities, Mapping):
        return []
    names = [str(k) for k, v in capabilities.items() if k != "extensions" and v is not None]
    extensions = capabilities.get("extensions")
    if isinstance(extensions, Mapping):
        names += [f"extension {k}" for k in extensions]
    return sorted(names)


class AppsNegotiation:
    """Server middleware: ``extensions`` in the 2025-11-25 ``initialize`` answer, and the operator's log line."""

    def __init__(self, apps: Apps) -> None:
        self._extensions = {apps.identifier: apps.settings()}
        self._modern_logged: OrderedDict[tuple[str, str, bool], None] = OrderedDict()

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method == "initialize" and isinstance(result, dict):
            params = ctx.params or {}
            capabilities = result.get("capabilities")
            if isinstance(capabilities, dict) and self._extensions and "extensions" not in capabilities:
                result = {**result, "capabilities": {**capabilities, "extensions": self._extensions}}
            requested = params.get("capabilities")
            line = session_line(
                _named(params.get("clientInfo")),
                str(result.get("protocolVersion", "?")),
                advertises_apps(requested),
                _advertised(requested),
            )
            logger.info("%s", line)
        elif ctx.method == "tools/list" and PROTOCOL_VERSION_META_KEY in (ctx.meta or {}):
            self._log_modern(ctx)  # a 2026-07-28 request: its envelope names the protocol version
        return result

    def _log_modern(self, ctx: ServerRequestContext[Any, Any]) -> None:
        """2026-07-28: each request declares the client's capabilities; log each client once."""
        info = (ctx.meta or {}).get(CLIENT_INFO_META_KEY)
        apps = client_supports_apps(ctx)
        remembered = (_named(info), ctx.protocol_version, apps)
        if remembered in self._modern_logged:
            self._modern_logged.move_to_end(remembered)
            return
        self._modern_logged[remembered] = None
        if len(self._modern_logged) > MODERN_CLIENTS_REMEMBERED:
            self._modern_logged.popitem(last=False)
        capabilities = ctx.session.client_capabilities
        raw = capabilities.model_dump(by_alias=True, exclude_none=True) if capabilities is not None else {}
        logger.info("%s", session_line(remembered[0], ctx.protocol_version, apps, _advertised(raw)))
