"""One server's entry in a client's file, and the snippet ``voice-tools config`` prints.

The entry is the launcher (absolute paths), its arguments and the environment block: nothing for the
sandbox, or the account's subdomain, email and API token and any other setting asked for. Where the
token goes depends on the file: the token itself in a file private to the user (written by ``--write``,
never printed), the client's reference to it in a file a team shares.
"""

from __future__ import annotations

import shlex
from typing import Any

from .clients import TOKEN, Client, Scope, vscode_token_input
from .launcher import Launcher

TOKEN_PLACEHOLDER = "<your Zendesk API token>"  # noqa: S105 (what a printed config holds instead of it)


def server_entry(client: Client, launcher: Launcher, env: dict[str, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "stdio"} if client.typed else {}
    entry["command"] = launcher.command
    entry["args"] = list(launcher.args)
    if env:
        entry["env"] = dict(env)
    return entry


def uses_token_input(client: Client, env: dict[str, str]) -> bool:
    """Whether the entry refers to VS Code's hidden prompt for the token (which the file must declare)."""
    return env.get(TOKEN, "").startswith("${input:")


def snippet(client: Client, name: str, entry: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """What a person pastes into the client's file: the entry under the client's key (and, for VS Code,
    the input that asks for the token)."""
    document: dict[str, Any] = {}
    if uses_token_input(client, env):
        document["inputs"] = [vscode_token_input()]
    document[client.key] = {name: entry}
    return document


def claude_mcp_add(name: str, launcher: Launcher, env: dict[str, str], scope: Scope) -> str:
    """The ``claude mcp add`` command that registers the same server (Claude Code's documented way).
    The token is never in it: for scope user the shell fills in $ZENDESK_API_TOKEN from its own
    environment; for scope project, Claude Code keeps the reference and expands it at each start."""
    words = ["claude", "mcp", "add", "--scope", scope, "--transport", "stdio", name]
    parts = [shlex.join(words)]
    for key, value in env.items():
        if key != TOKEN:
            parts.append(f"--env {shlex.quote(f'{key}={value}')}")
        elif scope == "project":
            parts.append(f"--env '{TOKEN}=${{{TOKEN}}}'")
        else:
            parts.append(f'--env "{TOKEN}=${TOKEN}"')
    parts.append("-- " + shlex.join([launcher.command, *launcher.args]))
    return " ".join(parts)
