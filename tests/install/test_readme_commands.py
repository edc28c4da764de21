"""The README's first command installs what the server needs and nothing of the test tooling; the test
command (which .ci/run executes as written) still installs everything the suite needs."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.install.conftest import ROOT, clean_environment

README = (ROOT / "README.md").read_text()
TEST_TOOLS = ("pytest", "mypy", "ruff", "playwright", "hypothesis", "schemathesis", "tiktoken")
NOT_THE_TREE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "__pycache__", "*_cache", ".hypothesis", "dist", "*.mcpb", "bench"
)


def bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)]


def demo_command() -> str:
    return bash_blocks(README)[0]


def readme_test_command() -> str:
    return bash_blocks(README[README.index("<!-- test-command -->") :])[0]


def installed(venv: Path) -> set[str]:
    (site,) = venv.glob("lib/python3*/site-packages")
    return {p.name.split("-")[0].lower().replace("_", "-") for p in site.glob("*.dist-info")}


@pytest.mark.timeout(300)
def test_the_first_command_runs_the_demo_without_installing_any_test_tool(tmp_path: Path) -> None:
    """Run the README's first command (its uv part: uv is already here) in a copy of the tree with no
    environment yet, as a fresh clone is."""
    uv_part = next(p.strip() for p in demo_command().split("&&") if p.strip().startswith("uv "))
    clone = tmp_path / "voice-tools"
    shutil.copytree(ROOT, clone, ignore=NOT_THE_TREE)
    done = subprocess.run(  # noqa: S602 (the README's own command line, as a person types it)
        uv_part, shell=True, cwd=clone, env=clean_environment(), capture_output=True, text=True, timeout=280
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "That was the real server over stdio" in done.stdout
    present = installed(clone / ".venv")
    assert {"mcp", "pydantic", "voice-tools"} <= present
    assert not present & set(TEST_TOOLS), f"the demo installed test tooling: {sorted(present & set(TEST_TOOLS))}"


def test_the_test_command_installs_the_dev_group() -> None:
    """`uv run` installs the default groups, which is `dev` unless pyproject says otherwise."""
    command = readme_test_command()
    assert "uv run --locked pytest" in command and "--no-dev" not in command and "--only" not in command
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["uv"].get("default-groups", ["dev"]) in (["dev"], "all")
    dev = " ".join(pyproject["dependency-groups"]["dev"])
    assert all(tool in dev for tool in TEST_TOOLS)
