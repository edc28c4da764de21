"""Where the client connects and how it authenticates, validated before any request is built.

The subdomain is the only part of a production URL that configuration controls, and it is checked
as a DNS label, so no value (``evil.com/``, ``x@attacker``, ``a.b``) can point the client, and the
credentials it sends, at another host. An explicit base URL exists for the sandbox and tests: it
must be https, or plain http to a loopback address.

Secrets are ``SecretStr``: they print as ``**********`` in any repr, log line or error.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from .errors import ConfigurationError

SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
EMAIL = re.compile(r"^[^@\s/:]+@[^@\s/:]+\.[^@\s/:]+$")


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_subdomain(value: str) -> str:
    """The Zendesk subdomain, lower-cased, or ConfigurationError saying what is wrong with it."""
    candidate = value.strip().lower()
    if candidate.endswith(".zendesk.com"):
        candidate = candidate.removesuffix(".zendesk.com")
    if not SUBDOMAIN.match(candidate):
        raise ConfigurationError(
            f"{value!r} is not a Zendesk subdomain: use just the name before .zendesk.com "
            "(letters, digits and hyphens, e.g. 'acme' for acme.zendesk.com)"
        )
    return candidate


def check_base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigurationError("the base URL must not carry credentials, a query or a fragment")
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return value.rstrip("/")
    if parts.scheme == "http" and is_loopback_host(host):
        return value.rstrip("/")
    raise ConfigurationError("the base URL must be https://..., or http:// to a loopback address (127.0.0.1)")


class ZendeskConfig(BaseModel):
    """One Zendesk account: its subdomain (or an explicit base URL) and one way to authenticate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subdomain: str | None = None
    base_url: str | None = None
    email: str | None = None
    api_token: SecretStr | None = None
    oauth_token: SecretStr | None = None

    @field_validator("subdomain")
    @classmethod
    def _subdomain(cls, value: str | None) -> str | None:
        return None if value is None else check_subdomain(value)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return None if value is None else check_base_url(value)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if not (self.subdomain or self.base_url):
            raise ConfigurationError("set ZENDESK_SUBDOMAIN (e.g. 'acme' for acme.zendesk.com)")
        if self.oauth_token is None:
            if self.email is None or self.api_token is None:
                raise ConfigurationError(
                    "set ZENDESK_EMAIL and ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN, to authenticate"
                )
            if not EMAIL.match(self.email):
                raise ConfigurationError("ZENDESK_EMAIL must be the agent's email address, like admin@acme.com")
        return self

    @property
    def url(self) -> str:
        return self.base_url or f"https://{self.subdomain}.zendesk.com"

    @property
    def account(self) -> str:
        """The account's name, for people and for binding purchase quotes: the subdomain or the host."""
        return self.subdomain or (urlsplit(self.url).netloc)

    def authorization(self) -> str:
        """The Authorization header value (the only place a secret is revealed)."""
        import base64

        if self.oauth_token is not None:
            return f"Bearer {self.oauth_token.get_secret_value()}"
        assert self.email is not None and self.api_token is not None
        raw = f"{self.email}/token:{self.api_token.get_secret_value()}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def secrets(self) -> list[str]:
        """Every form in which this configuration's secrets leave the process, for redaction."""
        header = self.authorization()
        return [header, header.split(" ", 1)[1]] + [
            s.get_secret_value() for s in (self.api_token, self.oauth_token) if s is not None
        ]

    def __repr_args__(self):  # type: ignore[no-untyped-def]
        # the email is half of a credential pair: keep it out of reprs along with the secrets
        for name, value in super().__repr_args__():
            yield name, ("***" if name == "email" and value else value)
