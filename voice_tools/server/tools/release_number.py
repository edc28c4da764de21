"""release_number: give a number back to Zendesk, after an explicit yes (toolset ``release``).

The same confirmation modes as buy_number (a form; a single-use code where the operator allows codes;
the operator's policy in ``preapproved`` mode), and one more gate before any of them: the operator must
have turned releases on (``VOICE_TOOLS_RELEASES=on``). The summary the user confirms names the number,
its nickname, what routes calls to it, and that calls will stop for good.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import (
    Context,
    Elicit,
    ElicitationResult,
    Resolve,
)
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, StrictBool

from voice_tools.client import ZendeskError
from voice_tools.guard import GuardRefusal, ReleasePlan

from ..shared.arguments import PhoneNumberId
from ..shared.confirm import Action, CodeConfirmation, PolicyApproval, read_answer, route
from ..shared.errors import message, tool_error
from ..shared.results import ReleaseResult, respond
from ..state import AppState, state

DESCRIPTION = (
    "Release a number from the account: its calls stop and it cannot be undone. The user must say yes, as for "
    "buy_number (a form, or a summary and a confirmation_code to send back only after their yes)."
)
CODE_NEXT_STEP = (
    "Nothing released yet. Show the user the summary word for word and ask whether to release it. Only if they "
    "say yes, call release_number again with the same phone_number_id and this confirmation_code."
)
RELEASE = Action("release", "releases numbers", "not released", "release the number in Zendesk")
NEXT_STEPS = {
    "released": "Tell the user it is released and its calls have stopped.",
    "not_released": "Tell the user the number was not released.",
    "unknown": "Do not retry. Tell the user to check with get_number in a minute whether it is still in the account.",
}


class ConfirmRelease(BaseModel):
    """The form the user sees; only a JSON ``true`` releases."""

    confirm: StrictBool = Field(
        default=False, description="Yes, release this number: its calls stop, and this cannot be undone"
    )


def refused(refusal: GuardRefusal) -> ToolError:
    next_step = (
        "call release_number again without a code and wait for the user's yes"
        if refusal.rule == "confirmation_code"
        else "tell the user the release is not allowed on this server"
        if refusal.rule == "releases_disabled"
        else "call get_number in a minute to see whether the number is still in the account"
    )
    return ToolError(message(f"not released: {refusal.message}", "no", next_step))


async def _plan(app: AppState, phone_number_id: int) -> ReleasePlan:
    try:
        return await app.releases.prepare(phone_number_id)
    except GuardRefusal as refusal:
        raise refused(refusal) from None
    except ZendeskError as error:
        raise tool_error(error, subject=f"phone number {phone_number_id}") from None


async def ask_for_confirmation(
    phone_number_id: int, ctx: Context[Any, Any]
) -> Elicit[ConfirmRelease] | CodeConfirmation | PolicyApproval:
    """Refuse early (releases off, no such number), then ask the user as the operator and client allow."""
    app = state(ctx)
    plan = await _plan(app, phone_number_id)

    async def no_form() -> None:
        await app.releases.record_no(plan, "none", "client cannot show a confirmation form (elicit_only)")

    return await route(ctx, app, plan.summary(), ConfirmRelease, RELEASE, no_form)


async def release_number(
    phone_number_id: PhoneNumberId,
    ctx: Context[Any, Any],
    confirmation: Annotated[ElicitationResult[ConfirmRelease], Resolve(ask_for_confirmation)],
    confirmation_code: Annotated[
        str | None, Field(max_length=12, description="Only after the user said yes to the summary")
    ] = None,
) -> Annotated[CallToolResult, ReleaseResult]:
    app = state(ctx)
    plan = await _plan(app, phone_number_id)
    number = plan.number.number or str(phone_number_id)
    answer = read_answer(confirmation, ConfirmRelease, RELEASE, "release_number")
    if answer.refusal:
        await app.releases.record_no(plan, "elicitation", answer.reason)
        return respond(
            ReleaseResult(
                status="not_released",
                number=number,
                phone_number_id=phone_number_id,
                summary=plan.summary(),
                next_step=answer.next_step("nothing was released"),
            )
        )
    if answer.confirmed_by == "code" and confirmation_code is None:
        try:
            code = await app.releases.issue_code(plan)
        except GuardRefusal as refusal:
            raise refused(refusal) from None
        return respond(
            ReleaseResult(
                status="confirmation_required",
                number=number,
                phone_number_id=phone_number_id,
                summary=plan.summary(),
                confirmation_code=code,
                next_step=CODE_NEXT_STEP,
            )
        )
    confirmed_by = answer.confirmed_by or "elicitation"
    try:
        redeem = confirmation_code if confirmed_by == "code" else None
        outcome = await app.releases.release(plan, confirmed_by, code=redeem)
    except GuardRefusal as refusal:
        raise refused(refusal) from None
    except ZendeskError as error:
        raise tool_error(error, subject=f"the release of {number}") from None
    app.directory.forget()
    return respond(
        ReleaseResult(
            status=outcome.outcome,
            number=outcome.number,
            phone_number_id=phone_number_id,
            summary=outcome.message,
            next_step=NEXT_STEPS[outcome.outcome],
        )
    )
