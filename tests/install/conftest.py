"""What the install tests share: the pinned official MCPB packer, a freshly built wheel, and a way to
start a server exactly as a client's config says and list its tools."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

ROOT = Path(__file__).resolve().parents[2]
PACKER = ROOT / "tools" / "mcpb"
# What a run must not inherit from the developer's shell: an account, settings, another project's venv.
FOREIGN = ("ZENDESK_", "VOICE_TOOLS_", "VIRTUAL_ENV")
# The default tool list, as the committed snapshot has it (a change to the tools updates the snapshot).
DEFAULT_TOOLS = {t["name"] for t in json.loads((ROOT / "tests" / "snapshots" / "tools.json").read_text())}


def clean_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)}
    return {**env, **extra}


def voice_tools(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command line, as a person runs it (stdin is not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "voice_tools", *args],
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else clean_environment(),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


async def tool_names(command: str, args: list[str], env: Mapping[str, str], mode: str = "auto") -> set[str]:
    """Start the server as a client would (only the SDK's default environment plus ``env``) and list its tools."""
    params = StdioServerParameters(command=command, args=args, env=dict(env))
    async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
        return {t.name for t in (await client.list_tools()).tools}


@pytest.fixture(scope="session")
def mcpb() -> Path:
    """The official packer, at the version tools/mcpb/package-lock.json pins, installed by `npm ci`."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: the bundle tests run the official packer (@anthropic-ai/mcpb) from npm")
    pinned = json.loads((PACKER / "package-lock.json").read_text())["packages"]["node_modules/@anthropic-ai/mcpb"]
    installed = PACKER / "node_modules" / "@anthropic-ai" / "mcpb" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != pinned["version"]:
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=PACKER, check=True, timeout=600, capture_output=True
        )
    return PACKER / "node_modules" / ".bin" / "mcpb"


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is missing: the README's commands install it (python3 -m pip install uv)")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([uv, "build", "--wheel", "-q", "-o", str(out)], cwd=ROOT, check=True, timeout=240)
    (built,) = out.glob("*.whl")
    return built
