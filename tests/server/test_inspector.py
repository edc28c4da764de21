"""The official MCP Inspector CLI (npm @modelcontextprotocol/inspector) sees and calls our tools.

An independent client written by the protocol's maintainers, in another language: if it lists the five
tools with their schemas and a call succeeds, the server speaks the protocol, not just our SDK's dialect.
Installed into a temporary prefix (pinned), so nothing global changes; skipped only where npm is absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"
SERVER = [sys.executable, "-m", "voice_tools", "serve", "--sandbox"]


@pytest.fixture(scope="module")
def inspector(tmp_path_factory: pytest.TempPathFactory) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed on this machine")
    prefix = tmp_path_factory.mktemp("inspector")
    subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--silent", INSPECTOR],
        check=True,
        timeout=600,
        capture_output=True,
    )
    return prefix / "node_modules" / ".bin" / "mcp-inspector"


def run(inspector: Path, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [str(inspector), "--cli", "--format", "json", "-q", *SERVER, *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    body: dict[str, object] = json.loads(done.stdout)
    return body.get("result", body)  # type: ignore[return-value]


def test_inspector_lists_the_five_tools_with_schemas(inspector: Path) -> None:
    listing = run(inspector, "--method", "tools/list")
    tools = {t["name"]: t for t in listing["tools"]}  # type: ignore[attr-defined]
    assert set(tools) == {"search_numbers", "list_numbers", "get_number", "update_settings", "buy_number"}
    for tool in tools.values():
        assert tool["inputSchema"]["type"] == "object" and tool["outputSchema"]["type"] == "object"
        assert "annotations" in tool
    assert tools["buy_number"]["annotations"]["destructiveHint"] is True


def test_inspector_calls_search_numbers_against_the_sandbox(inspector: Path) -> None:
    result = run(
        inspector,
        "--method",
        "tools/call",
        "--tool-name",
        "search_numbers",
        "--tool-arg",
        "country=US",
        "--tool-arg",
        "limit=2",
    )
    assert result.get("isError") in (None, False)
    numbers = result["structuredContent"]["numbers"]  # type: ignore[index]
    assert len(numbers) == 2 and all(n["quote"] for n in numbers)
