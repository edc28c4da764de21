"""Serving over streamable HTTP, with the defences an exposed MCP endpoint needs.

- Authentication: with ``VOICE_TOOLS_HTTP_TOKEN`` set, every request must carry
  ``Authorization: Bearer <token>``; with ``VOICE_TOOLS_OAUTH_*`` set, the bearer token is an OAuth access
  token checked at the authorization server's introspection endpoint (``oauth.py``). Either way the SDK's
  bearer middleware checks it before anything runs, and answers 401 with ``WWW-Authenticate`` and RFC
  9728 metadata otherwise. Without either, the server serves loopback addresses only.
- DNS rebinding: Host (and Origin) checks stay on; a non-loopback address must list the host names
  clients use (``VOICE_TOOLS_ALLOWED_HOSTS``).
- Browsers: CORS for exactly the origins the operator lists (``VOICE_TOOLS_ALLOWED_ORIGINS``), so a host
  page on such an origin can call the server with the official MCP client: preflights are answered, and the
  headers that client reads (``Mcp-Session-Id``, ``Mcp-Protocol-Version``, ``WWW-Authenticate``) are
  exposed. Any other origin gets no CORS header at all (and is refused by the Origin check).
- Exhaustion: request bodies are capped (256 KiB: the largest real request is a few KB), sessions are
  capped and expire when idle, headers and bodies must arrive in time, and requests in progress (not
  idle connections, nor a session's event stream) are capped, with a fair share for each caller, 503
  with Retry-After past the cap (``limits.py``).
- Stopping: SIGTERM fails ``/readyz``, waits for the balancer to notice, stops accepting, answers every
  call in progress and exits 0 (``drain.py``).
- ``/metrics`` is served on ``VOICE_TOOLS_METRICS_PORT`` when set, and then not on the MCP port, so a
  balancer that forwards the MCP port cannot publish it.
- The audit trail: each line written to the audit file is also written to stdout, one JSON object a line,
  for the log pipeline (``VOICE_TOOLS_AUDIT_STDOUT``, on by default). Over stdio, stdout is the protocol's
  and never carries it.
"""

from __future__ import annotations

import hmac
import socket
import sys
from typing import Any

import httpx2
import uvicorn
from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from ..app import build_server, server_parts
from ..config.http_settings import HttpSettings
from ..config.serving import ServerSettings
from ..state import sandbox_transport
from ..views.approval_page import approval_routes
from .drain import Drain, DrainingServer
from .health import health_routes
from .limits import GuardedH11Protocol, RequestLimit, answer
from .oauth import IntrospectionTokenVerifier

MAX_BODY_BYTES = 256 * 1024
MAX_SESSIONS = 200
SESSION_IDLE_SECONDS = 10 * 60
# What a browser MCP client sends (streamable HTTP, both protocol eras) and must be able to read back
CORS_REQUEST_HEADERS = (
    "Accept",
    "Authorization",
    "Content-Type",
    "Last-Event-ID",
    "Mcp-Method",
    "Mcp-Name",
    "Mcp-Protocol-Version",
    "Mcp-Session-Id",
)
CORS_EXPOSED_HEADERS = ("Mcp-Session-Id", "Mcp-Protocol-Version", "WWW-Authenticate", "Retry-After")
CORS_MAX_AGE_SECONDS = 600


class StaticTokenVerifier:
    """Accepts exactly one bearer token, compared in constant time (the SDK's TokenVerifier protocol)."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    async def verify_token(self, token: str) -> AccessToken | None:
        if hmac.compare_digest(token.encode(), self._token.get_secret_value().encode()):
            return AccessToken(token=token, client_id="voice-tools-http", scopes=[])
        return None

    def __repr__(self) -> str:
        return "<StaticTokenVerifier>"


def transport_security(http: HttpSettings) -> TransportSecuritySettings:
    """Host and Origin checks on every bind address. The SDK turns them on by itself only for the
    literal names 127.0.0.1, localhost and ::1; bound to any other loopback address (127.0.0.2) it
    would check nothing, and a DNS-rebinding page could reach the server, so the names are listed here."""
    if http.allowed_hosts:  # browsers reach it only from the origins listed (none by default)
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=list(http.allowed_hosts),
            allowed_origins=list(http.allowed_origins),
        )
    names = {"127.0.0.1", "localhost", "[::1]", f"[{http.host}]" if ":" in http.host else http.host}
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=sorted(f"{name}:*" for name in names),
        allowed_origins=sorted({f"http://{name}:*" for name in names} | set(http.allowed_origins)),
    )


def http_app(
    settings: ServerSettings,
    http: HttpSettings,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    verifier: TokenVerifier | None = None,
) -> Starlette:
    """The ASGI app: the MCP server at ``http.path``, behind auth and limits. ``verifier`` replaces the
    one the settings describe (tests give an introspection verifier a fake authorization server)."""
    auth = None
    if http.oauth is not None:
        verifier = verifier or IntrospectionTokenVerifier(http.oauth, http.url)
        scopes = list(http.oauth.required_scopes) or None
        # the verifier checks the token's audience; the SDK checks it again against resource_server_url
        auth = AuthSettings(
            issuer_url=http.oauth.issuer_url,
            resource_server_url=http.url,
            required_scopes=scopes,
            validate_token_resource=True,
        )
    elif http.token is not None:
        verifier = verifier or StaticTokenVerifier(http.token)
        # A static token has no authorization server, so none is advertised: no RFC 9728 metadata (it
        # would name this server as its own authorization server, whose metadata does not exist), and no
        # audience to check. The issuer is required by the SDK's settings type and published nowhere.
        auth = AuthSettings(
            issuer_url=f"http://{http.host}:{http.port}",
            resource_server_url=None,
            required_scopes=None,
            validate_token_resource=False,
        )
    if transport is None and settings.sandbox:
        transport = sandbox_transport()
    parts = server_parts(settings, audit_echo=getattr(sys.stdout, "buffer", None) if http.audit_stdout else None)
    server = build_server(
        settings, transport=transport, token_verifier=verifier if auth else None, auth=auth, parts=parts
    )
    app = server.streamable_http_app(
        streamable_http_path=http.path,
        max_request_body_size=MAX_BODY_BYTES,
        max_sessions=MAX_SESSIONS,
        session_idle_timeout=SESSION_IDLE_SECONDS,
        transport_security=transport_security(http),
        host=http.host,
    )
    for route in approval_routes(parts.links, parts.audit, parts.ledger):  # the secret in the link is the key
        app.router.routes.append(route)
    drain = Drain(http.drain_seconds)
    app.state.drain = drain  # read by uvicorn_server: SIGTERM begins it, /readyz reports it
    parts.stopping.watch(lambda: drain.draining)  # a bulk job pauses at once and releases its claim
    for route in health_routes(settings, parts.ledger, transport, drain=drain):  # outside auth: they do nothing
        app.router.routes.append(route)
    app.router.routes.append(parts.metrics.route())  # counts and latencies only: no number, account or secret
    if http.allowed_origins:
        allow_cors(app, http.allowed_origins)
    return app


def allow_cors(app: Starlette, origins: tuple[str, ...]) -> None:
    """CORS for exactly ``origins``, outside authentication (a preflight carries no token, and a browser
    client must read a 401's ``WWW-Authenticate`` to start OAuth). No credentials mode: the client sends its
    token in ``Authorization``, never a cookie. The Host and Origin checks still run on every request."""
    app.add_middleware(ListedOriginsCors, origins=origins)


class ListedOriginsCors:
    """Starlette's CORS middleware, for requests from a listed origin only: a request from any other origin
    passes by untouched, so it gets no CORS header of any kind (Starlette's middleware would still answer its
    preflight with the allowed methods), and the Origin check refuses it."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self._app = app
        self._origins = frozenset(origins)
        self._cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=list(CORS_REQUEST_HEADERS),
            expose_headers=list(CORS_EXPOSED_HEADERS),
            max_age=CORS_MAX_AGE_SECONDS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and Headers(scope=scope).get("origin") in self._origins:
            await self._cors(scope, receive, send)
        else:
            await self._app(scope, receive, send)


class MetricsPort:
    """ASGI middleware: with a metrics port, ``/metrics`` is served there and nothing else is; on the MCP
    port ``/metrics`` does not exist. Which port a request came in on is the socket's own address."""

    def __init__(self, app: Any, port: int) -> None:
        self.app, self.port = app, port

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            server = scope.get("server")
            on_metrics_port = server is not None and server[1] == self.port
            if on_metrics_port != (scope.get("path") == "/metrics"):
                await answer(send, 404, b"Not Found", [])
                return
        await self.app(scope, receive, send)


def listen(http: HttpSettings) -> list[socket.socket]:
    """The listening sockets (the MCP port, and the metrics port if set), bound before anything announces
    the server: a port already taken is an error at start-up (OSError), not a line saying the server is up
    followed by a failure."""
    first = bind(http.host, http.port)
    if http.metrics_port is None:
        return [first]
    try:
        return [first, bind(http.host, http.metrics_port)]
    except OSError:
        first.close()
        raise


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say they are TCP;
    # without it every small answer waits for the peer's delayed ACK (40 ms on Linux)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: a restart may reuse TIME_WAIT
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def uvicorn_server(app: Starlette, http: HttpSettings, *, grace_seconds: float = 30.0) -> uvicorn.Server:
    """uvicorn with this module's limits (read now: tests lower them) and the stop of ``drain.py``: calls
    in progress get ``grace_seconds`` to be answered (a purchase sent to Zendesk is shielded and settles
    even if its request is cut off then), then the lifespan waits for anything still in flight (bounded
    the same way). Idle and slow sockets are dealt with in ``limits.py``. X-Forwarded-For is believed
    from the trusted proxies only: it names the caller whose fair share of the request slots is counted."""
    limit = RequestLimit(app)
    served: Any = limit if http.metrics_port is None else MetricsPort(limit, http.metrics_port)
    config = uvicorn.Config(
        served,
        host=http.host,
        port=http.port,
        log_level="warning",
        log_config=None,  # uvicorn's loggers go through the root handler: JSON when JSON logging is chosen
        http=GuardedH11Protocol,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=int(grace_seconds) + 1,
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=list(http.trusted_proxies),
    )
    drain: Drain = getattr(app.state, "drain", None) or Drain(http.drain_seconds)
    return DrainingServer(config, limit=limit, drain=drain, grace_seconds=grace_seconds)
