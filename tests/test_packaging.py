"""The wheel a user installs carries everything the server reads from files: the MCP Apps pages, the
routing guide and the prompts (a file left out would only show on someone else's machine)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "voice_tools"


@pytest.mark.timeout(300)
def test_the_wheel_carries_the_pages_the_guide_and_the_prompts(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is missing: the README's commands install it (python3 -m pip install uv)")
    subprocess.run([uv, "build", "--wheel", "-q", "-o", str(tmp_path)], cwd=ROOT, check=True, timeout=240)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        *(f"voice_tools/server/views/html/{p.name}" for p in (PACKAGE / "server/views/html").iterdir()),
        *(f"voice_tools/guides/{p.name}" for p in (PACKAGE / "guides").iterdir()),
        *(f"voice_tools/_prompts/{p.name}" for p in (ROOT / "prompts").glob("*.md")),
    }
    assert expected <= names, sorted(expected - names)
    assert len([n for n in expected if n.endswith(".html")]) == 2
