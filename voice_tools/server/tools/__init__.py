"""The tools, one module per tool named after it; each ends with its own declaration (``TOOL``).

This registry lists them in the order a model reads them. Everything else about a tool (its toolset, its
annotations, the page it links to, whether only a page may call it) is in its declaration: the server's
assembly (``app.py``), the MCP Apps pages (``views/``) and the generated reference (``docs/tools.md``) read
it from there.
"""

from __future__ import annotations

from ..shared.declared import Declared
from . import (
    answer_purchase,
    buy_number,
    buy_numbers,
    create_address,
    enable_toolset,
    get_number,
    list_addresses,
    list_numbers,
    release_number,
    review_purchase,
    search_numbers,
    update_numbers,
    update_settings,
)

REGISTRY: tuple[Declared, ...] = tuple(
    module.TOOL
    for module in (
        search_numbers,
        list_numbers,
        get_number,
        update_settings,
        buy_number,
        release_number,
        list_addresses,
        create_address,
        update_numbers,
        buy_numbers,
        review_purchase,
        answer_purchase,
        enable_toolset,
    )
)
