"""Serving over streamable HTTP, with the defences an exposed MCP endpoint needs.

- Authentication: with ``VOICE_TOOLS_HTTP_TOKEN`` set, every request must carry
  ``Authorization: Bearer <token>``; with ``VOICE_TOOLS_OAUTH_*`` set, the bearer token is an OAuth access
  token checked at the authorization server's introspection endpoint (``oauth.py``). Either way the SDK's
  bearer middleware checks it before anything runs, and answers 401 with ``WWW-Authenticate`` and RFC
  9728 metadata otherwise. Without either, the server serves loopback addresses only.
- DNS rebinding: Host (and Origin) checks stay on; a non-loopback address must list the host names
  clients use (``VOICE_TOOLS_ALLOWED_HOSTS``).
- Exhaustion: request bodies are capped (256 KiB: the largest real request is a few KB), sessions are
  capped and expire when idle, headers and bodies must arrive in time, and requests in progress (not
  idle connections) are capped, 503 with Retry-After past the cap (``limits.py``).
"""

from __future__ import annotations

import hmac
import signal
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import FrameType

import httpx2
import uvicorn
from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import SecretStr
from starlette.applications import Starlette

from voice_tools.client import ConfigurationError
from voice_tools.client.config import check_base_url, is_loopback_host

from .app import build_server, server_parts
from .health import health_routes
from .limits import GuardedH11Protocol, RequestLimit
from .oauth import IntrospectionTokenVerifier, OAuthSettings
from .settings import ServerSettings
from .state import sandbox_transport

MAX_BODY_BYTES = 256 * 1024
MAX_SESSIONS = 200
SESSION_IDLE_SECONDS = 10 * 60
MIN_TOKEN_LENGTH = 24


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


@dataclass(frozen=True)
class HttpSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    path: str = "/mcp"
    token: SecretStr | None = None
    allowed_hosts: tuple[str, ...] = field(default=())
    allowed_origins: tuple[str, ...] = field(default=())
    oauth: OAuthSettings | None = None

    @property
    def authenticated(self) -> bool:
        return self.token is not None or self.oauth is not None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.path}"

    @property
    def auth_text(self) -> str:
        if self.oauth is not None:
            return "OAuth access token required"
        return "bearer token required" if self.token is not None else "no authentication: loopback only"

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, host: str, port: int, path: str) -> HttpSettings:
        token = env.get("VOICE_TOOLS_HTTP_TOKEN", "").strip()
        if token and len(token) < MIN_TOKEN_LENGTH:
            raise ConfigurationError(
                f"VOICE_TOOLS_HTTP_TOKEN must be at least {MIN_TOKEN_LENGTH} characters (use 32 random bytes)"
            )
        hosts = tuple(h.strip() for h in env.get("VOICE_TOOLS_ALLOWED_HOSTS", "").split(",") if h.strip())
        origins = tuple(
            o.strip().rstrip("/") for o in env.get("VOICE_TOOLS_ALLOWED_ORIGINS", "").split(",") if o.strip()
        )
        if bad := [o for o in origins if not o.startswith(("https://", "http://"))]:
            raise ConfigurationError(
                f"VOICE_TOOLS_ALLOWED_ORIGINS takes origins like https://app.example.com, not {', '.join(bad)}"
            )
        oauth = _oauth_from_env(env)
        if oauth is not None and token:
            raise ConfigurationError("set VOICE_TOOLS_HTTP_TOKEN or the VOICE_TOOLS_OAUTH_* settings, not both")
        made = cls(
            host=host,
            port=port,
            path=path,
            token=SecretStr(token) if token else None,
            allowed_hosts=hosts,
            allowed_origins=origins,
            oauth=oauth,
        )
        made.check()
        return made

    def check(self) -> None:
        if is_loopback_host(self.host):
            return
        if not self.authenticated:
            raise ConfigurationError(
                f"refusing to serve HTTP on {self.host}: a non-loopback address needs authentication "
                "(set VOICE_TOOLS_HTTP_TOKEN, or VOICE_TOOLS_OAUTH_*; see SECURITY.md)"
            )
        if not self.allowed_hosts:
            raise ConfigurationError(
                f"serving on {self.host} needs VOICE_TOOLS_ALLOWED_HOSTS: the host names clients use, e.g. "
                "voice.internal:8000 (Host checks protect against DNS rebinding)"
            )

    def transport_security(self) -> TransportSecuritySettings:
        """Host and Origin checks on every bind address. The SDK turns them on by itself only for the
        literal names 127.0.0.1, localhost and ::1; bound to any other loopback address (127.0.0.2) it
        would check nothing, and a DNS-rebinding page could reach the server, so the names are listed here."""
        if self.allowed_hosts:  # browsers reach it only from the origins listed (none by default)
            return TransportSecuritySettings(
                enable_dns_rebinding_protection=True,
                allowed_hosts=list(self.allowed_hosts),
                allowed_origins=list(self.allowed_origins),
            )
        names = {"127.0.0.1", "localhost", "[::1]", f"[{self.host}]" if ":" in self.host else self.host}
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=sorted(f"{name}:*" for name in names),
            allowed_origins=sorted({f"http://{name}:*" for name in names} | set(self.allowed_origins)),
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
    parts = server_parts(settings)
    server = build_server(
        settings, transport=transport, token_verifier=verifier if auth else None, auth=auth, parts=parts
    )
    app = server.streamable_http_app(
        streamable_http_path=http.path,
        max_request_body_size=MAX_BODY_BYTES,
        max_sessions=MAX_SESSIONS,
        session_idle_timeout=SESSION_IDLE_SECONDS,
        transport_security=http.transport_security(),
        host=http.host,
    )
    for route in health_routes(settings, parts.ledger, transport):  # outside auth: they do nothing
        app.router.routes.append(route)
    app.router.routes.append(parts.metrics.route())  # counts and latencies only: no number, account or secret
    return app


def _oauth_from_env(env: Mapping[str, str]) -> OAuthSettings | None:
    names = ("ISSUER", "INTROSPECTION_URL", "CLIENT_ID", "CLIENT_SECRET")
    values = {n: env.get(f"VOICE_TOOLS_OAUTH_{n}", "").strip() for n in names}
    if not any(values.values()):
        return None
    if missing := [f"VOICE_TOOLS_OAUTH_{n}" for n, v in values.items() if not v]:
        raise ConfigurationError(f"OAuth resource-server mode needs {', '.join(missing)}")
    for name in ("ISSUER", "INTROSPECTION_URL"):
        try:
            check_base_url(values[name])
        except ConfigurationError:
            raise ConfigurationError(f"VOICE_TOOLS_OAUTH_{name} must be https://..., or http:// to loopback") from None
    scopes = tuple(x for x in env.get("VOICE_TOOLS_OAUTH_SCOPES", "").replace(",", " ").split() if x)
    return OAuthSettings(
        issuer_url=values["ISSUER"],
        introspection_url=values["INTROSPECTION_URL"],
        client_id=values["CLIENT_ID"],
        client_secret=SecretStr(values["CLIENT_SECRET"]),
        required_scopes=scopes,
    )


def listen(http: HttpSettings) -> socket.socket:
    """The listening socket, bound before anything announces the server: a port already taken is an
    error at start-up (OSError), not a line saying the server is up followed by a failure."""
    family = socket.AF_INET6 if ":" in http.host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say they are TCP;
    # without it every small answer waits for the peer's delayed ACK (40 ms on Linux)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: a restart may reuse TIME_WAIT
        sock.bind((http.host, http.port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class GracefulServer(uvicorn.Server):
    """uvicorn, but a SIGTERM it has handled in full (stop accepting, let requests finish, shut the
    lifespan down) ends in exit status 0, as orchestrators expect of a clean stop; plain uvicorn raises
    the signal again at the end, so the process dies by it (status -15)."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if sig == signal.SIGTERM and sig in self._captured_signals:
            self._captured_signals.remove(sig)


def uvicorn_server(app: Starlette, http: HttpSettings, *, grace_seconds: float = 30.0) -> uvicorn.Server:
    """On SIGTERM uvicorn stops accepting, lets requests in progress finish for ``grace_seconds`` (a purchase
    sent to Zendesk is shielded and settles even if its request is cut off then), then shuts down the
    lifespan, which waits for anything still in flight (bounded the same way). Idle and slow sockets are
    dealt with in ``limits.py``: a deadline for headers, a cap on requests in progress (not connections)."""
    config = uvicorn.Config(
        RequestLimit(app),  # the module's limits, read now (tests lower them)
        host=http.host,
        port=http.port,
        log_level="warning",
        http=GuardedH11Protocol,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=int(grace_seconds) + 1,
        server_header=False,
    )
    return GracefulServer(config)
