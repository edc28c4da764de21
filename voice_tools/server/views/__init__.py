"""MCP Apps (the ``io.modelcontextprotocol/ui`` extension): pages a host shows in a sandboxed iframe.

- ``ui://voice-tools/number-picker.html``, linked from search_numbers and buy_number: the offers as a
  table, the chosen one's full terms, and Buy/Cancel, which call the app-only tools review_purchase
  and answer_purchase;
- ``ui://voice-tools/account.html``, linked from list_numbers: the account's numbers with routing and the
  settings an admin audits, sortable and filterable; a change goes through update_settings, previewed
  first with ``dry_run``.

A host that did not negotiate Apps sees none of this (``visibility.py``). ``VOICE_TOOLS_APPS=off`` leaves
the pages out for every host.
"""

from __future__ import annotations

from collections.abc import Iterable

from mcp.server.apps import Apps, ResourceCsp

from ..shared.declared import ACCOUNT, PICKER, Declared
from ..tools import REGISTRY
from .files import BYTE_BUDGET, page

APP_TOOLS = tuple(d.name for d in REGISTRY if d.app_only)

__all__ = ["ACCOUNT", "APP_TOOLS", "BYTE_BUDGET", "PICKER", "build_apps", "page"]


PAGES = (  # uri, file, name, title, description
    (PICKER, "picker", "number-picker", "Choose and buy a number", "The offers of a search, and Buy/Cancel for one"),
    (ACCOUNT, "account", "account-numbers", "The account's numbers", "Every number's routing and audited settings"),
)


def build_apps(app_tools: Iterable[Declared]) -> Apps:
    """The pages, and the app-only tools the server offers (the picker's, when it buys: not read-only, numbers
    toolset). No domain is declared for either page (``ResourceCsp()``): the host lets them reach nothing."""
    apps = Apps()
    for uri, file, name, title, description in PAGES:
        apps.add_html_resource(
            uri, page(file), name=name, title=title, description=description, csp=ResourceCsp(), prefers_border=True
        )
    for declared in app_tools:
        register = apps.tool(
            resource_uri=declared.page or PICKER,
            visibility=["app"],
            title=declared.title,
            description=declared.description,
            annotations=declared.annotations,
        )
        register(declared.fn)
    return apps
