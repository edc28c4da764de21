"""``serve --http``'s settings: where it listens, who may call it, from the table and the command line.

The rules that involve several settings live here: a non-loopback address needs authentication and the
host names clients use; a static token and OAuth are not both set; OAuth needs all four of its settings.
Port and path come from the command line and are checked as the variables are, so a mistake is one
line naming the flag, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from voice_tools.client import ConfigurationError
from voice_tools.client.config import check_base_url, is_loopback_host

from .environ import Environment

OAUTH_PARTS = ("ISSUER", "INTROSPECTION_URL", "CLIENT_ID", "CLIENT_SECRET")
PATH = re.compile(r"^/[A-Za-z0-9._~\-/]*$")


@dataclass(frozen=True)
class OAuthSettings:
    issuer_url: str
    introspection_url: str
    client_id: str
    client_secret: SecretStr
    required_scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class HttpSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    path: str = "/mcp"
    token: SecretStr | None = None
    allowed_hosts: tuple[str, ...] = field(default=())
    allowed_origins: tuple[str, ...] = field(default=())
    oauth: OAuthSettings | None = None
    drain_seconds: float = 0.0  # on SIGTERM, how long /readyz fails before the listener closes
    metrics_port: int | None = None  # /metrics on its own port (None: on the MCP port)
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")  # whose X-Forwarded-For names the caller
    audit_stdout: bool = True  # each audit line also on stdout, for the log pipeline

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
    def from_env(cls, env: Mapping[str, str], *, host: str, port: int | str, path: str) -> HttpSettings:
        values = Environment(env)
        token = values.get("VOICE_TOOLS_HTTP_TOKEN")
        oauth = _oauth(values)
        if oauth is not None and token:
            raise ConfigurationError("set VOICE_TOOLS_HTTP_TOKEN or the VOICE_TOOLS_OAUTH_* settings, not both")
        made = cls(
            host=host,
            port=check_port(port),
            path=check_path(path),
            token=SecretStr(token) if token else None,
            allowed_hosts=values.get("VOICE_TOOLS_ALLOWED_HOSTS"),
            allowed_origins=values.get("VOICE_TOOLS_ALLOWED_ORIGINS"),
            oauth=oauth,
            drain_seconds=values.get("VOICE_TOOLS_DRAIN"),
            metrics_port=values.get("VOICE_TOOLS_METRICS_PORT"),
            trusted_proxies=values.get("VOICE_TOOLS_TRUSTED_PROXIES"),
            audit_stdout=values.get("VOICE_TOOLS_AUDIT_STDOUT"),
        )
        made.check()
        return made

    def check(self) -> None:
        if self.metrics_port == self.port:
            raise ConfigurationError(
                f"VOICE_TOOLS_METRICS_PORT must differ from --port ({self.port}): /metrics gets a port of its own"
            )
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


def check_port(port: int | str) -> int:
    text = str(port).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ConfigurationError(f"--port must be a whole number from 1 to 65535 (got {text!r})")
    return int(text)


def check_path(path: str) -> str:
    if not PATH.fullmatch(path) or "//" in path or (path.endswith("/") and path != "/"):
        raise ConfigurationError(f"--path must start with / and name a path like /mcp (got {path!r})")
    return path


def _oauth(values: Environment) -> OAuthSettings | None:
    given = {part: values.text(f"VOICE_TOOLS_OAUTH_{part}") for part in OAUTH_PARTS}
    if not any(given.values()):
        return None
    if missing := [f"VOICE_TOOLS_OAUTH_{part}" for part, value in given.items() if not value]:
        raise ConfigurationError(f"OAuth resource-server mode needs {', '.join(missing)}")
    for part in ("ISSUER", "INTROSPECTION_URL"):
        try:
            check_base_url(given[part])
        except ConfigurationError:
            raise ConfigurationError(f"VOICE_TOOLS_OAUTH_{part} must be https://..., or http:// to loopback") from None
    return OAuthSettings(
        issuer_url=given["ISSUER"],
        introspection_url=given["INTROSPECTION_URL"],
        client_id=given["CLIENT_ID"],
        client_secret=SecretStr(given["CLIENT_SECRET"]),
        required_scopes=tuple(s for item in values.get("VOICE_TOOLS_OAUTH_SCOPES") for s in item.split()),
    )
