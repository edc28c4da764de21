"""Ledger URLs as they may be shown: in the start-up line and in logs, never with a password."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def display_url(url: str) -> str:
    """The URL without its password, for the start-up line and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:***@" if parts.username else ":***@"
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{user}{parts.hostname or ''}{port}"
    return urlunsplit(parts._replace(netloc=netloc))
