"""The MCP Bundle's ``manifest.json``: Claude Desktop installs voice-tools from it in one click.

The bundle is this repository's own ``pyproject.toml``, ``uv.lock`` and package (``.mcpbignore`` keeps
the rest out), of server type ``uv`` (manifest 0.4): the host provides uv, which installs the locked
runtime dependencies (never the dev group) and runs ``voice-tools serve``. The form the host shows is
``user_config``, generated from the table of variables (``asked.py``): subdomain, email and API token
(sensitive, so the host masks it and keeps it in the system's secret store), then the spend policy.
Each answer reaches the server as the environment variable it stands for.

Spec: MANIFEST.md of the MCPB repository (github.com/modelcontextprotocol/mcpb), manifest 0.4; the
packer (npm ``@anthropic-ai/mcpb``, pinned in tools/mcpb) validates it.
"""

from __future__ import annotations

from typing import Any

from .asked import ASKED, Asked

MANIFEST_VERSION = "0.4"
BUNDLE_ARGS = ["run", "--directory", "${__dirname}", "--frozen", "--no-dev", "--quiet", "voice-tools", "serve"]
DESCRIPTION = "Find, buy and manage a Zendesk Talk account's phone numbers; a person says yes before any purchase."
LONG_DESCRIPTION = """\
voice-tools lets Claude search for numbers to buy, list and inspect the account's numbers, change their \
routing and settings, and buy a number only after you have said yes to its price.

The spend policy you set here is enforced by the server, whatever the conversation says: a ceiling on one \
number's monthly price, a daily cap on purchases, the countries allowed. Every purchase is audited. Read-only \
mode removes every tool that writes.
"""
PRIVACY_POLICIES = ["https://www.zendesk.com/company/agreements-and-terms/privacy-notice/"]


def user_config_option(asked: Asked) -> dict[str, Any]:
    option: dict[str, Any] = {"type": asked.kind, "title": asked.title, "description": asked.description()}
    if asked.required:
        option["required"] = True
    if asked.secret:
        option["sensitive"] = True
    if (default := asked.default()) is not None:
        option["default"] = default
    if (minimum := asked.minimum()) is not None:
        option["min"] = minimum
    if (maximum := asked.maximum()) is not None:
        option["max"] = maximum
    return option


def manifest(version: str) -> dict[str, Any]:
    """The manifest for the package at ``version`` (pyproject's)."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "name": "voice-tools",
        "display_name": "Zendesk Talk phone numbers",
        "version": version,
        "description": DESCRIPTION,
        "long_description": LONG_DESCRIPTION,
        "author": {"name": "voice-tools contributors"},
        "license": "MIT",
        "keywords": ["zendesk", "zendesk talk", "phone numbers", "telephony", "support"],
        "privacy_policies": PRIVACY_POLICIES,
        "server": {
            "type": "uv",
            "entry_point": "voice_tools/__main__.py",
            "mcp_config": {
                "command": "uv",
                "args": BUNDLE_ARGS,
                "env": {a.name: f"${{user_config.{a.key}}}" for a in ASKED},
            },
        },
        "compatibility": {"platforms": ["darwin", "win32", "linux"], "runtimes": {"python": ">=3.11"}},
        "user_config": {a.key: user_config_option(a) for a in ASKED},
    }
