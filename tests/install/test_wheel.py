"""The wheel a user installs without cloning: `uvx --from <wheel> voice-tools serve` is the server.

uvx resolves the wheel's own dependency ranges from the package index (as `uvx voice-tools` will from
PyPI, which is what server.json tells registry clients to run), so this also proves the published
metadata, not only the lock file, makes a working server.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.harness import ERAS
from tests.install.conftest import DEFAULT_TOOLS, clean_environment, tool_names

pytestmark = pytest.mark.anyio


@pytest.mark.timeout(300)
@pytest.mark.parametrize("era", ERAS)
async def test_uvx_runs_the_wheel_as_the_server(wheel: Path, tmp_path: Path, era: str) -> None:
    uvx = shutil.which("uvx")
    assert uvx, "uvx is missing: it comes with uv, which the README's commands install"
    env = clean_environment(VOICE_TOOLS_STATE_DIR=str(tmp_path))
    tools = await tool_names(uvx, ["--from", str(wheel), "voice-tools", "serve"], env, mode=era)
    assert tools == DEFAULT_TOOLS
