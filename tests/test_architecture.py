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
LAYERS = ["cli", "install", "demo", "server", "guard", "client", "models"]
MAY_IMPORT: dict[str, set[str]] = {
    "cli": {"install", "server", "guard", "client", "models", "sandbox", "demo"},
    # client configs, the bundle's manifest, server.json: read off the server's settings, below the command
    "install": {"server", "guard", "client", "models", "sandbox", "demo"},
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


# Rooms inside voice_tools/server: each may import the rooms listed (and itself), nothing above it.
SERVER_ROOMS: dict[str, set[str]] = {
    "config": set(),
    "shared": {"config", "state"},  # state: the AppState a tool call shares
    "state": {"config", "shared", "transports.metrics"},  # the server's parts hold its metrics
    "tools": {"config", "shared", "state"},
    "views": {"config", "shared", "state", "tools"},
    "prompts": {"config", "shared", "state"},
    "resources": {"config", "shared", "state"},
    "app": {
        "config",
        "shared",
        "state",
        "tools",
        "views",
        "prompts",
        "resources",
        "transports.logs",
        "transports.metrics",
        "transports.loopback",  # the loopback listener a stdio server serves its approval pages on
        "sdk",
    },
    "transports": {"config", "shared", "state", "app", "views"},
    "ledger_admin": {"config", "app"},  # the operator's ledger commands: the same parts the server builds
    "sdk": {"config", "shared", "state", "views", "transports.logs", "transports.metrics"},
    "tool_reference": {"config", "shared"},  # docs/tools.md, from the live list and the declarations
}
SERVER = PACKAGE / "server"


def server_room(module: str) -> str:
    """``voice_tools.server.tools.buy_number`` -> ``tools``."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 else "__init__"


def module_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the voice_tools modules ``path`` imports at module level (not under TYPE_CHECKING,
    not inside functions: those run later and cannot form an import cycle)."""
    tree = ast.parse(path.read_text())
    package = module_of(path) if path.name == "__init__.py" else module_of(path).rsplit(".", 1)[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
                names = [f"{target}.{a.name}" for a in node.names] if not node.module else []
                found |= {target, *names}
            elif (node.module or "").startswith("voice_tools"):
                found.add(node.module or "")
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("voice_tools")}
    known = {module_of(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in known}


@pytest.mark.parametrize("path", sorted(SERVER.rglob("*.py")), ids=lambda p: str(p.relative_to(SERVER)))
def test_server_rooms_import_one_way(path: Path) -> None:
    room = server_room(module_of(path))
    if room == "__init__":
        return
    wrong = set()
    for module in imported_modules(path):
        if not module.startswith("voice_tools.server.") or module == "voice_tools.server":
            continue
        other = server_room(module)
        detail = ".".join(module.split(".")[2:4])
        if other != room and other not in SERVER_ROOMS[room] and detail not in SERVER_ROOMS[room]:
            wrong.add(module)
    assert not wrong, f"server/{path.relative_to(SERVER)} ({room}) imports {sorted(wrong)}, above or beside it"


# Modules over 500 lines that may not grow until they are split (none today).
LONG_MODULES: dict[str, int] = {}


def test_no_package_folder_is_crowded_and_no_module_is_long() -> None:
    for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir() and (p / "__init__.py").exists())]:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= 20, f"{folder.relative_to(PACKAGE.parent)} holds {len(modules)} modules"
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > LONG_MODULES.get(str(p.relative_to(PACKAGE)), 500)
    }
    assert not long, f"modules over 500 lines: {long}"


def test_no_import_cycles() -> None:
    graph = {module_of(p): imported_modules(p) for p in PACKAGE.rglob("*.py")}
    state: dict[str, int] = {}  # 1: on the path, 2: done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if target == module or module.startswith(target + "."):
                continue  # a module importing its own package's __init__ (which only names what it holds)
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target] if target in path else [module, target])
            elif state.get(target) is None:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_every_tool_s_tests_are_found_by_its_name() -> None:
    """A tool's tests beside its name (tests/server/tools/test_<tool>.py); the pages' own tools, which only the
    MCP Apps pages call, are tested with the pages (tests/apps/test_apps_protocol.py)."""
    from voice_tools.server.tools import REGISTRY

    tests = PACKAGE.parent / "tests"
    missing = [
        d.name for d in REGISTRY if not d.app_only and not (tests / "server" / "tools" / f"test_{d.name}.py").exists()
    ]
    pages = (tests / "apps" / "test_apps_protocol.py").read_text()
    untested_page_tools = [d.name for d in REGISTRY if d.app_only and d.name not in pages]
    assert not missing and not untested_page_tools, (missing, untested_page_tools)
