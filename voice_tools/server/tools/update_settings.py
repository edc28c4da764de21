"""update_settings: change a number's attributes and settings, sending only what differs, showing before/after.

Nothing is refused here on a rule no Zendesk document states: what the preview doubts (an id the account's
lists lack, SMS without the capability, outbound calling on a toll-free number that cannot) is a warning in
the dry run and in the answer, the update is sent as asked, and Zendesk's own answer decides.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from voice_tools.client import ZendeskError

from ..shared.arguments import PhoneNumberId
from ..shared.declared import OVERWRITES, Declared
from ..shared.errors import tool_error
from ..shared.number_changes import apply, parse_request, plan, refused_update
from ..shared.results import UpdateResult, respond
from ..state import state

DESCRIPTION = (
    "Change a number's attributes (changes, e.g. nickname, group_ids, recorded) and settings (settings, e.g. "
    "voicemail, call_recording_delete_after), sending only what differs. Preview with dry_run=true; apply once "
    "the user agrees."
)


async def update_settings(
    phone_number_id: PhoneNumberId,
    ctx: Context[Any, Any],
    changes: Annotated[
        dict[str, Any] | None,
        Field(
            description=(
                "Attributes: nickname, group_ids (ids or names), default_group_id, ivr_id, schedule_id, recorded, ..."
            )
        ),
    ] = None,
    settings: Annotated[
        dict[str, Any] | None,
        Field(description="Settings: voicemail, call_recording_delete_after, overflow_number, maximum_queue_size, ..."),
    ] = None,
    dry_run: Annotated[bool, Field(description="true: show what would change, change nothing")] = False,
) -> Annotated[CallToolResult, UpdateResult]:
    app = state(ctx)
    request = await parse_request(app, phone_number_id, changes, settings)
    subject = f"phone number {phone_number_id}"
    try:
        planned = await plan(app, phone_number_id, request)
    except ZendeskError as error:
        raise tool_error(error, subject=subject) from None
    warnings = planned.warnings or None
    if not planned.diff:
        return respond(
            UpdateResult(
                phone_number_id=phone_number_id,
                applied=False,
                changes=[],
                next_step="Nothing to do: every field already has that value.",
            )
        )
    if dry_run:
        see = "these changes and the warnings" if warnings else "these changes"
        return respond(
            UpdateResult(
                phone_number_id=phone_number_id,
                applied=False,
                changes=planned.diff,
                warnings=warnings,
                next_step=f"Show the user {see}; call again with dry_run=false once they agree.",
            )
        )
    done = await apply(app, planned)
    if done.error is not None:
        raise refused_update(done, subject, planned.warnings)
    if done.missed:
        next_step = f"Zendesk did not apply {', '.join(done.missed)}; tell the user and check with get_number."
    else:
        next_step = "Done. Tell the user what changed."
    return respond(
        UpdateResult(
            phone_number_id=phone_number_id,
            applied=not done.missed,
            changes=done.diff,
            warnings=warnings,
            next_step=next_step,
        )
    )


TOOL = Declared(
    update_settings,
    "Update a number's settings",
    DESCRIPTION,
    OVERWRITES,
    example={
        "phone_number_id": 900000120986,
        "changes": {"group_ids": ["Billing"], "recorded": True},
        "settings": {"voicemail": False},
        "dry_run": True,
    },
)
