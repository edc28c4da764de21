"""buy_number: a purchase from a quote, after an explicit yes.

How the yes is given is decided by the resolver, before the tool body runs, from the operator's mode:

- ``elicit_only`` (default): the client shows the user a form with the summary, and only an accept
  with ``confirm`` ticked (a JSON ``true``, nothing that merely reads as true) buys; a client that
  cannot show a form is refused, with the setting that would allow codes;
- ``elicit_or_code``: as above, and a client that cannot show a form gets the summary and a single-use
  code instead; only a second call with that code buys;
- a host that shows MCP Apps (any mode but ``preapproved``): nothing is bought here; the number picker
  page shows the summary, and only the person's click on Buy buys (``tools/answer_purchase.py``);
- ``preapproved``: unattended workflows; the operator's spend policy (a finite daily cap and price
  ceiling, required at start-up) is the approval, and each purchase is audited as approved by policy.

The quote, the spend policy and the address are checked first, in the resolver, so nobody is asked to
confirm a purchase that would be refused, and the confirmation shows the exact purchase to be made.
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
from voice_tools.guard import GuardRefusal, PurchasePlan

from ..shared.arguments import AddressSid
from ..shared.confirm import Action, AppApproval, CodeConfirmation, PolicyApproval, page_asks, read_answer, route
from ..shared.errors import message, tool_error
from ..shared.results import BuyResult, respond
from ..state import AppState, state

DESCRIPTION = (
    "Buy the number behind a search_numbers quote (a monthly charge). The user must say yes: the client shows "
    "them a form, or, if it cannot, this returns a summary and a confirmation_code: show the user the summary "
    "and call again with the code only after they say yes."
)


CODE_NEXT_STEP = (
    "Nothing bought yet. Show the user the summary word for word and ask whether to buy. Only if they say yes, "
    "call buy_number again with the same quote and address_sid and this confirmation_code."
)
APP_NEXT = (
    "Nothing bought yet. The user sees this purchase in the number picker with Buy and Cancel; only their click "
    "buys it. Do not call buy_number again for this quote: ask the user to review it there."
)
BUY = Action("buy", "buys numbers", "not purchased", "buy the number in Zendesk")


class ConfirmPurchase(BaseModel):
    """The form a client shows the user (flat primitives only, as elicitation requires). Strict: only a
    JSON ``true`` confirms; "true", "yes", "on" or 1 are refused by the SDK before the tool runs."""

    confirm: StrictBool = Field(
        default=False, description="Yes, buy this number and add its monthly charge to the bill"
    )


def refused(refusal: GuardRefusal) -> ToolError:
    return ToolError(message(f"not purchased: {refusal.message}", "no", _next_after_refusal(refusal)))


async def plan_purchase(app: AppState, quote: str, address_sid: str | None) -> PurchasePlan:
    """The guard's checks (quote, policy, address) as a plan, or the refusal as the model-facing error."""
    try:
        return await app.guard.prepare(quote, address_sid)
    except GuardRefusal as refusal:
        raise refused(refusal) from None
    except ZendeskError as error:
        raise tool_error(error, subject="the address check") from None


def _next_after_refusal(refusal: GuardRefusal) -> str:
    if refusal.rule == "address_required":
        return "ask the user which address (see above), then call buy_number with quote and address_sid"
    if refusal.rule == "invalid_quote":
        return "call search_numbers and use a quote from its results, unchanged"
    if refusal.rule == "confirmation_code":
        return "call buy_number with the quote and no code, show the user the new summary, and wait for their yes"
    if refusal.rule in ("already_attempted", "number_pending"):
        return "check list_numbers; search again if the user wants another number"
    return "tell the user the purchase is not allowed by this server's policy"


async def ask_for_confirmation(
    quote: str, address_sid: str | None, ctx: Context[Any, Any]
) -> Elicit[ConfirmPurchase] | CodeConfirmation | PolicyApproval | AppApproval:
    """Refuse early (quote, policy, address), then ask the user in the way the operator and client allow."""
    app = state(ctx)
    plan = await plan_purchase(app, quote, address_sid)

    async def no_form() -> None:
        await app.guard.record_no(plan, "none", "client cannot show a confirmation form (elicit_only)")

    if page_asks(ctx, app):
        return AppApproval()
    return await route(ctx, app, plan.summary(), ConfirmPurchase, BUY, no_form)


async def buy_number(
    quote: Annotated[str, Field(min_length=1, max_length=400, description="The quote from search_numbers, unchanged")],
    ctx: Context[Any, Any],
    confirmation: Annotated[ElicitationResult[ConfirmPurchase], Resolve(ask_for_confirmation)],
    address_sid: AddressSid | None = None,
    confirmation_code: Annotated[
        str | None, Field(max_length=12, description="Only after the user said yes to the summary")
    ] = None,
) -> Annotated[CallToolResult, BuyResult]:
    app = state(ctx)
    plan = await plan_purchase(app, quote, address_sid)
    number = plan.quote.number
    answer = read_answer(confirmation, ConfirmPurchase, BUY, "buy_number")
    if answer.refusal:
        await app.guard.record_no(plan, "elicitation", answer.reason)
        next_step = answer.next_step("nothing was bought")
        return respond(BuyResult(status="not_purchased", number=number, summary=plan.summary(), next_step=next_step))
    if answer.confirmed_by == "app":  # the picker page asks; its Buy button calls answer_purchase
        pending = BuyResult(status="confirmation_required", number=number, summary=plan.summary(), next_step=APP_NEXT)
        return respond(pending)
    if answer.confirmed_by == "code" and confirmation_code is None:
        try:
            code = await app.guard.issue_code(plan)
        except GuardRefusal as refusal:
            raise refused(refusal) from None
        return respond(
            BuyResult(
                status="confirmation_required",
                number=number,
                summary=plan.summary(),
                confirmation_code=code,
                next_step=CODE_NEXT_STEP,
            )
        )
    redeem = confirmation_code if answer.confirmed_by == "code" else None
    return await complete(app, plan, answer.confirmed_by or "elicitation", code=redeem)


NEXT_STEPS = {
    "purchased": "Tell the user it is bought; offer to configure it with update_settings (nickname, group_ids).",
    "not_purchased": "Tell the user nothing was bought; they may try again with a fresh search.",
    "unknown": "Do not retry or buy another. Tell the user to check the account's numbers before doing anything else.",
}


async def complete(app: AppState, plan: PurchasePlan, confirmed_by: str, *, code: str | None = None) -> CallToolResult:
    """The purchase itself, after the yes: through the guard (code redeemed, reserved, sent once, settled)."""
    try:
        outcome = await app.guard.purchase(plan, confirmed_by, code=code)
    except GuardRefusal as refusal:
        raise refused(refusal) from None
    except ZendeskError as error:
        raise tool_error(error, subject=f"the purchase of {plan.quote.number}") from None
    if outcome.outcome == "purchased":
        app.directory.forget()
    return respond(
        BuyResult(
            status=outcome.outcome,
            number=outcome.number,
            phone_number_id=outcome.phone_number_id,
            summary=outcome.message,
            next_step=NEXT_STEPS[outcome.outcome],
        )
    )
