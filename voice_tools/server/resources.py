"""Resources a client can attach as context, and completion of prompt and template arguments.

- ``zendesk-talk://phone-numbers``: the account's numbers, compact (id, number, nickname, toll-free);
- ``zendesk-talk://phone-numbers/{id}``: one number in full, with its settings;
- ``zendesk-talk://policy``: the purchase rules in force, so an assistant can tell a user in advance
  that a purchase would be refused;
- ``zendesk-talk://routing-guide``: which fields express common routing wishes (voicemail only, after
  hours, overflow), which a model cannot guess from field names.

Completion handlers get no request context from the SDK, so they, and these resources, reach the
account through ``StateHolder``, which the server's lifespan fills.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.types import Completion, CompletionArgument, CompletionContext, PromptReference, ResourceTemplateReference

from voice_tools.client import NotFoundError, ZendeskError

from .config.values import ISO_COUNTRIES
from .shared.budget import rows_that_fit
from .shared.directory import digits
from .shared.errors import explain
from .state import AppState

MAX_COMPLETIONS = 100
NUMBERS_URI = "zendesk-talk://phone-numbers"
NUMBER_URI = "zendesk-talk://phone-numbers/{id}"
POLICY_URI = "zendesk-talk://policy"
ROUTING_GUIDE_URI = "zendesk-talk://routing-guide"
GUIDES = Path(__file__).resolve().parents[1] / "guides"


GROUPS_CACHE_SECONDS = 60.0


@dataclass
class StateHolder:
    """The live state for resources and completion (numbers and groups come from the server's
    directories, which read the account at most once a minute)."""

    current: AppState | None = None

    def get(self) -> AppState:
        if self.current is None:
            raise ResourceError("the server is still starting; try again")
        return self.current

    async def account_groups(self, app: AppState) -> list[tuple[str, str]]:
        return [(str(g.id), g.name or "") for g in await app.groups.all()]


def _json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def register_resources(server: MCPServer[Any], holder: StateHolder) -> None:
    @server.resource(
        NUMBERS_URI, name="phone_numbers", title="The account's phone numbers", mime_type="application/json"
    )
    async def phone_numbers() -> str:
        app = holder.get()
        try:
            numbers = await app.client.list_numbers().collect()
        except ZendeskError as error:
            raise ResourceError(explain(error, subject="the list of numbers")) from None
        rows = [
            {"id": n.id, "number": n.number, "name": n.nickname, **({"toll_free": True} if n.toll_free else {})}
            for n in numbers
        ]
        shown = rows_that_fit(rows, app.settings.max_result_tokens)
        listing: dict[str, Any] = {"account": app.account, "total": len(rows), "numbers": rows[:shown]}
        if shown < len(rows):
            listing["note"] = f"the first {shown} of {len(rows)}; list_numbers (with offset) reads the rest"
        return _json(listing)

    @server.resource(NUMBER_URI, name="phone_number", title="One phone number in full", mime_type="application/json")
    async def phone_number(id: str) -> str:
        if not id.isdigit():
            raise ResourceNotFoundError(f"{id!r} is not a phone number id; ids are digits, from {NUMBERS_URI}")
        app = holder.get()
        try:
            details = await app.client.get_number(int(id), ["settings"])
        except NotFoundError:
            raise ResourceNotFoundError(f"the account has no phone number {id}; see {NUMBERS_URI}") from None
        except ZendeskError as error:
            raise ResourceError(explain(error, subject=f"phone number {id}")) from None
        return _json(details.phone_number.model_dump(mode="json", exclude_none=True))

    @server.resource(POLICY_URI, name="purchase_policy", title="Purchase rules in force", mime_type="application/json")
    async def policy() -> str:
        app = holder.get()
        settings = app.settings
        return _json(
            {
                "account": app.account,
                "read_only": settings.read_only,
                "approvals": sorted(settings.approvals),
                "quote_valid_minutes": settings.quote_ttl_seconds // 60,
                **settings.policy.describe(),
                "purchases_today": await app.guard.purchases_today(),
            }
        )


def register_guides(server: MCPServer[Any]) -> None:
    """Text for the model that no field name carries, served as resources (nothing in the tool list)."""
    guide = (GUIDES / "routing.md").read_text()

    @server.resource(
        ROUTING_GUIDE_URI,
        name="routing_guide",
        title="Which fields express common routing wishes",
        mime_type="text/markdown",
    )
    def routing_guide() -> str:
        return guide


def register_completions(server: MCPServer[Any], holder: StateHolder, kinds: dict[tuple[str, str], str]) -> None:
    """Complete country codes, the account's numbers and its groups, where an argument takes them."""

    @server.completion()  # type: ignore[untyped-decorator, no-untyped-call]
    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        if isinstance(ref, ResourceTemplateReference):
            kind = "number_id" if ref.uri == NUMBER_URI and argument.name == "id" else None
        else:
            kind = kinds.get((ref.name, argument.name))
        if kind is None:
            return None
        values = await _candidates(holder, kind, argument.value.strip())
        return Completion(values=values[:MAX_COMPLETIONS], total=len(values), has_more=len(values) > MAX_COMPLETIONS)


async def _candidates(holder: StateHolder, kind: str, typed: str) -> list[str]:
    if kind == "country":
        return sorted(c for c in ISO_COUNTRIES if c.startswith(typed.upper()))
    app = holder.current
    if app is None:
        return []
    try:
        if kind in ("number", "number_id"):
            entries = await app.directory.entries()
            out = [str(e.id) for e in entries if str(e.id).startswith(typed)]
            if kind == "number":  # by digits, however they are typed: "+1 4", "(415) 55", "+14"
                wanted = digits(typed)
                if wanted or not typed.strip():
                    out += [e.number for e in entries if wanted in digits(e.number)]
            return out
        if kind == "group":
            groups = await holder.account_groups(app)
            if typed.isdigit():  # an id being typed: complete ids
                return sorted(i for i, _ in groups if i.startswith(typed))
            return sorted(n for _, n in groups if n and n.lower().startswith(typed.lower()))
    except ZendeskError:
        return []  # completion is a convenience: never an error for the user
    return []
