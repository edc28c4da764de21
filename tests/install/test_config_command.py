"""`voice-tools config <client>`: the config it prints starts the server from a desktop app's bare
environment, `--write` merges without losing anything, and the API token is never shown."""

from __future__ import annotations

import json
import os
import pty
import select
import shlex
import stat
import sys
import time
from pathlib import Path

import pytest

from tests.harness import ERAS
from tests.install.conftest import DEFAULT_TOOLS, clean_environment, tool_names, voice_tools
from tests.processes import standalone_sandbox
from voice_tools.install.clients import CLIENTS

SANDBOX_EMAIL, SANDBOX_TOKEN = "admin@example.com", "sandbox-api-token"  # the standalone sandbox's account
CANARY = "tok-CANARY-7f3a9b"  # a token that must never appear in anything printed


def printed(client: str, *args: str, **env: str) -> dict[str, object]:
    done = voice_tools("config", client, *args, env=clean_environment(**env))
    assert done.returncode == 0, done.stderr
    document: dict[str, object] = json.loads(done.stdout)
    return document


def is_an_absolute_program(command: str) -> bool:
    path = Path(command)
    return path.is_absolute() and path.is_file() and os.access(path, os.X_OK)


def desktop_bare_environment(home: Path) -> dict[str, str]:
    """What a desktop app gives a server it starts, at worst: no PATH to find anything on, and a home
    of its own (so the test writes nothing into the real one)."""
    return {"PATH": "/nonexistent", "HOME": str(home)}


@pytest.mark.anyio
@pytest.mark.parametrize("era", ERAS)
async def test_the_printed_claude_desktop_config_starts_the_server_without_path(tmp_path: Path, era: str) -> None:
    entry = printed("claude-desktop")["mcpServers"]["zendesk-talk"]  # type: ignore[index]
    assert is_an_absolute_program(entry["command"])
    env = {**entry.get("env", {}), **desktop_bare_environment(tmp_path)}
    assert await tool_names(entry["command"], entry["args"], env, mode=era) == DEFAULT_TOOLS


@pytest.mark.anyio
async def test_a_written_real_account_config_reaches_the_account(tmp_path: Path) -> None:
    """--write with --email and an account's URL (the standalone sandbox here, a subdomain for Zendesk),
    the token read from the environment: the file's entry starts a server that lists the account's numbers."""
    from mcp import Client, StdioServerParameters

    config = tmp_path / "claude_desktop_config.json"
    with standalone_sandbox() as url:
        done = voice_tools(
            "config",
            "claude-desktop",
            "--write",
            "--file",
            str(config),
            "--email",
            SANDBOX_EMAIL,
            "--env",
            f"VOICE_TOOLS_ZENDESK_BASE_URL={url}",
            "--env",
            "VOICE_TOOLS_MAX_MONTHLY_PRICE=10",
            env=clean_environment(ZENDESK_API_TOKEN=SANDBOX_TOKEN),
        )
        assert done.returncode == 0, done.stderr
        assert SANDBOX_TOKEN not in done.stdout + done.stderr
        entry = json.loads(config.read_text())["mcpServers"]["zendesk-talk"]
        assert entry["env"] == {
            "ZENDESK_EMAIL": SANDBOX_EMAIL,
            "ZENDESK_API_TOKEN": SANDBOX_TOKEN,
            "VOICE_TOOLS_ZENDESK_BASE_URL": url,
            "VOICE_TOOLS_MAX_MONTHLY_PRICE": "10",
        }
        env = {**entry["env"], **desktop_bare_environment(tmp_path)}
        async with Client(StdioServerParameters(command=entry["command"], args=entry["args"], env=env)) as client:
            listed = await client.call_tool("list_numbers", {"country": "US"})
    assert not listed.is_error and listed.structured_content["matched"] > 0
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # a new file holding a token: its owner's only


def test_write_merges_keeping_every_other_server_and_setting(tmp_path: Path) -> None:
    config = tmp_path / "claude_desktop_config.json"
    before = {
        "globalShortcut": "Ctrl+Space",
        "mcpServers": {"files": {"command": "/usr/bin/files-mcp", "args": ["--root", "/srv"]}},
    }
    config.write_text(json.dumps(before))
    config.chmod(0o640)
    done = voice_tools("config", "claude-desktop", "--write", "--file", str(config))
    assert done.returncode == 0, done.stderr
    after = json.loads(config.read_text())
    assert after["globalShortcut"] == "Ctrl+Space"
    assert after["mcpServers"]["files"] == before["mcpServers"]["files"]
    assert after["mcpServers"]["zendesk-talk"]["args"] == ["serve", "--sandbox"]
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    (backup,) = tmp_path.glob("claude_desktop_config.json.bak-*")
    assert json.loads(backup.read_text()) == before
    assert "Added zendesk-talk" in done.stdout and "1 other server kept" in done.stdout

    again = voice_tools(
        "config", "claude-desktop", "--write", "--file", str(config), "--env", "VOICE_TOOLS_READ_ONLY=yes"
    )
    assert again.returncode == 0 and "Replaced zendesk-talk" in again.stdout
    servers = json.loads(config.read_text())["mcpServers"]
    assert set(servers) == {"files", "zendesk-talk"} and servers["zendesk-talk"]["env"] == {
        "VOICE_TOOLS_READ_ONLY": "yes"
    }
    assert len(list(tmp_path.glob("claude_desktop_config.json.bak-*"))) == 2  # the first backup is not overwritten
    assert not list(tmp_path.glob(".claude_desktop_config.json.*.tmp"))  # no temporary file left behind


def test_write_goes_through_a_symlink_and_leaves_it_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "mcp.json"
    real.parent.mkdir()
    real.write_text('{"mcpServers": {}}')
    link = tmp_path / "mcp.json"
    link.symlink_to(real)
    assert voice_tools("config", "cursor", "--write", "--file", str(link)).returncode == 0
    assert link.is_symlink() and "zendesk-talk" in json.loads(real.read_text())["mcpServers"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"mcpServers": {}, // mine\n}', "not plain JSON"),
        ("[1, 2]", "not an object"),
        ('{"mcpServers": []}', '"mcpServers" is not an object'),
    ],
)
def test_a_file_that_cannot_be_merged_is_left_untouched(tmp_path: Path, content: str, reason: str) -> None:
    config = tmp_path / "mcp.json"
    config.write_text(content)
    done = voice_tools("config", "cursor", "--write", "--file", str(config))
    assert done.returncode == 2 and reason in done.stderr and "nothing was changed" in done.stderr
    assert config.read_text() == content and list(tmp_path.iterdir()) == [config]


def test_the_token_is_never_printed_and_written_only_where_private(tmp_path: Path) -> None:
    shown = voice_tools(
        "config",
        "claude-desktop",
        "--subdomain",
        "acme",
        "--email",
        "a@acme.com",
        env=clean_environment(ZENDESK_API_TOKEN=CANARY),
    )
    assert shown.returncode == 0 and CANARY not in shown.stdout + shown.stderr
    entry = json.loads(shown.stdout)["mcpServers"]["zendesk-talk"]
    assert entry["env"]["ZENDESK_API_TOKEN"] == "<your Zendesk API token>"
    assert "never printed" in shown.stderr

    for client in ("cursor", "vscode", "claude-code"):  # shared project files: a reference, never the token
        done = voice_tools(
            "config",
            client,
            "--scope",
            "project",
            "--write",
            "--subdomain",
            "acme",
            "--email",
            "a@acme.com",
            env=clean_environment(ZENDESK_API_TOKEN=CANARY),
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        assert CANARY not in done.stdout + done.stderr
    for name in (".cursor/mcp.json", ".vscode/mcp.json", ".mcp.json"):
        assert CANARY not in (tmp_path / name).read_text()


def test_without_a_token_or_a_terminal_nothing_is_written(tmp_path: Path) -> None:
    config = tmp_path / "claude_desktop_config.json"
    done = voice_tools(
        "config", "claude-desktop", "--write", "--file", str(config), "--subdomain", "acme", "--email", "a@acme.com"
    )
    assert done.returncode == 2 and "set ZENDESK_API_TOKEN" in done.stderr
    assert not config.exists()


def _run_in_a_terminal(argv: list[str], env: dict[str, str], answer: str) -> str:
    """Run ``argv`` with a terminal of its own, type ``answer`` at the first prompt, return all it showed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes the command, the terminal its stdin, stdout and stderr
        os.execve(argv[0], argv, env)  # noqa: S606 (the test's own command line, no shell)
    shown, answered, deadline = b"", False, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if not answered and b"typing is hidden" in shown:
                os.write(fd, answer.encode() + b"\n")
                answered = True
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    assert answered and os.waitstatus_to_exitcode(status) == 0, shown.decode(errors="replace")
    return shown.decode(errors="replace")


def test_the_token_asked_for_in_a_terminal_is_not_echoed(tmp_path: Path) -> None:
    config = tmp_path / "windsurf.json"
    argv = [
        sys.executable,
        "-m",
        "voice_tools",
        "config",
        "windsurf",
        "--write",
        "--file",
        str(config),
        "--subdomain",
        "acme",
        "--email",
        "a@acme.com",
    ]
    shown = _run_in_a_terminal(argv, clean_environment(), CANARY)
    assert CANARY not in shown
    assert json.loads(config.read_text())["mcpServers"]["zendesk-talk"]["env"]["ZENDESK_API_TOKEN"] == CANARY


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--subdomain", "acme corp", "--email", "a@acme.com"], "ZENDESK_SUBDOMAIN: 'acme corp' is not a Zendesk"),
        (["--subdomain", "acme"], "needs --email too"),
        (["--env", "VOICE_TOOL_READ_ONLY=yes"], "did you mean VOICE_TOOLS_READ_ONLY?"),
        (["--env", "VOICE_TOOLS_ALLOWED_COUNTRIES=UK"], "write GB, not UK"),
        (["--env", "VOICE_TOOLS_READ_ONLY"], "--env takes NAME=VALUE"),
        (["--env", "ZENDESK_API_TOKEN=abc"], "is a secret and is not taken on the command line"),
        (["--env", "ZENDESK_SUBDOMAIN=acme"], "give ZENDESK_SUBDOMAIN with --subdomain"),
        (["--scope", "project"], "user settings only"),
        (["--name", "zendesk talk"], "--name takes letters"),
    ],
)
def test_every_mistake_is_one_line_and_exit_2(args: list[str], says: str) -> None:
    done = voice_tools("config", "windsurf", *args)
    assert done.returncode == 2 and done.stdout == ""
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_each_client_gets_its_own_shape(client: str, tmp_path: Path) -> None:
    """Each client's documented shape, for a real account; written into an empty file it reads back the same."""
    account = ["--subdomain", "acme", "--email", "a@acme.com"]
    if client == "claude-code":
        done = voice_tools("config", client, *account)
        words = shlex.split(done.stdout.replace("$ZENDESK_API_TOKEN", "TOKEN"))
        assert words[:8] == ["claude", "mcp", "add", "--scope", "user", "--transport", "stdio", "zendesk-talk"]
        assert "ZENDESK_API_TOKEN=TOKEN" in words  # the shell fills it in; it is never printed
        command = words[words.index("--") + 1 :]
        assert is_an_absolute_program(command[0]) and command[1:] == ["serve"]
        return
    document = printed(client, *account)
    key = "servers" if client == "vscode" else "mcpServers"
    entry = document[key]["zendesk-talk"]  # type: ignore[index]
    assert ("type" in entry) == CLIENTS[client].typed
    if client == "vscode":
        assert entry["env"]["ZENDESK_API_TOKEN"] == "${input:zendesk-api-token}"
        assert document["inputs"] == [
            {
                "type": "promptString",
                "id": "zendesk-api-token",
                "description": document["inputs"][0]["description"],  # type: ignore[index]
                "password": True,
            }
        ]
    written = tmp_path / "config.json"
    done = voice_tools(
        "config", client, *account, "--write", "--file", str(written), env=clean_environment(ZENDESK_API_TOKEN="t")
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(written.read_text())[key]["zendesk-talk"]["command"] == entry["command"]


def test_project_files_refer_to_the_token_the_way_each_client_documents(tmp_path: Path) -> None:
    account = ["--scope", "project", "--write", "--subdomain", "acme", "--email", "a@acme.com"]
    for client in ("claude-code", "cursor", "vscode"):
        assert voice_tools("config", client, *account, cwd=tmp_path).returncode == 0
    mcp = json.loads((tmp_path / ".mcp.json").read_text())["mcpServers"]["zendesk-talk"]
    cursor = json.loads((tmp_path / ".cursor/mcp.json").read_text())["mcpServers"]["zendesk-talk"]
    vscode = json.loads((tmp_path / ".vscode/mcp.json").read_text())
    assert mcp["type"] == "stdio" and mcp["env"]["ZENDESK_API_TOKEN"] == "${ZENDESK_API_TOKEN}"
    assert cursor["env"]["ZENDESK_API_TOKEN"] == "${env:ZENDESK_API_TOKEN}"
    assert vscode["servers"]["zendesk-talk"]["env"]["ZENDESK_API_TOKEN"] == "${input:zendesk-api-token}"
    assert [i["id"] for i in vscode["inputs"]] == ["zendesk-api-token"] and vscode["inputs"][0]["password"] is True


def test_a_file_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("")
    done = voice_tools("config", "cursor", "--write", "--file", str(tmp_path / "not-a-folder" / "mcp.json"))
    assert done.returncode == 2 and "cannot write" in done.stderr and "Traceback" not in done.stderr
