"""Where each client keeps its servers, on each platform, as its documentation says (clients.py cites it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_tools.install.clients import CLIENTS, Places

HOME = Path("/home/ada")
PROJECT = Path("/work/shop")
EXPECTED = {
    ("claude-desktop", "darwin"): "/home/ada/Library/Application Support/Claude/claude_desktop_config.json",
    ("claude-desktop", "win32"): "C:/Users/ada/AppData/Roaming/Claude/claude_desktop_config.json",
    ("claude-desktop", "linux"): "/home/ada/.config/Claude/claude_desktop_config.json",
    ("claude-code", "linux"): "/home/ada/.claude.json",
    ("cursor", "darwin"): "/home/ada/.cursor/mcp.json",
    ("vscode", "darwin"): "/home/ada/Library/Application Support/Code/User/mcp.json",
    ("vscode", "win32"): "C:/Users/ada/AppData/Roaming/Code/User/mcp.json",
    ("vscode", "linux"): "/home/ada/.config/Code/User/mcp.json",
    ("windsurf", "win32"): "/home/ada/.codeium/windsurf/mcp_config.json",
}


@pytest.mark.parametrize(("client", "platform"), sorted(EXPECTED))
def test_user_files(client: str, platform: str) -> None:
    places = Places(HOME, platform, {"APPDATA": "C:/Users/ada/AppData/Roaming"}, PROJECT)
    assert CLIENTS[client].file("user", places) == Path(EXPECTED[client, platform])


def test_xdg_config_home_moves_the_linux_files_and_a_relative_one_is_ignored() -> None:
    moved = Places(HOME, "linux", {"XDG_CONFIG_HOME": "/cfg"}, PROJECT)
    relative = Places(HOME, "linux", {"XDG_CONFIG_HOME": "cfg"}, PROJECT)
    assert CLIENTS["vscode"].file("user", moved) == Path("/cfg/Code/User/mcp.json")
    assert CLIENTS["vscode"].file("user", relative) == Path("/home/ada/.config/Code/User/mcp.json")


def test_project_files_are_in_the_project_and_only_where_the_client_reads_them() -> None:
    places = Places(HOME, "linux", {}, PROJECT)
    assert {n: c.file("project", places) for n, c in CLIENTS.items() if "project" in c.scopes()} == {
        "claude-code": PROJECT / ".mcp.json",
        "cursor": PROJECT / ".cursor/mcp.json",
        "vscode": PROJECT / ".vscode/mcp.json",
    }
    with pytest.raises(ValueError, match="has no project settings"):
        CLIENTS["windsurf"].file("project", places)
