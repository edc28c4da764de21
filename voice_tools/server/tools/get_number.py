"""get_number: one number in full, by id or by the number in any common format, with what include adds."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import Field

from voice_tools.client import NotFoundError, ZendeskError
from voice_tools.models import Include, as_records

from ..shared.arguments import NumberText, PhoneNumberId
from ..shared.budget import estimated_tokens, rows_that_fit
from ..shared.declared import READS, Declared
from ..shared.errors import message, tool_error
from ..shared.invalid import invalid_arguments
from ..shared.results import NOISY_FIELDS, NumberDetails, compact_json, respond
from ..state import state

GET_DESCRIPTION = (
    "One number in full, by phone_number_id or by the number itself. include adds its settings, or the account's "
    "groups, IVRs, schedules and greetings (ids for update_settings)."
)


async def _find_by_number(ctx: Context[Any, Any], number: str) -> int:
    try:
        found = await state(ctx).directory.find(number)
    except ZendeskError as error:
        raise tool_error(error, subject="the list of numbers") from None
    if len(found) == 1:
        return found[0].id
    if not found:
        raise ToolError(message(f"no number in the account matches {number}", "no", "call list_numbers to find it"))
    listing = ", ".join(f"{n.id} ({n.number})" for n in found[:10])
    raise ToolError(message(f"{number} matches several numbers: {listing}", "no", "call again with phone_number_id"))


async def get_number(
    ctx: Context[Any, Any],
    phone_number_id: PhoneNumberId | None = None,
    number: NumberText | None = None,
    include: Annotated[list[Include] | None, Field(description="Extra data to add")] = None,
) -> Annotated[CallToolResult, NumberDetails]:
    if (phone_number_id is None) == (number is None):
        given = "both" if number is not None else "neither"
        found = [f"it takes exactly one of phone_number_id and number, and was given {given}"]
        raise ToolError(invalid_arguments("get_number", found, fix=["phone_number_id or number"]))
    number_id = phone_number_id if phone_number_id is not None else await _find_by_number(ctx, number or "")
    app = state(ctx)
    try:
        details = await app.client.get_number(number_id, include or ())
    except NotFoundError as error:
        app.directory.forget()  # a number released since the directory was read: read it again next time
        raise tool_error(error, subject=f"phone number {number_id}") from None
    except ZendeskError as error:
        raise tool_error(error, subject=f"phone number {number_id}") from None
    record = details.phone_number.model_dump(mode="json", exclude_none=True, exclude=set(NOISY_FIELDS))
    related = {
        name: [r.model_dump(mode="json", exclude_none=True) for r in rows]
        for name, rows in (
            ("groups", details.groups),
            ("ivrs", details.ivrs),
            ("schedules", details.schedules),
            ("greetings", details.greetings),
        )
        if rows is not None
    }
    for name, value in details.unknown_fields().items():  # a side-load under a name this version does not model
        rows = as_records(value)
        if isinstance(rows, list) and all(isinstance(row, dict) for row in rows):
            related[name] = rows
    next_step = "To change it, call update_settings with dry_run=true first and show the user the changes."
    left = app.settings.max_result_tokens - estimated_tokens(compact_json(record))
    cut: list[str] = []
    for name, rows in related.items():  # an account with hundreds of groups: keep what fits, say what did not
        kept = rows_that_fit(rows, left)
        left -= sum(estimated_tokens(compact_json(row)) + 1 for row in rows[:kept])
        if kept < len(rows):
            related[name] = rows[:kept]
            cut.append(f"{name} {kept} of {len(rows)}")
    if cut:
        next_step = (
            f"Shown: {', '.join(cut)} (the result token limit). Ask for fewer kinds in include to see more. "
            + next_step
        )
    return respond(NumberDetails(phone_number=record, related=related or None, next_step=next_step))


TOOL = Declared(
    get_number,
    "Get one number",
    GET_DESCRIPTION,
    READS,
    example={"number": "(415) 555-0134", "include": ["settings", "all_groups"]},
)
