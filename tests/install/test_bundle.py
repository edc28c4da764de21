"""The MCP Bundle: manifest.json is generated from the table of variables, the official packer validates
and packs it, and the packed bundle, unpacked and started as its manifest says, serves the account its
form was filled in for."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.install.conftest import DEFAULT_TOOLS, ROOT, clean_environment, tool_names
from voice_tools.install.asked import ASKED
from voice_tools.install.bundle import manifest
from voice_tools.server.config.variables import BY_NAME, SERVED

MANIFEST = ROOT / "manifest.json"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
REQUIRED = {"zendesk_subdomain": "acme", "zendesk_email": "admin@acme.com", "zendesk_api_token": "t0k3n-CANARY"}
# A form filled in as a cautious admin would: every limit other than its default, so the server can only
# show them if the answers reached it.
ANSWERS = REQUIRED | {"max_monthly_price": 10, "max_purchases_per_day": 2, "allowed_countries": "US,CA"}


def as_text(value: object) -> str:
    """An answer as the host puts it in the environment: booleans as true/false, numbers as decimals."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def test_the_committed_manifest_is_the_generated_one() -> None:
    generated = json.dumps(manifest(VERSION), indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("VOICE_TOOLS_UPDATE_SNAPSHOTS") == "1":
        MANIFEST.write_text(generated)
    assert MANIFEST.read_text() == generated, "manifest.json is stale: run with VOICE_TOOLS_UPDATE_SNAPSHOTS=1"


def test_the_form_asks_for_what_the_server_reads_and_hides_what_is_secret() -> None:
    body = json.loads(MANIFEST.read_text())
    options, env = body["user_config"], body["server"]["mcp_config"]["env"]
    assert set(env) <= {v.name for v in SERVED if not v.retired}
    assert {name: value.removeprefix("${user_config.").removesuffix("}") for name, value in env.items()} == {
        a.name: a.key for a in ASKED
    }
    for name, key in ((a.name, a.key) for a in ASKED):
        option, variable = options[key], BY_NAME[name]
        assert option.get("sensitive", False) == variable.secret, name
        if text := as_text(option.get("default", "")):  # the form's default is the server's own (blank: unset)
            assert variable.parse(text) == variable.default, name
    assert [k for k, o in options.items() if o.get("required")] == list(REQUIRED)
    assert options["zendesk_api_token"]["sensitive"] is True
    assert {"max_monthly_price", "max_purchases_per_day"} <= set(options)


def run_packer(mcpb: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(mcpb), *args], capture_output=True, text=True, timeout=180, check=False)


def test_the_official_packer_validates_the_manifest(mcpb: Path) -> None:
    done = run_packer(mcpb, "validate", str(MANIFEST))
    assert done.returncode == 0 and "validation passes" in done.stdout, done.stdout + done.stderr


@pytest.fixture(scope="module")
def unpacked(mcpb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle as a user downloads it: packed from this tree by the official packer, unpacked by it."""
    out = tmp_path_factory.mktemp("bundle")
    packed = run_packer(mcpb, "pack", str(ROOT), str(out / "voice-tools.mcpb"))
    assert packed.returncode == 0, packed.stdout + packed.stderr
    names = zipfile.ZipFile(out / "voice-tools.mcpb").namelist()
    assert {n.split("/")[0] for n in names} == {
        "manifest.json",
        "pyproject.toml",
        "uv.lock",
        "README.md",
        "voice_tools",
        "prompts",
    }
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    unpacked = run_packer(mcpb, "unpack", str(out / "voice-tools.mcpb"), str(out / "extension"))
    assert unpacked.returncode == 0, unpacked.stdout + unpacked.stderr
    return out / "extension"


def host_command(extension: Path) -> tuple[str, list[str], dict[str, str]]:
    """What the host runs, by the manifest: ${__dirname} is the extension's folder, ${user_config.X} the
    answer to X (booleans as true/false, numbers as decimals, an unanswered option its default). For a
    uv bundle the host provides uv; here it is the uv on this machine."""
    body: dict[str, Any] = json.loads((extension / "manifest.json").read_text())
    config = body["server"]["mcp_config"]
    answers = {k: o.get("default", "") for k, o in body["user_config"].items()} | ANSWERS

    def fill(text: str) -> str:
        text = text.replace("${__dirname}", str(extension))
        return re.sub(r"\$\{user_config\.(\w+)\}", lambda m: as_text(answers[m.group(1)]), text)

    command = shutil.which(config["command"]) if config["command"] == "uv" else config["command"]
    assert command, "uv is missing: the README's commands install it"
    return command, [fill(a) for a in config["args"]], {k: fill(v) for k, v in config["env"].items()}


def test_the_unpacked_bundle_starts_for_the_account_in_its_form(unpacked: Path, tmp_path: Path) -> None:
    command, args, env = host_command(unpacked)
    # No network to acme.zendesk.com here: the start-up probe is skipped, everything else is as installed.
    machine = clean_environment(VOICE_TOOLS_STARTUP_CHECK="off", VOICE_TOOLS_STATE_DIR=str(tmp_path))
    done = subprocess.run(
        [command, *args], env={**machine, **env}, input=b"", capture_output=True, timeout=300, check=False
    )
    said = done.stderr.decode()
    assert done.returncode == 0 and said.strip(), said[-2000:]
    line = said.strip().splitlines()[-1]
    assert (
        "account acme.zendesk.com (API token)" in line and "purchases up to 10.00 a month each, 2 a day, CA,US" in line
    )
    assert REQUIRED["zendesk_api_token"] not in said


@pytest.mark.anyio
async def test_the_unpacked_bundle_lists_its_tools(unpacked: Path, tmp_path: Path) -> None:
    command, args, env = host_command(unpacked)
    machine = clean_environment(VOICE_TOOLS_STARTUP_CHECK="off", VOICE_TOOLS_STATE_DIR=str(tmp_path))
    tools = await tool_names(command, args, {**machine, **env})
    assert tools == DEFAULT_TOOLS
