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

from mcp.server.apps import Apps, ResourceCsp
from mcp.types import ToolAnnotations

from ..tools.answer_purchase import ANSWER_DESCRIPTION, answer_purchase
from ..tools.review_purchase import REVIEW_DESCRIPTION, review_purchase
from .files import BYTE_BUDGET, page

PICKER = "ui://voice-tools/number-picker.html"
ACCOUNT = "ui://voice-tools/account.html"
LINKS = {"search_numbers": PICKER, "buy_number": PICKER, "list_numbers": ACCOUNT}
APP_TOOLS = ("review_purchase", "answer_purchase")

__all__ = ["ACCOUNT", "APP_TOOLS", "BYTE_BUDGET", "LINKS", "PICKER", "build_apps", "page"]


PAGES = (  # uri, file, name, title, description
    (PICKER, "picker", "number-picker", "Choose and buy a number", "The offers of a search, and Buy/Cancel for one"),
    (ACCOUNT, "account", "account-numbers", "The account's numbers", "Every number's routing and audited settings"),
)


def build_apps(*, buying: bool, annotations: dict[str, ToolAnnotations]) -> Apps:
    """The pages, and the picker's two app-only tools when this server buys (not read-only, numbers toolset).
    No domain is declared for either page (``ResourceCsp()``): the host lets them reach nothing."""
    apps = Apps()
    for uri, file, name, title, description in PAGES:
        apps.add_html_resource(
            uri, page(file), name=name, title=title, description=description, csp=ResourceCsp(), prefers_border=True
        )
    tools = (
        (review_purchase, "Review a purchase", REVIEW_DESCRIPTION, annotations["review"]),
        (answer_purchase, "Answer a purchase", ANSWER_DESCRIPTION, annotations["answer"]),
    )
    for fn, title, description, hints in tools if buying else ():
        register = apps.tool(
            resource_uri=PICKER, visibility=["app"], title=title, description=description, annotations=hints
        )
        register(fn)
    return apps
