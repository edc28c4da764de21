"""How a tool declares itself: one ``Declared`` at the end of its module, read by the registry (``tools/__init__.py``).

A tool's whole definition is in its module: its function, its title and description for the model, its
annotations, the toolset it belongs to and the page it links to. The server's assembly, the toolset lists,
the page links and the generated reference (``docs/tools.md``) are all derived from the declarations, so a
tool is defined in one place.

The annotations say only what differs from MCP's defaults (readOnlyHint false, destructiveHint true,
idempotentHint false, openWorldHint true: every tool here reaches Zendesk), since the tool list is paid for
on every turn; destructiveHint is stated on every tool that writes, as the one hint a client must not miss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp.types import ToolAnnotations

from ..config.variables import DEFAULT_TOOLSET

# The pages MCP Apps hosts show (views/): declared here, below the tools that link to them.
PICKER = "ui://voice-tools/number-picker.html"
ACCOUNT = "ui://voice-tools/account.html"


def _annotations(*, read_only: bool, destructive: bool, idempotent: bool) -> ToolAnnotations:
    return ToolAnnotations(
        read_only_hint=True if read_only else None,
        destructive_hint=None if read_only else destructive,
        idempotent_hint=True if idempotent else None,
    )


READS = _annotations(read_only=True, destructive=False, idempotent=True)
OVERWRITES = _annotations(read_only=False, destructive=True, idempotent=True)  # the same call twice: same state
COMMITS_MONEY = _annotations(read_only=False, destructive=True, idempotent=False)  # a recurring charge, not undone
ADDS = _annotations(read_only=False, destructive=False, idempotent=False)  # a new record; nothing overwritten
GIVES_UP = _annotations(read_only=False, destructive=True, idempotent=False)  # a number released is gone for good


@dataclass(frozen=True)
class Declared:
    """One tool, as the server registers it."""

    fn: Callable[..., Any]
    title: str
    description: str
    annotations: ToolAnnotations
    toolset: str = DEFAULT_TOOLSET
    page: str | None = None  # the MCP Apps page it links to (``_meta.ui.resourceUri``), for hosts that show them
    app_only: bool = False  # only that page calls it (``visibility: ["app"]``): never in the model's list
    dynamic_only: bool = False  # offered only with dynamic toolsets (``enable_toolset``)
    example: dict[str, Any] | None = None  # the arguments of a typical call, for docs/tools.md (checked by a test)

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def writes(self) -> bool:
        return not self.annotations.read_only_hint
