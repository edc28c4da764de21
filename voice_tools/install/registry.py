"""``server.json``: voice-tools as the official MCP Registry describes a server (schema 2025-12-11).

One package, the wheel on PyPI, started as ``uvx voice-tools serve`` over stdio, with the settings a
person is asked for (``asked.py``) as its environment variables: none is required (without an account
the server runs the built-in sandbox), the API token is marked secret. The registry checks that the
PyPI package belongs to this name by finding ``mcp-name: <name>`` in its description (the README).
"""

from __future__ import annotations

from typing import Any

from .asked import ASKED, Asked
from .bundle import DESCRIPTION

SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
NAME = "io.github.voice-tools/voice-tools"  # the namespace must be the publisher's (GitHub account or domain)
PACKAGE = "voice-tools"


def environment_variable(asked: Asked) -> dict[str, Any]:
    variable: dict[str, Any] = {
        "name": asked.name,
        "description": asked.description(),
        "isRequired": False,
        "isSecret": asked.secret,
        "format": asked.kind,
    }
    default = asked.default()
    if default not in (None, ""):
        variable["default"] = str(default).lower() if isinstance(default, bool) else str(default)
    if choices := asked.choices():
        variable["choices"] = choices
    return variable


def server_json(version: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "name": NAME,
        "title": "Zendesk Talk phone numbers",
        "description": DESCRIPTION,
        "version": version,
        "packages": [
            {
                "registryType": "pypi",
                "registryBaseUrl": "https://pypi.org",
                "identifier": PACKAGE,
                "version": version,
                "runtimeHint": "uvx",
                "transport": {"type": "stdio"},
                "packageArguments": [{"type": "positional", "value": "serve"}],
                "environmentVariables": [environment_variable(a) for a in ASKED],
            }
        ],
    }
