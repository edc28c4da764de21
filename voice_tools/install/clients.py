"""The chat clients ``voice-tools config`` knows: where each keeps its MCP servers, and in what shape.

Each entry cites the client's own documentation (as read in November 2026). Two shapes exist:
``{"mcpServers": {name: {command, args, env}}}`` (Claude Desktop, Claude Code, Cursor, Windsurf) and
VS Code's ``{"servers": {name: {"type": "stdio", ...}}, "inputs": [...]}``. A file a team shares (a
project's ``.mcp.json``, ``.cursor/mcp.json``, ``.vscode/mcp.json``) never holds the API token: it holds
the client's own way of asking for it or reading it from the environment (``secret_reference``).

Kept free of third-party imports: the ``config`` subcommand's parser is built on every start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Scope = Literal["user", "project"]
SCOPES: tuple[Scope, ...] = ("user", "project")
TOKEN = "ZENDESK_API_TOKEN"  # noqa: S105 (the variable's name, not a secret)
VSCODE_TOKEN_INPUT = "zendesk-api-token"  # noqa: S105 (an input's id)


@dataclass(frozen=True)
class Places:
    """Where a user's files are: the home folder, the platform (``sys.platform``), the environment the
    command runs in (for APPDATA and XDG_CONFIG_HOME) and the project folder (the current one)."""

    home: Path
    platform: str
    env: Mapping[str, str]
    project: Path

    def app_data(self) -> Path:
        """The folder desktop apps keep their settings in: Application Support on macOS, %APPDATA% on
        Windows, $XDG_CONFIG_HOME (else ~/.config) elsewhere."""
        if self.platform == "darwin":
            return self.home / "Library" / "Application Support"
        if self.platform == "win32":
            return Path(self.env.get("APPDATA") or self.home / "AppData" / "Roaming")
        xdg = self.env.get("XDG_CONFIG_HOME", "")
        return Path(xdg) if xdg and Path(xdg).is_absolute() else self.home / ".config"


@dataclass(frozen=True)
class Client:
    name: str  # the argument of ``voice-tools config``
    title: str
    key: str  # the object that maps server names to servers
    user_file: Callable[[Places], Path]
    project_file: str | None  # relative to the project folder; None: the client has user settings only
    docs: str  # where the client documents the file
    typed: bool = False  # each server says "type": "stdio"
    # How a shared file refers to the token instead of holding it, by scope ({name}: the variable).
    secret_reference: dict[Scope, str] = field(default_factory=dict)
    after: str = ""  # what to do once the file is written

    def file(self, scope: Scope, places: Places) -> Path:
        if scope == "project":
            if self.project_file is None:
                raise ValueError(f"{self.title} has no project settings; use --scope user")
            return places.project / self.project_file
        return self.user_file(places)

    def scopes(self) -> tuple[Scope, ...]:
        return SCOPES if self.project_file else ("user",)


CLIENTS: dict[str, Client] = {
    c.name: c
    for c in (
        Client(
            # https://modelcontextprotocol.io/quickstart/user: claude_desktop_config.json in
            # ~/Library/Application Support/Claude (macOS) or %APPDATA%\Claude (Windows); there is no official
            # Linux build, and the community's builds read ~/.config/Claude. "mcpServers": {command, args, env}.
            name="claude-desktop",
            title="Claude Desktop",
            key="mcpServers",
            user_file=lambda p: p.app_data() / "Claude" / "claude_desktop_config.json",
            project_file=None,
            docs="https://modelcontextprotocol.io/quickstart/user",
            after="Quit Claude Desktop completely and open it again to load it.",
        ),
        Client(
            # https://code.claude.com/docs/en/mcp: scope user lives in ~/.claude.json ("mcpServers" at the top),
            # scope project in .mcp.json at the project's root, which Claude Code expands ${VAR} in (command,
            # args, env). Entries carry "type": "stdio". `claude mcp add --scope user|project` writes the same.
            name="claude-code",
            title="Claude Code",
            key="mcpServers",
            user_file=lambda p: p.home / ".claude.json",
            project_file=".mcp.json",
            docs="https://code.claude.com/docs/en/mcp",
            typed=True,
            secret_reference={"project": "${{{name}}}"},
            after="Start a new Claude Code session (`/mcp` lists it; a project's .mcp.json asks to be approved). Write "
            "~/.claude.json while no session runs: a running one may save over it.",
        ),
        Client(
            # https://cursor.com/docs/mcp: ~/.cursor/mcp.json for every project, .cursor/mcp.json for one;
            # "mcpServers": {command, args, env}, and ${env:NAME} is read from the environment.
            name="cursor",
            title="Cursor",
            key="mcpServers",
            user_file=lambda p: p.home / ".cursor" / "mcp.json",
            project_file=".cursor/mcp.json",
            docs="https://cursor.com/docs/mcp",
            secret_reference={"project": "${{env:{name}}}"},
            after="Cursor loads it on its own; check Settings > MCP for its tools.",
        ),
        Client(
            # https://code.visualstudio.com/docs/copilot/reference/mcp-configuration: .vscode/mcp.json in a
            # workspace, or mcp.json in the user profile (Code/User in the app-data folder); "servers":
            # {type: "stdio", command, args, env}; "inputs" of type promptString with "password": true are
            # asked for once and stored securely, and ${input:id} refers to them.
            name="vscode",
            title="VS Code",
            key="servers",
            user_file=lambda p: p.app_data() / "Code" / "User" / "mcp.json",
            project_file=".vscode/mcp.json",
            docs="https://code.visualstudio.com/docs/copilot/reference/mcp-configuration",
            typed=True,
            secret_reference={
                "user": "${{input:" + VSCODE_TOKEN_INPUT + "}}",
                "project": "${{input:" + VSCODE_TOKEN_INPUT + "}}",
            },
            after="VS Code asks for the API token when the server first starts (MCP: List Servers).",
        ),
        Client(
            # https://docs.windsurf.com/windsurf/cascade/mcp: ~/.codeium/windsurf/mcp_config.json (on Windows
            # in %USERPROFILE%, the home folder); "mcpServers": {command, args, env}.
            name="windsurf",
            title="Windsurf",
            key="mcpServers",
            user_file=lambda p: p.home / ".codeium" / "windsurf" / "mcp_config.json",
            project_file=None,
            docs="https://docs.windsurf.com/windsurf/cascade/mcp",
            after="Press refresh in Cascade's MCP panel (or restart Windsurf) to load it.",
        ),
    )
}


def vscode_token_input() -> dict[str, object]:
    """VS Code's prompt for the token: typed hidden, stored in its secret storage, never in the file."""
    return {
        "type": "promptString",
        "id": VSCODE_TOKEN_INPUT,
        "description": "Zendesk API token (Admin Center > Apps and integrations > Zendesk API)",
        "password": True,
    }
