"""Imports run one way: cli -> server -> guard -> client -> models. The sandbox stands apart.

A layer may import the layers below it and never one above, so that, for example, the client can be
reused without the MCP server, and the sandbox (written from Zendesk's documents) can never share a
mistake with the client it tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "voice_tools"
LAYERS = ["cli", "demo", "server", "guard", "client", "models"]
MAY_IMPORT: dict[str, set[str]] = {
    "cli": {"server", "guard", "client", "models", "sandbox", "demo"},
    "demo": set(),  # it talks to the server over stdio, as a chat client does
    "server": {"guard", "client", "models", "sandbox"},  # the sandbox: only as the default backend
    "guard": {"client", "models"},
    "client": {"models"},
    "models": set(),
    "sandbox": set(),
}


def layer_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else relative.stem


def internal_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("voice_tools."):
            found.add(node.module.split(".")[1])  # type: ignore[union-attr]
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("voice_tools.")}
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_one_way(path: Path) -> None:
    layer = layer_of(path)
    if layer in ("__init__", "__main__"):
        return
    allowed = MAY_IMPORT[layer] | {layer}
    wrong = internal_imports(path) - allowed - {"__init__"}
    assert not wrong, f"{path.relative_to(PACKAGE)} ({layer}) imports {sorted(wrong)}, above or beside it"
